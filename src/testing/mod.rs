//! Testing an application's guarded routes offline (feature `testing`): a test user pool whose
//! keys ship with the crate, tokens signed for any user, groups and expiry, and the session
//! cookies a signed-in browser would send. Nothing reaches the network: the pool's keys are
//! given inline (`jwks`), and the pool's Cognito is in the process: it refreshes the sessions its
//! users' tokens start, revokes them at sign-out, signs users out everywhere and answers GetUser
//! (so that a user the store lacks gets a row). Signing in with a password is the one thing it
//! cannot do: a test starts a session with [`TestUser::session_on`] or
//! [`TestPool::session_cookies`].
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use rocket::http::{Header, Status};
//! use rocket::local::asynchronous::Client;
//! use rocket_warrant::testing::TestPool;
//! use rocket_warrant::{Cognito, CognitoUser, MemoryStore, UserStore};
//!
//! #[get("/me")]
//! fn me(user: CognitoUser) -> String {
//!     format!("{} {:?}", user.username(), user.groups())
//! }
//!
//! # rocket::async_test(async {
//! let pool = TestPool::new();
//! let alice = pool.user("alice").groups(["admin"]);
//!
//! // The site's local users: alice already has a row.
//! let store = MemoryStore::new();
//! store.save(&alice.profile(), true).await.unwrap();
//!
//! let rocket = rocket::custom(pool.figment()).attach(Cognito::custom(store)).mount("/", routes![me]);
//! let client = Client::tracked(rocket).await.unwrap();
//!
//! // As an API client, with a Bearer access token...
//! let bearer = Header::new("Authorization", format!("Bearer {}", alice.access_token()));
//! let response = client.get("/me").header(bearer).dispatch().await;
//! assert_eq!(response.into_string().await.unwrap(), r#"alice ["admin"]"#);
//!
//! // ...and as a browser, with the session cookies.
//! let mut request = client.get("/me");
//! for cookie in pool.session_cookies(&alice) {
//!     request = request.cookie(cookie);
//! }
//! assert_eq!(request.dispatch().await.status(), Status::Ok);
//!
//! // An expired token, with no way to refresh it: 401.
//! let expired = Header::new("Authorization", format!("Bearer {}", alice.clone().expires_in(-3600).access_token()));
//! assert_eq!(client.get("/me").header(expired).dispatch().await.status(), Status::Unauthorized);
//! # });
//! ```

use std::sync::atomic::{AtomicI64, Ordering};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::figment::Figment;
use rocket::http::Cookie;
use serde_json::{json, Value};

use crate::client::offline;
use crate::config::Config;
use crate::session::{Sealer, TokenCookies};
use crate::store::Profile;
pub use crate::tokens::Clock;
use crate::tokens::{unix_now, Tokens};
// The crate's own tests, benches and fuzz targets use it; an application's need not.
#[doc(hidden)]
pub use crate::tokens::SystemClock;

/// The offline key set's private key (RSA 2048, PKCS#1 DER). For tests only: it is public.
const KEY_DER: &[u8] = include_bytes!("offline-key.der");

/// The offline key set's public half, as a JWKS document.
pub const JWKS: &str = include_str!("offline-jwks.json");

/// The `kid` of the offline key.
#[doc(hidden)]
pub const KID: &str = "test-key";

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

// The crate's own tests, benches and fuzz targets use it; an application's need not.
#[doc(hidden)]
pub use crate::cognito::Counters;

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
    pool_id: String,
    client_id: String,
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
        let plaintext = crate::session::pack_value(unix_now(), None, token);
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
        Some(crate::session::unpack_value(&plaintext, cookie.name().ends_with("_refresh"))?.2)
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
    pool: TestPool,
    username: String,
    sub: String,
    email: String,
    groups: Vec<String>,
    expires_in: i64,
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
    /// [`COGNITO_TOKEN_SIZES`]`.refresh` characters), new at each call, that the test pool's
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
    /// use rocket_warrant::{Cognito, CognitoClaims, MemoryStore};
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

/// Starts a session of `username` with `tokens` on `cognito`, as a login would keep it, without
/// Cognito: the cookies a browser then sends (see [`TestUser::session_on`], which signs the
/// tokens). For tests and benchmarks that bring tokens of their own.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use rocket::local::asynchronous::Client;
/// use rocket_warrant::testing::{start_session, TestPool};
/// use rocket_warrant::{Cognito, CognitoClaims};
///
/// #[get("/me")]
/// fn me(claims: CognitoClaims) -> String { claims.username().to_owned() }
///
/// # rocket::async_test(async {
/// let pool = TestPool::new();
/// let client = Client::tracked(rocket::custom(pool.figment()).attach(Cognito::without_store()).mount("/", routes![me])).await.unwrap();
/// let cognito = client.rocket().state::<Cognito>().unwrap();
/// let cookies = start_session(cognito, "ada", &pool.user("ada").tokens()).await.unwrap();
/// assert_eq!(cookies.len(), 3, "cookie sessions: the access and refresh cookies, the sign-in's proof");
/// let mut request = client.get("/me");
/// for cookie in cookies {
///     request = request.cookie(cookie);
/// }
/// assert_eq!(request.dispatch().await.into_string().await.unwrap(), "ada");
/// # });
/// ```
///
/// # Errors
///
/// As [`Cognito::keep`](crate::Cognito::keep): a store that fails, a token too large.
#[doc(hidden)]
pub async fn start_session(
    cognito: &crate::Cognito,
    username: &str,
    tokens: &Tokens,
) -> Result<Vec<Cookie<'static>>, crate::Error> {
    let shared = cognito.shared();
    let mut cookies = cognito.sessions().start(shared, None, username, tokens).await?;
    if let Some(claims) = crate::tokens::unverified_claims(&tokens.access_token) {
        cookies.push(signed_in_now(&shared.cookies, &claims.sub, shared.now()));
    }
    Ok(cookies)
}

/// The proof cookie of a password sign-in of `sub` at `now`.
fn signed_in_now(cookies: &TokenCookies, sub: &str, now: i64) -> Cookie<'static> {
    let proof = crate::Proof::new(now, crate::Factors::default().with(crate::Factor::Password));
    crate::session::proof_cookie(cookies, sub, proof)
}

/// The handle ([`SessionInfo::id`](crate::SessionInfo::id)) of the server-side session that a
/// session cookie carries, opened with the `secret_key` of `figment` (a site's
/// `rocket.figment()`); `None` for any other cookie.
///
/// ```
/// use rocket::http::Cookie;
/// use rocket_warrant::testing::{session_handle, TestPool};
///
/// assert_eq!(session_handle(&TestPool::new().figment(), &Cookie::new("cognito_session", "forged")), None);
/// ```
#[doc(hidden)]
pub fn session_handle(figment: &Figment, cookie: &Cookie<'_>) -> Option<String> {
    let id = Sealer::from_figment(figment).open(cookie.name(), cookie.value())?;
    Some(crate::session::handle(&id.try_into().ok()?))
}

/// The sizes, in characters, of the tokens Cognito issues in production, as its users report
/// them (amazon-cognito-identity-js#688, next-auth#2213): the figures the emulator's tokens,
/// the tests and the benchmarks are held to. The ID token grows with the user's attributes,
/// and both JWTs with `cognito:groups`.
///
/// ```
/// use rocket_warrant::testing::COGNITO_TOKEN_SIZES;
/// assert_eq!(COGNITO_TOKEN_SIZES.refresh, 1852);
/// ```
#[doc(hidden)]
pub const COGNITO_TOKEN_SIZES: TokenSizes = TokenSizes { access: 1077, id: 1745, refresh: 1852 };

/// Token sizes in characters: [`COGNITO_TOKEN_SIZES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub struct TokenSizes {
    /// The access token.
    pub access: usize,
    /// The ID token.
    pub id: usize,
    /// The refresh token (a JWE).
    pub refresh: usize,
}

/// A refresh token of Cognito's shape (a compact JWE: header `{"cty":"JWT","enc":"A256GCM",
/// "alg":"RSA-OAEP"}`, a 256-byte wrapped key, a 12-byte IV, the ciphertext and a 16-byte tag)
/// and of [`COGNITO_TOKEN_SIZES`]`.refresh` characters; its bytes follow from `seed`.
///
/// ```
/// use rocket_warrant::testing::{refresh_token, COGNITO_TOKEN_SIZES};
///
/// let token = refresh_token("alice");
/// assert_eq!(token.split('.').count(), 5);
/// assert!(token.len().abs_diff(COGNITO_TOKEN_SIZES.refresh) <= 2, "{}", token.len());
/// assert_eq!(token, refresh_token("alice"));
/// ```
#[doc(hidden)]
pub fn refresh_token(seed: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut stream = Vec::new();
    let mut block: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
    while stream.len() < 2048 {
        stream.extend_from_slice(&block);
        block = Sha256::digest(block).into();
    }
    let header = URL_SAFE_NO_PAD.encode(r#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    let fixed = header.len() + 342 + 16 + 22 + 4;
    // base64url of n bytes is ceil(4n/3) characters: the ciphertext fills the rest.
    let ciphertext = (COGNITO_TOKEN_SIZES.refresh - fixed) * 3 / 4;
    let (key, rest) = stream.split_at(256);
    let (iv, rest) = rest.split_at(12);
    let (tag, rest) = rest.split_at(16);
    [
        header,
        URL_SAFE_NO_PAD.encode(key),
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&rest[..ciphertext]),
        URL_SAFE_NO_PAD.encode(tag),
    ]
    .join(".")
}

/// Any claims as a token signed by the offline key (`kid` [`KID`]): for tokens of every shape,
/// broken ones included.
pub fn sign(claims: &Value) -> String {
    sign_with_kid(claims, KID)
}

/// Any claims signed by the offline key, under another `kid` in the header.
#[doc(hidden)]
pub fn sign_with_kid(claims: &Value, kid: &str) -> String {
    // As the verifier does: choose aws-lc explicitly, in case both backends are enabled.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(KEY_DER))
        .expect("claims that serialize sign with the offline key")
}

#[doc(hidden)]
pub use crate::client::SrpSteps;

/// The client side of one SRP login, as [`Cognito::login`](crate::Cognito::login) computes it
/// with the default `user_srp` flow: a fresh secret `a` and `A = g^a`, then the password proof
/// against a fixed server value. For benchmarks: the arithmetic one login costs this server.
///
/// ```
/// rocket_warrant::testing::srp_login_work("eu-west-1_TestPool", "alice", "Corr3ct-Horse!");
/// ```
///
/// # Panics
///
/// When `pool_id` has no `_`.
#[doc(hidden)]
pub fn srp_login_work(pool_id: &str, username: &str, password: &str) {
    crate::client::srp_login_work(pool_id, username, password)
}

/// A clock that reads the system time until a test sets it, to see tokens expire without
/// waiting: hand it to [`CognitoFairing::with_clock`](crate::CognitoFairing::with_clock).
///
/// ```
/// use rocket_warrant::testing::{Clock, ManualClock};
///
/// let clock = ManualClock::default();
/// clock.set(1_700_000_000);
/// clock.advance(3600);
/// assert_eq!(clock.now(), 1_700_003_600);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// From now on the clock reads `t` (seconds since the epoch).
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }

    /// Moves the clock on by `secs` from what it reads now.
    pub fn advance(&self, secs: i64) {
        self.set(self.now() + secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        match self.0.load(Ordering::SeqCst) {
            0 => unix_now(),
            set => set,
        }
    }
}
