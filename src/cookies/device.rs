//! Remembered devices. In a user pool that tracks devices, a sign-in without a device returns a
//! new one: the crate confirms it with a verifier of a secret of its own (device SRP) and keeps
//! the device, sealed, in a cookie of the browser that outlives the session. The next sign-in
//! from that browser names the device, proves its secret when Cognito asks (so that a
//! remembered device skips the second factor, as the pool allows), and every refresh names it.
//! A signed-in user lists their devices and forgets one.

use rocket::http::CookieJar;
use rocket::time::Duration;

use super::TokenCookies;
use crate::context::KeptDevice;

/// How long the browser keeps the device cookie: Chrome's cap on any cookie's age, 400 days.
const DEVICE_MAX_AGE: Duration = Duration::days(400);

/// What a sign-in did with a new device: kept it, and whether the user must say they want it
/// remembered (the pool's `DeviceOnlyRememberedOnUserPrompt`).
#[derive(Debug, Clone)]
pub(crate) struct NewDevice {
    pub(crate) device: KeptDevice,
    pub(crate) asks_to_remember: bool,
}

/// The device this browser keeps, if its cookie opens.
pub(crate) fn kept(cookies: &TokenCookies, jar: &CookieJar<'_>) -> Option<KeptDevice> {
    serde_json::from_slice(&cookies.open_cookie(jar, cookies.device_name())?).ok()
}

/// Keeps `device` in this browser.
pub(crate) fn keep(cookies: &TokenCookies, jar: &CookieJar<'_>, device: &KeptDevice) {
    // Strings only: serializing cannot fail; if it did, the next sign-in would get a new device.
    if let Ok(value) = serde_json::to_vec(device) {
        jar.add(cookies.seal_cookie(cookies.device_name(), &value, DEVICE_MAX_AGE));
    }
}

/// Forgets this browser's device.
pub(crate) fn forget(cookies: &TokenCookies, jar: &CookieJar<'_>) {
    cookies.remove_cookie(jar, cookies.device_name());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::name_of;

    #[test]
    fn a_device_serves_its_user_by_either_name_and_hides_its_secret() {
        let device = KeptDevice {
            username: "6d1c-uuid".into(),
            aliases: vec!["Ada@Example.com".into()],
            key: "us-east-1_abc".into(),
            group_key: "-grp".into(),
            password: "hunter2-device-secret".into(),
        };
        assert!(device.serves(" ada@example.com "));
        assert!(device.serves("6d1c-uuid"));
        assert!(!device.serves("bob"));
        assert!(!format!("{device:?}").contains("hunter2"));
        assert_eq!(name_of(Some(&"x".repeat(2000))).map(|n| n.len()), Some(1024));
        assert_eq!(name_of(Some("  ")), None);
    }
}
