//! Token verification: every rule a Cognito ID or access token must pass.

use std::sync::Arc;
use std::time::Instant;

use super::cache::{digest, TokenCache};
use super::claims::{Claims, TokenUse};
use super::clock::{Clock, Now, SystemClock};
use super::jwks::{Jwks, KeyError};

/// A token longer than this is refused before it is decoded (Cognito's are 1 to 2 KB).
pub(crate) const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A `kid` longer than this is refused before any lookup.
const MAX_KID_BYTES: usize = 256;

/// Why a token was refused ([`Error::Token`](crate::Error::Token), [`AuthError::Invalid`](crate::AuthError::Invalid)).
///
/// ```
/// use rocket_warrant::tokens::VerifyError;
///
/// assert_eq!(VerifyError::Expired.to_string(), "the token has expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Over 16 KiB (Cognito's tokens are 1 to 2 KB).
    #[error("the token is too large")]
    TooLarge,
    /// Not three base64url segments of JSON, or claims of the wrong shape.
    #[error("the token is malformed")]
    Malformed,
    /// Anything but RS256 (`none`, HMAC, ...).
    #[error("the token's algorithm is not RS256")]
    Algorithm,
    /// No usable `kid` in the header.
    #[error("the token names no valid signing key")]
    MissingKid,
    /// The `kid` is not one of the pool's keys.
    #[error("the token's signing key is not one of the pool's")]
    UnknownKid,
    /// The pool's keys could not be fetched.
    #[error("the signing keys are unavailable: {0}")]
    KeysUnavailable(String),
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    Signature,
    /// `iss` is not this pool.
    #[error("the token was issued by another user pool")]
    Issuer,
    /// `aud` (ID) or `client_id` (access) is not this app client (nor, for an access token, one
    /// of `app_client_ids`).
    #[error(
        "the token was issued to app client {}, not to this site's: access tokens are taken from \
         cognito.app_client_id and the clients listed in cognito.app_client_ids, ID tokens from \
         cognito.app_client_id alone",
        client.as_deref().unwrap_or("(none named)")
    )]
    Audience {
        /// The app client the token names, if any.
        client: Option<String>,
    },
    /// An ID token where an access token was expected, or the reverse.
    #[error("expected an {expected:?} token")]
    TokenUse {
        /// What was required.
        expected: TokenUse,
    },
    /// No `exp` claim.
    #[error("the token has no expiry")]
    MissingExpiry,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` lies in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token's sign-in was signed out on this site (or its user signed out everywhere):
    /// refused by the site's revocations, which are checked after every rule here.
    #[error("the token was revoked")]
    Revoked,
    /// An ID and an access token given together belong to different users.
    #[error("the ID and access tokens belong to different users")]
    Mismatched,
}

impl From<KeyError> for VerifyError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::UnknownKid => VerifyError::UnknownKid,
            KeyError::Unavailable(why) => VerifyError::KeysUnavailable(why),
        }
    }
}

/// Verifies one pool's tokens for one app client.
pub(crate) struct Verifier {
    issuer: String,
    client_id: String,
    /// Other app clients of the pool whose tokens are accepted (`app_client_ids`).
    other_clients: Box<[String]>,
    jwks: Jwks,
    leeway: i64,
    clock: Arc<dyn Clock>,
    cache: TokenCache,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("jwks", &self.jwks)
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl Verifier {
    /// A verifier for tokens of `issuer` issued to `client_id`, with the settings' default leeway
    /// and token cache, and the system clock.
    pub(crate) fn new(issuer: impl Into<String>, client_id: impl Into<String>, jwks: Jwks) -> Verifier {
        // jsonwebtoken parses the settings' key set (and signs the testing feature's tokens): if
        // the application also enables its RustCrypto backend it cannot choose and would panic
        // at the first use; choose aws-lc, once, explicitly.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        Verifier {
            issuer: issuer.into(),
            client_id: client_id.into(),
            other_clients: Box::new([]),
            jwks,
            leeway: crate::config::DEFAULT_LEEWAY_SECS as i64,
            clock: Arc::new(SystemClock),
            cache: TokenCache::new(crate::config::DEFAULT_TOKEN_CACHE),
        }
    }

    /// The issuer its tokens carry.
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Accepts the tokens of these app clients of the pool too.
    pub(crate) fn with_other_clients(mut self, clients: &[String]) -> Verifier {
        self.other_clients = clients.into();
        self
    }

    /// Keeps at most `capacity` verified tokens so that they are not verified again (0: none).
    pub(crate) fn with_cache_capacity(mut self, capacity: usize) -> Verifier {
        self.cache = TokenCache::new(capacity);
        self
    }

    /// The cache of verified tokens.
    #[cfg(feature = "testing")]
    pub(crate) fn cache(&self) -> &TokenCache {
        &self.cache
    }

    /// The allowed clock skew, in seconds.
    pub(crate) fn leeway(&self) -> i64 {
        self.leeway
    }

    /// Allowed clock skew, in seconds.
    pub(crate) fn with_leeway(mut self, secs: u64) -> Verifier {
        self.leeway = secs.min(3600) as i64;
        self
    }

    /// The verifier's time, seconds since the epoch (the clock tests may replace).
    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Both clocks, read once for a request.
    pub(crate) fn instant(&self) -> Now {
        Now { unix: self.clock.now(), mono: Instant::now() }
    }

    /// Replaces the clock (tests simulate expiry with it).
    pub(crate) fn with_clock(mut self, clock: Arc<dyn Clock>) -> Verifier {
        self.clock = clock;
        self
    }

    /// The signing keys.
    pub(crate) fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// Verifies `token` as a token of kind `expected`, returning its claims.
    ///
    /// A token whose signature was verified before is found in the cache by its digest; its
    /// claims (issuer, client, kind, times) are checked again on every call.
    pub(crate) async fn verify(&self, token: &str, expected: TokenUse) -> Result<Arc<Claims>, VerifyError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(VerifyError::TooLarge);
        }
        let cache_key = digest(token);
        let now = self.instant();
        if let Some(claims) = self.cache.get(&cache_key, now.mono) {
            self.check_claims(&claims, expected, now)?;
            return Ok(claims);
        }
        // Boxed: the key fetch's future is large, and every caller's future would carry it
        // (and move it about) on the common, cached path too.
        Box::pin(self.verify_signature(token, expected, cache_key)).await
    }

    async fn verify_signature(
        &self,
        token: &str,
        expected: TokenUse,
        cache_key: super::cache::TokenDigest,
    ) -> Result<Arc<Claims>, VerifyError> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::Malformed);
        };
        let header = URL_SAFE_NO_PAD.decode(header).map_err(|_| VerifyError::Malformed)?;
        let header: Header = serde_json::from_slice(&header).map_err(|_| VerifyError::Malformed)?;
        // The algorithm is the key's (RS256); a header asking for anything else is refused
        // before a key is looked up, so `none` and HMAC-with-the-public-key never get near one.
        if header.alg != "RS256" {
            return Err(VerifyError::Algorithm);
        }
        let kid = match header.kid.as_deref() {
            Some(kid) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid,
            _ => return Err(VerifyError::MissingKid),
        };
        // Read before the key: a withdrawal after this makes these claims looked up again.
        let withdrawals = self.jwks.withdrawals();
        let key = self.jwks.key(kid).await?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| VerifyError::Malformed)?;
        // The signed input is the token's first two parts as sent, the dot between them included.
        let signed = &token.as_bytes()[..token.len() - parts_len(token)];
        if !key.verifies(signed, &signature) {
            return Err(VerifyError::Signature);
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| VerifyError::Malformed)?;
        let mut claims: Claims = serde_json::from_slice(&payload).map_err(|_| VerifyError::Malformed)?;
        claims.signed_by = Some((kid.into(), withdrawals));
        claims.digest = Some(cache_key);
        self.check_claims(&claims, expected, self.instant())?;
        let claims = Arc::new(claims);
        self.cache.insert(cache_key, claims.clone(), Instant::now());
        Ok(claims)
    }

    /// Checks again claims this verifier verified before (kept by a session): the key, issuer,
    /// client, kind, times and revocations, without the token, at the request's `now`.
    pub(crate) fn recheck(&self, claims: &Claims, expected: TokenUse, now: Now) -> Result<(), VerifyError> {
        self.check_claims(claims, expected, now)
    }

    fn check_claims(&self, claims: &Claims, expected: TokenUse, at: Now) -> Result<(), VerifyError> {
        self.jwks.refresh_if_due(at.mono);
        // A key the pool withdrew since is trusted no more, cached claims included.
        if let Some((kid, withdrawals)) = &claims.signed_by {
            if !self.jwks.still_trusted(kid, *withdrawals) {
                return Err(VerifyError::UnknownKid);
            }
        }
        // The issuer is pinned to the configured pool, never taken from the token.
        if claims.iss != self.issuer {
            return Err(VerifyError::Issuer);
        }
        if claims.token_use != expected {
            return Err(VerifyError::TokenUse { expected });
        }
        let client = match expected {
            TokenUse::Id => claims.aud.as_deref(),
            TokenUse::Access => claims.client_id.as_deref(),
        };
        // ID tokens are the site's own sign-ins': of `app_client_id` alone.
        let listed = |c: &str| {
            c == self.client_id || (expected == TokenUse::Access && self.other_clients.iter().any(|o| o == c))
        };
        if !client.is_some_and(listed) {
            return Err(VerifyError::Audience { client: client.map(str::to_owned) });
        }
        let now = at.unix;
        let exp = claims.exp.ok_or(VerifyError::MissingExpiry)?;
        if exp.saturating_add(self.leeway) <= now {
            return Err(VerifyError::Expired);
        }
        let future = |t: Option<i64>| t.is_some_and(|t| t > now.saturating_add(self.leeway));
        if future(claims.nbf) || future(claims.iat) {
            return Err(VerifyError::NotYetValid);
        }
        Ok(())
    }
}

/// A JWT header's fields the verifier reads; any others are ignored.
#[derive(serde::Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<std::borrow::Cow<'a, str>>,
}

/// The length of a JWT's signature part with the dot before it.
fn parts_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

/// The claims of a JWT, its signature unchecked: only for tokens this site sealed in its own
/// cookie or row after verifying them (a logout reads the sign-in to revoke, expired or not).
pub(crate) fn unverified_claims(token: &str) -> Option<Claims> {
    use base64::Engine;
    // Nothing over the size a verification would take is decoded, verified or not.
    if token.len() > MAX_TOKEN_BYTES {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Frozen(i64);
    impl Clock for Frozen {
        fn now(&self) -> i64 {
            self.0
        }
    }

    fn verifier() -> Verifier {
        let jwks = Jwks::from_json(include_str!("../testing/offline-jwks.json")).unwrap();
        Verifier::new("https://issuer.example/pool", "client-1", jwks)
    }

    /// The leeway and the clock a verifier is given are the ones its checks use: an `exp` just
    /// inside and just outside the leeway, by the given clock, at the default, a set leeway and
    /// one over the cap of an hour.
    #[test]
    fn time_and_leeway_are_the_ones_its_checks_use() {
        let expiry = |verifier: &Verifier, exp: i64| {
            verifier.recheck(&claims(serde_json::json!({ "exp": exp })), TokenUse::Access, verifier.instant())
        };
        let default = verifier().with_clock(Arc::new(Frozen(10_000)));
        assert_eq!(expiry(&default, 10_000 - 29), Ok(()), "within the default 30 s");
        assert_eq!(expiry(&default, 10_000 - 30), Err(VerifyError::Expired));
        let seven = verifier().with_leeway(7).with_clock(Arc::new(Frozen(1_234)));
        assert_eq!(expiry(&seven, 1_234 - 6), Ok(()));
        assert_eq!(expiry(&seven, 1_234 - 7), Err(VerifyError::Expired), "7 s, by the clock it was given");
        let capped = verifier().with_leeway(100_000).with_clock(Arc::new(Frozen(100_000)));
        assert_eq!(expiry(&capped, 100_000 - 3599), Ok(()));
        assert_eq!(expiry(&capped, 100_000 - 3600), Err(VerifyError::Expired), "at most an hour");
    }

    #[tokio::test]
    async fn sixteen_kib_is_the_largest_token_decoded() {
        let verifier = verifier();
        let at_limit = "a".repeat(MAX_TOKEN_BYTES);
        assert_eq!(verifier.verify(&at_limit, TokenUse::Access).await.err(), Some(VerifyError::Malformed));
        let over = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(verifier.verify(&over, TokenUse::Access).await.err(), Some(VerifyError::TooLarge));
    }

    /// Claims as the verifier last saw them, for `recheck`: an access token for `client-1`.
    fn claims(changes: serde_json::Value) -> Claims {
        let mut claims = serde_json::json!({
            "sub": "s-1", "iss": "https://issuer.example/pool", "token_use": "access",
            "client_id": "client-1", "username": "alice", "exp": 2_000, "iat": 1_000,
        });
        claims.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
        serde_json::from_value(claims).unwrap()
    }

    #[test]
    fn recheck_checks_the_claims_again() {
        let verifier = verifier().with_leeway(10).with_clock(Arc::new(Frozen(1_500)));
        let recheck = |changes| verifier.recheck(&claims(changes), TokenUse::Access, verifier.instant());
        assert_eq!(recheck(serde_json::json!({})), Ok(()));
        assert_eq!(
            verifier.recheck(&claims(serde_json::json!({})), TokenUse::Id, verifier.instant()),
            Err(VerifyError::TokenUse { expected: TokenUse::Id })
        );
        assert_eq!(recheck(serde_json::json!({"iss": "https://issuer.example/other"})), Err(VerifyError::Issuer));
        assert_eq!(
            recheck(serde_json::json!({"client_id": "client-2"})),
            Err(VerifyError::Audience { client: Some("client-2".into()) })
        );
        // Expired once exp + leeway is reached, not a second later.
        assert_eq!(recheck(serde_json::json!({"exp": 1_491})), Ok(()));
        assert_eq!(recheck(serde_json::json!({"exp": 1_490})), Err(VerifyError::Expired));
    }

    #[test]
    fn a_token_from_up_to_the_leeway_ahead_is_valid() {
        // The clock reads 1,500 and the leeway is 10: nbf or iat at 1,510 is within it, 1,511 is not.
        let verifier = verifier().with_leeway(10).with_clock(Arc::new(Frozen(1_500)));
        for claim in ["nbf", "iat"] {
            let at = |t: i64| {
                verifier.recheck(&claims(serde_json::json!({ claim: t })), TokenUse::Access, verifier.instant())
            };
            assert_eq!(at(1_510), Ok(()), "{claim} at the leeway's edge");
            assert_eq!(at(1_511), Err(VerifyError::NotYetValid), "{claim} past the leeway");
        }
    }

    #[test]
    fn unverified_claims_reads_the_payload_without_the_signature() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"s-9","iss":"i","token_use":"id","exp":5,"cognito:username":"bob"}"#);
        let claims = unverified_claims(&format!("header.{payload}.not-a-signature")).expect("claims");
        assert_eq!(
            (claims.sub.as_str(), claims.cognito_username.as_deref(), claims.exp),
            ("s-9", Some("bob"), Some(5))
        );
        assert!(unverified_claims("no-dots").is_none());
        let padding = "a".repeat(MAX_TOKEN_BYTES);
        assert!(unverified_claims(&format!("header.{payload}.{padding}")).is_none(), "over the size limit");
        assert!(unverified_claims("h.!!!.s").is_none(), "not base64url");
        assert!(
            unverified_claims(&format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"[1]")))
                .is_none(),
            "not claims"
        );
    }

    #[test]
    fn debug_names_the_pool_client_keys_and_leeway() {
        let verifier = verifier().with_leeway(7);
        assert_eq!(
            format!("{verifier:?}"),
            r#"Verifier { issuer: "https://issuer.example/pool", client_id: "client-1", jwks: Jwks { url: "(static)", keys: ["test-key"] }, leeway: 7 }"#
        );
    }
}
