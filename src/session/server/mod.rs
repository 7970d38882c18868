//! Server-side sessions (`session_store = "database"`): the browser holds a random 256-bit id,
//! the store holds the tokens (sealed), and each instance remembers the sessions it verified
//! for `session_cache_ttl_secs`, so that the common request makes no database round trip.

mod requests;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::credentials::{Credentials, RowMemory};
use crate::cache::{BoundedCache, Digests};
use crate::cookies::{pack_token, unpack_token, Sealer, SESSION_ID_BYTES};
use crate::error::Error;
use crate::store::{SessionRecord, SessionStore};
use crate::tokens::{Now, Tokens};

/// A session as an instance remembers it: enough to authenticate a request. The refresh token
/// stays in the store, read again when a refresh needs it. `Debug` shows no token.
pub(crate) struct Live {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) version: i64,
    pub(crate) expires_at: i64,
    pub(crate) access_token: Arc<str>,
    pub(crate) id_token: Arc<str>,
    /// The credentials once verified (the ID token's claims too when it verified and is the
    /// same user's): later requests recheck them (times, issuer, client)
    /// without digesting the tokens again.
    pub(crate) verified: OnceLock<Arc<Credentials>>,
    /// The local row, while this instance writes none.
    pub(crate) row: Arc<RowMemory>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("username", &self.username)
            .field("version", &self.version)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The store of server-side sessions, and this instance's memory of them.
pub(crate) struct ServerSessions {
    store: Arc<dyn SessionStore>,
    sealer: Sealer,
    ttl: Duration,
    capacity: usize,
    // `cookie_max_age_secs`: a session ends this long after its sign-in, whatever its row says
    // (a row written under a longer setting included).
    max_age: i64,
    // The sessions this instance verified, by the SHA-256 of their id, for `ttl` each.
    remembered: BoundedCache<Key, Arc<Live>, Digests>,
    // The session cookies that opened, as sent, and their session's key: the common request
    // neither decodes nor decrypts its cookie, nor digests the id (a tampered value is another
    // key, and opens no better than before).
    cookies: BoundedCache<Box<str>, Key>,
    last_purge: AtomicI64,
    // Sessions ended while the database did not answer, their rows not deleted yet.
    ending: Arc<parking_lot::Mutex<std::collections::HashSet<String>>>,
}

/// A session's key: the SHA-256 of the browser's id; its hex is the store's `id`.
pub(crate) type Key = [u8; 32];

/// Ended sessions are purged after a sign-in at most this often (seconds).
const PURGE_EVERY: i64 = 3600;

/// How many times, a second apart, the row of a session ended while the database was down is
/// deleted again: a quarter of an hour.
const ENDING_TRIES: u32 = 900;

impl std::fmt::Debug for ServerSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSessions").field("ttl", &self.ttl).field("capacity", &self.capacity).finish()
    }
}

/// The handle of a browser's session id: what the store keys it by (the id itself is never
/// stored, so a copy of the table opens no session).
pub(crate) fn handle(secret: &[u8; SESSION_ID_BYTES]) -> String {
    hex(&key_of(secret))
}

/// The key of a browser's session id.
pub(crate) fn key_of(secret: &[u8; SESSION_ID_BYTES]) -> Key {
    Sha256::digest(secret).into()
}

/// A key as the store's `id`.
pub(crate) fn hex(key: &Key) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in key {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// The key of a store `id`; `None` for anything else (no session has it).
fn unhex(id: &str) -> Option<Key> {
    let bytes = id.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        key[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(key)
}

impl ServerSessions {
    pub(crate) fn new(
        store: Arc<dyn SessionStore>,
        sealer: Sealer,
        ttl: Duration,
        capacity: usize,
        max_age: i64,
    ) -> Self {
        ServerSessions {
            store,
            sealer,
            ttl,
            capacity,
            max_age,
            remembered: BoundedCache::new(capacity, Some(ttl)),
            cookies: BoundedCache::new(capacity, None),
            last_purge: AtomicI64::new(0),
            ending: Arc::default(),
        }
    }

    pub(crate) fn store(&self) -> &dyn SessionStore {
        &*self.store
    }

    /// A new session for a sign-in, saved: its browser-side id.
    pub(crate) async fn create(
        &self,
        (username, tokens, origin): (&str, &Tokens, &super::Origin),
        now: i64,
        max_age: i64,
    ) -> Result<[u8; SESSION_ID_BYTES], Error> {
        let mut secret = [0u8; SESSION_ID_BYTES];
        getrandom::fill(&mut secret).expect("the operating system's random source works");
        let id = handle(&secret);
        let record = SessionRecord {
            tokens: self.seal(&id, tokens),
            id,
            username: username.to_owned(),
            created_at: now,
            refreshed_at: now,
            expires_at: now.saturating_add(max_age),
            version: 1,
            factors: origin.factors,
            browser: origin.browser.clone(),
            address: origin.address.clone(),
        };
        self.store.insert(&record).await?;
        crate::metrics::sessions("stored", 1);
        self.remember(&record, tokens);
        self.purge_now_and_then(now);
        Ok(secret)
    }

    /// Purges ended sessions in the background, at most once per [`PURGE_EVERY`] per instance.
    fn purge_now_and_then(&self, now: i64) {
        let last = self.last_purge.load(Ordering::Relaxed);
        if now - last < PURGE_EVERY
            || self.last_purge.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        let store = self.store.clone();
        tokio::spawn(async move {
            match store.purge(now).await {
                Ok(n) if n > 0 => log::info!("rocket_warrant: {n} ended session(s) purged"),
                Ok(_) => {}
                Err(e) => log::warn!("rocket_warrant: purging ended sessions failed ({e})"),
            }
        });
    }

    /// The live session of `id`: remembered, or read from the store; `None` when it ended
    /// (removed, or past `expires_at`).
    pub(crate) async fn load(&self, key: &Key, at: Now) -> Result<Option<Arc<Live>>, Error> {
        if let Some(live) = self.remembered(key, at.mono) {
            return Ok((live.expires_at > at.unix).then_some(live));
        }
        match self.read(&hex(key), at.unix).await? {
            Some((record, tokens)) => Ok(Some(self.remember(&record, &tokens))),
            None => Ok(None),
        }
    }

    /// The row of `id` and its tokens, from the store; `None` when it ended. A row whose tokens
    /// do not open (sealed with another key, or altered) is no session.
    pub(crate) async fn read(&self, id: &str, now: i64) -> Result<Option<(SessionRecord, Tokens)>, Error> {
        // Ended while the database was down, its row not deleted yet: no need to ask.
        if self.ending.lock().contains(id) {
            return Ok(None);
        }
        let Some(record) = self.store.find(id).await? else {
            self.forget(id);
            return Ok(None);
        };
        if self.ends_at(&record) <= now {
            self.forget(id);
            return Ok(None);
        }
        Ok(self.open(&record).map(|tokens| (record, tokens)))
    }

    /// Writes refreshed tokens over the version `read` read; false when another instance
    /// wrote first (or the session ended). What was written is remembered.
    pub(crate) async fn write_back(
        &self,
        read: &SessionRecord,
        tokens: &Tokens,
        now: i64,
    ) -> Result<Option<Arc<Live>>, Error> {
        let record = SessionRecord {
            tokens: self.seal(&read.id, tokens),
            refreshed_at: now,
            version: read.version + 1,
            ..read.clone()
        };
        if self.store.update(&record).await? {
            Ok(Some(self.remember(&record, tokens)))
        } else {
            self.forget(&read.id);
            Ok(None)
        }
    }

    /// Ends the session of `id` in the store and in this instance's memory.
    pub(crate) async fn end_id(&self, id: &str) -> Result<bool, Error> {
        self.forget(id);
        let ended = self.store.remove(id).await?;
        crate::metrics::sessions("ended", u64::from(ended));
        Ok(ended)
    }

    /// Ends every session of `username`.
    pub(crate) async fn end_user(&self, username: &str) -> Result<u64, Error> {
        self.remembered.retain(|_, live| live.username != username);
        let ended = self.store.remove_user(username).await?;
        crate::metrics::sessions("ended", ended);
        Ok(ended)
    }

    /// When `record`'s session ends: its `expires_at`, or `cookie_max_age_secs` after its
    /// sign-in when that comes first.
    fn ends_at(&self, record: &SessionRecord) -> i64 {
        record.expires_at.min(record.created_at.saturating_add(self.max_age))
    }

    fn seal(&self, id: &str, tokens: &Tokens) -> String {
        let mut plaintext = Vec::with_capacity(tokens.id_token.len() + tokens.access_token.len() + 2048);
        for token in [&tokens.id_token, &tokens.access_token, &tokens.refresh_token] {
            pack_token(token, &mut plaintext);
        }
        self.sealer.seal(&label(id), &plaintext)
    }

    fn open(&self, record: &SessionRecord) -> Option<Tokens> {
        let plaintext = self.sealer.open(&label(&record.id), &record.tokens)?;
        let mut input = plaintext.as_slice();
        let id_token = unpack_token(&mut input)?;
        let access_token = unpack_token(&mut input)?;
        let refresh_token = unpack_token(&mut input)?;
        input.is_empty().then_some(Tokens { id_token, access_token, refresh_token })
    }

    /// The key of the session whose cookie's value is `sealed`, opening it (`open`) when it is
    /// not remembered yet: `None` when it does not open.
    pub(crate) fn cookie_key(
        &self,
        sealed: &str,
        now: Instant,
        open: impl FnOnce() -> Option<[u8; SESSION_ID_BYTES]>,
    ) -> Option<Key> {
        if let Some(key) = self.cookies.get(sealed, now) {
            return Some(key);
        }
        let key = key_of(&open()?);
        self.cookies.insert(sealed.into(), key, now);
        Some(key)
    }

    fn remembered(&self, key: &Key, now: Instant) -> Option<Arc<Live>> {
        self.remembered.get(key, now)
    }

    pub(crate) fn remember(&self, record: &SessionRecord, tokens: &Tokens) -> Arc<Live> {
        let live = Arc::new(Live {
            id: record.id.clone(),
            username: record.username.clone(),
            version: record.version,
            expires_at: self.ends_at(record),
            access_token: tokens.access_token.as_str().into(),
            id_token: tokens.id_token.as_str().into(),
            verified: OnceLock::new(),
            row: Arc::default(),
        });
        if let Some(key) = unhex(&record.id) {
            self.remembered.insert(key, live.clone(), Instant::now());
        }
        live
    }

    /// Forgets `id` in this instance's memory (other instances forget within the TTL).
    pub(crate) fn forget(&self, id: &str) {
        if let Some(key) = unhex(id) {
            self.remembered.remove(&key);
        }
    }

    /// Sessions remembered now.
    #[cfg(feature = "testing")]
    pub(crate) fn remembered_count(&self) -> usize {
        self.remembered.len()
    }
}

/// What a session's tokens are sealed for: their row, so that tokens moved to another row do
/// not open.
fn label(id: &str) -> String {
    format!("cognito_sessions:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_token() {
        let live = Live {
            id: "0".repeat(64),
            username: "alice".into(),
            version: 1,
            expires_at: 9,
            access_token: "eyJ.access-token".into(),
            id_token: "eyJ.id-token".into(),
            verified: OnceLock::new(),
            row: Arc::default(),
        };
        let debug = format!("{live:?}");
        assert!(debug.contains("alice") && !debug.contains("eyJ"), "{debug}");
    }

    #[test]
    fn keys_and_store_ids_convert_both_ways() {
        let key = key_of(&[7u8; SESSION_ID_BYTES]);
        let id = hex(&key);
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(unhex(&id), Some(key));
        assert_eq!(handle(&[7u8; SESSION_ID_BYTES]), id);
        for bad in ["", "00", &id[1..], &format!("{}g", &id[1..]), &id.to_uppercase().replace('A', "Ä")] {
            assert_eq!(unhex(bad), None, "{bad}");
        }
        assert_eq!(unhex(&id.to_uppercase()), Some(key), "hex digits in either case");
    }
}
