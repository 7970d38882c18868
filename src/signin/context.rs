//! What a request tells Cognito with each sign-in and account call: threat protection's context
//! data (the user's address, and on the admin calls the server's name, the path and the
//! request's headers), the application's client metadata for its Lambda triggers, and the
//! browser's remembered device. [`SignIn`](crate::SignIn) gathers it from the request;
//! [`Cognito`](crate::Cognito)'s own methods send none.

use std::collections::HashMap;
use std::net::IpAddr;

use aws_sdk_cognitoidentityprovider::types::{ContextDataType, HttpHeader, UserContextDataType};
use rocket::Request;

use crate::device::KeptDevice;

/// The headers sent to Cognito's threat protection: those that describe the browser and the
/// way to the site, never a credential (cookies, authorization, the site's API key header, a
/// CSRF token, an AWS session token all stay here).
const SENT: [&str; 12] = [
    "host",
    "user-agent",
    "accept",
    "accept-language",
    "accept-encoding",
    "referer",
    "origin",
    "content-type",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-real-ip",
    "forwarded",
];
/// At most this many headers, of at most this many bytes each, go in `HttpHeaders`.
const MAX_HEADERS: usize = 32;
const MAX_HEADER_BYTES: usize = 1024;

/// The request's side of a call (empty for a call made outside a request).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ctx {
    /// The user's address: the connection's, or the trusted proxy header's (`trusted_ip_header`).
    pub(crate) ip: Option<String>,
    pub(crate) server_name: String,
    pub(crate) server_path: String,
    pub(crate) headers: Vec<(String, String)>,
    /// What the page's threat-protection script collected (`EncodedData`), when the page sends it.
    pub(crate) encoded_data: Option<String>,
    pub(crate) metadata: HashMap<String, String>,
    pub(crate) device: Option<KeptDevice>,
    /// The name a new device is confirmed with (the `User-Agent`).
    pub(crate) device_name: Option<String>,
}

impl Ctx {
    /// The context of `req`; `ip_header` is the proxy header the settings trust, if any.
    pub(crate) fn of(req: &Request<'_>, ip_header: Option<&str>, device: Option<KeptDevice>) -> Ctx {
        let ip = ip_header
            .and_then(|name| forwarded_ip(req.headers().get(name).last()?))
            .or_else(|| req.remote().map(|r| r.ip()));
        let headers = req
            .headers()
            .iter()
            .filter(|h| SENT.iter().any(|w| h.name().as_str().eq_ignore_ascii_case(w)))
            .filter(|h| h.value().len() <= MAX_HEADER_BYTES)
            .take(MAX_HEADERS)
            .map(|h| (h.name().as_str().to_ascii_lowercase(), h.value().to_owned()))
            .collect();
        Ctx {
            ip: ip.map(|ip| ip.to_string()),
            server_name: req.host().map(|h| h.to_string()).unwrap_or_default(),
            server_path: req.uri().path().to_string(),
            headers,
            encoded_data: None,
            metadata: HashMap::new(),
            device,
            device_name: crate::device::name_of(req.headers().get_one("User-Agent")),
        }
    }

    /// `UserContextData` of the public calls: the address and what the page collected.
    pub(crate) fn user_context(&self) -> Option<UserContextDataType> {
        if self.ip.is_none() && self.encoded_data.is_none() {
            return None;
        }
        Some(
            UserContextDataType::builder()
                .set_ip_address(self.ip.clone())
                .set_encoded_data(self.encoded_data.clone())
                .build(),
        )
    }

    /// `ContextData` of the admin calls, which needs the address, server name and path.
    pub(crate) fn admin_context(&self) -> Option<ContextDataType> {
        let ip = self.ip.clone()?;
        let headers = self.headers.iter().map(|(n, v)| HttpHeader::builder().header_name(n).header_value(v).build());
        ContextDataType::builder()
            .ip_address(ip)
            .server_name(if self.server_name.is_empty() { "unknown" } else { &self.server_name })
            .server_path(if self.server_path.is_empty() { "/" } else { &self.server_path })
            .set_http_headers(Some(headers.collect()))
            .set_encoded_data(self.encoded_data.clone())
            .build()
            .ok()
    }

    /// `ClientMetadata`, when the application gave any.
    pub(crate) fn metadata(&self) -> Option<HashMap<String, String>> {
        (!self.metadata.is_empty()).then(|| self.metadata.clone())
    }

    /// The remembered device to name for a sign-in as `username`.
    pub(crate) fn device_for(&self, username: &str) -> Option<&KeptDevice> {
        self.device.as_ref().filter(|d| d.serves(username))
    }
}

/// The client's address in a trusted proxy header: the last entry of a list (`X-Forwarded-For`:
/// the one the trusted proxy added; those before it came from the client), a port dropped.
fn forwarded_ip(value: &str) -> Option<IpAddr> {
    let last = value.rsplit(',').next()?.trim();
    last.parse()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| last.trim_start_matches('[').split(']').next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trusted_header_gives_the_address_its_proxy_added() {
        assert_eq!(forwarded_ip("203.0.113.9"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(forwarded_ip("6.6.6.6, 203.0.113.9"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(forwarded_ip("203.0.113.9:4711"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(forwarded_ip("[2001:db8::1]:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(forwarded_ip("not an address"), None);
    }

    #[test]
    fn no_context_sends_nothing() {
        let ctx = Ctx::default();
        assert!(ctx.user_context().is_none() && ctx.admin_context().is_none() && ctx.metadata().is_none());
    }
}
