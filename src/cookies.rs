//! The three tokens in private cookies, one cookie each, within the browser's size limit.

use base64::Engine;
use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::time::Duration;

use crate::cognito::Tokens;
use crate::config::{self, Config};

/// Browsers drop a cookie whose `name=value`, as sent in `Set-Cookie`, exceeds 4096 bytes,
/// silently.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The length of a sealed value before percent-encoding: Rocket seals private cookies with
/// AES-256-GCM (12-byte nonce, 16-byte tag), then base64. A lower bound of the sent size.
pub fn sealed_len(plaintext: usize) -> usize {
    (plaintext + 28).div_ceil(3) * 4
}

/// The most bytes `name=value` takes in `Set-Cookie` once the value is sealed, base64-encoded
/// and percent-encoded (each `/` and `=` of the base64 becomes three bytes), except with a
/// probability under 10^-9: the count of `/` in random base64 is binomial (1 in 64), and the
/// bound allows six standard deviations above its mean. The exact size depends on the random
/// nonce Rocket seals with, after the cookie is handed to it.
pub fn sent_len_bound(name: &str, plaintext: usize) -> usize {
    let sealed = sealed_len(plaintext);
    let padding = (3 - (plaintext + 28) % 3) % 3;
    let mean = sealed as f64 / 64.0;
    let slashes = (mean + 6.0 * mean.sqrt()).ceil() as usize;
    name.len() + 1 + sealed + 2 * padding + 2 * slashes
}

/// A token that would not fit in its cookie once sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {cookie} cookie could be up to {size} bytes once sealed, over the browser limit of {limit}")]
pub struct CookieTooLarge {
    /// The cookie's name.
    pub cookie: String,
    /// Its name and sealed value, in bytes.
    pub size: usize,
    /// The limit.
    pub limit: usize,
}

/// The names and attributes of the token cookies.
#[derive(Debug, Clone)]
pub struct TokenCookies {
    id: String,
    access: String,
    refresh: String,
    secure: Option<bool>,
    same_site: SameSite,
    max_age: Duration,
}

/// What the cookies of a request hold.
#[derive(Debug, Clone, Default)]
pub struct StoredTokens {
    /// The ID token.
    pub id_token: Option<String>,
    /// The access token.
    pub access_token: Option<String>,
    /// The refresh token and the canonical Cognito username its SECRET_HASH is computed from.
    pub refresh: Option<(String, String)>,
}

impl TokenCookies {
    /// Cookie settings from the configuration.
    pub fn new(config: &Config) -> TokenCookies {
        let prefix = &config.cookie_prefix;
        TokenCookies {
            id: format!("{prefix}_id"),
            access: format!("{prefix}_access"),
            refresh: format!("{prefix}_refresh"),
            secure: config.cookie_secure,
            same_site: match config.cookie_same_site {
                config::SameSite::Lax => SameSite::Lax,
                config::SameSite::Strict => SameSite::Strict,
                config::SameSite::None => SameSite::None,
            },
            max_age: Duration::seconds(config.cookie_max_age_secs),
        }
    }

    /// The three cookie names: ID, access, refresh.
    pub fn names(&self) -> [&str; 3] {
        [&self.id, &self.access, &self.refresh]
    }

    /// Sets the three cookies, after checking that each fits once sealed and encoded; if one
    /// would not, none is set.
    pub fn set(&self, jar: &CookieJar<'_>, tokens: &Tokens, username: &str) -> Result<(), CookieTooLarge> {
        let refresh = refresh_value(username, &tokens.refresh_token);
        let values = [
            (&self.id, tokens.id_token.as_str()),
            (&self.access, tokens.access_token.as_str()),
            (&self.refresh, refresh.as_str()),
        ];
        for (name, value) in values {
            let size = sent_len_bound(name, value.len());
            if size > MAX_COOKIE_BYTES {
                return Err(CookieTooLarge { cookie: name.clone(), size, limit: MAX_COOKIE_BYTES });
            }
        }
        for (name, value) in values {
            jar.add_private(self.cookie(name.clone(), value.to_owned()));
        }
        Ok(())
    }

    /// Removes the three cookies.
    pub fn clear(&self, jar: &CookieJar<'_>) {
        for name in self.names() {
            jar.remove_private(self.cookie(name.to_owned(), String::new()));
        }
    }

    /// `Set-Cookie` values that delete the three cookies in the browser.
    pub fn removals(&self) -> Vec<Cookie<'static>> {
        self.names()
            .into_iter()
            .map(|name| {
                let mut cookie = self.cookie(name.to_owned(), String::new());
                cookie.make_removal();
                cookie
            })
            .collect()
    }

    /// Reads the three cookies; a tampered cookie, or one sealed with another key, reads as
    /// absent. Each read decrypts: the guards read only the cookies they need.
    pub fn get(&self, jar: &CookieJar<'_>) -> StoredTokens {
        StoredTokens { id_token: self.id_token(jar), access_token: self.access_token(jar), refresh: self.refresh(jar) }
    }

    /// The access token cookie.
    pub fn access_token(&self, jar: &CookieJar<'_>) -> Option<String> {
        jar.get_private(&self.access).map(|c| c.value().to_owned())
    }

    /// The ID token cookie.
    pub fn id_token(&self, jar: &CookieJar<'_>) -> Option<String> {
        jar.get_private(&self.id).map(|c| c.value().to_owned())
    }

    /// The refresh token cookie: the token and the Cognito username.
    pub fn refresh(&self, jar: &CookieJar<'_>) -> Option<(String, String)> {
        jar.get_private(&self.refresh).as_ref().and_then(|c| parse_refresh_value(c.value()))
    }

    fn cookie(&self, name: String, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(self.same_site)
            .max_age(self.max_age)
            .build();
        // When unset, Rocket marks the cookie Secure itself if it serves TLS.
        if let Some(secure) = self.secure {
            cookie.set_secure(secure);
        }
        cookie
    }
}

/// The refresh cookie keeps the Cognito username beside the token: base64url has no `.`.
fn refresh_value(username: &str, refresh_token: &str) -> String {
    let user = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(username);
    format!("{user}.{refresh_token}")
}

fn parse_refresh_value(value: &str) -> Option<(String, String)> {
    let (user, token) = value.split_once('.')?;
    let user = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(user).ok()?;
    let user = String::from_utf8(user).ok()?;
    (!user.is_empty() && !token.is_empty()).then(|| (token.to_owned(), user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_length_and_its_bound() {
        assert_eq!(sealed_len(0), 40);
        assert_eq!(sealed_len(2), 40);
        assert_eq!(sealed_len(3), 44);
        assert!(sent_len_bound("c", 100) > 1 + 1 + sealed_len(100));
        // The budget DESIGN.md measured: about 2.8 KB of token per cookie.
        assert!(sent_len_bound("cognito_id", 2800) <= MAX_COOKIE_BYTES);
        assert!(sent_len_bound("cognito_id", 2900) > MAX_COOKIE_BYTES);
    }

    #[test]
    fn refresh_value_round_trips_any_username() {
        for user in ["alice", "a.b@example.com", "ünï cödé", "x|y.z"] {
            assert_eq!(parse_refresh_value(&refresh_value(user, "tok.en")), Some(("tok.en".into(), user.into())));
        }
        assert_eq!(parse_refresh_value("nodot"), None);
        assert_eq!(parse_refresh_value(".token"), None);
    }
}
