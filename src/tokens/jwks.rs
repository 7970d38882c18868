//! The pool's signing keys: fetched once, cached for the process, refetched on an unknown `kid`
//! at most once per interval, with concurrent misses sharing one fetch.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::DecodingKey;

/// A JWKS larger than this is refused (Cognito's is about 1 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a key could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyError {
    /// The keys are known and this `kid` is not among them.
    #[error("no signing key with this kid")]
    UnknownKid,
    /// The key endpoint failed and no cached key matches.
    #[error("the signing keys could not be fetched: {0}")]
    Unavailable(String),
}

type KeyMap = HashMap<String, Arc<DecodingKey>>;

/// Where the keys come from.
enum Source {
    Url { http: reqwest::Client, url: String },
    Static,
}

/// A cache of one pool's RS256 signing keys.
pub(crate) struct Jwks {
    keys: RwLock<Arc<KeyMap>>,
    source: Source,
    // Held while fetching so concurrent misses wait for one fetch; holds the last attempt's time.
    fetch: tokio::sync::Mutex<Option<Instant>>,
    refetch_interval: Duration,
    fetches: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match &self.source {
            Source::Url { url, .. } => url.as_str(),
            Source::Static => "(static)",
        };
        f.debug_struct("Jwks").field("url", &url).field("keys", &self.cached_kids()).finish()
    }
}

impl Jwks {
    /// Keys fetched from `url`, each fetch bounded by `timeout`; an unknown `kid` refetches at
    /// most once per `refetch_interval`. Nothing is fetched until [`Jwks::refresh`] or a miss.
    pub(crate) fn from_url(url: impl Into<String>, timeout: Duration, refetch_interval: Duration) -> Jwks {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Jwks::new(Source::Url { http, url: url.into() }, refetch_interval)
    }

    /// Fixed keys from a JWKS document; never fetches.
    pub(crate) fn from_json(json: &str) -> Result<Jwks, String> {
        let jwks = Jwks::new(Source::Static, Duration::MAX);
        let keys = parse(json.as_bytes())?;
        *jwks.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        Ok(jwks)
    }

    fn new(source: Source, refetch_interval: Duration) -> Jwks {
        Jwks {
            keys: RwLock::new(Arc::new(HashMap::new())),
            source,
            fetch: tokio::sync::Mutex::new(None),
            refetch_interval,
            fetches: Default::default(),
        }
    }

    /// The key for `kid`, fetching the key set when it is not cached and the rate limit allows.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, KeyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let Source::Url { .. } = &self.source else {
            return Err(KeyError::UnknownKid);
        };
        let mut last_attempt = self.fetch.lock().await;
        // Whoever held the lock before us may have fetched this very key.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if last_attempt.is_some_and(|at| at.elapsed() < self.refetch_interval) {
            return Err(KeyError::UnknownKid);
        }
        *last_attempt = Some(Instant::now());
        self.fetch_now().await.map_err(KeyError::Unavailable)?;
        self.cached(kid).ok_or(KeyError::UnknownKid)
    }

    /// Fetches the key set now (at ignite), whatever the rate limit; keeps the cache on failure.
    pub(crate) async fn refresh(&self) -> Result<usize, String> {
        let _guard = self.fetch.lock().await;
        self.fetch_now().await
    }

    async fn fetch_now(&self) -> Result<usize, String> {
        let Source::Url { http, url } = &self.source else {
            return Ok(self.cached_kids().len());
        };
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        match keys {
            Ok(keys) if !keys.is_empty() => {
                let count = keys.len();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                Ok(count)
            }
            Ok(_) => Err("the key set holds no RS256 signing key".into()),
            Err(e) => {
                log::warn!("rocket_warrant: fetching the signing keys from {url} failed: {e}");
                Err(e)
            }
        }
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).get(kid).cloned()
    }

    /// The `kid`s now cached.
    pub(crate) fn cached_kids(&self) -> Vec<String> {
        let mut kids: Vec<_> = self.keys.read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect();
        kids.sort();
        kids
    }

    /// How many fetches were attempted since start (for tests and metrics).
    #[cfg(feature = "testing")]
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }
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
        if !(rs256 && sig && matches!(jwk.algorithm, AlgorithmParameters::RSA(_))) {
            continue;
        }
        match DecodingKey::from_jwk(jwk) {
            Ok(key) => {
                keys.insert(kid.clone(), Arc::new(key));
            }
            Err(e) => log::warn!("rocket_warrant: skipping signing key {kid:?}: {e}"),
        }
    }
    Ok(keys)
}
