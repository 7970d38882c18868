//! The device calls, each with the user's access token: ConfirmDevice (with the verifier of
//! the device's secret), UpdateDeviceStatus, ListDevices and ForgetDevice.

use aws_sdk_cognitoidentityprovider::types::{DeviceRememberedStatusType, DeviceSecretVerifierConfigType};
use tracing::Instrument;

/// A device Cognito tracks for the user ([`Cognito::devices`](crate::Cognito::devices)).
///
/// ```
/// use rocket_warrant::account::Device;
///
/// fn describe(device: &Device) -> String {
///     let name = device.name.as_deref().unwrap_or("a browser");
///     format!("{name}{}", if device.remembered { " (remembered)" } else { "" })
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Device {
    /// Cognito's `DeviceKey`, which [`Cognito::forget_device`](crate::Cognito::forget_device) takes.
    pub key: String,
    /// The name the device was confirmed with (the browser's `User-Agent`, cut short).
    pub name: Option<String>,
    /// Remembered: its sign-ins skip the second factor where the pool allows it.
    pub remembered: bool,
    /// When Cognito first saw it, Unix seconds.
    pub created: Option<i64>,
    /// When it last signed in, Unix seconds.
    pub last_signed_in: Option<i64>,
    /// The device of the browser that made this request.
    pub this_browser: bool,
}

use super::account::token_call_error;
use super::connection::{blocking, CognitoClient};
use super::errors::srp_error;
use super::srp::device_secret;
use crate::error::Error;

/// ListDevices pages of at most this many (its reference's maximum, 60).
const PAGE: i32 = 60;

impl CognitoClient {
    /// Confirms a device Cognito began to track at this sign-in: a secret made here, its
    /// verifier given to Cognito. The device's password, and whether the user must be asked
    /// before it is remembered (UserConfirmationNecessary).
    pub(crate) async fn confirm_device(
        &self,
        access_token: &str,
        key: &str,
        group_key: &str,
        name: Option<String>,
    ) -> Result<(String, bool), Error> {
        let (group, device) = (group_key.to_owned(), key.to_owned());
        let secret = blocking(move || device_secret(&group, &device)).await?.map_err(srp_error)?;
        let verifier =
            DeviceSecretVerifierConfigType::builder().password_verifier(&secret.verifier).salt(&secret.salt).build();
        let out = (self.client.confirm_device())
            .access_token(access_token)
            .device_key(key)
            .device_secret_verifier_config(verifier)
            .set_device_name(name)
            .send()
            .instrument(super::observe::span("ConfirmDevice"))
            .await
            .map_err(token_call_error)?;
        Ok((secret.password, out.user_confirmation_necessary))
    }

    /// UpdateDeviceStatus: remembered, or not.
    pub(crate) async fn set_device_remembered(
        &self,
        access_token: &str,
        key: &str,
        remembered: bool,
    ) -> Result<(), Error> {
        let status = match remembered {
            true => DeviceRememberedStatusType::Remembered,
            false => DeviceRememberedStatusType::NotRemembered,
        };
        (self.client.update_device_status())
            .access_token(access_token)
            .device_key(key)
            .device_remembered_status(status)
            .send()
            .instrument(super::observe::span("UpdateDeviceStatus"))
            .await
            .map_err(token_call_error)?;
        Ok(())
    }

    /// ListDevices, every page.
    pub(crate) async fn list_devices(&self, access_token: &str) -> Result<Vec<Device>, Error> {
        let mut devices = Vec::new();
        let mut page = None;
        loop {
            let out = (self.client.list_devices())
                .access_token(access_token)
                .limit(PAGE)
                .set_pagination_token(page)
                .send()
                .instrument(super::observe::span("ListDevices"))
                .await
                .map_err(token_call_error)?;
            for d in out.devices() {
                let attribute = |name: &str| {
                    d.device_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value()).map(str::to_owned)
                };
                devices.push(Device {
                    key: d.device_key().unwrap_or_default().to_owned(),
                    name: attribute("device_name"),
                    remembered: attribute("device_status").as_deref() == Some("remembered"),
                    created: d.device_create_date().map(|t| t.secs()),
                    last_signed_in: d.device_last_authenticated_date().map(|t| t.secs()),
                    this_browser: false,
                });
            }
            match out.pagination_token {
                Some(next) if !next.is_empty() => page = Some(next),
                _ => return Ok(devices),
            }
        }
    }

    /// ForgetDevice: it is no longer tracked, and its refresh tokens stop working.
    pub(crate) async fn forget_device(&self, access_token: &str, key: &str) -> Result<(), Error> {
        (self.client.forget_device())
            .access_token(access_token)
            .device_key(key)
            .send()
            .instrument(super::observe::span("ForgetDevice"))
            .await
            .map_err(token_call_error)?;
        Ok(())
    }
}
