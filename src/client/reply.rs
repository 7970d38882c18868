//! What a sign-in call answered, read into tokens or the challenge Cognito asks for.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider as cip;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cip::config::http::HttpResponse;
use cip::error::SdkError;
use cip::types::ChallengeNameType;

use super::errors::{challenge_error, login_error, sdk_error};
use crate::challenge::{Challenge, PendingChallenge};
use crate::error::{Error, ServiceError};
use crate::tokens::Tokens;

/// What a sign-in call answered: tokens, or a challenge with its session and parameters.
pub(super) struct Reply {
    pub(super) challenge: Option<ChallengeNameType>,
    pub(super) session: Option<String>,
    pub(super) parameters: HashMap<String, String>,
    /// USER_AUTH's first factors: the answer's top-level `AvailableChallenges` (InitiateAuth
    /// reference), not a challenge parameter.
    pub(super) available: Vec<String>,
    pub(super) result: Option<cip::types::AuthenticationResultType>,
}

impl Reply {
    /// A challenge parameter, empty when absent.
    pub(super) fn param(&self, name: &str) -> &str {
        self.parameters.get(name).map_or("", String::as_str)
    }
}

macro_rules! reply_from {
    ($($output:ty),*) => {$(
        impl From<$output> for Reply {
            fn from(out: $output) -> Reply {
                Reply {
                    challenge: out.challenge_name,
                    session: out.session,
                    parameters: out.challenge_parameters.unwrap_or_default(),
                    available: out
                        .available_challenges
                        .unwrap_or_default()
                        .iter()
                        .map(|c| c.as_str().to_owned())
                        .collect(),
                    result: out.authentication_result,
                }
            }
        }
    )*};
}

reply_from!(
    cip::operation::initiate_auth::InitiateAuthOutput,
    cip::operation::admin_initiate_auth::AdminInitiateAuthOutput,
    cip::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cip::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeOutput
);

/// What a sign-in gave: the (not yet verified) tokens, the device Cognito began to track with
/// them (`NewDeviceMetadata`: its key and group key), and whether the browser's device was
/// dropped because Cognito no longer knows it.
pub(crate) struct Issued {
    pub(crate) tokens: Tokens,
    pub(crate) new_device: Option<(String, String)>,
    pub(crate) device_dropped: bool,
    /// The browser's remembered device was proved (in place of a second factor, where the pool
    /// lets it).
    pub(crate) device_proved: bool,
}

/// How an answer's errors read: as a sign-in's (a refusal is wrong credentials), a
/// challenge's (a refusal is a spent or lapsed session), or a password given at a challenge
/// (either, told apart by Cognito's words).
#[derive(Clone, Copy)]
pub(super) enum Mapping {
    Login,
    Challenge,
    Password,
}

impl Mapping {
    pub(super) fn map<E>(self, err: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self {
            Mapping::Login => login_error(err),
            Mapping::Challenge => challenge_error(err),
            // A lapsed session, "Invalid session for the user, session is expired." (as
            // Cognito's users report it), or else the password refused: an unknown user and a
            // wrong password alike.
            Mapping::Password => sdk_error(err, |code, message| match code {
                "NotAuthorizedException" if message.to_ascii_lowercase().contains("session") => {
                    Some(Error::SessionExpired)
                }
                "NotAuthorizedException" | "UserNotFoundException" => Some(Error::InvalidCredentials),
                _ => None,
            }),
        }
    }
}

/// The tokens of an answer, or the challenge it asks for. `username` answers the challenge
/// unless Cognito names the user itself (its canonical username, for alias sign-in).
pub(super) fn issued(reply: Reply, username: &str) -> Result<Issued, Error> {
    if let Some(challenge) = &reply.challenge {
        let param = |name: &str| reply.parameters.get(name).filter(|v| !v.is_empty());
        let username = param("USER_ID_FOR_SRP").or_else(|| param("USERNAME")).map_or(username, String::as_str);
        return Err(Error::ChallengeRequired(
            PendingChallenge::new(
                Challenge::from_name(challenge.as_str()),
                username.to_owned(),
                reply.session.clone().unwrap_or_default(),
            )
            .sent_to(param("CODE_DELIVERY_DESTINATION").cloned())
            .asking(param("CREDENTIAL_REQUEST_OPTIONS").cloned())
            // SELECT_MFA_TYPE's factors are MFAS_CAN_CHOOSE, a JSON list in a string, as
            // Cognito's challenge parameters are (RespondToAuthChallenge reference);
            // SELECT_CHALLENGE's are the answer's own AvailableChallenges list.
            .offering(match param("MFAS_CAN_CHOOSE") {
                Some(list) => serde_json::from_str(list).unwrap_or_default(),
                None => reply.available.clone(),
            }),
        ));
    }
    let result = reply
        .result
        .ok_or_else(|| Error::Cognito(ServiceError::new("Cognito answered neither tokens nor a challenge")))?;
    let new_device =
        result.new_device_metadata.as_ref().and_then(|d| Some((d.device_key.clone()?, d.device_group_key.clone()?)));
    match (result.id_token, result.access_token, result.refresh_token) {
        (Some(id_token), Some(access_token), Some(refresh_token)) => Ok(Issued {
            tokens: Tokens { id_token, access_token, refresh_token },
            new_device,
            device_dropped: false,
            device_proved: false,
        }),
        _ => Err(Error::Cognito(ServiceError::new("Cognito's answer lacks a token"))),
    }
}
