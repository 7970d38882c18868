//! The errors a login, a refresh or a guard can end in.

use rocket::http::Status;

use crate::challenge::PendingChallenge;
use crate::store::StoreError;
use crate::verify::VerifyError;

/// What went wrong in a login, a refresh or a sign-out.
///
/// Wrong password and unknown user are the same [`Error::InvalidCredentials`], so a caller cannot
/// tell them apart; everything else is a variant an application can match on.
///
/// ```
/// use rocket::http::Status;
/// use rocket_warrant::Error;
///
/// assert_eq!(Error::InvalidCredentials.to_string(), "invalid username or password");
/// assert_eq!(Error::InvalidCredentials.status(), Status::Unauthorized);
/// assert_eq!(Error::Throttled.status(), Status::ServiceUnavailable);
/// ```
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Wrong password, unknown user, or a disabled user.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Cognito accepted the user but `create_unknown_users` is off and there is no local user.
    #[error("this user has no account on this site")]
    NotProvisioned,
    /// Cognito asks for another step before it issues tokens: for
    /// [`NewPasswordRequired`](crate::Challenge::NewPasswordRequired),
    /// [`Cognito::complete_new_password`](crate::Cognito::complete_new_password); for
    /// [`SmsMfa`](crate::Challenge::SmsMfa) and [`SoftwareTokenMfa`](crate::Challenge::SoftwareTokenMfa),
    /// [`Cognito::complete_mfa`](crate::Cognito::complete_mfa); for
    /// [`MfaSetup`](crate::Challenge::MfaSetup), [`Cognito::setup_totp`](crate::Cognito::setup_totp).
    #[error("Cognito requires the {} challenge before signing in", .0.challenge().name())]
    ChallengeRequired(PendingChallenge),
    /// Cognito refused a new password; the message says which rule of the pool's password
    /// policy it breaks, and may be shown to the user.
    #[error("the new password was refused: {0}")]
    PasswordRejected(String),
    /// The MFA code was wrong or has expired; the same challenge may be answered again while
    /// Cognito allows.
    #[error("the code is wrong or has expired")]
    WrongCode,
    /// The user has not confirmed the sign-up.
    #[error("the user has not confirmed the account")]
    UserNotConfirmed,
    /// An administrator reset the password; the user must set a new one.
    #[error("the user must reset the password")]
    PasswordResetRequired,
    /// The refresh token was revoked, expired, or belongs to a disabled user.
    #[error("the session has ended; sign in again")]
    SessionExpired,
    /// Cognito refused the app's own settings (client id, secret, enabled flows, credentials).
    #[error("Cognito refused the application's settings: {0}")]
    Misconfigured(String),
    /// Cognito is throttling this application.
    #[error("Cognito is throttling requests; try again shortly")]
    Throttled,
    /// Cognito could not be reached, timed out or failed.
    #[error("Cognito is unavailable: {0}")]
    Unavailable(String),
    /// Any other answer from Cognito.
    #[error("Cognito error {code}: {message}")]
    Cognito {
        /// The error code, e.g. `InvalidParameterException`.
        code: String,
        /// Cognito's message.
        message: String,
    },
    /// A token Cognito issued did not verify.
    #[error("token refused: {0}")]
    Token(#[from] VerifyError),
    /// The local user store failed.
    #[error("user store: {0}")]
    Store(#[from] StoreError),
    /// A token would not fit in its cookie.
    #[error("{0}")]
    CookieTooLarge(#[from] crate::cookies::CookieTooLarge),
}

impl Error {
    /// The HTTP status this error should answer with.
    pub fn status(&self) -> Status {
        match self {
            Error::InvalidCredentials | Error::SessionExpired | Error::Token(_) => Status::Unauthorized,
            Error::NotProvisioned | Error::UserNotConfirmed | Error::PasswordResetRequired => Status::Forbidden,
            Error::ChallengeRequired(_) => Status::Unauthorized,
            Error::PasswordRejected(_) | Error::WrongCode => Status::UnprocessableEntity,
            Error::Throttled | Error::Unavailable(_) | Error::Store(_) => Status::ServiceUnavailable,
            Error::Misconfigured(_) | Error::CookieTooLarge(_) => Status::InternalServerError,
            Error::Cognito { .. } => Status::BadGateway,
        }
    }
}

/// Answers with [`Error::status`] and a plain-text message. Server-side failures are logged in
/// full and answered with a generic message, so no internal detail reaches the client.
impl<'r> rocket::response::Responder<'r, 'static> for Error {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let status = self.status();
        let message = if status.code >= 500 {
            log::error!("rocket_warrant: {self}");
            match status {
                Status::ServiceUnavailable => "authentication is temporarily unavailable; try again shortly".to_owned(),
                _ => "authentication failed on the server".to_owned(),
            }
        } else {
            self.to_string()
        };
        (status, message).respond_to(req)
    }
}
