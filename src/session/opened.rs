//! What an instance remembers of a cookie session between its requests: the access cookie's
//! opened token and verified claims, by the sealed value as sent (compared whole, so a
//! tampered value is another entry), so that the common request neither decodes, decrypts,
//! re-encodes nor digests its token; and, as a server-side session does, the local row.

use std::sync::Arc;
use std::time::Instant;

use super::credentials::Credentials;
use crate::cache::BoundedCache;

/// Opened access cookies (the credentials every request carrying one is handed), by the sealed
/// value as sent, at most `capacity`; once full, the cookies requests keep sending stay.
#[derive(Debug)]
pub(crate) struct OpenedCookies(BoundedCache<Box<str>, Arc<Credentials>>);

impl OpenedCookies {
    pub(crate) fn new(capacity: usize) -> OpenedCookies {
        OpenedCookies(BoundedCache::new(capacity, None))
    }

    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<Arc<Credentials>> {
        self.0.get(key, now)
    }

    pub(crate) fn insert(&self, key: &str, opened: Arc<Credentials>, now: Instant) {
        self.0.insert(key.into(), opened, now);
    }

    pub(crate) fn remove(&self, key: &str) {
        self.0.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::session::credentials::{remember_row, remembered_row, RowMemory};
    use crate::store::User;
    use crate::tokens::Claims;

    fn opened() -> Arc<Credentials> {
        let claims: Claims =
            serde_json::from_value(serde_json::json!({ "sub": "s", "iss": "i", "token_use": "access", "exp": 100 }))
                .unwrap();
        Arc::new(Credentials::session(Arc::new(claims), "t".into(), Some(Arc::default()), None))
    }

    #[test]
    fn found_by_the_sealed_value_until_removed_and_bounded() {
        let now = Instant::now();
        let cookies = OpenedCookies::new(2);
        cookies.insert("a", opened(), now);
        assert!(cookies.get("a", now).is_some() && cookies.get("b", now).is_none());
        cookies.remove("a");
        assert!(cookies.get("a", now).is_none());
        cookies.insert("AQsealed-value", opened(), now);
        assert!(!format!("{cookies:?}").contains("AQsealed"), "no sealed value shown: {cookies:?}");
        let none = OpenedCookies::new(0);
        none.insert("a", opened(), now);
        assert!(none.get("a", now).is_none(), "capacity 0 remembers nothing");
    }

    /// Sealed values start with the format byte and a nonce, base64url: what their hashes
    /// spread over decides whether a lookup stays one probe as sessions grow.
    #[test]
    fn sealed_values_spread_over_the_whole_table() {
        use std::hash::BuildHasher;
        let sealer = crate::cookies::Sealer::from_material(b"spread test key material");
        let state = crate::cache::Hashed::default();
        let buckets: std::collections::HashSet<u64> = (0..10_000u32)
            .map(|i| state.hash_one(sealer.seal("cognito_access", &i.to_be_bytes()).as_str()) & 0xfff)
            .collect();
        // 10,000 keys into 4,096 buckets: a uniform hash hits about 3,740 of them (4096·(1 -
        // e^-10000/4096)); a hash of the first eight characters hits a few dozen.
        assert!(buckets.len() > 3_600, "{} of 4096 buckets", buckets.len());
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
