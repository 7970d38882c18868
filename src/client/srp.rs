//! The client side of Cognito's SRP-6a (`USER_SRP_AUTH`, then `PASSWORD_VERIFIER`): the
//! 3072-bit group of RFC 5054 with g = 2, SHA-256, and the HKDF key Cognito signs the proof with.
//!
//! Written here rather than taken from aws-cognito-srp, which recomputes `A = g^a` inside its
//! proof (a second 3072-bit exponentiation per login) and draws a 1024-bit `a`. A 256-bit `a`
//! keeps the group's 128-bit strength (RFC 3526 §8: an exponent of twice the symmetric
//! strength) at a quarter of the cost. Correctness is checked against the emulator's own,
//! independent, server side: a right password signs in and a wrong one does not.
//!
//! Every exponentiation with a secret exponent runs in constant time over the exponent's fixed
//! width. A power of g (`A = g^a`, the password's `g^x`) is a product of precomputed powers, one
//! per 4-bit window of the exponent, each picked by a constant-time scan of its row
//! ([`pow_of_g`], crypto-bigint's Montgomery form): 64 products instead of 256 squarings.
//! `S = (B - k·g^x)^(a + u·x)`, of a base known only at sign-in, is aws-lc's
//! `BN_mod_exp_mont_consttime` ([`Modulus::pow`]).

use std::sync::LazyLock;

use base64::Engine;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{CtAssign, CtEq, Odd, U256, U3072, U576};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::modexp::Modulus;

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

const LIMBS: usize = U3072::LIMBS;
type Monty = FixedMontyForm<LIMBS>;

/// The group's prime, and the Montgomery parameters of arithmetic modulo it (public: computed
/// once, in variable time).
static N: LazyLock<U3072> = LazyLock::new(|| U3072::from_be_hex(N_HEX));
static PARAMS: LazyLock<FixedMontyParams<LIMBS>> =
    LazyLock::new(|| FixedMontyParams::new_vartime(Odd::new(*N).expect("the group's prime is odd")));
/// The group for aws-lc's exponentiation; `None` if it could not allocate it.
static GROUP: LazyLock<Option<Modulus>> = LazyLock::new(|| Modulus::new(&N));
// k = H(pad(N) || pad(g)), as Cognito computes it.
static K: LazyLock<U256> = LazyLock::new(|| hash(&[&pad(&N), &[2]]));
const G: U3072 = U3072::from_u64(2);

/// `g^(d·16^j)` for every 4-bit window `j` of a 256-bit exponent and every digit `d`, in
/// Montgomery form (384 KiB, made on the first sign-in: 960 products).
static POWERS_OF_G: LazyLock<Vec<[U3072; 16]>> = LazyLock::new(|| {
    let mut rows = Vec::with_capacity(64);
    let mut base = Monty::new(&G, &PARAMS);
    for _ in 0..64 {
        let mut row = [U3072::ZERO; 16];
        let mut power = Monty::one(&PARAMS);
        for entry in &mut row {
            *entry = *power.as_montgomery();
            power = power.mul(&base);
        }
        // base^16: the next window's base.
        base = power;
        rows.push(row);
    }
    rows
});

/// `g^e mod N`, in constant time in `e`: for each of its 64 windows the row's every entry is
/// read and the digit's kept by a constant-time select, then multiplied in.
fn pow_of_g(e: &U256) -> Monty {
    let mut acc = Monty::one(&PARAMS);
    for (j, row) in POWERS_OF_G.iter().enumerate() {
        let digit = (e.as_words()[j / 16] >> ((j % 16) * 4)) & 0xf;
        let mut picked = U3072::ZERO;
        for (d, entry) in (0u64..).zip(row) {
            picked.ct_assign(entry, digit.ct_eq(&d));
        }
        acc = acc.mul(&Monty::from_montgomery(picked, &PARAMS));
    }
    acc
}

/// `base^exponent mod N` in constant time (see [`Modulus::pow`]).
fn pow<const L: usize>(base: &U3072, exponent: &crypto_bigint::Uint<L>) -> Result<U3072, SrpError> {
    GROUP.as_ref().and_then(|group| group.pow(base, exponent)).ok_or(SrpError::Arithmetic)
}

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
    /// aws-lc could not allocate its numbers.
    #[error("the SRP arithmetic could not allocate memory")]
    Arithmetic,
}

/// One login's SRP state: the secret `a` and the public `A = g^a mod N`.
pub(crate) struct SrpClient {
    a: U256,
    big_a: U3072,
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
        SrpClient::named(pool_name)
    }

    /// A fresh `a` for a remembered device's proof (`DEVICE_SRP_AUTH`): the device group key
    /// stands where the pool's name does, and the device key where the user's id does.
    pub(crate) fn for_device(group_key: &str) -> Result<SrpClient, SrpError> {
        SrpClient::named(group_key.to_owned())
    }

    fn named(pool_name: String) -> Result<SrpClient, SrpError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| SrpError::NoRandomness)?;
        let a = U256::from_be_slice(&bytes);
        // A power of 2 modulo a prime is never 0: A needs no check.
        let big_a = pow_of_g(&a).retrieve();
        Ok(SrpClient { a, big_a, pool_name })
    }

    /// `SRP_A`, in hex.
    pub(crate) fn public_a(&self) -> String {
        hex(&self.big_a)
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
        let big_b = public_int(srp_b).ok_or(SrpError::InvalidChallenge("SRP_B"))?;
        let salt = hex_bytes(salt).ok_or(SrpError::InvalidChallenge("SALT"))?;
        let block = base64::engine::general_purpose::STANDARD
            .decode(secret_block)
            .map_err(|_| SrpError::InvalidChallenge("SECRET_BLOCK"))?;

        let u = hash(&[&pad(&self.big_a), &pad(&big_b)]);
        if u == U256::ZERO {
            return Err(SrpError::InvalidChallenge("SRP_B"));
        }
        let identity = Sha256::new()
            .chain_update(self.pool_name.as_bytes())
            .chain_update(user_id.as_bytes())
            .chain_update(b":")
            .chain_update(password.as_bytes())
            .finalize();
        let x = hash(&[&pad_bytes(&salt), &identity]);
        // S = (B - k·g^x)^(a + u·x) mod N: the product and difference in Montgomery form, the
        // exponent (at most 513 bits) in 576.
        let gx = pow_of_g(&x);
        let kgx = Monty::new(&K.resize(), &PARAMS).mul(&gx);
        let base = Monty::new(&big_b, &PARAMS).sub(&kgx).retrieve();
        let ux: U576 = u.concatenating_mul::<{ U256::LIMBS }, { U256::LIMBS * 2 }>(&x).resize();
        let exponent = self.a.resize::<{ U576::LIMBS }>().wrapping_add(&ux);
        let s = pow(&base, &exponent)?;

        let prk = hmac(&pad(&u), &[&pad(&s)]);
        let key = &hmac(&prk, &[b"Caldera Derived Key\x01"])[..16];
        let signature = hmac(key, &[self.pool_name.as_bytes(), user_id.as_bytes(), &block, timestamp.as_bytes()]);
        Ok(PasswordClaim {
            signature: base64::engine::general_purpose::STANDARD.encode(signature),
            timestamp: timestamp.to_owned(),
        })
    }
}

/// What ConfirmDevice is given for a new device, and the secret the device keeps.
pub(crate) struct DeviceSecret {
    /// The device's random password (40 random bytes, base64), never sent.
    pub(crate) password: String,
    /// `DeviceSecretVerifierConfig.Salt` and `.PasswordVerifier`, base64 of their bytes.
    pub(crate) salt: String,
    pub(crate) verifier: String,
}

/// A new device's secret and its verifier `g^x`, `x = H(salt | H(group key | device key | ":" |
/// password))`: the user's SRP with the device's names (as Amplify's `generateHashDevice`).
/// The power of g is the constant-time one of the sign-in.
pub(crate) fn device_secret(group_key: &str, device_key: &str) -> Result<DeviceSecret, SrpError> {
    let mut random = [0u8; 40];
    getrandom::fill(&mut random).map_err(|_| SrpError::NoRandomness)?;
    let password = base64::engine::general_purpose::STANDARD.encode(random);
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| SrpError::NoRandomness)?;
    // Cognito reads the salt as an integer and hands it back in hex: with a first byte of 1 to
    // 0x7f it needs neither padding nor a leading zero, so every reading of it agrees.
    salt[0] = (salt[0] & 0x7f).max(1);
    let identity = Sha256::new()
        .chain_update(group_key.as_bytes())
        .chain_update(device_key.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    let x = hash(&[&salt[..], &identity]);
    let verifier = pad(&pow_of_g(&x).retrieve());
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(DeviceSecret { password, salt: b64(&salt), verifier: b64(&verifier) })
}

/// A public value Cognito sends in hex (`SRP_B`), as an integer below N; `None` for anything
/// that is not hex, or is 0 modulo N (which would let anyone compute `S`).
fn public_int(hex: &str) -> Option<U3072> {
    let bytes = hex_bytes(hex)?;
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let bytes = &bytes[first..];
    if bytes.len() > U3072::BYTES {
        return None;
    }
    let mut wide = [0u8; U3072::BYTES];
    wide[U3072::BYTES - bytes.len()..].copy_from_slice(bytes);
    let mut n = U3072::from_be_slice(&wide);
    // Public: compared and reduced in variable time. Below 2^3072 < 2N, once is enough.
    if n >= *N {
        n = n.wrapping_sub(&N);
    }
    (n != U3072::ZERO).then_some(n)
}

/// An integer in lowercase hex, without leading zeros (Cognito's `SRP_A`).
fn hex(n: &U3072) -> String {
    let digits: String = n.to_be_bytes().iter().map(|b| format!("{b:02x}")).collect();
    match digits.trim_start_matches('0') {
        "" => "0".to_owned(),
        trimmed => trimmed.to_owned(),
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

/// Big-endian bytes with a leading zero when the top bit is set (Cognito's `padHex`), leading
/// zero bytes dropped first. (That `S`'s length shows in the time the HMAC takes is Cognito's
/// protocol: a byte shorter one time in 256.)
fn pad<const L: usize>(n: &crypto_bigint::Uint<L>) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    pad_bytes(&bytes[first..])
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

/// SHA-256 of the parts, as an integer.
fn hash(parts: &[&[u8]]) -> U256 {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    U256::from_be_slice(&hash.finalize())
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

    /// The server's side and the checks, in num-bigint (an implementation of its own).
    mod server {
        use num_bigint::BigUint;

        pub(super) fn n() -> BigUint {
            BigUint::parse_bytes(super::N_HEX.as_bytes(), 16).unwrap()
        }

        pub(super) fn int(n: &crypto_bigint::Uint<{ super::LIMBS }>) -> BigUint {
            BigUint::from_bytes_be(&n.to_be_bytes())
        }

        pub(super) fn hash(parts: &[&[u8]]) -> BigUint {
            BigUint::from_bytes_be(&super::hash(parts).to_be_bytes())
        }

        pub(super) fn pad(n: &BigUint) -> Vec<u8> {
            super::pad_bytes(&n.to_bytes_be())
        }
    }

    #[test]
    fn a_device_verifier_is_g_to_the_hash_of_its_salt_and_secret() {
        use num_bigint::BigUint;
        let secret = device_secret("-grp", "us-east-1_dev").unwrap();
        let b64 = |v: &str| base64::engine::general_purpose::STANDARD.decode(v).unwrap();
        let salt = b64(&secret.salt);
        assert!(salt.len() == 16 && (1..0x80).contains(&salt[0]), "no padding, no leading zero");
        let identity = Sha256::digest(format!("-grpus-east-1_dev:{}", secret.password));
        let x = server::hash(&[&salt, &identity]);
        let verifier = BigUint::from(2u32).modpow(&x, &server::n());
        assert_eq!(b64(&secret.verifier), server::pad(&verifier));
        assert_eq!(b64(&secret.password).len(), 40);
        assert_ne!(device_secret("-grp", "us-east-1_dev").unwrap().password, secret.password, "fresh each time");
    }

    #[test]
    fn a_is_fresh_for_each_login_and_kept_out_of_debug() {
        use num_bigint::BigUint;
        let (one, two) = (SrpClient::new("eu-west-1_Pool").unwrap(), SrpClient::new("eu-west-1_Pool").unwrap());
        assert_ne!(one.public_a(), two.public_a());
        let a = BigUint::from_bytes_be(&one.a.to_be_bytes());
        assert_eq!(one.public_a(), BigUint::from(2u32).modpow(&a, &server::n()).to_str_radix(16));
        let shown = format!("{one:?}");
        assert!(shown.starts_with("SrpClient") && shown.contains("\"Pool\""), "{shown}");
        assert!(!shown.contains(&a.to_str_radix(16)) && !shown.contains(&a.to_string()), "{shown}");
        assert_eq!(SrpClient::new("no-underscore").unwrap_err(), SrpError::InvalidPoolId);
    }

    #[test]
    fn powers_of_two_match_a_plain_modpow_for_every_bit_pattern() {
        use num_bigint::BigUint;
        let n = server::n();
        let mut bytes = [0u8; 32];
        for e in [U256::ZERO, U256::ONE, U256::MAX, U256::from_u64(0x8000_0000_0000_0001)] {
            let want = BigUint::from(2u32).modpow(&BigUint::from_bytes_be(&e.to_be_bytes()), &n);
            assert_eq!(server::int(&pow_of_g(&e).retrieve()), want);
            assert_eq!(server::int(&pow(&G, &e).unwrap()), want);
        }
        for _ in 0..8 {
            getrandom::fill(&mut bytes).unwrap();
            let e = U256::from_be_slice(&bytes);
            let want = BigUint::from(2u32).modpow(&BigUint::from_bytes_be(&bytes), &n);
            assert_eq!(server::int(&pow_of_g(&e).retrieve()), want);
        }
    }

    #[test]
    fn the_timestamp_is_now() {
        let before = format_timestamp(rocket::time::OffsetDateTime::now_utc());
        let stamp = timestamp();
        let after = format_timestamp(rocket::time::OffsetDateTime::now_utc());
        assert!(stamp == before || stamp == after, "{stamp} is not {before} or {after}");
    }

    #[test]
    fn padding_and_public_values_follow_cognito() {
        assert_eq!(pad(&U256::from_u64(0x7f)), vec![0x7f]);
        assert_eq!(pad(&U256::from_u64(0x80)), vec![0, 0x80]);
        assert_eq!(pad(&U256::ZERO), vec![0]);
        assert_eq!(hex_bytes("0a8"), Some(vec![0x00, 0xa8]));
        assert_eq!(hex_bytes("ab"), Some(vec![0xab]));
        assert_eq!(hex_bytes("00ab12"), Some(vec![0x00, 0xab, 0x12]), "leading zeros kept");
        assert_eq!(hex_bytes("zz"), None);
        assert_eq!(hex(&U3072::from_u64(0x0abc)), "abc");
        assert_eq!(public_int("00ff"), Some(U3072::from_u64(0xff)));
        assert_eq!(public_int(&"f".repeat(769)), None, "over 3072 bits");
        assert_eq!(public_int(N_HEX), None, "0 modulo N");
        assert_eq!(public_int("0"), None);
        let above = N.wrapping_add(&U3072::from_u64(5));
        assert_eq!(public_int(&hex(&above)), Some(U3072::from_u64(5)), "reduced below N");
    }

    #[test]
    fn the_server_side_agrees() {
        use num_bigint::BigUint;
        // The server side of SRP-6a, as Cognito runs it: v = g^x, B = k·v + g^b, and
        // S = (A·v^u)^b must equal the client's S, so the client's proof verifies.
        let (n, g) = (server::n(), BigUint::from(2u32));
        let k = server::hash(&[&server::pad(&n), &[2]]);
        let client = SrpClient::new("eu-west-1_Pool").unwrap();
        let (user, password, salt) = ("alice", "Corr3ct-Horse!", "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c");
        let identity = Sha256::digest(format!("Pool{user}:{password}"));
        let x = server::hash(&[&pad_bytes(&hex_bytes(salt).unwrap()), &identity]);
        let v = g.modpow(&x, &n);
        let b = BigUint::from(0x1234_5678_9abc_def0u64) * BigUint::from(0xfedc_ba98_7654_3210u64);
        let big_b = (&k * &v + g.modpow(&b, &n)) % &n;
        // The server knows A only as sent: SRP_A, in hex.
        let big_a = BigUint::parse_bytes(client.public_a().as_bytes(), 16).unwrap();
        let u = server::hash(&[&server::pad(&big_a), &server::pad(&big_b)]);
        let s = ((&big_a * v.modpow(&u, &n)) % &n).modpow(&b, &n);
        let prk = hmac(&server::pad(&u), &[&server::pad(&s)]);
        let key = &hmac(&prk, &[b"Caldera Derived Key\x01"])[..16];
        let block = base64::engine::general_purpose::STANDARD.encode(b"secret block");
        let expected = hmac(key, &[b"Pool", user.as_bytes(), b"secret block", b"Fri Nov 6 05:03:12 UTC 2026"]);

        let claim =
            client.claim(user, password, salt, &big_b.to_str_radix(16), &block, "Fri Nov 6 05:03:12 UTC 2026").unwrap();
        assert_eq!(claim.signature, base64::engine::general_purpose::STANDARD.encode(expected));
        let wrong = client.claim(user, "wrong", salt, &big_b.to_str_radix(16), &block, "Fri Nov 6 05:03:12 UTC 2026");
        assert_ne!(wrong.unwrap().signature, claim.signature);
        assert_eq!(
            client.claim(user, password, salt, &n.to_str_radix(16), &block, "t"),
            Err(SrpError::InvalidChallenge("SRP_B"))
        );
        assert_eq!(client.claim(user, password, "xyz", "abc", &block, "t"), Err(SrpError::InvalidChallenge("SALT")));
    }
}
