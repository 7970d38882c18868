//! Request authentication: who a request is, from a Bearer access token or the session
//! cookies, with the access token refreshed when it has expired. The guards call this; it
//! knows nothing of them.
//!
//! The request path, top to bottom:
//! 1. `Authorization: Bearer <access token>`: verified, and that is all (no cookie is read or
//!    cleared on its account).
//! 2. Else the session: the access cookie (cookie sessions), or the session id's row
//!    (server-side sessions, remembered for `session_cache_ttl_secs`); the access token is
//!    verified (a cached token costs a digest and a lookup).
//! 3. An expired access token: refreshed once for every concurrent request of the session,
//!    and the new tokens go back in the cookies, or in the row (over the version read, so
//!    that two instances refreshing at once cannot break the session).
//! 4. Refused cookies (forged, or a session Cognito ended) are cleared; an outage keeps them.
//! 5. For guards that want the local user: the store's row, created on first sight.

mod cookies;
mod credentials;
mod opened;
mod refresh;
mod revocations;
mod seal;
mod server;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rocket::http::{Cookie, CookieJar};
use rocket::Request;

pub(crate) use self::cookies::TokenCookies;
#[cfg(feature = "testing")]
pub(crate) use self::cookies::{pack_value, unpack_value};
pub(crate) use self::credentials::Credentials;
use self::credentials::{remember_row, remembered_row};
use self::opened::OpenedCookies;
use self::refresh::{RefreshFlights, Refreshed};
pub(crate) use self::revocations::RevocationSync;
pub(crate) use self::seal::{site_key, Sealer};
pub(crate) use self::server::handle;
pub(crate) use self::server::ServerSessions;
use crate::challenge::PendingChallenge;
use crate::error::{AuthError, Error};
use crate::store::{SessionInfo, User};
use crate::tokens::{digest, of_sign_in, of_token, of_user, unverified_claims, Now, TokenUse, Tokens, VerifyError};
use crate::users::{Login, Users};

/// A request's authentication outcome, kept in its local cache so that every guard of the
/// request shares it, and so that the response fairing knows when the cookies were cleared
/// (Rocket drops cookie changes from error responses).
pub(crate) struct RequestAuth {
    pub(crate) result: Result<Arc<Credentials>, AuthError>,
    cleared: bool,
    /// When the request was authenticated: the rest of it reads no clock.
    now: Option<Now>,
    /// The local user, looked up by the first guard that wants it (one entry in the request's
    /// cache rather than two: each costs a type-map insert).
    user: OnceLock<LocalUser>,
}

impl RequestAuth {
    /// What a request whose guard never ran reads.
    fn untouched() -> RequestAuth {
        RequestAuth { result: Err(AuthError::Missing), cleared: false, now: None, user: OnceLock::new() }
    }
}

/// The local user's outcome for a request.
pub(crate) struct LocalUser(pub(crate) Result<Arc<User>, AuthError>);

/// Sessions: the cookies, the server-side store when there is one, the refreshes in flight,
/// and the users behind them.
pub(crate) struct Sessions {
    pub(crate) users: Users,
    pub(crate) cookies: TokenCookies,
    server: Option<ServerSessions>,
    revocations: RevocationSync,
    opened: OpenedCookies,
    row_ttl: std::time::Duration,
    max_age: i64,
    refreshes: RefreshFlights,
    /// The app client's refresh-token validity in seconds, once launch has read it (until then,
    /// and when it cannot, the session's maximum age stands for it).
    refresh_validity: std::sync::atomic::AtomicI64,
}

impl Sessions {
    /// Cookie sessions, or server-side ones in `server`; a session lasts `max_age` seconds; at
    /// most `remember` opened access cookies are kept, and a session's row for `row_ttl`.
    pub(crate) fn new(
        users: Users,
        cookies: TokenCookies,
        server: Option<ServerSessions>,
        revocations: RevocationSync,
        max_age: i64,
        remember: usize,
        row_ttl: std::time::Duration,
    ) -> Sessions {
        let opened = OpenedCookies::new(remember);
        Sessions {
            users,
            cookies,
            server,
            revocations,
            opened,
            row_ttl,
            max_age,
            refreshes: RefreshFlights::default(),
            refresh_validity: std::sync::atomic::AtomicI64::new(i64::MAX),
        }
    }

    /// Reads the revocations the other instances recorded, when due (the fairing, at ignite;
    /// each request does the same at its own time in `authenticate`).
    pub(crate) async fn refresh_revocations(&self) {
        self.revocations.first_read(self.users.verifier.instant()).await;
    }

    /// Refuses the sign-in of `access_token` (a token this site sealed: expired or not) here
    /// at once, and on the instances that share the store within their sync interval: every
    /// token of that sign-in issued until now has lapsed by the revocation's end (or until
    /// `at_least`, when its refresh token may still be used). A token without `origin_jti` (token
    /// revocation off on the app client) is refused alone, by its digest, until it expires.
    async fn revoke_sign_in(&self, access_token: &str, at_least: Option<i64>) {
        let Some(claims) = unverified_claims(access_token) else {
            return;
        };
        let now = self.users.verifier.now();
        let leeway = self.users.verifier.leeway();
        let Some(origin) = claims.extra.get("origin_jti").and_then(|v| v.as_str()) else {
            let lapses = claims.exp.unwrap_or(now.saturating_add(MAX_TOKEN_LIFE)).saturating_add(leeway);
            self.revocations.revoke(of_token(&digest(access_token), now, lapses)).await;
            return;
        };
        // Any token of this sign-in was issued by now and lives its validity (at most a day).
        let validity =
            claims.exp.zip(claims.iat).map_or(MAX_TOKEN_LIFE, |(exp, iat)| (exp - iat).clamp(0, MAX_TOKEN_LIFE));
        let lapses = now.saturating_add(validity).saturating_add(leeway).max(at_least.unwrap_or(i64::MIN));
        self.revocations.revoke(of_sign_in(origin, now, lapses)).await;
    }

    /// Takes what launch read of the app client: how long its refresh tokens live.
    pub(crate) fn learn(&self, facts: &crate::client::ClientFacts) {
        if let Some(validity) = facts.refresh_token_validity {
            let secs = i64::try_from(validity.as_secs()).unwrap_or(i64::MAX);
            self.refresh_validity.store(secs, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// When a refresh token of a sign-in at `started` dies at the latest: the app client's
    /// refresh-token validity (read at launch), or the session's maximum age when sooner.
    fn refresh_token_ends(&self, started: i64) -> i64 {
        let validity = self.refresh_validity.load(std::sync::atomic::Ordering::Relaxed);
        started.saturating_add(validity.min(self.max_age))
    }

    /// The request's credentials, authenticated once per request.
    pub(crate) async fn authenticate<'r>(&self, req: &'r Request<'_>) -> &'r RequestAuth {
        req.local_cache_async(async {
            let now = self.users.verifier.instant();
            self.revocations.refresh(now).await;
            let (result, from_cookies) = self.credentials(req, now).await;
            // Refused or ended cookie sessions lose their cookies; an outage keeps them for a
            // retry, and a refused Bearer header says nothing about the cookies.
            let refused = matches!(result, Err(AuthError::Invalid(_) | AuthError::SessionEnded));
            let cleared = refused && from_cookies && self.has_cookies(req.cookies());
            if cleared {
                self.cookies.clear(req.cookies());
            }
            RequestAuth { result, cleared, now: Some(now), user: OnceLock::new() }
        })
        .await
    }

    /// The time `auth` was authenticated at (a request whose guard never ran reads the clocks).
    fn time_of(&self, auth: &RequestAuth) -> Now {
        auth.now.unwrap_or_else(|| self.users.verifier.instant())
    }

    /// The credentials, and whether they came from the cookies.
    async fn credentials(&self, req: &Request<'_>, now: Now) -> (Result<Arc<Credentials>, AuthError>, bool) {
        if let Some(token) = authorization(req).and_then(bearer) {
            let result = self.users.verifier.verify(token, TokenUse::Access).await;
            let credentials = |claims| Arc::new(Credentials::bearer(claims, token.into()));
            return (result.map(credentials).map_err(AuthError::from), false);
        }
        (self.cookie_credentials(req.cookies(), now).await, true)
    }

    async fn cookie_credentials(&self, jar: &CookieJar<'_>, now: Now) -> Result<Arc<Credentials>, AuthError> {
        if let Some(server) = &self.server {
            return self.server_credentials(jar, server, now).await;
        }
        // The access cookie alone on the common path, opened once per instance.
        let mut expired = false;
        if let Some(sealed) = self.cookies.access_value(jar) {
            let key = sealed;
            let found = match self.opened.get(key, now.mono) {
                Some(o) => Some(self.users.verifier.recheck(&o.claims, TokenUse::Access, now).map(|_| o)),
                // Opened here for the first time; one that does not open (tampered, sealed with
                // another key, or by an earlier version) is as good as absent.
                None => match self.cookies.access_token(jar) {
                    Some((token, started)) => Some(match self.users.verifier.verify(&token, TokenUse::Access).await {
                        Ok(claims) => {
                            let ends_at = Some(self.cookies.ends_at(started));
                            let o = Arc::new(Credentials::session(claims, token.into(), Some(Arc::default()), ends_at));
                            self.opened.insert(key, o.clone(), now.mono);
                            Ok(o)
                        }
                        Err(e) => Err(e),
                    }),
                    None => None,
                },
            };
            match found {
                // Past the session's maximum age, however long its cookies were kept.
                Some(Ok(o)) if o.ends_at.is_some_and(|end| end <= now.unix) => return Err(AuthError::SessionEnded),
                Some(Ok(o)) => return Ok(o),
                // Only a genuinely signed token can be "expired": refresh it.
                Some(Err(VerifyError::Expired)) => {
                    self.opened.remove(key);
                    expired = true;
                }
                Some(Err(e)) => return Err(e.into()),
                None => {}
            }
        }
        let Some(refresh) = self.cookies.refresh(jar) else {
            return Err(if expired { AuthError::Invalid(VerifyError::Expired) } else { AuthError::Missing });
        };
        let ends_at = self.cookies.ends_at(refresh.started);
        if ends_at <= now.unix {
            return Err(AuthError::SessionEnded);
        }
        // Boxed, as every cold path here: the common request's future stays small.
        let refreshed = Box::pin(self.refresh(&refresh.token, &refresh.username)).await?;
        self.cookies.set(jar, &refreshed.tokens, &refresh.username, refresh.started, now.unix)?;
        let credentials =
            Credentials::session(refreshed.access_claims, refreshed.tokens.access_token.into(), None, Some(ends_at));
        Ok(Arc::new(credentials.with_id_token(refreshed.tokens.id_token.into(), None)))
    }

    async fn server_credentials(
        &self,
        jar: &CookieJar<'_>,
        server: &ServerSessions,
        now: Now,
    ) -> Result<Arc<Credentials>, AuthError> {
        let Some(sealed) = self.cookies.session_value(jar) else {
            return Err(AuthError::Missing);
        };
        // One that does not open (tampered, or sealed with another key) is as good as absent.
        let key =
            server.cookie_key(sealed, now.mono, || self.cookies.open_session(sealed)).ok_or(AuthError::Missing)?;
        let live = server.load(&key, now).await?.ok_or(AuthError::SessionEnded)?;
        let verified = match live.verified.get() {
            // The common request: the claims verified before, their times checked again.
            Some(verified) => self.users.verifier.recheck(&verified.claims, TokenUse::Access, now).map(|_| verified),
            None => match self.users.verifier.verify(&live.access_token, TokenUse::Access).await {
                Ok(access) => {
                    let id = self.users.verifier.verify(&live.id_token, TokenUse::Id).await.ok();
                    let id = id.filter(|id| id.sub == access.sub);
                    Ok(live.verified.get_or_init(|| {
                        let credentials =
                            Credentials::session(access, live.access_token.clone(), Some(live.row.clone()), None);
                        Arc::new(credentials.with_id_token(live.id_token.clone(), id))
                    }))
                }
                Err(e) => Err(e),
            },
        };
        match verified {
            Ok(verified) => Ok(verified.clone()),
            Err(VerifyError::Expired) => {
                let refreshed = Box::pin(self.refresh_server(server, &live)).await?;
                let tokens = refreshed.tokens;
                let credentials = Credentials::session(refreshed.access_claims, tokens.access_token.into(), None, None);
                Ok(Arc::new(credentials.with_id_token(tokens.id_token.into(), None)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Refreshes a server-side session once for every request of this instance that needs it;
    /// the row is read again first, since another instance may have refreshed it already, and
    /// the new tokens are written only over the version read.
    async fn refresh_server(&self, server: &ServerSessions, live: &server::Live) -> Result<Refreshed, Error> {
        // One flight per version of the row: a later expiry of the same session is a new refresh.
        let refreshed = self
            .refreshes
            .run(&format!("{}#{}", live.id, live.version), async {
                let now = self.users.verifier.now();
                let (record, tokens) = server.read(&live.id, now).await?.ok_or(Error::SessionExpired)?;
                if record.version != live.version {
                    if let Some(refreshed) = self.refreshed_elsewhere(server, &record, tokens.clone()).await {
                        return Ok(refreshed);
                    }
                }
                let new = match self.users.client.refresh(&tokens.refresh_token, &record.username).await {
                    Ok(new) => new,
                    // Refused because another instance refreshed (and rotated) the session at the
                    // same moment: its tokens are in the row by now.
                    Err(e @ (Error::RefreshTokenReused | Error::SessionExpired)) => {
                        // The winner writes the row once Cognito answered it: wait for that a
                        // little when Cognito said the token was rotated.
                        let polls = if matches!(e, Error::RefreshTokenReused) { ROW_POLLS } else { 1 };
                        for poll in 0..polls {
                            if poll > 0 {
                                tokio::time::sleep(ROW_POLL_EVERY).await;
                            }
                            let reread = server.read(&live.id, now).await?;
                            match reread.filter(|(r, _)| r.version != record.version) {
                                Some((record, tokens)) => {
                                    return self.refreshed_elsewhere(server, &record, tokens).await.ok_or(e)
                                }
                                None => continue,
                            }
                        }
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                let (_, access_claims) = self.users.verify_pair(&new).await?;
                // Not written (another instance wrote first): its tokens are in the row, and
                // these are as valid for this request.
                server.write_back(&record, &new, now).await?;
                Ok(Refreshed { tokens: new, access_claims })
            })
            .await?;
        self.recheck(&refreshed)?;
        Ok(refreshed)
    }

    /// The tokens another instance refreshed the session to, when they verify: remembered.
    async fn refreshed_elsewhere(
        &self,
        server: &ServerSessions,
        record: &crate::store::SessionRecord,
        tokens: Tokens,
    ) -> Option<Refreshed> {
        let access_claims = self.users.verifier.verify(&tokens.access_token, TokenUse::Access).await.ok()?;
        server.remember(record, &tokens);
        Some(Refreshed { tokens, access_claims })
    }

    /// What a refresh hands out passes the checks any credential passes at this moment (the
    /// deny-list, withdrawn keys, times), whether it was made for this request or shared.
    fn recheck(&self, refreshed: &Refreshed) -> Result<(), Error> {
        let now = self.users.verifier.instant();
        Ok(self.users.verifier.recheck(&refreshed.access_claims, TokenUse::Access, now)?)
    }

    /// New tokens for a refresh token (`REFRESH_TOKEN_AUTH`, SECRET_HASH from the Cognito
    /// username), verified; concurrent calls with the same refresh token make one call.
    pub(crate) async fn refresh(&self, refresh_token: &str, username: &str) -> Result<Refreshed, Error> {
        // Signed out here while Cognito could not revoke it: not sent.
        if self.users.verifier.revoked().refuses_token(&digest(refresh_token)) {
            return Err(Error::SessionExpired);
        }
        let refreshed = self
            .refreshes
            .run(refresh_token, async {
                let tokens = self.users.client.refresh(refresh_token, username).await?;
                let (_, access_claims) = self.users.verify_pair(&tokens).await?;
                Ok(Refreshed { tokens, access_claims })
            })
            .await?;
        self.recheck(&refreshed)?;
        Ok(refreshed)
    }

    /// The ID token of a cookie session, read when a guard asks for it: only one that verifies
    /// and belongs to the access token's user (a cookie from another session, or expired, is
    /// no ID token of this one).
    pub(crate) async fn id_token(
        &self,
        req: &Request<'_>,
        auth: &RequestAuth,
        credentials: &Credentials,
    ) -> Option<Arc<str>> {
        if credentials.bearer {
            return None;
        }
        if let (Some(token), Some(claims)) = (&credentials.id_token, &credentials.id_claims) {
            // Verified with the session: its times and kind checked again.
            self.users.verifier.recheck(claims, TokenUse::Id, self.time_of(auth)).ok()?;
            return (claims.sub == credentials.claims.sub).then(|| token.clone());
        }
        let token = match &credentials.id_token {
            Some(token) => token.clone(),
            // Only a site that keeps the ID token in a cookie looks for one (a cookie left by an
            // earlier configuration is not this one's to hand out).
            None if self.cookies.keeps_id_token() => self.cookies.id_token(req.cookies())?.into(),
            None => return None,
        };
        let claims = self.users.verifier.verify(&token, TokenUse::Id).await.ok()?;
        (claims.sub == credentials.claims.sub).then_some(token)
    }

    /// The local user of the request's credentials (`auth`'s), looked up once per request.
    pub(crate) async fn local_user<'r>(&self, auth: &'r RequestAuth, credentials: &Credentials) -> &'r LocalUser {
        if let Some(user) = auth.user.get() {
            return user;
        }
        // A session remembers its row while this instance writes none.
        let writes = self.users.writes();
        let now = self.time_of(auth).mono;
        let user = match credentials.row.as_deref().and_then(|row| remembered_row(row, writes, self.row_ttl, now)) {
            Some(user) => Ok(user),
            None => {
                let user =
                    Box::pin(self.users.local_user(&credentials.claims, &credentials.access_token)).await.map(Arc::new);
                if let (Ok(user), Some(row)) = (&user, &credentials.row) {
                    remember_row(row, writes, user.clone());
                }
                user.map_err(AuthError::from)
            }
        };
        // A request's guards run one after another: none set it meanwhile (had one, its
        // answer would stand).
        auth.user.get_or_init(|| LocalUser(user))
    }

    /// A login's tokens in the cookies (or a new server-side session, its id in the cookie),
    /// the pending challenge forgotten.
    pub(crate) async fn keep_login(&self, jar: &CookieJar<'_>, login: &Login) -> Result<(), Error> {
        if let (Some(server), Some(old)) = (&self.server, self.cookies.session(jar)) {
            // A sign-in always gets a new id; the browser's previous session ends.
            if let Err(e) = server.end(&handle(&old)).await {
                log::warn!("rocket_warrant: ending the previous session failed ({e})");
            }
        }
        for cookie in self.start(&login.profile.username, &login.tokens).await? {
            jar.add(cookie);
        }
        self.cookies.forget_challenge(jar);
        Ok(())
    }

    /// The cookies that carry a new session of `username`: the sealed tokens, or the id of a
    /// new server-side session (saved first).
    pub(crate) async fn start(&self, username: &str, tokens: &Tokens) -> Result<Vec<Cookie<'static>>, Error> {
        match &self.server {
            None => {
                let now = self.users.verifier.now();
                self.cookies.sealed(tokens, username, now, now)
            }
            Some(server) => {
                let now = self.users.verifier.now();
                let secret = server.create(username, tokens, now, self.max_age).await?;
                Ok(vec![self.cookies.session_cookie(&secret)])
            }
        }
    }

    /// A challenge kept for the page that answers it.
    pub(crate) fn keep_challenge(&self, jar: &CookieJar<'_>, pending: &PendingChallenge) {
        self.cookies.keep_challenge(jar, pending, self.users.verifier.now());
    }

    /// The kept challenge, if any.
    pub(crate) fn challenge(&self, jar: &CookieJar<'_>) -> Option<PendingChallenge> {
        self.cookies.challenge(jar, self.users.verifier.now())
    }

    /// Forgets the kept challenge.
    pub(crate) fn forget_challenge(&self, jar: &CookieJar<'_>) {
        self.cookies.forget_challenge(jar);
    }

    /// Clears the session cookies (and deletes a server-side session) and revokes the session's
    /// refresh token at Cognito (RevokeToken: the refresh token and the access tokens issued from
    /// it die there, whether or not the access token has expired). A failure at Cognito is
    /// logged, and the session ends here all the same.
    pub(crate) async fn sign_out(&self, jar: &CookieJar<'_>) {
        // The session's tokens, and when it signed in.
        let (access, refresh) = match &self.server {
            None => {
                if let Some(sealed) = self.cookies.access_value(jar) {
                    self.opened.remove(sealed);
                }
                let stored = self.cookies.get(jar);
                if let Some(refresh) = &stored.refresh {
                    self.refreshes.forget(&refresh.token).await;
                }
                (stored.access_token, stored.refresh.map(|refresh| (refresh.token, refresh.started)))
            }
            Some(server) => match self.cookies.session(jar) {
                None => (None, None),
                Some(secret) => {
                    let id = handle(&secret);
                    let read = server.read(&id, self.users.verifier.now()).await;
                    if let Err(e) = server.end(&id).await {
                        log::warn!("rocket_warrant: deleting the session failed ({e}); its cookie is cleared");
                    }
                    match read.ok().flatten() {
                        Some((record, t)) => (Some(t.access_token), Some((t.refresh_token, record.created_at))),
                        None => (None, None),
                    }
                }
            },
        };
        self.cookies.clear(jar);
        // Refused here at once, before Cognito is asked.
        if let Some(access) = &access {
            self.revoke_sign_in(access, None).await;
        }
        let Some((refresh, started)) = refresh else {
            return;
        };
        match self.users.client.revoke(&refresh).await {
            // Already dead at Cognito (signed out elsewhere, or expired): nothing was left.
            Ok(()) | Err(Error::SessionExpired) => {}
            Err(e) => {
                // A copy of the refresh cookie could refresh at Cognito: refuse it here, and the
                // tokens of this sign-in, as long as the refresh token can live; and ask again.
                let ends = self.refresh_token_ends(started);
                log::warn!(
                    "rocket_warrant: revoking the refresh token at Cognito failed ({e}); the session is ended here, \
                     and this site refuses its refresh token and its sign-in's tokens until it lapses"
                );
                if let Some(access) = &access {
                    self.revoke_sign_in(access, Some(ends)).await;
                }
                let now = self.users.verifier.now();
                self.revocations.revoke(of_token(&digest(&refresh), now, ends)).await;
                if !matches!(e, Error::Misconfigured(_)) {
                    revoke_later(self.users.client.clone(), refresh);
                }
            }
        }
    }

    /// Signs the user of `access_token` out everywhere: this browser's cookies cleared, every
    /// server-side session of the user deleted, and GlobalSignOut at Cognito (which ends every
    /// refresh token of the user). The count of server-side sessions ended.
    pub(crate) async fn sign_out_everywhere(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<u64, Error> {
        let claims = self.users.verifier.verify(access_token, TokenUse::Access).await?;
        let username = claims.cognito_username().unwrap_or(&claims.sub).to_owned();
        self.sign_out_cookies(jar).await;
        let ended = match &self.server {
            Some(server) => server.end_user(&username).await,
            None => Ok(0),
        };
        let signed_out = self.users.client.global_sign_out(access_token).await;
        // Recorded once Cognito ended every refresh token (a refresh until then is covered),
        // whether or not it could: every token of the user issued until now plus the leeway,
        // since the verifier accepts an `iat` up to the leeway ahead (a clock ahead of ours).
        let leeway = self.users.verifier.leeway();
        let cut_off = self.users.verifier.now().saturating_add(leeway);
        let lapses = cut_off.saturating_add(MAX_TOKEN_LIFE).saturating_add(leeway);
        self.revocations.revoke(of_user(&claims.sub, cut_off, lapses)).await;
        signed_out?;
        ended
    }

    async fn sign_out_cookies(&self, jar: &CookieJar<'_>) {
        if let Some(sealed) = self.cookies.access_value(jar) {
            self.opened.remove(sealed);
        }
        if let Some(refresh) = self.cookies.refresh(jar) {
            self.refreshes.forget(&refresh.token).await;
        }
        self.cookies.clear(jar);
    }

    fn server(&self) -> Result<&ServerSessions, Error> {
        self.server.as_ref().ok_or(Error::NoSessionStore)
    }

    /// The server-side sessions of `username`, oldest first.
    pub(crate) async fn user_sessions(&self, username: &str) -> Result<Vec<SessionInfo>, Error> {
        let list = self.server()?.store().list(username).await?;
        Ok(list.iter().map(SessionInfo::from).collect())
    }

    /// Ends the server-side session of `id` (a [`SessionInfo::id`]).
    pub(crate) async fn end_session(&self, id: &str) -> Result<bool, Error> {
        self.server()?.end(id).await
    }

    /// Deletes the server-side sessions that ended.
    pub(crate) async fn purge(&self) -> Result<u64, Error> {
        Ok(self.server()?.store().purge(self.users.verifier.now()).await?)
    }

    /// Whether a guard of this request cleared the cookies.
    pub(crate) fn cleared(req: &Request<'_>) -> bool {
        req.local_cache(RequestAuth::untouched).cleared
    }

    fn has_cookies(&self, jar: &CookieJar<'_>) -> bool {
        self.cookies.names().iter().any(|name| jar.get(name).is_some())
    }

    #[cfg(feature = "testing")]
    pub(crate) fn remembered_sessions(&self) -> usize {
        self.server.as_ref().map_or(0, ServerSessions::remembered_count)
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

/// How long a server-side session whose refresh token was rotated out by another instance
/// waits for that instance's write of the row: at most 40 reads 50 ms apart (2 s).
const ROW_POLLS: u32 = 40;
const ROW_POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Cognito's longest access and ID token validity: a day.
const MAX_TOKEN_LIFE: i64 = 24 * 3600;

/// The request's first `Authorization` header. Rocket's header map hashes a name with SipHash a
/// byte at a time (about 800 instructions for this one, 1 % of a whole request, under callgrind):
/// a scan of a request's few headers costs a fraction of that.
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
