//! The server-side mode's side of the request path: a session authenticated (and refreshed)
//! from its cookie, started at sign-in, ended at sign-out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::http::{Cookie, CookieJar};

use super::{handle, key_of, Live, ServerSessions, ENDING_TRIES};
use crate::error::{AuthError, Error};
use crate::session::credentials::{Credentials, Ended};
use crate::state::{Refreshed, Shared};
use crate::store::SessionRecord;
use crate::tokens::{Now, TokenUse, Tokens, VerifyError};

/// The server-side mode's side of the request path, sign-in and sign-out.
impl ServerSessions {
    /// The session whose id the cookie carries: remembered, or read from its row; its access
    /// token verified once per instance, refreshed when it has expired (the row written back).
    pub(crate) async fn authenticate(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        now: Now,
    ) -> Result<Arc<Credentials>, AuthError> {
        let Some(sealed) = shared.cookies.session_value(jar) else {
            return Err(AuthError::Missing);
        };
        // One that does not open (tampered, or sealed with another key) is as good as absent.
        let key =
            self.cookie_key(sealed, now.mono, || shared.cookies.open_session(sealed)).ok_or(AuthError::Missing)?;
        let live = self.load(&key, now).await?.ok_or(AuthError::SessionEnded)?;
        let verified = match live.verified.get() {
            // The common request: the claims verified before, their times checked again.
            Some(verified) => shared.recheck(&verified.claims, TokenUse::Access, now).map(|_| verified),
            None => match shared.verify(&live.access_token, TokenUse::Access).await {
                Ok(access) => {
                    let id = shared.verify(&live.id_token, TokenUse::Id).await.ok();
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
                let refreshed = Box::pin(self.refresh(shared, &live, jar)).await?;
                let tokens = refreshed.tokens;
                let credentials = Credentials::session(refreshed.access_claims, tokens.access_token.into(), None, None);
                Ok(Arc::new(credentials.with_id_token(tokens.id_token.into(), None)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Refreshes a session once for every request of this instance that needs it; the row is
    /// read again first, since another instance may have refreshed it already, and the new
    /// tokens are written only over the version read.
    async fn refresh(&self, shared: &Shared, live: &Live, jar: &CookieJar<'_>) -> Result<Refreshed, Error> {
        let device = crate::cookies::device::kept(&shared.cookies, jar);
        // One flight per version of the row: a later expiry of the same session is a new refresh.
        let refreshed = shared
            .refreshes
            .run(&format!("{}#{}", live.id, live.version), async {
                let now = shared.now();
                let (record, tokens) = self.read(&live.id, now).await?.ok_or(Error::SessionExpired)?;
                if record.version != live.version {
                    if let Some(refreshed) = self.refreshed_elsewhere(shared, &record, tokens.clone()).await {
                        return Ok(refreshed);
                    }
                }
                let device_key = device.as_ref().filter(|d| d.username == record.username).map(|d| d.key.as_str());
                let new = match shared.client.refresh_naming(&tokens.refresh_token, &record.username, device_key).await
                {
                    Ok(new) => new,
                    // Refused because another instance refreshed (and rotated) the session at the
                    // same moment: its tokens are in the row by now, or shortly.
                    Err(e @ (Error::RefreshTokenReused | Error::SessionExpired)) => {
                        let polls = if matches!(e, Error::RefreshTokenReused) { ROW_POLLS } else { 1 };
                        for poll in 0..polls {
                            if poll > 0 {
                                tokio::time::sleep(ROW_POLL_EVERY).await;
                            }
                            let reread = self.read(&live.id, now).await?;
                            if let Some((record, tokens)) = reread.filter(|(r, _)| r.version != record.version) {
                                return self.refreshed_elsewhere(shared, &record, tokens).await.ok_or(e);
                            }
                        }
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                let (_, access_claims) = shared.verify_pair(&new).await?;
                // Not written (another instance wrote first): its tokens are in the row, and
                // these are as valid for this request.
                self.write_back(&record, &new, now).await?;
                Ok(Refreshed { tokens: new, access_claims })
            })
            .await?;
        shared.recheck_refreshed(&refreshed)?;
        Ok(refreshed)
    }

    /// The tokens another instance refreshed the session to, when they verify: remembered.
    async fn refreshed_elsewhere(&self, shared: &Shared, record: &SessionRecord, tokens: Tokens) -> Option<Refreshed> {
        let access_claims = shared.verify(&tokens.access_token, TokenUse::Access).await.ok()?;
        self.remember(record, &tokens);
        Some(Refreshed { tokens, access_claims })
    }

    /// A new session of `username` signed in at `now`, saved: the cookie of its id (the
    /// browser's previous session, when `jar` carries one, ended first).
    pub(crate) async fn start(
        &self,
        shared: &Shared,
        jar: Option<&CookieJar<'_>>,
        (username, tokens, origin): (&str, &Tokens, &super::super::Origin),
        now: i64,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        if let Some(old) = jar.and_then(|jar| shared.cookies.session(jar)) {
            // A sign-in always gets a new id; the browser's previous session ends.
            if let Err(e) = self.end_id(&handle(&old)).await {
                log::warn!("rocket_warrant: ending the previous session failed ({e})");
            }
        }
        let secret = self.create((username, tokens, origin), now, shared.max_age()).await?;
        Ok(vec![shared.cookies.session_cookie(&secret)])
    }

    /// The id of the session whose cookie `jar` carries.
    pub(crate) fn current_id(&self, shared: &Shared, jar: &CookieJar<'_>) -> Option<String> {
        shared.cookies.session(jar).map(|secret| handle(&secret))
    }

    /// Ends every session of `username` but the one whose id `jar` carries (their rows
    /// deleted), or only the session `only` when given (one of `username`'s: another user's
    /// id ends nothing), and says what each held.
    pub(crate) async fn end_others_of(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        username: &str,
        only: Option<&str>,
    ) -> Result<Vec<Ended>, Error> {
        let this = self.current_id(shared, jar);
        let mut ended = Vec::new();
        for record in self.store.list(username).await? {
            if this.as_deref() == Some(record.id.as_str()) || only.is_some_and(|id| id != record.id) {
                continue;
            }
            let tokens = self.open(&record);
            self.end_id(&record.id).await?;
            if let Some(t) = tokens {
                ended.push(Ended {
                    access_token: Some(t.access_token),
                    refresh: Some((t.refresh_token, record.created_at)),
                });
            }
        }
        Ok(ended)
    }

    /// Ends the session whose id the cookie carries (its row deleted), and says what it held.
    /// When the database does not answer, the session is ended here at once (its id refused,
    /// its access token as this instance remembers it revoked) and its row deleted once the
    /// database answers again, so that it does not come back.
    pub(crate) async fn end(&self, shared: &Shared, jar: &CookieJar<'_>) -> Ended {
        let Some(secret) = shared.cookies.session(jar) else {
            return Ended::default();
        };
        let id = handle(&secret);
        let remembered = self.remembered(&key_of(&secret), Instant::now());
        let read = self.read(&id, shared.now()).await;
        if let Err(e) = self.end_id(&id).await {
            log::warn!(
                "rocket_warrant: deleting the session failed ({e}); it is ended here, and its row is deleted once \
                 the database answers"
            );
            self.end_later(id);
        }
        match read {
            Ok(Some((record, t))) => {
                Ended { access_token: Some(t.access_token), refresh: Some((t.refresh_token, record.created_at)) }
            }
            Ok(None) => Ended::default(),
            // What this instance remembers of it: its access token (the refresh token is the row's).
            Err(_) => Ended { access_token: remembered.map(|live| live.access_token.to_string()), refresh: None },
        }
    }

    /// Deletes the row of a session that ended while the database did not answer: tried every
    /// second for a quarter of an hour; meanwhile this instance refuses the session.
    fn end_later(&self, id: String) {
        self.ending.lock().insert(id.clone());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (store, ending) = (self.store.clone(), self.ending.clone());
        runtime.spawn(async move {
            for _ in 0..ENDING_TRIES {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if store.remove(&id).await.is_ok() {
                    log::info!("rocket_warrant: the row of a session ended while the database was down is deleted");
                    ending.lock().remove(&id);
                    return;
                }
            }
            log::warn!("rocket_warrant: the row of a session ended while the database was down could not be deleted");
        });
    }
}

/// How long a session whose refresh token was rotated out by another instance waits for that
/// instance's write of the row: at most 40 reads 50 ms apart (2 s).
const ROW_POLLS: u32 = 40;
const ROW_POLL_EVERY: Duration = Duration::from_millis(50);
