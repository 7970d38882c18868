//! The errors a login, a challenge's answer, a refresh or a sign-out can end in.

use std::fmt;
use std::sync::Arc;

use rocket::http::Status;

use crate::challenge::{Challenge, PendingChallenge};
use crate::store::StoreError;
use crate::tokens::VerifyError;

/// What went wrong in a login, a challenge's answer, a refresh or a sign-out.
///
/// Wrong password and unknown user are the same [`Error::InvalidCredentials`], so a caller cannot
/// tell them apart; everything else is a variant an application can match on. Errors that come
/// from a failed call carry it as their [`source`](std::error::Error::source).
///
/// As a [`Responder`](rocket::response::Responder) it answers with [`Error::status`]; errors on
/// the server's side (5xx) are logged and answered with a generic message.
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
#[non_exhaustive]
pub enum Error {
    /// Wrong password, unknown user, or a disabled user.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Cognito accepted the user but `create_unknown_users` is off and there is no local user.
    #[error("this user has no account on this site")]
    NotProvisioned,
    /// The local user of this username belongs to another Cognito user (another `sub`):
    /// Cognito let the username be taken again after the old user was deleted. Nothing was
    /// written; the new user gets no access to the old row (its id, its API key). Retire or
    /// rename the old row (`cognito_users`) to let the new user in.
    #[error("the local user {username:?} belongs to an earlier Cognito user of that username")]
    UsernameReused {
        /// The username.
        username: String,
    },
    /// Cognito asks for another step before it issues tokens. Keep the challenge with
    /// [`Cognito::keep`](crate::Cognito::keep) and answer it with
    /// [`Cognito::answer`](crate::Cognito::answer) (for [`Challenge::MfaSetup`], after
    /// [`Cognito::setup_totp`](crate::Cognito::setup_totp)).
    #[error("Cognito requires the {} challenge before signing in", .0.challenge().name())]
    ChallengeRequired(PendingChallenge),
    /// An answer of the wrong kind for the pending challenge (a password for an MFA code, say):
    /// the application's mistake, refused before Cognito sees it.
    #[error("{answer} does not answer the {} challenge", .challenge.name())]
    WrongAnswer {
        /// The challenge that is pending.
        challenge: Challenge,
        /// What was given: "a new password", "a code".
        answer: &'static str,
    },
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
    /// A sign-up's username (or alias) is taken.
    #[error("that username is taken")]
    UsernameExists,
    /// The code has expired, or was used already: ask for a new one.
    #[error("the code has expired; ask for a new one")]
    CodeExpired,
    /// Too many codes asked for or entered, or wrong passwords: Cognito refuses this user's
    /// attempts for a while. Its quotas count the last hour (developer guide, "Quotas": per user
    /// and hour, not reset by a new code), so an hour later the user may try again; as a
    /// responder it says so in `Retry-After`.
    #[error("too many attempts; try again in an hour")]
    TooManyAttempts,
    /// A limit of the site's in front of Cognito ([`Limits`](crate::config::Limits)): too many
    /// attempts from this address, on this username or on this account in the window. Nothing
    /// reached Cognito; the same answer for a known and an unknown username. The responder
    /// sends 429 with `Retry-After: retry_after_secs`, when the window ends.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Limited {
        /// Seconds until the window that refused ends.
        retry_after_secs: u64,
    },
    /// The user signed out everywhere moments ago, and the tokens of this new sign-in fall under
    /// that sign-out's cut-off (which covers `leeway_secs` after it, for a clock of Cognito's
    /// ahead of the site's): the sign-in may be made again in `retry_after_secs`, which the
    /// responder sends as `Retry-After` (409).
    #[error("signed out everywhere moments ago; sign in again in {retry_after_secs} s")]
    SignedOutEverywhereMomentsAgo {
        /// Seconds until a new sign-in's tokens are past the cut-off.
        retry_after_secs: u64,
    },
    /// Cognito refused a passkey's ceremony (a registration that timed out, a credential of
    /// another site or not JSON); the message says why, and the user may try again.
    #[error("the passkey was refused: {0}")]
    PasskeyRefused(String),
    /// Cognito refused the input (an attribute's format, say); the message says why and may be
    /// shown to the user.
    #[error("refused: {0}")]
    InvalidInput(String),
    /// Something Cognito offers that this crate does not support yet.
    #[error("{0} are not supported yet")]
    Unsupported(&'static str),
    /// The account was confirmed already: the user can sign in. Cognito says so whatever the
    /// code, so it tells that the username exists: a page that must not tell should answer it
    /// as it answers a wrong code.
    #[error("the account is confirmed already")]
    AlreadyConfirmed,
    /// An administrator reset the password; the user must set a new one.
    #[error("the user must reset the password")]
    PasswordResetRequired,
    /// The refresh token was revoked, expired, or belongs to a disabled user; or the challenge
    /// being answered is older than Cognito's three minutes or was used already.
    #[error("the session has ended; sign in again")]
    SessionExpired,
    /// The refresh token was rotated out already (refresh-token rotation, past its grace
    /// period): another request refreshed the same session at the same moment, on another
    /// instance, or an old copy of the token was sent again. The session may live on with the
    /// new token.
    #[error("the refresh token was rotated out by another refresh of the session")]
    RefreshTokenReused,
    /// This site keeps no local users (`Cognito::without_store`), and the call needs them.
    #[error("this site keeps no local users")]
    NoStore,
    /// The call lists or ends server-side sessions, and sessions are kept in cookies
    /// (`session_store = "cookies"`, the default).
    #[error("sessions are kept in cookies: listing and ending them needs session_store = \"database\"")]
    NoSessionStore,
    /// Cognito refused the application's own settings (client id, secret, enabled flows,
    /// credentials).
    #[error("Cognito refused the application's settings: {0}")]
    Misconfigured(#[source] ServiceError),
    /// A machine client's access token (the client-credentials grant) names no user: the call
    /// needs one.
    #[error("a machine client's token names no user")]
    MachineClient,
    /// A managed-login round trip was refused: see [`HostedLoginError`]. Nothing was signed in.
    #[error("the sign-in through Cognito's hosted pages failed: {0}")]
    HostedLogin(HostedLoginError),
    /// Cognito is throttling this application.
    #[error("Cognito is throttling requests; try again shortly")]
    Throttled,
    /// Cognito could not be reached, timed out or failed.
    #[error("Cognito is unavailable: {0}")]
    Unavailable(#[source] ServiceError),
    /// Any other answer from Cognito: its error code and message.
    #[error("Cognito error {0}")]
    Cognito(#[source] ServiceError),
    /// A token did not verify.
    #[error("token refused: {0}")]
    Token(#[from] VerifyError),
    /// The local user store failed.
    #[error("user store: {0}")]
    Store(#[from] StoreError),
    /// A token would not fit in its cookie once sealed; no cookie was set.
    #[error("the {cookie} cookie could be up to {size} bytes once sealed, over the browser limit of {limit}")]
    CookieTooLarge {
        /// The cookie's name.
        cookie: String,
        /// Its name and sealed value, in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl Error {
    /// The HTTP status this error should answer with.
    ///
    /// ```
    /// use rocket::http::Status;
    /// use rocket_warrant::Error;
    ///
    /// assert_eq!(Error::WrongCode.status(), Status::UnprocessableEntity);
    /// assert_eq!(Error::NotProvisioned.status(), Status::Forbidden);
    /// ```
    pub fn status(&self) -> Status {
        match self {
            // The keys could not be fetched: the server's trouble, not the token's.
            Error::Token(VerifyError::KeysUnavailable(_)) => Status::ServiceUnavailable,
            Error::InvalidCredentials | Error::SessionExpired | Error::RefreshTokenReused | Error::Token(_) => {
                Status::Unauthorized
            }
            Error::ChallengeRequired(_) => Status::Unauthorized,
            Error::NotProvisioned
            | Error::MachineClient
            | Error::UsernameReused { .. }
            | Error::UserNotConfirmed
            | Error::PasswordResetRequired => Status::Forbidden,
            Error::WrongAnswer { .. } => Status::BadRequest,
            Error::HostedLogin(HostedLoginError::Refused { error, .. }) if error == "access_denied" => {
                Status::Forbidden
            }
            Error::HostedLogin(_) => Status::BadRequest,
            Error::PasswordRejected(_)
            | Error::WrongCode
            | Error::CodeExpired
            | Error::InvalidInput(_)
            | Error::PasskeyRefused(_) => Status::UnprocessableEntity,
            Error::UsernameExists | Error::AlreadyConfirmed | Error::SignedOutEverywhereMomentsAgo { .. } => {
                Status::Conflict
            }
            Error::Unsupported(_) => Status::NotImplemented,
            Error::TooManyAttempts | Error::Limited { .. } => Status::TooManyRequests,
            Error::Throttled | Error::Unavailable(_) | Error::Store(_) => Status::ServiceUnavailable,
            Error::Misconfigured(_) | Error::CookieTooLarge { .. } | Error::NoStore | Error::NoSessionStore => {
                Status::InternalServerError
            }
            Error::Cognito(_) => Status::BadGateway,
        }
    }
}

/// How long Cognito's per-user quotas on codes count back (an hour): [`Error::TooManyAttempts`]'s
/// `Retry-After`.
const TRY_AGAIN_SECS: u64 = 3600;

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
        let mut response = (status, message).respond_to(req)?;
        let retry_after = match self {
            Error::TooManyAttempts => Some(TRY_AGAIN_SECS),
            Error::SignedOutEverywhereMomentsAgo { retry_after_secs } | Error::Limited { retry_after_secs } => {
                Some(retry_after_secs)
            }
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.set_raw_header("Retry-After", secs.to_string());
        }
        Ok(response)
    }
}

/// Why a managed-login round trip ([`Cognito::hosted_callback`](crate::Cognito::hosted_callback))
/// was refused.
///
/// ```
/// use rocket_warrant::Error;
/// use rocket_warrant::hosted::HostedLoginError;
///
/// let refused = Error::HostedLogin(HostedLoginError::Refused { error: "access_denied".into(), description: None });
/// assert_eq!(refused.status().code, 403);
/// assert_eq!(Error::HostedLogin(HostedLoginError::StateMismatch).status().code, 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostedLoginError {
    /// No sign-in of this browser is under way (never started here, finished already, or older
    /// than ten minutes): a callback URL opened twice, or from another browser.
    #[error("no sign-in is under way in this browser; start again")]
    NotStarted,
    /// The answer's `state` is not the one this browser's sign-in sent: a forged or crossed
    /// callback.
    #[error("the answer does not belong to this browser's sign-in (state)")]
    StateMismatch,
    /// Cognito (or the identity provider) answered with an OAuth error instead of a code:
    /// `access_denied` when the user declined, say.
    #[error("Cognito answered {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The OAuth error code (`access_denied`, `invalid_request`, ...).
        error: String,
        /// Its description, when Cognito gave one.
        description: Option<String>,
    },
    /// The callback carried no code.
    #[error("the answer carries no code")]
    NoCode,
    /// The token endpoint refused the code (`invalid_grant`: spent, expired, or not this
    /// sign-in's PKCE verifier; `invalid_client`: the app client's id or secret).
    #[error("the token endpoint refused the code: {0}")]
    CodeRefused(String),
    /// The ID token's `nonce` is not this sign-in's: a token of another sign-in.
    #[error("the ID token belongs to another sign-in (nonce)")]
    NonceMismatch,
}

/// What Cognito (or the way to it) answered: an error code when it gave one, a message, and the
/// underlying error as the [`source`](std::error::Error::source).
///
/// ```
/// use rocket_warrant::Error;
///
/// # fn check(err: Error) {
/// if let Error::Cognito(e) = &err {
///     println!("{} says: {}", e.code().unwrap_or("Cognito"), e.message());
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct ServiceError {
    code: Option<String>,
    message: String,
    setting: Option<&'static str>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ServiceError {
    /// A failure described by `message` alone (a timeout, an unreadable answer).
    pub(crate) fn new(message: impl Into<String>) -> ServiceError {
        ServiceError { code: None, message: message.into(), setting: None, source: None }
    }

    /// Cognito's answer: its error code and message.
    pub(crate) fn coded(code: &str, message: &str) -> ServiceError {
        ServiceError { code: Some(code.to_owned()), message: message.to_owned(), setting: None, source: None }
    }

    /// The same, with the error that caused it.
    pub(crate) fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
        self.source = Some(Arc::new(source));
        self
    }

    /// The same, about the setting `cognito.<setting>`.
    pub(crate) fn about(mut self, setting: &'static str) -> ServiceError {
        self.setting = Some(setting);
        self
    }

    /// The setting under `[cognito]` that Cognito's answer points at (`auth_flow`,
    /// `app_client_secret`, ...), when it points at one.
    pub fn setting(&self) -> Option<&str> {
        self.setting
    }

    /// Cognito's error code, e.g. `InvalidParameterException`, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// What went wrong, in Cognito's words or ours.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        match self.setting {
            Some(setting) => write!(f, " (check the setting cognito.{setting})"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ServiceError");
        debug.field("code", &self.code).field("message", &self.message);
        if let Some(setting) = self.setting {
            debug.field("setting", &setting);
        }
        debug.finish()
    }
}

impl std::error::Error for ServiceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Why a request guard ([`CognitoUser`](crate::CognitoUser), [`CognitoClaims`](crate::CognitoClaims),
/// [`Member`](crate::Member), [`PendingChallenge`]) failed; the status it fails with is
/// [`AuthError::status`].
///
/// ```
/// use rocket::http::Status;
/// use rocket_warrant::AuthError;
///
/// assert_eq!(AuthError::Missing.status(), Status::Unauthorized);
/// assert_eq!(AuthError::NotInGroup("admin").status(), Status::Forbidden);
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials at all: 401.
    #[error("not signed in")]
    Missing,
    /// A token was refused: 401. Refused cookies are cleared.
    #[error("credentials refused: {0}")]
    Invalid(VerifyError),
    /// The access token expired and the refresh token was refused (revoked, expired, user
    /// disabled): 401, and the cookies are cleared.
    #[error("the session has ended")]
    SessionEnded,
    /// The user has no local row and `create_unknown_users` is off: 403.
    #[error("this user has no account on this site")]
    NotProvisioned,
    /// The user is not in the group the route requires: 403.
    #[error("not a member of the {0} group")]
    NotInGroup(&'static str),
    /// The access token lacks the OAuth scope the route requires: 403.
    #[error("the access token lacks the scope {0}")]
    MissingScope(&'static str),
    /// A machine client's access token (the client-credentials grant, no user) where a route
    /// needs a user: 403.
    #[error("a machine client's token names no user")]
    MachineClient,
    /// A token of another user pool (`other_pools`) where a route needs this site's user, or
    /// the home pool's group or scope: 403.
    #[error("a token of another user pool has no user, group or scope here")]
    OtherPool,
    /// No sign-in step is pending (none was kept, it was answered, or its three minutes are
    /// over): 401.
    #[error("no sign-in step is pending")]
    NoChallenge,
    /// The user is signed in, but last proved who they are longer ago than the route allows
    /// ([`Fresh`](crate::Fresh)): they must re-authenticate (their password, or a code).
    #[error("this page needs a sign-in of the last {max_age} seconds: confirm who you are again")]
    ReauthenticationRequired {
        /// The largest age of proof the route takes, in seconds.
        max_age: u64,
    },
    /// The session's cookies carry a refresh token that another request rotated out a moment
    /// ago (on another instance): 409, and the cookies are kept, since the browser holds the
    /// newer ones already (its other response set them). The next request succeeds.
    #[error("the session was refreshed by another request at the same moment; try again")]
    RefreshedElsewhere,
    /// Cognito, the signing keys or the database could not be reached: 503, and the cookies
    /// are kept for a retry.
    #[error("authentication is unavailable: {0}")]
    Unavailable(#[source] Box<Error>),
}

impl AuthError {
    /// The status the guard fails with.
    pub fn status(&self) -> Status {
        match self {
            AuthError::Missing
            | AuthError::Invalid(_)
            | AuthError::SessionEnded
            | AuthError::NoChallenge
            | AuthError::ReauthenticationRequired { .. } => Status::Unauthorized,
            AuthError::NotProvisioned
            | AuthError::NotInGroup(_)
            | AuthError::MissingScope(_)
            | AuthError::MachineClient
            | AuthError::OtherPool => Status::Forbidden,
            AuthError::RefreshedElsewhere => Status::Conflict,
            AuthError::Unavailable(_) => Status::ServiceUnavailable,
        }
    }
}

impl From<VerifyError> for AuthError {
    fn from(e: VerifyError) -> Self {
        match e {
            e @ VerifyError::KeysUnavailable(_) => AuthError::Unavailable(Box::new(Error::Token(e))),
            other => AuthError::Invalid(other),
        }
    }
}

impl From<Error> for AuthError {
    fn from(e: Error) -> Self {
        match e {
            Error::SessionExpired | Error::InvalidCredentials => AuthError::SessionEnded,
            Error::RefreshTokenReused => AuthError::RefreshedElsewhere,
            Error::Token(v) => v.into(),
            // The new user of a reused username has no row here.
            Error::NotProvisioned | Error::UsernameReused { .. } => AuthError::NotProvisioned,
            other => AuthError::Unavailable(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn service_errors_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        let err = Error::Unavailable(ServiceError::new("the call to Cognito timed out").caused_by(io));
        let source = err.source().expect("the ServiceError");
        assert_eq!(source.to_string(), "the call to Cognito timed out");
        assert_eq!(source.source().expect("the io error").to_string(), "timed out");
        assert_eq!(err.status(), Status::ServiceUnavailable);
    }

    #[test]
    fn too_many_attempts_says_when_to_try_again() {
        #[rocket::get("/")]
        fn refused() -> Result<&'static str, Error> {
            Err(Error::TooManyAttempts)
        }
        let rocket = rocket::custom(rocket::Config::debug_default()).mount("/", rocket::routes![refused]);
        let client = rocket::local::blocking::Client::untracked(rocket).unwrap();
        let response = client.get("/").dispatch();
        assert_eq!(response.status(), Status::TooManyRequests);
        assert_eq!(response.headers().get_one("Retry-After"), Some("3600"));
        assert_eq!(response.into_string().as_deref(), Some("too many attempts; try again in an hour"));
    }

    #[test]
    fn local_refusals_are_client_errors() {
        let wrong = Error::WrongAnswer { challenge: Challenge::SmsMfa, answer: "a new password" };
        assert_eq!(wrong.status(), Status::BadRequest);
        assert_eq!(wrong.to_string(), "a new password does not answer the SMS_MFA challenge");
        assert_eq!(Error::Token(VerifyError::Mismatched).status(), Status::Unauthorized);
        assert_eq!(Error::Token(VerifyError::KeysUnavailable("down".into())).status(), Status::ServiceUnavailable);
    }
}
