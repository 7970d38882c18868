//! Login: Cognito authentication, token verification, and the local user, in one call.

use std::sync::Arc;

use rocket::http::CookieJar;

use crate::challenge::{PendingChallenge, TotpSetup};
use crate::cognito::Tokens;
use crate::error::Error;
use crate::fairing::Cognito;
use crate::store::{Profile, User};
use crate::verify::{Claims, TokenUse};

/// Cognito's limits; longer input cannot be valid, so it is refused without a call.
const MAX_USERNAME: usize = 128;
const MAX_PASSWORD: usize = 256;

/// A successful login.
#[derive(Debug, Clone)]
pub struct Login {
    /// The local user, created or updated from Cognito's attributes.
    pub user: User,
    /// The ID, access and refresh tokens.
    pub tokens: Tokens,
    /// The verified claims of the ID token.
    pub id_claims: Arc<Claims>,
    /// The verified claims of the access token.
    pub access_claims: Arc<Claims>,
}

impl Cognito {
    /// Authenticates `username` and `password` with the configured flow, verifies the tokens,
    /// reads the user's attributes and creates or updates the local user.
    ///
    /// Wrong password and unknown user are the same [`Error::InvalidCredentials`].
    pub async fn login(&self, username: &str, password: &str) -> Result<Login, Error> {
        let username = username.trim();
        if username.is_empty() || password.is_empty() || username.len() > MAX_USERNAME || password.len() > MAX_PASSWORD
        {
            return Err(Error::InvalidCredentials);
        }
        let tokens = self.client().authenticate(username, password).await?;
        self.finish_login(tokens).await
    }

    /// Finishes a login that stopped at [`Challenge::NewPasswordRequired`](crate::Challenge::NewPasswordRequired)
    /// (an administrator created the user with a temporary password): sets `new_password` at
    /// Cognito, then verifies the tokens and creates or updates the local user as
    /// [`Cognito::login`] does.
    ///
    /// A password the pool's policy refuses is [`Error::PasswordRejected`] (the same `pending`
    /// may be answered again); a challenge older than Cognito's three minutes is
    /// [`Error::SessionExpired`].
    pub async fn complete_new_password(&self, pending: &PendingChallenge, new_password: &str) -> Result<Login, Error> {
        if new_password.is_empty() || new_password.len() > MAX_PASSWORD {
            return Err(Error::PasswordRejected(format!("a password has 1 to {MAX_PASSWORD} characters")));
        }
        let tokens = self.client().respond_new_password(pending, new_password).await?;
        self.finish_login(tokens).await
    }

    /// Finishes a login that stopped at [`Challenge::SmsMfa`](crate::Challenge::SmsMfa) or
    /// [`Challenge::SoftwareTokenMfa`](crate::Challenge::SoftwareTokenMfa) with the code the user
    /// received or read off an authenticator app, then verifies the tokens and creates or
    /// updates the local user as [`Cognito::login`] does.
    ///
    /// A wrong or expired code is [`Error::WrongCode`]; a challenge older than Cognito's three
    /// minutes is [`Error::SessionExpired`].
    pub async fn complete_mfa(&self, pending: &PendingChallenge, code: &str) -> Result<Login, Error> {
        let code = well_formed_code(code, 8)?;
        let tokens = self.client().respond_mfa(pending, code).await?;
        self.finish_login(tokens).await
    }

    /// Starts enrolling an authenticator app for a login that stopped at
    /// [`Challenge::MfaSetup`](crate::Challenge::MfaSetup) (the pool requires MFA and the user
    /// has none yet). Show [`TotpSetup::secret`] or [`TotpSetup::otpauth_uri`] to the user, keep
    /// [`TotpSetup::pending`] in place of the old challenge, and finish with
    /// [`Cognito::complete_totp_setup`].
    pub async fn setup_totp(&self, pending: &PendingChallenge) -> Result<TotpSetup, Error> {
        self.client().associate_totp(pending).await
    }

    /// Finishes an authenticator enrolment begun with [`Cognito::setup_totp`] with the app's
    /// first code, then verifies the tokens and creates or updates the local user as
    /// [`Cognito::login`] does. Later logins ask for a code
    /// ([`Challenge::SoftwareTokenMfa`](crate::Challenge::SoftwareTokenMfa)).
    ///
    /// A wrong code is [`Error::WrongCode`]; a challenge older than Cognito's three minutes is
    /// [`Error::SessionExpired`].
    pub async fn complete_totp_setup(&self, pending: &PendingChallenge, code: &str) -> Result<Login, Error> {
        let code = well_formed_code(code, 6)?;
        let tokens = self.client().respond_mfa_setup(pending, code).await?;
        self.finish_login(tokens).await
    }

    /// Verifies a login's tokens, reads the attributes and saves the local user.
    async fn finish_login(&self, tokens: Tokens) -> Result<Login, Error> {
        let (id_claims, access_claims) = self.verify_pair(&tokens).await?;
        let attributes = self.client().get_user(&tokens.access_token).await?;
        // Keyed by Cognito's canonical username, not what was typed (an email alias, say).
        let profile =
            Profile::from_attributes(&attributes.username, &attributes.attributes, &self.config().attr_mapping);
        let user =
            self.store().save(&profile, self.config().create_unknown_users).await?.ok_or(Error::NotProvisioned)?;
        Ok(Login { user, tokens, id_claims, access_claims })
    }

    /// Verifies an ID and access token pair, and that both belong to the same user.
    pub async fn verify_pair(&self, tokens: &Tokens) -> Result<(Arc<Claims>, Arc<Claims>), Error> {
        let verifier = self.verifier();
        let id = verifier.verify(&tokens.id_token, TokenUse::Id).await?;
        let access = verifier.verify(&tokens.access_token, TokenUse::Access).await?;
        if id.sub != access.sub {
            return Err(Error::Cognito {
                code: "MismatchedTokens".into(),
                message: "the ID and access tokens belong to different users".into(),
            });
        }
        Ok((id, access))
    }
}

impl Cognito {
    /// [`Cognito::login`], then the three tokens in private cookies. If a token would not fit
    /// in its cookie, no cookie is set and the error says which.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[derive(FromForm)]
    /// struct Credentials { username: String, password: String }
    ///
    /// #[post("/login", data = "<form>")]
    /// async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<Redirect, Error> {
    ///     cognito.sign_in(jar, &form.username, &form.password).await?;
    ///     Ok(Redirect::to("/"))
    /// }
    /// ```
    pub async fn sign_in(&self, jar: &CookieJar<'_>, username: &str, password: &str) -> Result<Login, Error> {
        self.keep_in_cookies(jar, self.login(username, password).await?)
    }

    /// [`Cognito::complete_new_password`], then the three tokens in private cookies.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{Cognito, Error, PendingChallenge};
    ///
    /// #[derive(FromForm)]
    /// struct NewPassword { new_password: String }
    ///
    /// #[post("/login/new-password", data = "<form>")]
    /// async fn new_password(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<NewPassword>) -> Result<Redirect, Error> {
    ///     // The login handler kept the challenge in a private cookie when it got
    ///     // `Error::ChallengeRequired(pending)`.
    ///     let pending: PendingChallenge = jar
    ///         .get_private("challenge")
    ///         .and_then(|c| serde_json::from_str(c.value()).ok())
    ///         .ok_or(Error::SessionExpired)?;
    ///     cognito.sign_in_new_password(jar, &pending, &form.new_password).await?;
    ///     jar.remove_private("challenge");
    ///     Ok(Redirect::to("/"))
    /// }
    /// ```
    pub async fn sign_in_new_password(
        &self,
        jar: &CookieJar<'_>,
        pending: &PendingChallenge,
        new_password: &str,
    ) -> Result<Login, Error> {
        self.keep_in_cookies(jar, self.complete_new_password(pending, new_password).await?)
    }

    /// [`Cognito::complete_mfa`], then the three tokens in private cookies.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::{CookieJar, Status}, response::Redirect};
    /// use rocket_warrant::{Cognito, Error, PendingChallenge};
    ///
    /// #[derive(FromForm)]
    /// struct Code { code: String }
    ///
    /// #[post("/login/mfa", data = "<form>")]
    /// async fn mfa(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Code>) -> Result<Redirect, (Status, &'static str)> {
    ///     let pending: PendingChallenge = jar
    ///         .get_private("challenge")
    ///         .and_then(|c| serde_json::from_str(c.value()).ok())
    ///         .ok_or((Status::Unauthorized, "sign in again"))?;
    ///     match cognito.sign_in_mfa(jar, &pending, &form.code).await {
    ///         Ok(_) => Ok(Redirect::to("/")),
    ///         Err(Error::WrongCode) => Err((Status::UnprocessableEntity, "wrong code; try again")),
    ///         Err(_) => Err((Status::Unauthorized, "sign in again")),
    ///     }
    /// }
    /// ```
    pub async fn sign_in_mfa(
        &self,
        jar: &CookieJar<'_>,
        pending: &PendingChallenge,
        code: &str,
    ) -> Result<Login, Error> {
        self.keep_in_cookies(jar, self.complete_mfa(pending, code).await?)
    }

    /// [`Cognito::complete_totp_setup`], then the three tokens in private cookies.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{Cognito, Error, PendingChallenge};
    ///
    /// #[derive(FromForm)]
    /// struct Code { code: String }
    ///
    /// // The page before called `cognito.setup_totp(&pending)`, showed the secret, and kept
    /// // `setup.pending()` in the "challenge" cookie.
    /// #[post("/login/mfa-setup", data = "<form>")]
    /// async fn mfa_setup(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Code>) -> Result<Redirect, Error> {
    ///     let pending: PendingChallenge = jar
    ///         .get_private("challenge")
    ///         .and_then(|c| serde_json::from_str(c.value()).ok())
    ///         .ok_or(Error::SessionExpired)?;
    ///     cognito.sign_in_totp_setup(jar, &pending, &form.code).await?;
    ///     Ok(Redirect::to("/"))
    /// }
    /// ```
    pub async fn sign_in_totp_setup(
        &self,
        jar: &CookieJar<'_>,
        pending: &PendingChallenge,
        code: &str,
    ) -> Result<Login, Error> {
        self.keep_in_cookies(jar, self.complete_totp_setup(pending, code).await?)
    }

    /// The login's tokens in the private cookies, or the cookie that would not fit.
    fn keep_in_cookies(&self, jar: &CookieJar<'_>, login: Login) -> Result<Login, Error> {
        self.cookies().set(jar, &login.tokens, &login.user.username)?;
        Ok(login)
    }
}

/// A code as typed, trimmed, if it can be one: Cognito's codes are 6 digits (SMS codes up to
/// `max`); anything else cannot match, so it is refused without a call.
fn well_formed_code(code: &str, max: usize) -> Result<&str, Error> {
    let code = code.trim();
    let digits = code.bytes().all(|b| b.is_ascii_digit());
    if (6..=max).contains(&code.len()) && digits {
        Ok(code)
    } else {
        Err(Error::WrongCode)
    }
}
