//! Cookie sessions (`session_store = "cookies"`, the default): the browser holds the access
//! token, and the refresh token with the username, sealed; nothing is kept server-side but what
//! an instance remembers of the cookies it opened.

use std::sync::Arc;

use rocket::http::{Cookie, CookieJar};

use super::credentials::{Credentials, Ended};
use super::opened::OpenedCookies;
use crate::error::{AuthError, Error};
use crate::state::Shared;
use crate::tokens::{Now, TokenUse, Tokens, VerifyError};

/// Cookie sessions, and the cookies this instance opened.
#[derive(Debug)]
pub(crate) struct CookieSessions {
    opened: OpenedCookies,
}

impl CookieSessions {
    /// Remembering at most `capacity` opened access cookies.
    pub(crate) fn new(capacity: usize) -> CookieSessions {
        CookieSessions { opened: OpenedCookies::new(capacity) }
    }

    /// The session the cookies carry: the access cookie, opened and verified once per instance;
    /// an expired access token refreshed with the refresh cookie, the new tokens set in `jar`.
    pub(crate) async fn authenticate(
        &self,
        shared: &Shared,
        jar: &CookieJar<'_>,
        now: Now,
    ) -> Result<Arc<Credentials>, AuthError> {
        let cookies = &shared.cookies;
        let mut expired = false;
        if let Some(sealed) = cookies.access_value(jar) {
            let found = match self.opened.get(sealed, now.mono) {
                Some(o) => Some(shared.recheck(&o.claims, TokenUse::Access, now).map(|_| o)),
                // Opened here for the first time; one that does not open (tampered, sealed with
                // another key, or by an earlier version) is as good as absent.
                None => match cookies.access_token(jar) {
                    Some((token, started)) => Some(match shared.verify(&token, TokenUse::Access).await {
                        Ok(claims) => {
                            let ends_at = Some(cookies.ends_at(started));
                            let o = Arc::new(Credentials::session(claims, token.into(), Some(Arc::default()), ends_at));
                            self.opened.insert(sealed, o.clone(), now.mono);
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
                    self.opened.remove(sealed);
                    expired = true;
                }
                Some(Err(e)) => return Err(e.into()),
                None => {}
            }
        }
        let Some(refresh) = cookies.refresh(jar) else {
            return Err(if expired { AuthError::Invalid(VerifyError::Expired) } else { AuthError::Missing });
        };
        let ends_at = cookies.ends_at(refresh.started);
        if ends_at <= now.unix {
            return Err(AuthError::SessionEnded);
        }
        // Boxed, as every cold path here: the common request's future stays small.
        let device = crate::cookies::device::kept(cookies, jar).filter(|d| d.username == refresh.username);
        let device_key = device.as_ref().map(|d| d.key.as_str());
        let refreshed = Box::pin(shared.refresh(&refresh.token, &refresh.username, device_key)).await?;
        cookies.set(jar, &refreshed.tokens, &refresh.username, refresh.started, now.unix)?;
        let credentials =
            Credentials::session(refreshed.access_claims, refreshed.tokens.access_token.into(), None, Some(ends_at));
        Ok(Arc::new(credentials.with_id_token(refreshed.tokens.id_token.into(), None)))
    }

    /// The cookies of a new session of `username`, signed in at `now`.
    pub(crate) fn start(
        &self,
        shared: &Shared,
        username: &str,
        tokens: &Tokens,
        now: i64,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        shared.cookies.sealed(tokens, username, now, now)
    }

    /// Ends the session the cookies carry (what this instance remembers of it, and the refresh
    /// it shares), and says what it held.
    pub(crate) async fn end(&self, shared: &Shared, jar: &CookieJar<'_>) -> Ended {
        if let Some(sealed) = shared.cookies.access_value(jar) {
            self.opened.remove(sealed);
        }
        let stored = shared.cookies.get(jar);
        if let Some(refresh) = &stored.refresh {
            shared.refreshes.forget(&refresh.token).await;
        }
        Ended { access_token: stored.access_token, refresh: stored.refresh.map(|r| (r.token, r.started)) }
    }
}
