//! The client side of Cognito's SRP-6a (`USER_SRP_AUTH`, then `PASSWORD_VERIFIER`): the
//! 3072-bit group of RFC 5054 with g = 2, SHA-256, and the HKDF key Cognito signs the proof with.
//!
//! Written here rather than taken from aws-cognito-srp, which recomputes `A = g^a` inside its
//! proof (a second 3072-bit exponentiation per login) and draws a 1024-bit `a`. A 256-bit `a`
//! keeps the group's 128-bit strength (RFC 3526 §8: an exponent of twice the symmetric
//! strength) at a quarter of the cost. Correctness is checked against the emulator's own,
//! independent, server side: a right password signs in and a wrong one does not.

use std::sync::LazyLock;

use base64::Engine;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

static N: LazyLock<BigUint> = LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("the group's prime"));
static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));
// k = H(pad(N) || pad(g)), as Cognito computes it.
static K: LazyLock<BigUint> = LazyLock::new(|| hash_to_int(&[&pad(&N), &pad(&G)]));

/// Why a challenge could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SrpError {
    /// A challenge parameter is not what Cognito sends (hex, base64), or is unsafe (B ≡ 0).
    #[error("invalid SRP challenge parameter {0}")]
    InvalidChallenge(&'static str),
    /// The pool id has no `_` (its second half names the pool in the proof).
    #[error("the user pool id has no `_`")]
    InvalidPoolId,
    /// The operating system's random source failed.
    #[error("no randomness available for the SRP secret")]
    NoRandomness,
}

/// One login's SRP state: the secret `a` and the public `A = g^a mod N`.
pub(crate) struct SrpClient {
    a: BigUint,
    big_a: BigUint,
    pool_name: String,
}

impl std::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrpClient").field("pool_name", &self.pool_name).finish_non_exhaustive()
    }
}

/// The answer to a `PASSWORD_VERIFIER` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswordClaim {
    /// `PASSWORD_CLAIM_SIGNATURE`.
    pub(crate) signature: String,
    /// `TIMESTAMP`, as it was signed.
    pub(crate) timestamp: String,
}

impl SrpClient {
    /// A fresh random `a` and its `A`, for the pool `pool_id` (`region_name`).
    pub(crate) fn new(pool_id: &str) -> Result<SrpClient, SrpError> {
        let pool_name = pool_id.split_once('_').map(|(_, name)| name.to_owned()).ok_or(SrpError::InvalidPoolId)?;
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|_| SrpError::NoRandomness)?;
            let a = BigUint::from_bytes_be(&bytes);
            let big_a = G.modpow(&a, &N);
            if big_a != BigUint::ZERO {
                return Ok(SrpClient { a, big_a, pool_name });
            }
        }
    }

    /// `SRP_A`, in hex.
    pub(crate) fn public_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// Proves the password for the challenge: `user_id` is `USER_ID_FOR_SRP`; `salt` and `srp_b`
    /// are hex and `secret_block` base64, as Cognito sends them; `timestamp` is
    /// [`timestamp`]`()` unless a test pins it.
    pub(crate) fn claim(
        &self,
        user_id: &str,
        password: &str,
        salt: &str,
        srp_b: &str,
        secret_block: &str,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        let big_b = BigUint::parse_bytes(srp_b.as_bytes(), 16).ok_or(SrpError::InvalidChallenge("SRP_B"))?;
        if &big_b % &*N == BigUint::ZERO {
            return Err(SrpError::InvalidChallenge("SRP_B"));
        }
        let salt = hex_bytes(salt).ok_or(SrpError::InvalidChallenge("SALT"))?;
        let block = base64::engine::general_purpose::STANDARD
            .decode(secret_block)
            .map_err(|_| SrpError::InvalidChallenge("SECRET_BLOCK"))?;

        let u = hash_to_int(&[&pad(&self.big_a), &pad(&big_b)]);
        if u == BigUint::ZERO {
            return Err(SrpError::InvalidChallenge("SRP_B"));
        }
        let identity = Sha256::new()
            .chain_update(self.pool_name.as_bytes())
            .chain_update(user_id.as_bytes())
            .chain_update(b":")
            .chain_update(password.as_bytes())
            .finalize();
        let x = hash_to_int(&[&pad_bytes(&salt), &identity]);
        // S = (B - k·g^x)^(a + u·x) mod N. Adding N keeps the base non-negative (k·g^x mod N
        // is below N); modpow reduces it.
        let kgx = (&*K * G.modpow(&x, &N)) % &*N;
        let base = &big_b + &*N - kgx;
        let s = base.modpow(&(&self.a + &u * &x), &N);

        let prk = hmac(&pad(&u), &[&pad(&s)]);
        let key = &hmac(&prk, &[b"Caldera Derived Key\x01"])[..16];
        let signature = hmac(key, &[self.pool_name.as_bytes(), user_id.as_bytes(), &block, timestamp.as_bytes()]);
        Ok(PasswordClaim {
            signature: base64::engine::general_purpose::STANDARD.encode(signature),
            timestamp: timestamp.to_owned(),
        })
    }
}

/// Cognito's `TIMESTAMP`: `Tue Nov 26 05:03:12 UTC 2026`, the day without a leading zero, in
/// English whatever the locale.
pub(crate) fn timestamp() -> String {
    let now = rocket::time::OffsetDateTime::now_utc();
    format_timestamp(now)
}

fn format_timestamp(t: rocket::time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        DAYS[t.weekday().number_days_from_monday() as usize],
        MONTHS[u8::from(t.month()) as usize - 1],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// Big-endian bytes with a leading zero when the top bit is set (Cognito's `padHex`).
fn pad(n: &BigUint) -> Vec<u8> {
    pad_bytes(&n.to_bytes_be())
}

fn pad_bytes(bytes: &[u8]) -> Vec<u8> {
    match bytes.first() {
        Some(b) if *b >= 0x80 => [&[0u8][..], bytes].concat(),
        Some(_) => bytes.to_vec(),
        None => vec![0],
    }
}

/// A hex string's bytes, as written (leading zeros kept; an odd length gets a leading `0`).
fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    let hex = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_owned() };
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    BigUint::from_bytes_be(&hash.finalize())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_cognitos_format() {
        let date = rocket::time::Date::from_calendar_date(2026, rocket::time::Month::November, 6).unwrap();
        let t = date.with_hms(5, 3, 12).unwrap().assume_utc();
        assert_eq!(format_timestamp(t), "Fri Nov 6 05:03:12 UTC 2026");
    }

    #[test]
    fn a_is_fresh_for_each_login_and_kept_out_of_debug() {
        let (one, two) = (SrpClient::new("eu-west-1_Pool").unwrap(), SrpClient::new("eu-west-1_Pool").unwrap());
        assert_ne!(one.public_a(), two.public_a());
        assert_eq!(one.public_a(), G.modpow(&one.a, &N).to_str_radix(16));
        let shown = format!("{one:?}");
        assert!(shown.starts_with("SrpClient") && shown.contains("\"Pool\""), "{shown}");
        assert!(!shown.contains(&one.a.to_str_radix(16)) && !shown.contains(&one.a.to_string()), "{shown}");
        assert_eq!(SrpClient::new("no-underscore").unwrap_err(), SrpError::InvalidPoolId);
    }

    #[test]
    fn the_timestamp_is_now() {
        let before = format_timestamp(rocket::time::OffsetDateTime::now_utc());
        let stamp = timestamp();
        let after = format_timestamp(rocket::time::OffsetDateTime::now_utc());
        assert!(stamp == before || stamp == after, "{stamp} is not {before} or {after}");
    }

    #[test]
    fn padding_follows_cognito() {
        assert_eq!(pad(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(pad(&BigUint::from(0x80u32)), vec![0, 0x80]);
        assert_eq!(pad(&BigUint::ZERO), vec![0]);
        assert_eq!(hex_bytes("0a8"), Some(vec![0x00, 0xa8]));
        assert_eq!(hex_bytes("ab"), Some(vec![0xab]));
        assert_eq!(hex_bytes("00ab12"), Some(vec![0x00, 0xab, 0x12]), "leading zeros kept");
        assert_eq!(hex_bytes("zz"), None);
    }

    #[test]
    fn the_server_side_agrees() {
        // The server side of SRP-6a, as Cognito runs it: v = g^x, B = k·v + g^b, and
        // S = (A·v^u)^b must equal the client's S, so the client's proof verifies.
        let client = SrpClient::new("eu-west-1_Pool").unwrap();
        let (user, password, salt) = ("alice", "Corr3ct-Horse!", "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c");
        let identity = Sha256::digest(format!("Pool{user}:{password}"));
        let x = hash_to_int(&[&pad_bytes(&hex_bytes(salt).unwrap()), &identity]);
        let v = G.modpow(&x, &N);
        let b = BigUint::from(0x1234_5678_9abc_def0u64) * BigUint::from(0xfedc_ba98_7654_3210u64);
        let big_b = (&*K * &v + G.modpow(&b, &N)) % &*N;
        // The server knows A only as sent: SRP_A, in hex.
        let big_a = BigUint::parse_bytes(client.public_a().as_bytes(), 16).unwrap();
        let u = hash_to_int(&[&pad(&big_a), &pad(&big_b)]);
        let s = ((&big_a * v.modpow(&u, &N)) % &*N).modpow(&b, &N);
        let prk = hmac(&pad(&u), &[&pad(&s)]);
        let key = &hmac(&prk, &[b"Caldera Derived Key\x01"])[..16];
        let block = base64::engine::general_purpose::STANDARD.encode(b"secret block");
        let expected = hmac(key, &[b"Pool", user.as_bytes(), b"secret block", b"Fri Nov 6 05:03:12 UTC 2026"]);

        let claim =
            client.claim(user, password, salt, &big_b.to_str_radix(16), &block, "Fri Nov 6 05:03:12 UTC 2026").unwrap();
        assert_eq!(claim.signature, base64::engine::general_purpose::STANDARD.encode(expected));
        let wrong = client.claim(user, "wrong", salt, &big_b.to_str_radix(16), &block, "Fri Nov 6 05:03:12 UTC 2026");
        assert_ne!(wrong.unwrap().signature, claim.signature);
        assert_eq!(
            client.claim(user, password, salt, &N.to_str_radix(16), &block, "t"),
            Err(SrpError::InvalidChallenge("SRP_B"))
        );
        assert_eq!(client.claim(user, password, "xyz", "abc", &block, "t"), Err(SrpError::InvalidChallenge("SALT")));
    }
}
