//! Users in memory: for tests, and for small sites that need no database.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::fmt;

use super::{AttemptStore, Profile, SessionRecord, SessionStore, StoreError, User, UserStore};
use super::{Revocation, RevocationKey};
use crate::tokens::unix_now;

/// Local users (and server-side sessions) kept in the process's memory: nothing to install or
/// configure, gone at restart.
///
/// The store for an application's tests (with the `testing` feature) and for a small site that
/// keeps no user data of its own. Ids count from 1, as a database's would.
///
/// ```
/// use rocket_warrant::Cognito;
/// use rocket_warrant::stores::{MemoryStore, Profile, UserStore};
///
/// # rocket::async_test(async {
/// let store = MemoryStore::new();
/// let profile = Profile { username: "alice".into(), sub: "0b5e".into(), ..Default::default() };
/// let alice = store.save(&profile, true).await.unwrap().unwrap();
/// assert_eq!(alice.id, 1);
/// assert_eq!(store.find("alice").await.unwrap(), Some(alice));
/// # });
///
/// let fairing = Cognito::custom(MemoryStore::new());
/// ```
#[derive(Default)]
pub struct MemoryStore {
    users: Mutex<Users>,
    sessions: Mutex<HashMap<String, SessionRecord>>,
    revocations: Mutex<HashMap<RevocationKey, Revocation>>,
    attempts: Mutex<super::attempts::Counts>,
}

#[derive(Default)]
struct Users {
    by_name: HashMap<String, User>,
    last_id: i64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many users it holds.
    pub fn len(&self) -> usize {
        self.users.lock().by_name.len()
    }

    /// Whether it holds no user.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("users", &self.len()).finish()
    }
}

#[rocket::async_trait]
impl UserStore for MemoryStore {
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
        let now = unix_now();
        // One lock for the lookup and the write: concurrent first saves give one user.
        let mut users = self.users.lock();
        let users = &mut *users;
        let user = match users.by_name.get_mut(&profile.username) {
            Some(user) => user,
            None if !create => return Ok(None),
            None => {
                users.last_id += 1;
                let user = User {
                    id: users.last_id,
                    username: profile.username.clone(),
                    sub: String::new(),
                    email: None,
                    email_verified: false,
                    first_name: None,
                    last_name: None,
                    attributes: Default::default(),
                    created_at: now,
                    updated_at: now,
                };
                users.by_name.entry(profile.username.clone()).or_insert(user)
            }
        };
        // Every mapped field, as the Diesel stores write it: a field Cognito no longer has is cleared.
        user.sub = profile.sub.clone();
        user.email = profile.column("email");
        user.email_verified = profile.email_verified;
        user.first_name = profile.column("first_name");
        user.last_name = profile.column("last_name");
        user.attributes = profile
            .fields
            .iter()
            .filter(|(k, _)| !super::COLUMNS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        user.updated_at = now;
        Ok(Some(user.clone()))
    }

    async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self.users.lock().by_name.get(username).cloned())
    }

    async fn delete(&self, username: &str) -> Result<bool, StoreError> {
        Ok(self.users.lock().by_name.remove(username).is_some())
    }

    fn deletes(&self) -> bool {
        true
    }
}

#[rocket::async_trait]
impl SessionStore for MemoryStore {
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let mut sessions = self.sessions.lock();
        if sessions.contains_key(&session.id) {
            return Err(StoreError::Query(format!("session {} exists", session.id)));
        }
        sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.sessions.lock().get(id).cloned())
    }

    async fn update(&self, session: &SessionRecord) -> Result<bool, StoreError> {
        let mut sessions = self.sessions.lock();
        match sessions.get_mut(&session.id) {
            Some(row) if row.version == session.version - 1 => {
                row.tokens = session.tokens.clone();
                row.refreshed_at = session.refreshed_at;
                row.version = session.version;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.sessions.lock().remove(id).is_some())
    }

    async fn list(&self, username: &str) -> Result<Vec<SessionRecord>, StoreError> {
        let sessions = self.sessions.lock();
        let mut list: Vec<_> = sessions.values().filter(|s| s.username == username).cloned().collect();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }

    async fn remove_user(&self, username: &str) -> Result<u64, StoreError> {
        let mut sessions = self.sessions.lock();
        let before = sessions.len();
        sessions.retain(|_, s| s.username != username);
        Ok((before - sessions.len()) as u64)
    }

    async fn purge(&self, now: i64) -> Result<u64, StoreError> {
        self.revocations.lock().retain(|_, r| r.expires_at > now);
        let mut sessions = self.sessions.lock();
        let before = sessions.len();
        sessions.retain(|_, s| s.expires_at > now);
        Ok((before - sessions.len()) as u64)
    }

    async fn revoke(&self, revocation: &Revocation) -> Result<bool, StoreError> {
        let mut revocations = self.revocations.lock();
        // A later revocation of the same key wins, as in the SQL stores.
        let entry = revocations.entry(revocation.key.clone()).or_insert_with(|| revocation.clone());
        entry.revoked_at = entry.revoked_at.max(revocation.revoked_at);
        entry.expires_at = entry.expires_at.max(revocation.expires_at);
        Ok(true)
    }

    async fn revocations(&self, since: i64, now: i64) -> Result<Vec<Revocation>, StoreError> {
        let revocations = self.revocations.lock();
        Ok(revocations.values().filter(|r| r.revoked_at >= since && r.expires_at > now).cloned().collect())
    }
}

#[rocket::async_trait]
impl AttemptStore for MemoryStore {
    async fn attempt(&self, key: &str, window_start: i64, window_end: i64) -> Result<u64, StoreError> {
        Ok(super::attempts::count(&mut self.attempts.lock(), key, window_start, window_end))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[rocket::async_test]
    async fn updates_keep_the_id_and_clear_what_cognito_dropped() {
        let store = MemoryStore::new();
        let mut p = Profile { username: "bob".into(), sub: "s1".into(), ..Default::default() };
        p.fields.insert("email".into(), "bob@example.com".into());
        p.fields.insert("api_key".into(), "k".into());
        let first = store.save(&p, true).await.unwrap().unwrap();
        assert_eq!(first.field("api_key"), Some("k"));
        p.fields.clear();
        let second = store.save(&p, false).await.unwrap().unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!(second.email, None);
        assert_eq!(second.field("api_key"), None);
        let other = Profile { username: "nobody".into(), ..Default::default() };
        assert_eq!(store.save(&other, false).await.unwrap(), None, "update only");
        assert_eq!(store.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_saves_give_one_user() {
        let store = Arc::new(MemoryStore::new());
        let saves = (0..50).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let p = Profile { username: "dora".into(), sub: "s".into(), ..Default::default() };
                store.save(&p, true).await.unwrap().unwrap().id
            })
        });
        let mut ids = Vec::new();
        for save in saves.collect::<Vec<_>>() {
            ids.push(save.await.unwrap());
        }
        assert!(ids.iter().all(|&id| id == 1), "{ids:?}");
        assert_eq!(store.len(), 1);
    }

    #[rocket::async_test]
    async fn a_later_revocation_of_a_key_wins() {
        let store = MemoryStore::new();
        let revocation =
            |revoked_at, expires_at| Revocation { key: RevocationKey::User("s".into()), revoked_at, expires_at };
        store.revoke(&revocation(1_000, 5_000)).await.unwrap();
        store.revoke(&revocation(2_000, 6_000)).await.unwrap();
        store.revoke(&revocation(1_500, 5_500)).await.unwrap();
        assert_eq!(store.revocations(1_500, 0).await.unwrap(), vec![revocation(2_000, 6_000)]);
    }
}
