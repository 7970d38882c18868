//! Request authentication: who a request is, from a Bearer access token or the session, the
//! session kept in sealed cookies ([`CookieSessions`]) or server-side ([`ServerSessions`]). The
//! guards call this; it knows nothing of them.
//!
//! The request path, forward only:
//! 1. `Authorization: Bearer <access token>`: verified, and that is all (no cookie is read or
//!    cleared on its account).
//! 2. Else the session mode's `authenticate`: the access cookie opened (cookie sessions) or the
//!    session id's row read (server-side sessions, remembered for `session_cache_ttl_secs`), the
//!    access token verified (a cached token costs a digest and a lookup), and refreshed once for
//!    every concurrent request of the session when it has expired.
//! 3. Refused cookies (forged, or a session that ended) are cleared; an outage keeps them.
//! 4. For guards that want the local user: the store's row, created on first sight.

mod cookie;
mod credentials;
mod opened;
mod server;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rocket::http::{Cookie, CookieJar};
use rocket::Request;

pub(crate) use self::cookie::CookieSessions;
pub(crate) use self::credentials::Credentials;
use self::credentials::{remember_row, remembered_row};
#[cfg(feature = "testing")]
pub(crate) use self::server::handle;
pub(crate) use self::server::ServerSessions;
use crate::error::{AuthError, Error};
use crate::state::Shared;
use crate::store::{SessionInfo, User};
use crate::tokens::{Now, TokenUse, Tokens};

/// How and from where a sign-in came, kept with its server-side session for the user's own
/// list of sessions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    pub(crate) factors: crate::proof::Factors,
    pub(crate) browser: Option<String>,
    pub(crate) address: Option<String>,
}

/// A request's authentication outcome, kept in its local cache so that every guard of the
/// request shares it, and so that the response fairing knows when the cookies were cleared
/// (Rocket drops cookie changes from error responses).
pub(crate) struct RequestAuth {
    pub(crate) result: Result<Arc<Credentials>, AuthError>,
    cleared: bool,
    /// When the request was authenticated: the rest of it reads no clock.
    now: Option<Now>,
    /// The local user, looked up by the first guard that wants it.
    user: OnceLock<Result<Arc<User>, AuthError>>,
}

impl RequestAuth {
    /// What a request whose guard never ran reads.
    fn untouched() -> RequestAuth {
        RequestAuth { result: Err(AuthError::Missing), cleared: false, now: None, user: OnceLock::new() }
    }
}

/// An authenticated request with its local user: what [`CognitoUser`](crate::CognitoUser) hands
/// a route.
pub(crate) struct Authenticated {
    pub(crate) credentials: Arc<Credentials>,
    pub(crate) user: Arc<User>,
    pub(crate) id_token: Option<Arc<str>>,
}

/// Where sessions are kept: one mode or the other, behind one interface (authenticate, start,
/// end), with the Bearer header, the request's outcome and sign-out's revocations here.
#[derive(Debug)]
pub(crate) enum Sessions {
    Cookies(CookieSessions),
    Server(Box<ServerSessions>),
}

impl Sessions {
    /// The request's credentials, authenticated once per request.
    pub(crate) async fn authenticate<'r>(&self, shared: &Shared, req: &'r Request<'_>) -> &'r RequestAuth {
        req.local_cache_async(async {
            let now = shared.instant();
            shared.revocations.refresh(now).await;
            let (result, from_cookies) = match authorization(req).and_then(bearer) {
                Some(token) => {
                    let result = shared.verify_bearer(token).await;
                    (
                        result
                            .map(|claims| Arc::new(Credentials::bearer(claims, token.into())))
                            .map_err(AuthError::from),
                        false,
                    )
                }
                None => {
                    let jar = req.cookies();
                    let result = match self {
                        Sessions::Cookies(mode) => mode.authenticate(shared, jar, now).await,
                        Sessions::Server(mode) => mode.authenticate(shared, jar, now).await,
                    };
                    (result, true)
                }
            };
            // Refused or ended cookie sessions lose their cookies; an outage keeps them for a
            // retry, and a refused Bearer header says nothing about the cookies.
            let refused = matches!(result, Err(AuthError::Invalid(_) | AuthError::SessionEnded));
            let cleared = refused && from_cookies && shared.cookies.carried(req.cookies());
            if cleared {
                shared.cookies.clear(req.cookies());
            }
            RequestAuth { result, cleared, now: Some(now), user: OnceLock::new() }
        })
        .await
    }

    /// The request's credentials when they name a user of the home pool: a machine client's
    /// token (the client-credentials grant) names no user, and another pool's user is not this
    /// site's user of the same name, nor are its groups this site's.
    pub(crate) async fn home_user(&self, shared: &Shared, req: &Request<'_>) -> Result<Arc<Credentials>, AuthError> {
        let credentials = self.authenticate(shared, req).await.result.clone()?;
        if credentials.claims.cognito_username().is_none() {
            return Err(AuthError::MachineClient);
        }
        if !shared.is_home(&credentials.claims) {
            return Err(AuthError::OtherPool);
        }
        Ok(credentials)
    }

    /// The request authenticated, with its local user and the session's ID token: the one call
    /// of the guards that want the user.
    pub(crate) async fn user(&self, shared: &Shared, req: &Request<'_>) -> Result<Authenticated, AuthError> {
        let credentials = self.home_user(shared, req).await?;
        let auth = self.authenticate(shared, req).await;
        let user = self.local_user(shared, auth, &credentials).await.clone()?;
        let id_token = self.id_token(shared, req, auth, &credentials).await;
        Ok(Authenticated { credentials, user, id_token })
    }

    /// The time `auth` was authenticated at (a request whose guard never ran reads the clocks).
    fn time_of(shared: &Shared, auth: &RequestAuth) -> Now {
        auth.now.unwrap_or_else(|| shared.instant())
    }

    /// The session's ID token: only one that verifies and belongs to the access token's user (a
    /// cookie from another session, or expired, is no ID token of this one). Cookie sessions
    /// keep it in a cookie of its own only with `id_token_cookie`.
    async fn id_token(
        &self,
        shared: &Shared,
        req: &Request<'_>,
        auth: &RequestAuth,
        credentials: &Credentials,
    ) -> Option<Arc<str>> {
        if credentials.bearer {
            return None;
        }
        if let (Some(token), Some(claims)) = (&credentials.id_token, &credentials.id_claims) {
            // Verified with the session: its times and kind checked again.
            shared.recheck(claims, TokenUse::Id, Self::time_of(shared, auth)).ok()?;
            return (claims.sub == credentials.claims.sub).then(|| token.clone());
        }
        let token = match &credentials.id_token {
            Some(token) => token.clone(),
            // Only a site that keeps the ID token in a cookie looks for one (a cookie left by an
            // earlier configuration is not this one's to hand out).
            None if shared.cookies.keeps_id_token() => shared.cookies.id_token(req.cookies())?.into(),
            None => return None,
        };
        let claims = shared.verify(&token, TokenUse::Id).await.ok()?;
        (claims.sub == credentials.claims.sub).then_some(token)
    }

    /// The local user of the request's credentials, looked up once per request.
    async fn local_user<'r>(
        &self,
        shared: &Shared,
        auth: &'r RequestAuth,
        credentials: &Credentials,
    ) -> &'r Result<Arc<User>, AuthError> {
        if let Some(user) = auth.user.get() {
            return user;
        }
        // A session remembers its row while this instance writes none.
        let users = &shared.users;
        let writes = users.writes();
        let now = Self::time_of(shared, auth).mono;
        let remembered = credentials.row.as_deref().and_then(|row| remembered_row(row, writes, users.row_ttl, now));
        let user = match remembered {
            Some(user) => Ok(user),
            None => {
                let user = Box::pin(users.local_user(&shared.client, &credentials.claims, &credentials.access_token))
                    .await
                    .map(Arc::new);
                if let (Ok(user), Some(row)) = (&user, &credentials.row) {
                    remember_row(row, writes, user.clone());
                }
                user.map_err(AuthError::from)
            }
        };
        // A request's guards run one after another: none set it meanwhile (had one, its
        // answer would stand).
        auth.user.get_or_init(|| user)
    }

    /// Keeps a sign-in's tokens: in the cookies, or in a new server-side session (the browser's
    /// previous one ended), its id in the cookie.
    pub(crate) async fn keep(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        username: &str,
        tokens: &Tokens,
        origin: &Origin,
    ) -> Result<(), Error> {
        for cookie in self.start(shared, Some(jar), username, tokens, origin).await? {
            jar.add(cookie);
        }
        Ok(())
    }

    /// The cookies that carry a new session of `username` (a server-side session saved first).
    pub(crate) async fn start(
        &self,
        shared: &Shared,
        jar: Option<&CookieJar<'_>>,
        username: &str,
        tokens: &Tokens,
        origin: &Origin,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        let now = shared.now();
        match self {
            Sessions::Cookies(mode) => mode.start(shared, username, tokens, now),
            Sessions::Server(mode) => mode.start(shared, jar, (username, tokens, origin), now).await,
        }
    }

    /// Ends this browser's session: its cookies cleared (a server-side row deleted), every token
    /// of its sign-in refused here, and its refresh token revoked at Cognito (RevokeToken: the
    /// refresh token and the access tokens issued from it die there, whether or not the access
    /// token has expired). When Cognito cannot revoke it, the session ends here all the same, its
    /// refresh token is refused here as long as it can live, and Cognito is asked again. With
    /// `forget_device`, this browser's remembered device is forgotten too, here and at Cognito
    /// (ForgetDevice, while the session's access token still works).
    pub(crate) async fn sign_out(&self, shared: &Shared, jar: &CookieJar<'_>, forget_device: bool) {
        let ended = match self {
            Sessions::Cookies(mode) => mode.end(shared, jar).await,
            Sessions::Server(mode) => mode.end(shared, jar).await,
        };
        shared.cookies.clear(jar);
        // A new CSRF secret: the signed-out pages' tokens are worth nothing to the next user.
        crate::cookies::csrf::rotate(&shared.cookies, jar);
        if forget_device {
            forget_browser(shared, jar, ended.access_token.as_deref()).await;
        }
        // The session's own token (from its sealed cookie or row) names its user.
        let username = (ended.access_token.as_deref())
            .and_then(crate::tokens::unverified_claims)
            .and_then(|claims| claims.cognito_username().map(str::to_owned));
        revoke_ended(shared, ended).await;
        if let Some(username) = username {
            shared.tell(crate::events::Event::SignedOut { username }).await;
        }
    }

    /// Ends every server-side session of `username` but the one of `jar`'s browser, each as a
    /// sign-out does (its row deleted, its refresh token revoked, its tokens refused): how many.
    pub(crate) async fn end_others(&self, shared: &Shared, jar: &CookieJar<'_>, username: &str) -> Result<u64, Error> {
        self.end_others_of(shared, jar, username, None).await
    }

    /// [`end_others`](Self::end_others), only the session `only` when given.
    pub(crate) async fn end_others_of(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        username: &str,
        only: Option<&str>,
    ) -> Result<u64, Error> {
        let ended = self.server()?.end_others_of(shared, jar, username, only).await?;
        let count = ended.len() as u64;
        for ended in ended {
            revoke_ended(shared, ended).await;
        }
        Ok(count)
    }

    /// Signs the user of `access_token` out everywhere: this browser's session ended, every
    /// server-side session of the user deleted, GlobalSignOut at Cognito (which ends every
    /// refresh token of the user), then every token of the user issued until now refused. The
    /// count of server-side sessions ended.
    pub(crate) async fn sign_out_everywhere(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        access_token: &str,
    ) -> Result<u64, Error> {
        let claims = shared.verify(access_token, TokenUse::Access).await?;
        let username = claims.cognito_username().ok_or(Error::MachineClient)?.to_owned();
        // The browser that asked forgets its remembered device: whoever took the account over
        // may have had it remembered.
        if crate::cookies::device::kept(&shared.cookies, jar).is_some_and(|d| d.username == username) {
            forget_browser(shared, jar, Some(access_token)).await;
        }
        let ended = self.end_all(shared, jar, &username).await;
        let signed_out = shared.client.global_sign_out(access_token).await;
        // Recorded once Cognito ended every refresh token (a refresh until then is covered),
        // whether or not it could: every token of the user issued until now plus the leeway,
        // since the verifier accepts an `iat` up to the leeway ahead (a clock ahead of ours).
        let leeway = shared.leeway();
        shared.revocations.user(&claims.sub, shared.now().saturating_add(leeway), leeway).await;
        signed_out?;
        shared.tell(crate::events::Event::SignedOutEverywhere { username }).await;
        ended
    }

    /// Ends this browser's session and every server-side one of `username` (no call to
    /// Cognito): how many server-side sessions ended.
    pub(crate) async fn end_all(&self, shared: &Shared, jar: &CookieJar<'_>, username: &str) -> Result<u64, Error> {
        let ended = match self {
            Sessions::Cookies(mode) => {
                mode.end(shared, jar).await;
                Ok(0)
            }
            Sessions::Server(mode) => mode.end_user(username).await,
        };
        shared.cookies.clear(jar);
        ended
    }

    /// The server-side sessions, or [`Error::NoSessionStore`] with cookie sessions.
    pub(crate) fn server(&self) -> Result<&ServerSessions, Error> {
        match self {
            Sessions::Server(mode) => Ok(mode),
            Sessions::Cookies(_) => Err(Error::NoSessionStore),
        }
    }

    /// The server-side sessions of `username`, oldest first.
    pub(crate) async fn user_sessions(&self, username: &str) -> Result<Vec<SessionInfo>, Error> {
        let list = self.server()?.store().list(username).await?;
        Ok(list.iter().map(SessionInfo::from).collect())
    }

    /// Whether a guard of this request cleared the cookies.
    pub(crate) fn cleared(req: &Request<'_>) -> bool {
        req.local_cache(RequestAuth::untouched).cleared
    }

    /// Server-side sessions this instance remembers now.
    #[cfg(feature = "testing")]
    pub(crate) fn remembered_sessions(&self) -> usize {
        self.server().map_or(0, ServerSessions::remembered_count)
    }
}

/// What follows a session's end: every token of its sign-in refused here at once, and its refresh
/// token revoked at Cognito (asked again later if Cognito cannot be reached).
async fn revoke_ended(shared: &Shared, ended: credentials::Ended) {
    let (now, leeway) = (shared.now(), shared.leeway());
    // Refused here at once, before Cognito is asked.
    if let Some(access) = &ended.access_token {
        shared.revocations.sign_in(access, now, leeway, None).await;
    }
    let Some((refresh, started)) = ended.refresh else {
        return;
    };
    match shared.client.revoke(&refresh).await {
        // Already dead at Cognito (signed out elsewhere, or expired): nothing was left.
        Ok(()) | Err(Error::SessionExpired) => {}
        Err(e) => {
            let ends = shared.refresh_token_ends(started);
            log::warn!(
                "rocket_warrant: revoking the refresh token at Cognito failed ({e}); the session is ended here, \
                 and this site refuses its refresh token and its sign-in's tokens until it lapses"
            );
            if let Some(access) = &ended.access_token {
                shared.revocations.sign_in(access, now, leeway, Some(ends)).await;
            }
            shared.revocations.token(&refresh, now, ends).await;
            if !matches!(e, Error::Misconfigured(_)) {
                revoke_later(shared.client.clone(), refresh);
            }
        }
    }
}

/// Forgets this browser's remembered device: its cookie, and at Cognito (ForgetDevice) while
/// `access_token` works; a failure there is logged (the device can be forgotten on the devices
/// page, and without its cookie this browser never proves it again).
async fn forget_browser(shared: &Shared, jar: &CookieJar<'_>, access_token: Option<&str>) {
    let Some(device) = crate::cookies::device::kept(&shared.cookies, jar) else { return };
    crate::cookies::device::forget(&shared.cookies, jar);
    if let Some(access_token) = access_token {
        if let Err(e) = shared.client.forget_device(access_token, &device.key).await {
            log::info!("rocket_warrant: Cognito did not forget this browser's device at sign-out ({e})");
        }
    }
}

/// Asks Cognito again, in the background, to revoke a refresh token it could not revoke at a
/// sign-out: after 2, 4, 8, 16 and 32 s, until it answers.
fn revoke_later(client: crate::client::CognitoClient, refresh_token: String) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        for attempt in 1..=5u32 {
            tokio::time::sleep(std::time::Duration::from_secs(1 << attempt)).await;
            match client.revoke(&refresh_token).await {
                Ok(()) | Err(Error::SessionExpired) => {
                    log::info!("rocket_warrant: the refresh token of an earlier sign-out is revoked at Cognito");
                    return;
                }
                Err(Error::Misconfigured(e)) => {
                    log::warn!("rocket_warrant: revoking the refresh token of an earlier sign-out failed ({e})");
                    return;
                }
                Err(e) if attempt == 5 => log::warn!(
                    "rocket_warrant: revoking the refresh token of an earlier sign-out failed five more times ({e}); \
                     this site refuses it until it lapses"
                ),
                Err(_) => {}
            }
        }
    });
}

/// The request's first `Authorization` header, found by a scan of the request's few headers:
/// Rocket's header map would hash the name with SipHash a byte at a time, which costs more.
fn authorization<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    let header = req.headers().iter().find(|h| h.name.as_str().eq_ignore_ascii_case("authorization"))?;
    match header.value {
        Cow::Borrowed(value) => Some(value),
        // Rocket's iterator lends its values; should that change, the lookup still answers.
        Cow::Owned(_) => req.headers().get_one("Authorization"),
    }
}

/// `Authorization: Bearer <token>`, the scheme matched case-insensitively.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use rocket::http::Header;
    use rocket::local::blocking::Client;

    use super::{authorization, bearer};

    #[test]
    fn the_first_authorization_header_whatever_its_case() {
        let client = Client::debug_with(vec![]).unwrap();
        let request = client.get("/").header(Header::new("Accept", "*/*"));
        assert_eq!(authorization(request.inner()), None);
        let request = request.header(Header::new("authorization", "Bearer first")).header(Header::new("X-Other", "x"));
        assert_eq!(authorization(request.inner()), Some("Bearer first"));
        let mut request = client.get("/").header(Header::new("AUTHORIZATION", "Bearer a"));
        request.add_header(Header::new("Authorization", "Bearer b"));
        assert_eq!(authorization(request.inner()), Some("Bearer a"), "as get_one answers");
        assert_eq!(request.inner().headers().get_one("Authorization"), Some("Bearer a"));
    }

    #[test]
    fn bearer_scheme() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
