//! Refreshing a session's tokens, once for all the requests that need it at the same moment.
//!
//! A page that fires twenty requests just after its access token expired must not cost twenty
//! calls to Cognito: requests carrying the same refresh token wait for one refresh and share
//! its result for a short while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::tokens::{digest, Claims, Tokens};

/// How long a refresh's outcome is shared with requests that carry the same refresh token.
const SHARE_FOR: Duration = Duration::from_secs(20);

/// How long a transient failure (Cognito unreachable, throttling) is shared: long enough that a
/// burst fails fast together, short enough that the next page view tries again.
const SHARE_FAILURE_FOR: Duration = Duration::from_secs(2);

/// Flights kept before finished ones are swept.
const SWEEP_AT: usize = 1024;

/// A refreshed session: the new tokens and the new access token's claims.
#[derive(Debug, Clone)]
pub(crate) struct Refreshed {
    /// The new ID and access tokens, and the (unchanged) refresh token.
    pub(crate) tokens: Tokens,
    /// The verified claims of the new access token.
    pub(crate) access_claims: Arc<Claims>,
}

// The outcome and the instant until which it is shared.
type Flight = Arc<tokio::sync::Mutex<Option<(Instant, Result<Refreshed, Error>)>>>;

/// Refreshes in flight, by refresh-token digest.
#[derive(Debug, Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<HashMap<[u8; 32], Flight>>,
    calls: std::sync::atomic::AtomicU64,
}

impl RefreshFlights {
    fn flight(&self, key: [u8; 32]) -> Flight {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.len() >= SWEEP_AT {
            // Only flights nobody waits on and whose result is stale can go.
            flights.retain(|_, f| {
                Arc::strong_count(f) > 1
                    || f.try_lock()
                        .map(|r| r.as_ref().is_some_and(|(until, _)| *until > Instant::now()))
                        .unwrap_or(true)
            });
        }
        flights.entry(key).or_default().clone()
    }
}

impl RefreshFlights {
    /// The outcome of `refresh` for `refresh_token`, run once for every caller that carries the
    /// same refresh token at the same moment (and shared with those that come shortly after).
    pub(crate) async fn run<F>(&self, refresh_token: &str, refresh: F) -> Result<Refreshed, Error>
    where
        F: std::future::Future<Output = Result<Refreshed, Error>>,
    {
        let flight = self.flight(digest(refresh_token));
        let mut outcome = flight.lock().await;
        if let Some((until, result)) = outcome.as_ref() {
            if *until > Instant::now() {
                return result.clone();
            }
        }
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = refresh.await;
        let share = match &result {
            Ok(_) | Err(Error::SessionExpired) => SHARE_FOR,
            Err(_) => SHARE_FAILURE_FOR,
        };
        *outcome = Some((Instant::now() + share, result.clone()));
        result
    }

    /// Drops what was shared for `refresh_token`: after a sign-out no request may be handed
    /// the tokens a refresh made before it.
    pub(crate) fn forget(&self, refresh_token: &str) {
        self.flights.lock().unwrap_or_else(|e| e.into_inner()).remove(&digest(refresh_token));
    }

    /// Refreshes run since start.
    #[cfg(feature = "testing")]
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}
