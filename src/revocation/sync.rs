//! Sharing revocations between instances: each records its own in the session store, and reads
//! the others' at most every `revocation_sync_secs`, in the background, started by the request
//! that finds the list due. No request waits for a read, except while the list is older than
//! twice the interval (an instance that sat idle): then it waits for the read at most
//! [`WAIT_AT_MOST`], and not at all while the database does not answer (the last read failed),
//! so that a database that hangs never holds up the routes that do not need it.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::list::Revoked;
use crate::store::SessionStore;
use crate::store::{Revocation, RevocationKey};
use crate::tokens::Now;

/// Revocations are read again from this far before the last read: instances whose clocks
/// differ by less than this miss none.
const CLOCK_MARGIN_SECS: i64 = 60;

/// The longest a request waits for a read of a list older than twice the interval.
pub(crate) const WAIT_AT_MOST: Duration = Duration::from_millis(250);

/// A read that has not answered in this long has failed (the database hangs): the next one
/// starts after an interval.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct RevocationSync {
    inner: Arc<Inner>,
}

struct Inner {
    revoked: Arc<Revoked>,
    store: Option<Arc<dyn SessionStore>>,
    interval: Duration,
    base: Instant,
    // Milliseconds since `base` when the last read ended, plus one (0: never read).
    read_at: AtomicU64,
    // Milliseconds since `base` when the read in flight started, plus one (0: none in flight).
    reading_since: AtomicU64,
    // Whether the last read answered.
    answered: AtomicBool,
    // Revocations recorded from this instant on (seconds since the epoch) are read next.
    cursor: AtomicI64,
    // Woken when a read ends.
    ended: tokio::sync::Notify,
    // This instance's revocations the store did not take (the database was down): written
    // before each read until it does, so that the other instances learn of them once it is back.
    unwritten: parking_lot::Mutex<Vec<Revocation>>,
}

impl RevocationSync {
    /// Revocations kept in `revoked`, shared through `store` when there is one.
    pub(crate) fn new(revoked: Arc<Revoked>, store: Option<Arc<dyn SessionStore>>, interval: Duration) -> Self {
        RevocationSync {
            inner: Arc::new(Inner {
                revoked,
                store,
                interval,
                base: Instant::now(),
                read_at: AtomicU64::new(0),
                reading_since: AtomicU64::new(0),
                answered: AtomicBool::new(true),
                cursor: AtomicI64::new(i64::MIN),
                ended: tokio::sync::Notify::new(),
                unwritten: parking_lot::Mutex::new(Vec::new()),
            }),
        }
    }

    /// Reads the other instances' revocations when the list is due (`at` the request's time).
    pub(crate) async fn refresh(&self, at: Now) {
        let inner = &self.inner;
        if inner.store.is_none() || !inner.revoked.enabled() {
            return;
        }
        let interval = millis(inner.interval);
        let now = inner.ms_at(at.mono);
        let read_at = inner.read_at.load(Ordering::Acquire);
        let age = now.saturating_sub(read_at.saturating_sub(1));
        if read_at != 0 && age < interval {
            return;
        }
        let started = inner.start_read(at.unix, now);
        // A list less than two intervals old, or a database that did not answer the last read:
        // this request goes on with the list it has.
        let stale = read_at == 0 || age >= interval.saturating_mul(2);
        if !stale || !inner.answered.load(Ordering::Acquire) {
            return;
        }
        let deadline = started.saturating_add(millis(WAIT_AT_MOST));
        let left = Duration::from_millis(deadline.saturating_sub(inner.ms_at(Instant::now())));
        let ended = inner.ended.notified();
        if inner.reading_since.load(Ordering::Acquire) == 0 {
            return;
        }
        let _ = tokio::time::timeout(left, ended).await;
    }

    /// Reads the revocations before the first request (the fairing, at ignite): waits for the
    /// read, as long as [`READ_TIMEOUT`] at most.
    pub(crate) async fn first_read(&self, at: Now) {
        let inner = &self.inner;
        if inner.store.is_none() || !inner.revoked.enabled() {
            return;
        }
        let ended = inner.ended.notified();
        inner.start_read(at.unix, inner.ms_at(at.mono));
        if inner.reading_since.load(Ordering::Acquire) != 0 {
            let _ = tokio::time::timeout(READ_TIMEOUT, ended).await;
        }
    }

    /// Revokes on this instance at once, and records it for the others.
    pub(crate) async fn revoke(&self, revocation: Revocation) {
        let inner = &self.inner;
        if !inner.revoked.enabled() {
            return;
        }
        inner.revoked.add([&revocation]);
        crate::metrics::revocation(match revocation.key {
            RevocationKey::SignIn(_) => "sign_in",
            RevocationKey::User(_) => "everywhere",
            RevocationKey::Token(_) => "token",
        });
        if let Some(store) = &inner.store {
            if let Err(e) = store.revoke(&revocation).await {
                log::warn!(
                    "rocket_warrant: recording a revocation failed ({e}); this instance refuses the token, and \
                     records it for the others once the database answers"
                );
                inner.unwritten.lock().push(revocation);
            }
        }
    }
}

impl Inner {
    fn ms_at(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    /// Starts a read in the background unless one is in flight; when the read in flight (this
    /// one or an earlier one) started, in milliseconds since `base`.
    fn start_read(self: &Arc<Self>, unix: i64, now: u64) -> u64 {
        let since = now.saturating_add(1);
        match self.reading_since.compare_exchange(0, since, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {}
            Err(in_flight) => return in_flight - 1,
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.reading_since.store(0, Ordering::Release);
            return now;
        };
        let inner = self.clone();
        runtime.spawn(async move {
            inner.read(unix).await;
            inner.reading_since.store(0, Ordering::Release);
            inner.ended.notify_waiters();
        });
        now
    }

    async fn read(&self, now: i64) {
        let Some(store) = self.store.as_deref() else { return };
        // First what the store did not take: kept until it does, or until it has lapsed.
        let unwritten = std::mem::take(&mut *self.unwritten.lock());
        let mut left = Vec::new();
        for revocation in unwritten.into_iter().filter(|r| r.expires_at > now) {
            match tokio::time::timeout(READ_TIMEOUT, store.revoke(&revocation)).await {
                Ok(Ok(_)) => log::info!("rocket_warrant: a revocation the database missed is recorded now"),
                _ => left.push(revocation),
            }
        }
        if !left.is_empty() {
            self.unwritten.lock().extend(left);
        }
        let since = self.cursor.load(Ordering::Acquire);
        let read = tokio::time::timeout(READ_TIMEOUT, store.revocations(since, now)).await;
        let answered = match read {
            Ok(Ok(list)) => {
                self.revoked.add(&list);
                self.revoked.sweep(now);
                self.cursor.store(now.saturating_sub(CLOCK_MARGIN_SECS), Ordering::Release);
                true
            }
            // Tried again after an interval, with no request waiting for it meanwhile.
            Ok(Err(e)) => {
                log::warn!("rocket_warrant: reading the revoked tokens failed ({e}); retrying in the background");
                false
            }
            Err(_) => {
                log::warn!(
                    "rocket_warrant: the database did not answer the read of the revoked tokens in {} s; \
                     requests go on with the revocations known so far",
                    READ_TIMEOUT.as_secs()
                );
                false
            }
        };
        self.answered.store(answered, Ordering::Release);
        self.read_at.store(self.ms_at(Instant::now()).saturating_add(1), Ordering::Release);
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
