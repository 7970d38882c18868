//! What launch reads of the app client and its user pool (DescribeUserPoolClient,
//! DescribeUserPool), and what that means for the settings: a refusal naming the setting that
//! cannot work with them, or a warning in the log.
//!
//! (Over 500 lines for its unit tests, one per check of a setting against the pool; the code is
//! under 450.)

use std::time::Duration;
use tracing::Instrument;

use aws_sdk_cognitoidentityprovider as cip;

use super::errors::sdk_error;
use crate::config::{AuthFlow, Config, Issuer};
use crate::error::Error;

/// The OIDC scopes whose attributes the app client must be able to read, else the token
/// endpoint answers `invalid_grant` (developer guide, token endpoint: "App client doesn't have
/// read access to all attributes in the requested scope"); `profile` covers whatever the client
/// reads, so it has none of its own.
const SCOPE_ATTRIBUTES: [(&str, [&str; 2]); 2] =
    [("email", ["email", "email_verified"]), ("phone", ["phone_number", "phone_number_verified"])];

/// A user pool's feature plan (`UserPoolTier`, DescribeUserPool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    Lite,
    Essentials,
    Plus,
}

impl Tier {
    fn name(self) -> &'static str {
        match self {
            Tier::Lite => "Lite",
            Tier::Essentials => "Essentials",
            Tier::Plus => "Plus",
        }
    }
}

/// What launch reads of the app client (DescribeUserPoolClient) and its pool (DescribeUserPool);
/// `None` where it says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ClientFacts {
    /// `PreventUserExistenceErrors` is `ENABLED`.
    pub(crate) prevents_user_existence_errors: Option<bool>,
    /// `EnableTokenRevocation`: without it tokens carry no `origin_jti` and RevokeToken is refused.
    pub(crate) token_revocation: Option<bool>,
    /// How long a refresh token lives after its sign-in (`RefreshTokenValidity`).
    pub(crate) refresh_token_validity: Option<Duration>,
    /// Whether the app client has a client secret.
    pub(crate) has_secret: Option<bool>,
    /// Whether `app_client_secret` is the app client's secret (its `ClientSecret`).
    pub(crate) secret_matches: Option<bool>,
    /// The attributes the app client may read (`ReadAttributes`); empty when it sets none, and
    /// then it reads the standard ones only (CreateUserPoolClient reference); `None` where
    /// nothing is known (the offline Cognito reads them all).
    pub(crate) read_attributes: Option<Vec<String>>,
    /// The attributes the app client may write (`WriteAttributes`), for a user through
    /// UpdateUserAttributes and SignUp; empty when it sets none, and then it writes the standard
    /// ones (CreateUserPoolClient reference); `None` where nothing is known.
    pub(crate) write_attributes: Option<Vec<String>>,
    /// The flows the app client allows (`ExplicitAuthFlows`, Cognito's default set when it
    /// lists none).
    pub(crate) auth_flows: Option<Vec<String>>,
    /// Managed login's grants (`AllowedOAuthFlows`; none without `AllowedOAuthFlowsUserPoolClient`)
    /// and scopes (`AllowedOAuthScopes`).
    pub(crate) oauth_flows: Option<Vec<String>>,
    pub(crate) oauth_scopes: Option<Vec<String>>,
    /// `EnablePropagateAdditionalUserContextData`: only with it does Cognito take the user's
    /// address from the `UserContextData` of the public calls (CreateUserPoolClient reference).
    pub(crate) propagates_ip: Option<bool>,
    /// The issuer the pool's tokens carry (DescribeUserPool's `IssuerConfiguration`, which
    /// needs `cognito-idp:DescribeUserPool`).
    pub(crate) issuer: Option<Issuer>,
    /// The pool's feature plan.
    pub(crate) tier: Option<Tier>,
    /// The first factors the pool allows (`Policies.SignInPolicy.AllowedFirstAuthFactors`).
    pub(crate) first_factors: Option<Vec<String>>,
    /// Whether the pool's threat protection is on (`UserPoolAddOns.AdvancedSecurityMode`).
    pub(crate) threat_protection: Option<bool>,
    /// The pool's domain: its prefix's full name, or its custom domain (DescribeUserPool).
    pub(crate) domain: Option<String>,
    /// The pool's passkey settings (GetUserPoolMfaConfig's `WebAuthnConfiguration`), read only
    /// when `passkey_origin` is set: its relying party and user verification, each `None`
    /// when the pool leaves it to Cognito's default.
    pub(crate) passkeys: Option<(Option<String>, Option<String>)>,
}

/// The `ExplicitAuthFlows` values that allow a flow (the legacy names too), and its setting's
/// value.
fn flow_needs(flow: AuthFlow) -> (&'static str, &'static [&'static str]) {
    match flow {
        AuthFlow::UserSrp => ("user_srp", &["ALLOW_USER_SRP_AUTH"]),
        AuthFlow::UserPassword => ("user_password", &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]),
        AuthFlow::AdminUserPassword => {
            ("admin_user_password", &["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])
        }
        AuthFlow::UserAuth => ("user_auth", &["ALLOW_USER_AUTH"]),
    }
}

impl ClientFacts {
    /// Why the settings cannot work with this app client and pool, when launch can tell; the
    /// message names the setting and what Cognito has instead.
    pub(crate) fn refusal(&self, config: &Config) -> Option<String> {
        self.secret_refusal(config)
            .or_else(|| self.issuer_refusal(config))
            .or_else(|| self.flow_refusal(config))
            .or_else(|| self.managed_login_refusal(config))
            .or_else(|| self.passkey_refusal(config))
    }

    /// `passkey_origin` against the pool's relying party: the id it sets, else its domain
    /// (WebAuthnConfigurationType reference: "If you don't set a relying party ID, Amazon
    /// Cognito uses your user pool domain"); an origin not on it is refused by every browser
    /// and by Cognito (WebAuthnRelyingPartyMismatchException). Passkeys need the Essentials plan.
    fn passkey_refusal(&self, config: &Config) -> Option<String> {
        let origin = config.passkey_origin.as_deref()?;
        // Host names compare without case.
        let host = crate::config::passkey_host(origin)?.to_ascii_lowercase();
        let pool = &config.user_pool_id;
        if let Some(tier) = self.tier.filter(|tier| *tier < Tier::Essentials) {
            return Some(format!(
                "cognito.passkey_origin is set, and user pool {pool} is on {} (its UserPoolTier): passkeys need the \
                 Essentials or Plus plan; change the pool's plan, or remove cognito.passkey_origin",
                tier.name()
            ));
        }
        let (relying_party, _) = self.passkeys.as_ref()?;
        match relying_party.as_deref().or(self.domain.as_deref()).map(str::to_ascii_lowercase) {
            None => Some(format!(
                "cognito.passkey_origin is {origin}, and user pool {pool} has no passkey relying party: no \
                 WebAuthnConfiguration.RelyingPartyId and no domain; set the relying party to {host} \
                 (SetUserPoolMfaConfig), or remove cognito.passkey_origin"
            )),
            Some(rp) if host == rp || host.ends_with(&format!(".{rp}")) => None,
            Some(rp) => Some(format!(
                "cognito.passkey_origin is {origin}, which is not on user pool {pool}'s passkey relying party {rp} \
                 (its WebAuthnConfiguration.RelyingPartyId, else its domain): browsers and Cognito would refuse \
                 every passkey; set the relying party to {host} or a domain it ends in (SetUserPoolMfaConfig), or \
                 correct cognito.passkey_origin"
            )),
        }
    }

    /// A secret set for a client without one (Cognito refuses every sign-in with
    /// InvalidParameterException), none set for a client that has one, or another secret.
    fn secret_refusal(&self, config: &Config) -> Option<String> {
        let client = &config.app_client_id;
        match (self.has_secret, config.app_client_secret.is_some(), self.secret_matches) {
            (Some(false), true, _) => Some(format!(
                "app client {client} has no client secret, but cognito.app_client_secret is set: Cognito would \
                 refuse every sign-in; remove the setting (or use an app client with a secret)"
            )),
            (Some(true), false, _) => Some(format!(
                "app client {client} has a client secret, and cognito.app_client_secret is not set: Cognito would \
                 refuse every sign-in; set it to the app client's secret"
            )),
            (_, true, Some(false)) => Some(format!(
                "cognito.app_client_secret is not the client secret of app client {client}: Cognito would refuse \
                 every sign-in and refresh; set it to the app client's secret"
            )),
            _ => None,
        }
    }

    fn issuer_refusal(&self, config: &Config) -> Option<String> {
        let issuer = self.issuer.filter(|issuer| *issuer != config.issuer)?;
        let pool = &config.user_pool_id;
        Some(format!(
            "user pool {pool} issues its tokens as {} (its IssuerConfiguration), and cognito.issuer says {}: every \
             token would be refused; set cognito.issuer = \"{}\"",
            issuer.url(config.region(), pool),
            config.issuer(),
            match issuer {
                Issuer::Original => "original",
                Issuer::Updated => "updated",
            }
        ))
    }

    /// `auth_flow` against the client's flows, the pool's plan and its first factors: a flow
    /// the client does not allow is refused at every sign-in (InvalidParameterException, a 500
    /// on each of the site's sign-ins); USER_AUTH needs the Essentials plan (InitiateAuth
    /// reference: "your user pool must be in the Essentials tier or higher"), and is of use for
    /// signing in without a password only where the pool allows such a first factor.
    fn flow_refusal(&self, config: &Config) -> Option<String> {
        let (client, pool) = (&config.app_client_id, &config.user_pool_id);
        let (value, needs) = flow_needs(config.auth_flow);
        if let Some(flows) = self.auth_flows.as_ref().filter(|f| !f.iter().any(|f| needs.contains(&f.as_str()))) {
            return Some(format!(
                "cognito.auth_flow = \"{value}\" needs {} among app client {client}'s ExplicitAuthFlows, which are \
                 [{}]: Cognito would refuse every sign-in; add it to the app client (UpdateUserPoolClient, or the \
                 console's authentication flows), or set cognito.auth_flow to a flow the client allows",
                needs[0],
                flows.join(", ")
            ));
        }
        if config.auth_flow != AuthFlow::UserAuth {
            return None;
        }
        if let Some(tier) = self.tier.filter(|tier| *tier < Tier::Essentials) {
            return Some(format!(
                "cognito.auth_flow = \"user_auth\" (choice-based sign-in) needs the Essentials or Plus feature plan, \
                 and user pool {pool} is on {} (its UserPoolTier): Cognito would refuse every sign-in \
                 (FeatureUnavailableInTierException); change the pool's plan, or set cognito.auth_flow = \"user_srp\"",
                tier.name()
            ));
        }
        let factors = self.first_factors.as_ref()?;
        if factors.iter().any(|f| matches!(f.as_str(), "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN")) {
            return None;
        }
        Some(format!(
            "cognito.auth_flow = \"user_auth\" is for signing in without a password, and user pool {pool} allows no \
             such first factor (its SignInPolicy.AllowedFirstAuthFactors: [{}]): a sign-in by code or passkey would \
             be refused for every user; allow EMAIL_OTP, SMS_OTP or WEB_AUTHN (UpdateUserPool, Policies.SignInPolicy), or set \
             cognito.auth_flow = \"user_srp\"",
            factors.join(", ")
        ))
    }

    /// Managed login (`domain`) against the app client: the code grant, the scopes asked for
    /// among those it allows (else `invalid_scope` at /oauth2/authorize), and the attributes of
    /// each OIDC scope among those it reads (else `invalid_grant` at /oauth2/token).
    fn managed_login_refusal(&self, config: &Config) -> Option<String> {
        config.domain.as_ref()?;
        let client = &config.app_client_id;
        if let Some(flows) = self.oauth_flows.as_ref().filter(|f| !f.iter().any(|f| f == "code")) {
            return Some(format!(
                "managed login (cognito.domain) needs the authorization-code grant, and app client {client} allows \
                 [{}] (its AllowedOAuthFlows, with AllowedOAuthFlowsUserPoolClient): every sign-in would be refused; \
                 allow the code grant on the app client",
                flows.join(", ")
            ));
        }
        if let Some(allowed) = &self.oauth_scopes {
            let missing: Vec<&str> =
                config.scopes.iter().filter(|s| !allowed.contains(s)).map(String::as_str).collect();
            if !missing.is_empty() {
                return Some(format!(
                    "cognito.scopes asks for [{}], which app client {client} does not allow (its AllowedOAuthScopes \
                     are [{}]): Cognito would answer invalid_scope; allow them on the app client, or leave them out \
                     of cognito.scopes",
                    missing.join(", "),
                    allowed.join(", ")
                ));
            }
        }
        let unreadable: Vec<&str> = SCOPE_ATTRIBUTES
            .iter()
            .filter(|(scope, _)| config.scopes.iter().any(|s| s == scope))
            .flat_map(|(_, attributes)| attributes.iter().copied())
            .filter(|name| !self.reads(name).unwrap_or(true))
            .collect();
        (!unreadable.is_empty()).then(|| {
            format!(
                "cognito.scopes asks for scopes whose attributes app client {client} may not read ([{}], not among \
                 its ReadAttributes): Cognito's token endpoint would answer invalid_grant to every sign-in; add them \
                 to the app client's ReadAttributes, or leave the scope out of cognito.scopes",
                unreadable.join(", ")
            )
        })
    }

    /// Whether the app client may read the attribute `name`; `None` when nothing is known.
    fn reads(&self, name: &str) -> Option<bool> {
        let read = self.read_attributes.as_ref()?;
        Some(match read.is_empty() {
            // Without ReadAttributes: the standard attributes, not the `custom:` (or `dev:`) ones.
            true => !name.contains(':'),
            false => name == "sub" || read.iter().any(|a| a == name),
        })
    }

    /// The attributes `attr_mapping` names (and `email_verified`, which the row keeps) that the
    /// app client may not read: GetUser leaves them out, so their columns would stay empty.
    pub(crate) fn unreadable<'a>(&self, config: &'a Config) -> Vec<&'a str> {
        let names = config.attr_mapping.keys().map(String::as_str).chain(["email_verified"]);
        names.filter(|name| !self.reads(name).unwrap_or(true)).collect()
    }

    /// The attributes of `authorization_attributes` that the app client may write: any user
    /// can then set them for themselves through Cognito's public API.
    pub(crate) fn writable_authorization<'a>(&self, config: &'a Config) -> Vec<&'a str> {
        let Some(write) = &self.write_attributes else { return Vec::new() };
        let writable = |name: &str| match write.is_empty() {
            // Without WriteAttributes: the standard attributes, not the `custom:` (or `dev:`) ones.
            true => !name.contains(':'),
            false => write.iter().any(|a| a == name),
        };
        config.authorization_attributes.iter().map(String::as_str).filter(|name| writable(name)).collect()
    }

    /// Says in the log what the settings mean for this site.
    pub(crate) fn log(&self, config: &Config) {
        let client_id = &config.app_client_id;
        for name in self.writable_authorization(config) {
            log::warn!(
                "rocket_warrant: cognito.authorization_attributes lists {name:?}, which app client {client_id} lets \
                 users write: any signed-in user can set it for themselves through Cognito's UpdateUserAttributes \
                 with their own access token, whatever this site's forms allow; remove it from the app client's \
                 WriteAttributes (UpdateUserPoolClient, or the console's attribute write permissions) and set it as \
                 an administrator (AdminUpdateUserAttributes)"
            );
        }
        for name in self.unreadable(config) {
            log::warn!(
                "rocket_warrant: cognito.attr_mapping maps {name:?}, which app client {client_id} may not read: \
                 Cognito leaves it out of GetUser and the ID token, so its column stays empty; add it to the app \
                 client's ReadAttributes (UpdateUserPoolClient, or the console's attribute read permissions)"
            );
        }
        if let (Some(origin), Some((rp, uv))) = (&config.passkey_origin, &self.passkeys) {
            let rp = rp.as_deref().or(self.domain.as_deref()).unwrap_or("none");
            let uv = uv.as_deref().unwrap_or("preferred");
            log::info!("rocket_warrant: passkeys at {origin}: relying party {rp}, user verification {uv}");
        }
        match self.prevents_user_existence_errors {
            Some(true) => log::info!(
                "rocket_warrant: PreventUserExistenceErrors is ENABLED: unknown users and wrong passwords look alike"
            ),
            _ => log::warn!(
                "rocket_warrant: PreventUserExistenceErrors is not ENABLED on app client {client_id}: Cognito answers \
                 an unknown username in one round trip and a wrong password in two, so response times tell which \
                 usernames exist; set it to ENABLED (UpdateUserPoolClient, or the console's app client settings)"
            ),
        }
        if self.token_revocation == Some(false) {
            log::warn!(
                "rocket_warrant: token revocation (EnableTokenRevocation) is off on app client {client_id}: Cognito \
                 refuses RevokeToken and its tokens carry no origin_jti, so a logout revokes nothing at Cognito; this \
                 site refuses the session's refresh token and its current access token until they expire, but not the \
                 other tokens of that sign-in; turn it on (UpdateUserPoolClient, EnableTokenRevocation)"
            );
        }
        if let Some(why) = self.dropped_address(config) {
            log::warn!("rocket_warrant: {why}");
        }
        if let Some(why) = self.unprotected_address(config) {
            log::warn!("rocket_warrant: {why}");
        }
    }

    /// Why the address `trusted_ip_header` finds serves nothing, when the pool's plan says so:
    /// threat protection, which reads it, is a feature of the Plus plan (developer guide,
    /// "Threat protection"; UserPoolAddOnsType reference: "your user pool must be on the Plus
    /// tier").
    pub(crate) fn unprotected_address(&self, config: &Config) -> Option<String> {
        let header = config.trusted_ip_header.as_ref()?;
        let tier = self.tier.filter(|tier| *tier < Tier::Plus)?;
        Some(format!(
            "cognito.trusted_ip_header = \"{header}\" gives Cognito the user's address for threat protection, a \
             feature of the Plus plan, and user pool {} is on {} (its UserPoolTier): the address goes unused",
            config.user_pool_id,
            tier.name()
        ))
    }

    /// Why the user's address this site sends goes unused, when it does: the public flows send
    /// it in `UserContextData`, which Cognito takes only from an app client with
    /// `EnablePropagateAdditionalUserContextData` (a client with a secret); the admin flow's
    /// `ContextData` is not affected (CreateUserPoolClient reference).
    pub(crate) fn dropped_address(&self, config: &Config) -> Option<String> {
        let wanted = config.trusted_ip_header.is_some() || self.threat_protection == Some(true);
        if config.auth_flow == AuthFlow::AdminUserPassword || !wanted || self.propagates_ip != Some(false) {
            return None;
        }
        let client = &config.app_client_id;
        let fix = match self.has_secret {
            Some(false) => "an app client with a client secret and EnablePropagateAdditionalUserContextData",
            _ => "EnablePropagateAdditionalUserContextData on the app client (UpdateUserPoolClient)",
        };
        Some(format!(
            "app client {client} does not take the user's address from UserContextData (its \
             EnablePropagateAdditionalUserContextData is off): threat protection sees none of the addresses this \
             site sends{}; it needs {fix}, or auth_flow = \"admin_user_password\", whose ContextData carries it",
            match &config.trusted_ip_header {
                Some(header) => format!(" (cognito.trusted_ip_header = \"{header}\")"),
                None => String::new(),
            }
        ))
    }
}

impl super::connection::CognitoClient {
    /// What the app client and its pool are, read at launch to check the settings against.
    /// What the app client's settings mean for this site (DescribeUserPoolClient, which needs
    /// AWS credentials allowed to call it).
    /// With `passkeys`, the pool's passkey settings too (one more call).
    pub(crate) async fn describe(&self, passkeys: bool) -> Result<ClientFacts, Error> {
        use cip::types::{PreventUserExistenceErrorTypes as Prevent, TimeUnitsType as Unit};
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return Ok(offline.describe());
        }
        let out = (self.client.describe_user_pool_client())
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .send()
            .instrument(super::observe::span("DescribeUserPoolClient"))
            .await
            .map_err(|e| sdk_error(e, |_, _| None))?;
        let Some(client) = out.user_pool_client else {
            return Ok(ClientFacts::default());
        };
        // RefreshTokenValidity counts the unit TokenValidityUnits gives (days when it gives none:
        // CreateUserPoolClient reference).
        let unit = client.token_validity_units.as_ref().and_then(|u| u.refresh_token.clone());
        let seconds = match unit {
            Some(Unit::Seconds) => 1,
            Some(Unit::Minutes) => 60,
            Some(Unit::Hours) => 3600,
            _ => 24 * 3600,
        };
        let refresh_token_validity = (client.refresh_token_validity > 0)
            .then(|| Duration::from_secs(u64::try_from(client.refresh_token_validity).unwrap_or(0) * seconds));
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
        // ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH,
        // ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH."
        let auth_flows = match client.explicit_auth_flows.as_deref() {
            Some(flows) if !flows.is_empty() => flows.iter().map(|f| f.as_str().to_owned()).collect(),
            _ => strings(&["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]),
        };
        let oauth_flows = match client.allowed_o_auth_flows_user_pool_client {
            Some(true) => {
                client.allowed_o_auth_flows.unwrap_or_default().iter().map(|f| f.as_str().to_owned()).collect()
            }
            _ => Vec::new(),
        };
        let secret_matches = match (&client.client_secret, &self.client_secret) {
            (Some(theirs), Some(ours)) => {
                Some(bool::from(subtle::ConstantTimeEq::ct_eq(theirs.as_bytes(), ours.expose().as_bytes())))
            }
            _ => None,
        };
        let mut facts = ClientFacts {
            prevents_user_existence_errors: client.prevent_user_existence_errors.map(|p| p == Prevent::Enabled),
            token_revocation: client.enable_token_revocation,
            refresh_token_validity,
            has_secret: Some(client.client_secret.is_some()),
            secret_matches,
            read_attributes: Some(client.read_attributes.unwrap_or_default()),
            write_attributes: Some(client.write_attributes.unwrap_or_default()),
            auth_flows: Some(auth_flows),
            oauth_flows: Some(oauth_flows),
            oauth_scopes: Some(client.allowed_o_auth_scopes.unwrap_or_default()),
            propagates_ip: Some(client.enable_propagate_additional_user_context_data.unwrap_or(false)),
            ..ClientFacts::default()
        };
        // Without the permission, or from a Cognito that does not say: the settings stand.
        let pool = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.pool_id)
            .send()
            .instrument(super::observe::span("DescribeUserPool"))
            .await
            .ok();
        if let Some(pool) = pool.and_then(|out| out.user_pool) {
            facts.issuer = pool.issuer_configuration.and_then(|c| c.r#type).map(|kind| match kind {
                cip::types::IssuerType::Updated => crate::config::Issuer::Updated,
                _ => crate::config::Issuer::Original,
            });
            facts.tier = pool.user_pool_tier.and_then(|tier| match tier {
                cip::types::UserPoolTierType::Lite => Some(Tier::Lite),
                cip::types::UserPoolTierType::Essentials => Some(Tier::Essentials),
                cip::types::UserPoolTierType::Plus => Some(Tier::Plus),
                _ => None,
            });
            facts.first_factors = (pool.policies.and_then(|p| p.sign_in_policy))
                .and_then(|p| p.allowed_first_auth_factors)
                .map(|factors| factors.iter().map(|f| f.as_str().to_owned()).collect());
            facts.threat_protection = (pool.user_pool_add_ons)
                .map(|add_ons| add_ons.advanced_security_mode != cip::types::AdvancedSecurityModeType::Off);
            let region = self.pool_id.split('_').next().unwrap_or_default();
            facts.domain = (pool.custom_domain.filter(|d| !d.is_empty())).or_else(|| {
                pool.domain.filter(|d| !d.is_empty()).map(|d| format!("{d}.auth.{region}.amazoncognito.com"))
            });
        }
        if passkeys {
            let mfa = (self.client.get_user_pool_mfa_config())
                .user_pool_id(&self.pool_id)
                .send()
                .instrument(super::observe::span("GetUserPoolMfaConfig"))
                .await
                .ok();
            facts.passkeys = mfa.map(|out| {
                let webauthn = out.web_authn_configuration;
                let rp = webauthn.as_ref().and_then(|w| w.relying_party_id.clone()).filter(|r| !r.is_empty());
                let uv = webauthn.and_then(|w| w.user_verification).map(|uv| uv.as_str().to_owned());
                (rp, uv)
            });
        }
        Ok(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        use rocket::figment::providers::{Format, Toml};
        let toml = format!(
            "[cognito]\nuser_pool_id = \"eu-west-1_Abc\"\napp_client_id = \"client\"\n\
             attr_mapping = {{ email = \"email\", \"custom:api_key\" = \"api_key\" }}\n{extra}"
        );
        Config::from_figment(&rocket::figment::Figment::from(Toml::string(&toml))).unwrap()
    }

    fn strings(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|a| (*a).to_owned()).collect())
    }

    #[test]
    fn mapped_attributes_the_app_client_may_not_read_are_named() {
        let config = config("");
        let facts =
            |read: Option<&[&str]>| ClientFacts { read_attributes: read.and_then(strings), ..Default::default() };
        // Without ReadAttributes only the standard attributes; with them, those listed.
        assert_eq!(facts(Some(&[])).unreadable(&config), ["custom:api_key"]);
        assert_eq!(facts(Some(&["custom:api_key"])).unreadable(&config), ["email", "email_verified"]);
        assert_eq!(
            facts(Some(&["email", "custom:api_key"])).unreadable(&config),
            ["email_verified"],
            "the row keeps it"
        );
        assert!(facts(Some(&["email", "email_verified", "custom:api_key"])).unreadable(&config).is_empty());
        assert!(facts(None).unreadable(&config).is_empty(), "unknown: nothing said");
    }

    #[test]
    fn a_flow_the_client_does_not_allow_is_refused_naming_the_setting_and_the_clients_flows() {
        let facts = ClientFacts {
            auth_flows: strings(&["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
            ..Default::default()
        };
        assert_eq!(facts.refusal(&config("")), None);
        for flow in ["user_password", "admin_user_password", "user_auth"] {
            let refusal = facts.refusal(&config(&format!("auth_flow = \"{flow}\""))).expect(flow);
            assert!(refusal.contains(&format!("cognito.auth_flow = \"{flow}\"")), "{refusal}");
            assert!(refusal.contains("[ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]"), "{refusal}");
        }
        let legacy = ClientFacts { auth_flows: strings(&["USER_PASSWORD_AUTH"]), ..Default::default() };
        assert_eq!(legacy.refusal(&config("auth_flow = \"user_password\"")), None, "the legacy name counts");
    }

    #[test]
    fn user_auth_needs_the_essentials_plan_and_a_passwordless_first_factor() {
        let user_auth = config("auth_flow = \"user_auth\"");
        let lite = ClientFacts { tier: Some(Tier::Lite), ..Default::default() };
        let refusal = lite.refusal(&user_auth).unwrap();
        assert!(refusal.contains("Essentials") && refusal.contains("on Lite"), "{refusal}");
        assert_eq!(lite.refusal(&config("")), None, "SRP needs no plan");
        let password_only = ClientFacts { first_factors: strings(&["PASSWORD"]), ..Default::default() };
        let refusal = password_only.refusal(&user_auth).unwrap();
        assert!(refusal.contains("AllowedFirstAuthFactors: [PASSWORD]"), "{refusal}");
        let mailed = ClientFacts {
            tier: Some(Tier::Essentials),
            first_factors: strings(&["PASSWORD", "EMAIL_OTP"]),
            ..Default::default()
        };
        assert_eq!(mailed.refusal(&user_auth), None);
        let passkeys = ClientFacts { first_factors: strings(&["PASSWORD", "WEB_AUTHN"]), ..Default::default() };
        assert_eq!(passkeys.refusal(&user_auth), None, "a passkey is a first factor without a password");
    }

    #[test]
    fn a_passkey_origin_must_be_on_the_pools_relying_party() {
        let site = config("passkey_origin = \"https://app.example.com\"");
        let on = |rp: Option<&str>, domain: Option<&str>| ClientFacts {
            tier: Some(Tier::Essentials),
            domain: domain.map(str::to_owned),
            passkeys: Some((rp.map(str::to_owned), None)),
            ..Default::default()
        };
        assert_eq!(on(Some("example.com"), None).refusal(&site), None, "a parent domain");
        assert_eq!(on(Some("app.example.com"), None).refusal(&site), None, "the host itself");
        let refusal = on(Some("other.example"), None).refusal(&site).unwrap();
        assert!(refusal.contains("https://app.example.com") && refusal.contains("other.example"), "{refusal}");
        // No relying party set: the pool's domain stands for it, as Cognito does.
        let hosted = on(None, Some("myapp.auth.eu-west-1.amazoncognito.com")).refusal(&site).unwrap();
        assert!(hosted.contains("myapp.auth.eu-west-1.amazoncognito.com"), "{hosted}");
        assert!(on(None, None).refusal(&site).unwrap().contains("no passkey relying party"));
        let lite = ClientFacts { tier: Some(Tier::Lite), ..on(Some("example.com"), None) };
        assert!(lite.refusal(&site).unwrap().contains("Essentials"));
        assert_eq!(on(Some("other.example"), None).refusal(&config("")), None, "unset: nothing checked");
        assert_eq!(ClientFacts::default().refusal(&site), None, "the settings unread: nothing checked");
    }

    #[test]
    fn managed_login_needs_the_code_grant_its_scopes_and_their_attributes() {
        let hosted = config("domain = \"myapp\"\nredirect_uri = \"https://site.example/auth/callback\"");
        let scopes = ["openid", "email", "profile", "aws.cognito.signin.user.admin"];
        let fine = ClientFacts {
            oauth_flows: strings(&["code"]),
            oauth_scopes: strings(&scopes),
            read_attributes: strings(&["email", "email_verified"]),
            ..Default::default()
        };
        assert_eq!(fine.refusal(&hosted), None);
        assert_eq!(ClientFacts { oauth_flows: strings(&[]), ..fine.clone() }.refusal(&config("")), None, "no domain");
        let implicit = ClientFacts { oauth_flows: strings(&["implicit"]), ..fine.clone() }.refusal(&hosted).unwrap();
        assert!(implicit.contains("authorization-code grant") && implicit.contains("[implicit]"), "{implicit}");
        let narrow =
            ClientFacts { oauth_scopes: strings(&["openid", "email"]), ..fine.clone() }.refusal(&hosted).unwrap();
        assert!(narrow.contains("cognito.scopes asks for [profile, aws.cognito.signin.user.admin]"), "{narrow}");
        let unread = ClientFacts { read_attributes: strings(&["email"]), ..fine.clone() }.refusal(&hosted).unwrap();
        assert!(unread.contains("cognito.scopes") && unread.contains("[email_verified]"), "{unread}");
    }

    #[test]
    fn a_wrong_secret_is_refused_and_a_dropped_address_is_told() {
        let facts = ClientFacts { has_secret: Some(true), secret_matches: Some(false), ..Default::default() };
        let refusal = facts.refusal(&config("app_client_secret = \"wrong\"")).unwrap();
        assert!(refusal.contains("cognito.app_client_secret is not the client secret"), "{refusal}");
        let dropping = ClientFacts { propagates_ip: Some(false), has_secret: Some(false), ..Default::default() };
        assert_eq!(dropping.dropped_address(&config("")), None, "nothing asks for the address");
        let why = dropping.dropped_address(&config("trusted_ip_header = \"X-Forwarded-For\"")).unwrap();
        assert!(why.contains("EnablePropagateAdditionalUserContextData") && why.contains("client secret"), "{why}");
        let essentials = ClientFacts { tier: Some(Tier::Essentials), ..Default::default() };
        let why = essentials.unprotected_address(&config("trusted_ip_header = \"X-Real-IP\"")).unwrap();
        assert!(why.contains("Plus plan") && why.contains("on Essentials"), "{why}");
        assert_eq!(essentials.unprotected_address(&config("")), None);
        let plus = ClientFacts { tier: Some(Tier::Plus), ..Default::default() };
        assert_eq!(plus.unprotected_address(&config("trusted_ip_header = \"X-Real-IP\"")), None);
        let protected = ClientFacts { threat_protection: Some(true), ..dropping.clone() };
        assert!(protected.dropped_address(&config("")).is_some());
        assert_eq!(protected.dropped_address(&config("auth_flow = \"admin_user_password\"")), None, "ContextData");
    }

    #[test]
    fn authorization_attributes_the_app_client_may_write_are_named() {
        let toml = r#"
            [cognito]
            user_pool_id = "eu-west-1_Abc"
            app_client_id = "client"
            authorization_attributes = ["custom:api_key", "custom:tenant", "zoneinfo"]
        "#;
        use rocket::figment::providers::{Format, Toml};
        let figment = rocket::figment::Figment::from(Toml::string(toml));
        let config = Config::from_figment(&figment).unwrap();
        let facts = |write: Option<&[&str]>| ClientFacts {
            write_attributes: write.map(|w| w.iter().map(|a| (*a).to_owned()).collect()),
            ..ClientFacts::default()
        };
        // Without WriteAttributes the standard attributes are writable; with them, those listed.
        assert_eq!(facts(Some(&[])).writable_authorization(&config), ["zoneinfo"]);
        assert_eq!(facts(Some(&["email", "custom:api_key"])).writable_authorization(&config), ["custom:api_key"]);
        assert!(facts(Some(&["email", "given_name"])).writable_authorization(&config).is_empty());
        assert!(facts(None).writable_authorization(&config).is_empty(), "unknown: nothing said");
    }
}
