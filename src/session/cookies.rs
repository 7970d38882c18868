//! The cookies the crate owns: the three tokens in private cookies, one each, within the
//! browser's size limit; and the pending challenge of a sign-in in a short-lived one.

use std::fmt;

use base64::Engine;
use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::time::Duration;

use crate::challenge::PendingChallenge;
use crate::config::{self, Config};
use crate::error::Error;
use crate::tokens::Tokens;

/// Browsers drop a cookie whose `name=value`, as sent in `Set-Cookie`, exceeds 4096 bytes,
/// silently.
pub(crate) const MAX_COOKIE_BYTES: usize = 4096;

/// The length of a sealed value before percent-encoding: Rocket seals private cookies with
/// AES-256-GCM (12-byte nonce, 16-byte tag), then base64. A lower bound of the sent size.
pub(crate) fn sealed_len(plaintext: usize) -> usize {
    (plaintext + 28).div_ceil(3) * 4
}

/// The most bytes `name=value` takes in `Set-Cookie` once the value is sealed, base64-encoded
/// and percent-encoded (each `/` and `=` of the base64 becomes three bytes), except with a
/// probability under 10^-9: the count of `/` in random base64 is binomial (1 in 64), and the
/// bound allows six standard deviations above its mean. The exact size depends on the random
/// nonce Rocket seals with, after the cookie is handed to it.
pub(crate) fn sent_len_bound(name: &str, plaintext: usize) -> usize {
    let sealed = sealed_len(plaintext);
    let padding = (3 - (plaintext + 28) % 3) % 3;
    let mean = sealed as f64 / 64.0;
    let slashes = (mean + 6.0 * mean.sqrt()).ceil() as usize;
    name.len() + 1 + sealed + 2 * padding + 2 * slashes
}

/// How long a pending challenge is kept: Cognito's sessions for answering one last three minutes.
const CHALLENGE_MAX_AGE: Duration = Duration::minutes(3);

/// The names and attributes of the cookies.
#[derive(Debug, Clone)]
pub(crate) struct TokenCookies {
    id: String,
    access: String,
    refresh: String,
    challenge: String,
    secure: Option<bool>,
    same_site: SameSite,
    max_age: Duration,
}

/// What the cookies of a request hold. `Debug` shows which are present, never a token.
#[derive(Clone, Default)]
pub(crate) struct StoredTokens {
    /// The ID token.
    pub(crate) id_token: Option<String>,
    /// The access token.
    pub(crate) access_token: Option<String>,
    /// The refresh token and the canonical Cognito username its SECRET_HASH is computed from.
    pub(crate) refresh: Option<(String, String)>,
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokens")
            .field("id_token", &self.id_token.is_some())
            .field("access_token", &self.access_token.is_some())
            .field("refresh", &self.refresh.is_some())
            .finish()
    }
}

impl TokenCookies {
    /// Cookie settings from the configuration.
    pub(crate) fn new(config: &Config) -> TokenCookies {
        let prefix = &config.cookie_prefix;
        TokenCookies {
            id: format!("{prefix}_id"),
            access: format!("{prefix}_access"),
            refresh: format!("{prefix}_refresh"),
            challenge: format!("{prefix}_challenge"),
            secure: config.cookie_secure,
            same_site: match config.cookie_same_site {
                config::SameSite::Lax => SameSite::Lax,
                config::SameSite::Strict => SameSite::Strict,
                config::SameSite::None => SameSite::None,
            },
            // Validated at launch to fit an i64.
            max_age: Duration::seconds(config.cookie_max_age.as_secs() as i64),
        }
    }

    /// The three cookie names: ID, access, refresh.
    pub(crate) fn names(&self) -> [&str; 3] {
        [&self.id, &self.access, &self.refresh]
    }

    /// Sets the three cookies, after checking that each fits once sealed and encoded; if one
    /// would not, none is set.
    pub(crate) fn set(&self, jar: &CookieJar<'_>, tokens: &Tokens, username: &str) -> Result<(), Error> {
        for cookie in self.unsealed(tokens, username)? {
            jar.add_private(cookie);
        }
        Ok(())
    }

    /// The three cookies before sealing, after checking that each fits once sealed and
    /// encoded; if one would not, none is returned.
    pub(crate) fn unsealed(&self, tokens: &Tokens, username: &str) -> Result<Vec<Cookie<'static>>, Error> {
        let refresh = refresh_value(username, &tokens.refresh_token);
        let values = [
            (&self.id, tokens.id_token.as_str()),
            (&self.access, tokens.access_token.as_str()),
            (&self.refresh, refresh.as_str()),
        ];
        for (name, value) in values {
            let size = sent_len_bound(name, value.len());
            if size > MAX_COOKIE_BYTES {
                return Err(Error::CookieTooLarge { cookie: name.clone(), size, limit: MAX_COOKIE_BYTES });
            }
        }
        Ok(values.into_iter().map(|(name, value)| self.cookie(name.clone(), value.to_owned())).collect())
    }

    /// Removes the three cookies.
    pub(crate) fn clear(&self, jar: &CookieJar<'_>) {
        for name in self.names() {
            jar.remove_private(self.cookie(name.to_owned(), String::new()));
        }
    }

    /// `Set-Cookie` values that delete the three cookies in the browser.
    pub(crate) fn removals(&self) -> Vec<Cookie<'static>> {
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
    pub(crate) fn get(&self, jar: &CookieJar<'_>) -> StoredTokens {
        StoredTokens { id_token: self.id_token(jar), access_token: self.access_token(jar), refresh: self.refresh(jar) }
    }

    /// The access token cookie.
    pub(crate) fn access_token(&self, jar: &CookieJar<'_>) -> Option<String> {
        jar.get_private(&self.access).map(|c| c.value().to_owned())
    }

    /// The ID token cookie.
    pub(crate) fn id_token(&self, jar: &CookieJar<'_>) -> Option<String> {
        jar.get_private(&self.id).map(|c| c.value().to_owned())
    }

    /// The refresh token cookie: the token and the Cognito username.
    pub(crate) fn refresh(&self, jar: &CookieJar<'_>) -> Option<(String, String)> {
        jar.get_private(&self.refresh).as_ref().and_then(|c| parse_refresh_value(c.value()))
    }

    /// Keeps a pending challenge for the page that answers it.
    pub(crate) fn keep_challenge(&self, jar: &CookieJar<'_>, pending: &PendingChallenge) {
        // Strings only: serializing cannot fail; if it did, the guard would find no challenge
        // and the user would be asked to sign in again.
        let Ok(value) = serde_json::to_string(pending) else { return };
        let mut cookie = self.cookie(self.challenge.clone(), value);
        cookie.set_max_age(CHALLENGE_MAX_AGE);
        jar.add_private(cookie);
    }

    /// The pending challenge, if one is kept.
    pub(crate) fn challenge(&self, jar: &CookieJar<'_>) -> Option<PendingChallenge> {
        jar.get_private(&self.challenge).and_then(|c| serde_json::from_str(c.value()).ok())
    }

    /// Forgets the pending challenge (answered, or dead).
    pub(crate) fn forget_challenge(&self, jar: &CookieJar<'_>) {
        if jar.get(&self.challenge).is_some() {
            jar.remove_private(self.cookie(self.challenge.clone(), String::new()));
        }
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
    use rocket::local::asynchronous::Client;
    use rocket::{get, routes, State};

    use super::*;

    #[get("/set/<len>")]
    fn set(cookies: &State<TokenCookies>, jar: &CookieJar<'_>, len: usize) -> String {
        let tokens =
            Tokens { id_token: "i".repeat(len), access_token: "a".repeat(100), refresh_token: "r".repeat(100) };
        match cookies.set(jar, &tokens, "alice") {
            Ok(()) => "set".into(),
            Err(e) => e.to_string(),
        }
    }

    async fn client() -> Client {
        let figment = rocket::Config::figment()
            .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
            .merge(("log_level", "off"))
            .merge((
                "cognito",
                rocket::figment::util::map! { "user_pool_id" => "eu-west-1_Abc", "app_client_id" => "c" },
            ));
        let config = Config::from_figment(&figment).unwrap();
        let rocket = rocket::custom(figment).manage(TokenCookies::new(&config)).mount("/", routes![set]);
        Client::tracked(rocket).await.unwrap()
    }

    fn set_cookies(response: &rocket::local::asynchronous::LocalResponse<'_>) -> Vec<String> {
        response.headers().get("Set-Cookie").map(str::to_owned).collect()
    }

    #[rocket::async_test]
    async fn a_token_too_large_for_its_cookie_is_an_error_and_no_cookie_is_set() {
        let client = client().await;
        for len in [2900, 3000, 100_000] {
            let response = client.get(format!("/set/{len}")).dispatch().await;
            assert!(set_cookies(&response).is_empty(), "{len}");
            let message = response.into_string().await.unwrap();
            assert!(
                message.contains("cognito_id cookie could be") && message.contains("over the browser limit"),
                "{message}"
            );
        }
        // The largest token the check lets through really fits, whatever nonce Rocket seals with.
        let largest = (1000..4096).take_while(|n| sent_len_bound("cognito_id", *n) <= MAX_COOKIE_BYTES).last().unwrap();
        assert!(largest >= 2800, "{largest}");
        for _ in 0..40 {
            let response = client.get(format!("/set/{largest}")).dispatch().await;
            let cookies = set_cookies(&response);
            assert_eq!(cookies.len(), 3);
            for cookie in cookies {
                let sent = cookie.split(';').next().unwrap().len();
                assert!(sent <= MAX_COOKIE_BYTES, "{sent} bytes");
            }
        }
    }

    #[test]
    fn stored_tokens_debug_shows_no_token() {
        let stored = StoredTokens {
            id_token: Some("eyJ.id.token".into()),
            access_token: Some("eyJ.access.token".into()),
            refresh: Some(("refresh-token-value".into(), "alice".into())),
        };
        let debug = format!("{stored:?}");
        assert!(!debug.contains("eyJ") && !debug.contains("refresh-token-value"), "{debug}");
    }

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
