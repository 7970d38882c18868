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
    #[cfg(feature = "testing")]
    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}
