//! The Cognito emulator and user pools on it: the emulator `./scripts/test` started, or one this
//! process starts; admin clients; a fresh pool per test with its users, groups and MFA.

use aws_sdk_cognitoidentityprovider as cip;
use cip::types::{AttributeType, ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType};
use serde_json::{json, Value};

use super::{skip, unique, Authenticator};

pub const REGION: &str = "eu-west-1";

/// The Cognito emulator: the one `./scripts/test` started (`COGNITO_EMULATOR_URL`), or else one
/// this test process starts from the virtualenv an earlier `./scripts/test` installed (`.venv`),
/// stopped with the process; `None`, the skip said, when neither can be had.
pub fn emulator() -> Option<String> {
    static STARTED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Ok(url) = std::env::var("COGNITO_EMULATOR_URL") {
        return Some(url);
    }
    let url = STARTED.get_or_init(start_emulator).clone();
    if url.is_none() {
        skip("a test that needs the Cognito emulator (COGNITO_EMULATOR_URL unset, no .venv with moto)");
    }
    url
}

/// Starts the emulator, the package `scripts/cognito_emulator/` (`python -m cognito_emulator` with
/// `scripts` on `PYTHONPATH`), with the virtualenv's Python, on a free port; it exits when this
/// process does.
fn start_emulator() -> Option<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    let installed = std::fs::read_dir(root.join(".venv"))
        .ok()?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(".moto-"));
    if !installed || !python.exists() {
        return None;
    }
    let port_file = std::env::temp_dir().join(format!("rocket-warrant-emulator-{}.url", std::process::id()));
    let _ = std::fs::remove_file(&port_file);
    std::process::Command::new(python)
        .env("PYTHONPATH", root.join("scripts"))
        .args(["-m", "cognito_emulator"])
        .args(["--port", "0", "--parent-pid", &std::process::id().to_string(), "--port-file"])
        .arg(&port_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..150 {
        if let Ok(url) = std::fs::read_to_string(&port_file) {
            if !url.is_empty() {
                return Some(url);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

/// The emulator's URL, for a test that already knows it has one ([`need_emulator!`]).
pub fn emulator_url() -> String {
    emulator().expect("the Cognito emulator: the test should start with need_emulator!()")
}

/// Returns from the calling test (skipped, or failed where nothing may be skipped) when there is
/// no Cognito emulator.
#[macro_export]
macro_rules! need_emulator {
    () => {
        if $crate::common::emulator().is_none() {
            return;
        }
    };
}

/// AWS settings for admin clients of the emulator (dummy credentials, no retries).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(emulator_url())
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "test"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

/// An admin client of the emulator's Cognito.
pub async fn admin() -> cip::Client {
    cip::Client::new(&sdk_config().await)
}

/// A fresh user pool with one app client.
pub struct Pool {
    pub admin: cip::Client,
    pub pool_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// One of the emulator's own routes (not Cognito's): its answer's body, after a 200.
async fn emulator_route(method: &str, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = emulator_url();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("the emulator answers");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// A request to the emulator's HTTP endpoints beside the API (managed login's): the status and
/// the body, whatever the status.
pub async fn emulator_http(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = emulator_url();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("the emulator answers");
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let request =
        format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\n{extra}Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, body.to_owned())
}

/// The attributes django-warrant's tests give their user.
pub fn dw_attributes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("email", "test@email.com"),
        ("email_verified", "true"),
        ("gender", "male"),
        ("name", "Test User"),
        ("preferred_username", "testuser"),
        ("given_name", "FirstName"),
        ("family_name", "LastName"),
        ("custom:api_key", "abcdefg"),
        ("custom:api_key_id", "ab-1234"),
    ]
}

/// The sign-in flows the tests' app clients allow (and ALLOW_REFRESH_TOKEN_AUTH, but not with
/// rotation).
const SIGN_IN_FLOWS: [ExplicitAuthFlowsType; 3] = [
    ExplicitAuthFlowsType::AllowUserSrpAuth,
    ExplicitAuthFlowsType::AllowUserPasswordAuth,
    ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
];

/// What the tests' app clients may read: the standard attributes and the two custom ones
/// (without ReadAttributes an app client reads no custom attribute).
pub const READ_ATTRIBUTES: [&str; 21] = [
    "address",
    "birthdate",
    "middle_name",
    "picture",
    "profile",
    "website",
    "zoneinfo",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "name",
    "given_name",
    "family_name",
    "gender",
    "preferred_username",
    "nickname",
    "locale",
    "updated_at",
    "custom:api_key",
    "custom:api_key_id",
];

/// What the tests' app clients may write: what they read, but the `_verified` flags, which only
/// an administrator sets (a client listing none may write the standard attributes alone).
pub fn write_attributes() -> impl Iterator<Item = &'static str> {
    READ_ATTRIBUTES.into_iter().filter(|a| !a.ends_with("_verified"))
}

pub type UpdateClient =
    aws_sdk_cognitoidentityprovider::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder;

/// django-warrant's user with the rest of a filled-in profile: a user whose ID token is of the
/// size Cognito's users report ([`COGNITO_TOKEN_SIZES`](rocket_warrant::testing::COGNITO_TOKEN_SIZES)`.id`).
pub fn full_profile() -> Vec<(&'static str, &'static str)> {
    let mut attributes = dw_attributes();
    attributes.extend([
        ("phone_number", "+15555550123"),
        ("phone_number_verified", "true"),
        ("middle_name", "Middle"),
        ("nickname", "tester"),
        ("birthdate", "1990-01-31"),
        ("locale", "en-GB"),
        ("zoneinfo", "Europe/London"),
        ("address", "1 Example Street, Springfield"),
        ("website", "https://example.com/testuser"),
        ("updated_at", "1700000000"),
    ]);
    attributes
}

impl Pool {
    pub async fn new(with_secret: bool) -> Pool {
        let admin = admin().await;
        let mut create = admin.create_user_pool().pool_name(format!("pool-{}", unique()));
        for name in ["api_key", "api_key_id"] {
            create = create.schema(
                SchemaAttributeType::builder()
                    .name(name)
                    .attribute_data_type(cip::types::AttributeDataType::String)
                    .mutable(true)
                    .build(),
            );
        }
        let pool = create.send().await.expect("create_user_pool");
        let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_owned();
        let mut client =
            admin.create_user_pool_client().user_pool_id(&pool_id).client_name("app").generate_secret(with_secret);
        for flow in SIGN_IN_FLOWS.into_iter().chain([ExplicitAuthFlowsType::AllowRefreshTokenAuth]) {
            client = client.explicit_auth_flows(flow);
        }
        for attribute in READ_ATTRIBUTES {
            client = client.read_attributes(attribute);
        }
        for attribute in write_attributes() {
            client = client.write_attributes(attribute);
        }
        let client = client.send().await.expect("create_user_pool_client");
        let client = client.user_pool_client().expect("client");
        Pool {
            admin,
            pool_id,
            client_id: client.client_id().expect("client id").to_owned(),
            client_secret: client.client_secret().map(str::to_owned),
        }
    }

    /// Turns refresh-token rotation on for the app client, the rotated-out token kept for
    /// `grace_secs`, and REFRESH_TOKEN_AUTH off, as Cognito requires of a rotating client.
    pub async fn enable_rotation(&self, grace_secs: i32) {
        let rotation = cip::types::RefreshTokenRotationType::builder()
            .feature(cip::types::FeatureType::Enabled)
            .retry_grace_period_seconds(grace_secs)
            .build()
            .unwrap();
        let mut update = self.admin.update_user_pool_client().user_pool_id(&self.pool_id).client_id(&self.client_id);
        for flow in SIGN_IN_FLOWS {
            update = update.explicit_auth_flows(flow);
        }
        for attribute in READ_ATTRIBUTES {
            update = update.read_attributes(attribute);
        }
        for attribute in write_attributes() {
            update = update.write_attributes(attribute);
        }
        update.refresh_token_rotation(rotation).send().await.expect("update_user_pool_client");
    }

    /// UpdateUserPoolClient with `change`, the tests' flows and read attributes sent again:
    /// Cognito resets whatever an update leaves out (its reference), and so does the emulator.
    pub async fn update_client(&self, change: impl FnOnce(UpdateClient) -> UpdateClient) {
        let mut update = self.admin.update_user_pool_client().user_pool_id(&self.pool_id).client_id(&self.client_id);
        for flow in SIGN_IN_FLOWS.into_iter().chain([ExplicitAuthFlowsType::AllowRefreshTokenAuth]) {
            update = update.explicit_auth_flows(flow);
        }
        for attribute in READ_ATTRIBUTES {
            update = update.read_attributes(attribute);
        }
        for attribute in write_attributes() {
            update = update.write_attributes(attribute);
        }
        change(update).send().await.expect("update_user_pool_client");
    }

    /// A confirmed user with a permanent password.
    pub async fn add_user(&self, username: &str, password: &str, attributes: &[(&str, &str)]) {
        let mut create = self
            .admin
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .message_action(MessageActionType::Suppress);
        for (name, value) in attributes {
            create = create.user_attributes(AttributeType::builder().name(*name).value(*value).build().unwrap());
        }
        create.send().await.expect("admin_create_user");
        self.admin
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(username)
            .password(password)
            .permanent(true)
            .send()
            .await
            .expect("admin_set_user_password");
    }

    /// A resource server `orders` with the scopes `orders/read` and `orders/write`, and a
    /// machine client (a secret, the client-credentials grant) allowed `scopes`: its id and secret.
    pub async fn machine_client(&self, scopes: &[&str]) -> (String, String) {
        let scope = |name: &str| {
            cip::types::ResourceServerScopeType::builder().scope_name(name).scope_description(name).build().unwrap()
        };
        let server =
            self.admin.create_resource_server().user_pool_id(&self.pool_id).identifier("orders").name("Orders");
        // A second call for the same pool finds it made.
        let _ = server.scopes(scope("read")).scopes(scope("write")).send().await;
        let mut client = (self.admin.create_user_pool_client())
            .user_pool_id(&self.pool_id)
            .client_name("machine")
            .generate_secret(true)
            .allowed_o_auth_flows(cip::types::OAuthFlowType::ClientCredentials)
            .allowed_o_auth_flows_user_pool_client(true);
        for scope in scopes {
            client = client.allowed_o_auth_scopes(*scope);
        }
        let client = client.send().await.expect("create_user_pool_client").user_pool_client.unwrap();
        (client.client_id.unwrap(), client.client_secret.unwrap())
    }

    /// An app client of managed login: the code grant, the scopes the crate asks for by default,
    /// `callback` and `logout` registered, the pool's own users and a `Google` provider; its id
    /// and its secret (`with_secret`).
    pub async fn hosted_client(&self, callback: &str, logout: &str, with_secret: bool) -> (String, Option<String>) {
        let mut client = (self.admin.create_user_pool_client())
            .user_pool_id(&self.pool_id)
            .client_name("hosted")
            .generate_secret(with_secret)
            .allowed_o_auth_flows(cip::types::OAuthFlowType::Code)
            .allowed_o_auth_flows_user_pool_client(true)
            .callback_urls(callback)
            .logout_urls(logout)
            .supported_identity_providers("COGNITO")
            .supported_identity_providers("Google");
        for scope in ["openid", "email", "profile", "aws.cognito.signin.user.admin"] {
            client = client.allowed_o_auth_scopes(scope);
        }
        for attribute in READ_ATTRIBUTES {
            client = client.read_attributes(attribute);
        }
        let client = client.send().await.expect("create_user_pool_client").user_pool_client.unwrap();
        (client.client_id.unwrap(), client.client_secret)
    }

    /// The client-credentials grant at the emulator's token endpoint (HTTP Basic): the status
    /// and the answer's JSON.
    pub async fn client_credentials(&self, client_id: &str, secret: &str, scope: Option<&str>) -> (u16, Value) {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        let body = match scope {
            Some(scope) => {
                format!("grant_type=client_credentials&scope={}", scope.replace('/', "%2F").replace(' ', "+"))
            }
            None => "grant_type=client_credentials".to_owned(),
        };
        let headers =
            [("Authorization", format!("Basic {basic}")), ("Content-Type", "application/x-www-form-urlencoded".into())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, body) = emulator_http("POST", "/oauth2/token", &headers, &body).await;
        (status, serde_json::from_str(&body).expect("the token endpoint answers JSON"))
    }

    /// Makes the pool remember devices (its DeviceConfiguration): each device at once, or only
    /// when the user says so (`on_prompt`).
    pub async fn remember_devices(&self, on_prompt: bool) {
        self.remember_devices_as(on_prompt, true).await;
    }

    /// [`Pool::remember_devices`], a remembered device standing in for the second factor only
    /// with `replaces_mfa` (ChallengeRequiredOnNewDevice).
    pub async fn remember_devices_as(&self, on_prompt: bool, replaces_mfa: bool) {
        let config = cip::types::DeviceConfigurationType::builder()
            .challenge_required_on_new_device(replaces_mfa)
            .device_only_remembered_on_user_prompt(on_prompt)
            .build();
        let update = self.admin.update_user_pool().user_pool_id(&self.pool_id).device_configuration(config);
        update.send().await.expect("update_user_pool");
    }

    /// What the emulator received of context and client metadata with each call carrying
    /// `marker` in its ClientMetadata (GET /_emulator/context; not a Cognito call), oldest first.
    pub async fn contexts(&self, marker: &str) -> Vec<serde_json::Value> {
        let all: Vec<serde_json::Value> =
            serde_json::from_str(&emulator_route("GET", "/_emulator/context", "").await).expect("JSON");
        all.into_iter().filter(|c| c["ClientMetadata"]["test"] == marker).collect()
    }

    /// Turns SMS MFA on for `username` (who needs a `phone_number`), as the user's preference.
    pub async fn enable_sms_mfa(&self, username: &str) {
        self.admin
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.pool_id)
            .username(username)
            .sms_mfa_settings(cip::types::SmsMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await
            .expect("admin_set_user_mfa_preference");
    }

    /// The codes the emulator texted to `username` of this pool, oldest first: what the user's
    /// phone shows (the emulator's outbox, GET /_emulator/sms; not a Cognito call).
    pub async fn texts(&self, username: &str) -> Vec<String> {
        let texts: Vec<serde_json::Value> =
            serde_json::from_str(&emulator_route("GET", "/_emulator/sms", "").await).expect("the outbox is JSON");
        texts
            .iter()
            .filter(|t| t["pool"] == self.pool_id.as_str() && t["username"] == username)
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The codes the emulator mailed (or texted) to `username` of this pool for `purpose`
    /// (`signup`, `reset`, `verify:email`, `mfa` for every sign-in's), oldest first: what the user's mailbox shows (the emulator's
    /// GET /_emulator/mail; not a Cognito call).
    pub async fn mail(&self, username: &str, purpose: &str) -> Vec<String> {
        let mail: Vec<serde_json::Value> =
            serde_json::from_str(&emulator_route("GET", "/_emulator/mail", "").await).expect("the mailbox is JSON");
        mail.iter()
            .filter(|m| m["pool"] == self.pool_id.as_str() && m["username"] == username)
            .filter(|m| {
                m["purpose"] == purpose || m["purpose"].as_str().is_some_and(|p| p.starts_with(&format!("{purpose}:")))
            })
            .map(|m| m["code"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The newest code of [`Pool::mail`].
    pub async fn newest_code(&self, username: &str, purpose: &str) -> String {
        self.mail(username, purpose).await.pop().unwrap_or_else(|| panic!("no {purpose} code for {username}"))
    }

    /// Makes Cognito verify users' email addresses (AutoVerifiedAttributes): a sign-up's code is
    /// mailed there, and a changed address takes effect once its code is given
    /// (AttributesRequireVerificationBeforeUpdate).
    pub async fn verify_emails(&self) {
        let hold = cip::types::UserAttributeUpdateSettingsType::builder()
            .attributes_require_verification_before_update(cip::types::VerifiedAttributeType::Email)
            .build();
        (self.admin.update_user_pool())
            .user_pool_id(&self.pool_id)
            .auto_verified_attributes(cip::types::VerifiedAttributeType::Email)
            .user_attribute_update_settings(hold)
            .send()
            .await
            .expect("update_user_pool");
    }

    /// Moves this pool's clock on by `secs`, as if that much time had passed: what lapses
    /// (challenge sessions, refresh tokens) lapses at once (the emulator's POST /_emulator/clock;
    /// not a Cognito call). Tokens are still minted on the real clock.
    pub async fn advance_clock(&self, secs: u64) {
        let asked = json!({ "pool": self.pool_id, "advance": secs }).to_string();
        emulator_route("POST", "/_emulator/clock", &asked).await;
    }

    /// Puts `username` in `group`, creating the group.
    pub async fn add_to_group(&self, username: &str, group: &str) {
        let _ = self.admin.create_group().user_pool_id(&self.pool_id).group_name(group).send().await;
        self.admin
            .admin_add_user_to_group()
            .user_pool_id(&self.pool_id)
            .username(username)
            .group_name(group)
            .send()
            .await
            .expect("admin_add_user_to_group");
    }

    /// A user who must still choose a password (Cognito answers NEW_PASSWORD_REQUIRED).
    pub async fn add_user_with_temporary_password(&self, username: &str, password: &str) {
        self.admin
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .temporary_password(password)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("admin_create_user");
    }

    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{REGION}.amazonaws.com/{}", self.pool_id)
    }

    /// The `[cognito]` settings for this pool, against the emulator.
    pub fn settings(&self) -> Value {
        let mut settings = json!({
            "user_pool_id": self.pool_id,
            "app_client_id": self.client_id,
            "endpoint_url": emulator_url(),
            // No jwks_url: with endpoint_url the keys are fetched beside the emulator's API.
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "max_attempts": 1,
            "cognito_timeout_secs": 5,
            // The site's limits in front of Cognito out of the way of tests that go past
            // Cognito's own quotas, or sign one user in many times; tests/limits.rs sets its own.
            "limits": {
                "per_address": { "attempts": 0, "window_secs": 60 },
                "per_username": { "attempts": 0, "window_secs": 60 },
                "per_account": { "attempts": 0, "window_secs": 60 },
            },
            // Rocket's local client speaks plain http: cookies without Secure, named as set
            // (the default, Secure and `__Host-`, has its own tests).
            "cookie_secure": false,
            "attr_mapping": {
                "email": "email",
                "given_name": "first_name",
                "family_name": "last_name",
                "custom:api_key": "api_key",
                "custom:api_key_id": "api_key_id",
            },
        });
        if let Some(secret) = &self.client_secret {
            settings["app_client_secret"] = json!(secret);
        }
        settings
    }
}

impl Pool {
    /// Makes MFA required in the pool, by authenticator app: users without one enrol at sign-in.
    pub async fn require_totp(&self) {
        self.admin
            .set_user_pool_mfa_config()
            .user_pool_id(&self.pool_id)
            .software_token_mfa_configuration(cip::types::SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .mfa_configuration(cip::types::UserPoolMfaType::On)
            .send()
            .await
            .expect("set_user_pool_mfa_config");
    }

    /// Makes MFA required in the pool, by text message (and by authenticator app).
    pub async fn require_sms_mfa(&self) {
        let sms = cip::types::SmsConfigurationType::builder()
            .sns_caller_arn("arn:aws:iam::123456789012:role/cognito-sms")
            .build();
        self.admin
            .set_user_pool_mfa_config()
            .user_pool_id(&self.pool_id)
            .sms_mfa_configuration(cip::types::SmsMfaConfigType::builder().sms_configuration(sms).build())
            .software_token_mfa_configuration(cip::types::SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .mfa_configuration(cip::types::UserPoolMfaType::On)
            .send()
            .await
            .expect("set_user_pool_mfa_config");
    }

    /// Makes MFA optional in the pool, by authenticator app or by email (EmailMfaConfiguration),
    /// its email sent by Amazon SES as email MFA needs (UpdateUserPool resets the pool's other
    /// settings: call it first).
    pub async fn offer_email_mfa(&self) {
        let ses = cip::types::EmailConfigurationType::builder()
            .email_sending_account(cip::types::EmailSendingAccountType::Developer)
            .source_arn("arn:aws:ses:eu-west-1:123456789012:identity/example.com")
            .build();
        (self.admin.update_user_pool())
            .user_pool_id(&self.pool_id)
            .email_configuration(ses)
            .send()
            .await
            .expect("update_user_pool");
        let email = cip::types::EmailMfaConfigType::builder().message("Your code is {####}").subject("Code").build();
        (self.admin.set_user_pool_mfa_config())
            .user_pool_id(&self.pool_id)
            .mfa_configuration(cip::types::UserPoolMfaType::Optional)
            .software_token_mfa_configuration(cip::types::SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .email_mfa_configuration(email)
            .send()
            .await
            .expect("set_user_pool_mfa_config");
    }

    /// Turns a user's texted (`sms`) and mailed (`email`) codes on or off, preferring neither
    /// (with both on, the user chooses at each sign-in) or the one on alone.
    pub async fn set_factors(&self, username: &str, sms: bool, email: bool) {
        let alone = sms != email;
        (self.admin.admin_set_user_mfa_preference())
            .user_pool_id(&self.pool_id)
            .username(username)
            .email_mfa_settings(
                cip::types::EmailMfaSettingsType::builder().enabled(email).preferred_mfa(email && alone).build(),
            )
            .sms_mfa_settings(
                cip::types::SmsMfaSettingsType::builder().enabled(sms).preferred_mfa(sms && alone).build(),
            )
            .send()
            .await
            .expect("admin_set_user_mfa_preference");
    }

    /// Turns on authenticator-app MFA for a user, as the user would: associate a secret with
    /// their access token, prove a code, prefer it. Returns the secret.
    pub async fn enable_totp(&self, access_token: &str) -> Authenticator {
        let secret = self
            .admin
            .associate_software_token()
            .access_token(access_token)
            .send()
            .await
            .expect("associate_software_token")
            .secret_code()
            .unwrap()
            .to_owned();
        let app = Authenticator::new(&secret);
        let code = app.code().await;
        self.admin
            .verify_software_token()
            .access_token(access_token)
            .user_code(code)
            .send()
            .await
            .expect("verify_software_token");
        self.admin
            .set_user_mfa_preference()
            .access_token(access_token)
            .software_token_mfa_settings(
                cip::types::SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build(),
            )
            .send()
            .await
            .expect("set_user_mfa_preference");
        app
    }
}
