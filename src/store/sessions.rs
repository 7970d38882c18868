//! Server-side sessions (`session_store = "database"`): the rows a store keeps, and the trait
//! of the stores that keep them.

use std::fmt;

use super::Revocation;
use super::StoreError;
use crate::proof::Factors;

/// A server-side session as its store keeps it.
///
/// The store never sees what a browser holds nor a token in the clear: `id` is the SHA-256 (hex)
/// of the browser's random session id, and `tokens` are sealed with the application's
/// `secret_key`. `Debug` shows neither.
///
/// ```
/// use rocket_warrant::sessions::SessionRecord;
///
/// let record = SessionRecord {
///     id: "9f86d081884c7d65".into(), username: "alice".into(), tokens: "sealed".into(),
///     created_at: 1_700_000_000, refreshed_at: 1_700_000_000, expires_at: 1_702_592_000, version: 1,
///     factors: Default::default(), browser: None, address: None,
/// };
/// assert!(!format!("{record:?}").contains("sealed"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The SHA-256, in hex, of the session id in the browser's cookie.
    pub id: String,
    /// The canonical Cognito username.
    pub username: String,
    /// The ID, access and refresh tokens, sealed.
    pub tokens: String,
    /// Sign-in, seconds since the epoch.
    pub created_at: i64,
    /// Last refresh of the tokens (the sign-in until the first).
    pub refreshed_at: i64,
    /// When the session ends (`cookie_max_age_secs` after sign-in); a purge deletes it after.
    pub expires_at: i64,
    /// Counts the writes of the row: a refresh is written only over the version it read, so
    /// two instances that refresh at once cannot overwrite each other unseen.
    pub version: i64,
    /// How the user proved who they are at sign-in.
    pub factors: Factors,
    /// The browser at sign-in (its `User-Agent`, at most 1,024 characters), for the user's
    /// list of sessions.
    pub browser: Option<String>,
    /// The user's address at sign-in (as `trusted_ip_header` says), for the same list.
    pub address: Option<String>,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("username", &self.username)
            .field("created_at", &self.created_at)
            .field("refreshed_at", &self.refreshed_at)
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .field("factors", &self.factors)
            .finish_non_exhaustive()
    }
}

/// A server-side session as an application lists it
/// ([`Cognito::user_sessions`](crate::Cognito::user_sessions)): no token, sealed or not.
///
/// ```
/// use rocket_warrant::sessions::SessionInfo;
///
/// let info = SessionInfo {
///     id: "9f86d081884c7d65".into(), username: "alice".into(), created_at: 0, refreshed_at: 0, expires_at: 60,
///     factors: Default::default(), browser: None, address: None, current: false,
/// };
/// assert_eq!(info.username, "alice");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionInfo {
    /// The session's handle, for [`Cognito::end_session`](crate::Cognito::end_session) (no
    /// cookie can be made from it).
    pub id: String,
    /// The canonical Cognito username.
    pub username: String,
    /// Sign-in, seconds since the epoch.
    pub created_at: i64,
    /// Last refresh of the tokens: when the session was last seen, within the access token's
    /// life (an hour by default) of its last request.
    pub refreshed_at: i64,
    /// When the session ends.
    pub expires_at: i64,
    /// How the user proved who they are at sign-in.
    pub factors: Factors,
    /// The browser at sign-in (its `User-Agent`).
    pub browser: Option<String>,
    /// The user's address at sign-in.
    pub address: Option<String>,
    /// The session of the browser that asked ([`Cognito::my_sessions`](crate::Cognito::my_sessions)).
    pub current: bool,
}

impl From<&SessionRecord> for SessionInfo {
    fn from(r: &SessionRecord) -> SessionInfo {
        SessionInfo {
            id: r.id.clone(),
            username: r.username.clone(),
            created_at: r.created_at,
            refreshed_at: r.refreshed_at,
            expires_at: r.expires_at,
            factors: r.factors,
            browser: r.browser.clone(),
            address: r.address.clone(),
            current: false,
        }
    }
}

/// Where server-side sessions are kept (`session_store = "database"`).
///
/// [`SqlitePool`](crate::store::SqlitePool), [`PgPool`](crate::store::PgPool) and
/// [`MysqlPool`](crate::store::MysqlPool) keep them in the `cognito_sessions` table beside the users
/// (the crate's migrations create it), and [`MemoryStore`](crate::store::MemoryStore) in memory.
/// [`Cognito::fairing`](crate::Cognito::fairing) uses the database's; implement this to keep
/// sessions elsewhere, and hand it to [`CognitoFairing::sessions_in`](crate::CognitoFairing::sessions_in).
///
/// ```
/// use rocket_warrant::sessions::{SessionRecord, SessionStore};
/// use rocket_warrant::stores::StoreError;
///
/// /// Sessions in an application's own key-value service.
/// struct Kv;
///
/// #[rocket::async_trait]
/// impl SessionStore for Kv {
///     async fn insert(&self, _session: &SessionRecord) -> Result<(), StoreError> { unimplemented!() }
///     async fn find(&self, _id: &str) -> Result<Option<SessionRecord>, StoreError> { unimplemented!() }
///     async fn update(&self, _session: &SessionRecord) -> Result<bool, StoreError> { unimplemented!() }
///     async fn remove(&self, _id: &str) -> Result<bool, StoreError> { unimplemented!() }
///     async fn list(&self, _username: &str) -> Result<Vec<SessionRecord>, StoreError> { unimplemented!() }
///     async fn remove_user(&self, _username: &str) -> Result<u64, StoreError> { unimplemented!() }
///     async fn purge(&self, _now: i64) -> Result<u64, StoreError> { unimplemented!() }
/// }
/// ```
#[rocket::async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Saves a new session.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails (an `id` that exists).
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// The session of `id`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the read fails.
    async fn find(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Writes refreshed tokens (`tokens`, `refreshed_at`, `version`) over the row of
    /// `session.id` only if that row is still at `session.version - 1`: false when another
    /// writer got there first, or the session was ended.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn update(&self, session: &SessionRecord) -> Result<bool, StoreError>;

    /// Ends the session of `id`: whether there was one.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn remove(&self, id: &str) -> Result<bool, StoreError>;

    /// The sessions of `username`, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the read fails.
    async fn list(&self, username: &str) -> Result<Vec<SessionRecord>, StoreError>;

    /// Ends every session of `username`: how many there were.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn remove_user(&self, username: &str) -> Result<u64, StoreError>;

    /// Deletes the sessions that ended (`expires_at <= now`): how many.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn purge(&self, now: i64) -> Result<u64, StoreError>;

    /// Records a revocation for every instance that shares the store: true when the store
    /// keeps revocations. A later revocation of a key already kept moves its `revoked_at` and
    /// `expires_at` forward (never back), so that the other instances read it again. The default
    /// keeps none (false): the revocation is then refused by the instance that made it only.
    /// `purge` deletes the expired ones.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn revoke(&self, revocation: &Revocation) -> Result<bool, StoreError> {
        let _ = revocation;
        Ok(false)
    }

    /// The revocations recorded at or after `since` (seconds since the epoch) that are still in
    /// force at `now`. The default keeps none.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the read fails.
    async fn revocations(&self, since: i64, now: i64) -> Result<Vec<Revocation>, StoreError> {
        let _ = (since, now);
        Ok(Vec::new())
    }
}

#[rocket::async_trait]
impl<S: SessionStore + ?Sized> SessionStore for std::sync::Arc<S> {
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError> {
        (**self).insert(session).await
    }
    async fn find(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        (**self).find(id).await
    }
    async fn update(&self, session: &SessionRecord) -> Result<bool, StoreError> {
        (**self).update(session).await
    }
    async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        (**self).remove(id).await
    }
    async fn list(&self, username: &str) -> Result<Vec<SessionRecord>, StoreError> {
        (**self).list(username).await
    }
    async fn remove_user(&self, username: &str) -> Result<u64, StoreError> {
        (**self).remove_user(username).await
    }
    async fn purge(&self, now: i64) -> Result<u64, StoreError> {
        (**self).purge(now).await
    }
    async fn revoke(&self, revocation: &Revocation) -> Result<bool, StoreError> {
        (**self).revoke(revocation).await
    }
    async fn revocations(&self, since: i64, now: i64) -> Result<Vec<Revocation>, StoreError> {
        (**self).revocations(since, now).await
    }
}
