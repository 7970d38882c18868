//! One bounded cache for everything the crate keeps in memory between requests (verified tokens,
//! opened cookies, remembered server-side sessions and their cookies, local rows): quick_cache's
//! concurrent S3-FIFO, which, once full, keeps the entries requests keep asking for and drops
//! the ones seen once first, so that a site with more live sessions than its capacity pays a
//! cold check only for the coldest. Entries may also have an age past which they are dead.

use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use quick_cache::{Equivalent, UnitWeighter};

/// The hasher for keys that are SHA-256 digests, uniform already: their first eight bytes.
/// (Not for sealed values or names: those take [`Hashed`]'s default, foldhash.)
#[derive(Default, Clone, Copy)]
pub(crate) struct FirstEightBytes(u64);

impl Hasher for FirstEightBytes {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
}

/// The hasher of digest-keyed caches.
pub(crate) type Digests = BuildHasherDefault<FirstEightBytes>;

/// The hasher of every other cache: foldhash over every byte, seeded per process.
pub(crate) type Hashed = foldhash::fast::RandomState;

#[derive(Clone)]
struct Entry<V> {
    at: Instant,
    value: V,
}

/// At most `capacity` values (0: none is kept), each alive for `max_age` after its insertion
/// when one is set; values are cloned out (an `Arc` keeps that cheap).
pub(crate) struct BoundedCache<K, V, S = Hashed> {
    entries: Option<Cache<K, Entry<V>, UnitWeighter, S>>,
    max_age: Option<Duration>,
}

impl<K: Eq + Hash, V: Clone, S: BuildHasher + Clone> std::fmt::Debug for BoundedCache<K, V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The count alone: keys may be sealed values.
        let (len, capacity) = self.entries.as_ref().map_or((0, 0), |c| (c.len(), c.capacity()));
        f.debug_struct("BoundedCache").field("len", &len).field("capacity", &capacity).finish()
    }
}

impl<K: Eq + Hash, V: Clone, S: BuildHasher + Clone + Default> BoundedCache<K, V, S> {
    /// A cache of at most `capacity` values, each dead `max_age` after it was put in.
    pub(crate) fn new(capacity: usize, max_age: Option<Duration>) -> Self {
        let alive = max_age.is_none_or(|age| !age.is_zero());
        let entries = (capacity > 0 && alive)
            .then(|| Cache::with(capacity, capacity as u64, UnitWeighter, S::default(), Default::default()));
        BoundedCache { entries, max_age }
    }

    /// The value of `key`, unless it is absent or dead at `now`.
    pub(crate) fn get<Q>(&self, key: &Q, now: Instant) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key)?;
        match self.max_age {
            Some(age) if now.saturating_duration_since(entry.at) >= age => {
                entries.remove(key);
                None
            }
            _ => Some(entry.value),
        }
    }

    /// Puts `value` in for `key`, alive from `now`.
    pub(crate) fn insert(&self, key: K, value: V, now: Instant) {
        if let Some(entries) = &self.entries {
            entries.insert(key, Entry { at: now, value });
        }
    }

    /// Forgets `key`.
    pub(crate) fn remove<Q>(&self, key: &Q)
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        if let Some(entries) = &self.entries {
            entries.remove(key);
        }
    }

    /// Keeps only the values `keep` says to.
    pub(crate) fn retain(&self, keep: impl Fn(&K, &V) -> bool) {
        if let Some(entries) = &self.entries {
            entries.retain(|k, e| keep(k, &e.value));
        }
    }

    /// Values held now (dead ones included until they are looked up or pushed out).
    pub(crate) fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, Cache::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize, max_age: Option<Duration>) -> BoundedCache<String, u32> {
        BoundedCache::new(capacity, max_age)
    }

    #[test]
    fn a_value_is_found_by_its_key_until_it_is_removed() {
        let now = Instant::now();
        let c = cache(10, None);
        c.insert("a".into(), 1, now);
        assert_eq!(c.get("a", now), Some(1));
        assert_eq!(c.get("b", now), None);
        c.remove("a");
        assert_eq!(c.get("a", now), None);
        assert_eq!(format!("{c:?}"), "BoundedCache { len: 0, capacity: 10 }");
    }

    #[test]
    fn it_never_holds_more_than_its_capacity_and_keeps_the_hot_entries() {
        let now = Instant::now();
        let c = cache(100, None);
        let hot: Vec<String> = (0..50).map(|i| format!("hot{i}")).collect();
        for key in &hot {
            c.insert(key.clone(), 1, now);
        }
        // Many one-off keys arrive while the hot ones keep being asked for.
        for i in 0..10_000 {
            c.insert(format!("once{i}"), 0, now);
            let key = &hot[i % hot.len()];
            assert!(c.len() <= 100, "{} entries", c.len());
            if c.get(key.as_str(), now).is_none() {
                c.insert(key.clone(), 1, now);
            }
        }
        let kept = hot.iter().filter(|k| c.get(k.as_str(), now).is_some()).count();
        assert!(kept >= 45, "{kept} of 50 hot keys kept among 10,000 one-off ones");
    }

    #[test]
    fn a_value_past_its_age_is_dead() {
        let now = Instant::now();
        let c = cache(10, Some(Duration::from_secs(60)));
        c.insert("a".into(), 1, now);
        assert_eq!(c.get("a", now + Duration::from_secs(59)), Some(1));
        assert_eq!(c.get("a", now + Duration::from_secs(60)), None);
        assert_eq!(c.len(), 0, "dropped once found dead");
    }

    #[test]
    fn capacity_or_age_zero_keeps_nothing() {
        let now = Instant::now();
        for c in [cache(0, None), cache(10, Some(Duration::ZERO))] {
            c.insert("a".into(), 1, now);
            assert_eq!(c.get("a", now), None);
            assert_eq!(c.len(), 0);
        }
    }

    #[test]
    fn retain_keeps_what_it_is_told() {
        let now = Instant::now();
        let c = cache(10, None);
        c.insert("a".into(), 1, now);
        c.insert("b".into(), 2, now);
        c.retain(|_, v| *v == 2);
        assert_eq!((c.get("a", now), c.get("b", now)), (None, Some(2)));
    }

    #[test]
    fn digest_keys_spread_by_their_first_bytes() {
        let state = Digests::default();
        let buckets: std::collections::HashSet<u64> =
            (0..10_000u32).map(|i| state.hash_one(crate::tokens::digest(&i.to_string())) & 0xfff).collect();
        assert!(buckets.len() > 3_600, "{} of 4096 buckets", buckets.len());
    }
}
