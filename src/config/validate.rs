//! Reading the settings with figment and refusing unusable ones before launch, each refusal
//! naming its key.

use rocket::figment::Figment;

use super::{Config, ADMIN_SCOPE, CONFIG_KEY, RESERVED};

/// Why the settings were refused. Each message names the key to fix.
///
/// ```
/// use rocket::figment::{Figment, providers::{Format, Toml}};
/// use rocket_warrant::config::Config;
///
/// let figment = Figment::from(Toml::string("[cognito]\nuser_pool_id = \"nounderscore\"\napp_client_id = \"c\""));
/// let err = Config::from_figment(&figment).unwrap_err();
/// assert!(err.to_string().contains("`cognito.user_pool_id`"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Missing, of the wrong type, or unknown: the message names the key (as it is written
    /// under `[<profile>.cognito]`), its profile and where it was read.
    #[error("invalid Cognito settings: {}", describe(.0))]
    Parse(#[from] Box<rocket::figment::Error>),
    /// Present but unusable.
    #[error("invalid Cognito setting `{CONFIG_KEY}.{key}`: {reason}")]
    Invalid {
        /// The offending key.
        key: &'static str,
        /// What is wrong with it, and what is expected.
        reason: String,
    },
    /// No `cognito` table at all: the message names the profile, and a table whose name is
    /// close (`[default.cogito]`).
    #[error(
        "no Cognito settings: no `[{profile}.{CONFIG_KEY}]` or `[default.{CONFIG_KEY}]` table in Rocket.toml, \
         and no ROCKET_COGNITO{}",
        near.as_deref().map(|near| format!("; did you mean `{near}` to be `{CONFIG_KEY}`?")).unwrap_or_default()
    )]
    Missing {
        /// The selected profile.
        profile: String,
        /// A table whose name is close to `cognito`.
        near: Option<String>,
    },
}

/// Figment's errors, each with its key in reading order (figment gives `extract_inner`'s key last,
/// `default.app_client_sceret.cognito`) and, for a misspelled key, the setting it is closest to.
fn describe(error: &rocket::figment::Error) -> String {
    use rocket::figment::error::Kind;
    let one = |e: rocket::figment::Error| {
        let mut path: Vec<&str> = e.path.iter().map(String::as_str).collect();
        if path.last() == Some(&CONFIG_KEY) {
            path.pop();
        }
        if let Kind::MissingField(field) = &e.kind {
            path.push(field);
        }
        let key = std::iter::once(CONFIG_KEY).chain(path).collect::<Vec<_>>().join(".");
        let profile = e.profile.as_ref().map(|p| format!(" (profile `{p}`)")).unwrap_or_default();
        let what = match &e.kind {
            Kind::MissingField(_) => "is required".to_owned(),
            Kind::UnknownField(_, expected) => match closest(&key[CONFIG_KEY.len() + 1..], expected) {
                Some(near) => format!("is not a setting; did you mean `{near}`?"),
                None => "is not a setting".to_owned(),
            },
            // Figment's own words quote serde's already quoted list (``a` or `b``).
            Kind::UnknownVariant(found, expected) => {
                let expected = expected.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
                format!("is refused: `{found}` is none of {expected}")
            }
            kind => format!("is refused: {kind}"),
        };
        let source = match &e.metadata {
            Some(md) => match &md.source {
                Some(source) => format!(" (read from {source})"),
                None => format!(" (read from {})", md.name),
            },
            None => String::new(),
        };
        format!("`{key}`{profile} {what}{source}")
    };
    error.clone().into_iter().map(one).collect::<Vec<_>>().join("; ")
}

/// The setting nearest to a misspelled `key` (at most two edits away).
fn closest(key: &str, settings: &[&'static str]) -> Option<&'static str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
                diagonal = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    };
    settings.iter().map(|s| (distance(key, s), *s)).filter(|(d, _)| *d <= 2).min().map(|(_, s)| s)
}

/// The host of a passkey origin: `https://host[:port]`, or `http://localhost[:port]` (a secure
/// context for WebAuthn), nothing after it but a `/`.
pub(crate) fn passkey_host(origin: &str) -> Option<&str> {
    let (secure, rest) = match origin.split_once("://")? {
        ("https", rest) => (true, rest),
        ("http", rest) => (false, rest),
        _ => return None,
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        Some(_) => return None,
        None => authority,
    };
    let valid = host.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    (valid && (secure || host == "localhost")).then_some(host)
}

/// Whether an http(s) URL's host is this machine (`localhost`, a loopback address).
fn loopback_url(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key, reason: reason.into() }
}

impl Config {
    /// Reads and validates the settings under `cognito` (`[default.cognito]` in `Rocket.toml`).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the key that is missing, unknown, of the wrong type or unusable.
    pub fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        if !figment.contains(CONFIG_KEY) {
            let keys = figment.extract::<rocket::figment::value::Dict>().unwrap_or_default();
            let near = keys.into_keys().find(|k| closest(k, &[CONFIG_KEY]).is_some());
            return Err(ConfigError::Missing { profile: figment.profile().to_string(), near });
        }
        let config: Config = figment.extract_inner(CONFIG_KEY).map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: formats, ranges and pairs of keys.
    /// The managed-login settings: a domain of a prefix's letters or an http(s) URL, and with it
    /// an absolute callback URL; scopes without spaces.
    fn validate_managed_login(&self) -> Result<(), ConfigError> {
        let absolute = |url: &str| {
            (url.starts_with("https://") || url.starts_with("http://"))
                && rocket::http::uri::Absolute::parse(url).is_ok()
                && !url.contains('#')
        };
        if let Some(domain) = &self.domain {
            let prefix =
                |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !(prefix(domain) || absolute(domain)) {
                return Err(invalid(
                    "domain",
                    format!("`{domain}` is neither a domain prefix (`myapp`) nor an https URL"),
                ));
            }
            // The token endpoint receives the client secret and the codes: never in clear, but
            // for an emulator on this machine.
            if domain.starts_with("http://") && !loopback_url(domain) {
                return Err(invalid(
                    "domain",
                    format!(
                        "`{domain}` is plain http: the client secret and the codes would travel in clear; use https"
                    ),
                ));
            }
            match &self.redirect_uri {
                None => return Err(invalid("redirect_uri", "managed login (`domain`) needs the callback URL")),
                Some(uri) if !absolute(uri) => {
                    return Err(invalid("redirect_uri", format!("`{uri}` is not an absolute http(s) URL")))
                }
                Some(_) => {}
            }
        }
        if let Some(uri) = self.logout_uri.as_deref().filter(|u| !absolute(u)) {
            return Err(invalid("logout_uri", format!("`{uri}` is not an absolute http(s) URL")));
        }
        if self.scopes.is_empty() || self.scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            return Err(invalid("scopes", "a list of OAuth scopes, none empty or with spaces"));
        }
        // A sign-in verifies the ID token, which Cognito's token endpoint returns only for openid
        // (developer guide, authorization endpoint: "An ID token is only returned if openid
        // scope is requested"), and reads the user with GetUser, which needs the admin scope.
        let needs = [
            ("openid", "Cognito returns the ID token a sign-in needs only for it"),
            (ADMIN_SCOPE, "Cognito refuses GetUser, which every sign-in calls, without it"),
        ];
        for (scope, why) in needs {
            if !self.scopes.iter().any(|s| s == scope) {
                return Err(invalid("scopes", format!("must include `{scope}`: {why}")));
            }
        }
        Ok(())
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let (region, pool) = self.user_pool_id.split_once('_').unwrap_or(("", ""));
        if region.is_empty() || pool.is_empty() {
            return Err(invalid(
                "user_pool_id",
                format!("`{}` is not of the form `<region>_<id>`, e.g. `eu-west-1_AbCdEf123`", self.user_pool_id),
            ));
        }
        if !is_region(self.region()) {
            let key = if self.region.is_some() { "region" } else { "user_pool_id" };
            return Err(invalid(key, format!("`{}` is not an AWS region name", self.region())));
        }
        if self.app_client_id.trim().is_empty() {
            return Err(invalid("app_client_id", "must not be empty"));
        }
        for (cognito, local) in &self.attr_mapping {
            if cognito.is_empty() || local.is_empty() {
                return Err(invalid("attr_mapping", "attribute and field names must not be empty"));
            }
            if RESERVED.contains(&local.as_str()) {
                return Err(invalid(
                    "attr_mapping",
                    format!("`{cognito}` maps to `{local}`, a field the crate keeps itself"),
                ));
            }
        }
        match (&self.aws_access_key_id, &self.aws_secret_access_key) {
            (Some(_), None) => return Err(invalid("aws_secret_access_key", "is required with `aws_access_key_id`")),
            (None, Some(_)) => return Err(invalid("aws_access_key_id", "is required with `aws_secret_access_key`")),
            _ => {}
        }
        for (key, url) in [("endpoint_url", &self.endpoint_url), ("jwks_url", &self.jwks_url)] {
            if let Some(url) = url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
                }
            }
        }
        if let Some(jwks) = &self.jwks {
            serde_json::from_str::<jsonwebtoken::jwk::JwkSet>(jwks)
                .map_err(|e| invalid("jwks", format!("not a JWKS document: {e}")))?;
        }
        for (key, d) in [
            ("jwks_timeout_secs", self.jwks_timeout),
            ("cognito_timeout_secs", self.cognito_timeout),
            // Zero would fetch the keys on every request.
            ("jwks_refresh_interval_secs", self.jwks_refresh_interval),
            // And this would read the database on every request.
            ("revocation_sync_secs", self.revocation_sync),
        ] {
            if d.is_zero() {
                return Err(invalid(key, "must be positive"));
            }
        }
        if self.max_attempts == 0 {
            return Err(invalid("max_attempts", "must be at least 1"));
        }
        if self.app_client_ids.iter().any(|c| c.is_empty() || c.chars().any(char::is_whitespace)) {
            return Err(invalid("app_client_ids", "each is an app client id: not empty, no spaces"));
        }
        for pool in &self.other_pools {
            let (region, id) = pool.user_pool_id.split_once('_').unwrap_or(("", ""));
            if !is_region(region) || id.is_empty() || pool.user_pool_id == self.user_pool_id {
                let why = format!("`{}` is not another user pool id of the form `<region>_<id>`", pool.user_pool_id);
                return Err(invalid("other_pools", why));
            }
            if pool.app_client_ids.is_empty() || pool.app_client_ids.iter().any(|c| c.is_empty()) {
                let why =
                    format!("user pool {} needs app_client_ids, the clients whose tokens count", pool.user_pool_id);
                return Err(invalid("other_pools", why));
            }
        }
        self.validate_managed_login()?;
        if let Some(origin) = &self.passkey_origin {
            if passkey_host(origin).is_none() {
                return Err(invalid(
                    "passkey_origin",
                    format!("`{origin}` is not an origin: https://<host>[:port] (http only for localhost), no path"),
                ));
            }
        }
        let limits = &self.limits;
        for (key, limit) in [
            ("limits.per_address", limits.per_address),
            ("limits.per_username", limits.per_username),
            ("limits.per_account", limits.per_account),
        ] {
            let secs = limit.window.as_secs();
            if limit.is_on() && !(1..=86_400).contains(&secs) {
                return Err(invalid(key, format!("window_secs = {secs}: a window is 1 second to a day (86400)")));
            }
        }
        if let Some(header) = &self.trusted_ip_header {
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if header.is_empty() || !header.bytes().all(token) {
                return Err(invalid("trusted_ip_header", format!("`{header}` is not an HTTP header name")));
            }
        }
        let prefix_ok = !self.cookie_prefix.is_empty()
            && self.cookie_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !prefix_ok {
            return Err(invalid("cookie_prefix", "must be letters, digits, `_` or `-`"));
        }
        if crate::next::safe_next(&self.login_url).is_none() {
            return Err(invalid("login_url", "must be a path on this site, starting with `/`"));
        }
        if crate::next::safe_next(&self.reauthenticate_url).is_none() {
            return Err(invalid("reauthenticate_url", "must be a path on this site, starting with `/`"));
        }
        if self.cookie_max_age.is_zero() || self.cookie_max_age.as_secs() > i64::MAX as u64 {
            return Err(invalid("cookie_max_age_secs", "must be positive"));
        }
        if self.api_key_header.is_empty()
            || !self.api_key_header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid("api_key_header", "must be a header name (letters, digits, `-`)"));
        }
        Ok(())
    }
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_passkey_origin_is_a_secure_origin_and_nothing_more() {
        assert_eq!(passkey_host("https://app.example.com"), Some("app.example.com"));
        assert_eq!(passkey_host("https://app.example.com:8443/"), Some("app.example.com"));
        assert_eq!(passkey_host("http://localhost:8000"), Some("localhost"));
        for bad in [
            "http://app.example.com",
            "https://app.example.com/login",
            "app.example.com",
            "https://",
            "https://a..b",
            "https://x:port",
        ] {
            assert_eq!(passkey_host(bad), None, "{bad}");
        }
    }

    use std::time::Duration;

    use super::*;
    use crate::config::*;
    use rocket::figment::providers::{Format, Toml};

    fn parse(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(&Figment::from(Toml::string(toml)))
    }

    const BASE: &str = "[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"client\"\n";

    #[test]
    fn defaults_follow_django_warrant() {
        let c = parse(BASE).unwrap();
        assert_eq!(c.attr_mapping, default_attr_mapping());
        assert!(c.create_unknown_users);
        assert_eq!(c.auth_flow, AuthFlow::UserSrp);
        assert_eq!(c.api_key_header, "Authorization-Id");
        assert_eq!(c.jwks_url(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json");
    }

    #[test]
    fn a_misspelled_table_and_a_value_of_no_variant_are_told_plainly() {
        let figment = Figment::from(Toml::string("[default.cogito]\nuser_pool_id = \"eu-west-1_Abc\"\n").nested());
        let err = Config::from_figment(&figment).unwrap_err().to_string();
        assert!(err.contains("no `[default.cognito]`") && err.contains("did you mean `cogito`"), "{err}");
        let err = Config::from_figment(&Figment::new()).unwrap_err().to_string();
        assert!(err.starts_with("no Cognito settings") && !err.contains("did you mean"), "{err}");
        let err = parse(&format!("{BASE}session_store = \"databse\"\n")).unwrap_err().to_string();
        assert!(err.contains("`databse` is none of `cookies`, `database`") && !err.contains("``"), "{err}");
    }

    #[test]
    fn a_misspelled_setting_is_named_by_its_path_and_profile() {
        let toml =
            "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\napp_client_sceret = \"s\"\n";
        let figment = Figment::from(Toml::string(toml).nested());
        let err = Config::from_figment(&figment).unwrap_err().to_string();
        assert!(
            err.contains(
                "`cognito.app_client_sceret` (profile `default`) is not a setting; did you mean `app_client_secret`?"
            ),
            "{err}"
        );
        let wrong_type =
            "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\nleeway_secs = \"x\"\n";
        let err = Config::from_figment(&Figment::from(Toml::string(wrong_type).nested())).unwrap_err().to_string();
        assert!(err.contains("`cognito.leeway_secs` (profile `default`)"), "{err}");
        let missing =
            Config::from_figment(&Figment::from(Toml::string("[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\n")));
        let missing = missing.unwrap_err().to_string();
        assert!(missing.contains("`cognito.app_client_id` (profile `default`) is required"), "{missing}");
        let far = "[default.cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"c\"\ncolour = 1\n";
        let err = Config::from_figment(&Figment::from(Toml::string(far).nested())).unwrap_err().to_string();
        assert!(err.contains("`cognito.colour` (profile `default`) is not a setting (read from"), "{err}");
    }

    #[test]
    fn an_endpoint_serves_the_keys_beside_its_api_unless_jwks_url_says_otherwise() {
        let emulated = parse(&format!("{BASE}endpoint_url = \"http://127.0.0.1:5000/\"\n")).unwrap();
        assert_eq!(emulated.jwks_url(), "http://127.0.0.1:5000/eu-west-1_Abc/.well-known/jwks.json");
        let both = format!("{BASE}endpoint_url = \"http://127.0.0.1:5000\"\njwks_url = \"http://keys.test/k.json\"\n");
        assert_eq!(parse(&both).unwrap().jwks_url(), "http://keys.test/k.json");
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[cognito]\napp_client_id = \"c\"\n", "user_pool_id"),
            ("[cognito]\nuser_pool_id = \"nounderscore\"\napp_client_id = \"c\"\n", "user_pool_id"),
            ("[cognito]\nuser_pool_id = \"_abc\"\napp_client_id = \"c\"\n", "user_pool_id"),
            (&format!("{BASE}auth_flow = \"magic\"\n"), "auth_flow"),
            (&format!("{BASE}attr_mapping = {{ email = 3 }}\n"), "attr_mapping"),
            (&format!("{BASE}attr_mapping = \"email\"\n"), "attr_mapping"),
            (&format!("{BASE}aws_access_key_id = \"AKIA\"\n"), "aws_secret_access_key"),
            (&format!("{BASE}endpoint_url = \"localhost:5000\"\n"), "endpoint_url"),
            (&format!("{BASE}jwks = \"{{}}\"\n"), "jwks"),
            (&format!("{BASE}user_pol_id = \"typo\"\n"), "user_pol_id"),
            (&format!("{BASE}region = \"Mars\"\n"), "region"),
            (&format!("{BASE}max_attempts = 0\n"), "max_attempts"),
            (&format!("{BASE}leeway_secs = -1\n"), "leeway_secs"),
            (&format!("{BASE}jwks_timeout_secs = 0\n"), "jwks_timeout_secs"),
            (&format!("{BASE}jwks_refresh_interval_secs = 0\n"), "jwks_refresh_interval_secs"),
            (&format!("{BASE}cognito_timeout_secs = \"ten\"\n"), "cognito_timeout_secs"),
            (&format!("{BASE}cookie_max_age_secs = 0\n"), "cookie_max_age_secs"),
            (&format!("{BASE}jwks_timeout_ms = 100\n"), "jwks_timeout_ms"),
            (&format!("{BASE}trusted_ip_header = \"X Forwarded\"\n"), "trusted_ip_header"),
            (&format!("{BASE}app_client_ids = [\"\"]\n"), "app_client_ids"),
            (&format!("{BASE}domain = \"My App\"\n"), "domain"),
            (&format!("{BASE}domain = \"myapp\"\n"), "redirect_uri"),
            (&format!("{BASE}domain = \"myapp\"\nredirect_uri = \"/callback\"\n"), "redirect_uri"),
            (&format!("{BASE}logout_uri = \"nowhere\"\n"), "logout_uri"),
            (&format!("{BASE}scopes = [\"open id\"]\n"), "scopes"),
            (&format!("{BASE}trusted_proxies = [\"10.0.0.0/33\"]\n"), "trusted_proxies"),
            (&format!("{BASE}trusted_proxies = \"10.0.0.1\"\n"), "trusted_proxies"),
            (&format!("{BASE}reauthenticate_url = \"https://evil.example/\"\n"), "reauthenticate_url"),
            (&format!("{BASE}authorization_attributes = \"custom:api_key\"\n"), "authorization_attributes"),
            // The client secret and the codes would travel in clear.
            (
                &format!("{BASE}domain = \"http://auth.example.com\"\nredirect_uri = \"https://s.example/cb\"\n"),
                "domain",
            ),
            (&format!("{BASE}scopes = [\"openid\", \"email\"]\n"), "must include `aws.cognito.signin.user.admin`"),
            (&format!("{BASE}scopes = [\"email\", \"aws.cognito.signin.user.admin\"]\n"), "must include `openid`"),
        ];
        for (toml, key) in cases {
            let err = parse(toml).expect_err(toml).to_string();
            assert!(err.contains(key), "{toml:?}: {err}");
        }
    }

    /// Plain http for managed login's domain on this machine only (an emulator), and the
    /// trusted proxies' defaults and forms.
    #[test]
    fn an_http_domain_only_on_this_machine_and_proxies_by_address_or_range() {
        for local in ["http://localhost:9229", "http://127.0.0.1:5000/x", "http://[::1]:80"] {
            let toml = format!("{BASE}domain = \"{local}\"\nredirect_uri = \"http://localhost/cb\"\n");
            assert!(parse(&toml).is_ok(), "{local}");
        }
        for remote in ["http://127.0.0.1.evil.example", "http://user@localhost.example", "http://10.0.0.1"] {
            let toml = format!("{BASE}domain = \"{remote}\"\nredirect_uri = \"http://localhost/cb\"\n");
            let err = parse(&toml).expect_err(remote).to_string();
            assert!(err.contains("cognito.domain") && err.contains("in clear"), "{remote}: {err}");
        }
        let defaults = parse(BASE).unwrap().trusted_proxies;
        assert!(defaults.iter().any(|n| n.contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap())));
        assert!(!defaults.iter().any(|n| n.contains(&"10.0.0.1".parse::<std::net::IpAddr>().unwrap())));
        let set = parse(&format!("{BASE}trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n")).unwrap();
        assert_eq!(set.trusted_proxies.len(), 2);
    }

    #[test]
    fn durations_are_seconds_whole_or_not() {
        let c = parse(&format!("{BASE}jwks_timeout_secs = 0.25\nleeway_secs = 5\nuser_cache_ttl_secs = 0\n")).unwrap();
        assert_eq!(c.jwks_timeout, Duration::from_millis(250));
        assert_eq!(c.leeway, Duration::from_secs(5));
        assert!(c.user_cache_ttl.is_zero());
        assert_eq!(c.cookie_max_age, Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn custom_attributes_keep_their_prefix_and_region_can_be_overridden() {
        let c =
            parse(&format!("{BASE}region = \"us-east-2\"\nattr_mapping = {{ \"custom:api_key\" = \"api_key\" }}\n"))
                .unwrap();
        assert_eq!(c.attr_mapping["custom:api_key"], "api_key");
        assert_eq!(c.region(), "us-east-2");
        assert!(c.issuer().starts_with("https://cognito-idp.us-east-2."));
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let c = parse(&format!("{BASE}app_client_secret = \"s3cr3t-value\"\n")).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
        assert_eq!(c.app_client_secret.unwrap().expose(), "s3cr3t-value");
    }
}
