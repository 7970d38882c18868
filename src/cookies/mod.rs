//! The cookies the crate owns, each sealed by [`Sealer`] (binary, one base64url layer) and
//! within the browser's size limit:
//! - cookie sessions: the access token, the refresh token with the Cognito username, and the
//!   ID token only when `id_token_cookie` asks for it;
//! - server-side sessions: one random session id;
//! - a sign-in's pending challenge, for three minutes (sealed here, kept by the sign-in).

use std::fmt;

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::time::{Duration, OffsetDateTime};

mod codec;
pub(crate) mod csrf;
pub(crate) mod device;
mod proof;
mod seal;

use self::codec::{pack_str, unpack_str};
pub(crate) use self::codec::{pack_token, unpack_token};
#[cfg(feature = "testing")]
pub(crate) use self::proof::cookie as proof_cookie;
pub(crate) use self::proof::{keep as keep_proof, kept as kept_proof};
use self::seal::sealed_len;
pub(crate) use self::seal::{site_key, Sealer};
use crate::config::{self, Config};
use crate::error::Error;
use crate::tokens::Tokens;

/// Browsers drop a cookie whose `name=value`, as sent in `Set-Cookie`, exceeds 4096 bytes,
/// silently.
pub(crate) const MAX_COOKIE_BYTES: usize = 4096;

/// How long a pending challenge is kept: Cognito's sessions for answering one last three minutes.
pub(crate) const CHALLENGE_MAX_AGE: Duration = Duration::minutes(3);

/// The bytes of a server-side session's id.
pub(crate) const SESSION_ID_BYTES: usize = 32;

/// The names and attributes of the cookies, and the key that seals them.
#[derive(Debug, Clone)]
pub(crate) struct TokenCookies {
    id: String,
    access: String,
    refresh: String,
    session: String,
    challenge: String,
    device: String,
    oauth: String,
    csrf: String,
    proof: String,
    id_token_cookie: bool,
    secure: bool,
    same_site: SameSite,
    max_age: Duration,
    sealer: Sealer,
}

/// What the cookies of a request hold. `Debug` shows which are present, never a token.
#[derive(Clone, Default)]
pub(crate) struct StoredTokens {
    /// The ID token.
    pub(crate) id_token: Option<String>,
    /// The access token.
    pub(crate) access_token: Option<String>,
    /// The refresh cookie.
    pub(crate) refresh: Option<RefreshCookie>,
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

/// What the refresh cookie holds: the refresh token, the canonical Cognito username its
/// SECRET_HASH is computed from, and when the session signed in. `Debug` shows no token.
#[derive(Clone)]
pub(crate) struct RefreshCookie {
    pub(crate) token: String,
    pub(crate) username: String,
    pub(crate) started: i64,
}

impl fmt::Debug for RefreshCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshCookie").field("username", &self.username).field("started", &self.started).finish()
    }
}

/// The first byte of what a session cookie seals, followed by the session's sign-in time (so
/// that the site, not only the browser, ends it after `cookie_max_age_secs`). Cookies sealed
/// without it, by earlier versions, are not read: their sessions sign in again.
const SESSION_FORMAT: u8 = 0xC5;

/// What a session cookie seals: the format, the sign-in time, the username (the refresh cookie),
/// the token.
pub(crate) fn pack_value(started: i64, username: Option<&str>, token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(token.len() + username.map_or(0, str::len) + 16);
    out.push(SESSION_FORMAT);
    out.extend_from_slice(&started.to_be_bytes());
    if let Some(username) = username {
        pack_str(username, &mut out);
    }
    pack_token(token, &mut out);
    out
}

/// Reads what [`pack_value`] wrote: the sign-in time, the username (when `with_username`), the
/// token; `None` for anything else.
pub(crate) fn unpack_value(plaintext: &[u8], with_username: bool) -> Option<(i64, Option<String>, String)> {
    let (&format, rest) = plaintext.split_first()?;
    let (started, mut input) = rest.split_first_chunk::<8>().filter(|_| format == SESSION_FORMAT)?;
    let username = match with_username {
        true => Some(unpack_str(&mut input).filter(|u| !u.is_empty())?),
        false => None,
    };
    let token = unpack_token(&mut input).filter(|t| !t.is_empty() && input.is_empty())?;
    Some((i64::from_be_bytes(*started), username, token))
}

impl TokenCookies {
    /// Cookie settings from the configuration, sealed with `sealer`.
    pub(crate) fn new(config: &Config, sealer: Sealer) -> TokenCookies {
        // Secure unless the site says it serves plain http (local development): behind a TLS
        // proxy Rocket itself sees http, and the 30-day refresh cookie must not travel over it.
        let secure = config.cookie_secure.unwrap_or(true);
        // `__Host-`: the browser accepts the cookie only Secure, for this host, at path /, so
        // that no subdomain or plain-http page can set or shadow it.
        let prefix = if secure { format!("__Host-{}", config.cookie_prefix) } else { config.cookie_prefix.clone() };
        TokenCookies {
            id: format!("{prefix}_id"),
            access: format!("{prefix}_access"),
            refresh: format!("{prefix}_refresh"),
            session: format!("{prefix}_session"),
            challenge: format!("{prefix}_challenge"),
            device: format!("{prefix}_device"),
            oauth: format!("{prefix}_oauth"),
            csrf: format!("{prefix}_csrf"),
            proof: format!("{prefix}_proof"),
            id_token_cookie: config.id_token_cookie,
            secure,
            same_site: match config.cookie_same_site {
                config::SameSite::Lax => SameSite::Lax,
                config::SameSite::Strict => SameSite::Strict,
                config::SameSite::None => SameSite::None,
            },
            // Validated at launch to fit an i64.
            max_age: Duration::seconds(config.cookie_max_age.as_secs() as i64),
            sealer,
        }
    }

    /// Whether cookie sessions keep the ID token in a cookie (`id_token_cookie`).
    pub(crate) fn keeps_id_token(&self) -> bool {
        self.id_token_cookie
    }

    /// The names of the session's cookies, in either mode (its proof of identity included).
    pub(crate) fn names(&self) -> [&str; 5] {
        [&self.id, &self.access, &self.refresh, &self.session, &self.proof]
    }

    /// Sets the cookies of a cookie session that signed in at `started`, as of `now`, after
    /// checking that each fits; if one would not, none is set.
    pub(crate) fn set(
        &self,
        jar: &CookieJar<'_>,
        tokens: &Tokens,
        username: &str,
        started: i64,
        now: i64,
    ) -> Result<(), Error> {
        for cookie in self.sealed(tokens, username, started, now)? {
            jar.add(cookie);
        }
        Ok(())
    }

    /// The sealed cookies of a cookie session that signed in at `started`, as of `now` (they
    /// last what is left of `cookie_max_age_secs`), after checking that each fits; if one
    /// would not, none is returned.
    pub(crate) fn sealed(
        &self,
        tokens: &Tokens,
        username: &str,
        started: i64,
        now: i64,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        let mut values = vec![
            (&self.access, pack_value(started, None, &tokens.access_token)),
            (&self.refresh, pack_value(started, Some(username), &tokens.refresh_token)),
        ];
        if self.id_token_cookie {
            values.push((&self.id, pack_value(started, None, &tokens.id_token)));
        }
        for (name, plaintext) in &values {
            let size = name.len() + 1 + sealed_len(plaintext.len());
            if size > MAX_COOKIE_BYTES {
                return Err(Error::CookieTooLarge { cookie: (*name).clone(), size, limit: MAX_COOKIE_BYTES });
            }
        }
        let left = Duration::seconds(self.ends_at(started).saturating_sub(now).max(0));
        Ok(values
            .into_iter()
            .map(|(name, plaintext)| self.cookie(name.clone(), self.sealer.seal(name, &plaintext), left))
            .collect())
    }

    /// When a session that signed in at `started` ends (`cookie_max_age_secs` later).
    pub(crate) fn ends_at(&self, started: i64) -> i64 {
        started.saturating_add(self.max_age.whole_seconds())
    }

    /// The cookie of a server-side session: its random id, sealed.
    pub(crate) fn session_cookie(&self, id: &[u8; SESSION_ID_BYTES]) -> Cookie<'static> {
        self.cookie(self.session.clone(), self.sealer.seal(&self.session, id), self.max_age)
    }

    /// The id in the server-side session cookie.
    pub(crate) fn session(&self, jar: &CookieJar<'_>) -> Option<[u8; SESSION_ID_BYTES]> {
        self.open_session(self.session_value(jar)?)
    }

    /// The session cookie's value, as sent.
    pub(crate) fn session_value<'a>(&self, jar: &'a CookieJar<'_>) -> Option<&'a str> {
        jar.get(&self.session).map(|c| c.value())
    }

    /// The session id sealed in `value`.
    pub(crate) fn open_session(&self, value: &str) -> Option<[u8; SESSION_ID_BYTES]> {
        self.sealer.open(&self.session, value)?.try_into().ok()
    }

    /// Removes the session's cookies that the request carries (either mode's).
    pub(crate) fn clear(&self, jar: &CookieJar<'_>) {
        for name in self.names() {
            if jar.get(name).is_some() {
                jar.remove(self.cookie(name.to_owned(), String::new(), Duration::ZERO));
            }
        }
    }

    /// `Set-Cookie` values that delete the session's cookies in the browser.
    pub(crate) fn removals(&self) -> Vec<Cookie<'static>> {
        self.names()
            .into_iter()
            .map(|name| {
                let mut cookie = self.cookie(name.to_owned(), String::new(), Duration::ZERO);
                cookie.make_removal();
                cookie
            })
            .collect()
    }

    /// Reads a cookie session's cookies; a tampered cookie, or one sealed with another key,
    /// reads as absent.
    pub(crate) fn get(&self, jar: &CookieJar<'_>) -> StoredTokens {
        StoredTokens {
            id_token: self.id_token(jar),
            access_token: self.access_token(jar).map(|(token, _)| token),
            refresh: self.refresh(jar),
        }
    }

    /// The access cookie's sealed value, as sent.
    pub(crate) fn access_value<'a>(&self, jar: &'a CookieJar<'_>) -> Option<&'a str> {
        jar.get(&self.access).map(|c| c.value())
    }

    /// The access token cookie: the token and the session's sign-in time.
    pub(crate) fn access_token(&self, jar: &CookieJar<'_>) -> Option<(String, i64)> {
        let (started, _, token) = unpack_value(&self.open(jar, &self.access)?, false)?;
        Some((token, started))
    }

    /// The ID token cookie.
    pub(crate) fn id_token(&self, jar: &CookieJar<'_>) -> Option<String> {
        Some(unpack_value(&self.open(jar, &self.id)?, false)?.2)
    }

    /// The refresh token cookie.
    pub(crate) fn refresh(&self, jar: &CookieJar<'_>) -> Option<RefreshCookie> {
        let (started, username, token) = unpack_value(&self.open(jar, &self.refresh)?, true)?;
        Some(RefreshCookie { token, username: username?, started })
    }

    fn open(&self, jar: &CookieJar<'_>, name: &str) -> Option<Vec<u8>> {
        self.sealer.open(name, jar.get(name)?.value())
    }

    /// The name of the cookie that keeps a sign-in's pending challenge.
    pub(crate) fn challenge_name(&self) -> &str {
        &self.challenge
    }

    /// The managed-login cookie, `plaintext` sealed: `SameSite=Lax` whatever the site's policy,
    /// since the browser must send it on the redirect back from Cognito's domain (a top-level
    /// GET; `Strict` would withhold it and no callback could finish).
    pub(crate) fn seal_oauth_cookie(&self, plaintext: &[u8], max_age: Duration) -> Cookie<'static> {
        self.seal_lax_cookie(&self.oauth, plaintext, max_age)
    }

    /// A cookie of the crate's named `name`, `plaintext` sealed for it, `SameSite=Lax` whatever
    /// the site's policy.
    pub(crate) fn seal_lax_cookie(&self, name: &str, plaintext: &[u8], max_age: Duration) -> Cookie<'static> {
        let mut cookie = self.seal_cookie(name, plaintext, max_age);
        cookie.set_same_site(SameSite::Lax);
        cookie
    }

    /// The name of the cookie that keeps the browser's CSRF secret.
    pub(crate) fn csrf_name(&self) -> &str {
        &self.csrf
    }

    /// The name of the cookie that keeps when and how the session's user last proved who they are.
    pub(crate) fn proof_name(&self) -> &str {
        &self.proof
    }

    /// How long a session lasts after its sign-in (`cookie_max_age_secs`).
    pub(crate) fn max_age(&self) -> Duration {
        self.max_age
    }

    /// The name of the cookie that keeps a managed-login sign-in under way.
    pub(crate) fn oauth_name(&self) -> &str {
        &self.oauth
    }

    /// The name of the cookie that keeps this browser's remembered device (it outlives sessions).
    pub(crate) fn device_name(&self) -> &str {
        &self.device
    }

    /// A cookie of the crate's named `name`, `plaintext` sealed for it, for `max_age`.
    pub(crate) fn seal_cookie(&self, name: &str, plaintext: &[u8], max_age: Duration) -> Cookie<'static> {
        self.cookie(name.to_owned(), self.sealer.seal(name, plaintext), max_age)
    }

    /// What the request's cookie `name` seals, if it has one that opens.
    pub(crate) fn open_cookie(&self, jar: &CookieJar<'_>, name: &str) -> Option<Vec<u8>> {
        self.open(jar, name)
    }

    /// Removes the cookie `name` when the request carries it.
    pub(crate) fn remove_cookie(&self, jar: &CookieJar<'_>, name: &str) {
        if jar.get(name).is_some() {
            jar.remove(self.cookie(name.to_owned(), String::new(), Duration::ZERO));
        }
    }

    /// Whether the request carries any of the session's cookies (either mode's).
    pub(crate) fn carried(&self, jar: &CookieJar<'_>) -> bool {
        self.names().iter().any(|name| jar.get(name).is_some())
    }

    /// A cookie of the crate's: `Max-Age` and `Expires` agree (Rocket would add a one-week
    /// `Expires` to a private cookie beside any `Max-Age`).
    fn cookie(&self, name: String, value: String, max_age: Duration) -> Cookie<'static> {
        let mut cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(self.same_site)
            .max_age(max_age)
            .expires(OffsetDateTime::now_utc() + max_age)
            .build();
        cookie.set_secure(self.secure);
        cookie
    }
}

#[cfg(test)]
mod tests {
    use rocket::local::asynchronous::Client;
    use rocket::{get, routes, State};

    use super::*;

    #[get("/set/<len>")]
    fn set(cookies: &State<TokenCookies>, jar: &CookieJar<'_>, len: usize) -> String {
        let tokens =
            Tokens { id_token: "i".repeat(100), access_token: "~".repeat(len), refresh_token: "~".repeat(100) };
        let now = crate::tokens::unix_now();
        match cookies.set(jar, &tokens, "alice", now, now) {
            Ok(()) => "set".into(),
            Err(e) => e.to_string(),
        }
    }

    #[get("/read")]
    fn read(cookies: &State<TokenCookies>, jar: &CookieJar<'_>) -> String {
        let stored = cookies.get(jar);
        format!("{:?} {:?}", stored.access_token.map(|t| t.len()), stored.refresh.map(|r| (r.token.len(), r.username)))
    }

    fn figment() -> rocket::figment::Figment {
        rocket::Config::figment()
            .merge(("secret_key", "q1sMvBH5xHkAqPrQ2m0l3Yf3t1x5Jc3uB0r9oQ2a8Zc="))
            .merge(("log_level", "off"))
            .merge((
                "cognito",
                rocket::figment::util::map! { "user_pool_id" => "eu-west-1_Abc", "app_client_id" => "c" },
            ))
    }

    async fn client() -> Client {
        let figment = figment();
        let config = Config::from_figment(&figment).unwrap();
        let cookies = TokenCookies::new(&config, Sealer::from_figment(&figment));
        let rocket = rocket::custom(figment).manage(cookies).mount("/", routes![set, read]);
        Client::tracked(rocket).await.unwrap()
    }

    fn set_cookies(response: &rocket::local::asynchronous::LocalResponse<'_>) -> Vec<String> {
        response.headers().get("Set-Cookie").map(str::to_owned).collect()
    }

    #[rocket::async_test]
    async fn a_token_too_large_for_its_cookie_is_an_error_and_no_cookie_is_set() {
        let client = client().await;
        // Text that is no base64url is kept as it is: 4 bytes of sealed cookie per 3 of token.
        let largest = (1000..4096)
            .take_while(|n| "cognito_access=".len() + sealed_len(n + 14) <= MAX_COOKIE_BYTES)
            .last()
            .unwrap();
        for len in [largest + 1, 3100, 100_000] {
            let response = client.get(format!("/set/{len}")).dispatch().await;
            assert!(set_cookies(&response).is_empty(), "{len}");
            let message = response.into_string().await.unwrap();
            assert!(
                message.contains("cognito_access cookie could be") && message.contains("over the browser limit"),
                "{message}"
            );
        }
        // The largest token the check lets through fits exactly, and reads back whole.
        let response = client.get(format!("/set/{largest}")).dispatch().await;
        let cookies = set_cookies(&response);
        assert_eq!(cookies.len(), 2, "access and refresh; no ID token cookie by default");
        let sizes: Vec<usize> = cookies.iter().map(|c| c.split(';').next().unwrap().len()).collect();
        assert!(
            sizes.iter().all(|s| *s <= MAX_COOKIE_BYTES) && sizes.iter().any(|s| *s > MAX_COOKIE_BYTES - 4),
            "{sizes:?}"
        );
        let read = client.get("/read").dispatch().await.into_string().await.unwrap();
        assert_eq!(read, format!("Some({largest}) Some((100, \"alice\"))"));
    }

    #[rocket::async_test]
    async fn max_age_and_expires_agree() {
        let client = client().await;
        let response = client.get("/set/100").dispatch().await;
        for cookie in set_cookies(&response) {
            let parsed = Cookie::parse(cookie.clone()).unwrap();
            let max_age = parsed.max_age().unwrap();
            let expires = parsed.expires_datetime().unwrap();
            let gap = (expires - OffsetDateTime::now_utc() - max_age).abs();
            assert_eq!(max_age, Duration::days(30), "{cookie}");
            assert!(gap < Duration::seconds(5), "{cookie}: Expires and Max-Age differ by {gap}");
        }
    }

    #[test]
    fn stored_tokens_debug_shows_no_token() {
        let stored = StoredTokens {
            id_token: Some("eyJ.id.token".into()),
            access_token: Some("eyJ.access.token".into()),
            refresh: Some(RefreshCookie { token: "refresh-token-value".into(), username: "alice".into(), started: 0 }),
        };
        let debug = format!("{stored:?}");
        assert!(!debug.contains("eyJ") && !debug.contains("refresh-token-value"), "{debug}");
    }
}
