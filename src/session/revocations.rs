//! Sharing revocations between instances: each records its own in the session store, and reads
//! the others' at most every `revocation_sync_secs`, on the request that finds the list due (no
//! request waits for it, unless the list is older than twice the interval: an instance that sat
//! idle reads it before it answers).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::store::{Revocation, SessionStore};
use crate::tokens::{Now, Revoked};

/// Revocations are read again from this far before the last read: instances whose clocks
/// differ by less than this miss none.
const CLOCK_MARGIN_SECS: i64 = 60;

pub(crate) struct RevocationSync {
    revoked: Arc<Revoked>,
    store: Option<Arc<dyn SessionStore>>,
    interval: Duration,
    base: Instant,
    // Milliseconds since `base` at the last read, plus one (0: never read).
    read_at: AtomicU64,
    // Revocations recorded from this instant on (seconds since the epoch) are read next.
    cursor: AtomicI64,
    reading: tokio::sync::Mutex<()>,
}

impl RevocationSync {
    /// Revocations kept in `revoked`, shared through `store` when there is one.
    pub(crate) fn new(revoked: Arc<Revoked>, store: Option<Arc<dyn SessionStore>>, interval: Duration) -> Self {
        RevocationSync {
            revoked,
            store,
            interval,
            base: Instant::now(),
            read_at: AtomicU64::new(0),
            cursor: AtomicI64::new(i64::MIN),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.ms_at(Instant::now())
    }

    fn ms_at(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    /// Reads the other instances' revocations when the list is due (`now` the request's time).
    pub(crate) async fn refresh(&self, at: Now) {
        let Some(store) = self.store.as_deref().filter(|_| self.revoked.enabled()) else {
            return;
        };
        let now = at.unix;
        let interval = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        let read_at = self.read_at.load(Ordering::Acquire);
        let age = self.ms_at(at.mono).saturating_sub(read_at.saturating_sub(1));
        if read_at != 0 && age < interval {
            return;
        }
        if read_at != 0 && age < interval.saturating_mul(2) {
            // One request reads; the others go on with a list less than two intervals old.
            if let Ok(_reading) = self.reading.try_lock() {
                self.read(store, now).await;
            }
            return;
        }
        let _reading = self.reading.lock().await;
        let read_at = self.read_at.load(Ordering::Acquire);
        if read_at == 0 || self.elapsed_ms().saturating_sub(read_at - 1) >= interval {
            self.read(store, now).await;
        }
    }

    async fn read(&self, store: &dyn SessionStore, now: i64) {
        let since = self.cursor.load(Ordering::Acquire);
        match store.revocations(since, now).await {
            Ok(list) => {
                self.revoked.add(&list);
                self.revoked.sweep(now);
                self.cursor.store(now.saturating_sub(CLOCK_MARGIN_SECS), Ordering::Release);
            }
            // Tried again after an interval; a database outage must not hold up every request.
            Err(e) => log::warn!("rocket_warrant: reading the revoked tokens failed ({e}); retrying"),
        }
        self.read_at.store(self.elapsed_ms().saturating_add(1), Ordering::Release);
    }

    /// Revokes on this instance at once, and records it for the others.
    pub(crate) async fn revoke(&self, revocation: Revocation) {
        if !self.revoked.enabled() {
            return;
        }
        self.revoked.add([&revocation]);
        if let Some(store) = &self.store {
            if let Err(e) = store.revoke(&revocation).await {
                log::warn!("rocket_warrant: recording a revocation failed ({e}); only this instance refuses the token");
            }
        }
    }
}
