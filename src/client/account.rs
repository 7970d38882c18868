//! The account self-service calls: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword, ChangePassword, UpdateUserAttributes and its
//! verification, and DeleteUser; SecretHash on each of an app client with a secret, and their
//! errors read by type.

use aws_sdk_cognitoidentityprovider as cip;
use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use tracing::Instrument;

/// Where Cognito sent a code: `medium` `EMAIL` or `SMS`, the `destination` masked as Cognito
/// shows it (`a***@e***`), and the `attribute` it went to (`email`, `phone_number`).
///
/// ```
/// use rocket_warrant::account::CodeDelivery;
///
/// let sent = CodeDelivery { medium: "EMAIL".into(), destination: "a***@e***".into(), attribute: "email".into() };
/// assert_eq!(sent.to_string(), "a***@e*** (EMAIL)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeDelivery {
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// The address or number, masked.
    pub destination: String,
    /// The attribute the code went to.
    pub attribute: String,
}

impl std::fmt::Display for CodeDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.destination, self.medium)
    }
}

/// What a sign-up gave: whether the user is confirmed already (a pre-sign-up trigger may
/// confirm them), their `sub`, and where the confirmation code went (none when the pool
/// verifies no attribute: an administrator confirms the user then).
///
/// ```
/// use rocket_warrant::account::SignedUp;
///
/// let signed_up = SignedUp { confirmed: false, sub: "6d1c...".into(), delivery: None };
/// assert!(!signed_up.confirmed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedUp {
    /// The user may sign in already.
    pub confirmed: bool,
    /// The new user's `sub`.
    pub sub: String,
    /// Where the confirmation code went.
    pub delivery: Option<CodeDelivery>,
}

use super::connection::CognitoClient;
use super::errors::sdk_error;
use crate::context::Ctx;
use crate::error::{Error, ServiceError};

/// Maps an error of a self-service call: the code and password errors a user can fix, typed;
/// `unknown_user` is what an unknown username means for this call.
fn account_error<E>(err: SdkError<E, HttpResponse>, unknown_user: Option<Error>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, message| match code {
        "UsernameExistsException" | "AliasExistsException" => Some(Error::UsernameExists),
        "CodeMismatchException" => Some(Error::WrongCode),
        "ExpiredCodeException" => Some(Error::CodeExpired),
        // Too many wrong codes (or passwords): not throttling of the site, the user must wait.
        "LimitExceededException" | "TooManyFailedAttemptsException" => Some(Error::TooManyAttempts),
        "InvalidPasswordException" => Some(Error::PasswordRejected(message.to_owned())),
        // A SecretHash wrong or missing was read before this (misconfiguration); what is left
        // of this type is the user's input (an attribute's format, a user already confirmed).
        "InvalidParameterException" => Some(Error::InvalidInput(message.to_owned())),
        "UserNotFoundException" => unknown_user.clone(),
        _ => None,
    })
}

/// Maps an error of a call made with the user's access token: a token Cognito no longer takes
/// (expired, revoked, its user deleted) ends the session.
pub(super) fn token_call_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match account_error(err, Some(Error::SessionExpired)) {
        Error::Cognito(s) if s.code() == Some("NotAuthorizedException") => Error::SessionExpired,
        other => other,
    }
}

/// A call of the offline test pool, which has no self-service.
#[cfg(feature = "testing")]
fn offline_unsupported() -> Error {
    Error::Cognito(ServiceError::new("the offline test pool (testing feature) has no account self-service"))
}

macro_rules! refuse_offline {
    ($client:expr) => {
        #[cfg(feature = "testing")]
        if $client.offline.is_some() {
            return Err(offline_unsupported());
        }
    };
}

/// Where a code went, or `None` for a username Cognito does not know (an answer that must not
/// tell the two apart); any other error through `other`.
fn unless_unknown<E>(
    out: Result<Option<CodeDelivery>, SdkError<E, HttpResponse>>,
    other: impl FnOnce(Error) -> Error,
) -> Result<Option<CodeDelivery>, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    out.or_else(|e| match account_error(e, Some(Error::InvalidCredentials)) {
        Error::InvalidCredentials => Ok(None),
        e => Err(other(e)),
    })
}

fn delivery(details: Option<&cip::types::CodeDeliveryDetailsType>) -> Option<CodeDelivery> {
    details.map(|d| CodeDelivery {
        medium: d.delivery_medium().map(|m| m.as_str().to_owned()).unwrap_or_default(),
        destination: d.destination().unwrap_or_default().to_owned(),
        attribute: d.attribute_name().unwrap_or_default().to_owned(),
    })
}

impl CognitoClient {
    /// SignUp with the attributes under Cognito's names.
    pub(crate) async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: Vec<cip::types::AttributeType>,
        ctx: &Ctx,
    ) -> Result<SignedUp, Error> {
        refuse_offline!(self);
        let out = (self.client.sign_up())
            .client_id(&self.client_id)
            .username(username)
            .password(password)
            .set_user_attributes(Some(attributes))
            .set_secret_hash(self.secret_hash(username))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("SignUp"))
            .await
            .map_err(|e| account_error(e, None))?;
        Ok(SignedUp {
            confirmed: out.user_confirmed(),
            sub: out.user_sub().to_owned(),
            delivery: delivery(out.code_delivery_details()),
        })
    }

    /// ConfirmSignUp. An unknown username is a wrong code: the answer does not tell it apart.
    pub(crate) async fn confirm_sign_up(&self, username: &str, code: &str, ctx: &Ctx) -> Result<(), Error> {
        refuse_offline!(self);
        (self.client.confirm_sign_up())
            .client_id(&self.client_id)
            .username(username)
            .confirmation_code(code)
            .set_secret_hash(self.secret_hash(username))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("ConfirmSignUp"))
            .await
            .map_err(|e| match account_error(e, Some(Error::WrongCode)) {
                // By type, then by the words Cognito's users report: "User cannot be confirmed.
                // Current status is CONFIRMED".
                Error::Cognito(s)
                    if s.code() == Some("NotAuthorizedException")
                        && s.message().to_ascii_lowercase().contains("status is confirmed") =>
                {
                    Error::AlreadyConfirmed
                }
                other => other,
            })?;
        Ok(())
    }

    /// ResendConfirmationCode; `None` for an unknown user (or one Cognito pretends to know).
    pub(crate) async fn resend_confirmation_code(
        &self,
        username: &str,
        ctx: &Ctx,
    ) -> Result<Option<CodeDelivery>, Error> {
        refuse_offline!(self);
        let out = (self.client.resend_confirmation_code())
            .client_id(&self.client_id)
            .username(username)
            .set_secret_hash(self.secret_hash(username))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("ResendConfirmationCode"))
            .await;
        // By type, then by the words Cognito's users report for a confirmed user: "User is
        // already confirmed."
        unless_unknown(out.map(|o| delivery(o.code_delivery_details())), |e| match e {
            Error::InvalidInput(m) if m.to_ascii_lowercase().contains("already confirmed") => Error::AlreadyConfirmed,
            other => other,
        })
    }

    /// ForgotPassword; `None` for an unknown user, as Cognito's PreventUserExistenceErrors has it.
    pub(crate) async fn forgot_password(&self, username: &str, ctx: &Ctx) -> Result<Option<CodeDelivery>, Error> {
        refuse_offline!(self);
        let out = (self.client.forgot_password())
            .client_id(&self.client_id)
            .username(username)
            .set_secret_hash(self.secret_hash(username))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("ForgotPassword"))
            .await;
        match unless_unknown(out.map(|o| delivery(o.code_delivery_details())), |e| e) {
            // A user whose password cannot be reset now (disabled, "User is disabled."; waiting
            // for a first sign-in with a temporary password, "User password cannot be reset in
            // the current state.": aws-amplify/amplify-js#1340): no code went, and the answer
            // must not tell them apart from an unknown user.
            Err(Error::Cognito(s)) if s.code() == Some("NotAuthorizedException") => Ok(None),
            other => other,
        }
    }

    /// ConfirmForgotPassword. An unknown username is a wrong code.
    pub(crate) async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        password: &str,
        ctx: &Ctx,
    ) -> Result<(), Error> {
        refuse_offline!(self);
        (self.client.confirm_forgot_password())
            .client_id(&self.client_id)
            .username(username)
            .confirmation_code(code)
            .password(password)
            .set_secret_hash(self.secret_hash(username))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("ConfirmForgotPassword"))
            .await
            .map_err(|e| account_error(e, Some(Error::WrongCode)))?;
        Ok(())
    }

    /// ChangePassword with the user's access token.
    pub(crate) async fn change_password(&self, access_token: &str, old: &str, new: &str) -> Result<(), Error> {
        refuse_offline!(self);
        (self.client.change_password())
            .access_token(access_token)
            .previous_password(old)
            .proposed_password(new)
            .send()
            .instrument(super::observe::span("ChangePassword"))
            .await
            .map_err(|e| match account_error(e, Some(Error::SessionExpired)) {
                // One type for two causes: a wrong previous password, "Incorrect username or
                // password." (as every sign-in words it), or a token Cognito no longer takes.
                Error::Cognito(s) if s.code() == Some("NotAuthorizedException") => {
                    match s.message().to_ascii_lowercase().contains("password") {
                        true => Error::InvalidCredentials,
                        false => Error::SessionExpired,
                    }
                }
                other => other,
            })?;
        Ok(())
    }

    /// UpdateUserAttributes: where each code went, for the attributes Cognito verifies.
    pub(crate) async fn update_attributes(
        &self,
        access_token: &str,
        attributes: Vec<cip::types::AttributeType>,
    ) -> Result<Vec<CodeDelivery>, Error> {
        refuse_offline!(self);
        let out = (self.client.update_user_attributes())
            .access_token(access_token)
            .set_user_attributes(Some(attributes))
            .send()
            .instrument(super::observe::span("UpdateUserAttributes"))
            .await
            .map_err(token_call_error)?;
        Ok(out.code_delivery_details_list().iter().filter_map(|d| delivery(Some(d))).collect())
    }

    /// GetUserAttributeVerificationCode: a code sent (again) for `attribute`.
    pub(crate) async fn verification_code(&self, access_token: &str, attribute: &str) -> Result<CodeDelivery, Error> {
        refuse_offline!(self);
        let out = (self.client.get_user_attribute_verification_code())
            .access_token(access_token)
            .attribute_name(attribute)
            .send()
            .instrument(super::observe::span("GetUserAttributeVerificationCode"))
            .await
            .map_err(token_call_error)?;
        delivery(out.code_delivery_details())
            .ok_or_else(|| Error::Cognito(ServiceError::new("Cognito said nothing of where the code went")))
    }

    /// VerifyUserAttribute with the code sent for `attribute`.
    pub(crate) async fn verify_attribute(&self, access_token: &str, attribute: &str, code: &str) -> Result<(), Error> {
        refuse_offline!(self);
        (self.client.verify_user_attribute())
            .access_token(access_token)
            .attribute_name(attribute)
            .code(code)
            .send()
            .instrument(super::observe::span("VerifyUserAttribute"))
            .await
            .map_err(token_call_error)?;
        Ok(())
    }

    /// DeleteUser with the user's access token.
    pub(crate) async fn delete_user(&self, access_token: &str) -> Result<(), Error> {
        refuse_offline!(self);
        (self.client.delete_user())
            .access_token(access_token)
            .send()
            .instrument(super::observe::span("DeleteUser"))
            .await
            .map_err(token_call_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_reads_cognitos_details() {
        let details = cip::types::CodeDeliveryDetailsType::builder()
            .destination("a***@e***")
            .delivery_medium(cip::types::DeliveryMediumType::Email)
            .attribute_name("email")
            .build();
        let delivery = delivery(Some(&details)).unwrap();
        assert_eq!((delivery.medium.as_str(), delivery.destination.as_str()), ("EMAIL", "a***@e***"));
        assert_eq!(delivery.attribute, "email");
        assert_eq!(super::delivery(None), None);
    }
}
