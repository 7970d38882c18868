//! `Cognito`, the managed state: every call an application makes, from login to sign-out.

use std::sync::Arc;

use rocket::http::{CookieJar, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::account::{CodeDelivery, SignedUp};
use crate::client::{CognitoClient, UserAttributes};
use crate::config::{Config, ConfigError, SessionMode};
use crate::error::Error;
use crate::revocation::Revocations;
use crate::session::{CookieSessions, Sealer, ServerSessions, Sessions, TokenCookies};
use crate::signin::{self, Answer, Ctx, Login, PendingChallenge, Step, TotpSetup};
use crate::state::{Parts, Shared};
use crate::store::{SessionInfo, SessionStore, User, UserStore};
use crate::tokens::{Claims, Clock, Jwks, TokenUse, Tokens, Verifier};
use crate::users::Users;

/// Cognito authentication for a Rocket application: built at ignite by the fairing
/// ([`Cognito::fairing`], [`Cognito::custom`] or [`Cognito::without_store`]), managed by
/// Rocket, and taken in a route as `&Cognito`.
///
/// Signing in is [`login`](Cognito::login), then [`answer`](Cognito::answer) for any step
/// Cognito puts in between (a new password, an MFA code), each result handed to
/// [`keep`](Cognito::keep), which puts the tokens in the session cookies or the pending
/// challenge in a cookie of its own. [`sign_out`](Cognito::sign_out) ends the session.
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
///     match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
///         Ok(_) => Ok(Redirect::to("/")),
///         // A new password or an MFA code first; the challenge is kept for that page.
///         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
///         Err(e) => Err(e),
///     }
/// }
/// ```
///
/// A route that takes `&Cognito` (or any of the crate's guards) when the fairing is not
/// attached stops launch with a message saying so.
#[derive(Clone)]
pub struct Cognito {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Shared,
    sessions: Sessions,
}

impl std::fmt::Debug for Cognito {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cognito")
            .field("config", &self.inner.shared.config)
            .field("keeps_users", &self.store().is_some())
            .finish_non_exhaustive()
    }
}

/// What the fairing hands [`Cognito::build`] besides the settings.
pub(crate) struct Build {
    pub(crate) config: Config,
    pub(crate) sealer: Sealer,
    /// The local users' store, and how long a session may remember a row it read.
    pub(crate) users: Option<Arc<dyn UserStore>>,
    pub(crate) row_ttl: std::time::Duration,
    /// Where server-side sessions and revocations are kept.
    pub(crate) sessions: Option<Arc<dyn SessionStore>>,
    /// The clock the tests set (the system clock otherwise).
    pub(crate) clock: Option<Arc<dyn Clock>>,
}

impl Cognito {
    /// Builds everything from validated-here settings: keys, verifier, client, sessions. The
    /// fairing calls it at ignite.
    pub(crate) async fn build(build: Build) -> Result<Cognito, ConfigError> {
        let Build { config, sealer, users, row_ttl, sessions: session_store, clock } = build;
        config.validate()?;
        let refuse_revoked = config.refuse_revoked_tokens.unwrap_or(session_store.is_some());
        let revocations = Revocations::new(refuse_revoked, session_store.clone(), config.revocation_sync);
        let sessions = match (config.session_store, session_store) {
            (SessionMode::Cookies, _) => Sessions::Cookies(CookieSessions::new(config.token_cache_capacity)),
            (SessionMode::Database, Some(store)) => Sessions::Server(Box::new(ServerSessions::new(
                store,
                sealer.clone(),
                config.session_cache_ttl,
                config.session_cache_capacity,
                // Validated at launch to fit an i64.
                config.cookie_max_age.as_secs() as i64,
            ))),
            (SessionMode::Database, None) => {
                return Err(ConfigError::Invalid {
                    key: "session_store",
                    reason: "\"database\" keeps sessions in the users' database, and this fairing has none: \
                             attach Cognito::fairing::<Db>(), or give Cognito::custom(store) one with \
                             .sessions_in(store)"
                        .into(),
                })
            }
        };
        let jwks = match &config.jwks {
            Some(json) => Jwks::from_json(json).map_err(|reason| ConfigError::Invalid { key: "jwks", reason })?,
            None => Jwks::from_url(
                config.jwks_url(),
                config.jwks_timeout,
                config.jwks_refetch_interval,
                config.jwks_refresh_interval,
            ),
        };
        let settle = |verifier: Verifier| {
            let verifier =
                verifier.with_leeway(config.leeway.as_secs()).with_cache_capacity(config.token_cache_capacity);
            match &clock {
                Some(clock) => verifier.with_clock(clock.clone()),
                None => verifier,
            }
        };
        let verifier = settle(
            Verifier::new(config.issuer(), config.app_client_id.clone(), jwks)
                .with_other_clients(&config.app_client_ids),
        );
        // Each other pool with its own keys and clients.
        let other_pools = (config.other_pools.iter())
            .map(|pool| {
                let jwks = Jwks::from_url(
                    config.other_jwks_url(pool),
                    config.jwks_timeout,
                    config.jwks_refetch_interval,
                    config.jwks_refresh_interval,
                );
                let (first, rest) = pool.app_client_ids.split_first().map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
                settle(Verifier::new(pool.issuer_url(), first, jwks).with_other_clients(rest))
            })
            .collect();
        let sdk_config = crate::client::sdk_config(&config).await;
        let client = CognitoClient::new(&config, &sdk_config);
        let users = Users::new(users, config.attr_mapping.clone(), config.create_unknown_users, row_ttl);
        let cookies = TokenCookies::new(&config, sealer);
        let parts = Parts { config, sdk_config, verifier, other_pools, client, users, revocations, cookies };
        let shared = Shared::new(parts);
        Ok(Cognito { inner: Arc::new(Inner { shared, sessions }) })
    }

    /// Fetches the signing keys now, whatever the rate limit (the fairing, at ignite): the
    /// count loaded, or why they could not be had (the cached keys stay).
    pub(crate) async fn load_keys(&self) -> Result<usize, String> {
        for other in self.shared().other_pools.iter() {
            // Another pool's keys can be fetched later, on its first token: said, not fatal.
            if let Err(why) = other.jwks().refresh().await {
                log::warn!("rocket_warrant: the signing keys of {} could not be fetched: {why}", other.issuer());
            }
        }
        self.shared().verifier.jwks().refresh().await
    }

    /// What every part borrows.
    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The session layer.
    pub(crate) fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

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
        signin::login(self.shared(), username, password, &Ctx::default()).await
    }

    /// Starts a sign-in without a password (the `user_auth` flow): Cognito answers with the
    /// ways the user may sign in ([`Challenge::SelectChallenge`](crate::Challenge::SelectChallenge),
    /// its [`options`](PendingChallenge::options)); [`Cognito::answer`] with
    /// [`Answer::Choose`]`("EMAIL_OTP")` has a code mailed, and the code signs the user in.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Answer, Challenge, Cognito, Error};
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
        signin::start(self.shared(), username, &Ctx::default()).await
    }

    /// Answers a login's pending challenge (the [`PendingChallenge`] guard reads it back from
    /// the cookie [`Cognito::keep`] wrote): a new password for
    /// [`NewPasswordRequired`](crate::Challenge::NewPasswordRequired), a code for
    /// [`SmsMfa`](crate::Challenge::SmsMfa), [`SoftwareTokenMfa`](crate::Challenge::SoftwareTokenMfa)
    /// and (after [`Cognito::setup_totp`]) [`MfaSetup`](crate::Challenge::MfaSetup). Then the
    /// tokens are verified and the local user saved, as [`Cognito::login`] does.
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{Answer, Cognito, Error, PendingChallenge};
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
        signin::answer(self.shared(), pending, answer, &Ctx::default()).await
    }

    /// Starts enrolling an authenticator app for a login that stopped at
    /// [`MfaSetup`](crate::Challenge::MfaSetup) (the pool requires MFA and the user has none
    /// yet). Show [`TotpSetup::secret`] or [`TotpSetup::otpauth_uri`] to the user, hand the
    /// result to [`Cognito::keep`] (Cognito moved the challenge on), and finish with
    /// [`Cognito::answer`] and the app's first code.
    ///
    /// # Errors
    ///
    /// [`Error::WrongAnswer`] when the challenge is not `MFA_SETUP`, [`Error::SessionExpired`]
    /// when it is older than three minutes, and Cognito's own errors as for [`Cognito::login`].
    pub async fn setup_totp(&self, pending: &PendingChallenge) -> Result<TotpSetup, Error> {
        signin::setup_totp(self.shared(), pending).await
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
        signin::keep(self.shared(), self.sessions(), jar, result).await
    }

    /// Signs this session out: clears its cookies (and deletes its server-side row) and revokes
    /// its refresh token at Cognito (RevokeToken), so that the refresh token and the access
    /// tokens issued from it stop working there, even when the access token had expired
    /// already. The user's other sessions live on ([`Cognito::sign_out_everywhere`] ends them).
    /// When Cognito cannot be reached the session ends here all the same and the failure is
    /// logged.
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::Cognito;
    ///
    /// #[post("/logout")]
    /// async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> &'static str {
    ///     cognito.sign_out(jar).await;
    ///     "Logged out"
    /// }
    /// ```
    pub async fn sign_out(&self, jar: &CookieJar<'_>) {
        self.sessions().sign_out(self.shared(), jar, false).await
    }

    /// Signs this session out as [`Cognito::sign_out`] does, and forgets this browser's
    /// remembered device (its cookie, and at Cognito, ForgetDevice): the next sign-in from it
    /// asks for the second factor again. For "forget this browser" at sign-out, on a shared
    /// computer say.
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::Cognito;
    ///
    /// #[post("/logout?<forget>")]
    /// async fn logout(cognito: &Cognito, jar: &CookieJar<'_>, forget: bool) -> &'static str {
    ///     match forget {
    ///         true => cognito.sign_out_forgetting_device(jar).await,
    ///         false => cognito.sign_out(jar).await,
    ///     }
    ///     "Logged out"
    /// }
    /// ```
    pub async fn sign_out_forgetting_device(&self, jar: &CookieJar<'_>) {
        self.sessions().sign_out(self.shared(), jar, true).await
    }

    /// Ends every other server-side session of the user of `access_token` (a verified one: take it
    /// from the request's guard), keeping this browser's:
    /// each as a sign-out ends it (its row deleted, its refresh token revoked at Cognito, its
    /// tokens refused on every instance). How many ended. For "sign out my other sessions"
    /// after a password change, say.
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::{Cognito, Error, Fresh};
    ///
    /// #[post("/account/sessions/end-others")]
    /// async fn end_others(cognito: &Cognito, jar: &CookieJar<'_>, user: Fresh<300>) -> Result<String, Error> {
    ///     Ok(format!("{} other sessions ended", cognito.end_other_sessions(jar, user.access_token()).await?))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoSessionStore`] with cookie sessions, which this site cannot list (sign out
    /// everywhere instead, [`Cognito::sign_out_everywhere`]); [`Error::Token`] for a token that
    /// does not verify, [`Error::MachineClient`] for a machine's; [`Error::Store`] when the store
    /// fails.
    pub async fn end_other_sessions(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<u64, Error> {
        let claims = self.shared().verify(access_token, TokenUse::Access).await?;
        let username = claims.cognito_username().ok_or(Error::MachineClient)?;
        self.sessions().end_others(self.shared(), jar, username).await
    }

    /// Signs the user of `access_token` (a verified one: take it from the request's
    /// [`CognitoUser`](crate::CognitoUser) or [`CognitoClaims`](crate::CognitoClaims)) out
    /// everywhere: this browser's cookies are cleared, every server-side session of the user is
    /// deleted (other browsers are refused at once, other instances within
    /// `session_cache_ttl_secs`), and Cognito ends every refresh token of the user
    /// (GlobalSignOut). Returns how many server-side sessions ended (0 with cookie sessions,
    /// which other browsers keep until their access token expires).
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::{Cognito, CognitoClaims, Error};
    ///
    /// #[post("/logout/everywhere")]
    /// async fn everywhere(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoClaims) -> Result<String, Error> {
    ///     let ended = cognito.sign_out_everywhere(jar, user.access_token()).await?;
    ///     Ok(format!("{ended} sessions ended"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Token`] for an access token that does not verify, [`Error::Store`] when the
    /// sessions cannot be deleted, and Cognito's errors as for [`Cognito::login`].
    pub async fn sign_out_everywhere(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<u64, Error> {
        self.sessions().sign_out_everywhere(self.shared(), jar, access_token).await
    }

    /// Signs a new user up (SignUp), with `attributes` by their local names in `attr_mapping`
    /// (`first_name`, `api_key`) or by Cognito's (`phone_number`, `custom:team`). The user is
    /// unconfirmed until they give the code Cognito sent ([`Cognito::confirm_sign_up`]).
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm};
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[derive(FromForm)]
    /// struct SignUpForm { username: String, password: String, email: String }
    ///
    /// #[post("/signup", data = "<form>")]
    /// async fn signup(cognito: &Cognito, form: Form<SignUpForm>) -> Result<String, Error> {
    ///     let attributes = [("email", form.email.as_str())];
    ///     let signed_up = cognito.sign_up(&form.username, &form.password, &attributes).await?;
    ///     Ok(match signed_up.delivery {
    ///         Some(sent) => format!("We sent a code to {}", sent.destination),
    ///         None => "An administrator will confirm your account".to_owned(),
    ///     })
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UsernameExists`], [`Error::PasswordRejected`] (the pool's policy, in Cognito's
    /// words), [`Error::InvalidInput`] (an attribute Cognito refuses),
    /// [`Error::Misconfigured`] for an attribute the app client may not write (its
    /// `WriteAttributes`, which leave out every `custom:` one unless listed), and Cognito's
    /// errors as for [`Cognito::login`].
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<SignedUp, Error> {
        crate::account::sign_up(self.shared(), (username, password), attributes, &Ctx::default()).await
    }

    /// Confirms a sign-up with the code Cognito sent (ConfirmSignUp); the user can sign in then.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn confirm(cognito: &Cognito) -> Result<(), Error> {
    /// match cognito.confirm_sign_up("ada", "123456").await {
    ///     Ok(()) | Err(Error::AlreadyConfirmed) => println!("confirmed: sign in"),
    ///     Err(Error::WrongCode) => println!("that code is not right"),
    ///     Err(Error::CodeExpired) => println!("ask for a new code"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`] (for an unknown username too), [`Error::CodeExpired`],
    /// [`Error::TooManyAttempts`], [`Error::AlreadyConfirmed`].
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), Error> {
        self.shared().client.confirm_sign_up(username, code, &Ctx::default()).await
    }

    /// Sends the confirmation code again (ResendConfirmationCode): where it went, or `None` for
    /// a username Cognito does not know (a page should answer the same either way).
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn resend(cognito: &Cognito) -> Result<(), Error> {
    /// cognito.resend_confirmation_code("ada").await?;
    /// println!("If that account waits for confirmation, a new code is on its way");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyConfirmed`], [`Error::TooManyAttempts`], and Cognito's errors.
    pub async fn resend_confirmation_code(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        self.shared().client.resend_confirmation_code(username, &Ctx::default()).await
    }

    /// Starts a reset of a forgotten password (ForgotPassword): Cognito sends a code to the
    /// user's verified email or phone. Where it went, or `None` for a username Cognito does not
    /// know, or one whose password cannot be reset now (disabled, or not yet signed in with an
    /// administrator's temporary password): a page must answer the same either way, so as not
    /// to tell which usernames exist.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn forgot(cognito: &Cognito) -> Result<&'static str, Error> {
    /// cognito.forgot_password("ada").await?;
    /// Ok("If that account exists, we sent it a code")
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`], [`Error::InvalidInput`] (the user has no verified email or
    /// phone), and Cognito's errors.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        self.shared().client.forgot_password(username, &Ctx::default()).await
    }

    /// Sets a new password with the code [`Cognito::forgot_password`] sent
    /// (ConfirmForgotPassword); the old password is dead then.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn reset(cognito: &Cognito) -> Result<(), Error> {
    /// cognito.confirm_forgot_password("ada", "123456", "Corr3ct-Horse-Battery").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`] (for an unknown username too), [`Error::CodeExpired`],
    /// [`Error::TooManyAttempts`], [`Error::PasswordRejected`].
    pub async fn confirm_forgot_password(&self, username: &str, code: &str, new_password: &str) -> Result<(), Error> {
        self.shared().client.confirm_forgot_password(username, code, new_password, &Ctx::default()).await
    }

    /// Changes a signed-in user's password (ChangePassword with their access token: take it
    /// from the request's [`CognitoUser`](crate::CognitoUser)).
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[derive(FromForm)]
    /// struct Change { old: String, new: String }
    ///
    /// #[post("/password", data = "<form>")]
    /// async fn password(cognito: &Cognito, user: CognitoUser, form: Form<Change>) -> Result<&'static str, Error> {
    ///     cognito.change_password(user.access_token(), &form.old, &form.new).await?;
    ///     Ok("Password changed")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`] for a wrong current password, [`Error::PasswordRejected`],
    /// [`Error::TooManyAttempts`], [`Error::SessionExpired`] for a token Cognito no longer takes.
    pub async fn change_password(&self, access_token: &str, old: &str, new: &str) -> Result<(), Error> {
        self.shared().client.change_password(access_token, old, new).await
    }

    /// Changes the signed-in user's attributes (UpdateUserAttributes), by their local names in
    /// `attr_mapping` or by Cognito's, and brings the local row in step. Where the pool verifies
    /// an attribute (an email), Cognito sends a code to the new value: the returned deliveries
    /// say where. A pool that keeps the old value until the new one is verified (its
    /// `AttributesRequireVerificationBeforeUpdate`) changes it at [`Cognito::verify_attribute`].
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[post("/email", data = "<email>")]
    /// async fn email(cognito: &Cognito, user: CognitoUser, email: Form<String>) -> Result<String, Error> {
    ///     let sent = cognito.update_attributes(user.access_token(), &[("email", email.as_str())]).await?;
    ///     Ok(sent.iter().map(|d| format!("A code went to {d}\n")).collect())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a value Cognito refuses, [`Error::UsernameExists`] for an
    /// email another user signs in with, [`Error::SessionExpired`], and Cognito's errors.
    pub async fn update_attributes(
        &self,
        access_token: &str,
        attributes: &[(&str, &str)],
    ) -> Result<Vec<CodeDelivery>, Error> {
        crate::account::update_attributes(self.shared(), access_token, attributes).await
    }

    /// Sends a code to verify `attribute` (GetUserAttributeVerificationCode): again after
    /// [`Cognito::update_attributes`], or for an address not yet verified.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn again(cognito: &Cognito, access_token: &str) -> Result<(), Error> {
    /// let sent = cognito.send_verification_code(access_token, "email").await?;
    /// println!("a new code went to {sent}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`], [`Error::InvalidInput`] (no such attribute to verify), and
    /// Cognito's errors.
    pub async fn send_verification_code(&self, access_token: &str, attribute: &str) -> Result<CodeDelivery, Error> {
        let name = crate::account::cognito_name(self.shared(), attribute);
        self.shared().client.verification_code(access_token, name).await
    }

    /// Verifies `attribute` with its code (VerifyUserAttribute); a new email waiting for it
    /// takes effect now. Returns the local row, brought in step (`None` without a store).
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn verify(cognito: &Cognito, access_token: &str) -> Result<(), Error> {
    /// let user = cognito.verify_attribute(access_token, "email", "123456").await?;
    /// assert!(user.is_some_and(|u| u.email_verified));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`], [`Error::CodeExpired`], [`Error::TooManyAttempts`], and Cognito's
    /// errors.
    pub async fn verify_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<Option<User>, Error> {
        crate::account::verify_attribute(self.shared(), access_token, attribute, code).await
    }

    /// Deletes the signed-in user's account (DeleteUser with their access token): at Cognito
    /// first, then every session of theirs here (this browser's cookies are cleared), every
    /// token they were issued is refused on every instance, and their local row is deleted.
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[post("/account/delete")]
    /// async fn delete(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser) -> Result<&'static str, Error> {
    ///     cognito.delete_account(jar, user.access_token()).await?;
    ///     Ok("Your account is deleted")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Token`] for an access token that does not verify, Cognito's errors (then nothing
    /// was deleted), [`Error::Store`] when the row or the sessions cannot be deleted.
    pub async fn delete_account(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<(), Error> {
        crate::account::delete_account(self.shared(), self.sessions(), jar, access_token).await
    }

    /// The server-side sessions of `username`, oldest first (for an account or admin page).
    ///
    /// ```no_run
    /// # use rocket::get;
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[get("/account/sessions")]
    /// async fn sessions(cognito: &Cognito, user: CognitoUser) -> Result<String, Error> {
    ///     let sessions = cognito.user_sessions(user.username()).await?;
    ///     Ok(sessions.iter().map(|s| format!("{} since {}\n", s.id, s.created_at)).collect())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoSessionStore`] with cookie sessions, [`Error::Store`] when the store fails.
    pub async fn user_sessions(&self, username: &str) -> Result<Vec<SessionInfo>, Error> {
        self.sessions().user_sessions(username).await
    }

    /// Ends the server-side session `id` (a [`SessionInfo::id`]): its browser is refused at
    /// once on this instance, and within `session_cache_ttl_secs` on the others. Whether there
    /// was such a session.
    ///
    /// ```no_run
    /// # use rocket::post;
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[post("/admin/sessions/<id>/end")]
    /// async fn end(cognito: &Cognito, id: &str) -> Result<&'static str, Error> {
    ///     Ok(if cognito.end_session(id).await? { "ended" } else { "no such session" })
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoSessionStore`] with cookie sessions, [`Error::Store`] when the store fails.
    pub async fn end_session(&self, id: &str) -> Result<bool, Error> {
        self.sessions().server()?.end_id(id).await
    }

    /// Deletes the server-side sessions that ended (`cookie_max_age_secs` after their
    /// sign-in): how many. The crate also purges by itself, at most once an hour, after a
    /// sign-in.
    ///
    /// ```no_run
    /// # use rocket::post;
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[post("/admin/sessions/purge")]
    /// async fn purge(cognito: &Cognito) -> Result<String, Error> {
    ///     Ok(format!("{} ended sessions deleted", cognito.purge_sessions().await?))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoSessionStore`] with cookie sessions, [`Error::Store`] when the store fails.
    pub async fn purge_sessions(&self) -> Result<u64, Error> {
        Ok(self.sessions().server()?.store().purge(self.shared().now()).await?)
    }

    /// New ID and access tokens for a refresh token, verified, for an application that holds
    /// tokens itself (the guards refresh cookie sessions by themselves). `username` is the
    /// user's Cognito username (`cognito:username`), which the SECRET_HASH is computed from.
    /// Concurrent calls with one refresh token make one call to Cognito.
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] when the refresh token was revoked or has expired,
    /// [`Error::RefreshTokenReused`] when refresh-token rotation replaced it already, else
    /// Cognito's errors as for [`Cognito::login`].
    pub async fn refresh(&self, refresh_token: &str, username: &str) -> Result<Tokens, Error> {
        Ok(self.shared().refresh(refresh_token, username, None).await?.tokens)
    }

    /// [`Cognito::refresh`] for a refresh token issued to a device, in a pool that remembers
    /// devices: Cognito refuses it without the device's key ([`Login::new_device`]).
    ///
    /// # Errors
    ///
    /// As [`Cognito::refresh`]; [`Error::SessionExpired`] too when the device was forgotten.
    pub async fn refresh_on_device(
        &self,
        refresh_token: &str,
        username: &str,
        device_key: &str,
    ) -> Result<Tokens, Error> {
        Ok(self.shared().refresh(refresh_token, username, Some(device_key)).await?.tokens)
    }

    /// The devices Cognito tracks for the user of `access_token` (ListDevices), remembered or
    /// not. [`SignIn::devices`](crate::SignIn::devices) also marks the one of the request's
    /// browser.
    ///
    /// ```no_run
    /// # use rocket::get;
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[get("/devices")]
    /// async fn devices(cognito: &Cognito, user: CognitoUser) -> Result<String, Error> {
    ///     let devices = cognito.devices(user.access_token()).await?;
    ///     Ok(devices.iter().map(|d| d.key.as_str()).collect::<Vec<_>>().join("\n"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] when Cognito no longer takes the token, else its errors.
    pub async fn devices(&self, access_token: &str) -> Result<Vec<crate::Device>, Error> {
        self.shared().client.list_devices(access_token).await
    }

    /// Marks one of the user's devices remembered (its sign-ins then skip the second factor,
    /// where the pool allows it) or not (UpdateDeviceStatus).
    ///
    /// # Errors
    ///
    /// As [`Cognito::devices`].
    pub async fn remember_device(&self, access_token: &str, device_key: &str, remembered: bool) -> Result<(), Error> {
        self.shared().client.set_device_remembered(access_token, device_key, remembered).await
    }

    /// Forgets one of the user's devices (ForgetDevice): its next sign-in asks for the second
    /// factor again, and the refresh tokens issued to it stop working.
    ///
    /// # Errors
    ///
    /// As [`Cognito::devices`].
    pub async fn forget_device(&self, access_token: &str, device_key: &str) -> Result<(), Error> {
        self.shared().client.forget_device(access_token, device_key).await
    }

    /// Verifies a token of kind `token_use` against the pool's keys and every rule (issuer,
    /// app client, `token_use`, expiry), for tokens that do not arrive in a request's cookies
    /// or `Authorization` header (a WebSocket's first message, say). The home pool's only: an
    /// access token may be one of `app_client_ids`, an ID token is the site's own client's.
    /// [`Cognito::verify_any_pool`] takes `other_pools`' too.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] with the reason the token was refused.
    pub async fn verify(&self, token: &str, token_use: TokenUse) -> Result<Arc<Claims>, Error> {
        Ok(self.shared().verify(token, token_use).await?)
    }

    /// Verifies an access token of the home pool or of any of `other_pools`, each against its
    /// own keys, issuer and app clients, as [`AnyPoolClaims`](crate::AnyPoolClaims) does. Its
    /// `iss` says which pool it is of; a username means something only within that pool.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] with the reason the token was refused.
    pub async fn verify_any_pool(&self, access_token: &str) -> Result<Arc<Claims>, Error> {
        Ok(self.shared().verify_bearer(access_token).await?)
    }

    /// The user's attributes, read live from Cognito with their access token (GetUser).
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] when Cognito refuses the access token, else its errors as for
    /// [`Cognito::login`].
    pub async fn user_attributes(&self, access_token: &str) -> Result<UserAttributes, Error> {
        self.shared().client.get_user(access_token).await
    }

    /// Brings the local user in step with Cognito now (GetUser, `attr_mapping`, the row
    /// written), as a login does: after the application changed attributes at Cognito, say.
    /// `None` when the site keeps no users.
    ///
    /// # Errors
    ///
    /// As [`Cognito::user_attributes`]; [`Error::NotProvisioned`] when the user has no row and
    /// `create_unknown_users` is off; [`Error::Store`] when the store fails.
    pub async fn sync_user(&self, access_token: &str) -> Result<Option<User>, Error> {
        let shared = self.shared();
        Ok(shared.users.sync(&shared.client, access_token, shared.users.creates_unknown()).await?.1)
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.shared.config
    }

    /// The local user store; `None` for [`Cognito::without_store`].
    pub fn store(&self) -> Option<&dyn UserStore> {
        self.shared().users.store.as_deref()
    }

    /// The AWS SDK client of the user pool, for calls this crate does not wrap
    /// (UpdateUserAttributes, ListUsers, ...); it follows the settings (region, endpoint,
    /// credentials, timeouts, retries).
    pub fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        self.shared().client.sdk()
    }

    /// The AWS SDK configuration the settings describe, to build other AWS clients (API
    /// Gateway, say) that follow the same region, endpoint, credentials and timeouts.
    pub fn sdk_config(&self) -> &aws_config::SdkConfig {
        &self.inner.shared.sdk_config
    }

    /// What the crate counted since launch (the crate's own tests and benches read it).
    #[doc(hidden)]
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn counters(&self) -> Counters {
        let shared = self.shared();
        let (refreshes, refresh_calls) = shared.client.refreshes();
        Counters {
            refreshes,
            refresh_calls,
            srp_proofs: shared.client.srp_proofs(),
            key_fetches: shared.verifier.jwks().fetch_count(),
            cached_kids: shared.verifier.jwks().cached_kids(),
            cached_tokens: shared.verifier.cache().len(),
            remembered_sessions: self.sessions().remembered_sessions(),
            revocations: shared.revocations.len(),
        }
    }
}

/// What the crate counted since launch ([`Cognito::counters`](crate::Cognito::counters)).
///
/// ```
/// # rocket::async_test(async {
/// use rocket_warrant::{testing::TestPool, Cognito};
///
/// let rocket = rocket::custom(TestPool::new().figment()).attach(Cognito::without_store());
/// let rocket = rocket.ignite().await.unwrap();
/// let counters = rocket.state::<Cognito>().unwrap().counters();
/// assert_eq!((counters.refreshes, counters.key_fetches), (0, 0), "inline keys are never fetched");
/// assert_eq!(counters.cached_kids, ["test-key"]);
/// # });
/// ```
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Refreshes Cognito answered with new tokens (concurrent requests of one session share
    /// one; a refresh another instance already made is read from the row, not counted).
    pub refreshes: u64,
    /// Refresh calls made to Cognito, whatever it answered (a refused refresh counts here, not
    /// in `refreshes`).
    pub refresh_calls: u64,
    /// SRP password proofs computed (an unknown user's login computes one too).
    pub srp_proofs: u64,
    /// Signing-key fetches attempted.
    pub key_fetches: u64,
    /// The `kid`s of the signing keys now cached.
    pub cached_kids: Vec<String>,
    /// Verified tokens now cached.
    pub cached_tokens: usize,
    /// Server-side sessions this instance remembers now.
    pub remembered_sessions: usize,
    /// Revocations (of a sign-in, or of a user everywhere) this instance refuses now.
    pub revocations: usize,
}

/// `&Cognito` in a route: the managed state. Never fails once launched (the Sentinel stops a
/// launch without the fairing).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r Cognito {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.rocket().state::<Cognito>() {
            Some(cognito) => Outcome::Success(cognito),
            // Unreachable when the Sentinel ran; a clear status rather than a panic otherwise.
            None => Outcome::Forward(Status::InternalServerError),
        }
    }
}

impl Sentinel for &Cognito {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

/// True (and logged) when a route uses the crate but the fairing was not attached.
pub(crate) fn missing_fairing(rocket: &Rocket<Ignite>) -> bool {
    if rocket.state::<Cognito>().is_some() {
        return false;
    }
    log::error!(
        "rocket_warrant: a route uses Cognito authentication but no Cognito fairing is attached: \
         attach Cognito::fairing::<Db>(), Cognito::custom(store) or Cognito::without_store()"
    );
    true
}

/// True (and logged) when a route needs local users but the site keeps none.
pub(crate) fn missing_store(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    if missing_fairing(rocket) {
        return true;
    }
    let keeps_users = rocket.state::<Cognito>().is_some_and(|c| c.store().is_some());
    if !keeps_users {
        log::error!(
            "rocket_warrant: a route uses {guard}, which reads the local user, but the fairing is \
             Cognito::without_store(): take CognitoClaims (or Member) instead, or attach a store \
             with Cognito::fairing::<Db>() or Cognito::custom(store)"
        );
    }
    !keeps_users
}
