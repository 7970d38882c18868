//! The steps Cognito can put between a password and the tokens: which challenge, what answers
//! it, and the authenticator secret of an MFA enrolment. Plain data: nothing here calls Cognito.

use crate::next::percent_encode;
use crate::proof::Factors;
use std::fmt;

/// A challenge Cognito answered instead of tokens.
///
/// ```
/// use rocket_warrant::sign_in::Challenge;
///
/// assert_eq!(Challenge::NewPasswordRequired.name(), "NEW_PASSWORD_REQUIRED");
/// assert_eq!(Challenge::Other("CUSTOM_CHALLENGE".into()).name(), "CUSTOM_CHALLENGE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// The user must choose a new password (an admin-created user's first login).
    NewPasswordRequired,
    /// A code sent by SMS is required.
    SmsMfa,
    /// A code from an authenticator app is required.
    SoftwareTokenMfa,
    /// A code sent by email is required ([`PendingChallenge::destination`] says where).
    EmailOtp,
    /// USER_AUTH: the user chooses how to sign in ([`PendingChallenge::options`]: `PASSWORD`,
    /// `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`), with [`Answer::Choose`] for a code
    /// or [`Answer::Password`].
    SelectChallenge,
    /// A code sent by text message as the first factor (USER_AUTH).
    SmsOtp,
    /// A passkey: not supported yet; answering it is [`Error::Unsupported`](crate::Error::Unsupported).
    WebAuthn,
    /// The user has several second factors and none preferred: they choose one
    /// ([`PendingChallenge::options`]) with [`Answer::Choose`], and that factor's challenge
    /// follows.
    SelectMfaType,
    /// The user must enrol an authenticator app first ([`Cognito::setup_totp`](crate::Cognito::setup_totp)),
    /// then answer with its first code.
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
            "EMAIL_OTP" => Challenge::EmailOtp,
            "SELECT_MFA_TYPE" => Challenge::SelectMfaType,
            "SELECT_CHALLENGE" => Challenge::SelectChallenge,
            "SMS_OTP" => Challenge::SmsOtp,
            "WEB_AUTHN" => Challenge::WebAuthn,
            "MFA_SETUP" => Challenge::MfaSetup,
            other => Challenge::Other(other.to_owned()),
        }
    }
}

/// A login that stopped at a challenge: which one, and what answering it needs.
///
/// [`Cognito::keep`](crate::Cognito::keep) keeps it in a private cookie of the crate's own
/// while the user answers (Cognito allows three minutes), and a route takes it back as a
/// request guard. `Debug` hides the session, which is what lets the holder finish the login.
///
/// As a guard it fails with 401 ([`AuthError::NoChallenge`](crate::AuthError::NoChallenge)) when
/// no challenge is kept or its cookie has expired; `Option<PendingChallenge>` gives `None`.
///
/// ```
/// use rocket_warrant::PendingChallenge;
/// use rocket_warrant::sign_in::Challenge;
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
    session: Box<str>,
    /// `MFA_SETUP` only: an authenticator was associated with the session (`setup_totp`), so
    /// its first code may answer. Before that, a code answers nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    enrolling: bool,
    /// What the step tells its page: where Cognito sent the code (`CODE_DELIVERY_DESTINATION`,
    /// masked) for `SMS_MFA` and `EMAIL_OTP`, or what the passkey is asked
    /// (`CREDENTIAL_REQUEST_OPTIONS`) for `WEB_AUTHN`. One field, since a step has one or the
    /// other (and a smaller `Error`).
    #[serde(default, rename = "detail", alias = "destination", skip_serializing_if = "Option::is_none")]
    destination: Option<Box<str>>,
    /// The factors to choose from (`MFAS_CAN_CHOOSE`), for `SELECT_MFA_TYPE`.
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    options: Box<[String]>,
    /// What the sign-in proved before this step (the password, say).
    #[serde(default, skip_serializing_if = "Factors::is_empty")]
    proved: Factors,
    /// The `sub` of the signed-in user this sign-in re-authenticates; none for a sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reauthenticates: Option<Box<str>>,
    /// A stand-in that no code answers (see [`PendingChallenge::decoy`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    decoy: bool,
}

impl PendingChallenge {
    pub(crate) fn new(challenge: Challenge, username: String, session: String) -> PendingChallenge {
        PendingChallenge {
            challenge,
            username,
            session: session.into_boxed_str(),
            enrolling: false,
            destination: None,
            options: Box::default(),
            proved: Factors::default(),
            reauthenticates: None,
            decoy: false,
        }
    }

    /// A stand-in for the code step of a sign-in that cannot get one (an unknown user, or one
    /// without a verified address): kept and answered as a real one, it never signs anyone in,
    /// so that a page does not tell which accounts exist.
    pub(crate) fn decoy(challenge: Challenge, username: &str) -> PendingChallenge {
        let mut bytes = [0u8; 48];
        // Without randomness the stand-in's session is zeros: it opens nothing either way.
        let _ = getrandom::fill(&mut bytes);
        let session = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        let mut pending = PendingChallenge::new(challenge, username.to_owned(), session);
        pending.decoy = true;
        pending
    }

    /// Whether this is a stand-in ([`PendingChallenge::decoy`]).
    pub(crate) fn is_decoy(&self) -> bool {
        self.decoy
    }

    /// What the sign-in proved before this step.
    pub(crate) fn proved(&self) -> Factors {
        self.proved
    }

    /// With `proved` proved before this step, and the re-authentication it belongs to.
    pub(crate) fn after(mut self, proved: Factors, reauthenticates: Option<String>) -> PendingChallenge {
        self.proved = proved;
        self.reauthenticates = reauthenticates.map(String::into_boxed_str);
        self
    }

    /// The `sub` of the signed-in user this step re-authenticates, if it belongs to a
    /// re-authentication ([`SignIn::reauthenticate`](crate::SignIn::reauthenticate)) rather
    /// than a sign-in: its tokens then renew that session's proof and start no session.
    pub(crate) fn reauthenticates(&self) -> Option<&str> {
        self.reauthenticates.as_deref()
    }

    /// Whether this step belongs to a re-authentication of a signed-in user rather than a
    /// sign-in: answered, it renews the session's proof of identity and starts no session.
    pub fn is_reauthentication(&self) -> bool {
        self.reauthenticates.is_some()
    }

    /// The same challenge, with the factors it offers.
    pub(crate) fn offering(mut self, options: Vec<String>) -> PendingChallenge {
        self.options = options.into_boxed_slice();
        self
    }

    /// The second factors a [`SelectMfaType`](Challenge::SelectMfaType) challenge offers, by
    /// Cognito's names (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`): answer with one of them
    /// ([`Answer::Choose`]). Empty for the other challenges.
    ///
    /// ```
    /// use rocket_warrant::PendingChallenge;
    ///
    /// let pending: PendingChallenge = serde_json::from_str(
    ///     r#"{"challenge":"SELECT_MFA_TYPE","username":"ann","session":"AYABeD...","options":["SMS_MFA","EMAIL_OTP"]}"#,
    /// ).unwrap();
    /// assert_eq!(pending.options(), ["SMS_MFA", "EMAIL_OTP"]);
    /// ```
    pub fn options(&self) -> &[String] {
        &self.options
    }

    /// Whether the challenge offers `option`.
    pub(crate) fn offers(&self, option: &str) -> bool {
        self.options.iter().any(|o| o == option)
    }

    /// The same challenge, with what a passkey is asked (`CREDENTIAL_REQUEST_OPTIONS`), if given.
    pub(crate) fn asking(mut self, options: Option<String>) -> PendingChallenge {
        if let Some(options) = options {
            self.destination = Some(options.into_boxed_str());
        }
        self
    }

    /// The step as its cookie keeps it: a passkey step without its options.
    pub(crate) fn kept_form(&self) -> std::borrow::Cow<'_, PendingChallenge> {
        match self.challenge {
            Challenge::WebAuthn if self.destination.is_some() => {
                std::borrow::Cow::Owned(PendingChallenge { destination: None, ..self.clone() })
            }
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    /// For [`Challenge::WebAuthn`], the options the page's script hands the browser's
    /// `navigator.credentials.get` (`PublicKeyCredentialRequestOptionsJSON`: the challenge,
    /// the relying party, the user's passkeys); answer with [`Answer::Passkey`]. `None` for the
    /// other challenges.
    ///
    /// ```
    /// use rocket_warrant::PendingChallenge;
    ///
    /// let pending: PendingChallenge = serde_json::from_str(
    ///     r#"{"challenge":"WEB_AUTHN","username":"ann","session":"AYABeD...","detail":"{\"rpId\":\"example.com\"}"}"#,
    /// ).unwrap();
    /// assert_eq!(pending.passkey_options(), Some(r#"{"rpId":"example.com"}"#));
    /// assert_eq!(pending.destination(), None);
    /// ```
    pub fn passkey_options(&self) -> Option<&str> {
        self.destination.as_deref().filter(|_| self.challenge == Challenge::WebAuthn)
    }

    /// The same challenge, saying where Cognito sent its code.
    pub(crate) fn sent_to(mut self, destination: Option<String>) -> PendingChallenge {
        self.destination = destination.map(String::into_boxed_str);
        self
    }

    /// The same `MFA_SETUP` challenge once an authenticator is associated with it.
    pub(crate) fn enrolling(mut self) -> PendingChallenge {
        self.enrolling = true;
        self
    }

    pub(crate) fn is_enrolling(&self) -> bool {
        self.enrolling
    }

    /// The challenge Cognito asked for.
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// Cognito's username of the user (not necessarily what was typed: an email alias, say).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Where Cognito sent the code of an [`SmsMfa`](Challenge::SmsMfa) challenge, masked as
    /// Cognito gives it (e.g. `+*******1234`), for the page that asks for the code; `None` for
    /// the other challenges.
    ///
    /// ```
    /// use rocket_warrant::PendingChallenge;
    ///
    /// let pending: PendingChallenge = serde_json::from_str(
    ///     r#"{"challenge":"SMS_MFA","username":"ann","session":"AYABeD...","destination":"+*******1234"}"#,
    /// ).unwrap();
    /// assert_eq!(pending.destination(), Some("+*******1234"));
    /// ```
    pub fn destination(&self) -> Option<&str> {
        self.destination.as_deref().filter(|_| self.challenge != Challenge::WebAuthn)
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
            .field("enrolling", &self.enrolling)
            .field("destination", &self.destination)
            .field("options", &self.options)
            .field("proved", &self.proved)
            .field("reauthentication", &self.reauthenticates.is_some())
            .finish()
    }
}

impl Challenge {
    /// Cognito's name of the challenge, e.g. `NEW_PASSWORD_REQUIRED`.
    pub fn name(&self) -> &str {
        match self {
            Challenge::Other(name) => name,
            known => known.label(),
        }
    }

    /// The name of a challenge this crate knows, `other` for the rest: a metric's label, one
    /// of few values.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Challenge::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Challenge::SmsMfa => "SMS_MFA",
            Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Challenge::EmailOtp => "EMAIL_OTP",
            Challenge::SelectMfaType => "SELECT_MFA_TYPE",
            Challenge::SelectChallenge => "SELECT_CHALLENGE",
            Challenge::SmsOtp => "SMS_OTP",
            Challenge::WebAuthn => "WEB_AUTHN",
            Challenge::MfaSetup => "MFA_SETUP",
            Challenge::Other(_) => "other",
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

/// An authenticator app being enrolled during sign-in (the `MFA_SETUP` challenge), as
/// [`Cognito::setup_totp`](crate::Cognito::setup_totp) returns it: the secret to show the user.
/// Keep it with [`Cognito::keep`](crate::Cognito::keep) (Cognito moved the challenge on), then
/// answer with the app's first code. `Debug` hides the secret.
///
/// ```no_run
/// # use rocket::{get, http::CookieJar};
/// use rocket_warrant::{Cognito, Error, PendingChallenge};
///
/// #[get("/login/mfa-setup")]
/// async fn enrol(cognito: &Cognito, jar: &CookieJar<'_>, pending: PendingChallenge) -> Result<String, Error> {
///     let setup = cognito.keep(jar, cognito.setup_totp(&pending).await).await?;
///     Ok(format!("add {} to your authenticator app", setup.otpauth_uri("Example Site")))
/// }
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

    /// The challenge to answer with the app's first code, from here on (Cognito moved the
    /// session on); [`Cognito::keep`](crate::Cognito::keep) keeps it in place of the old one.
    pub fn pending(&self) -> &PendingChallenge {
        &self.pending
    }
}

impl fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSetup").field("secret", &"***").field("pending", &self.pending).finish()
    }
}

/// What a user gives to answer a pending challenge ([`Cognito::answer`](crate::Cognito::answer)).
/// `Debug` hides the value.
///
/// ```
/// use rocket_warrant::sign_in::Answer;
///
/// let answer = Answer::Code("123456");
/// assert_eq!(format!("{answer:?}"), "Code(***)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// The new password, for [`Challenge::NewPasswordRequired`].
    NewPassword(&'a str),
    /// A code: sent by SMS ([`Challenge::SmsMfa`]) or email ([`Challenge::EmailOtp`]), or from
    /// an authenticator app ([`Challenge::SoftwareTokenMfa`], and its first code for
    /// [`Challenge::MfaSetup`]).
    Code(&'a str),
    /// The factor chosen, by Cognito's name, for [`Challenge::SelectMfaType`] and
    /// [`Challenge::SelectChallenge`] (a code: `EMAIL_OTP`, `SMS_OTP`): one of
    /// [`PendingChallenge::options`].
    Choose(&'a str),
    /// The password, chosen as the first factor of a [`Challenge::SelectChallenge`].
    Password(&'a str),
    /// A passkey's answer to [`Challenge::WebAuthn`]: what the browser's
    /// `navigator.credentials.get` returned, as JSON (`AuthenticationResponseJSON`), for the
    /// options of [`PendingChallenge::passkey_options`].
    Passkey(&'a str),
}

impl Answer<'_> {
    /// What the answer is, for messages: "a new password", "a code".
    pub(crate) fn what(&self) -> &'static str {
        match self {
            Answer::NewPassword(_) => "a new password",
            Answer::Code(_) => "a code",
            Answer::Choose(_) => "a choice of factor",
            Answer::Password(_) => "a password",
            Answer::Passkey(_) => "a passkey",
        }
    }
}

impl fmt::Debug for Answer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::NewPassword(_) => f.write_str("NewPassword(***)"),
            Answer::Code(_) => f.write_str("Code(***)"),
            Answer::Choose(factor) => write!(f, "Choose({factor})"),
            Answer::Password(_) => f.write_str("Password(***)"),
            Answer::Passkey(_) => f.write_str("Passkey(***)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cookie keeps a passkey step without its options (they went to the page, and list
    /// every passkey of the user), and a code step with where its code went.
    #[test]
    fn a_kept_passkey_step_leaves_its_options_out() {
        let passkey = PendingChallenge::new(Challenge::WebAuthn, "ann".into(), "s".into()).asking(Some("{}".into()));
        assert_eq!(passkey.passkey_options(), Some("{}"));
        assert_eq!(passkey.kept_form().passkey_options(), None);
        let texted = PendingChallenge::new(Challenge::SmsMfa, "ann".into(), "s".into()).sent_to(Some("+***1".into()));
        assert_eq!(texted.kept_form().destination(), Some("+***1"));
    }

    #[test]
    fn otpauth_uri_names_issuer_and_user_percent_encoded() {
        let pending = PendingChallenge::new(Challenge::MfaSetup, "ada@example.com".into(), String::new());
        let setup = TotpSetup::new("JBSWY3DPEHPK3PXP".into(), pending);
        assert_eq!(
            setup.otpauth_uri("Example Site"),
            "otpauth://totp/Example%20Site:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Site"
        );
        assert!(!format!("{setup:?}").contains("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn challenges_round_trip_by_name() {
        for c in [Challenge::NewPasswordRequired, Challenge::SmsMfa, Challenge::SoftwareTokenMfa, Challenge::MfaSetup] {
            assert_eq!(Challenge::from_name(c.name()), c);
        }
        assert_eq!(Challenge::from_name("CUSTOM_CHALLENGE"), Challenge::Other("CUSTOM_CHALLENGE".into()));
    }
}
