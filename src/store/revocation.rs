//! A revocation as the session store keeps it: what it covers, when it was made, when it lapses.

use std::fmt;
use std::str::FromStr;

/// What a [`Revocation`] covers.
///
/// Its text (`Display`, and `FromStr` back) is how a store keeps it: `origin_jti:<origin_jti>`,
/// `sub:<sub>` or `token:<sha256 hex>`.
///
/// ```
/// use rocket_warrant::sessions::RevocationKey;
///
/// let key = RevocationKey::SignIn("5e3c".into());
/// assert_eq!(key.to_string(), "origin_jti:5e3c");
/// assert_eq!("sub:0b5e".parse::<RevocationKey>(), Ok(RevocationKey::User("0b5e".into())));
/// assert!("jti:1".parse::<RevocationKey>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationKey {
    /// Every token of one sign-in and its refreshes, by their `origin_jti` (after its logout).
    SignIn(String),
    /// Every token of a user (`sub`) issued up to the revocation's `revoked_at` (after a sign-out
    /// everywhere).
    User(String),
    /// One token, by its SHA-256 in hex: a refresh token Cognito could not revoke, or an access
    /// token without `origin_jti`.
    Token(String),
}

const SIGN_IN: &str = "origin_jti:";
const USER: &str = "sub:";
const TOKEN: &str = "token:";

impl fmt::Display for RevocationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationKey::SignIn(jti) => write!(f, "{SIGN_IN}{jti}"),
            RevocationKey::User(sub) => write!(f, "{USER}{sub}"),
            RevocationKey::Token(hex) => write!(f, "{TOKEN}{hex}"),
        }
    }
}

/// The text of a key this version does not know (a later version's), as it was: a store's
/// reader skips it.
impl FromStr for RevocationKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || s.to_owned();
        if let Some(jti) = s.strip_prefix(SIGN_IN) {
            Ok(RevocationKey::SignIn(jti.to_owned()))
        } else if let Some(sub) = s.strip_prefix(USER) {
            Ok(RevocationKey::User(sub.to_owned()))
        } else if let Some(hex) =
            s.strip_prefix(TOKEN).filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Ok(RevocationKey::Token(hex.to_ascii_lowercase()))
        } else {
            Err(unknown())
        }
    }
}

/// A revocation this site recorded (`refuse_revoked_tokens`), shared through the session store
/// so that every instance on the same database refuses the tokens it covers. It is kept until
/// `expires_at`, when every token it covers has expired; a later revocation of the same key
/// moves both instants forward, never back.
///
/// ```
/// use rocket_warrant::sessions::{Revocation, RevocationKey};
///
/// let r = Revocation { key: RevocationKey::SignIn("5e3c".into()), revoked_at: 1_700_000_000, expires_at: 1_700_003_600 };
/// assert_eq!(r.key.to_string(), "origin_jti:5e3c");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// What is revoked.
    pub key: RevocationKey,
    /// When, seconds since the epoch.
    pub revoked_at: i64,
    /// When every token it covers has expired: it may be deleted after.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_what_they_write_and_skip_the_rest() {
        let hex = "ab".repeat(32);
        for key in [
            RevocationKey::SignIn("5e3c-1".into()),
            RevocationKey::User("0b5e:x".into()),
            RevocationKey::Token(hex.clone()),
        ] {
            assert_eq!(key.to_string().parse::<RevocationKey>(), Ok(key));
        }
        assert_eq!(format!("token:{}", hex.to_uppercase()).parse(), Ok(RevocationKey::Token(hex)));
        for unknown in ["jti:1", "", "token:abc", &format!("token:{}", "zz".repeat(32))] {
            assert_eq!(unknown.parse::<RevocationKey>(), Err(unknown.to_owned()), "{unknown}");
        }
    }
}
