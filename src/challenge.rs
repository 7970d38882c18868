//! The steps Cognito can put between a password and the tokens: which challenge, what answering
//! it needs, and the authenticator secret of an MFA enrolment.

use std::fmt;

/// A challenge Cognito answered instead of tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// The user must choose a new password (an admin-created user's first login).
    NewPasswordRequired,
    /// A code sent by SMS is required.
    SmsMfa,
    /// A code from an authenticator app is required.
    SoftwareTokenMfa,
    /// The user must enrol an authenticator app first: [`Cognito::setup_totp`](crate::Cognito::setup_totp).
    MfaSetup,
    /// Any other challenge, by its Cognito name.
    Other(String),
}

impl Challenge {
    pub(crate) fn from_name(name: &str) -> Challenge {
        match name {
            "NEW_PASSWORD_REQUIRED" => Challenge::NewPasswordRequired,
            "SMS_MFA" => Challenge::SmsMfa,
            "SOFTWARE_TOKEN_MFA" => Challenge::SoftwareTokenMfa,
            "MFA_SETUP" => Challenge::MfaSetup,
            other => Challenge::Other(other.to_owned()),
        }
    }
}

/// A login that stopped at a challenge: which one, and what answering it needs.
///
/// It can be kept between two requests (serialized into a private cookie, say) while the user
/// answers; Cognito lets a challenge be answered for three minutes. `Debug` hides the session,
/// which is what lets the holder finish the login.
///
/// ```
/// use rocket_warrant::{Challenge, PendingChallenge};
///
/// let pending: PendingChallenge = serde_json::from_str(
///     r#"{"challenge":"NEW_PASSWORD_REQUIRED","username":"newbie","session":"AYABeD..."}"#,
/// ).unwrap();
/// assert_eq!(pending.challenge(), &Challenge::NewPasswordRequired);
/// assert_eq!(pending.username(), "newbie");
/// assert!(!format!("{pending:?}").contains("AYABeD"));
/// ```
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingChallenge {
    #[serde(with = "challenge_name")]
    challenge: Challenge,
    username: String,
    session: String,
}

impl PendingChallenge {
    pub(crate) fn new(challenge: Challenge, username: String, session: String) -> PendingChallenge {
        PendingChallenge { challenge, username, session }
    }

    /// The challenge Cognito asked for.
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// Cognito's username of the user (not necessarily what was typed: an email alias, say).
    pub fn username(&self) -> &str {
        &self.username
    }

    pub(crate) fn session(&self) -> &str {
        &self.session
    }
}

impl fmt::Debug for PendingChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingChallenge")
            .field("challenge", &self.challenge)
            .field("username", &self.username)
            .field("session", &"***")
            .finish()
    }
}

impl Challenge {
    /// Cognito's name of the challenge, e.g. `NEW_PASSWORD_REQUIRED`.
    pub fn name(&self) -> &str {
        match self {
            Challenge::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Challenge::SmsMfa => "SMS_MFA",
            Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Challenge::MfaSetup => "MFA_SETUP",
            Challenge::Other(name) => name,
        }
    }
}

/// Challenges travel by their Cognito names.
mod challenge_name {
    use super::Challenge;

    pub fn serialize<S: serde::Serializer>(challenge: &Challenge, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(challenge.name())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Challenge, D::Error> {
        let name: String = serde::Deserialize::deserialize(d)?;
        Ok(Challenge::from_name(&name))
    }
}

/// An authenticator app being enrolled during sign-in (the `MFA_SETUP` challenge): the secret to
/// show the user, and the challenge to answer with the app's first code
/// ([`Cognito::sign_in_totp_setup`](crate::Cognito::sign_in_totp_setup)). `Debug` hides the secret.
///
/// ```
/// use rocket_warrant::challenge::TotpSetup;
///
/// let setup = TotpSetup::for_tests("JBSWY3DPEHPK3PXP", "ada@example.com");
/// assert_eq!(
///     setup.otpauth_uri("Example Site"),
///     "otpauth://totp/Example%20Site:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Site"
/// );
/// assert!(!format!("{setup:?}").contains("JBSWY3DPEHPK3PXP"));
/// ```
#[derive(Clone)]
pub struct TotpSetup {
    secret: String,
    pending: PendingChallenge,
}

impl TotpSetup {
    pub(crate) fn new(secret: String, pending: PendingChallenge) -> TotpSetup {
        TotpSetup { secret, pending }
    }

    #[doc(hidden)]
    pub fn for_tests(secret: &str, username: &str) -> TotpSetup {
        let pending = PendingChallenge::new(Challenge::MfaSetup, username.to_owned(), String::new());
        TotpSetup::new(secret.to_owned(), pending)
    }

    /// The base32 key the user types into an authenticator app.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The `otpauth://` link an authenticator app reads (from a QR code, usually), naming the
    /// account `issuer:username`.
    pub fn otpauth_uri(&self, issuer: &str) -> String {
        let (issuer, user) = (percent_encode(issuer), percent_encode(self.pending.username()));
        format!("otpauth://totp/{issuer}:{user}?secret={}&issuer={issuer}", percent_encode(&self.secret))
    }

    /// The challenge to answer with the app's first code; keep it as the login's pending
    /// challenge from here on (Cognito moved the session on).
    pub fn pending(&self) -> &PendingChallenge {
        &self.pending
    }
}

impl fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSetup").field("secret", &"***").field("pending", &self.pending).finish()
    }
}

/// RFC 3986: everything but the unreserved characters, percent-encoded.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
