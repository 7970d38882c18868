//! Remembered devices. In a user pool that tracks devices, a sign-in without a device returns a
//! new one: the crate confirms it with a verifier of a secret of its own (device SRP) and keeps
//! the device, sealed, in a cookie of the browser that outlives the session. The next sign-in
//! from that browser names the device, proves its secret when Cognito asks (so that a
//! remembered device skips the second factor, as the pool allows), and every refresh names it.
//! A signed-in user lists their devices and forgets one.

use rocket::http::CookieJar;
use rocket::time::Duration;

use crate::session::TokenCookies;

/// How long the browser keeps the device cookie: Chrome's cap on any cookie's age, 400 days.
const DEVICE_MAX_AGE: Duration = Duration::days(400);

/// This browser's device, as the cookie keeps it: whose it is, its keys, and its secret.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct KeptDevice {
    /// The user's canonical Cognito username, and the other names they may sign in with (the
    /// name typed, their email, phone number and preferred username).
    pub(crate) username: String,
    pub(crate) aliases: Vec<String>,
    /// `DeviceKey` and `DeviceGroupKey`, as Cognito gave them.
    pub(crate) key: String,
    pub(crate) group_key: String,
    /// The device's random password: the verifier Cognito holds is of it.
    pub(crate) password: String,
}

impl std::fmt::Debug for KeptDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptDevice").field("username", &self.username).field("key", &self.key).finish_non_exhaustive()
    }
}

impl KeptDevice {
    /// Whether the device is the one of the user who signs in as `name` (canonical, or an alias).
    pub(crate) fn serves(&self, name: &str) -> bool {
        let name = name.trim();
        name == self.username || self.aliases.iter().any(|a| name.eq_ignore_ascii_case(a))
    }
}

/// What a sign-in did with a new device: kept it, and whether the user must say they want it
/// remembered (the pool's `DeviceOnlyRememberedOnUserPrompt`).
#[derive(Debug, Clone)]
pub(crate) struct NewDevice {
    pub(crate) device: KeptDevice,
    pub(crate) asks_to_remember: bool,
}

/// A device Cognito tracks for the user ([`Cognito::devices`](crate::Cognito::devices)).
///
/// ```
/// use rocket_warrant::Device;
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

/// The device name ConfirmDevice is given: the browser's `User-Agent`, cut to fit Cognito's
/// 1,024 characters.
pub(crate) fn name_of(user_agent: Option<&str>) -> Option<String> {
    let agent = user_agent?.trim();
    (!agent.is_empty()).then(|| agent.chars().take(1024).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
