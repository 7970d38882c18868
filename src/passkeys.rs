//! Passkeys through Cognito: registering one for the signed-in user, which needs a recent proof
//! of identity ([`Fresh`]), listing and deleting them, and signing in with one (`user_auth`,
//! [`SignIn::start_passkey_sign_in`](crate::SignIn::start_passkey_sign_in)). Cognito keeps the
//! passkeys and checks every ceremony; the page's script runs the browser's side.

use crate::client::Passkey;
use crate::cognito::Cognito;
use crate::context::Ctx;
use crate::error::Error;
use crate::events::Event;
use crate::guards::Fresh;
use crate::limits::Attempt;

impl Cognito {
    /// The passkeys of the user of `access_token`, as Cognito lists them.
    ///
    /// ```no_run
    /// # use rocket::get;
    /// use rocket_warrant::{CognitoClaims, Cognito, Error};
    ///
    /// #[get("/passkeys")]
    /// async fn passkeys(cognito: &Cognito, user: CognitoClaims) -> Result<String, Error> {
    ///     let passkeys = cognito.passkeys(user.access_token()).await?;
    ///     Ok(passkeys.iter().map(|p| p.name.clone().unwrap_or_default()).collect::<Vec<_>>().join("\n"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] for a token Cognito refuses, [`Error::Unavailable`],
    /// [`Error::Cognito`].
    pub async fn passkeys(&self, access_token: &str) -> Result<Vec<Passkey>, Error> {
        self.shared().client.list_passkeys(access_token).await
    }

    /// Starts registering a passkey for `user`, who proved who they are at most `SECS` ago:
    /// the options (`PublicKeyCredentialCreationOptionsJSON`) for the page's script, which
    /// hands them to `PublicKeyCredential.parseCreationOptionsFromJSON` and
    /// `navigator.credentials.create`, then posts the credential's `toJSON()` to
    /// [`Cognito::complete_passkey_registration`].
    ///
    /// ```no_run
    /// # use rocket::post;
    /// use rocket_warrant::{Cognito, CsrfForm, Error, Fresh};
    ///
    /// #[post("/passkeys/options", data = "<_form>")]
    /// async fn options(cognito: &Cognito, user: Fresh<300>, _form: CsrfForm) -> Result<String, Error> {
    ///     cognito.start_passkey_registration(&user).await
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Misconfigured`] when the pool does not allow passkeys (its plan, its sign-in
    /// policy, its relying party), [`Error::Limited`], and those of [`Cognito::passkeys`].
    pub async fn start_passkey_registration<const SECS: u64>(&self, user: &Fresh<SECS>) -> Result<String, Error> {
        let shared = self.shared();
        shared.limit(&Ctx::default(), Attempt::account(user.username())).await?;
        let options = shared.client.start_passkey_registration(user.access_token()).await?;
        Ok(options.to_string())
    }

    /// Completes a registration that [`Cognito::start_passkey_registration`] began, with the
    /// browser's credential (`RegistrationResponseJSON`, the `toJSON()` of what
    /// `navigator.credentials.create` returned).
    ///
    /// # Errors
    ///
    /// [`Error::PasskeyRefused`] for a credential Cognito refuses (not JSON, a ceremony that
    /// timed out, another origin), and those of [`Cognito::start_passkey_registration`].
    pub async fn complete_passkey_registration<const SECS: u64>(
        &self,
        user: &Fresh<SECS>,
        credential: &str,
    ) -> Result<(), Error> {
        let credential: serde_json::Value = serde_json::from_str(credential)
            .map_err(|e| Error::PasskeyRefused(format!("the credential is not JSON: {e}")))?;
        let shared = self.shared();
        shared.limit(&Ctx::default(), Attempt::account(user.username())).await?;
        shared.client.complete_passkey_registration(user.access_token(), &credential).await?;
        shared.tell(Event::PasskeyAdded { username: user.username().to_owned() }).await;
        Ok(())
    }

    /// Deletes the passkey `id` ([`Passkey::id`]) of `user`, who proved who they are at most
    /// `SECS` ago.
    ///
    /// # Errors
    ///
    /// Those of [`Cognito::passkeys`]; [`Error::Cognito`] for an id the user has no passkey of.
    pub async fn delete_passkey<const SECS: u64>(&self, user: &Fresh<SECS>, id: &str) -> Result<(), Error> {
        self.shared().client.delete_passkey(user.access_token(), id).await?;
        self.shared().tell(Event::PasskeyDeleted { username: user.username().to_owned() }).await;
        Ok(())
    }
}
