//! The source of "now" for the time claims; tests move it instead of waiting.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The source of "now" for `exp`, `nbf` and `iat` checks.
///
/// The crate uses the system clock; with the `testing` feature an application's tests can
/// hand the fairing another one ([`CognitoFairing::with_clock`](crate::CognitoFairing::with_clock))
/// to see a token expire without waiting an hour.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// use rocket_warrant::testing::Clock;
///
/// struct Frozen;
/// impl Clock for Frozen {
///     fn now(&self) -> i64 { 1_700_000_000 }
/// }
/// assert_eq!(Frozen.now(), 1_700_000_000);
/// # }
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        unix_now()
    }
}

/// Seconds since the Unix epoch, by the system clock.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A request's time, read once and handed down: the clock's seconds for the time claims, the
/// monotonic instant for the caches' ages (the request path would otherwise read the clocks at
/// every step).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    /// Seconds since the Unix epoch, by the verifier's clock.
    pub(crate) unix: i64,
    /// The monotonic clock.
    pub(crate) mono: Instant,
}
