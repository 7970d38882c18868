//! The CSRF secret of a browser, in a sealed cookie of its own, and its masks for the forms:
//! what the guards of `guards/csrf.rs` and the sign-ins (which give a new one) share.

use base64::Engine;
use rocket::http::CookieJar;
use subtle::ConstantTimeEq;

use super::TokenCookies;

pub(crate) const SECRET_BYTES: usize = 32;
pub(crate) type CsrfSecret = [u8; SECRET_BYTES];

/// The browser's CSRF secret, if its cookie opens.
pub(crate) fn secret(cookies: &TokenCookies, jar: &CookieJar<'_>) -> Option<CsrfSecret> {
    cookies.open_cookie(jar, cookies.csrf_name())?.try_into().ok()
}

/// A new CSRF secret for the browser (at each sign-in and sign-out): tokens of earlier pages
/// stop being accepted.
pub(crate) fn rotate(cookies: &TokenCookies, jar: &CookieJar<'_>) -> Option<CsrfSecret> {
    let mut secret = [0u8; SECRET_BYTES];
    // No randomness: no new secret, and the forms fail closed until there is one.
    getrandom::fill(&mut secret).ok()?;
    // `Lax`: sent with the site's own forms and with a link followed from elsewhere (so that a
    // page reached from another site does not replace it), never with another site's POST.
    jar.add(cookies.seal_lax_cookie(cookies.csrf_name(), &secret, cookies.max_age()));
    Some(secret)
}

/// The secret masked with a random pad of its own (`pad || pad ^ secret`, base64url), as Django
/// does: every page carries another value, so a compressed response does not disclose it
/// (BREACH).
pub(crate) fn mask(secret: &CsrfSecret) -> String {
    let mut out = [0u8; 2 * SECRET_BYTES];
    let (pad, masked) = out.split_at_mut(SECRET_BYTES);
    if getrandom::fill(pad).is_err() {
        pad.fill(0);
    }
    for ((m, p), s) in masked.iter_mut().zip(pad.iter()).zip(secret) {
        *m = p ^ s;
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// Whether `token` (as a form sent it) is the mask of `secret`, compared in constant time.
pub(crate) fn matches(token: &str, secret: &CsrfSecret) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()) else {
        return false;
    };
    let Some((pad, masked)) = bytes.split_at_checked(SECRET_BYTES).filter(|(_, m)| m.len() == SECRET_BYTES) else {
        return false;
    };
    let unmasked: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
    bool::from(unmasked.ct_eq(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mask_opens_to_its_secret_only_and_differs_each_time() {
        let secret = [7u8; SECRET_BYTES];
        let (a, b) = (mask(&secret), mask(&secret));
        assert_ne!(a, b, "a new pad for each page");
        assert!(matches(&a, &secret) && matches(&b, &secret));
        assert!(matches(&format!(" {a} "), &secret), "as a form may send it, padded");
        let mut other = secret;
        other[31] ^= 1;
        assert!(!matches(&a, &other), "another browser's secret");
        for bad in ["", "not base64!", &a[..a.len() - 2], "AAAA"] {
            assert!(!matches(bad, &secret), "{bad:?}");
        }
        // The unmasked secret itself is no token.
        let plain = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        assert!(!matches(&plain, &secret));
    }
}
