//! Cognito's errors mapped onto [`Error`]: by type first, and by wording only where a type
//! has several meanings and a public source reports the words.

use aws_sdk_cognitoidentityprovider as cip;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cip::config::http::HttpResponse;
use cip::error::SdkError;

use super::srp;
use crate::error::{Error, ServiceError};

/// Maps an error of a call that answers a challenge.
pub(super) fn challenge_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, message| match code {
        "InvalidPasswordException" => Some(Error::PasswordRejected(message.to_owned())),
        "CodeMismatchException" | "ExpiredCodeException" | "EnableSoftwareTokenMFAException" => Some(Error::WrongCode),
        // The challenge's session expired (three minutes) or was already used.
        "NotAuthorizedException" => Some(Error::SessionExpired),
        _ => None,
    })
}

pub(super) fn srp_error(e: srp::SrpError) -> Error {
    match e {
        srp::SrpError::NoRandomness | srp::SrpError::Arithmetic => {
            Error::Unavailable(ServiceError::new("the SRP computation failed").caused_by(e))
        }
        // Cognito's challenge could not be answered: an answer of Cognito's we cannot use.
        other => Error::Cognito(ServiceError::new("Cognito's SRP challenge could not be answered").caused_by(other)),
    }
}

/// Whether a sign-in that named a device was refused for the device: ResourceNotFoundException
/// "Device does not exist." (amazon-cognito-identity-js#200). The pool and client were found at
/// launch, so by type it can be nothing else here.
pub(super) fn device_unknown(e: &Error) -> bool {
    matches!(e, Error::Misconfigured(s) if s.code() == Some("ResourceNotFoundException"))
}

/// Maps an error of InitiateAuth or AdminInitiateAuth: as [`login_error`], and a refusal of the
/// parameters, which the crate makes well-formed, as the flow's settings, by its type: Cognito's
/// words for a flow the app client does not allow are reported for some flows only (USER_AUTH's
/// have no public source), and launch has checked the client's flows already where it could.
pub(super) fn initiate_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match login_error(err) {
        Error::Cognito(service) if service.code() == Some("InvalidParameterException") => {
            Error::Misconfigured(service.about("auth_flow"))
        }
        Error::Misconfigured(service) if service.code() == Some("FeatureUnavailableInTierException") => {
            Error::Misconfigured(service.about("auth_flow"))
        }
        other => other,
    }
}

/// Maps an error of a login or refresh call. Wrong password and unknown user become the same
/// [`Error::InvalidCredentials`].
pub(super) fn login_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, _| match code {
        "UserNotFoundException" => Some(Error::InvalidCredentials),
        // (A bad or missing SECRET_HASH is NotAuthorized too, read before: see `misconfiguration`.)
        "NotAuthorizedException" => Some(Error::InvalidCredentials),
        _ => None,
    })
}

/// Maps an error of a call made with the user's access token.
pub(super) fn session_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, _| match code {
        "NotAuthorizedException" | "UserNotFoundException" => Some(Error::SessionExpired),
        _ => None,
    })
}

/// The setting an answer of Cognito's is about, when it is about the application's settings and
/// its type alone does not say so: read by type first, then by Cognito's own wording (as its
/// users report it; the emulator sends the same, and no test depends on its choice of words).
pub(super) fn misconfiguration(code: &str, message: &str) -> Option<&'static str> {
    let message = message.to_ascii_lowercase();
    match code {
        // A wrong SECRET_HASH, "Unable to verify secret hash for client <id>" (aws-amplify/amplify-js#277),
        // or none, "Client <id> is configured with secret but SECRET_HASH was not received"
        // (aws-amplify/amplify-android#2504), where NotAuthorized otherwise means a wrong password.
        "NotAuthorizedException" if message.contains("secret hash") || message.contains("secret_hash") => {
            Some("app_client_secret")
        }
        // A SECRET_HASH sent for a client without a secret: "App client <id> is not configured
        // for secret but secret hash was received" (pmill/aws-cognito#23).
        "InvalidParameterException" if message.contains("not configured for secret") => Some("app_client_secret"),
        // A flow the app client does not allow: "USER_SRP_AUTH is not enabled for the client."
        // (aws-samples/aws-serverless-workshops#277), "USER_PASSWORD_AUTH flow not enabled for this
        // client", and for AdminInitiateAuth "Auth flow not enabled for this client".
        "InvalidParameterException" if message.contains("not enabled for") => Some("auth_flow"),
        // An access token without the scope aws.cognito.signin.user.admin, as a managed-login
        // sign-in's is when `scopes` leaves it out: "Access Token does not have required scopes"
        // (aws-amplify/amplify-js#1906), where NotAuthorized otherwise means a token Cognito no
        // longer takes.
        "NotAuthorizedException" if message.contains("does not have required scopes") => Some("scopes"),
        _ => None,
    }
}

pub(super) fn misconfigured(code: &str, message: &str, setting: &'static str) -> Error {
    Error::Misconfigured(ServiceError::coded(code, message).about(setting))
}

pub(super) fn sdk_error<E>(err: SdkError<E, HttpResponse>, specific: impl Fn(&str, &str) -> Option<Error>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(err, true, specific)
}

/// [`sdk_error`] without reading Cognito's words: for a call whose wordings no public source
/// gives.
pub(super) fn sdk_error_by_type<E>(
    err: SdkError<E, HttpResponse>,
    specific: impl Fn(&str, &str) -> Option<Error>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(err, false, specific)
}

pub(super) fn classify<E>(
    err: SdkError<E, HttpResponse>,
    wordings: bool,
    specific: impl Fn(&str, &str) -> Option<Error>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message, status) = match &err {
        SdkError::ServiceError(service) => (
            service.err().code().unwrap_or("Unknown").to_owned(),
            service.err().message().unwrap_or_default().to_owned(),
            service.raw().status(),
        ),
        SdkError::TimeoutError(_) => {
            return Error::Unavailable(ServiceError::new("the call to Cognito timed out").caused_by(err))
        }
        SdkError::DispatchFailure(_) => {
            return Error::Unavailable(ServiceError::new("Cognito could not be reached").caused_by(err))
        }
        SdkError::ResponseError(_) => {
            return Error::Unavailable(ServiceError::new("Cognito's answer could not be read").caused_by(err))
        }
        _ => return Error::Unavailable(ServiceError::new("the call to Cognito failed").caused_by(err)),
    };
    if let Some(setting) = misconfiguration(&code, &message).filter(|_| wordings) {
        return misconfigured(&code, &message, setting);
    }
    // An attribute the app client may not write, "A client attempted to write unauthorized
    // attribute" (aws/aws-sdk-js#1319): the application's settings at Cognito, where this type
    // otherwise means a token Cognito no longer takes.
    if wordings && code == "NotAuthorizedException" && message.to_ascii_lowercase().contains("unauthorized attribute") {
        let why = format!("{message} (the app client's WriteAttributes at Cognito do not include it)");
        return Error::Misconfigured(ServiceError::coded(&code, &why));
    }
    if let Some(mapped) = specific(&code, &message) {
        return mapped;
    }
    let service = || ServiceError::coded(&code, &message);
    if status.is_server_error() {
        return Error::Unavailable(service());
    }
    match code.as_str() {
        "UserNotConfirmedException" => Error::UserNotConfirmed,
        "PasswordResetRequiredException" => Error::PasswordResetRequired,
        "TooManyRequestsException"
        | "LimitExceededException"
        | "TooManyFailedAttemptsException"
        | "ThrottlingException" => Error::Throttled,
        "InternalErrorException" | "InternalFailure" | "ServiceUnavailable" => Error::Unavailable(service()),
        // A feature of a higher plan than the pool's (USER_AUTH, sign-in policies and email MFA
        // need Essentials: the InitiateAuth, SignInPolicyType and EmailMfaConfigType references).
        "FeatureUnavailableInTierException" => {
            let why = format!(
                "{message} (a feature of a higher feature plan than the user pool's: USER_AUTH, passwordless sign-in \
                 and email MFA need Essentials or Plus; see the pool's UserPoolTier)"
            );
            Error::Misconfigured(ServiceError::coded(&code, &why))
        }
        "ResourceNotFoundException"
        | "InvalidUserPoolConfigurationException"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "AccessDeniedException"
        | "MissingAuthenticationToken" => Error::Misconfigured(service()),
        _ => Error::Cognito(service()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_wording_of_a_misconfiguration_names_its_setting() {
        let cases = [
            (
                "NotAuthorizedException",
                "Unable to verify secret hash for client 1example23456789",
                Some("app_client_secret"),
            ),
            (
                "NotAuthorizedException",
                "Client 1example23456789 is configured with secret but SECRET_HASH was not received",
                Some("app_client_secret"),
            ),
            (
                "InvalidParameterException",
                "App client 1example23456789 is not configured for secret but secret hash was received",
                Some("app_client_secret"),
            ),
            ("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.", Some("auth_flow")),
            ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", Some("auth_flow")),
            ("InvalidParameterException", "Auth flow not enabled for this client", Some("auth_flow")),
            ("NotAuthorizedException", "Access Token does not have required scopes", Some("scopes")),
            // The same words under another type, and the types' other meanings, are not.
            ("NotAuthorizedException", "Incorrect username or password.", None),
            ("NotAuthorizedException", "Refresh Token has been revoked", None),
            ("InvalidParameterException", "Missing required parameter USERNAME", None),
            ("UserNotFoundException", "USER_SRP_AUTH is not enabled for the client.", None),
        ];
        for (code, message, setting) in cases {
            assert_eq!(misconfiguration(code, message), setting, "{code}: {message}");
        }
    }

    fn refused(code: &str, message: &str) -> SdkError<cip::operation::initiate_auth::InitiateAuthError, HttpResponse> {
        let meta = aws_smithy_types::error::ErrorMetadata::builder().code(code).message(message).build();
        let err = cip::operation::initiate_auth::InitiateAuthError::generic(meta);
        let status = 400u16.try_into().expect("a status");
        SdkError::service_error(err, HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty()))
    }

    #[test]
    fn initiate_auth_reads_a_refused_flow_or_plan_by_type_whatever_the_words() {
        // No public source gives Cognito's words for USER_AUTH on a client without it.
        for (code, message) in [
            ("InvalidParameterException", "some wording nobody reported"),
            ("FeatureUnavailableInTierException", "Feature unavailable in the current tier"),
        ] {
            let err = initiate_error(refused(code, message));
            let Error::Misconfigured(service) = &err else { panic!("{code}: {err:?}") };
            assert_eq!(service.setting(), Some("auth_flow"), "{code}");
        }
        let plan = login_error(refused("FeatureUnavailableInTierException", "x")).to_string();
        assert!(plan.contains("Essentials"), "{plan}");
        assert!(matches!(initiate_error(refused("NotAuthorizedException", "x")), Error::InvalidCredentials));
    }

    #[test]
    fn the_refresh_reads_no_wording() {
        // No public source gives GetTokensFromRefreshToken's words for a wrong ClientSecret:
        // read by type, its "secret hash" words (InitiateAuth's) are not taken to name a setting.
        let message = "Unable to verify secret hash for client 1example23456789";
        let by_type = sdk_error_by_type(refused("NotAuthorizedException", message), |_, _| None);
        assert!(matches!(&by_type, Error::Cognito(s) if s.setting().is_none()), "{by_type:?}");
        let worded = sdk_error(refused("NotAuthorizedException", message), |_, _| None);
        assert!(matches!(&worded, Error::Misconfigured(s) if s.setting() == Some("app_client_secret")));
    }

    #[test]
    fn a_misconfiguration_says_which_setting_to_check() {
        let err =
            misconfigured("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.", "auth_flow");
        let Error::Misconfigured(service) = &err else { panic!("{err:?}") };
        assert_eq!(service.setting(), Some("auth_flow"));
        assert!(err.to_string().contains("cognito.auth_flow"), "{err}");
    }
}
