//! `Cognito`'s calls on sessions: sign-out (here and everywhere), the other sessions ended,
//! server-side sessions listed and ended, and the tokens an application holds itself refreshed
//! and verified. The engine behind them is `crate::session`, below `Cognito`.

use std::sync::Arc;

use rocket::http::CookieJar;

use super::Cognito;
use crate::error::Error;
use crate::events::Event;
use crate::store::SessionInfo;
use crate::tokens::{Claims, TokenUse, Tokens};

impl Cognito {
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
        let count = self.sessions().end_others(self.shared(), jar, username).await?;
        self.shared().tell(Event::SessionsEnded { username: username.to_owned(), count }).await;
        Ok(count)
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

    /// The server-side sessions of the user of `access_token` (a verified one), oldest first,
    /// the one of this browser marked [`SessionInfo::current`]: for the user's own security
    /// page, with how each signed in ([`SessionInfo::factors`]), its browser and address, and
    /// when it was last seen ([`SessionInfo::refreshed_at`]).
    ///
    /// ```no_run
    /// # use rocket::{get, http::CookieJar};
    /// use rocket_warrant::{Cognito, CognitoClaims, Error};
    ///
    /// #[get("/account/security")]
    /// async fn security(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoClaims) -> Result<String, Error> {
    ///     let sessions = cognito.my_sessions(jar, user.access_token()).await?;
    ///     Ok(sessions.iter().map(|s| format!("{:?}{}\n", s.browser, if s.current { " (this one)" } else { "" })).collect())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Cognito::end_other_sessions`].
    pub async fn my_sessions(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<Vec<SessionInfo>, Error> {
        let claims = self.shared().verify(access_token, TokenUse::Access).await?;
        let username = claims.cognito_username().ok_or(Error::MachineClient)?;
        let current = self.sessions().server()?.current_id(self.shared(), jar);
        let mut sessions = self.sessions().user_sessions(username).await?;
        for session in &mut sessions {
            session.current = current.as_deref() == Some(session.id.as_str());
        }
        Ok(sessions)
    }

    /// Ends the session `id` of the user of `access_token` (one of [`Cognito::my_sessions`],
    /// not this browser's: that one signs out) as a sign-out ends it: its row deleted, its
    /// refresh token revoked at Cognito, its tokens refused on every instance. Whether it ended
    /// (false for an id that is not one of the user's other sessions).
    ///
    /// # Errors
    ///
    /// As [`Cognito::end_other_sessions`].
    pub async fn end_my_session(&self, jar: &CookieJar<'_>, access_token: &str, id: &str) -> Result<bool, Error> {
        let claims = self.shared().verify(access_token, TokenUse::Access).await?;
        let username = claims.cognito_username().ok_or(Error::MachineClient)?;
        let count = self.sessions().end_others_of(self.shared(), jar, username, Some(id)).await?;
        if count > 0 {
            self.shared().tell(Event::SessionsEnded { username: username.to_owned(), count }).await;
        }
        Ok(count > 0)
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
}
