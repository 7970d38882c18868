//! `Cognito`'s sign-in calls: the password, a sign-in without one, the answers to the steps
//! Cognito puts in between, an authenticator's enrolment, and keeping what each returned.

use rocket::http::CookieJar;

use super::{Login, Step};
use crate::challenge::{Answer, PendingChallenge, TotpSetup};
use crate::cognito::Cognito;
use crate::context::Ctx;
use crate::error::Error;

impl Cognito {
    /// Authenticates `username` and `password` with the configured flow (`auth_flow`),
    /// verifies the tokens, reads the user's attributes and creates or updates the local user.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidCredentials`] for a wrong password and an unknown user alike (and for
    ///   input Cognito could never accept: empty, or over its length limits);
    /// - [`Error::ChallengeRequired`] when Cognito asks for another step first: hand the result
    ///   to [`Cognito::keep`], then [`Cognito::answer`] it;
    /// - [`Error::NotProvisioned`] when `create_unknown_users` is off and there is no local user;
    /// - [`Error::UserNotConfirmed`], [`Error::PasswordResetRequired`] for users who must act first;
    /// - [`Error::Misconfigured`], [`Error::Throttled`], [`Error::Unavailable`],
    ///   [`Error::Cognito`], [`Error::Token`], [`Error::Store`] for the rest.
    pub async fn login(&self, username: &str, password: &str) -> Result<Login, Error> {
        super::login(self.shared(), username, password, &Ctx::default()).await
    }

    /// Starts a sign-in without a password (the `user_auth` flow): Cognito answers with the
    /// ways the user may sign in ([`Challenge::SelectChallenge`](crate::challenge::Challenge::SelectChallenge),
    /// its [`options`](PendingChallenge::options)); [`Cognito::answer`] with
    /// [`Answer::Choose`]`("EMAIL_OTP")` has a code mailed, and the code signs the user in.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// use rocket_warrant::sign_in::{Answer, Challenge};
    /// # async fn passwordless(cognito: &Cognito) -> Result<(), Error> {
    /// let Err(Error::ChallengeRequired(choice)) = cognito.start_sign_in("ada").await else { return Ok(()) };
    /// if choice.options().iter().any(|o| o == "EMAIL_OTP") {
    ///     let Err(Error::ChallengeRequired(code)) = cognito.answer(&choice, Answer::Choose("EMAIL_OTP")).await
    ///     else { return Ok(()) };
    ///     assert_eq!(code.challenge(), &Challenge::EmailOtp);
    ///     // ...keep it, ask the user for the mailed code, then:
    ///     cognito.answer(&code, Answer::Code("123456")).await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ChallengeRequired`] (the usual answer), [`Error::InvalidCredentials`] for an
    /// unknown user, [`Error::Misconfigured`] unless `auth_flow = "user_auth"`, and Cognito's
    /// errors as for [`Cognito::login`].
    pub async fn start_sign_in(&self, username: &str) -> Result<Login, Error> {
        super::start(self.shared(), username, &Ctx::default()).await
    }

    /// Starts a sign-in with a passkey, as [`SignIn::start_passkey_sign_in`](crate::SignIn::start_passkey_sign_in)
    /// does without the request's context.
    ///
    /// # Errors
    ///
    /// Those of [`SignIn::start_passkey_sign_in`](crate::SignIn::start_passkey_sign_in).
    pub async fn start_passkey_sign_in(&self, username: &str) -> Result<Login, Error> {
        super::start_passkey(self.shared(), username, &Ctx::default()).await
    }

    /// Answers a login's pending challenge (the [`PendingChallenge`] guard reads it back from
    /// the cookie [`Cognito::keep`] wrote): a new password for
    /// [`NewPasswordRequired`](crate::challenge::Challenge::NewPasswordRequired), a code for
    /// [`SmsMfa`](crate::challenge::Challenge::SmsMfa), [`SoftwareTokenMfa`](crate::challenge::Challenge::SoftwareTokenMfa)
    /// and (after [`Cognito::setup_totp`]) [`MfaSetup`](crate::challenge::Challenge::MfaSetup). Then the
    /// tokens are verified and the local user saved, as [`Cognito::login`] does.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{Cognito, Error, PendingChallenge};
    /// use rocket_warrant::sign_in::Answer;
    ///
    /// #[derive(FromForm)]
    /// struct Code { code: String }
    ///
    /// #[post("/login/mfa", data = "<form>")]
    /// async fn mfa(cognito: &Cognito, jar: &CookieJar<'_>, pending: PendingChallenge, form: Form<Code>) -> Result<Redirect, Error> {
    ///     cognito.keep(jar, cognito.answer(&pending, Answer::Code(&form.code)).await).await?;
    ///     Ok(Redirect::to("/"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::WrongAnswer`] for an answer of the wrong kind (a password for a code, or a
    ///   code for `MFA_SETUP` before [`Cognito::setup_totp`]);
    /// - [`Error::PasswordRejected`] for a new password the pool's policy refuses, and
    ///   [`Error::WrongCode`] for a wrong or expired code: the same challenge may be answered again;
    /// - [`Error::SessionExpired`] for a challenge older than Cognito's three minutes, or used;
    /// - [`Error::ChallengeRequired`] for the next step (a new password, then a code);
    /// - the errors of [`Cognito::login`] for the rest.
    pub async fn answer(&self, pending: &PendingChallenge, answer: Answer<'_>) -> Result<Login, Error> {
        super::answer(self.shared(), pending, answer, &Ctx::default()).await
    }

    /// Starts enrolling an authenticator app for a login that stopped at
    /// [`MfaSetup`](crate::challenge::Challenge::MfaSetup) (the pool requires MFA and the user has none
    /// yet). Show [`TotpSetup::secret`] or [`TotpSetup::otpauth_uri`] to the user, hand the
    /// result to [`Cognito::keep`] (Cognito moved the challenge on), and finish with
    /// [`Cognito::answer`] and the app's first code.
    ///
    /// # Errors
    ///
    /// [`Error::WrongAnswer`] when the challenge is not `MFA_SETUP`, [`Error::SessionExpired`]
    /// when it is older than three minutes, and Cognito's own errors as for [`Cognito::login`].
    pub async fn setup_totp(&self, pending: &PendingChallenge) -> Result<TotpSetup, Error> {
        super::setup_totp(self.shared(), pending).await
    }

    /// Keeps what a sign-in step returned, and returns it unchanged:
    ///
    /// - a [`Login`]: its tokens go in the session cookies (private, HttpOnly) and any pending
    ///   challenge is forgotten;
    /// - [`Error::ChallengeRequired`] or a [`TotpSetup`]: the challenge goes in the crate's
    ///   challenge cookie (three minutes), for the [`PendingChallenge`] guard of the page that
    ///   answers it;
    /// - an error after which the same challenge may be answered again ([`Error::WrongCode`],
    ///   [`Error::PasswordRejected`], [`Error::WrongAnswer`], and the passing
    ///   [`Error::Throttled`] and [`Error::Unavailable`]): the challenge stays;
    /// - any other error (the challenge expired, or was answered and the sign-in refused
    ///   after it): the challenge is forgotten.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar};
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[derive(FromForm)]
    /// struct Credentials { username: String, password: String }
    ///
    /// #[post("/login", data = "<form>")]
    /// async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
    ///     cognito.keep(jar, cognito.login(&form.username, &form.password).await).await?;
    ///     Ok("signed in")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// The error it was given; [`Error::CookieTooLarge`] when a token would not fit in its
    /// cookie (then no cookie is set: a browser would drop it silently); [`Error::Store`] when
    /// a server-side session cannot be saved.
    pub async fn keep<T: Step>(&self, jar: &CookieJar<'_>, result: Result<T, Error>) -> Result<T, Error> {
        super::keep(self.shared(), self.sessions(), jar, result).await
    }
}
