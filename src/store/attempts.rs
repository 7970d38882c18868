//! The attempts the limits count in front of Cognito: the trait of the stores that count them,
//! and its in-memory counting.

use std::collections::HashMap;

use super::StoreError;

/// Where the limits on attempts ([`Limits`](crate::config::Limits)) are counted, so that every
/// instance that shares the store shares the counts.
///
/// [`SqlitePool`](crate::store::SqlitePool), [`PgPool`](crate::store::PgPool) and
/// [`MysqlPool`](crate::store::MysqlPool) count in the `cognito_attempts` table (the crate's
/// migrations create it), and [`MemoryStore`](crate::store::MemoryStore) in memory. The fairing
/// counts where the sessions are kept: in the database with `session_store = "database"`, in
/// memory otherwise. Implement this to count elsewhere (Redis's `INCR` and `EXPIREAT` do it in
/// one round trip) and hand it to [`CognitoFairing::attempts_in`](crate::CognitoFairing::attempts_in).
///
/// A key is an opaque digest of what is limited (no username or address in the clear); a
/// window is fixed: `window_start` and `window_end` are the same for every attempt in it.
///
/// ```
/// use rocket_warrant::stores::{AttemptStore, MemoryStore};
///
/// # rocket::async_test(async {
/// let store = MemoryStore::new();
/// assert_eq!(store.attempt("k", 0, 60).await.unwrap(), 1);
/// assert_eq!(store.attempt("k", 0, 60).await.unwrap(), 2);
/// assert_eq!(store.attempt("k", 60, 120).await.unwrap(), 1, "a new window counts from one");
/// # });
/// ```
#[rocket::async_trait]
pub trait AttemptStore: Send + Sync + 'static {
    /// Counts one attempt under `key` in the window from `window_start` to `window_end`
    /// (seconds since the epoch), and returns how many the key has in that window, this one
    /// included. A count of an earlier window is dropped; a key already counting in a later
    /// window (an instance whose clock runs ahead) goes on counting there. Atomic: two
    /// instances counting one key at once get two different counts.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn attempt(&self, key: &str, window_start: i64, window_end: i64) -> Result<u64, StoreError>;

    /// Deletes the counts of windows that ended by `now`: how many. The limits call it at most
    /// once an hour per instance; the default deletes nothing (a store whose keys expire by
    /// themselves, as Redis's do, needs nothing more).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn purge_attempts(&self, now: i64) -> Result<u64, StoreError> {
        let _ = now;
        Ok(0)
    }
}

#[rocket::async_trait]
impl<S: AttemptStore + ?Sized> AttemptStore for std::sync::Arc<S> {
    async fn attempt(&self, key: &str, window_start: i64, window_end: i64) -> Result<u64, StoreError> {
        (**self).attempt(key, window_start, window_end).await
    }
    async fn purge_attempts(&self, now: i64) -> Result<u64, StoreError> {
        (**self).purge_attempts(now).await
    }
}

/// One key's count in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counted {
    start: i64,
    end: i64,
    attempts: u64,
}

/// Keys held before the ended windows are first swept out.
const SWEEP_AT: usize = 10_000;

/// The in-memory counts, and how many keys they may hold before the next sweep.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    keys: HashMap<String, Counted>,
    sweep_at: usize,
}

/// Counts an attempt in `counts`: the in-memory side of [`AttemptStore::attempt`].
pub(crate) fn count(counts: &mut Counts, key: &str, start: i64, end: i64) -> u64 {
    if counts.keys.len() >= counts.sweep_at.max(SWEEP_AT) {
        // A window that ended holds nothing a limit reads; what is left is bounded by the
        // attempts of one window. The next sweep waits for twice as many keys, so that many
        // live keys are not swept again at every attempt.
        counts.keys.retain(|_, c| c.end > start);
        counts.sweep_at = counts.keys.len() * 2;
    }
    let counted = counts.keys.entry(key.to_owned()).or_insert(Counted { start, end, attempts: 0 });
    if counted.start < start {
        *counted = Counted { start, end, attempts: 0 };
    }
    counted.attempts += 1;
    counted.attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_alone_and_a_later_one_already_counting_goes_on() {
        let mut counts = Counts::default();
        assert_eq!(count(&mut counts, "a", 0, 60), 1);
        assert_eq!(count(&mut counts, "a", 0, 60), 2);
        assert_eq!(count(&mut counts, "b", 0, 60), 1, "keys apart");
        assert_eq!(count(&mut counts, "a", 60, 120), 1, "the next window starts again");
        assert_eq!(count(&mut counts, "a", 0, 60), 2, "an instance behind counts in the later window");
    }

    #[test]
    fn ended_windows_are_swept_when_many_keys_are_held() {
        let mut counts = Counts::default();
        for n in 0..SWEEP_AT {
            count(&mut counts, &n.to_string(), 0, 60);
        }
        count(&mut counts, "late", 60, 120);
        assert_eq!(counts.keys.len(), 1, "only the live window's key stays");
        // Live keys only: the next sweep waits until they double.
        for n in 0..SWEEP_AT {
            count(&mut counts, &format!("live{n}"), 60, 120);
        }
        assert_eq!(counts.sweep_at, SWEEP_AT * 2, "swept once at the threshold, then twice as many wait");
        assert_eq!(counts.keys.len(), SWEEP_AT + 1, "every live key kept");
    }
}
