//! Account self-service: sign-up and its confirmation, a forgotten password reset with a code,
//! a changed password, and deleting one's own account (the local row and the sessions too).
//! Each call sends the SecretHash of an app client with a secret; the errors a user can fix are
//! typed ([`Error::UsernameExists`], [`Error::WrongCode`], [`Error::CodeExpired`],
//! [`Error::TooManyAttempts`], [`Error::PasswordRejected`], ...), and the calls that take a
//! username answer alike for a known and an unknown one where Cognito lets them.

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use rocket::http::CookieJar;

use crate::error::Error;
use crate::session::Sessions;
use crate::signin::Ctx;
use crate::state::Shared;
use crate::store::User;
use crate::tokens::TokenUse;

/// Where Cognito sent a code: `medium` `EMAIL` or `SMS`, the `destination` masked as Cognito
/// shows it (`a***@e***`), and the `attribute` it went to (`email`, `phone_number`).
///
/// ```
/// use rocket_warrant::CodeDelivery;
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
/// use rocket_warrant::SignedUp;
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

/// An attribute under Cognito's name: a local field of `attr_mapping` (`first_name`,
/// `api_key`) becomes its Cognito attribute (`given_name`, `custom:api_key`); a name the mapping
/// does not target is taken as Cognito's own (`phone_number`).
pub(crate) fn cognito_name<'a>(shared: &'a Shared, name: &'a str) -> &'a str {
    let mapping = &shared.config.attr_mapping;
    mapping.iter().find(|(_, local)| local.as_str() == name).map_or(name, |(cognito, _)| cognito.as_str())
}

/// The attributes of a sign-up or a change under Cognito's names ([`cognito_name`]).
pub(crate) fn cognito_attributes(shared: &Shared, attributes: &[(&str, &str)]) -> Result<Vec<AttributeType>, Error> {
    attributes
        .iter()
        .map(|(name, value)| {
            AttributeType::builder()
                .name(cognito_name(shared, name))
                .value(*value)
                .build()
                .map_err(|e| Error::InvalidInput(format!("attribute {name:?}: {e}")))
        })
        .collect()
}

/// Signs a user up, the attributes under Cognito's names; see [`Cognito::sign_up`](crate::Cognito::sign_up).
pub(crate) async fn sign_up(
    shared: &Shared,
    (username, password): (&str, &str),
    attributes: &[(&str, &str)],
    ctx: &Ctx,
) -> Result<SignedUp, Error> {
    let attributes = cognito_attributes(shared, attributes)?;
    shared.client.sign_up(username, password, attributes, ctx).await
}

/// Changes the signed-in user's attributes, then brings their local row in step (an attribute
/// that waits for its code keeps its old value until then).
pub(crate) async fn update_attributes(
    shared: &Shared,
    access_token: &str,
    attributes: &[(&str, &str)],
) -> Result<Vec<CodeDelivery>, Error> {
    let attributes = cognito_attributes(shared, attributes)?;
    let sent = shared.client.update_attributes(access_token, attributes).await?;
    shared.users.sync(&shared.client, access_token, shared.users.creates_unknown()).await?;
    Ok(sent)
}

/// Verifies an attribute with its code, then brings the local row in step: the row as stored.
pub(crate) async fn verify_attribute(
    shared: &Shared,
    access_token: &str,
    attribute: &str,
    code: &str,
) -> Result<Option<User>, Error> {
    shared.client.verify_attribute(access_token, cognito_name(shared, attribute), code).await?;
    Ok(shared.users.sync(&shared.client, access_token, shared.users.creates_unknown()).await?.1)
}

/// Deletes the account of `access_token`'s user at Cognito first (should Cognito refuse,
/// nothing here changes), then ends their sessions here, refuses every token they were issued,
/// and deletes their local row.
pub(crate) async fn delete_account(
    shared: &Shared,
    sessions: &Sessions,
    jar: &CookieJar<'_>,
    access_token: &str,
) -> Result<(), Error> {
    let claims = shared.verify(access_token, TokenUse::Access).await?;
    let username = claims.cognito_username().ok_or(Error::MachineClient)?.to_owned();
    if !shared.users.can_delete() {
        let why = "the user store cannot delete users (UserStore::deletes): the account was not deleted";
        return Err(Error::Store(crate::store::StoreError::Query(why.to_owned())));
    }
    shared.client.delete_user(access_token).await?;
    // The browser's device went with the account.
    if crate::device::kept(&shared.cookies, jar).is_some_and(|d| d.username == username) {
        crate::device::forget(&shared.cookies, jar);
    }
    // The account is gone at Cognito: everything here goes too, whatever fails on the way, and
    // the first failure is told.
    let leeway = shared.leeway();
    shared.revocations.user(&claims.sub, shared.now().saturating_add(leeway), leeway).await;
    let ended = sessions.end_all(shared, jar, &username).await;
    let deleted = shared.users.delete(&username).await;
    ended?;
    deleted
}
