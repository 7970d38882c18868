//! Remembered devices, as a signed-in user manages them: list, remember, forget, and refresh a
//! device's tokens. The browser's own device (its sealed cookie, its proof at a sign-in) is
//! `crate::cookies::device`'s and the sign-in's.

use crate::cognito::Cognito;
use crate::error::Error;
use crate::tokens::Tokens;

impl Cognito {
    /// The devices Cognito tracks for the user of `access_token` (ListDevices), remembered or
    /// not. [`SignIn::devices`](crate::SignIn::devices) also marks the one of the request's
    /// browser.
    ///
    /// ```no_run
    /// # use rocket::get;
    /// use rocket_warrant::{Cognito, CognitoUser, Error};
    ///
    /// #[get("/devices")]
    /// async fn devices(cognito: &Cognito, user: CognitoUser) -> Result<String, Error> {
    ///     let devices = cognito.devices(user.access_token()).await?;
    ///     Ok(devices.iter().map(|d| d.key.as_str()).collect::<Vec<_>>().join("\n"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::SessionExpired`] when Cognito no longer takes the token, else its errors.
    pub async fn devices(&self, access_token: &str) -> Result<Vec<crate::client::Device>, Error> {
        self.shared().client.list_devices(access_token).await
    }

    /// Marks one of the user's devices remembered (its sign-ins then skip the second factor,
    /// where the pool allows it) or not (UpdateDeviceStatus).
    ///
    /// # Errors
    ///
    /// As [`Cognito::devices`].
    pub async fn remember_device(&self, access_token: &str, device_key: &str, remembered: bool) -> Result<(), Error> {
        self.shared().client.set_device_remembered(access_token, device_key, remembered).await?;
        let change = if remembered { "remembered" } else { "not_remembered" };
        self.tell_device(access_token, change).await;
        Ok(())
    }

    async fn tell_device(&self, access_token: &str, change: &'static str) {
        if let Some(username) = self.shared().account_of(access_token).await {
            self.shared().tell(crate::events::Event::DeviceChanged { username, change }).await;
        }
    }

    /// Forgets one of the user's devices (ForgetDevice): its next sign-in asks for the second
    /// factor again, and the refresh tokens issued to it stop working.
    ///
    /// # Errors
    ///
    /// As [`Cognito::devices`].
    pub async fn forget_device(&self, access_token: &str, device_key: &str) -> Result<(), Error> {
        self.shared().client.forget_device(access_token, device_key).await?;
        self.tell_device(access_token, "forgotten").await;
        Ok(())
    }

    /// [`Cognito::refresh`] for a refresh token issued to a device, in a pool that remembers
    /// devices: Cognito refuses it without the device's key ([`Login::new_device`](crate::signin::Login::new_device)).
    ///
    /// # Errors
    ///
    /// As [`Cognito::refresh`]; [`Error::SessionExpired`] too when the device was forgotten.
    pub async fn refresh_on_device(
        &self,
        refresh_token: &str,
        username: &str,
        device_key: &str,
    ) -> Result<Tokens, Error> {
        Ok(self.shared().refresh(refresh_token, username, Some(device_key)).await?.tokens)
    }
}
