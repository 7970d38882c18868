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
