//! `SignIn`, the request guard of the sign-in and account pages: [`Cognito`]'s calls with what
//! the request tells Cognito (threat protection's context data) and the browser's remembered
//! device.

use std::collections::HashMap;
use std::ops::Deref;

use rocket::http::{CookieJar, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::challenge::{Answer, PendingChallenge};
use crate::client::Device;
use crate::client::{CodeDelivery, SignedUp};
use crate::cognito::{missing_fairing, Cognito};
use crate::context::Ctx;
use crate::cookies::device;
use crate::error::Error;
use crate::signin::{self, Login, Step};
use crate::CognitoClaims;

/// [`Cognito`] in a request: the same sign-in and account calls, each sending Cognito's threat
/// protection what it scores a sign-in by (the user's address, taken from the connection or from
/// the proxy header `trusted_ip_header` names; on the admin flow the server's name, the path and
/// the request's headers, credentials left out), and using the device this browser remembers:
/// named at sign-in, proved when Cognito asks (so that a remembered device skips the second
/// factor), named on each refresh. Take it in place of `&Cognito` and `&CookieJar` on the pages
/// that sign users in or manage their account; it derefs to [`Cognito`] for the rest.
///
/// ```no_run
/// # use rocket::{post, form::Form, FromForm, response::Redirect};
/// use rocket_warrant::{Error, SignIn};
///
/// #[derive(FromForm)]
/// struct Credentials { username: String, password: String }
///
/// #[post("/login", data = "<form>")]
/// async fn login(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<Redirect, Error> {
///     match sign_in.keep(sign_in.login(&form.username, &form.password).await).await {
///         Ok(login) if login.asks_to_remember_device() => Ok(Redirect::to("/devices/remember")),
///         Ok(_) => Ok(Redirect::to("/")),
///         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
///         Err(e) => Err(e),
///     }
/// }
/// ```
///
/// A route that takes it stops launch when the fairing is not attached, as `&Cognito` does.
pub struct SignIn<'r> {
    cognito: &'r Cognito,
    jar: &'r CookieJar<'r>,
    ctx: Ctx,
}

impl std::fmt::Debug for SignIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn").field("ip", &self.ctx.ip).finish_non_exhaustive()
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SignIn<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            // Unreachable when the Sentinel ran; a clear status rather than a panic otherwise.
            return Outcome::Forward(Status::InternalServerError);
        };
        let shared = cognito.shared();
        let device = device::kept(&shared.cookies, req.cookies());
        let config = &shared.config;
        let ctx = Ctx::of(req, config.trusted_ip_header.as_deref(), &config.trusted_proxies, device);
        Outcome::Success(SignIn { cognito, jar: req.cookies(), ctx })
    }
}

impl Sentinel for SignIn<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

impl Deref for SignIn<'_> {
    type Target = Cognito;

    fn deref(&self) -> &Cognito {
        self.cognito
    }
}

impl<'r> SignIn<'r> {
    /// Adds what the page's threat-protection script collected (`EncodedData`: Cognito's
    /// `amazon-cognito-advanced-security-data.js`, posted with the form) to every call.
    pub fn with_encoded_data(mut self, encoded_data: impl Into<String>) -> Self {
        self.ctx.encoded_data = Some(encoded_data.into()).filter(|d: &String| !d.is_empty());
        self
    }

    /// Passes `metadata` to the pool's Lambda triggers on every call (`ClientMetadata`).
    ///
    /// ```no_run
    /// # use rocket_warrant::{Error, SignIn};
    /// # async fn sign_up(sign_in: SignIn<'_>) -> Result<(), Error> {
    /// let sign_in = sign_in.with_client_metadata([("campaign", "winter")]);
    /// sign_in.sign_up("ada", "Corr3ct-Horse!", &[("email", "ada@example.com")]).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_client_metadata<K: Into<String>, V: Into<String>>(
        mut self,
        metadata: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.ctx.metadata = metadata.into_iter().map(|(k, v)| (k.into(), v.into())).collect::<HashMap<_, _>>();
        self
    }

    /// The user's address as sent to Cognito.
    pub fn client_ip(&self) -> Option<&str> {
        self.ctx.ip.as_deref()
    }

    /// [`Cognito::login`], with the request's context and this browser's device.
    ///
    /// # Errors
    ///
    /// As [`Cognito::login`].
    pub async fn login(&self, username: &str, password: &str) -> Result<Login, Error> {
        signin::login(self.cognito.shared(), username, password, &self.ctx).await
    }

    /// [`Cognito::start_sign_in`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::start_sign_in`].
    pub async fn start_sign_in(&self, username: &str) -> Result<Login, Error> {
        signin::start(self.cognito.shared(), username, &self.ctx).await
    }

    /// [`Cognito::answer`], with the request's context and this browser's device.
    ///
    /// # Errors
    ///
    /// As [`Cognito::answer`].
    pub async fn answer(&self, pending: &PendingChallenge, answer: Answer<'_>) -> Result<Login, Error> {
        signin::answer(self.cognito.shared(), pending, answer, &self.ctx).await
    }

    /// [`Cognito::keep`] in this request's cookies; a new device is kept in the browser too.
    ///
    /// # Errors
    ///
    /// As [`Cognito::keep`].
    pub async fn keep<T: Step>(&self, result: Result<T, Error>) -> Result<T, Error> {
        self.cognito.keep(self.jar, result).await
    }

    /// Signs this session out ([`Cognito::sign_out`]); the browser's device stays remembered.
    pub async fn sign_out(&self) {
        self.cognito.sign_out(self.jar).await
    }

    /// [`Cognito::sign_up`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::sign_up`].
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<SignedUp, Error> {
        crate::account::sign_up(self.cognito.shared(), (username, password), attributes, &self.ctx).await
    }

    /// [`Cognito::confirm_sign_up`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::confirm_sign_up`].
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), Error> {
        crate::account::confirm_sign_up(self.cognito.shared(), username, code, &self.ctx).await
    }

    /// [`Cognito::resend_confirmation_code`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::resend_confirmation_code`].
    pub async fn resend_confirmation_code(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        crate::account::resend_confirmation_code(self.cognito.shared(), username, &self.ctx).await
    }

    /// [`Cognito::forgot_password`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::forgot_password`].
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        crate::account::forgot_password(self.cognito.shared(), username, &self.ctx).await
    }

    /// [`Cognito::confirm_forgot_password`], with the request's context.
    ///
    /// # Errors
    ///
    /// As [`Cognito::confirm_forgot_password`].
    pub async fn confirm_forgot_password(&self, username: &str, code: &str, new_password: &str) -> Result<(), Error> {
        crate::account::confirm_forgot_password(self.cognito.shared(), (username, code, new_password), &self.ctx).await
    }

    /// Starts a sign-in with a code and no password (`auth_flow = "user_auth"`): `factor` is
    /// `EMAIL_OTP` (a mailed code) or `SMS_OTP` (a texted one). Every username gets a code
    /// step, to keep and to answer with [`answer`](SignIn::answer) as a second factor's: a real
    /// one, or, for a username that cannot get a code (unknown, or without a verified address),
    /// a stand-in that no code answers ([`Error::WrongCode`]). The step names no address, so
    /// that the page tells nothing of which accounts exist.
    ///
    /// ```no_run
    /// # use rocket::{post, FromForm, response::Redirect};
    /// use rocket_warrant::{CsrfForm, Error, SignIn};
    ///
    /// #[derive(FromForm)]
    /// struct Who { username: String }
    ///
    /// #[post("/login/code", data = "<form>")]
    /// async fn code(sign_in: SignIn<'_>, form: CsrfForm<Who>) -> Result<Redirect, Error> {
    ///     // Kept for the code page, known user or not.
    ///     sign_in.keep(sign_in.start_code_sign_in(&form.username, "EMAIL_OTP").await).await?;
    ///     Ok(Redirect::to("/login/code/enter"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Misconfigured`] unless `auth_flow = "user_auth"` (or when the pool does not
    /// offer the factor), [`Error::Unavailable`], [`Error::Throttled`].
    pub async fn start_code_sign_in(&self, username: &str, factor: &str) -> Result<PendingChallenge, Error> {
        signin::start_with_code(self.cognito.shared(), username, factor, &self.ctx).await
    }

    /// Starts a sign-in with a passkey and no password (`auth_flow = "user_auth"`, a pool
    /// that allows `WEB_AUTHN` as a first factor): Cognito answers with the passkey step,
    /// [`Error::ChallengeRequired`], whose [`PendingChallenge::passkey_options`] the page's
    /// script hands `navigator.credentials.get`; keep it, and [`answer`](SignIn::answer) it
    /// with [`Answer::Passkey`] and the browser's credential.
    ///
    /// ```no_run
    /// # use rocket::{post, FromForm};
    /// use rocket_warrant::{CsrfForm, Error, SignIn};
    ///
    /// #[derive(FromForm)]
    /// struct Who { username: String }
    ///
    /// #[post("/login/passkey", data = "<form>")]
    /// async fn passkey(sign_in: SignIn<'_>, form: CsrfForm<Who>) -> Result<String, Error> {
    ///     match sign_in.keep(sign_in.start_passkey_sign_in(&form.username).await).await {
    ///         Err(Error::ChallengeRequired(step)) => Ok(step.passkey_options().unwrap_or("{}").to_owned()),
    ///         Ok(_) => Ok("{}".into()),
    ///         Err(e) => Err(e),
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ChallengeRequired`] (the usual answer), [`Error::Misconfigured`] unless
    /// `auth_flow = "user_auth"`, [`Error::InvalidCredentials`] for a user with no passkey (an
    /// unknown user alike), [`Error::Limited`].
    pub async fn start_passkey_sign_in(&self, username: &str) -> Result<Login, Error> {
        signin::start_passkey(self.cognito.shared(), username, &self.ctx).await
    }

    /// Re-authenticates the signed-in `user` with their password, through the site's
    /// `auth_flow`, for the [`Fresh`](crate::Fresh) routes: Cognito checks the password (and
    /// asks for the second factor as at a sign-in: [`Error::ChallengeRequired`], whose
    /// [`answer`](SignIn::answer) goes on with it). Hand the result to [`keep`](SignIn::keep):
    /// the session's proof of identity is renewed, the session and its tokens stay (the new
    /// tokens are revoked at once).
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, response::Redirect};
    /// use rocket_warrant::{CognitoClaims, CsrfForm, Error, SignIn};
    ///
    /// #[derive(FromForm)]
    /// struct Password { password: String }
    ///
    /// #[post("/reauthenticate?<next>", data = "<form>")]
    /// async fn reauthenticate(sign_in: SignIn<'_>, user: CognitoClaims, form: CsrfForm<Password>, next: &str) -> Result<Redirect, Error> {
    ///     match sign_in.keep(sign_in.reauthenticate(&user, &form.password).await).await {
    ///         Ok(_) => Ok(Redirect::to(rocket_warrant::sign_in::safe_next(next).unwrap_or("/").to_owned())),
    ///         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
    ///         Err(e) => Err(e),
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`login`](SignIn::login): [`Error::InvalidCredentials`] for a wrong password.
    pub async fn reauthenticate(&self, user: &CognitoClaims, password: &str) -> Result<Login, Error> {
        signin::reauthenticate(self.cognito.shared(), user.claims(), password, &self.ctx).await
    }

    /// Starts re-authenticating the signed-in `user` without a password (`auth_flow =
    /// "user_auth"`): as [`start_sign_in`](SignIn::start_sign_in), the user's choice of factor
    /// then a mailed or texted code, each step kept and answered as a sign-in's; kept at the
    /// end, it renews the session's proof as [`reauthenticate`](SignIn::reauthenticate) does.
    ///
    /// # Errors
    ///
    /// Those of [`start_sign_in`](SignIn::start_sign_in).
    pub async fn start_reauthentication(&self, user: &CognitoClaims) -> Result<Login, Error> {
        signin::start_reauthentication(self.cognito.shared(), user.claims(), &self.ctx).await
    }

    /// [`Cognito::change_password`], counted against the limits with the request's address too.
    ///
    /// # Errors
    ///
    /// As [`Cognito::change_password`].
    pub async fn change_password(&self, access_token: &str, old: &str, new: &str) -> Result<(), Error> {
        crate::account::change_password(self.cognito.shared(), access_token, (old, new), &self.ctx).await
    }

    /// [`Cognito::send_verification_code`], counted against the limits with the request's
    /// address too.
    ///
    /// # Errors
    ///
    /// As [`Cognito::send_verification_code`].
    pub async fn send_verification_code(&self, access_token: &str, attribute: &str) -> Result<CodeDelivery, Error> {
        crate::account::send_verification_code(self.cognito.shared(), access_token, attribute, &self.ctx).await
    }

    /// [`Cognito::update_attributes`], counted against the limits with the request's address too
    /// (a changed email or phone number is sent a code).
    ///
    /// # Errors
    ///
    /// As [`Cognito::update_attributes`].
    pub async fn update_attributes(
        &self,
        access_token: &str,
        attributes: &[(&str, &str)],
    ) -> Result<Vec<CodeDelivery>, Error> {
        crate::account::update_attributes(self.cognito.shared(), access_token, attributes, &self.ctx).await
    }

    /// [`Cognito::verify_attribute`], counted against the limits with the request's address too.
    ///
    /// # Errors
    ///
    /// As [`Cognito::verify_attribute`].
    pub async fn verify_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<Option<crate::store::User>, Error> {
        crate::account::verify_attribute(self.cognito.shared(), access_token, attribute, code, &self.ctx).await
    }

    /// The key of the device this browser remembers for the user of `username`, if any.
    pub fn this_device(&self, username: &str) -> Option<&str> {
        self.ctx.device_for(username).map(|d| d.key.as_str())
    }

    /// [`Cognito::devices`], the one of this browser marked [`Device::this_browser`].
    ///
    /// # Errors
    ///
    /// As [`Cognito::devices`].
    pub async fn devices(&self, access_token: &str) -> Result<Vec<Device>, Error> {
        let mut devices = self.cognito.devices(access_token).await?;
        let ours = self.ctx.device.as_ref().map(|d| d.key.as_str());
        for device in &mut devices {
            device.this_browser = Some(device.key.as_str()) == ours;
        }
        Ok(devices)
    }

    /// Remembers this browser's device for the user of `access_token` (or stops remembering
    /// it): the answer to [`Login::asks_to_remember_device`]. `false` when this browser keeps
    /// no device of that user.
    ///
    /// # Errors
    ///
    /// As [`Cognito::remember_device`].
    pub async fn remember_device(&self, access_token: &str, remembered: bool) -> Result<bool, Error> {
        let claims = self.cognito.verify(access_token, crate::tokens::TokenUse::Access).await?;
        let username = claims.cognito_username().ok_or(Error::MachineClient)?;
        let Some(key) = self.ctx.device.as_ref().filter(|d| d.username == username).map(|d| d.key.clone()) else {
            return Ok(false);
        };
        self.cognito.remember_device(access_token, &key, remembered).await?;
        Ok(true)
    }

    /// [`Cognito::forget_device`]; forgetting this browser's device drops it from the browser too.
    ///
    /// # Errors
    ///
    /// As [`Cognito::forget_device`].
    pub async fn forget_device(&self, access_token: &str, device_key: &str) -> Result<(), Error> {
        self.cognito.forget_device(access_token, device_key).await?;
        if self.ctx.device.as_ref().is_some_and(|d| d.key == device_key) {
            device::forget(&self.cognito.shared().cookies, self.jar);
        }
        Ok(())
    }
}
