//! The codes a client computes itself, written here independently of the crate: Cognito's
//! SECRET_HASH and an authenticator app's one-time codes.

/// Cognito's SECRET_HASH, `Base64(HMAC-SHA256(secret, username + client_id))`, computed here
/// independently of the crate.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A user's authenticator app (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) for a base32 secret.
/// Like the emulator (and RFC 6238, section 5.2), it never gives one code twice: a code is
/// spent once used, so [`Authenticator::code`] waits for the next step when this one's code was
/// handed out already. It also waits out the last seconds of a step, so the emulator checks the
/// code in the step it was made for.
pub struct Authenticator {
    secret: String,
    last_step: std::sync::Mutex<Option<u64>>,
}

impl Authenticator {
    pub fn new(secret: &str) -> Authenticator {
        Authenticator { secret: secret.to_owned(), last_step: std::sync::Mutex::new(None) }
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// A code of a step this authenticator has not handed out before.
    pub async fn code(&self) -> String {
        let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let last = *self.last_step.lock().unwrap();
        if now() % 30 >= 26 || last.is_some_and(|last| now() / 30 <= last) {
            tokio::time::sleep(std::time::Duration::from_secs(31 - now() % 30)).await;
        }
        let step = now() / 30;
        *self.last_step.lock().unwrap() = Some(step);
        totp_at(&self.secret, step)
    }

    /// A code that is wrong now: the right one's neighbour (not handed out, nothing spent).
    pub fn wrong_code(&self) -> String {
        let step = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30;
        let right: u32 = totp_at(&self.secret, step).parse().unwrap();
        format!("{:06}", (right + 1) % 1_000_000)
    }
}

fn totp_at(secret_base32: &str, step: u64) -> String {
    use hmac::{Hmac, Mac};
    let mut key = Vec::new();
    let (mut bits, mut value) = (0u32, 0u32);
    for c in secret_base32.bytes().filter(|&c| c != b'=') {
        let digit = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            other => panic!("not base32: {}", other as char),
        };
        value = (value << 5) | u32::from(digit);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let at = usize::from(hash[19] & 0x0f);
    let code = u32::from_be_bytes([hash[at] & 0x7f, hash[at + 1], hash[at + 2], hash[at + 3]]) % 1_000_000;
    format!("{code:06}")
}
