//! Refreshing a session's tokens, once for all the requests that need it at the same moment.
//!
//! A page that fires twenty requests just after its access token expired must not cost twenty
//! calls to Cognito: requests carrying the same refresh token wait for one refresh and share
//! its result for a short while.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
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

/// A refresh's outcome and the instant until which it is shared.
type Flight = Arc<tokio::sync::Mutex<Option<(Instant, Result<Refreshed, Error>)>>>;

/// Refreshes in flight, by the digest of the refresh token sent; and with rotation, the digest
/// of the refresh token each gave, to the one it was sent with (for a sign-out with the new
/// token to end the flight too: a request that carries the new token needs a refresh of its
/// own, not this one's tokens).
#[derive(Default)]
struct Flights {
    sent: HashMap<[u8; 32], Flight>,
    rotated: HashMap<[u8; 32], [u8; 32]>,
}

/// Refreshes in flight.
#[derive(Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<Flights>,
}

impl std::fmt::Debug for RefreshFlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.flights.lock().sent.len();
        f.debug_struct("RefreshFlights").field("len", &len).finish()
    }
}

impl RefreshFlights {
    fn flight(&self, key: [u8; 32]) -> Flight {
        let mut flights = self.flights.lock();
        if flights.sent.len() >= SWEEP_AT {
            // Only flights nobody waits on and whose result is stale can go.
            flights.sent.retain(|_, f| {
                Arc::strong_count(f) > 1
                    || f.try_lock()
                        .map(|r| r.as_ref().is_some_and(|(until, _)| *until > Instant::now()))
                        .unwrap_or(true)
            });
            let Flights { sent, rotated } = &mut *flights;
            rotated.retain(|_, key| sent.contains_key(key));
        }
        flights.sent.entry(key).or_default().clone()
    }

    /// The outcome of `refresh` for `refresh_token`, run once for every caller that carries the
    /// same refresh token at the same moment (and shared with those that come shortly after).
    /// The caller checks what it is handed as it checks any credential.
    pub(crate) async fn run<F>(&self, refresh_token: &str, refresh: F) -> Result<Refreshed, Error>
    where
        F: std::future::Future<Output = Result<Refreshed, Error>>,
    {
        let key = digest(refresh_token);
        let flight = self.flight(key);
        let mut outcome = flight.lock().await;
        if let Some((until, result)) = outcome.as_ref() {
            if *until > Instant::now() {
                return result.clone();
            }
        }
        let result = refresh.await;
        let share = match &result {
            Ok(_) | Err(Error::SessionExpired) => SHARE_FOR,
            Err(_) => SHARE_FAILURE_FOR,
        };
        *outcome = Some((Instant::now() + share, result.clone()));
        if let Ok(refreshed) = &result {
            let rotated = digest(&refreshed.tokens.refresh_token);
            if rotated != key {
                self.flights.lock().rotated.insert(rotated, key);
            }
        }
        result
    }

    /// Ends what was shared for `refresh_token`, the one sent or the one a rotation gave: after
    /// a sign-out no request may be handed the tokens a refresh made before it.
    pub(crate) async fn forget(&self, refresh_token: &str) {
        let key = digest(refresh_token);
        let ended: Vec<Flight> = {
            let mut flights = self.flights.lock();
            let sent = flights.rotated.remove(&key);
            [Some(key), sent].into_iter().flatten().filter_map(|k| flights.sent.remove(&k)).collect()
        };
        for flight in ended {
            // A request already waiting on it gets the outcome; none that comes later does.
            *flight.lock().await = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{Claims, Tokens};

    fn refreshed(refresh_token: &str) -> Refreshed {
        let claims: Claims =
            serde_json::from_value(serde_json::json!({ "sub": "s", "iss": "i", "token_use": "access", "exp": 1 }))
                .unwrap();
        Refreshed {
            tokens: Tokens {
                id_token: "id".into(),
                access_token: "access".into(),
                refresh_token: refresh_token.into(),
            },
            access_claims: Arc::new(claims),
        }
    }

    #[tokio::test]
    async fn a_rotated_refresh_is_forgotten_by_either_token() {
        let flights = RefreshFlights::default();
        let calls = std::sync::atomic::AtomicU32::new(0);
        let call = |new: &'static str| {
            let calls = &calls;
            async move {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(refreshed(new))
            }
        };
        assert_eq!(flights.run("old", call("new")).await.unwrap().tokens.refresh_token, "new");
        // Shared: a late request with the old token gets the same tokens without a call.
        assert_eq!(flights.run("old", call("other")).await.unwrap().tokens.refresh_token, "new");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
        // A sign-out with the new token (the cookie's, after rotation) ends the old token's flight.
        flights.forget("new").await;
        assert!(flights.flights.lock().rotated.is_empty() && flights.flights.lock().sent.is_empty());
        assert_eq!(flights.run("old", call("after")).await.unwrap().tokens.refresh_token, "after");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2, "refreshed again, nothing handed out");
        // A request that carries the rotated token has a refresh of its own.
        assert_eq!(flights.run("after", call("next")).await.unwrap().tokens.refresh_token, "next");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 3);
        // And with the token that was sent.
        flights.forget("after").await;
        assert_eq!(flights.run("after", call("last")).await.unwrap().tokens.refresh_token, "last");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 4);
    }
}
