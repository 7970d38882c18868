//! The tokens this site revoked (`refuse_revoked_tokens`): by `origin_jti` after a logout, by
//! `sub` (issued before an instant) after a sign-out everywhere. Checked with every token's
//! claims, cached ones included; empty, the check is one atomic load.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::cache::TokenDigest;
use super::claims::Claims;
use crate::store::Revocation;

const ORIGIN: &str = "origin_jti:";
const SUB: &str = "sub:";
const TOKEN: &str = "token:";

#[derive(Default)]
struct Entries {
    /// origin_jti → when the revocation lapses.
    origins: HashMap<String, i64>,
    /// sub → (revoked at, lapses at): tokens issued up to the first are refused.
    subs: HashMap<String, (i64, i64)>,
    /// A token's SHA-256 → when the revocation lapses: one token, refused whole (a refresh
    /// token Cognito could not revoke, or an access token without `origin_jti`).
    tokens: HashMap<TokenDigest, i64>,
}

impl Entries {
    fn is_empty(&self) -> bool {
        self.origins.is_empty() && self.subs.is_empty() && self.tokens.is_empty()
    }
}

/// The revocations in force on this instance.
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
            .field("origins", &entries.origins.len())
            .field("subs", &entries.subs.len())
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

    /// Whether the claims belong to a revoked sign-in, or to a user signed out everywhere
    /// since they were issued.
    pub(crate) fn refuses(&self, claims: &Claims) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let entries = self.entries.read();
        let origin = claims.extra.get("origin_jti").and_then(|v| v.as_str());
        if origin.is_some_and(|jti| entries.origins.contains_key(jti)) {
            return true;
        }
        if claims.digest.as_ref().is_some_and(|d| entries.tokens.contains_key(d)) {
            return true;
        }
        // Issued in the very second of the sign-out counts as before it (`iat` has seconds only):
        // a sign-in that second must be made again, but none made before the sign-out survives.
        entries.subs.get(&claims.sub).is_some_and(|(at, _)| claims.iat.unwrap_or(i64::MIN) <= *at)
    }

    /// Whether the token of `digest` was revoked whole (a refresh token, before it is sent).
    pub(crate) fn refuses_token(&self, digest: &TokenDigest) -> bool {
        self.any.load(Ordering::Acquire) && self.entries.read().tokens.contains_key(digest)
    }

    /// Adds revocations (from this instance or the store); unknown kinds are skipped.
    pub(crate) fn add<'a>(&self, revocations: impl IntoIterator<Item = &'a Revocation>) {
        if !self.enabled {
            return;
        }
        let mut entries = self.entries.write();
        for r in revocations {
            if let Some(jti) = r.key.strip_prefix(ORIGIN) {
                let lapses = entries.origins.entry(jti.to_owned()).or_insert(r.expires_at);
                *lapses = (*lapses).max(r.expires_at);
            } else if let Some(sub) = r.key.strip_prefix(SUB) {
                let entry = entries.subs.entry(sub.to_owned()).or_insert((r.revoked_at, r.expires_at));
                *entry = (entry.0.max(r.revoked_at), entry.1.max(r.expires_at));
            } else if let Some(digest) = r.key.strip_prefix(TOKEN).and_then(unhex) {
                let lapses = entries.tokens.entry(digest).or_insert(r.expires_at);
                *lapses = (*lapses).max(r.expires_at);
            }
        }
        let any = !entries.is_empty();
        self.any.store(any, Ordering::Release);
    }

    /// Drops the revocations that lapsed: memory stays bounded by the tokens alive.
    pub(crate) fn sweep(&self, now: i64) {
        let mut entries = self.entries.write();
        entries.origins.retain(|_, lapses| *lapses > now);
        entries.subs.retain(|_, (_, lapses)| *lapses > now);
        entries.tokens.retain(|_, lapses| *lapses > now);
        let any = !entries.is_empty();
        self.any.store(any, Ordering::Release);
    }

    /// Revocations held.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn len(&self) -> usize {
        let entries = self.entries.read();
        entries.origins.len() + entries.subs.len() + entries.tokens.len()
    }
}

/// The revocation of one sign-in's tokens (its `origin_jti`) until `lapses`.
pub(crate) fn of_sign_in(origin_jti: &str, now: i64, lapses: i64) -> Revocation {
    Revocation { key: format!("{ORIGIN}{origin_jti}"), revoked_at: now, expires_at: lapses }
}

/// The revocation of one token (its SHA-256), until `lapses`.
pub(crate) fn of_token(digest: &TokenDigest, now: i64, lapses: i64) -> Revocation {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Revocation { key: format!("{TOKEN}{hex}"), revoked_at: now, expires_at: lapses }
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

/// The revocation of every token of `sub` issued before `now`, until `lapses`.
pub(crate) fn of_user(sub: &str, now: i64, lapses: i64) -> Revocation {
    Revocation { key: format!("{SUB}{sub}"), revoked_at: now, expires_at: lapses }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str, origin: &str, iat: i64) -> Claims {
        serde_json::from_value(serde_json::json!({
            "sub": sub, "iss": "i", "token_use": "access", "exp": iat + 3600, "iat": iat, "origin_jti": origin,
        }))
        .unwrap()
    }

    #[test]
    fn a_revoked_sign_in_is_refused_and_others_are_not() {
        let revoked = Revoked::new(true);
        assert!(!revoked.refuses(&claims("alice", "o1", 100)), "empty");
        revoked.add([&of_sign_in("o1", 100, 200)]);
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
        revoked.add([&of_user("alice", 1000, 5000)]);
        assert!(revoked.refuses(&claims("alice", "o1", 999)));
        assert!(revoked.refuses(&claims("alice", "o2", 1000)), "the same second counts as before");
        assert!(!revoked.refuses(&claims("alice", "o2", 1001)), "a sign-in a second later");
        assert!(!revoked.refuses(&claims("bob", "o3", 999)));
        let mut no_iat = claims("alice", "o4", 0);
        no_iat.iat = None;
        assert!(revoked.refuses(&no_iat), "no issue time: refused");
        // A later sign-out everywhere moves the instant forward; an older one does not move it back.
        revoked.add([&of_user("alice", 2000, 6000), &of_user("alice", 1500, 5500)]);
        assert!(revoked.refuses(&claims("alice", "o5", 1999)));
        revoked.sweep(5999);
        assert!(revoked.refuses(&claims("alice", "o5", 1999)), "the latest lapse counts");
    }

    #[test]
    fn a_token_revoked_whole_is_refused_by_its_digest() {
        let revoked = Revoked::new(true);
        let refresh = crate::tokens::digest("a refresh token");
        assert!(!revoked.refuses_token(&refresh));
        revoked.add([&of_token(&refresh, 100, 200)]);
        assert!(revoked.refuses_token(&refresh));
        assert!(!revoked.refuses_token(&crate::tokens::digest("another")));
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
    fn disabled_it_holds_nothing_and_unknown_kinds_are_skipped() {
        let off = Revoked::new(false);
        off.add([&of_sign_in("o1", 0, i64::MAX)]);
        assert!(!off.refuses(&claims("alice", "o1", 0)));
        let on = Revoked::new(true);
        on.add([&Revocation { key: "jti:o1".into(), revoked_at: 0, expires_at: i64::MAX }]);
        assert_eq!(on.len(), 0);
        assert!(!on.refuses(&claims("alice", "o1", 0)));
    }
}
