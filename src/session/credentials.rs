//! The verified credentials of a request, and where a session remembers its local row: what
//! the request path hands every guard, shared (one reference count) by every request of a
//! session; and what a session held when it ended.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::store::User;
use crate::tokens::Claims;

/// The verified credentials of a request: what every guard of it shares.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) claims: Arc<Claims>,
    pub(crate) access_token: Arc<str>,
    /// Read from its cookie only when a guard asks (each cookie read is a decryption).
    pub(crate) id_token: Option<Arc<str>>,
    /// The ID token's claims, when the session verified it already (server-side sessions).
    pub(crate) id_claims: Option<Arc<Claims>>,
    /// Where the session remembers its local row (an opened cookie, a server-side session).
    pub(crate) row: Option<Arc<RowMemory>>,
    pub(crate) bearer: bool,
    /// When a cookie session ends (its sign-in plus `cookie_max_age_secs`), checked on every
    /// request: a copied cookie lasts no longer than the session.
    pub(crate) ends_at: Option<i64>,
}

impl Credentials {
    /// A Bearer token's: the access token alone, nothing remembered, no session to end.
    pub(crate) fn bearer(claims: Arc<Claims>, access_token: Arc<str>) -> Credentials {
        Credentials { claims, access_token, id_token: None, id_claims: None, row: None, bearer: true, ends_at: None }
    }

    /// A session's access token, where the session remembers its local row (when it does), and
    /// when the session ends (a cookie session's sign-in plus its maximum age).
    pub(crate) fn session(
        claims: Arc<Claims>,
        access_token: Arc<str>,
        row: Option<Arc<RowMemory>>,
        ends_at: Option<i64>,
    ) -> Credentials {
        Credentials { claims, access_token, id_token: None, id_claims: None, row, bearer: false, ends_at }
    }

    /// With the session's ID token, and its claims when they were verified already.
    pub(crate) fn with_id_token(mut self, token: Arc<str>, claims: Option<Arc<Claims>>) -> Credentials {
        self.id_token = Some(token);
        self.id_claims = claims;
        self
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No token: the user's id only.
        f.debug_struct("Credentials")
            .field("sub", &self.claims.sub)
            .field("bearer", &self.bearer)
            .finish_non_exhaustive()
    }
}

/// A session's local row, the count of this instance's row writes when it was read, and when:
/// used only while no write happened since, and for no longer than the user cache keeps a row
/// (`user_cache_ttl_secs`, none for a custom store), so that it is never staler than the store's
/// own cache would be.
pub(crate) type RowMemory = parking_lot::RwLock<Option<(u64, Instant, Arc<User>)>>;

/// The row remembered in `memory`, if no row was written since and it is younger than `ttl`
/// at `now`.
pub(crate) fn remembered_row(memory: &RowMemory, writes: u64, ttl: Duration, now: Instant) -> Option<Arc<User>> {
    let row = memory.read();
    row.as_ref()
        .filter(|(w, at, _)| *w == writes && now.saturating_duration_since(*at) < ttl)
        .map(|(_, _, user)| user.clone())
}

/// Remembers `user`, read when the count of writes was `writes`.
pub(crate) fn remember_row(memory: &RowMemory, writes: u64, user: Arc<User>) {
    *memory.write() = Some((writes, Instant::now(), user));
}

/// What a session held when it ended: for the revocations of its sign-out.
#[derive(Default)]
pub(crate) struct Ended {
    pub(crate) access_token: Option<String>,
    /// The refresh token, and when its session signed in.
    pub(crate) refresh: Option<(String, i64)>,
}
