//! What an instance remembers of a cookie session between its requests: the access cookie's
//! opened token and verified claims, by the sealed value as sent (compared whole, so a
//! tampered value is another entry), so that the common request neither decodes, decrypts,
//! re-encodes nor digests its token; and, as a server-side session does, the local row.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, RwLock};

use super::credentials::Credentials;

/// Keys that are SHA-256 digests are uniform already: the map hashes their first eight bytes.
/// (Not for sealed values: their first characters are the format's and nearly constant; they
/// take [`SealedKeys`].)
#[derive(Default)]
pub(crate) struct DigestHasher(u64);

/// The hasher of maps keyed by sealed cookie values, as sent: foldhash over every byte, seeded
/// per process. Only values that opened and verified become keys, so no one can fill a map
/// with chosen keys.
pub(crate) type SealedKeys = foldhash::fast::RandomState;

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
}

/// Opened access cookies (the credentials every request carrying one is handed), at most
/// `capacity`; an entry whose token has expired is dropped
/// first when the map is full.
pub(crate) struct OpenedCookies {
    capacity: usize,
    entries: RwLock<HashMap<Box<str>, Arc<Credentials>, SealedKeys>>,
}

/// The count alone: the keys are sealed cookie values.
impl std::fmt::Debug for OpenedCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.read().unwrap_or_else(|e| e.into_inner()).len();
        f.debug_struct("OpenedCookies").field("capacity", &self.capacity).field("len", &len).finish()
    }
}

impl OpenedCookies {
    pub(crate) fn new(capacity: usize) -> OpenedCookies {
        OpenedCookies { capacity, entries: RwLock::new(HashMap::with_hasher(SealedKeys::default())) }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<Credentials>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    pub(crate) fn insert(&self, key: &str, opened: Arc<Credentials>, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, o| o.claims.exp.is_some_and(|exp| exp > now));
            let excess = (entries.len() + 1).saturating_sub(self.capacity);
            let evict: Vec<Box<str>> = entries.keys().take(excess).cloned().collect();
            for key in evict {
                entries.remove(&key);
            }
        }
        entries.insert(key.into(), opened);
    }

    pub(crate) fn remove(&self, key: &str) {
        self.entries.write().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::session::credentials::{remember_row, remembered_row, RowMemory};
    use crate::store::User;
    use crate::tokens::Claims;

    fn opened(exp: i64) -> Arc<Credentials> {
        let claims: Claims = serde_json::from_value(serde_json::json!({
            "sub": "s", "iss": "i", "token_use": "access", "exp": exp,
        }))
        .unwrap();
        let credentials = Credentials {
            claims: Arc::new(claims),
            access_token: "t".into(),
            id_token: None,
            id_claims: None,
            row: Some(Arc::default()),
            bearer: false,
            ends_at: None,
        };
        Arc::new(credentials)
    }

    #[test]
    fn bounded_and_expired_entries_go_first() {
        let cookies = OpenedCookies::new(2);
        cookies.insert("a", opened(10), 0);
        cookies.insert("b", opened(100), 0);
        // Full: "a" has expired by now = 50, so it makes room and "b" stays.
        cookies.insert("c", opened(100), 50);
        assert_eq!(cookies.len(), 2);
        assert!(cookies.get("a").is_none() && cookies.get("b").is_some());
        // Full of live entries: one goes, never above capacity.
        cookies.insert("d", opened(100), 50);
        assert_eq!(cookies.len(), 2);
        assert!(cookies.get("d").is_some());
        cookies.remove("d");
        assert!(cookies.get("d").is_none());
        assert_eq!(format!("{cookies:?}"), "OpenedCookies { capacity: 2, len: 1 }", "no sealed value shown");
        let none = OpenedCookies::new(0);
        none.insert("a", opened(100), 0);
        assert!(none.get("a").is_none(), "capacity 0 remembers nothing");
    }

    /// Sealed values start with the format byte and a nonce, base64url: what their hashes
    /// spread over decides whether a lookup stays one probe as sessions grow.
    #[test]
    fn sealed_values_spread_over_the_whole_table() {
        use std::hash::BuildHasher;
        let sealer = crate::session::Sealer::from_material(b"spread test key material");
        let state = SealedKeys::default();
        let buckets: std::collections::HashSet<u64> = (0..10_000u32)
            .map(|i| state.hash_one(sealer.seal("cognito_access", &i.to_be_bytes()).as_str()) & 0xfff)
            .collect();
        // 10,000 keys into 4,096 buckets: a uniform hash hits about 3,740 of them (4096·(1 -
        // e^-10000/4096)); a hash of the first eight characters hits a few dozen.
        assert!(buckets.len() > 3_600, "{} of 4096 buckets", buckets.len());
        let digests = std::hash::BuildHasherDefault::<DigestHasher>::default();
        let spread: std::collections::HashSet<u64> =
            (0..10_000u32).map(|i| digests.hash_one(crate::tokens::digest(&i.to_string())) & 0xfff).collect();
        assert!(spread.len() > 3_600, "digest keys: {} of 4096 buckets", spread.len());
    }

    #[test]
    fn a_row_is_remembered_until_a_write() {
        let memory = RowMemory::default();
        let minute = Duration::from_secs(60);
        assert!(remembered_row(&memory, 0, minute, Instant::now()).is_none());
        let user = Arc::new(User {
            id: 1,
            username: "a".into(),
            sub: "s".into(),
            email: None,
            email_verified: false,
            first_name: None,
            last_name: None,
            attributes: Default::default(),
            created_at: 0,
            updated_at: 0,
        });
        remember_row(&memory, 3, user);
        assert!(remembered_row(&memory, 3, minute, Instant::now()).is_some());
        assert!(remembered_row(&memory, 4, minute, Instant::now()).is_none(), "a row was written since");
        assert!(remembered_row(&memory, 3, Duration::ZERO, Instant::now()).is_none(), "no user cache, no memory");
        let later = Instant::now() + 2 * minute;
        assert!(remembered_row(&memory, 3, minute, later).is_none(), "older than the TTL at the request's time");
    }
}
