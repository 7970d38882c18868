//! The test user pool (its settings, figment and session cookies) and its users, whose tokens
//! are signed for any attributes, groups and expiry.

use std::sync::atomic::Ordering;

use rocket::figment::Figment;
use rocket::http::Cookie;
use serde_json::{json, Value};

use super::keys::{refresh_token, sign, JWKS};
use super::session::signed_in_now;
use super::session::start_session;
use crate::client::offline;
use crate::config::Config;
use crate::cookies::{Sealer, TokenCookies};
use crate::store::Profile;
use crate::tokens::{unix_now, Tokens};

/// The `secret_key` of the tests' figments: random, one for the whole test process (a fixed
/// key in the crate would be a published one).
fn secret_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use base64::Engine;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random source works");
        base64::engine::general_purpose::STANDARD.encode(key)
    })
}

/// A user pool for tests, whose tokens [`TestUser`] signs with the offline key.
///
/// ```
/// use rocket_warrant::testing::TestPool;
///
/// let pool = TestPool::new();
/// assert_eq!(pool.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool");
/// assert_eq!(pool.settings()["app_client_id"], "test-client");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPool {
    pub(super) pool_id: String,
    pub(super) client_id: String,
}

impl Default for TestPool {
    fn default() -> Self {
        TestPool::new()
    }
}

impl TestPool {
    /// The pool `eu-west-1_TestPool` with the app client `test-client`.
    pub fn new() -> TestPool {
        TestPool::with_ids("eu-west-1_TestPool", "test-client")
    }

    /// A pool and app client of these ids.
    pub fn with_ids(pool_id: &str, client_id: &str) -> TestPool {
        TestPool { pool_id: pool_id.to_owned(), client_id: client_id.to_owned() }
    }

    /// The pool's issuer: the `iss` of its tokens.
    pub fn issuer(&self) -> String {
        let region = self.pool_id.split_once('_').map_or("eu-west-1", |(r, _)| r);
        format!("https://cognito-idp.{region}.amazonaws.com/{}", self.pool_id)
    }

    /// The `[cognito]` settings of the pool: its keys inline, cookies that work over plain
    /// http, and its Cognito in the process (it refreshes, revokes and signs out the sessions
    /// its users' tokens start, and answers GetUser), so that nothing reaches the network.
    /// Another `endpoint_url` sends the calls there instead (a fault-injecting server, say).
    pub fn settings(&self) -> Value {
        json!({
            "user_pool_id": self.pool_id,
            "app_client_id": self.client_id,
            "jwks": JWKS,
            "endpoint_url": offline::ENDPOINT,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "max_attempts": 1,
            "cognito_timeout_secs": 2,
            "cookie_secure": false,
        })
    }

    /// Rocket's defaults for tests with [`TestPool::settings`] under `cognito`, a random
    /// `secret_key` (the same for every figment of the test process) and logging off: `rocket::custom(pool.figment())`.
    pub fn figment(&self) -> Figment {
        Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("secret_key", secret_key()))
            .merge(("cognito", self.settings()))
    }

    /// A user of the pool, to sign tokens for: sub `sub-<username>`, email
    /// `<username>@example.com`, no groups, tokens valid for an hour.
    pub fn user(&self, username: &str) -> TestUser {
        TestUser {
            pool: self.clone(),
            username: username.to_owned(),
            sub: format!("sub-{username}"),
            email: format!("{username}@example.com"),
            groups: Vec::new(),
            expires_in: 3600,
        }
    }

    /// The cookie-session cookies a browser signed in as `user` sends, sealed with the
    /// `secret_key` of [`TestPool::figment`]: hand them to Rocket's local client with `cookie`.
    /// They follow the default cookie settings, and say the user signed in with a password
    /// just now (for [`Fresh`](crate::Fresh) routes).
    ///
    /// # Panics
    ///
    /// When the pool's ids make invalid settings (a pool id without `_`): a mistake in the test.
    pub fn session_cookies(&self, user: &TestUser) -> Vec<Cookie<'static>> {
        let figment = self.figment();
        let config = Config::from_figment(&figment).expect("the test pool's own settings are valid");
        let cookies = TokenCookies::new(&config, Sealer::from_figment(&figment));
        let now = unix_now();
        let mut sealed =
            cookies.sealed(&user.tokens(), &user.username, now, now).expect("test tokens fit their cookies");
        sealed.push(signed_in_now(&cookies, &user.sub, now));
        sealed
    }

    /// A cookie named `name` holding `token` sealed as the crate seals its token cookies
    /// (`cognito_access`, or `cognito_id` with `id_token_cookie`), with the `secret_key` of
    /// [`TestPool::figment`]: for tests of what the guards make of any token in a cookie.
    ///
    /// ```
    /// use rocket_warrant::testing::TestPool;
    ///
    /// let pool = TestPool::new();
    /// let cookie = pool.token_cookie("cognito_access", "not.a.token");
    /// assert_eq!(cookie.name(), "cognito_access");
    /// assert_ne!(cookie.value(), "not.a.token");
    /// ```
    pub fn token_cookie(&self, name: &str, token: &str) -> Cookie<'static> {
        let plaintext = crate::cookies::pack_value(unix_now(), None, token);
        let sealed = Sealer::from_figment(&self.figment()).seal(name, &plaintext);
        Cookie::build((name.to_owned(), sealed)).path("/").http_only(true).build()
    }

    /// A cookie named `name` holding `plaintext` sealed as the crate seals its cookies (with
    /// the `secret_key` of [`TestPool::figment`]), whatever the bytes: for fuzzing what the
    /// crate makes of the contents of a cookie that opens.
    ///
    /// ```
    /// use rocket_warrant::testing::TestPool;
    ///
    /// let pool = TestPool::new();
    /// let cookie = pool.sealed_cookie("cognito_session", b"not 32 bytes");
    /// assert_eq!(cookie.name(), "cognito_session");
    /// assert_ne!(cookie.value().as_bytes(), b"not 32 bytes");
    /// ```
    pub fn sealed_cookie(&self, name: &str, plaintext: &[u8]) -> Cookie<'static> {
        let sealed = Sealer::from_figment(&self.figment()).seal(name, plaintext);
        Cookie::build((name.to_owned(), sealed)).path("/").http_only(true).build()
    }

    /// The token a cookie of the crate holds (the access or ID token; the refresh token of the
    /// refresh cookie), opened with the `secret_key` of [`TestPool::figment`]; `None` when it
    /// does not open. For tests that look at what a site put in its cookies.
    ///
    /// ```
    /// use rocket_warrant::testing::TestPool;
    ///
    /// let pool = TestPool::new();
    /// let cookie = pool.token_cookie("cognito_access", "a.b.c");
    /// assert_eq!(pool.open_cookie(&cookie).as_deref(), Some("a.b.c"));
    /// ```
    pub fn open_cookie(&self, cookie: &Cookie<'_>) -> Option<String> {
        let plaintext = Sealer::from_figment(&self.figment()).open(cookie.name(), cookie.value())?;
        Some(crate::cookies::unpack_value(&plaintext, cookie.name().ends_with("_refresh"))?.2)
    }
}

/// A user of a [`TestPool`], and the tokens it signs for them.
///
/// ```
/// use rocket_warrant::testing::TestPool;
///
/// let alice = TestPool::new().user("alice").groups(["admin", "staff"]).expires_in(60);
/// assert_eq!(alice.access_token().split('.').count(), 3);
/// assert_eq!(alice.profile().username, "alice");
/// ```
#[derive(Debug, Clone)]
pub struct TestUser {
    pub(super) pool: TestPool,
    pub(super) username: String,
    pub(super) sub: String,
    pub(super) email: String,
    pub(super) groups: Vec<String>,
    pub(super) expires_in: i64,
}

impl TestUser {
    /// The user's Cognito groups (`cognito:groups`).
    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(mut self, groups: I) -> TestUser {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// The user's `sub` (`sub-<username>` unless set).
    pub fn with_sub(mut self, sub: &str) -> TestUser {
        self.sub = sub.to_owned();
        self
    }

    /// The user's email.
    pub fn email(mut self, email: &str) -> TestUser {
        self.email = email.to_owned();
        self
    }

    /// Tokens expire this many seconds from now (negative: already expired).
    pub fn expires_in(mut self, secs: i64) -> TestUser {
        self.expires_in = secs;
        self
    }

    /// The claims of the user's access token, to change before [`sign`].
    pub fn access_claims(&self) -> Value {
        let now = unix_now();
        json!({
            "sub": self.sub, "iss": self.pool.issuer(), "token_use": "access", "client_id": self.pool.client_id,
            "username": self.username, "cognito:groups": self.groups, "exp": now + self.expires_in,
            "iat": now.min(now + self.expires_in), "auth_time": now, "scope": "aws.cognito.signin.user.admin",
            "jti": format!("jti-{}-{now}", self.username), "origin_jti": format!("origin-{}", self.username),
        })
    }

    /// The claims of the user's ID token, to change before [`sign`].
    pub fn id_claims(&self) -> Value {
        let now = unix_now();
        json!({
            "sub": self.sub, "iss": self.pool.issuer(), "token_use": "id", "aud": self.pool.client_id,
            "cognito:username": self.username, "email": self.email, "email_verified": true,
            "cognito:groups": self.groups, "exp": now + self.expires_in, "iat": now.min(now + self.expires_in),
            "auth_time": now, "origin_jti": format!("origin-{}", self.username),
        })
    }

    /// A signed access token.
    pub fn access_token(&self) -> String {
        offline::signed_for(&self.pool.pool_id, &self.username, &self.email);
        sign(&self.access_claims())
    }

    /// A signed ID token.
    pub fn id_token(&self) -> String {
        sign(&self.id_claims())
    }

    /// ID and access tokens, and a refresh token of Cognito's shape and size (a JWE of
    /// [`COGNITO_TOKEN_SIZES`](super::COGNITO_TOKEN_SIZES)`.refresh` characters), new at each call, that the test pool's
    /// Cognito refreshes until it is revoked or the user signed out everywhere.
    pub fn tokens(&self) -> Tokens {
        static ISSUED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = ISSUED.fetch_add(1, Ordering::Relaxed);
        let refresh_token = refresh_token(&format!("{}/{}/{n}", self.pool.pool_id, self.username));
        let user = self.clone();
        let mint: offline::Mint = std::sync::Arc::new(move |seconds| {
            let user = user.clone().expires_in(seconds);
            (user.id_token(), user.access_token())
        });
        offline::issued(&self.pool.pool_id, &self.pool.client_id, &self.username, &refresh_token, mint);
        Tokens { id_token: self.id_token(), access_token: self.access_token(), refresh_token }
    }

    /// Signs the user in on `cognito` as a login would keep the session, without Cognito: the
    /// cookies a browser then sends. With cookie sessions, the sealed tokens (as
    /// [`TestPool::session_cookies`]); with server-side ones, a new session saved in the store
    /// and its id. The local row is not written: save [`TestUser::profile`] first for the guards
    /// that read it.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// use rocket::local::asynchronous::Client;
    /// use rocket_warrant::testing::TestPool;
    /// use rocket_warrant::{Cognito, CognitoClaims};
    /// use rocket_warrant::stores::MemoryStore;
    ///
    /// #[get("/me")]
    /// fn me(claims: CognitoClaims) -> String { claims.username().to_owned() }
    ///
    /// # rocket::async_test(async {
    /// let pool = TestPool::new();
    /// let figment = pool.figment().merge(("cognito.session_store", "database"));
    /// let store = std::sync::Arc::new(MemoryStore::new());
    /// let rocket = rocket::custom(figment).attach(Cognito::custom(store.clone()).sessions_in(store)).mount("/", routes![me]);
    /// let client = Client::tracked(rocket).await.unwrap();
    /// let cognito = client.rocket().state::<Cognito>().unwrap();
    /// let alice = pool.user("alice");
    /// let mut request = client.get("/me");
    /// for cookie in alice.session_on(cognito).await.unwrap() {
    ///     request = request.cookie(cookie);
    /// }
    /// assert_eq!(request.dispatch().await.into_string().await.unwrap(), "alice");
    /// assert_eq!(cognito.user_sessions("alice").await.unwrap().len(), 1);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Cognito::keep`](crate::Cognito::keep): a store that fails, a token too large.
    pub async fn session_on(&self, cognito: &crate::Cognito) -> Result<Vec<Cookie<'static>>, crate::Error> {
        start_session(cognito, &self.username, &self.tokens()).await
    }

    /// The user as a login would save them (username, sub, email, verified), to put in a store first.
    pub fn profile(&self) -> Profile {
        let mut profile = Profile {
            username: self.username.clone(),
            sub: self.sub.clone(),
            email_verified: true,
            ..Default::default()
        };
        profile.fields.insert("email".into(), self.email.clone());
        profile
    }
}
