//! A bounded cache of tokens whose signature was verified, keyed by their SHA-256, so a request
//! with an already-seen token costs a digest and a lookup instead of an RSA verification.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::claims::Claims;

/// SHA-256 of a token.
pub(crate) type TokenDigest = [u8; 32];

/// The digest a token is cached under.
pub(crate) fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// Verified claims by token digest; at most `capacity` entries, each dropped once its token
/// has expired.
#[derive(Debug)]
pub(crate) struct TokenCache {
    entries: RwLock<HashMap<TokenDigest, Arc<Claims>>>,
    capacity: usize,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (0 disables it).
    pub(crate) fn new(capacity: usize) -> TokenCache {
        TokenCache { entries: RwLock::new(HashMap::with_capacity(capacity.min(1024))), capacity }
    }

    /// The claims of a token verified before.
    pub(crate) fn get(&self, key: &TokenDigest) -> Option<Arc<Claims>> {
        if self.capacity == 0 {
            return None;
        }
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// Remembers a verified token. When full, expired entries go first; if none has expired,
    /// the whole cache is dropped (cheaper than tracking recency, and rare with a sane cap).
    pub(crate) fn insert(&self, key: TokenDigest, claims: Arc<Claims>, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, c| c.exp.is_some_and(|exp| exp > now));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, claims);
    }

    /// Entries now held.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Arc<Claims> {
        let json = serde_json::json!({ "sub": "s", "iss": "i", "token_use": "access", "exp": exp });
        Arc::new(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn a_token_is_found_by_its_digest_only() {
        let cache = TokenCache::new(10);
        cache.insert(digest("a"), claims(100), 0);
        assert_eq!(cache.get(&digest("a")).unwrap().exp, Some(100));
        assert!(cache.get(&digest("b")).is_none());
        assert_ne!(digest("a"), digest("b"));
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let cache = TokenCache::new(3);
        for i in 0..50 {
            cache.insert(digest(&i.to_string()), claims(1_000), 0);
            assert!(cache.len() <= 3, "{} entries after {i}", cache.len());
        }
        // The newest is always kept.
        assert!(cache.get(&digest("49")).is_some());
    }

    #[test]
    fn when_full_expired_tokens_go_first_and_live_ones_stay() {
        let cache = TokenCache::new(3);
        cache.insert(digest("live"), claims(1_000), 0);
        cache.insert(digest("dead1"), claims(10), 0);
        cache.insert(digest("dead2"), claims(10), 0);
        // Full at `now` 500: the two expired entries make room; the live one is kept.
        cache.insert(digest("new"), claims(1_000), 500);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&digest("live")).is_some());
        assert!(cache.get(&digest("new")).is_some());
        assert!(cache.get(&digest("dead1")).is_none() && cache.get(&digest("dead2")).is_none());
        // An entry expiring exactly now counts as expired: it makes the room, so the live
        // entry survives (were it kept, the cache would still be full and start over).
        let cache = TokenCache::new(2);
        cache.insert(digest("live"), claims(1_000), 0);
        cache.insert(digest("edge"), claims(500), 0);
        cache.insert(digest("next"), claims(1_000), 500);
        assert!(cache.get(&digest("edge")).is_none());
        assert!(cache.get(&digest("live")).is_some());
    }

    #[test]
    fn when_full_of_live_tokens_it_starts_over() {
        let cache = TokenCache::new(2);
        cache.insert(digest("a"), claims(1_000), 0);
        cache.insert(digest("b"), claims(1_000), 0);
        cache.insert(digest("c"), claims(1_000), 0);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&digest("c")).is_some());
        // Inserting a key already held never evicts.
        cache.insert(digest("d"), claims(1_000), 0);
        cache.insert(digest("d"), claims(1_000), 0);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let cache = TokenCache::new(0);
        cache.insert(digest("a"), claims(1_000), 0);
        assert!(cache.get(&digest("a")).is_none());
        assert_eq!(cache.len(), 0);
    }
}
