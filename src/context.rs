//! What a request tells Cognito with each sign-in and account call: threat protection's context
//! data (the user's address, and on the admin calls the server's name, the path and the
//! request's headers), the application's client metadata for its Lambda triggers, and the
//! browser's remembered device. [`SignIn`](crate::SignIn) gathers it from the request;
//! [`Cognito`](crate::Cognito)'s own methods send none.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use aws_sdk_cognitoidentityprovider::types::{ContextDataType, HttpHeader, UserContextDataType};
use rocket::Request;

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
    pub(crate) fn of(req: &Request<'_>, ip_header: Option<&str>, proxies: &[IpNet], device: Option<KeptDevice>) -> Ctx {
        let ip = client_ip(req, ip_header, proxies);
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
            device_name: name_of(req.headers().get_one("User-Agent")),
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
/// The client's address: the connection's, unless it comes from one of the trusted `proxies`
/// and `header` names the hops they added; then the right-most hop that is not a trusted proxy
/// (a client can write any hop left of it, none right of it), or the left-most when all are.
pub(crate) fn client_ip(req: &Request<'_>, header: Option<&str>, proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = req.remote().map(|r| r.ip())?;
    let trusted = |ip: &IpAddr| proxies.iter().any(|net| net.contains(ip));
    let Some(header) = header.filter(|_| trusted(&peer)) else {
        return Some(peer);
    };
    let forwarded = header.eq_ignore_ascii_case("forwarded");
    let hops: Vec<&str> = req
        .headers()
        .get(header)
        .flat_map(|value| value.split(','))
        .filter_map(|hop| if forwarded { forwarded_for(hop) } else { Some(hop.trim()) })
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop that is no address (`unknown`, an obfuscated name) ends what can be known.
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// The `for=` of one element of RFC 7239's `Forwarded` header (`for=192.0.2.60;proto=http`).
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
    })
}

/// One hop's address: `203.0.113.9`, `203.0.113.9:4711`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.strip_prefix('[')?.split(']').next()?.parse().ok())
}

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
    fn hops_are_addresses_with_or_without_their_port() {
        assert_eq!(parse_hop("203.0.113.9"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(parse_hop("203.0.113.9:4711"), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(parse_hop("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_hop("[2001:db8::1]:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_hop("not an address"), None);
        assert_eq!(forwarded_for(r#" for="[2001:db8:cafe::17]:4711";proto=https"#), Some("[2001:db8:cafe::17]:4711"));
        assert_eq!(forwarded_for("proto=http;For=192.0.2.60"), Some("192.0.2.60"));
        assert_eq!(forwarded_for("by=203.0.113.43"), None);
    }

    /// The address each peer and header give: the header only from a trusted proxy, its
    /// right-most untrusted hop, RFC 7239's `Forwarded` too.
    #[test]
    fn the_client_is_the_right_most_hop_no_trusted_proxy_added() {
        use rocket::http::Header;
        use rocket::local::blocking::Client;

        let client = Client::debug_with(vec![]).unwrap();
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let ip = |peer: &str, header: &str, values: &[&str]| {
            let mut request = client.get("/").remote(format!("{peer}:4000").parse().unwrap());
            for value in values {
                request.add_header(Header::new(header.to_owned(), value.to_string()));
            }
            client_ip(request.inner(), Some(header), &proxies).map(|ip| ip.to_string())
        };
        let xff = "X-Forwarded-For";
        assert_eq!(ip("10.0.0.2", xff, &["6.6.6.6, 203.0.113.9"]).as_deref(), Some("203.0.113.9"));
        assert_eq!(
            ip("10.0.0.2", xff, &["6.6.6.6, 203.0.113.9, 10.1.1.1"]).as_deref(),
            Some("203.0.113.9"),
            "two proxies"
        );
        assert_eq!(ip("10.0.0.2", xff, &["6.6.6.6", "203.0.113.9"]).as_deref(), Some("203.0.113.9"), "two lines");
        assert_eq!(ip("10.0.0.2", xff, &["10.0.0.9, 10.0.0.7"]).as_deref(), Some("10.0.0.9"), "all trusted");
        assert_eq!(ip("10.0.0.2", xff, &[]).as_deref(), Some("10.0.0.2"), "no header: the proxy");
        assert_eq!(ip("10.0.0.2", xff, &["unknown"]).as_deref(), Some("10.0.0.2"), "no address in it");
        // A spoofed header from a peer that is no trusted proxy changes nothing.
        assert_eq!(ip("198.51.100.4", xff, &["203.0.113.9"]).as_deref(), Some("198.51.100.4"));
        let fwd = "Forwarded";
        let header = r#"for=6.6.6.6, for="[2001:db8::5]:443";proto=https, for=10.3.3.3"#;
        assert_eq!(ip("127.0.0.1", fwd, &[header]).as_deref(), Some("2001:db8::5"));
        let request = client.get("/").remote("10.0.0.2:4000".parse().unwrap()).header(Header::new(xff, "203.0.113.9"));
        assert_eq!(client_ip(request.inner(), None, &proxies), Some("10.0.0.2".parse().unwrap()), "no header named");
    }

    /// What each call is sent: nothing without an address, encoded data or metadata; the
    /// address and the page's encoded data in `UserContextData`; the address, server, path and
    /// headers in the admin calls' `ContextData`, which Cognito requires whole (no address, no
    /// `ContextData`); the metadata only when there is some.
    #[test]
    fn each_call_is_sent_what_the_request_gave_and_nothing_else() {
        let empty = Ctx::default();
        assert!(empty.user_context().is_none() && empty.admin_context().is_none() && empty.metadata().is_none());

        let encoded = Ctx { encoded_data: Some("ENCODED".into()), ..Ctx::default() };
        let user = encoded.user_context().expect("the page's encoded data alone");
        assert_eq!((user.ip_address(), user.encoded_data()), (None, Some("ENCODED")));
        assert!(encoded.admin_context().is_none(), "ContextData needs the address");

        let request = Ctx {
            ip: Some("203.0.113.9".into()),
            headers: vec![("user-agent".into(), "Tester/1.0".into())],
            metadata: [("tenant".to_owned(), "acme".to_owned())].into(),
            ..Ctx::default()
        };
        assert_eq!(request.user_context().unwrap().ip_address(), Some("203.0.113.9"));
        let admin = request.admin_context().unwrap();
        assert_eq!((admin.ip_address(), admin.server_name(), admin.server_path()), ("203.0.113.9", "unknown", "/"));
        let headers: Vec<_> = admin.http_headers().iter().map(|h| (h.header_name(), h.header_value())).collect();
        assert_eq!(headers, [(Some("user-agent"), Some("Tester/1.0"))]);
        assert_eq!(request.metadata().unwrap()["tenant"], "acme");
    }
}
