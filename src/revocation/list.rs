//! The revocations in force on this instance: checked with every token's claims, cached ones
//! included; empty, the check is one atomic load.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;

use crate::store::{Revocation, RevocationKey};
use crate::tokens::{Claims, TokenDigest};

#[derive(Default)]
struct Entries {
    /// origin_jti → when the revocation lapses.
    sign_ins: HashMap<String, i64>,
    /// sub → (revoked at, lapses at): tokens issued up to the first are refused.
    users: HashMap<String, (i64, i64)>,
    /// A token's SHA-256 → when the revocation lapses.
    tokens: HashMap<TokenDigest, i64>,
}

impl Entries {
    fn is_empty(&self) -> bool {
        self.sign_ins.is_empty() && self.users.is_empty() && self.tokens.is_empty()
    }
}

/// The revocations in force here; one that refuses nothing when disabled.
#[derive(Default)]
pub(crate) struct Revoked {
    entries: RwLock<Entries>,
    any: AtomicBool,
    enabled: bool,
}

impl std::fmt::Debug for Revoked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.read();
        f.debug_struct("Revoked")
            .field("sign_ins", &entries.sign_ins.len())
            .field("users", &entries.users.len())
            .field("tokens", &entries.tokens.len())
            .finish()
    }
}

impl Revoked {
    /// A list that refuses what it holds (`enabled`), or one that never refuses.
    pub(crate) fn new(enabled: bool) -> Revoked {
        Revoked { enabled, ..Revoked::default() }
    }

    /// Whether revoked tokens are refused at all.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the claims belong to a revoked sign-in or token, or to a user signed out
    /// everywhere since they were issued.
    pub(crate) fn refuses(&self, claims: &Claims) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let entries = self.entries.read();
        let origin = claims.extra.get("origin_jti").and_then(|v| v.as_str());
        if origin.is_some_and(|jti| entries.sign_ins.contains_key(jti)) {
            return true;
        }
        if claims.digest.as_ref().is_some_and(|d| entries.tokens.contains_key(d)) {
            return true;
        }
        // Issued in the very second of the cut-off counts as before it (`iat` has seconds only).
        entries.users.get(&claims.sub).is_some_and(|(at, _)| claims.iat.unwrap_or(i64::MIN) <= *at)
    }

    /// The instant until which every token of `sub` is refused (a sign-out everywhere), if any.
    pub(crate) fn user_cut_off(&self, sub: &str) -> Option<i64> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        self.entries.read().users.get(sub).map(|(at, _)| *at)
    }

    /// Whether the token of `digest` was revoked whole (a refresh token, before it is sent).
    pub(crate) fn refuses_token(&self, digest: &TokenDigest) -> bool {
        self.any.load(Ordering::Acquire) && self.entries.read().tokens.contains_key(digest)
    }

    /// Adds revocations (from this instance or the store); a later one of a key moves its
    /// instants forward, never back.
    pub(crate) fn add<'a>(&self, revocations: impl IntoIterator<Item = &'a Revocation>) {
        if !self.enabled {
            return;
        }
        let mut entries = self.entries.write();
        for r in revocations {
            match &r.key {
                RevocationKey::SignIn(jti) => {
                    let lapses = entries.sign_ins.entry(jti.clone()).or_insert(r.expires_at);
                    *lapses = (*lapses).max(r.expires_at);
                }
                RevocationKey::User(sub) => {
                    let entry = entries.users.entry(sub.clone()).or_insert((r.revoked_at, r.expires_at));
                    *entry = (entry.0.max(r.revoked_at), entry.1.max(r.expires_at));
                }
                RevocationKey::Token(hex) => {
                    if let Some(digest) = unhex(hex) {
                        let lapses = entries.tokens.entry(digest).or_insert(r.expires_at);
                        *lapses = (*lapses).max(r.expires_at);
                    }
                }
            }
        }
        self.any.store(!entries.is_empty(), Ordering::Release);
    }

    /// Drops the revocations that lapsed: memory stays bounded by the tokens alive.
    pub(crate) fn sweep(&self, now: i64) {
        let mut entries = self.entries.write();
        entries.sign_ins.retain(|_, lapses| *lapses > now);
        entries.users.retain(|_, (_, lapses)| *lapses > now);
        entries.tokens.retain(|_, lapses| *lapses > now);
        self.any.store(!entries.is_empty(), Ordering::Release);
    }

    /// Revocations held.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn len(&self) -> usize {
        let entries = self.entries.read();
        entries.sign_ins.len() + entries.users.len() + entries.tokens.len()
    }
}

/// A digest's hex, as a [`RevocationKey::Token`] holds it.
pub(crate) fn hex(digest: &TokenDigest) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(hex: &str) -> Option<TokenDigest> {
    let bytes = hex.as_bytes();
    let mut digest = [0u8; 32];
    if bytes.len() != 64 {
        return None;
    }
    for (i, pair) in bytes.chunks(2).enumerate() {
        digest[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::digest;

    fn claims(sub: &str, origin: &str, iat: i64) -> Claims {
        serde_json::from_value(serde_json::json!({
            "sub": sub, "iss": "i", "token_use": "access", "exp": iat + 3600, "iat": iat, "origin_jti": origin,
        }))
        .unwrap()
    }

    fn revocation(key: RevocationKey, revoked_at: i64, expires_at: i64) -> Revocation {
        Revocation { key, revoked_at, expires_at }
    }

    fn sign_in(jti: &str, at: i64, lapses: i64) -> Revocation {
        revocation(RevocationKey::SignIn(jti.into()), at, lapses)
    }

    fn user(sub: &str, at: i64, lapses: i64) -> Revocation {
        revocation(RevocationKey::User(sub.into()), at, lapses)
    }

    #[test]
    fn a_revoked_sign_in_is_refused_and_others_are_not() {
        let revoked = Revoked::new(true);
        assert!(!revoked.refuses(&claims("alice", "o1", 100)), "empty");
        revoked.add([&sign_in("o1", 100, 200)]);
        assert!(revoked.refuses(&claims("alice", "o1", 100)));
        assert!(revoked.refuses(&claims("bob", "o1", 150)), "any token of that sign-in");
        assert!(!revoked.refuses(&claims("alice", "o2", 100)), "another sign-in of the same user");
        revoked.sweep(199);
        assert!(revoked.refuses(&claims("alice", "o1", 100)), "until it lapses");
        revoked.sweep(200);
        assert!(!revoked.refuses(&claims("alice", "o1", 100)));
        assert_eq!(revoked.len(), 0);
    }

    #[test]
    fn a_user_signed_out_everywhere_is_refused_for_tokens_issued_before_only() {
        let revoked = Revoked::new(true);
        revoked.add([&user("alice", 1000, 5000)]);
        assert!(revoked.refuses(&claims("alice", "o1", 999)));
        assert!(revoked.refuses(&claims("alice", "o2", 1000)), "the same second counts as before");
        assert!(!revoked.refuses(&claims("alice", "o2", 1001)), "a sign-in a second later");
        assert!(!revoked.refuses(&claims("bob", "o3", 999)));
        let mut no_iat = claims("alice", "o4", 0);
        no_iat.iat = None;
        assert!(revoked.refuses(&no_iat), "no issue time: refused");
        // A later sign-out everywhere moves the instant forward; an older one does not move it back.
        revoked.add([&user("alice", 2000, 6000), &user("alice", 1500, 5500)]);
        assert!(revoked.refuses(&claims("alice", "o5", 1999)));
        revoked.sweep(5999);
        assert!(revoked.refuses(&claims("alice", "o5", 1999)), "the latest lapse counts");
    }

    #[test]
    fn a_token_revoked_whole_is_refused_by_its_digest() {
        let revoked = Revoked::new(true);
        let refresh = digest("a refresh token");
        assert!(!revoked.refuses_token(&refresh));
        revoked.add([&revocation(RevocationKey::Token(hex(&refresh)), 100, 200)]);
        assert!(revoked.refuses_token(&refresh));
        assert!(!revoked.refuses_token(&digest("another")));
        // Claims of a token verified under that digest are refused too, whatever their origin.
        let mut access = claims("alice", "o9", 100);
        assert!(!revoked.refuses(&access));
        access.digest = Some(refresh);
        assert!(revoked.refuses(&access));
        revoked.sweep(200);
        assert!(!revoked.refuses_token(&refresh), "lapsed");
        assert_eq!(revoked.len(), 0);
        assert_eq!(unhex(&"0".repeat(63)), None);
        assert_eq!(unhex(&"zz".repeat(32)), None);
    }

    #[test]
    fn disabled_it_holds_nothing() {
        let off = Revoked::new(false);
        off.add([&sign_in("o1", 0, i64::MAX)]);
        assert!(!off.refuses(&claims("alice", "o1", 0)));
        assert_eq!(off.len(), 0);
    }
}
