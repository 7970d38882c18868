//! A clock a test moves by hand.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::tokens::clock::Clock;
use crate::tokens::unix_now;

/// A clock that reads the system time until a test sets it, to see tokens expire without
/// waiting: hand it to [`CognitoFairing::with_clock`](crate::CognitoFairing::with_clock).
///
/// ```
/// use rocket_warrant::testing::{Clock, ManualClock};
///
/// let clock = ManualClock::default();
/// clock.set(1_700_000_000);
/// clock.advance(3600);
/// assert_eq!(clock.now(), 1_700_003_600);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// From now on the clock reads `t` (seconds since the epoch).
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }

    /// Moves the clock on by `secs` from what it reads now.
    pub fn advance(&self, secs: i64) {
        self.set(self.now() + secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        match self.0.load(Ordering::SeqCst) {
            0 => unix_now(),
            set => set,
        }
    }
}
