//! Letting users manage their account: sign-up and its confirmation ([`Cognito::sign_up`]), a
//! forgotten password reset with a code, a changed password, their attributes
//! ([`Cognito::user_attributes`]), their remembered devices ([`Cognito::devices`]), and deleting
//! their own account (the local row and the sessions too).
//! Each call sends the SecretHash of an app client with a secret; the errors a user can fix are
//! typed ([`Error::UsernameExists`], [`Error::WrongCode`], [`Error::CodeExpired`],
//! [`Error::TooManyAttempts`], [`Error::PasswordRejected`], ...), and the calls that take a
//! username answer alike for a known and an unknown one where Cognito lets them.

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use rocket::http::CookieJar;

pub use crate::client::{CodeDelivery, Device, Passkey, SignedUp, UserAttributes};
use crate::cognito::Cognito;
use crate::context::Ctx;
use crate::error::Error;
use crate::events::Event;
use crate::limits::Attempt;
use crate::session::Sessions;
use crate::state::Shared;
use crate::store::User;
use crate::tokens::TokenUse;

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
    shared.limit(ctx, Attempt::username(username)).await?;
    shared.client.sign_up(username, password, attributes, ctx).await
}

/// Confirms a sign-up with its code; see [`Cognito::confirm_sign_up`](crate::Cognito::confirm_sign_up).
pub(crate) async fn confirm_sign_up(shared: &Shared, username: &str, code: &str, ctx: &Ctx) -> Result<(), Error> {
    shared.limit(ctx, Attempt::username(username)).await?;
    shared.client.confirm_sign_up(username, code, ctx).await
}

/// Mails a sign-up's code again; see [`Cognito::resend_confirmation_code`](crate::Cognito::resend_confirmation_code).
pub(crate) async fn resend_confirmation_code(
    shared: &Shared,
    username: &str,
    ctx: &Ctx,
) -> Result<Option<CodeDelivery>, Error> {
    shared.limit(ctx, Attempt::username(username)).await?;
    shared.client.resend_confirmation_code(username, ctx).await
}

/// Starts a password reset; see [`Cognito::forgot_password`](crate::Cognito::forgot_password).
pub(crate) async fn forgot_password(shared: &Shared, username: &str, ctx: &Ctx) -> Result<Option<CodeDelivery>, Error> {
    shared.limit(ctx, Attempt::username(username)).await?;
    shared.client.forgot_password(username, ctx).await
}

/// Resets a password with its code; see [`Cognito::confirm_forgot_password`](crate::Cognito::confirm_forgot_password).
pub(crate) async fn confirm_forgot_password(
    shared: &Shared,
    (username, code, new_password): (&str, &str, &str),
    ctx: &Ctx,
) -> Result<(), Error> {
    shared.limit(ctx, Attempt::username(username)).await?;
    shared.client.confirm_forgot_password(username, code, new_password, ctx).await?;
    shared.tell(Event::PasswordReset { username: username.trim().to_owned() }).await;
    Ok(())
}

/// Counts an attempt on the account of `access_token` (and the request's address): the
/// account, when the token verifies.
async fn limit_account(shared: &Shared, access_token: &str, ctx: &Ctx) -> Result<Option<String>, Error> {
    let account = shared.account_of(access_token).await;
    let attempt = account.as_deref().map(Attempt::account).unwrap_or_default();
    shared.limit(ctx, attempt).await?;
    Ok(account)
}

/// Changes the signed-in user's password; see [`Cognito::change_password`](crate::Cognito::change_password).
pub(crate) async fn change_password(
    shared: &Shared,
    access_token: &str,
    (old, new): (&str, &str),
    ctx: &Ctx,
) -> Result<(), Error> {
    let account = limit_account(shared, access_token, ctx).await?;
    shared.client.change_password(access_token, old, new).await?;
    if let Some(username) = account {
        shared.tell(Event::PasswordChanged { username }).await;
    }
    Ok(())
}

/// Mails or texts an attribute's verification code; see
/// [`Cognito::send_verification_code`](crate::Cognito::send_verification_code).
pub(crate) async fn send_verification_code(
    shared: &Shared,
    access_token: &str,
    attribute: &str,
    ctx: &Ctx,
) -> Result<CodeDelivery, Error> {
    limit_account(shared, access_token, ctx).await?;
    shared.client.verification_code(access_token, cognito_name(shared, attribute)).await
}

/// Changes the signed-in user's attributes, then brings their local row in step (an attribute
/// that waits for its code keeps its old value until then).
pub(crate) async fn update_attributes(
    shared: &Shared,
    access_token: &str,
    attributes: &[(&str, &str)],
    ctx: &Ctx,
) -> Result<Vec<CodeDelivery>, Error> {
    let attributes = cognito_attributes(shared, attributes)?;
    // A changed email or phone number is sent a code: counted as asking for one is.
    let account = limit_account(shared, access_token, ctx).await?;
    let names = attributes.iter().map(|a| a.name().to_owned()).collect();
    let sent = shared.client.update_attributes(access_token, attributes).await?;
    if let Some(username) = account {
        shared.tell(Event::AttributesChanged { username, attributes: names }).await;
    }
    shared.users.sync(&shared.client, access_token, shared.users.creates_unknown()).await?;
    Ok(sent)
}

/// Verifies an attribute with its code, then brings the local row in step: the row as stored.
pub(crate) async fn verify_attribute(
    shared: &Shared,
    access_token: &str,
    attribute: &str,
    code: &str,
    ctx: &Ctx,
) -> Result<Option<User>, Error> {
    let account = limit_account(shared, access_token, ctx).await?;
    let name = cognito_name(shared, attribute);
    shared.client.verify_attribute(access_token, name, code).await?;
    if let Some(username) = account {
        shared.tell(Event::AttributeVerified { username, attribute: name.to_owned() }).await;
    }
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
    if crate::cookies::device::kept(&shared.cookies, jar).is_some_and(|d| d.username == username) {
        crate::cookies::device::forget(&shared.cookies, jar);
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

impl Cognito {
    /// Signs a new user up (SignUp), with `attributes` by their local names in `attr_mapping`
    /// (`first_name`, `api_key`) or by Cognito's (`phone_number`, `custom:team`). The user is
    /// unconfirmed until they give the code Cognito sent ([`Cognito::confirm_sign_up`]).
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm};
    /// use rocket_warrant::{Cognito, Error};
    ///
    /// #[derive(FromForm)]
    /// struct SignUpForm { username: String, password: String, email: String }
    ///
    /// #[post("/signup", data = "<form>")]
    /// async fn signup(cognito: &Cognito, form: Form<SignUpForm>) -> Result<String, Error> {
    ///     let attributes = [("email", form.email.as_str())];
    ///     let signed_up = cognito.sign_up(&form.username, &form.password, &attributes).await?;
    ///     Ok(match signed_up.delivery {
    ///         Some(sent) => format!("We sent a code to {}", sent.destination),
    ///         None => "An administrator will confirm your account".to_owned(),
    ///     })
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UsernameExists`], [`Error::PasswordRejected`] (the pool's policy, in Cognito's
    /// words), [`Error::InvalidInput`] (an attribute Cognito refuses),
    /// [`Error::Misconfigured`] for an attribute the app client may not write (its
    /// `WriteAttributes`, which leave out every `custom:` one unless listed), and Cognito's
    /// errors as for [`Cognito::login`].
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<SignedUp, Error> {
        sign_up(self.shared(), (username, password), attributes, &Ctx::default()).await
    }

    /// Confirms a sign-up with the code Cognito sent (ConfirmSignUp); the user can sign in then.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn confirm(cognito: &Cognito) -> Result<(), Error> {
    /// match cognito.confirm_sign_up("ada", "123456").await {
    ///     Ok(()) | Err(Error::AlreadyConfirmed) => println!("confirmed: sign in"),
    ///     Err(Error::WrongCode) => println!("that code is not right"),
    ///     Err(Error::CodeExpired) => println!("ask for a new code"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`] (for an unknown username too), [`Error::CodeExpired`],
    /// [`Error::TooManyAttempts`], [`Error::AlreadyConfirmed`].
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), Error> {
        confirm_sign_up(self.shared(), username, code, &Ctx::default()).await
    }

    /// Sends the confirmation code again (ResendConfirmationCode): where it went, or `None` for
    /// a username Cognito does not know (a page should answer the same either way).
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn resend(cognito: &Cognito) -> Result<(), Error> {
    /// cognito.resend_confirmation_code("ada").await?;
    /// println!("If that account waits for confirmation, a new code is on its way");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyConfirmed`], [`Error::TooManyAttempts`], and Cognito's errors.
    pub async fn resend_confirmation_code(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        resend_confirmation_code(self.shared(), username, &Ctx::default()).await
    }

    /// Starts a reset of a forgotten password (ForgotPassword): Cognito sends a code to the
    /// user's verified email or phone. Where it went, or `None` for a username Cognito does not
    /// know, or one whose password cannot be reset now (disabled, or not yet signed in with an
    /// administrator's temporary password): a page must answer the same either way, so as not
    /// to tell which usernames exist.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn forgot(cognito: &Cognito) -> Result<&'static str, Error> {
    /// cognito.forgot_password("ada").await?;
    /// Ok("If that account exists, we sent it a code")
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`], [`Error::InvalidInput`] (the user has no verified email or
    /// phone), and Cognito's errors.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>, Error> {
        forgot_password(self.shared(), username, &Ctx::default()).await
    }

    /// Sets a new password with the code [`Cognito::forgot_password`] sent
    /// (ConfirmForgotPassword); the old password is dead then.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn reset(cognito: &Cognito) -> Result<(), Error> {
    /// cognito.confirm_forgot_password("ada", "123456", "Corr3ct-Horse-Battery").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`] (for an unknown username too), [`Error::CodeExpired`],
    /// [`Error::TooManyAttempts`], [`Error::PasswordRejected`].
    pub async fn confirm_forgot_password(&self, username: &str, code: &str, new_password: &str) -> Result<(), Error> {
        confirm_forgot_password(self.shared(), (username, code, new_password), &Ctx::default()).await
    }

    /// Changes a signed-in user's password (ChangePassword with their access token: take it
    /// from the request's [`CognitoUser`](crate::CognitoUser)).
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form, FromForm};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[derive(FromForm)]
    /// struct Change { old: String, new: String }
    ///
    /// #[post("/password", data = "<form>")]
    /// async fn password(cognito: &Cognito, user: CognitoUser, form: Form<Change>) -> Result<&'static str, Error> {
    ///     cognito.change_password(user.access_token(), &form.old, &form.new).await?;
    ///     Ok("Password changed")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`] for a wrong current password, [`Error::PasswordRejected`],
    /// [`Error::TooManyAttempts`], [`Error::SessionExpired`] for a token Cognito no longer takes.
    pub async fn change_password(&self, access_token: &str, old: &str, new: &str) -> Result<(), Error> {
        change_password(self.shared(), access_token, (old, new), &Ctx::default()).await
    }

    /// Changes the signed-in user's attributes (UpdateUserAttributes), by their local names in
    /// `attr_mapping` or by Cognito's, and brings the local row in step. Where the pool verifies
    /// an attribute (an email), Cognito sends a code to the new value: the returned deliveries
    /// say where. A pool that keeps the old value until the new one is verified (its
    /// `AttributesRequireVerificationBeforeUpdate`) changes it at [`Cognito::verify_attribute`].
    ///
    /// ```no_run
    /// # use rocket::{post, form::Form};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[post("/email", data = "<email>")]
    /// async fn email(cognito: &Cognito, user: CognitoUser, email: Form<String>) -> Result<String, Error> {
    ///     let sent = cognito.update_attributes(user.access_token(), &[("email", email.as_str())]).await?;
    ///     Ok(sent.iter().map(|d| format!("A code went to {d}\n")).collect())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a value Cognito refuses, [`Error::UsernameExists`] for an
    /// email another user signs in with, [`Error::SessionExpired`], and Cognito's errors.
    pub async fn update_attributes(
        &self,
        access_token: &str,
        attributes: &[(&str, &str)],
    ) -> Result<Vec<CodeDelivery>, Error> {
        update_attributes(self.shared(), access_token, attributes, &Ctx::default()).await
    }

    /// Sends a code to verify `attribute` (GetUserAttributeVerificationCode): again after
    /// [`Cognito::update_attributes`], or for an address not yet verified.
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn again(cognito: &Cognito, access_token: &str) -> Result<(), Error> {
    /// let sent = cognito.send_verification_code(access_token, "email").await?;
    /// println!("a new code went to {sent}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`], [`Error::InvalidInput`] (no such attribute to verify), and
    /// Cognito's errors.
    pub async fn send_verification_code(&self, access_token: &str, attribute: &str) -> Result<CodeDelivery, Error> {
        send_verification_code(self.shared(), access_token, attribute, &Ctx::default()).await
    }

    /// Verifies `attribute` with its code (VerifyUserAttribute); a new email waiting for it
    /// takes effect now. Returns the local row, brought in step (`None` without a store).
    ///
    /// ```no_run
    /// # use rocket_warrant::{Cognito, Error};
    /// # async fn verify(cognito: &Cognito, access_token: &str) -> Result<(), Error> {
    /// let user = cognito.verify_attribute(access_token, "email", "123456").await?;
    /// assert!(user.is_some_and(|u| u.email_verified));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongCode`], [`Error::CodeExpired`], [`Error::TooManyAttempts`], and Cognito's
    /// errors.
    pub async fn verify_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<Option<User>, Error> {
        verify_attribute(self.shared(), access_token, attribute, code, &Ctx::default()).await
    }

    /// Deletes the signed-in user's account (DeleteUser with their access token): at Cognito
    /// first, then every session of theirs here (this browser's cookies are cleared), every
    /// token they were issued is refused on every instance, and their local row is deleted.
    ///
    /// ```no_run
    /// # use rocket::{post, http::CookieJar};
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[post("/account/delete")]
    /// async fn delete(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser) -> Result<&'static str, Error> {
    ///     cognito.delete_account(jar, user.access_token()).await?;
    ///     Ok("Your account is deleted")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Token`] for an access token that does not verify, Cognito's errors (then nothing
    /// was deleted), [`Error::Store`] when the row or the sessions cannot be deleted.
    pub async fn delete_account(&self, jar: &CookieJar<'_>, access_token: &str) -> Result<(), Error> {
        delete_account(self.shared(), self.sessions(), jar, access_token).await
    }

    /// The user's attributes, read live from Cognito with their access token (GetUser).
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] when Cognito refuses the access token, else its errors as for
    /// [`Cognito::login`].
    pub async fn user_attributes(&self, access_token: &str) -> Result<UserAttributes, Error> {
        self.shared().client.get_user(access_token).await
    }

    /// Brings the local user in step with Cognito now (GetUser, `attr_mapping`, the row
    /// written), as a login does: after the application changed attributes at Cognito, say.
    /// `None` when the site keeps no users.
    ///
    /// # Errors
    ///
    /// As [`Cognito::user_attributes`]; [`Error::NotProvisioned`] when the user has no row and
    /// `create_unknown_users` is off; [`Error::Store`] when the store fails.
    pub async fn sync_user(&self, access_token: &str) -> Result<Option<User>, Error> {
        let shared = self.shared();
        Ok(shared.users.sync(&shared.client, access_token, shared.users.creates_unknown()).await?.1)
    }
}
