//! A bounded cache of tokens whose signature was verified, keyed by their SHA-256, so a request
//! with an already-seen token costs a digest and a lookup instead of an RSA verification.

use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::claims::Claims;
use crate::cache::{BoundedCache, Digests};

/// SHA-256 of a token.
pub(crate) type TokenDigest = [u8; 32];

/// The digest a token is cached under.
pub(crate) fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// Verified claims by token digest, at most `capacity` of them; once full, the tokens requests
/// keep sending stay and the ones seen once go first (an expired token is refused by its claims'
/// recheck, and pushed out in turn).
#[derive(Debug)]
pub(crate) struct TokenCache(BoundedCache<TokenDigest, Arc<Claims>, Digests>);

impl TokenCache {
    /// A cache of at most `capacity` tokens (0 disables it).
    pub(crate) fn new(capacity: usize) -> TokenCache {
        TokenCache(BoundedCache::new(capacity, None))
    }

    /// The claims of a token verified before.
    pub(crate) fn get(&self, key: &TokenDigest, now: Instant) -> Option<Arc<Claims>> {
        let claims = self.0.get(key, now);
        crate::metrics::cache_lookup("tokens", claims.is_some());
        claims
    }

    /// Remembers a verified token.
    pub(crate) fn insert(&self, key: TokenDigest, claims: Arc<Claims>, now: Instant) {
        self.0.insert(key, claims, now);
    }

    /// Entries now held.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
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
        let now = Instant::now();
        let cache = TokenCache::new(10);
        cache.insert(digest("a"), claims(100), now);
        assert_eq!(cache.get(&digest("a"), now).unwrap().exp, Some(100));
        assert!(cache.get(&digest("b"), now).is_none());
        assert_ne!(digest("a"), digest("b"));
    }

    #[test]
    fn full_of_live_tokens_it_keeps_the_ones_in_use() {
        // An API with more live tokens than the capacity (or a user signing in again and again):
        // the tokens in use stay cached, the ones seen once make way.
        let now = Instant::now();
        let cache = TokenCache::new(1_000);
        let used: Vec<_> = (0..100).map(|i| digest(&format!("in use {i}"))).collect();
        for key in &used {
            cache.insert(*key, claims(1_000), now);
        }
        for i in 0..20_000 {
            cache.insert(digest(&format!("seen once {i}")), claims(1_000), now);
            let key = &used[i % used.len()];
            if cache.get(key, now).is_none() {
                cache.insert(*key, claims(1_000), now);
            }
            assert!(cache.len() <= 1_000);
        }
        let kept = used.iter().filter(|k| cache.get(k, now).is_some()).count();
        assert!(kept >= 95, "{kept} of 100 tokens in use still cached");
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let cache = TokenCache::new(0);
        cache.insert(digest("a"), claims(1_000), Instant::now());
        assert!(cache.get(&digest("a"), Instant::now()).is_none());
        assert_eq!(cache.len(), 0);
    }
}
