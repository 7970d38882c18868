//! Refreshing a session's tokens, once for all the requests that need it at the same moment.
//!
//! A page that fires twenty requests just after its access token expired must not cost twenty
//! calls to Cognito: requests carrying the same refresh token wait for one refresh and share
//! its result for a short while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cache::{digest, TokenDigest};
use crate::cognito::Tokens;
use crate::error::Error;
use crate::fairing::Cognito;
use crate::verify::Claims;

/// How long a refresh's outcome is shared with requests that carry the same refresh token.
const SHARE_FOR: Duration = Duration::from_secs(20);

/// How long a transient failure (Cognito unreachable, throttling) is shared: long enough that a
/// burst fails fast together, short enough that the next page view tries again.
const SHARE_FAILURE_FOR: Duration = Duration::from_secs(2);

/// Flights kept before finished ones are swept.
const SWEEP_AT: usize = 1024;

/// A refreshed session: the new tokens and the new access token's claims.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The new ID and access tokens, and the (unchanged) refresh token.
    pub tokens: Tokens,
    /// The verified claims of the new access token.
    pub access_claims: Arc<Claims>,
}

// The outcome and the instant until which it is shared.
type Flight = Arc<tokio::sync::Mutex<Option<(Instant, Result<Refreshed, Error>)>>>;

/// Refreshes in flight, by refresh-token digest.
#[derive(Debug, Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<HashMap<TokenDigest, Flight>>,
    calls: std::sync::atomic::AtomicU64,
}

impl RefreshFlights {
    fn flight(&self, key: TokenDigest) -> Flight {
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

impl Cognito {
    /// New tokens for a refresh token (`REFRESH_TOKEN_AUTH`, SECRET_HASH from `cognito_username`),
    /// verified. Concurrent calls with the same refresh token make one call to Cognito.
    pub async fn refresh(&self, refresh_token: &str, cognito_username: &str) -> Result<Refreshed, Error> {
        let flight = self.inner.refreshes.flight(digest(refresh_token));
        let mut outcome = flight.lock().await;
        if let Some((until, result)) = outcome.as_ref() {
            if *until > Instant::now() {
                return result.clone();
            }
        }
        self.inner.refreshes.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = async {
            let tokens = self.client().refresh(refresh_token, cognito_username).await?;
            let (_, access_claims) = self.verify_pair(&tokens).await?;
            Ok(Refreshed { tokens, access_claims })
        }
        .await;
        let share = match &result {
            Ok(_) | Err(Error::SessionExpired) => SHARE_FOR,
            Err(_) => SHARE_FAILURE_FOR,
        };
        *outcome = Some((Instant::now() + share, result.clone()));
        result
    }

    /// Calls to Cognito's refresh made since start (for tests and metrics).
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}
