//! The pool's signing keys: fetched at start, refreshed periodically (so that a key the pool
//! withdraws stops being trusted), refetched on an unknown `kid` at most once per interval, with
//! concurrent misses sharing one fetch. A failed fetch is never taken for "no such key": while
//! the keys cannot be had, a token whose key is not cached is "unavailable" (503), not refused.
//!
//! (Over 500 lines for its unit tests, which serve key sets from a local socket, changed,
//! oversized or failing; the code is under 400.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};

/// A JWKS larger than this is refused (Cognito's is about 1 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// After a failed fetch, misses wait this long before the next attempt (they are "unavailable"
/// meanwhile): an outage costs the key endpoint one request a second, not one per request.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// After a failed periodic refresh the next one comes after this, doubling with each failure
/// in a row up to [`RETRY_PERIODIC_AT_MOST`] (or the refresh interval, when shorter): a key the
/// pool withdrew during an outage stops being trusted soon after the endpoint answers again,
/// not a whole interval later.
const RETRY_PERIODIC_FIRST: Duration = Duration::from_secs(1);
const RETRY_PERIODIC_AT_MOST: Duration = Duration::from_secs(60);

/// Why a key could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyError {
    /// The keys were fetched and this `kid` is not among them.
    #[error("no signing key with this kid")]
    UnknownKid,
    /// The key endpoint failed and no cached key matches.
    #[error("the signing keys could not be fetched: {0}")]
    Unavailable(String),
}

type KeyMap = HashMap<String, Arc<PublicKey>>;

/// One RS256 signing key, parsed once: a verification costs the RSA arithmetic alone (a key
/// built from its modulus and exponent on every verification costs half as much again).
pub(crate) struct PublicKey(ParsedPublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicKey(RS256)")
    }
}

impl PublicKey {
    /// The RSA key of modulus `n` and exponent `e` (big-endian), for RS256 (PKCS#1 v1.5 with
    /// SHA-256, a modulus of 2048 to 8192 bits).
    fn rsa(n: &[u8], e: &[u8]) -> Result<PublicKey, String> {
        let der = der_sequence(&[der_integer(n), der_integer(e)]);
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .map(PublicKey)
            .map_err(|e| format!("not an RS256 key: {e}"))
    }

    /// Whether `signature` signs `message` under this key.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

/// A DER length.
fn der_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

/// A non-negative DER INTEGER of big-endian `bytes`.
fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len().saturating_sub(1));
    let bytes = &bytes[first..];
    let pad = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut out = vec![0x02];
    der_length(bytes.len() + usize::from(pad), &mut out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(bytes);
    out
}

/// A DER SEQUENCE of `items`: an RSAPublicKey (RFC 8017, A.1.1) of the modulus and exponent.
fn der_sequence(items: &[Vec<u8>]) -> Vec<u8> {
    let len = items.iter().map(Vec::len).sum();
    let mut out = vec![0x30];
    der_length(len, &mut out);
    items.iter().for_each(|item| out.extend_from_slice(item));
    out
}

/// Where the keys come from.
enum Source {
    Url { http: reqwest::Client, url: String },
    Static,
}

/// The outcome of the last fetches.
#[derive(Default)]
struct FetchState {
    last_success: Option<Instant>,
    failure: Option<(Instant, String)>,
}

struct Inner {
    keys: RwLock<Arc<KeyMap>>,
    source: Source,
    // Held while fetching so concurrent misses wait for one fetch.
    fetch: tokio::sync::Mutex<FetchState>,
    refetch_interval: Duration,
    refresh_interval: Duration,
    // Counts the fetches that withdrew a key: claims verified under an older epoch have their
    // key looked up again.
    withdrawals: AtomicU64,
    // When the next periodic refresh is due, in milliseconds since `base`.
    next_refresh: AtomicU64,
    // Fetches that failed in a row (the next periodic one comes sooner).
    failed_in_a_row: std::sync::atomic::AtomicU32,
    base: Instant,
    fetches: AtomicU64,
}

/// A cache of one pool's RS256 signing keys.
pub(crate) struct Jwks {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match &self.inner.source {
            Source::Url { url, .. } => url.as_str(),
            Source::Static => "(static)",
        };
        f.debug_struct("Jwks").field("url", &url).field("keys", &self.cached_kids()).finish()
    }
}

impl Jwks {
    /// Keys fetched from `url`, each fetch bounded by `timeout`; an unknown `kid` refetches at
    /// most once per `refetch_interval`, and the set is fetched again every `refresh_interval`.
    /// Nothing is fetched until [`Jwks::refresh`] or a miss.
    pub(crate) fn from_url(
        url: impl Into<String>,
        timeout: Duration,
        refetch_interval: Duration,
        refresh_interval: Duration,
    ) -> Jwks {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Jwks::new(Source::Url { http, url: url.into() }, refetch_interval, refresh_interval)
    }

    /// Fixed keys from a JWKS document; never fetches.
    pub(crate) fn from_json(json: &str) -> Result<Jwks, String> {
        let jwks = Jwks::new(Source::Static, Duration::MAX, Duration::MAX);
        let keys = parse(json.as_bytes())?;
        *jwks.inner.keys.write() = Arc::new(keys);
        Ok(jwks)
    }

    fn new(source: Source, refetch_interval: Duration, refresh_interval: Duration) -> Jwks {
        Jwks {
            inner: Arc::new(Inner {
                keys: RwLock::new(Arc::new(HashMap::new())),
                source,
                fetch: tokio::sync::Mutex::new(FetchState::default()),
                refetch_interval,
                refresh_interval,
                withdrawals: AtomicU64::new(0),
                next_refresh: AtomicU64::new(millis(refresh_interval)),
                failed_in_a_row: Default::default(),
                base: Instant::now(),
                fetches: Default::default(),
            }),
        }
    }

    /// The key for `kid`, fetching the key set when it is not cached and the rate limit allows.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<PublicKey>, KeyError> {
        let inner = &self.inner;
        if let Some(key) = inner.cached(kid) {
            return Ok(key);
        }
        let Source::Url { .. } = &inner.source else {
            return Err(KeyError::UnknownKid);
        };
        let mut state = inner.fetch.lock().await;
        // Whoever held the lock before us may have fetched this very key.
        if let Some(key) = inner.cached(kid) {
            return Ok(key);
        }
        // A fetch that just failed says nothing about this kid: unavailable, not unknown.
        if let Some((at, why)) = &state.failure {
            if at.elapsed() < RETRY_AFTER_FAILURE.min(inner.refetch_interval) {
                return Err(KeyError::Unavailable(why.clone()));
            }
        }
        let fresh = state.last_success.is_some_and(|at| at.elapsed() < inner.refetch_interval);
        if fresh && state.failure.is_none() {
            return Err(KeyError::UnknownKid);
        }
        inner.fetch_now(&mut state).await.map_err(KeyError::Unavailable)?;
        inner.cached(kid).ok_or(KeyError::UnknownKid)
    }

    /// Fetches the key set now (at ignite), whatever the rate limit; keeps the cache on failure.
    pub(crate) async fn refresh(&self) -> Result<usize, String> {
        let mut state = self.inner.fetch.lock().await;
        let result = self.inner.fetch_now(&mut state).await;
        // The first requests may come long after: they try again rather than wait out a retry.
        state.failure = None;
        result
    }

    /// Starts the periodic refresh in the background when it is due at `now` (the request's
    /// monotonic time; one request claims it, none waits for it). A fetch that fails keeps the
    /// cached keys.
    pub(crate) fn refresh_if_due(&self, now: Instant) {
        let inner = &self.inner;
        if matches!(inner.source, Source::Static) {
            return;
        }
        let due = inner.next_refresh.load(Ordering::Relaxed);
        let now = millis(now.saturating_duration_since(inner.base));
        if now < due {
            return;
        }
        let next = now.saturating_add(millis(inner.refresh_interval));
        if inner.next_refresh.compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = self.inner.clone();
        runtime.spawn(async move {
            let mut state = inner.fetch.lock().await;
            let _ = inner.fetch_now(&mut state).await;
        });
    }

    /// Whether claims verified with `kid` when `withdrawals` was `epoch` are still under a key
    /// of the pool: always, unless a fetch withdrew a key since.
    pub(crate) fn still_trusted(&self, kid: &str, epoch: u64) -> bool {
        epoch == self.withdrawals() || self.inner.cached(kid).is_some()
    }

    /// How many fetches withdrew a key so far.
    pub(crate) fn withdrawals(&self) -> u64 {
        self.inner.withdrawals.load(Ordering::Acquire)
    }

    /// The `kid`s now cached.
    pub(crate) fn cached_kids(&self) -> Vec<String> {
        let mut kids: Vec<_> = self.inner.keys.read().keys().cloned().collect();
        kids.sort();
        kids
    }

    /// How many fetches were attempted since start (for tests and metrics).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }
}

impl Inner {
    async fn fetch_now(&self, state: &mut FetchState) -> Result<usize, String> {
        let Source::Url { http, url } = &self.source else {
            return Ok(self.keys.read().len());
        };
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let keys = async {
            let mut response = http.get(url).send().await.map_err(|e| e.without_url().to_string())?;
            if !response.status().is_success() {
                return Err(format!("the key endpoint answered {}", response.status()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| e.without_url().to_string())? {
                if body.len() + chunk.len() > MAX_JWKS_BYTES {
                    return Err("the key set is larger than 256 KiB".into());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body)
        }
        .await;
        let result = match keys {
            Ok(keys) if !keys.is_empty() => {
                let count = keys.len();
                let mut cached = self.keys.write();
                let withdrawn: Vec<_> = cached.keys().filter(|kid| !keys.contains_key(*kid)).cloned().collect();
                *cached = Arc::new(keys);
                drop(cached);
                if !withdrawn.is_empty() {
                    log::warn!(
                        "rocket_warrant: the pool withdrew signing key(s) {withdrawn:?}; their tokens are refused"
                    );
                    self.withdrawals.fetch_add(1, Ordering::AcqRel);
                }
                Ok(count)
            }
            Ok(_) => Err("the key set holds no RS256 signing key".to_owned()),
            Err(e) => Err(e),
        };
        let now = Instant::now();
        crate::metrics::key_fetch(result.is_ok(), *result.as_ref().unwrap_or(&0));
        match &result {
            Ok(_) => {
                state.last_success = Some(now);
                state.failure = None;
                self.failed_in_a_row.store(0, Ordering::Relaxed);
                let next = millis(self.base.elapsed()).saturating_add(millis(self.refresh_interval));
                self.next_refresh.store(next, Ordering::Relaxed);
            }
            Err(e) => {
                log::warn!("rocket_warrant: fetching the signing keys from {url} failed: {e}");
                state.failure = Some((now, e.clone()));
                let failed = self.failed_in_a_row.fetch_add(1, Ordering::Relaxed);
                let retry = retry_after(failed, self.refresh_interval);
                let next = millis(self.base.elapsed()).saturating_add(millis(retry));
                // Sooner only: a refresh already due earlier stays due.
                self.next_refresh.fetch_min(next, Ordering::Relaxed);
            }
        }
        result
    }

    fn cached(&self, kid: &str) -> Option<Arc<PublicKey>> {
        self.keys.read().get(kid).cloned()
    }
}

/// How long after the `failed`-th failure in a row (from 0) the periodic refresh is tried again.
fn retry_after(failed: u32, refresh_interval: Duration) -> Duration {
    let backoff = RETRY_PERIODIC_FIRST.saturating_mul(1 << failed.min(16));
    backoff.min(RETRY_PERIODIC_AT_MOST).min(refresh_interval)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The RS256 signature keys of a JWKS document; other keys are skipped.
fn parse(body: &[u8]) -> Result<KeyMap, String> {
    let set: JwkSet = serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = &jwk.common.key_id else {
            continue;
        };
        let rs256 = matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256));
        let sig = matches!(jwk.common.public_key_use, None | Some(PublicKeyUse::Signature));
        let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            continue;
        };
        if !(rs256 && sig) {
            continue;
        }
        // RFC 7518 writes them unpadded; a padded one is read too.
        let b64 = base64::engine::GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let key = match (b64.decode(&rsa.n), b64.decode(&rsa.e)) {
            (Ok(n), Ok(e)) => PublicKey::rsa(&n, &e),
            _ => Err("its modulus or exponent is not base64url".to_owned()),
        };
        match key {
            Ok(key) => {
                keys.insert(kid.clone(), Arc::new(key));
            }
            Err(e) => log::warn!("rocket_warrant: skipping signing key {kid:?}: {e}"),
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// The offline key's material under the given kids, as a JWKS document.
    fn jwks_of(kids: &[&str]) -> String {
        let offline: serde_json::Value = serde_json::from_str(include_str!("../testing/offline-jwks.json")).unwrap();
        let key = &offline["keys"][0];
        let keys: Vec<_> = kids
            .iter()
            .map(|kid| {
                let mut key = key.clone();
                key["kid"] = (*kid).into();
                key
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    /// A key endpoint serving whatever the test puts in `body` (status and bytes): how the pool
    /// rotates or withdraws keys, or fails, which the emulator cannot do.
    struct Endpoint {
        url: String,
        body: Arc<Mutex<(u16, Vec<u8>)>>,
    }

    async fn endpoint(status: u16, body: impl Into<Vec<u8>>) -> Endpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
        let body = Arc::new(Mutex::new((status, body.into())));
        let serving = body.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (status, bytes) = serving.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head =
                        format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", bytes.len());
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&bytes).await;
                });
            }
        });
        Endpoint { url, body }
    }

    impl Endpoint {
        fn serve(&self, status: u16, body: impl Into<Vec<u8>>) {
            *self.body.lock().unwrap() = (status, body.into());
        }
    }

    fn jwks_at(url: &str, refetch: Duration, refresh: Duration) -> Jwks {
        Jwks::from_url(url, Duration::from_secs(5), refetch, refresh)
    }

    #[test]
    fn only_rs256_signature_keys_are_kept() {
        let mut doc: serde_json::Value =
            serde_json::from_str(&jwks_of(&["sig", "enc", "es256", "no-use", "hs"])).unwrap();
        doc["keys"][1]["use"] = "enc".into();
        doc["keys"][2]["alg"] = "ES256".into();
        doc["keys"][3].as_object_mut().unwrap().remove("use");
        doc["keys"][4] = serde_json::json!({ "kty": "oct", "kid": "hs", "k": "c2VjcmV0" });
        let mut without_kid = doc["keys"][0].clone();
        without_kid.as_object_mut().unwrap().remove("kid");
        doc["keys"].as_array_mut().unwrap().push(without_kid);
        let keys = parse(doc.to_string().as_bytes()).unwrap();
        let mut kids: Vec<_> = keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, ["no-use", "sig"]);
        assert!(parse(b"{\"keys\": 1}").is_err());
        assert!(parse(b"not json").unwrap_err().starts_with("not a JWKS document"));
    }

    #[test]
    fn a_static_key_set_never_fetches_and_debug_names_its_keys() {
        let jwks = Jwks::from_json(&jwks_of(&["b", "a"])).unwrap();
        assert_eq!(jwks.cached_kids(), ["a", "b"]);
        assert_eq!(format!("{jwks:?}"), r#"Jwks { url: "(static)", keys: ["a", "b"] }"#);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        assert!(runtime.block_on(jwks.key("a")).is_ok());
        assert_eq!(runtime.block_on(jwks.key("c")).err(), Some(KeyError::UnknownKid));
        assert_eq!(jwks.fetch_count(), 0);
    }

    #[tokio::test]
    async fn a_key_set_of_up_to_256_kib_is_read_and_a_larger_one_refused() {
        // Exactly `bytes` long: a key the parser skips, then whitespace.
        let padded = |bytes: usize| {
            let mut doc: serde_json::Value = serde_json::from_str(&jwks_of(&["k"])).unwrap();
            doc["keys"].as_array_mut().unwrap().push(serde_json::json!({ "kty": "oct", "k": "x".repeat(bytes / 2) }));
            let mut text = doc.to_string();
            assert!(text.len() <= bytes);
            text.push_str(&" ".repeat(bytes - text.len()));
            text
        };
        for size in [2 * 1024, MAX_JWKS_BYTES] {
            let server = endpoint(200, padded(size)).await;
            let jwks = jwks_at(&server.url, Duration::ZERO, Duration::MAX);
            assert_eq!(jwks.refresh().await, Ok(1), "{size} bytes");
            assert_eq!(format!("{jwks:?}"), format!(r#"Jwks {{ url: "{}", keys: ["k"] }}"#, server.url));
        }

        let server = endpoint(200, padded(MAX_JWKS_BYTES + 1)).await;
        let jwks = jwks_at(&server.url, Duration::ZERO, Duration::MAX);
        assert_eq!(jwks.refresh().await, Err("the key set is larger than 256 KiB".to_owned()));
    }

    #[tokio::test]
    async fn a_failed_or_empty_fetch_keeps_the_cached_keys() {
        let server = endpoint(200, jwks_of(&["a"])).await;
        let jwks = jwks_at(&server.url, Duration::ZERO, Duration::MAX);
        assert_eq!(jwks.refresh().await, Ok(1));
        server.serve(200, jwks_of(&[]));
        assert_eq!(jwks.refresh().await, Err("the key set holds no RS256 signing key".to_owned()));
        server.serve(500, "oops");
        assert!(jwks.refresh().await.unwrap_err().contains("500"));
        assert_eq!(jwks.cached_kids(), ["a"], "an outage is not a withdrawal");
        assert_eq!(jwks.withdrawals(), 0);
        assert!(jwks.key("a").await.is_ok());
    }

    #[tokio::test]
    async fn an_unknown_kid_refetches_once_per_interval_and_a_failure_once_a_second() {
        let server = endpoint(200, jwks_of(&["a"])).await;
        let jwks = jwks_at(&server.url, Duration::from_secs(60), Duration::MAX);
        assert!(jwks.key("a").await.is_ok(), "a miss fetches");
        assert_eq!(jwks.fetch_count(), 1);
        // Fetched just now: an unknown kid is unknown, without another fetch.
        server.serve(200, jwks_of(&["a", "b"]));
        assert_eq!(jwks.key("b").await.err(), Some(KeyError::UnknownKid));
        assert_eq!(jwks.fetch_count(), 1);

        // With no rate limit the miss fetches the new key.
        let jwks = jwks_at(&server.url, Duration::ZERO, Duration::MAX);
        server.serve(200, jwks_of(&["a"]));
        assert!(jwks.key("a").await.is_ok());
        server.serve(200, jwks_of(&["a", "b"]));
        assert!(jwks.key("b").await.is_ok(), "the rotated-in key is fetched");
        assert_eq!(jwks.fetch_count(), 2);

        // A failed fetch makes the next misses unavailable, not unknown, for a second, with no
        // fetch; then the endpoint is asked again.
        let jwks = jwks_at(&server.url, Duration::from_secs(60), Duration::MAX);
        server.serve(503, "down");
        assert!(matches!(jwks.key("a").await, Err(KeyError::Unavailable(_))));
        assert!(matches!(jwks.key("a").await, Err(KeyError::Unavailable(_))));
        assert_eq!(jwks.fetch_count(), 1, "one fetch while it fails");
        server.serve(200, jwks_of(&["a"]));
        tokio::time::sleep(RETRY_AFTER_FAILURE + Duration::from_millis(100)).await;
        assert!(jwks.key("a").await.is_ok(), "asked again after a second");
        assert_eq!(jwks.fetch_count(), 2);
    }

    #[test]
    fn a_failed_refresh_is_tried_again_sooner_backing_off() {
        let hour = Duration::from_secs(3600);
        let waits: Vec<u64> = (0..9).map(|n| retry_after(n, hour).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_after(0, Duration::from_millis(300)), Duration::from_millis(300), "never past the interval");
        assert_eq!(retry_after(u32::MAX, hour), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn a_key_withdrawn_while_the_endpoint_failed_is_refused_soon_after_it_answers() {
        let server = endpoint(200, jwks_of(&["a", "b"])).await;
        // A periodic refresh every minute: without a sooner retry the failure below would keep
        // the withdrawn key trusted for another minute.
        let refresh = Duration::from_secs(60);
        let jwks = jwks_at(&server.url, Duration::from_secs(60), refresh);
        assert_eq!(jwks.refresh().await, Ok(2));
        server.serve(503, "down");
        // Due when the refresh set it (the first fetch's own time counts, which a loaded
        // machine makes long), not when the test guesses.
        let due = jwks.inner.base + Duration::from_millis(jwks.inner.next_refresh.load(Ordering::Relaxed));
        assert!(due >= jwks.inner.base + refresh);
        jwks.refresh_if_due(due);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while jwks.inner.failed_in_a_row.load(Ordering::Relaxed) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "the due refresh never failed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(jwks.fetch_count(), 2);
        // The endpoint answers again, without key a.
        server.serve(200, jwks_of(&["b"]));
        jwks.refresh_if_due(due + Duration::from_millis(1100));
        while jwks.withdrawals() == 0 {
            assert!(tokio::time::Instant::now() < deadline, "the retry never came");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(jwks.fetch_count(), 3, "retried a second after the failure, not a minute");
        assert_eq!(jwks.cached_kids(), ["b"]);
        assert!(!jwks.still_trusted("a", 0));
    }

    #[tokio::test]
    async fn a_withdrawn_key_stops_being_trusted_once_the_periodic_refresh_sees_it() {
        let server = endpoint(200, jwks_of(&["a", "b"])).await;
        let refresh = Duration::from_millis(200);
        let jwks = jwks_at(&server.url, Duration::from_secs(60), refresh);
        assert_eq!(jwks.refresh().await, Ok(2));
        assert_eq!(jwks.withdrawals(), 0);
        // No withdrawal since: claims of any kid verified at epoch 0 stand.
        assert!(jwks.still_trusted("a", 0) && jwks.still_trusted("gone", 0));

        server.serve(200, jwks_of(&["b"]));
        jwks.refresh_if_due(Instant::now());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(jwks.fetch_count(), 1, "not due yet");
        tokio::time::sleep(refresh).await;
        jwks.refresh_if_due(Instant::now());
        jwks.refresh_if_due(Instant::now());
        // The refresh runs in the background: wait (bounded) for its last effect, the
        // withdrawal count, rather than for a guessed time.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while jwks.withdrawals() == 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(jwks.fetch_count(), 2, "due: one refresh, in the background");
        assert_eq!(jwks.cached_kids(), ["b"]);
        assert_eq!(jwks.withdrawals(), 1);
        assert!(!jwks.still_trusted("a", 0), "verified before the withdrawal, under the withdrawn key");
        assert!(jwks.still_trusted("b", 0), "verified before it, under a key still there");
        assert!(jwks.still_trusted("a", 1), "verified since (then its key was found)");
        assert_eq!(jwks.key("a").await.err(), Some(KeyError::UnknownKid));

        // A second withdrawal counts again.
        server.serve(200, jwks_of(&["c"]));
        assert_eq!(jwks.refresh().await, Ok(1));
        assert_eq!(jwks.withdrawals(), 2);
    }
}
