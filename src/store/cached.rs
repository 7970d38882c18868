//! A store with recently used users kept in memory, in front of any other.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Profile, StoreError, User, UserStore};
use crate::cache::BoundedCache;

/// Any store with the users it has read or written kept in memory for a while, so that a
/// request costs a map lookup instead of a database round trip.
///
/// Writes through this store refresh the entry at once; a row changed elsewhere (by another
/// instance sharing the database) is seen within `ttl`. At most `capacity` users are kept.
/// [`Cognito::fairing`](crate::Cognito::fairing) puts one in front of its database by itself
/// (`user_cache_ttl_secs`); with [`Cognito::custom`](crate::Cognito::custom) the application
/// composes it, or leaves it out.
///
/// ```
/// use std::time::Duration;
/// use rocket_warrant::Cognito;
/// use rocket_warrant::stores::{CachedStore, MemoryStore};
///
/// let store = CachedStore::new(MemoryStore::new(), Duration::from_secs(30), 10_000);
/// let fairing = Cognito::custom(store);
/// ```
pub struct CachedStore<S> {
    inner: S,
    users: BoundedCache<String, User>,
    /// Deletions so far: a read that overlapped one does not cache what it read, which may be
    /// the row deleted meanwhile.
    deletions: AtomicU64,
    ttl: Duration,
    capacity: usize,
}

impl<S: UserStore> CachedStore<S> {
    /// `inner` behind a cache of `capacity` users kept for `ttl` (a zero `ttl` or `capacity`
    /// disables it).
    pub fn new(inner: S, ttl: Duration, capacity: usize) -> CachedStore<S> {
        CachedStore {
            inner,
            users: BoundedCache::new(capacity, Some(ttl)),
            deletions: AtomicU64::new(0),
            ttl,
            capacity,
        }
    }
}

impl<S> fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedStore")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .field("cached", &self.users.len())
            .finish_non_exhaustive()
    }
}

#[rocket::async_trait]
impl<S: UserStore> UserStore for CachedStore<S> {
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
        let saved = self.inner.save(profile, create).await?;
        match &saved {
            Some(user) => self.users.insert(user.username.clone(), user.clone(), Instant::now()),
            None => self.users.remove(profile.username.as_str()),
        }
        Ok(saved)
    }

    async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        if let Some(user) = self.users.get(username, Instant::now()) {
            return Ok(Some(user));
        }
        let before = self.deletions.load(Ordering::Acquire);
        let found = self.inner.find(username).await?;
        if let Some(user) = found.as_ref().filter(|_| self.deletions.load(Ordering::Acquire) == before) {
            self.users.insert(user.username.clone(), user.clone(), Instant::now());
        }
        Ok(found)
    }

    async fn delete(&self, username: &str) -> Result<bool, StoreError> {
        self.users.remove(username);
        let deleted = self.inner.delete(username).await;
        // A find under way keeps what it read out of the cache; one that finished between the
        // two calls may have cached it again.
        self.deletions.fetch_add(1, Ordering::AcqRel);
        self.users.remove(username);
        deleted
    }

    fn deletes(&self) -> bool {
        self.inner.deletes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn profile(name: &str, email: &str) -> Profile {
        let mut p = Profile { username: name.into(), sub: format!("sub-{name}"), ..Default::default() };
        p.fields.insert("email".into(), email.into());
        p
    }

    #[rocket::async_test]
    async fn serves_from_memory_within_the_ttl_and_rereads_after() {
        let inner = std::sync::Arc::new(MemoryStore::new());
        let cached = CachedStore::new(inner.clone(), Duration::from_millis(200), 10);
        cached.save(&profile("carol", "old@example.com"), true).await.unwrap();
        // Another writer changes the row behind the cache's back.
        inner.save(&profile("carol", "new@example.com"), true).await.unwrap();
        let email = |u: Option<User>| u.unwrap().email.unwrap();
        assert_eq!(email(cached.find("carol").await.unwrap()), "old@example.com", "within the TTL");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(email(cached.find("carol").await.unwrap()), "new@example.com", "after it");
    }

    #[rocket::async_test]
    async fn holds_at_most_capacity_users() {
        let cached = CachedStore::new(MemoryStore::new(), Duration::from_secs(60), 3);
        for i in 0..10 {
            cached.save(&profile(&format!("u{i}"), "e"), true).await.unwrap();
            assert!(cached.users.len() <= 3);
        }
        // A zero capacity keeps nothing.
        let none = CachedStore::new(MemoryStore::new(), Duration::from_secs(60), 0);
        none.save(&profile("a", "e"), true).await.unwrap();
        assert_eq!(none.users.len(), 0);
    }

    /// A store whose rows another instance may delete (the test deletes them).
    #[derive(Default)]
    struct Deletable {
        users: MemoryStore,
        deleted: std::sync::atomic::AtomicBool,
    }

    #[rocket::async_trait]
    impl UserStore for Deletable {
        async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
            if self.deleted.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(None);
            }
            self.users.save(profile, create).await
        }

        async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
            if self.deleted.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(None);
            }
            self.users.find(username).await
        }
    }

    #[rocket::async_test]
    async fn an_update_of_a_missing_user_forgets_it() {
        let cached = CachedStore::new(Deletable::default(), Duration::from_secs(60), 10);
        assert!(cached.save(&profile("ghost", "e"), true).await.unwrap().is_some());
        assert!(cached.find("ghost").await.unwrap().is_some(), "kept in memory");
        // Deleted elsewhere: an update finds no row, and the memory of it goes too.
        cached.inner.deleted.store(true, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(cached.save(&profile("ghost", "e"), false).await.unwrap(), None);
        assert!(cached.find("ghost").await.unwrap().is_none());
    }

    /// A store whose reads stop, the row read, until the test lets them go on.
    #[derive(Default)]
    struct Paused {
        users: MemoryStore,
        reading: tokio::sync::Notify,
        go_on: tokio::sync::Notify,
    }

    #[rocket::async_trait]
    impl UserStore for Paused {
        async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
            self.users.save(profile, create).await
        }

        async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
            let found = self.users.find(username).await;
            self.reading.notify_one();
            self.go_on.notified().await;
            found
        }

        async fn delete(&self, username: &str) -> Result<bool, StoreError> {
            self.users.delete(username).await
        }

        fn deletes(&self) -> bool {
            true
        }
    }

    #[rocket::async_test]
    async fn a_read_that_overlaps_a_deletion_does_not_bring_the_row_back() {
        let cached = std::sync::Arc::new(CachedStore::new(Paused::default(), Duration::from_secs(60), 10));
        cached.inner.users.save(&profile("leaving", "e"), true).await.unwrap();
        let reader = tokio::spawn({
            let cached = cached.clone();
            async move { cached.find("leaving").await }
        });
        cached.inner.reading.notified().await;
        assert!(cached.delete("leaving").await.unwrap());
        cached.inner.go_on.notify_one();
        assert!(reader.await.unwrap().unwrap().is_some(), "the read saw the row before the deletion");
        assert_eq!(cached.users.len(), 0, "but did not cache it");
    }
}
