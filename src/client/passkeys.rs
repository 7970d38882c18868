//! The passkey calls, each with the user's access token: StartWebAuthnRegistration,
//! CompleteWebAuthnRegistration, ListWebAuthnCredentials and DeleteWebAuthnCredential. The
//! WebAuthn documents travel as the SDK's `Document`; the page's script reads and writes their
//! JSON forms.

use aws_smithy_types::{Document, Number};
use tracing::Instrument;

use super::account::token_call_error;
use super::connection::CognitoClient;
use super::errors::sdk_error_by_type;
use crate::error::{Error, ServiceError};

/// A passkey of the user's ([`Cognito::passkeys`](crate::Cognito::passkeys)).
///
/// ```
/// use rocket_warrant::account::Passkey;
///
/// fn describe(passkey: &Passkey) -> String {
///     format!("{} ({})", passkey.name.as_deref().unwrap_or("a passkey"), passkey.attachment.as_deref().unwrap_or("any"))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Passkey {
    /// Cognito's `CredentialId`, which [`Cognito::delete_passkey`](crate::Cognito::delete_passkey) takes.
    pub id: String,
    /// The name Cognito gave it (from the authenticator).
    pub name: Option<String>,
    /// The relying party it signs for (a domain).
    pub relying_party: Option<String>,
    /// `platform` (the device's own) or `cross-platform` (a security key), when known.
    pub attachment: Option<String>,
    /// How the browser reaches it (`internal`, `usb`, `hybrid`, ...).
    pub transports: Vec<String>,
    /// When it was registered, Unix seconds.
    pub created: Option<i64>,
}

/// ListWebAuthnCredentials pages of at most this many (its reference's maximum, 20).
const PAGE: i32 = 20;

/// WebAuthn's own refusals, by type: the passkey or the ceremony is at fault (the user may try
/// again), or the pool's settings are (the operator must act).
fn passkey_error<E>(
    err: aws_sdk_cognitoidentityprovider::error::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Error
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let by_type = sdk_error_by_type(err, |code, message| match code {
        "WebAuthnChallengeNotFoundException"
        | "WebAuthnOriginNotAllowedException"
        | "WebAuthnCredentialNotSupportedException"
        | "InvalidParameterException" => Some(Error::PasskeyRefused(message.to_owned())),
        "WebAuthnNotEnabledException"
        | "WebAuthnConfigurationMissingException"
        | "WebAuthnRelyingPartyMismatchException"
        | "WebAuthnClientMismatchException"
        | "FeatureUnavailableInTierException" => {
            Some(Error::Misconfigured(ServiceError::new(format!("{code}: {message}")).about("passkeys")))
        }
        _ => None,
    });
    match by_type {
        Error::Cognito(s) if s.code() == Some("NotAuthorizedException") => Error::SessionExpired,
        other => other,
    }
}

/// JSON into the SDK's document.
pub(crate) fn document(value: &serde_json::Value) -> Document {
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(items) => Document::Array(items.iter().map(document).collect()),
        serde_json::Value::Object(map) => Document::Object(map.iter().map(|(k, v)| (k.clone(), document(v))).collect()),
    }
}

/// The SDK's document as JSON.
pub(crate) fn json(document: &Document) -> serde_json::Value {
    match document {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => serde_json::Value::from(*u),
        Document::Number(Number::NegInt(i)) => serde_json::Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Value::from(*f),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(items) => serde_json::Value::Array(items.iter().map(json).collect()),
        Document::Object(map) => serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
    }
}

impl CognitoClient {
    /// StartWebAuthnRegistration: the options for the browser's `navigator.credentials.create`.
    pub(crate) async fn start_passkey_registration(&self, access_token: &str) -> Result<serde_json::Value, Error> {
        let out = (self.client.start_web_authn_registration())
            .access_token(access_token)
            .send()
            .instrument(super::observe::span("StartWebAuthnRegistration"))
            .await
            .map_err(passkey_error)?;
        Ok(json(out.credential_creation_options()))
    }

    /// CompleteWebAuthnRegistration with the browser's answer.
    pub(crate) async fn complete_passkey_registration(
        &self,
        access_token: &str,
        credential: &serde_json::Value,
    ) -> Result<(), Error> {
        (self.client.complete_web_authn_registration())
            .access_token(access_token)
            .credential(document(credential))
            .send()
            .instrument(super::observe::span("CompleteWebAuthnRegistration"))
            .await
            .map_err(passkey_error)?;
        Ok(())
    }

    /// ListWebAuthnCredentials, every page.
    pub(crate) async fn list_passkeys(&self, access_token: &str) -> Result<Vec<Passkey>, Error> {
        let mut passkeys = Vec::new();
        let mut page = None;
        loop {
            let out = (self.client.list_web_authn_credentials())
                .access_token(access_token)
                .max_results(PAGE)
                .set_next_token(page)
                .send()
                .instrument(super::observe::span("ListWebAuthnCredentials"))
                .await
                .map_err(token_call_error)?;
            for c in out.credentials() {
                passkeys.push(Passkey {
                    id: c.credential_id().to_owned(),
                    name: Some(c.friendly_credential_name().to_owned()).filter(|n| !n.is_empty()),
                    relying_party: Some(c.relying_party_id().to_owned()).filter(|n| !n.is_empty()),
                    attachment: c.authenticator_attachment().map(str::to_owned),
                    transports: c.authenticator_transports().to_vec(),
                    created: Some(c.created_at().secs()),
                });
            }
            match out.next_token {
                Some(next) if !next.is_empty() => page = Some(next),
                _ => return Ok(passkeys),
            }
        }
    }

    /// DeleteWebAuthnCredential.
    pub(crate) async fn delete_passkey(&self, access_token: &str, id: &str) -> Result<(), Error> {
        (self.client.delete_web_authn_credential())
            .access_token(access_token)
            .credential_id(id)
            .send()
            .instrument(super::observe::span("DeleteWebAuthnCredential"))
            .await
            .map_err(token_call_error)?;
        Ok(())
    }
}
