//! Sealing session data (what [`codec`](super::codec) packed) once with AES-256-GCM under a key
//! derived from Rocket's `secret_key`, base64url-encoded once, which needs no percent-encoding
//! in a cookie; and which key that is, when the site has none of its own.
//!
//! Rocket's private cookies would seal the tokens' base64 text and base64 the result again:
//! about 1.78 bytes sent per byte of token, where this sends 1.0 or less.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rocket::figment::value::Value;
use rocket::figment::Figment;

/// The first byte of every sealed value: the format, so that a later one can be told apart.
const VERSION: u8 = 1;
const NONCE: usize = 12;
const TAG: usize = 16;

/// Seals and opens the crate's cookies and stored sessions. `Debug` shows no key.
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
    /// The key of the limits' digests (another HKDF label of the same secret).
    attempt_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

/// Keys Rocket's documentation publishes (Rocket's own `KNOWN_SECRET_KEYS`): a site configured
/// with one seals under a key anyone can compute.
const PUBLISHED_KEYS: &[&str] = &["hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="];

/// Why the configured `secret_key` cannot seal anything: the site then has no key of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoKey {
    /// None set (Rocket's debug default is 32 zero bytes, which is no key either).
    Missing,
    /// A key Rocket's documentation publishes.
    Published,
}

impl std::fmt::Display for NoKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoKey::Missing => "no `secret_key` is set",
            NoKey::Published => "the `secret_key` is the example key Rocket's documentation publishes",
        })
    }
}

/// The key material of the site's `secret_key`, or why there is none.
pub(crate) fn site_key(figment: &Figment) -> Result<Vec<u8>, NoKey> {
    let value = figment.find_value("secret_key").map_err(|_| NoKey::Missing)?;
    if let Value::String(_, s) = &value {
        if PUBLISHED_KEYS.contains(&s.trim()) {
            return Err(NoKey::Published);
        }
    }
    let material = key_material(&value).ok_or(NoKey::Missing)?;
    if material.iter().all(|b| *b == 0) {
        return Err(NoKey::Missing);
    }
    if PUBLISHED_KEYS.iter().any(|k| STANDARD.decode(k).is_ok_and(|k| k == material)) {
        return Err(NoKey::Published);
    }
    Ok(material)
}

/// This process's random key, for a site without a key of its own: the same for every instance
/// the process runs, gone with it.
fn process_key() -> &'static [u8; 32] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut random = [0u8; 32];
        // No entropy means no secure cookie of any kind; Rocket would fail the same way.
        getrandom::fill(&mut random).expect("the operating system's random source works");
        random
    })
}

impl Sealer {
    /// The sealer of Rocket's `secret_key` in `figment`: every instance configured with the same
    /// key opens the others' cookies. Without a key of the site's own (none, all zeros, or one
    /// Rocket's documentation publishes), a random key of this process: the fairing says so,
    /// and refuses it outside the debug profile.
    pub(crate) fn from_figment(figment: &Figment) -> Sealer {
        match site_key(figment) {
            Ok(material) => Sealer::from_material(&material),
            Err(_) => Sealer::from_material(process_key()),
        }
    }

    /// A key derived from `material` with HKDF-SHA256, for this use only (Rocket derives its
    /// own cookie key from the same secret under another label).
    pub(crate) fn from_material(material: &[u8]) -> Sealer {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"rocket_warrant"), material)
            .expand(b"session seal v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        let mut attempt_key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"rocket_warrant"), material)
            .expand(b"attempt keys v1", &mut attempt_key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Sealer { cipher: Aes256Gcm::new(&key.into()), attempt_key }
    }

    /// The key the limits digest what they count under: every instance with the same
    /// `secret_key` counts under the same digests.
    pub(crate) fn attempt_key(&self) -> &[u8; 32] {
        &self.attempt_key
    }

    /// `plaintext` sealed for `label` (a cookie's name: a value moved to another cookie does
    /// not open), as base64url without padding.
    pub(crate) fn seal(&self, label: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).expect("the operating system's random source works");
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: label.as_bytes() })
            .expect("AES-GCM seals any message under 64 GiB");
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of a value sealed for `label`; `None` when it was tampered with, sealed
    /// with another key or for another label, or is no sealed value at all.
    pub(crate) fn open(&self, label: &str, value: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        let (&version, rest) = bytes.split_first()?;
        if version != VERSION || rest.len() < NONCE + TAG {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE);
        self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: label.as_bytes() }).ok()
    }
}

/// The length of a sealed value of `plaintext` bytes, as sent.
pub(crate) fn sealed_len(plaintext: usize) -> usize {
    ((1 + NONCE + plaintext + TAG) * 4).div_ceil(3)
}

/// The bytes of Rocket's `secret_key` setting, decoded as Rocket decodes it (base64 of 44 or 88
/// characters, hex of 64, or an array of bytes); any other string is used as it is.
fn key_material(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(_, s) => {
            let decoded = match s.len() {
                44 | 88 => STANDARD.decode(s).ok(),
                64 => hex(s),
                _ => None,
            };
            Some(decoded.unwrap_or_else(|| s.as_bytes().to_vec()))
        }
        Value::Array(_, items) => items.iter().map(|v| v.to_num().and_then(|n| n.to_u128()).map(|n| n as u8)).collect(),
        _ => None,
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_label() {
        let sealer = Sealer::from_material(b"a key of enough material for the test");
        let value = sealer.seal("cognito_access", b"payload");
        assert_eq!(value.len(), sealed_len(7));
        assert!(!value.contains(['+', '/', '=', '%']), "{value}");
        assert_eq!(sealer.open("cognito_access", &value).as_deref(), Some(&b"payload"[..]));
        assert_eq!(sealer.open("cognito_refresh", &value), None, "another cookie's value");
        assert_eq!(Sealer::from_material(b"another key").open("cognito_access", &value), None);
        let mut tampered = value.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(sealer.open("cognito_access", std::str::from_utf8(&tampered).unwrap()), None);
        for junk in ["", "AQ", "not base64!", &"A".repeat(40)] {
            assert_eq!(sealer.open("cognito_access", junk), None, "{junk}");
        }
        assert_eq!(format!("{sealer:?}"), "Sealer(***)", "Debug shows no key");
        // The shortest sealed value (nothing sealed: the version, nonce and tag alone) opens.
        assert_eq!(sealer.open("c", &sealer.seal("c", b"")).as_deref(), Some(&b""[..]));
    }

    #[test]
    fn no_part_of_the_plaintext_is_in_the_sealed_value() {
        let sealer = Sealer::from_material(b"a key of enough material for the test");
        let token = b"eyJraWQiOiJrIiwiYWxnIjoiUlMyNTYifQ.a refresh token, a username, anything sealed";
        let sealed = URL_SAFE_NO_PAD.decode(sealer.seal("cognito_refresh", token)).unwrap();
        // Not the bytes, nor any eight of them in a row, nor their base64.
        for window in token.windows(8) {
            assert!(
                !sealed.windows(8).any(|w| w == window),
                "{:?} is in the sealed bytes",
                std::str::from_utf8(window)
            );
        }
        let text = sealer.seal("cognito_refresh", token);
        for window in URL_SAFE_NO_PAD.encode(token).as_bytes().windows(12) {
            assert!(!text.as_bytes().windows(12).any(|w| w == window));
        }
    }

    #[test]
    fn rocket_secret_keys_decode_as_rocket_decodes_them() {
        let b64 = "q1sMvBH5xHkAqPrQ2m0l3Yf3t1x5Jc3uB0r9oQ2a8Zc=";
        let bytes = STANDARD.decode(b64).unwrap();
        let hex_key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let from = |v: Value| key_material(&v).unwrap();
        assert_eq!(from(b64.into()), bytes);
        assert_eq!(from(hex_key.as_str().into()), bytes);
        assert_eq!(from(bytes.clone().into()), bytes);
        let figment = |key: &str| Figment::new().merge(("secret_key", key));
        let sealed = Sealer::from_figment(&figment(b64)).seal("c", b"x");
        assert!(Sealer::from_figment(&figment(&hex_key)).open("c", &sealed).is_some(), "one key, two spellings");
        assert!(Sealer::from_figment(&Figment::new()).open("c", &sealed).is_none(), "no key: another one");
    }

    #[test]
    fn a_zero_or_published_key_is_no_key_and_seals_under_the_process_key() {
        let zeros = Figment::new().merge(("secret_key", vec![0u8; 32]));
        let published = Figment::new().merge(("secret_key", PUBLISHED_KEYS[0]));
        let published_hex: String =
            STANDARD.decode(PUBLISHED_KEYS[0]).unwrap().iter().map(|b| format!("{b:02x}")).collect();
        let published_hex = Figment::new().merge(("secret_key", published_hex));
        assert_eq!(site_key(&Figment::new()), Err(NoKey::Missing));
        assert_eq!(site_key(&zeros), Err(NoKey::Missing));
        // Rocket's own debug default: its figment carries 32 zero bytes.
        assert_eq!(site_key(&rocket::Config::figment()), Err(NoKey::Missing));
        assert_eq!(site_key(&published), Err(NoKey::Published));
        assert_eq!(site_key(&published_hex), Err(NoKey::Published), "the same key in hex");
        // Anyone can derive what the zero key or the published key would seal under: neither opens.
        for figment in [&zeros, &published, &published_hex] {
            let sealed = Sealer::from_figment(figment).seal("c", b"x");
            assert!(Sealer::from_material(&[0u8; 32]).open("c", &sealed).is_none());
            assert!(Sealer::from_material(&STANDARD.decode(PUBLISHED_KEYS[0]).unwrap()).open("c", &sealed).is_none());
            // This process's instances share the key: one opens what another sealed.
            assert!(Sealer::from_figment(&Figment::new()).open("c", &sealed).is_some());
        }
        let own = Figment::new().merge(("secret_key", "a key of this site's own, long enough"));
        assert!(site_key(&own).is_ok());
    }
}
