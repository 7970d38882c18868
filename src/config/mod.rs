//! Settings: the `[default.cognito]` table of `Rocket.toml`, or any profile's ([`Config`], read
//! with figment, defaulted, and validated before launch; a bad one is a [`ConfigError`] naming
//! its key), and the values its keys take.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// The scope an access token needs for GetUser, which every sign-in calls, and every other call
/// a user makes with it (each of those calls' reference: "It must include the scope
/// aws.cognito.signin.user.admin").
pub(crate) const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The local names the user row keeps for itself: `attr_mapping` may map no attribute to one.
pub(crate) const RESERVED: [&str; 6] = ["id", "username", "sub", "attributes", "created_at", "updated_at"];

/// The figment key the settings live under: `[default.cognito]` in `Rocket.toml`, or
/// `ROCKET_COGNITO={...}` in the environment.
pub(crate) const CONFIG_KEY: &str = "cognito";

mod validate;
mod values;

pub(crate) use self::validate::passkey_host;
pub use self::validate::ConfigError;
pub use self::values::{AuthFlow, Issuer, Limit, Limits, OtherPool, SameSite, Secret, SessionMode};

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
/// use rocket_warrant::config::Config;
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
    /// The site's origin where passkeys are registered and used (`https://app.example.com`;
    /// `http://localhost:8000` for a local site). Launch reads the pool's passkey relying party
    /// (its `WebAuthnConfiguration`, else its domain, as Cognito does) and stops when this origin
    /// is not on it, naming both: every passkey ceremony would be refused. Unset, nothing is
    /// checked.
    #[serde(default)]
    pub passkey_origin: Option<String>,
    /// Limits on the attempts that reach Cognito with what a user typed (`[default.cognito.limits]`):
    /// per client address, per username tried and per account, each a number of attempts in a
    /// window. An attempt past one is refused with [`Error::Limited`](crate::Error::Limited)
    /// (429, `Retry-After`) and never reaches Cognito.
    #[serde(default)]
    pub limits: Limits,
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

impl Config {
    /// The AWS region: `region` if set, else the pool id's prefix.
    ///
    /// ```
    /// # use rocket::figment::{Figment, providers::{Format, Toml}};
    /// # let figment = Figment::from(Toml::string("[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\""));
    /// let config = rocket_warrant::config::Config::from_figment(&figment).unwrap();
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
    /// let config = rocket_warrant::config::Config::from_figment(&figment).unwrap();
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
