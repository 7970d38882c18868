//! Protection against cross-site request forgery: a random token kept in a private cookie and
//! repeated in every form; a POST whose token does not match is refused with 403.

use base64::Engine;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket_dyn_templates::Template;

const COOKIE: &str = "csrf";

/// The request's CSRF token (created when the browser has none yet).
pub struct CsrfToken(String);

impl CsrfToken {
    /// The value forms carry in their `csrf_token` field.
    pub fn value(&self) -> &str {
        &self.0
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

fn token(jar: &CookieJar<'_>) -> CsrfToken {
    if let Some(cookie) = jar.get_private(COOKIE) {
        return CsrfToken(cookie.value().to_owned());
    }
    let value = fresh_token();
    jar.add_private(Cookie::build((COOKIE, value.clone())).path("/").http_only(true).same_site(SameSite::Strict));
    CsrfToken(value)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(token(req.cookies()))
    }
}
