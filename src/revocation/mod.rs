//! Revocation, in one place: what this site refuses after a sign-out, for how long, and how the
//! instances that share a database learn of each other's.
//!
//! - A logout refuses every token of its sign-in (their `origin_jti`) for as long as such a token
//!   lives; when Cognito could not revoke the refresh token, that token too, whole, for as long
//!   as it can live. A token without `origin_jti` (token revocation off on the app client) is
//!   refused whole, until it expires.
//! - A sign-out everywhere refuses every token of the user issued until its cut-off.
//! - Each instance records its revocations in the session store ([`SessionStore::revoke`]) and
//!   reads the others' every `revocation_sync_secs`, in the background ([`sync`]).
//!
//! [`SessionStore::revoke`]: crate::store::SessionStore::revoke

mod list;
mod sync;

use std::sync::Arc;
use std::time::Duration;

use self::list::{hex, Revoked};
use self::sync::RevocationSync;
use crate::store::SessionStore;
use crate::store::{Revocation, RevocationKey};
use crate::tokens::{digest, unverified_claims, Claims, Now, TokenDigest, VerifyError};

/// Cognito's longest access and ID token validity: a day.
const MAX_TOKEN_LIFE: i64 = 24 * 3600;

/// The revocations in force here, and their sharing through the session store.
pub(crate) struct Revocations {
    list: Arc<Revoked>,
    sync: RevocationSync,
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Revocations").field(&self.list).finish()
    }
}

impl Revocations {
    /// Revocations refused when `enabled`, shared through `store` when there is one, the others'
    /// read every `interval`.
    pub(crate) fn new(enabled: bool, store: Option<Arc<dyn SessionStore>>, interval: Duration) -> Revocations {
        let list = Arc::new(Revoked::new(enabled));
        let sync = RevocationSync::new(list.clone(), store, interval);
        Revocations { list, sync }
    }

    /// [`VerifyError::Revoked`] when `claims` belong to a revoked sign-in, token or user.
    pub(crate) fn check(&self, claims: &Claims) -> Result<(), VerifyError> {
        if self.list.refuses(claims) {
            Err(VerifyError::Revoked)
        } else {
            Ok(())
        }
    }

    /// How many seconds until a token of `claims`' user issued now is no longer under a sign-out
    /// everywhere's cut-off (which covers the leeway after it); `None` when none refuses it.
    pub(crate) fn wait_after_sign_out(&self, claims: &Claims) -> Option<u64> {
        let cut_off = self.list.user_cut_off(&claims.sub)?;
        let iat = claims.iat?;
        (iat <= cut_off).then(|| (cut_off - iat + 1).unsigned_abs())
    }

    /// Whether the token of `digest` was revoked whole (a refresh token, before it is sent).
    pub(crate) fn refuses_token(&self, digest: &TokenDigest) -> bool {
        self.list.refuses_token(digest)
    }

    /// Reads the other instances' revocations when the list is due (a request, at its time).
    pub(crate) async fn refresh(&self, at: Now) {
        self.sync.refresh(at).await;
    }

    /// Reads them before the first request (the fairing, at ignite).
    pub(crate) async fn first_read(&self, at: Now) {
        self.sync.first_read(at).await;
    }

    /// Refuses the sign-in of `access_token` (a token this site sealed: expired or not) here at
    /// once, and on the instances that share the store within their sync interval: every token
    /// of that sign-in issued until `now` has lapsed by the revocation's end (or by `at_least`,
    /// when its refresh token may still be used). A token without `origin_jti` is refused
    /// alone, by its digest, until it expires.
    pub(crate) async fn sign_in(&self, access_token: &str, now: i64, leeway: i64, at_least: Option<i64>) {
        let Some(claims) = unverified_claims(access_token) else {
            return;
        };
        let Some(origin) = claims.extra.get("origin_jti").and_then(|v| v.as_str()) else {
            let lapses = claims.exp.unwrap_or(now.saturating_add(MAX_TOKEN_LIFE)).saturating_add(leeway);
            self.token(access_token, now, lapses).await;
            return;
        };
        // Any token of this sign-in was issued by now and lives its validity (at most a day).
        let validity =
            claims.exp.zip(claims.iat).map_or(MAX_TOKEN_LIFE, |(exp, iat)| (exp - iat).clamp(0, MAX_TOKEN_LIFE));
        let lapses = now.saturating_add(validity).saturating_add(leeway).max(at_least.unwrap_or(i64::MIN));
        self.record(RevocationKey::SignIn(origin.to_owned()), now, lapses).await;
    }

    /// Refuses one token whole (a refresh token Cognito could not revoke) until `lapses`.
    pub(crate) async fn token(&self, token: &str, now: i64, lapses: i64) {
        self.record(RevocationKey::Token(hex(&digest(token))), now, lapses).await;
    }

    /// Refuses every token of `sub` issued until `cut_off` (a sign-out everywhere; the caller
    /// puts the cut-off after Cognito's GlobalSignOut, and its leeway after that).
    pub(crate) async fn user(&self, sub: &str, cut_off: i64, leeway: i64) {
        let lapses = cut_off.saturating_add(MAX_TOKEN_LIFE).saturating_add(leeway);
        self.record(RevocationKey::User(sub.to_owned()), cut_off, lapses).await;
    }

    async fn record(&self, key: RevocationKey, revoked_at: i64, expires_at: i64) {
        self.sync.revoke(Revocation { key, revoked_at, expires_at }).await;
    }

    /// Revocations held.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}
