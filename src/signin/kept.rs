//! The cookie that keeps a sign-in's pending challenge for the page that answers it, for
//! Cognito's three minutes.

use rocket::http::CookieJar;

use crate::challenge::PendingChallenge;
use crate::cookies::{TokenCookies, CHALLENGE_MAX_AGE};

/// Keeps a pending challenge for the page that answers it, with the time (`now`) it was kept:
/// the cookie is refused after Cognito's three minutes even if a browser (or a copy) keeps it
/// longer than its Max-Age.
pub(crate) fn keep(cookies: &TokenCookies, jar: &CookieJar<'_>, pending: &PendingChallenge, now: i64) {
    // Strings only: serializing cannot fail; if it did, the guard would find no challenge and
    // the user would be asked to sign in again.
    // A passkey step's options went to the page in the response; the cookie need not carry
    // them (a user's passkeys are listed in them, and could outgrow the cookie).
    let Ok(value) = serde_json::to_vec(&pending.kept_form()) else { return };
    let mut plaintext = now.to_be_bytes().to_vec();
    plaintext.extend_from_slice(&value);
    jar.add(cookies.seal_cookie(cookies.challenge_name(), &plaintext, CHALLENGE_MAX_AGE));
}

/// The pending challenge, if one is kept and younger than three minutes at `now`.
pub(crate) fn kept(cookies: &TokenCookies, jar: &CookieJar<'_>, now: i64) -> Option<PendingChallenge> {
    let plaintext = cookies.open_cookie(jar, cookies.challenge_name())?;
    let (at, value) = plaintext.split_first_chunk::<8>()?;
    let age = now.saturating_sub(i64::from_be_bytes(*at));
    if !(0..CHALLENGE_MAX_AGE.whole_seconds()).contains(&age) {
        return None;
    }
    serde_json::from_slice(value).ok()
}

/// Forgets the pending challenge (answered, or dead).
pub(crate) fn forget(cookies: &TokenCookies, jar: &CookieJar<'_>) {
    cookies.remove_cookie(jar, cookies.challenge_name());
}
