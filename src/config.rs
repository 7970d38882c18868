//! The `[cognito]` settings: parsed with figment, defaulted, and validated before launch.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use rocket::figment::Figment;
use serde::Deserialize;

/// The scope an access token needs for GetUser, which every sign-in calls, and every other call
/// a user makes with it (each of those calls' reference: "It must include the scope
/// aws.cognito.signin.user.admin").
pub(crate) const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The figment key the settings live under: `[default.cognito]` in `Rocket.toml`, or
/// `ROCKET_COGNITO={...}` in the environment.
pub(crate) const CONFIG_KEY: &str = "cognito";

/// A string that never shows itself in `Debug` output or logs (client secrets, AWS keys).
///
/// ```
/// use rocket_warrant::Secret;
///
/// let secret = Secret::from("hunter2");
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself; call this only where the value is sent to AWS.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which Cognito flow a login uses.
///
/// ```
/// use rocket_warrant::AuthFlow;
/// assert_eq!(AuthFlow::default(), AuthFlow::UserSrp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthFlow {
    /// `USER_SRP_AUTH` then `PASSWORD_VERIFIER`: the password never leaves the server (django-warrant's flow).
    #[default]
    UserSrp,
    /// `USER_PASSWORD_AUTH`: the password is sent to Cognito over TLS.
    UserPassword,
    /// `ADMIN_USER_PASSWORD_AUTH`: needs AWS credentials allowed to call `AdminInitiateAuth`.
    AdminUserPassword,
    /// `USER_AUTH`, choice-based sign-in: a password is proved by SRP as with `user_srp`, and
    /// [`Cognito::start_sign_in`](crate::Cognito::start_sign_in) signs in without one, by a code
    /// sent by email or text (the factors the user pool allows).
    UserAuth,
}

/// Which issuer a user pool's tokens carry (its `IssuerConfiguration`, DescribeUserPool):
/// `original`, `https://cognito-idp.<region>.amazonaws.com/<pool>`, or `updated`,
/// `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>` (multi-Region replication). A
/// verifier accepts the one, never both.
///
/// ```
/// use rocket_warrant::Issuer;
/// assert_eq!(Issuer::default(), Issuer::Original);
/// assert_eq!(Issuer::Updated.url("eu-west-1", "eu-west-1_Abc"), "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issuer {
    /// `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    #[default]
    Original,
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`.
    Updated,
}

impl Issuer {
    /// The issuer URL of `pool_id` in `region`.
    pub fn url(self, region: &str, pool_id: &str) -> String {
        let host = match self {
            Issuer::Original => "cognito-idp",
            Issuer::Updated => "issuer-cognito-idp",
        };
        format!("https://{host}.{region}.amazonaws.com/{pool_id}")
    }
}

/// Another user pool whose access tokens a Bearer header may carry (`[[cognito.other_pools]]`):
/// one per tenant, or per environment. Each is verified against its own keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPool {
    /// The pool, e.g. `us-east-1_XyZ`; its region is the part before `_`.
    pub user_pool_id: String,
    /// Its app clients whose tokens are accepted (at least one).
    pub app_client_ids: Vec<String>,
    /// The issuer its tokens carry.
    #[serde(default)]
    pub issuer: Issuer,
}

impl OtherPool {
    /// Its issuer URL.
    pub fn issuer_url(&self) -> String {
        self.issuer.url(self.user_pool_id.split_once('_').map_or("", |(r, _)| r), &self.user_pool_id)
    }
}

/// Cookie `SameSite` policy, as written in the settings.
///
/// ```
/// use rocket_warrant::SameSite;
/// assert_eq!(SameSite::default(), SameSite::Lax);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SameSite {
    /// Sent on top-level navigations from other sites (the default: links into the app keep the session).
    #[default]
    Lax,
    /// Never sent on cross-site requests.
    Strict,
    /// Always sent; browsers then require `secure = true`.
    None,
}

/// Where a signed-in browser's tokens are kept (`session_store`).
///
/// ```
/// use rocket_warrant::SessionMode;
/// assert_eq!(SessionMode::default(), SessionMode::Cookies);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// In the browser's cookies, sealed (`"cookies"`, the default): no server-side state, any
    /// instance with the same `secret_key` reads them; a copied cookie works until its access
    /// token expires.
    #[default]
    Cookies,
    /// In the database of the users (`"database"`): the browser holds a random session id; a
    /// session ends at once everywhere (within `session_cache_ttl_secs`), and a user's sessions
    /// can be listed and ended.
    Database,
}

/// The Cognito settings of an application.
///
/// Read from `[default.cognito]` (any profile works) or `ROCKET_COGNITO`:
///
/// ```toml
/// [default.cognito]
/// user_pool_id = "eu-west-1_AbCdEf123"
/// app_client_id = "1example23456789"
/// attr_mapping = { email = "email", given_name = "first_name", family_name = "last_name", "custom:api_key" = "api_key" }
/// ```
///
/// ```
/// use rocket::figment::{Figment, providers::{Format, Toml}};
/// use rocket_warrant::Config;
///
/// let figment = Figment::from(Toml::string(r#"
///     [cognito]
///     user_pool_id = "eu-west-1_AbCdEf123"
///     app_client_id = "client"
/// "#));
/// let config = Config::from_figment(&figment).unwrap();
/// assert_eq!(config.region(), "eu-west-1");
/// assert_eq!(config.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123");
/// assert_eq!(config.attr_mapping["given_name"], "first_name");
/// assert!(config.create_unknown_users);
/// assert_eq!(config.leeway, std::time::Duration::from_secs(30));
/// ```
///
/// Every duration is in seconds (`leeway_secs = 30`, `jwks_timeout_secs = 0.5`), whole or not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The user pool, e.g. `eu-west-1_AbCdEf123`; the region is the part before `_`.
    pub user_pool_id: String,
    /// The app client id (`COGNITO_APP_ID` in django-warrant).
    pub app_client_id: String,
    /// Other app clients of the pool (a mobile app, a back office, machine clients of the
    /// client-credentials grant) whose access tokens `Authorization: Bearer` may carry. The
    /// site's own sign-ins use `app_client_id`; the guards tell which client a token came from.
    #[serde(default)]
    pub app_client_ids: Vec<String>,
    /// The issuer the pool's tokens carry (its `IssuerConfiguration`); launch stops when
    /// DescribeUserPool says otherwise.
    #[serde(default)]
    pub issuer: Issuer,
    /// Other user pools whose access tokens a Bearer header may carry, each with its clients.
    #[serde(default)]
    pub other_pools: Vec<OtherPool>,
    /// The app client's secret, when it has one: every call that needs it carries a SECRET_HASH.
    #[serde(default)]
    pub app_client_secret: Option<Secret>,
    /// Overrides the region taken from the pool id.
    #[serde(default)]
    pub region: Option<String>,
    /// Cognito attribute name to local field name; custom attributes keep their `custom:` prefix.
    #[serde(default = "default_attr_mapping")]
    pub attr_mapping: BTreeMap<String, String>,
    /// When false, only users that already have a local row can log in.
    #[serde(default = "yes")]
    pub create_unknown_users: bool,
    /// Explicit AWS keys; without them the default credential chain is used.
    #[serde(default)]
    pub aws_access_key_id: Option<String>,
    /// The secret half of `aws_access_key_id`.
    #[serde(default)]
    pub aws_secret_access_key: Option<Secret>,
    /// The login flow.
    #[serde(default)]
    pub auth_flow: AuthFlow,
    /// A Cognito-compatible endpoint (a local emulator); the real service when absent.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Where the signing keys are fetched; when absent, `{issuer}/.well-known/jwks.json`, or with
    /// `endpoint_url` `{endpoint_url}/{user_pool_id}/.well-known/jwks.json` (where moto and
    /// cognito-local serve them).
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// The signing keys as a JWKS JSON document, so that none are fetched (warrant's `COGNITO_JWKS`).
    #[serde(default)]
    pub jwks: Option<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat` (`leeway_secs`).
    #[serde(rename = "leeway_secs", default = "default_leeway", deserialize_with = "secs")]
    pub leeway: Duration,
    /// Timeout of one signing-key fetch (`jwks_timeout_secs`).
    #[serde(rename = "jwks_timeout_secs", default = "default_jwks_timeout", deserialize_with = "secs")]
    pub jwks_timeout: Duration,
    /// An unknown `kid` triggers at most one key fetch per this interval (`jwks_refetch_interval_secs`).
    #[serde(rename = "jwks_refetch_interval_secs", default = "default_jwks_refetch", deserialize_with = "secs")]
    pub jwks_refetch_interval: Duration,
    /// The key set is fetched again this often, so that a key the pool withdraws stops being
    /// trusted within it (`jwks_refresh_interval_secs`, 600).
    #[serde(rename = "jwks_refresh_interval_secs", default = "default_jwks_refresh", deserialize_with = "secs")]
    pub jwks_refresh_interval: Duration,
    /// Timeout of one call to Cognito, all attempts included (`cognito_timeout_secs`).
    #[serde(rename = "cognito_timeout_secs", default = "default_cognito_timeout", deserialize_with = "secs")]
    pub cognito_timeout: Duration,
    /// Attempts per call to Cognito (1 disables retries).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Verified tokens remembered so they are not verified again (0 disables the cache).
    #[serde(default = "default_token_cache")]
    pub token_cache_capacity: usize,
    /// How long a local user row read or written is kept in memory by the store of
    /// [`Cognito::fairing`](crate::Cognito::fairing) (`user_cache_ttl_secs`; 0: every request
    /// reads the database). Rows written by another instance are seen within this time.
    #[serde(rename = "user_cache_ttl_secs", default = "default_user_cache_ttl", deserialize_with = "secs")]
    pub user_cache_ttl: Duration,
    /// Prefix of the token cookies' names.
    #[serde(default = "default_cookie_prefix")]
    pub cookie_prefix: String,
    /// The cookies' `Secure` flag, on by default (with `__Host-` before their names); set it
    /// to false only for a site served over plain http, such as a local demo.
    #[serde(default)]
    pub cookie_secure: Option<bool>,
    /// The cookies' `SameSite` policy.
    #[serde(default)]
    pub cookie_same_site: SameSite,
    /// Cookie lifetime (`cookie_max_age_secs`); follows the refresh token's validity (30 days
    /// by default).
    #[serde(rename = "cookie_max_age_secs", default = "default_cookie_max_age", deserialize_with = "secs")]
    pub cookie_max_age: Duration,
    /// Where the tokens of a signed-in browser are kept: `"cookies"` or `"database"`.
    #[serde(default)]
    pub session_store: SessionMode,
    /// Cookie sessions: also keep the ID token in a cookie of its own (off by default: it is
    /// the largest token and authentication does not need it). Server-side sessions always
    /// keep it.
    #[serde(default)]
    pub id_token_cookie: bool,
    /// The header a proxy in front of the site puts the client's address in (`X-Forwarded-For`,
    /// `X-Real-IP`, or RFC 7239's `Forwarded` with its `for=`), trusted for the address
    /// [`SignIn`](crate::SignIn) sends Cognito's threat protection, and only on a request from
    /// one of `trusted_proxies`. None by default: the connection's address, which a client
    /// cannot forge.
    #[serde(default)]
    pub trusted_ip_header: Option<String>,
    /// The proxies whose `trusted_ip_header` is believed, as addresses or CIDR ranges
    /// (`["10.0.0.0/8", "192.0.2.7"]`); loopback by default (a proxy on the same host). The
    /// client is the right-most address of the header that is not one of them.
    #[serde(default = "default_trusted_proxies", deserialize_with = "proxies")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The Cognito attributes the application decides access by (an API key's, a tenant's, a
    /// role's: `["custom:api_key", "custom:api_key_id"]`). Launch warns of each one the app
    /// client may write (its `WriteAttributes`): any user could then set it for themselves
    /// through Cognito's public API (UpdateUserAttributes), whatever the site's forms allow.
    /// Groups are safe: only an administrator sets them.
    #[serde(default)]
    pub authorization_attributes: Vec<String>,
    /// Managed login (Cognito's hosted pages): the user pool's domain, a prefix (`myapp`, for
    /// `https://myapp.auth.<region>.amazoncognito.com`) or the URL of a custom domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Managed login: where it sends the user back with the code, the absolute URL of the route
    /// that calls [`Cognito::hosted_callback`](crate::Cognito::hosted_callback); one of the
    /// app client's callback URLs.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Managed login: where its logout sends the user, one of the app client's sign-out URLs.
    #[serde(default)]
    pub logout_uri: Option<String>,
    /// Managed login: the OAuth scopes asked for; `openid` (for the ID token) and
    /// `aws.cognito.signin.user.admin` (for GetUser, which reads the user's attributes) are
    /// required, and the app client must allow each and read the attributes of `email` and
    /// `phone` (launch checks).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Server-side sessions: how long an instance trusts its memory of a session before it
    /// reads the row again (`session_cache_ttl_secs`). A session ended on another instance is
    /// refused within this time; ended on this one, at once.
    #[serde(rename = "session_cache_ttl_secs", default = "default_session_cache_ttl", deserialize_with = "secs")]
    pub session_cache_ttl: Duration,
    /// Server-side sessions remembered in memory (0: every request reads the database).
    #[serde(default = "default_session_cache")]
    pub session_cache_capacity: usize,
    /// Refuse the access and ID tokens of a sign-in that signed out here (by its `origin_jti`,
    /// until they expire), and those of a user signed out everywhere, Bearer clients included.
    /// Unset: on when the fairing has a store to share revocations through (a database).
    #[serde(default)]
    pub refuse_revoked_tokens: Option<bool>,
    /// Every instance reads the revocations of the others this often (`revocation_sync_secs`,
    /// 1): a token revoked on one instance is refused by all within twice this.
    #[serde(rename = "revocation_sync_secs", default = "default_revocation_sync", deserialize_with = "secs")]
    pub revocation_sync: Duration,
    /// Where `redirect_to_login` sends anonymous visitors of protected pages.
    #[serde(default = "default_login_url")]
    pub login_url: String,
    /// Where `redirect_to_login` sends a signed-in browser whose proof of identity is older than
    /// a [`Fresh`](crate::Fresh) route allows, with `?next=`: the page that re-authenticates
    /// ([`SignIn::reauthenticate`](crate::SignIn::reauthenticate)).
    #[serde(default = "default_reauthenticate_url")]
    pub reauthenticate_url: String,
    /// The header the `ApiKey` guard reads (django-warrant's `Authorization-Id`).
    #[serde(default = "default_api_key_header")]
    pub api_key_header: String,
}

/// The defaults the verifier also starts from, written once.
pub(crate) const DEFAULT_LEEWAY_SECS: u64 = 30;
pub(crate) const DEFAULT_TOKEN_CACHE: usize = 10_000;

fn yes() -> bool {
    true
}
fn default_leeway() -> Duration {
    Duration::from_secs(DEFAULT_LEEWAY_SECS)
}
fn default_jwks_timeout() -> Duration {
    Duration::from_secs(3)
}
fn default_jwks_refresh() -> Duration {
    Duration::from_secs(600)
}

fn default_jwks_refetch() -> Duration {
    Duration::from_secs(60)
}
fn default_cognito_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_max_attempts() -> u32 {
    3
}
fn default_token_cache() -> usize {
    DEFAULT_TOKEN_CACHE
}
fn default_user_cache_ttl() -> Duration {
    Duration::from_secs(30)
}
fn default_revocation_sync() -> Duration {
    Duration::from_secs(1)
}

fn default_session_cache_ttl() -> Duration {
    Duration::from_secs(2)
}
fn default_session_cache() -> usize {
    10_000
}
fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile", "aws.cognito.signin.user.admin"].map(String::from).to_vec()
}
fn default_cookie_prefix() -> String {
    "cognito".into()
}
fn default_cookie_max_age() -> Duration {
    Duration::from_secs(30 * 24 * 3600)
}

/// A duration in seconds, whole or fractional; negative, infinite or absurd values are refused.
fn secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct Secs;
    impl serde::de::Visitor<'_> for Secs {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of seconds")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
            u64::try_from(v).map(Duration::from_secs).map_err(|_| E::custom("a duration cannot be negative"))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
            Duration::try_from_secs_f64(v)
                .map_err(|_| E::custom("a duration is a finite, non-negative number of seconds"))
        }
    }
    d.deserialize_any(Secs)
}
fn default_login_url() -> String {
    "/accounts/login/".into()
}
fn default_reauthenticate_url() -> String {
    "/accounts/reauthenticate/".into()
}
/// Addresses (`192.0.2.7`, a range of one) or CIDR ranges (`10.0.0.0/8`).
fn proxies<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let listed: Vec<String> = Deserialize::deserialize(d)?;
    listed
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("`{entry}` is neither an address nor a CIDR range")))
        })
        .collect()
}

fn default_trusted_proxies() -> Vec<ipnet::IpNet> {
    // Infallible: two well-formed ranges.
    ["127.0.0.0/8", "::1/128"].iter().filter_map(|net| net.parse().ok()).collect()
}
fn default_api_key_header() -> String {
    "Authorization-Id".into()
}

/// django-warrant's default mapping.
fn default_attr_mapping() -> BTreeMap<String, String> {
    [("email", "email"), ("given_name", "first_name"), ("family_name", "last_name")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Why the settings were refused. Each message names the key to fix.
///
/// ```
/// use rocket::figment::{Figment, providers::{Format, Toml}};
/// use rocket_warrant::Config;
///
/// let figment = Figment::from(Toml::string("[cognito]\nuser_pool_id = \"nounderscore\"\napp_client_id = \"c\""));
/// let err = Config::from_figment(&figment).unwrap_err();
/// assert!(err.to_string().contains("`cognito.user_pool_id`"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Missing, of the wrong type, or unknown: the message names the key (as it is written
    /// under `[<profile>.cognito]`), its profile and where it was read.
    #[error("invalid Cognito settings: {}", describe(.0))]
    Parse(#[from] Box<rocket::figment::Error>),
    /// Present but unusable.
    #[error("invalid Cognito setting `{CONFIG_KEY}.{key}`: {reason}")]
    Invalid {
        /// The offending key.
        key: &'static str,
        /// What is wrong with it, and what is expected.
        reason: String,
    },
}

/// Figment's errors, each with its key in reading order (figment gives `extract_inner`'s key last,
/// `default.app_client_sceret.cognito`) and, for a misspelled key, the setting it is closest to.
fn describe(error: &rocket::figment::Error) -> String {
    use rocket::figment::error::Kind;
    let one = |e: rocket::figment::Error| {
        let mut path: Vec<&str> = e.path.iter().map(String::as_str).collect();
        if path.last() == Some(&CONFIG_KEY) {
            path.pop();
        }
        if let Kind::MissingField(field) = &e.kind {
            path.push(field);
        }
        let key = std::iter::once(CONFIG_KEY).chain(path).collect::<Vec<_>>().join(".");
        let profile = e.profile.as_ref().map(|p| format!(" (profile `{p}`)")).unwrap_or_default();
        let what = match &e.kind {
            Kind::MissingField(_) => "is required".to_owned(),
            Kind::UnknownField(_, expected) => match closest(&key[CONFIG_KEY.len() + 1..], expected) {
                Some(near) => format!("is not a setting; did you mean `{near}`?"),
                None => "is not a setting".to_owned(),
            },
            kind => format!("is refused: {kind}"),
        };
        let source = match &e.metadata {
            Some(md) => match &md.source {
                Some(source) => format!(" (read from {source})"),
                None => format!(" (read from {})", md.name),
            },
            None => String::new(),
        };
        format!("`{key}`{profile} {what}{source}")
    };
    error.clone().into_iter().map(one).collect::<Vec<_>>().join("; ")
}

/// The setting nearest to a misspelled `key` (at most two edits away).
fn closest(key: &str, settings: &[&'static str]) -> Option<&'static str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
                diagonal = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    };
    settings.iter().map(|s| (distance(key, s), *s)).filter(|(d, _)| *d <= 2).min().map(|(_, s)| s)
}

/// Whether an http(s) URL's host is this machine (`localhost`, a loopback address).
fn loopback_url(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key, reason: reason.into() }
}

impl Config {
    /// Reads and validates the settings under `cognito` (`[default.cognito]` in `Rocket.toml`).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the key that is missing, unknown, of the wrong type or unusable.
    pub fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract_inner(CONFIG_KEY).map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: formats, ranges and pairs of keys.
    /// The managed-login settings: a domain of a prefix's letters or an http(s) URL, and with it
    /// an absolute callback URL; scopes without spaces.
    fn validate_managed_login(&self) -> Result<(), ConfigError> {
        let absolute = |url: &str| {
            (url.starts_with("https://") || url.starts_with("http://"))
                && rocket::http::uri::Absolute::parse(url).is_ok()
                && !url.contains('#')
        };
        if let Some(domain) = &self.domain {
            let prefix =
                |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !(prefix(domain) || absolute(domain)) {
                return Err(invalid(
                    "domain",
                    format!("`{domain}` is neither a domain prefix (`myapp`) nor an https URL"),
                ));
            }
            // The token endpoint receives the client secret and the codes: never in clear, but
            // for an emulator on this machine.
            if domain.starts_with("http://") && !loopback_url(domain) {
                return Err(invalid(
                    "domain",
                    format!(
                        "`{domain}` is plain http: the client secret and the codes would travel in clear; use https"
                    ),
                ));
            }
            match &self.redirect_uri {
                None => return Err(invalid("redirect_uri", "managed login (`domain`) needs the callback URL")),
                Some(uri) if !absolute(uri) => {
                    return Err(invalid("redirect_uri", format!("`{uri}` is not an absolute http(s) URL")))
                }
                Some(_) => {}
            }
        }
        if let Some(uri) = self.logout_uri.as_deref().filter(|u| !absolute(u)) {
            return Err(invalid("logout_uri", format!("`{uri}` is not an absolute http(s) URL")));
        }
        if self.scopes.is_empty() || self.scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            return Err(invalid("scopes", "a list of OAuth scopes, none empty or with spaces"));
        }
        // A sign-in verifies the ID token, which Cognito's token endpoint returns only for openid
        // (developer guide, authorization endpoint: "An ID token is only returned if openid
        // scope is requested"), and reads the user with GetUser, which needs the admin scope.
        let needs = [
            ("openid", "Cognito returns the ID token a sign-in needs only for it"),
            (ADMIN_SCOPE, "Cognito refuses GetUser, which every sign-in calls, without it"),
        ];
        for (scope, why) in needs {
            if !self.scopes.iter().any(|s| s == scope) {
                return Err(invalid("scopes", format!("must include `{scope}`: {why}")));
            }
        }
        Ok(())
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let (region, pool) = self.user_pool_id.split_once('_').unwrap_or(("", ""));
        if region.is_empty() || pool.is_empty() {
            return Err(invalid(
                "user_pool_id",
                format!("`{}` is not of the form `<region>_<id>`, e.g. `eu-west-1_AbCdEf123`", self.user_pool_id),
            ));
        }
        if !is_region(self.region()) {
            let key = if self.region.is_some() { "region" } else { "user_pool_id" };
            return Err(invalid(key, format!("`{}` is not an AWS region name", self.region())));
        }
        if self.app_client_id.trim().is_empty() {
            return Err(invalid("app_client_id", "must not be empty"));
        }
        for (cognito, local) in &self.attr_mapping {
            if cognito.is_empty() || local.is_empty() {
                return Err(invalid("attr_mapping", "attribute and field names must not be empty"));
            }
            if crate::store::RESERVED.contains(&local.as_str()) {
                return Err(invalid(
                    "attr_mapping",
                    format!("`{cognito}` maps to `{local}`, a field the crate keeps itself"),
                ));
            }
        }
        match (&self.aws_access_key_id, &self.aws_secret_access_key) {
            (Some(_), None) => return Err(invalid("aws_secret_access_key", "is required with `aws_access_key_id`")),
            (None, Some(_)) => return Err(invalid("aws_access_key_id", "is required with `aws_secret_access_key`")),
            _ => {}
        }
        for (key, url) in [("endpoint_url", &self.endpoint_url), ("jwks_url", &self.jwks_url)] {
            if let Some(url) = url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
                }
            }
        }
        if let Some(jwks) = &self.jwks {
            serde_json::from_str::<jsonwebtoken::jwk::JwkSet>(jwks)
                .map_err(|e| invalid("jwks", format!("not a JWKS document: {e}")))?;
        }
        for (key, d) in [
            ("jwks_timeout_secs", self.jwks_timeout),
            ("cognito_timeout_secs", self.cognito_timeout),
            // Zero would fetch the keys on every request.
            ("jwks_refresh_interval_secs", self.jwks_refresh_interval),
            // And this would read the database on every request.
            ("revocation_sync_secs", self.revocation_sync),
        ] {
            if d.is_zero() {
                return Err(invalid(key, "must be positive"));
            }
        }
        if self.max_attempts == 0 {
            return Err(invalid("max_attempts", "must be at least 1"));
        }
        if self.app_client_ids.iter().any(|c| c.is_empty() || c.chars().any(char::is_whitespace)) {
            return Err(invalid("app_client_ids", "each is an app client id: not empty, no spaces"));
        }
        for pool in &self.other_pools {
            let (region, id) = pool.user_pool_id.split_once('_').unwrap_or(("", ""));
            if !is_region(region) || id.is_empty() || pool.user_pool_id == self.user_pool_id {
                let why = format!("`{}` is not another user pool id of the form `<region>_<id>`", pool.user_pool_id);
                return Err(invalid("other_pools", why));
            }
            if pool.app_client_ids.is_empty() || pool.app_client_ids.iter().any(|c| c.is_empty()) {
                let why =
                    format!("user pool {} needs app_client_ids, the clients whose tokens count", pool.user_pool_id);
                return Err(invalid("other_pools", why));
            }
        }
        self.validate_managed_login()?;
        if let Some(header) = &self.trusted_ip_header {
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if header.is_empty() || !header.bytes().all(token) {
                return Err(invalid("trusted_ip_header", format!("`{header}` is not an HTTP header name")));
            }
        }
        let prefix_ok = !self.cookie_prefix.is_empty()
            && self.cookie_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !prefix_ok {
            return Err(invalid("cookie_prefix", "must be letters, digits, `_` or `-`"));
        }
        if crate::next::safe_next(&self.login_url).is_none() {
            return Err(invalid("login_url", "must be a path on this site, starting with `/`"));
        }
        if crate::next::safe_next(&self.reauthenticate_url).is_none() {
            return Err(invalid("reauthenticate_url", "must be a path on this site, starting with `/`"));
        }
        if self.cookie_max_age.is_zero() || self.cookie_max_age.as_secs() > i64::MAX as u64 {
            return Err(invalid("cookie_max_age_secs", "must be positive"));
        }
        if self.api_key_header.is_empty()
            || !self.api_key_header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid("api_key_header", "must be a header name (letters, digits, `-`)"));
        }
        Ok(())
    }

    /// The AWS region: `region` if set, else the pool id's prefix.
    ///
    /// ```
    /// # use rocket::figment::{Figment, providers::{Format, Toml}};
    /// # let figment = Figment::from(Toml::string("[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\""));
    /// let config = rocket_warrant::Config::from_figment(&figment).unwrap();
    /// assert_eq!(config.region(), "eu-west-1");
    /// ```
    pub fn region(&self) -> &str {
        match &self.region {
            Some(region) => region,
            None => self.user_pool_id.split_once('_').map_or("", |(r, _)| r),
        }
    }

    /// The pool's issuer, the only `iss` a token may carry.
    ///
    /// ```
    /// # use rocket::figment::{Figment, providers::{Format, Toml}};
    /// # let figment = Figment::from(Toml::string("[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\""));
    /// let config = rocket_warrant::Config::from_figment(&figment).unwrap();
    /// assert_eq!(config.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc");
    /// ```
    pub fn issuer(&self) -> String {
        self.issuer.url(self.region(), &self.user_pool_id)
    }

    /// Where another pool's signing keys are: beside the emulator's API (`endpoint_url`), else
    /// at its issuer.
    pub(crate) fn other_jwks_url(&self, pool: &OtherPool) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), pool.user_pool_id),
            None => format!("{}/.well-known/jwks.json", pool.issuer_url()),
        }
    }

    /// Managed login's base URL, from `domain`: `None` when it is not set.
    pub fn domain_url(&self) -> Option<String> {
        let domain = self.domain.as_deref()?.trim_end_matches('/');
        Some(match domain.contains("://") {
            true => domain.to_owned(),
            false => format!("https://{domain}.auth.{}.amazoncognito.com", self.region()),
        })
    }

    /// Where the signing keys are fetched: an emulator serves them beside its API.
    pub(crate) fn jwks_url(&self) -> String {
        match (&self.jwks_url, &self.endpoint_url) {
            (Some(url), _) => url.clone(),
            (None, Some(endpoint)) => {
                format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), self.user_pool_id)
            }
            (None, None) => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::figment::providers::{Format, Toml};

    fn parse(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(&Figment::from(Toml::string(toml)))
    }

    const BASE: &str = "[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"client\"\n";

    #[test]
    fn defaults_follow_django_warrant() {
        let c = parse(BASE).unwrap();
        assert_eq!(c.attr_mapping, default_attr_mapping());
        assert!(c.create_unknown_users);
        assert_eq!(c.auth_flow, AuthFlow::UserSrp);
        assert_eq!(c.api_key_header, "Authorization-Id");
        assert_eq!(c.jwks_url(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json");
    }

    #[test]
    fn a_misspelled_setting_is_named_by_its_path_and_profile() {
        let toml =
            "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\napp_client_sceret = \"s\"\n";
        let figment = Figment::from(Toml::string(toml).nested());
        let err = Config::from_figment(&figment).unwrap_err().to_string();
        assert!(
            err.contains(
                "`cognito.app_client_sceret` (profile `default`) is not a setting; did you mean `app_client_secret`?"
            ),
            "{err}"
        );
        let wrong_type =
            "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\nleeway_secs = \"x\"\n";
        let err = Config::from_figment(&Figment::from(Toml::string(wrong_type).nested())).unwrap_err().to_string();
        assert!(err.contains("`cognito.leeway_secs` (profile `default`)"), "{err}");
        let missing =
            Config::from_figment(&Figment::from(Toml::string("[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\n")));
        let missing = missing.unwrap_err().to_string();
        assert!(missing.contains("`cognito.app_client_id` (profile `default`) is required"), "{missing}");
        let far = "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\ncolour = 1\n";
        let err = Config::from_figment(&Figment::from(Toml::string(far).nested())).unwrap_err().to_string();
        assert!(err.contains("`cognito.colour` (profile `default`) is not a setting (read from"), "{err}");
    }

    #[test]
    fn an_endpoint_serves_the_keys_beside_its_api_unless_jwks_url_says_otherwise() {
        let emulated = parse(&format!("{BASE}endpoint_url = \"http://127.0.0.1:5000/\"\n")).unwrap();
        assert_eq!(emulated.jwks_url(), "http://127.0.0.1:5000/eu-west-1_Abc/.well-known/jwks.json");
        let both = format!("{BASE}endpoint_url = \"http://127.0.0.1:5000\"\njwks_url = \"http://keys.test/k.json\"\n");
        assert_eq!(parse(&both).unwrap().jwks_url(), "http://keys.test/k.json");
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[cognito]\napp_client_id = \"c\"\n", "user_pool_id"),
            ("[cognito]\nuser_pool_id = \"nounderscore\"\napp_client_id = \"c\"\n", "user_pool_id"),
            ("[cognito]\nuser_pool_id = \"_abc\"\napp_client_id = \"c\"\n", "user_pool_id"),
            (&format!("{BASE}auth_flow = \"magic\"\n"), "auth_flow"),
            (&format!("{BASE}attr_mapping = {{ email = 3 }}\n"), "attr_mapping"),
            (&format!("{BASE}attr_mapping = \"email\"\n"), "attr_mapping"),
            (&format!("{BASE}aws_access_key_id = \"AKIA\"\n"), "aws_secret_access_key"),
            (&format!("{BASE}endpoint_url = \"localhost:5000\"\n"), "endpoint_url"),
            (&format!("{BASE}jwks = \"{{}}\"\n"), "jwks"),
            (&format!("{BASE}user_pol_id = \"typo\"\n"), "user_pol_id"),
            (&format!("{BASE}region = \"Mars\"\n"), "region"),
            (&format!("{BASE}max_attempts = 0\n"), "max_attempts"),
            (&format!("{BASE}leeway_secs = -1\n"), "leeway_secs"),
            (&format!("{BASE}jwks_timeout_secs = 0\n"), "jwks_timeout_secs"),
            (&format!("{BASE}jwks_refresh_interval_secs = 0\n"), "jwks_refresh_interval_secs"),
            (&format!("{BASE}cognito_timeout_secs = \"ten\"\n"), "cognito_timeout_secs"),
            (&format!("{BASE}cookie_max_age_secs = 0\n"), "cookie_max_age_secs"),
            (&format!("{BASE}jwks_timeout_ms = 100\n"), "jwks_timeout_ms"),
            (&format!("{BASE}trusted_ip_header = \"X Forwarded\"\n"), "trusted_ip_header"),
            (&format!("{BASE}app_client_ids = [\"\"]\n"), "app_client_ids"),
            (&format!("{BASE}domain = \"My App\"\n"), "domain"),
            (&format!("{BASE}domain = \"myapp\"\n"), "redirect_uri"),
            (&format!("{BASE}domain = \"myapp\"\nredirect_uri = \"/callback\"\n"), "redirect_uri"),
            (&format!("{BASE}logout_uri = \"nowhere\"\n"), "logout_uri"),
            (&format!("{BASE}scopes = [\"open id\"]\n"), "scopes"),
            (&format!("{BASE}trusted_proxies = [\"10.0.0.0/33\"]\n"), "trusted_proxies"),
            (&format!("{BASE}trusted_proxies = \"10.0.0.1\"\n"), "trusted_proxies"),
            (&format!("{BASE}reauthenticate_url = \"https://evil.example/\"\n"), "reauthenticate_url"),
            (&format!("{BASE}authorization_attributes = \"custom:api_key\"\n"), "authorization_attributes"),
            // The client secret and the codes would travel in clear.
            (
                &format!("{BASE}domain = \"http://auth.example.com\"\nredirect_uri = \"https://s.example/cb\"\n"),
                "domain",
            ),
            (&format!("{BASE}scopes = [\"openid\", \"email\"]\n"), "must include `aws.cognito.signin.user.admin`"),
            (&format!("{BASE}scopes = [\"email\", \"aws.cognito.signin.user.admin\"]\n"), "must include `openid`"),
        ];
        for (toml, key) in cases {
            let err = parse(toml).expect_err(toml).to_string();
            assert!(err.contains(key), "{toml:?}: {err}");
        }
    }

    /// Plain http for managed login's domain on this machine only (an emulator), and the
    /// trusted proxies' defaults and forms.
    #[test]
    fn an_http_domain_only_on_this_machine_and_proxies_by_address_or_range() {
        for local in ["http://localhost:9229", "http://127.0.0.1:5000/x", "http://[::1]:80"] {
            let toml = format!("{BASE}domain = \"{local}\"\nredirect_uri = \"http://localhost/cb\"\n");
            assert!(parse(&toml).is_ok(), "{local}");
        }
        for remote in ["http://127.0.0.1.evil.example", "http://user@localhost.example", "http://10.0.0.1"] {
            let toml = format!("{BASE}domain = \"{remote}\"\nredirect_uri = \"http://localhost/cb\"\n");
            let err = parse(&toml).expect_err(remote).to_string();
            assert!(err.contains("cognito.domain") && err.contains("in clear"), "{remote}: {err}");
        }
        let defaults = parse(BASE).unwrap().trusted_proxies;
        assert!(defaults.iter().any(|n| n.contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap())));
        assert!(!defaults.iter().any(|n| n.contains(&"10.0.0.1".parse::<std::net::IpAddr>().unwrap())));
        let set = parse(&format!("{BASE}trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n")).unwrap();
        assert_eq!(set.trusted_proxies.len(), 2);
    }

    #[test]
    fn durations_are_seconds_whole_or_not() {
        let c = parse(&format!("{BASE}jwks_timeout_secs = 0.25\nleeway_secs = 5\nuser_cache_ttl_secs = 0\n")).unwrap();
        assert_eq!(c.jwks_timeout, Duration::from_millis(250));
        assert_eq!(c.leeway, Duration::from_secs(5));
        assert!(c.user_cache_ttl.is_zero());
        assert_eq!(c.cookie_max_age, Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn custom_attributes_keep_their_prefix_and_region_can_be_overridden() {
        let c =
            parse(&format!("{BASE}region = \"us-east-2\"\nattr_mapping = {{ \"custom:api_key\" = \"api_key\" }}\n"))
                .unwrap();
        assert_eq!(c.attr_mapping["custom:api_key"], "api_key");
        assert_eq!(c.region(), "us-east-2");
        assert!(c.issuer().starts_with("https://cognito-idp.us-east-2."));
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let c = parse(&format!("{BASE}app_client_secret = \"s3cr3t-value\"\n")).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
        assert_eq!(c.app_client_secret.unwrap().expose(), "s3cr3t-value");
    }
}
