//! The settings' value types: secrets that never print, the choices a setting names, and
//! another pool whose tokens are trusted.

use std::fmt;

use serde::Deserialize;

/// A string that never shows itself in `Debug` output or logs (client secrets, AWS keys).
///
/// ```
/// use rocket_warrant::config::Secret;
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
/// use rocket_warrant::config::AuthFlow;
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
/// use rocket_warrant::config::Issuer;
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
/// use rocket_warrant::config::SameSite;
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
/// use rocket_warrant::config::SessionMode;
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

/// The limits on attempts in front of Cognito (`limits`): each counts every attempt it sees in
/// a window (a correct password or code counts too, so that signing in to an account of one's
/// own never resets a count), and refuses those past its `attempts` until the window ends.
///
/// ```toml
/// [default.cognito.limits]
/// per_address = { attempts = 50, window_secs = 300 }
/// per_username = { attempts = 10, window_secs = 900 }
/// per_account = { attempts = 10, window_secs = 900 }
/// ```
///
/// ```
/// use rocket_warrant::config::Limits;
///
/// let limits = Limits::default();
/// assert_eq!((limits.per_address.attempts, limits.per_address.window.as_secs()), (50, 300));
/// assert_eq!((limits.per_username.attempts, limits.per_username.window.as_secs()), (10, 900));
/// assert_eq!((limits.per_account.attempts, limits.per_account.window.as_secs()), (10, 900));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// Attempts from one client address (its `/64` for IPv6, where one host holds them all),
    /// the address taken as `trusted_ip_header` and `trusted_proxies` say: every path, whatever
    /// the username. Generous enough for an office behind one address.
    #[serde(default = "Limit::per_address")]
    pub per_address: Limit,
    /// Attempts naming one username (as typed, case and spaces aside): sign-in, sign-up and its
    /// confirmation, a forgotten password and its reset. Guessing one user's password from many
    /// addresses is slowed here, each name a user may sign in with (username, email, phone)
    /// counted apart. Whoever knows a name can use up its window and keep its owner out of
    /// signing in with it until the window ends, as any per-name lockout allows.
    #[serde(default = "Limit::per_username")]
    pub per_username: Limit,
    /// Attempts on one account once it is known: each answer to a sign-in's step (a code, a new
    /// password), re-authentication, a password change, an attribute's verification code.
    #[serde(default = "Limit::per_account")]
    pub per_account: Limit,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_address: Limit::per_address(),
            per_username: Limit::per_username(),
            per_account: Limit::per_account(),
        }
    }
}

/// One limit: at most `attempts` in each window of `window_secs` (`attempts = 0` turns it off).
///
/// ```
/// use std::time::Duration;
/// use rocket_warrant::config::Limit;
///
/// let limit = Limit { attempts: 5, window: Duration::from_secs(60) };
/// assert!(limit.is_on());
/// assert!(!Limit { attempts: 0, ..limit }.is_on());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Attempts allowed in one window; 0 turns the limit off.
    pub attempts: u32,
    /// The window (`window_secs`), 1 second to a day.
    #[serde(rename = "window_secs", deserialize_with = "super::secs")]
    pub window: std::time::Duration,
}

impl Limit {
    /// Whether the limit refuses anything.
    pub fn is_on(&self) -> bool {
        self.attempts > 0
    }

    fn per_address() -> Limit {
        Limit { attempts: 50, window: std::time::Duration::from_secs(300) }
    }

    fn per_username() -> Limit {
        Limit { attempts: 10, window: std::time::Duration::from_secs(900) }
    }

    fn per_account() -> Limit {
        Limit { attempts: 10, window: std::time::Duration::from_secs(900) }
    }
}
