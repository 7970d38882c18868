//! The data a Cognito sign-in yields: the three tokens, and the claims of a verified token.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The three tokens of a signed-in user. `Debug` shows none of them.
///
/// ```
/// use rocket_warrant::tokens::Tokens;
///
/// let tokens = Tokens { id_token: "eyJ.id".into(), access_token: "eyJ.access".into(), refresh_token: "r".into() };
/// assert_eq!(format!("{tokens:?}"), "Tokens(***)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The ID token (a JWT): who the user is, with the attributes the app client may read.
    pub id_token: String,
    /// The access token (a JWT): what the user may call.
    pub access_token: String,
    /// The refresh token (opaque, encrypted by Cognito): new ID and access tokens for it.
    pub refresh_token: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens(***)")
    }
}

/// Which of Cognito's two JWTs a token must be.
///
/// ```
/// use rocket_warrant::tokens::TokenUse;
/// assert_eq!(TokenUse::Access.as_str(), "access");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    /// The ID token: the user's identity and attributes, `aud` is the app client.
    Id,
    /// The access token: what the user may call, `client_id` is the app client.
    Access,
}

impl TokenUse {
    /// The claim's value: `id` or `access`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// The verified claims of a Cognito token.
///
/// Claims of both token kinds are here; those a kind does not carry are `None` or empty.
///
/// ```
/// use rocket_warrant::tokens::Claims;
///
/// let claims: Claims = serde_json::from_str(r#"{
///     "sub": "0b5e", "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc",
///     "token_use": "access", "client_id": "client", "username": "alice", "exp": 1,
///     "cognito:groups": ["admin"], "auth_time": 0
/// }"#).unwrap();
/// assert_eq!(claims.cognito_username(), Some("alice"));
/// assert_eq!(claims.groups, ["admin"]);
/// assert!(claims.extra.contains_key("auth_time"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's immutable id.
    pub sub: String,
    /// The pool's issuer URL.
    pub iss: String,
    /// `id` or `access`.
    pub token_use: TokenUse,
    /// Expiry, seconds since the epoch (required).
    pub exp: Option<i64>,
    /// Issued at.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Not before.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// ID tokens: the app client.
    #[serde(default)]
    pub aud: Option<String>,
    /// Access tokens: the app client.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Access tokens: the Cognito username.
    #[serde(default)]
    pub username: Option<String>,
    /// ID tokens: the Cognito username.
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// The user's groups.
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// ID tokens: the email, when the app client may read it.
    #[serde(default)]
    pub email: Option<String>,
    /// Access tokens: the OAuth scopes, space separated.
    #[serde(default)]
    pub scope: Option<String>,
    /// The token's id.
    #[serde(default)]
    pub jti: Option<String>,
    /// Every other claim (attributes in ID tokens, `auth_time`, ...).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The `kid` of the key that verified the token, and how many keys the pool had withdrawn
    /// then (not a claim: the verifier sets it, so that a withdrawn key's tokens are refused
    /// even from a cache).
    #[serde(skip)]
    pub(crate) signed_by: Option<(Arc<str>, u64)>,
    /// The SHA-256 of the token (not a claim: the verifier sets it, so that a token revoked
    /// whole is refused from a cache too).
    #[serde(skip)]
    pub(crate) digest: Option<[u8; 32]>,
}

impl Claims {
    /// The Cognito username (`cognito:username` in ID tokens, `username` in access tokens).
    pub fn cognito_username(&self) -> Option<&str> {
        self.cognito_username.as_deref().or(self.username.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_debug_shows_none_of_them_and_token_uses_are_claim_values() {
        let tokens = Tokens { id_token: "id.t.x".into(), access_token: "access.t.x".into(), refresh_token: "r".into() };
        assert_eq!(format!("{tokens:?}"), "Tokens(***)");
        assert_eq!(TokenUse::Id.as_str(), "id");
        assert_eq!(TokenUse::Access.as_str(), "access");
        for kind in [TokenUse::Id, TokenUse::Access] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
