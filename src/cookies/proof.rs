//! Where a session keeps its [`Proof`]: a sealed cookie of its own, bound to the user, set at
//! every sign-in and renewed by a re-authentication, and read by the [`Fresh`](crate::Fresh)
//! guard of the routes that must not be reached with a copied cookie alone.

use rocket::http::{Cookie, CookieJar};

use super::TokenCookies;
use crate::proof::{Factors, Proof};

/// The first byte of the proof cookie's plaintext.
const FORMAT: u8 = 1;

/// Keeps `proof` of the user `sub` in this browser (for the session's life).
pub(crate) fn keep(cookies: &TokenCookies, jar: &CookieJar<'_>, sub: &str, proof: Proof) {
    jar.add(cookie(cookies, sub, proof));
}

/// The cookie that keeps `proof` of the user `sub`.
pub(crate) fn cookie(cookies: &TokenCookies, sub: &str, proof: Proof) -> Cookie<'static> {
    let mut plaintext = Vec::with_capacity(10 + sub.len());
    plaintext.push(FORMAT);
    plaintext.extend_from_slice(&proof.at.to_be_bytes());
    plaintext.push(proof.factors.0);
    plaintext.extend_from_slice(sub.as_bytes());
    cookies.seal_cookie(cookies.proof_name(), &plaintext, cookies.max_age())
}

/// The proof this browser keeps of the user `sub`: none for another user's (a proof of one
/// account never vouches for another, however the cookies were put together).
pub(crate) fn kept(cookies: &TokenCookies, jar: &CookieJar<'_>, sub: &str) -> Option<Proof> {
    let plaintext = cookies.open_cookie(jar, cookies.proof_name())?;
    let (&format, rest) = plaintext.split_first()?;
    let (at, rest) = rest.split_first_chunk::<8>().filter(|_| format == FORMAT)?;
    let (&factors, owner) = rest.split_first()?;
    (owner == sub.as_bytes()).then(|| Proof::new(i64::from_be_bytes(*at), Factors(factors)))
}
