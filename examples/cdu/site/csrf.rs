//! Protection against cross-site request forgery: a random token kept in a private cookie and
//! repeated in every form; a POST whose token does not match is refused with 403. The cookie is
//! `__Host-csrf` (Secure, this host only, so that no subdomain or plain-http page can plant a
//! token) unless the site serves plain http (`cookie_secure = false`, the debug profile), and a
//! sign-in gets a new token, so that one planted before it is worth nothing after.

use base64::Engine;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket_dyn_templates::Template;

/// The request's CSRF token (created when the browser has none yet).
pub struct CsrfToken(String, bool);

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-csrf"
    } else {
        "csrf"
    }
}

impl CsrfToken {
    /// The value forms carry in their `csrf_token` field.
    pub fn value(&self) -> &str {
        &self.0
    }

    /// A new token in place of this one (at sign-in).
    pub fn renew(&self, jar: &CookieJar<'_>) {
        set(jar, fresh_token(), self.1);
    }

    /// Whether a submitted token is this one (compared in constant time); the 403 page if not.
    #[allow(clippy::result_large_err)] // the handlers return this page by value anyway
    pub fn check(&self, submitted: &str) -> Result<(), (Status, Template)> {
        let (a, b) = (self.0.as_bytes(), submitted.as_bytes());
        let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same {
            return Ok(());
        }
        let message = "CSRF verification failed. Reload the page and try again.";
        Err(super::error_page(Status::Forbidden, "Forbidden", message))
    }
}

fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn set(jar: &CookieJar<'_>, value: String, secure: bool) {
    let cookie = Cookie::build((cookie_name(secure), value)).path("/").http_only(true).secure(secure);
    jar.add_private(cookie.same_site(SameSite::Strict));
}

fn token(jar: &CookieJar<'_>, secure: bool) -> CsrfToken {
    if let Some(cookie) = jar.get_private(cookie_name(secure)) {
        return CsrfToken(cookie.value().to_owned(), secure);
    }
    let value = fresh_token();
    set(jar, value.clone(), secure);
    CsrfToken(value, secure)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        // The session cookies' setting: Secure unless the site serves plain http.
        let secure = req.rocket().state::<super::SiteConfig>().is_none_or(|c| c.secure_cookies);
        Outcome::Success(token(req.cookies(), secure))
    }
}
