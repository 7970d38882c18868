//! Test harness: user pools on the Cognito emulator that `./scripts/test` starts, and the three
//! real stores (a SQLite file, a PostgreSQL database and a MySQL database of its own per test).
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider as cip;
use cip::types::{AttributeType, ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType};
use rocket::figment::Figment;
use rocket::{Build, Ignite, Rocket};
use rocket_db_pools::Database;
use rocket_warrant::testing::Clock;
use rocket_warrant::{Cognito, MysqlPool, PgPool, SqlitePool};
use serde_json::{json, Value};

pub const REGION: &str = "eu-west-1";

/// The emulator `./scripts/test` started.
pub fn emulator_url() -> String {
    std::env::var("COGNITO_EMULATOR_URL")
        .expect("COGNITO_EMULATOR_URL is not set: run the tests with ./scripts/test, which starts the Cognito emulator")
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
        for flow in [
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ] {
            client = client.explicit_auth_flows(flow);
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
    /// `grace_secs` (UpdateUserPoolClient's RefreshTokenRotation; the other settings sent again,
    /// as Cognito resets what an update leaves out).
    pub async fn enable_rotation(&self, grace_secs: i32) {
        let mut update = self.admin.update_user_pool_client().user_pool_id(&self.pool_id).client_id(&self.client_id);
        for flow in [
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ] {
            update = update.explicit_auth_flows(flow);
        }
        let rotation = cip::types::RefreshTokenRotationType::builder()
            .feature(cip::types::FeatureType::Enabled)
            .retry_grace_period_seconds(grace_secs)
            .build()
            .unwrap();
        update.refresh_token_rotation(rotation).send().await.expect("update_user_pool_client");
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
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let url = emulator_url();
        let host = url.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = tokio::net::TcpStream::connect(host).await.expect("the emulator answers");
        let request = format!("GET /_emulator/sms HTTP/1.0\r\nHost: {host}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
        let texts: Vec<serde_json::Value> = serde_json::from_str(body).expect("the outbox is JSON");
        texts
            .iter()
            .filter(|t| t["pool"] == self.pool_id.as_str() && t["username"] == username)
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect()
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
            "jwks_url": format!("{}/{}/.well-known/jwks.json", emulator_url(), self.pool_id),
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "max_attempts": 1,
            "cognito_timeout_secs": 5,
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

/// Cognito's SECRET_HASH, `Base64(HMAC-SHA256(secret, username + client_id))`, computed here
/// independently of the crate.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A user's authenticator app (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) for a base32 secret.
/// Like the emulator (and RFC 6238, section 5.2), it never gives one code twice: a code is
/// spent once used, so [`Authenticator::code`] waits for the next step when this one's code was
/// handed out already. It also waits out the last seconds of a step, so the emulator checks the
/// code in the step it was made for.
pub struct Authenticator {
    secret: String,
    last_step: std::sync::Mutex<Option<u64>>,
}

impl Authenticator {
    pub fn new(secret: &str) -> Authenticator {
        Authenticator { secret: secret.to_owned(), last_step: std::sync::Mutex::new(None) }
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// A code of a step this authenticator has not handed out before.
    pub async fn code(&self) -> String {
        let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let last = *self.last_step.lock().unwrap();
        if now() % 30 >= 26 || last.is_some_and(|last| now() / 30 <= last) {
            tokio::time::sleep(std::time::Duration::from_secs(31 - now() % 30)).await;
        }
        let step = now() / 30;
        *self.last_step.lock().unwrap() = Some(step);
        totp_at(&self.secret, step)
    }

    /// A code that is wrong now: the right one's neighbour (not handed out, nothing spent).
    pub fn wrong_code(&self) -> String {
        let step = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30;
        let right: u32 = totp_at(&self.secret, step).parse().unwrap();
        format!("{:06}", (right + 1) % 1_000_000)
    }
}

fn totp_at(secret_base32: &str, step: u64) -> String {
    use hmac::{Hmac, Mac};
    let mut key = Vec::new();
    let (mut bits, mut value) = (0u32, 0u32);
    for c in secret_base32.bytes().filter(|&c| c != b'=') {
        let digit = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            other => panic!("not base32: {}", other as char),
        };
        value = (value << 5) | u32::from(digit);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let at = usize::from(hash[19] & 0x0f);
    let code = u32::from_be_bytes([hash[at] & 0x7f, hash[at + 1], hash[at + 2], hash[at + 3]]) % 1_000_000;
    format!("{code:06}")
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

/// The claims of a JWT, its signature unchecked (for looking at what the emulator issued).
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON claims")
}

/// A process-unique suffix.
pub fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}{}{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

/// Which real database holds the local users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
            StoreKind::Mysql => "mysql",
        }
    }
}

#[derive(Database)]
#[database("users")]
pub struct SqliteUsers(SqlitePool);

#[derive(Database)]
#[database("users")]
pub struct PgUsers(PgPool);

#[derive(Database)]
#[database("users")]
pub struct MysqlUsers(MysqlPool);

/// A fresh, empty database of `kind`: its URL, or `None` when that server is not reachable.
/// `./scripts/test` sets `ROCKET_WARRANT_TEST_PG` and `ROCKET_WARRANT_TEST_MYSQL`; without them a
/// server answering at its usual local address (as `./scripts/test` would start it) is used. In
/// CI a missing server fails the test: a store test must never pass by not running; elsewhere
/// the skip is written straight to the terminal (past the test harness's capture of passing
/// tests' output), not counted quietly as a pass.
pub async fn database_url(kind: StoreKind) -> Option<String> {
    let server = |var: &str, local: &str, port: u16| {
        if let Ok(url) = std::env::var(var) {
            return Some(url);
        }
        if std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), std::time::Duration::from_millis(300))
            .is_ok()
        {
            return Some(local.to_owned());
        }
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{var} is unset in CI: the {} store tests must run (./scripts/test sets it)", kind.name())
        }
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: a {} store test, no server at 127.0.0.1:{port} ({var} unset): ./scripts/test starts one",
            kind.name()
        );
        None
    };
    let name = format!("rw_test_{}", unique());
    match kind {
        StoreKind::Sqlite => {
            let dir = std::env::temp_dir().join("rocket_warrant_tests");
            std::fs::create_dir_all(&dir).unwrap();
            Some(format!("sqlite://{}", dir.join(format!("users-{}.sqlite", unique())).display()))
        }
        StoreKind::Postgres => {
            let server = server("ROCKET_WARRANT_TEST_PG", "postgres://postgres@127.0.0.1:5432", 5432)?;
            use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(&format!("{server}/postgres"))
                .await
                .expect("ROCKET_WARRANT_TEST_PG is set but PostgreSQL refused the connection");
            conn.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
            Some(format!("{server}/{name}"))
        }
        StoreKind::Mysql => {
            let server = server("ROCKET_WARRANT_TEST_MYSQL", "mysql://root@127.0.0.1:3306", 3306)?;
            use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};
            let mut conn = AsyncMysqlConnection::establish(&format!("{server}/mysql"))
                .await
                .expect("ROCKET_WARRANT_TEST_MYSQL is set but MySQL refused the connection");
            conn.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
            Some(format!("{server}/{name}"))
        }
    }
}

/// The tests' `secret_key`: the testing feature's, so that its helpers open what a test site seals.
pub fn secret_key() -> String {
    rocket_warrant::testing::TestPool::new().figment().extract_inner("secret_key").expect("a secret key")
}

/// A Rocket with the crate's fairing for `pool` on the store `kind`, settings overridden by
/// `overrides` (a JSON object merged into `[cognito]`).
pub fn rocket(kind: StoreKind, db_url: &str, settings: Value) -> Rocket<Build> {
    rocket_with_clock(kind, db_url, settings, None)
}

pub fn rocket_with_clock(
    kind: StoreKind,
    db_url: &str,
    settings: Value,
    clock: Option<Arc<dyn Clock>>,
) -> Rocket<Build> {
    // Built from defaults only, so the repository's Rocket.toml and ROCKET_* never leak in.
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", secret_key()))
        .merge(("cognito", settings))
        .merge(("databases.users", json!({ "url": db_url, "max_connections": 8, "connect_timeout": 5 })));
    let rocket = rocket::custom(figment);
    let with_clock = |fairing: rocket_warrant::CognitoFairing| match &clock {
        Some(c) => fairing.with_clock(c.clone()),
        None => fairing,
    };
    match kind {
        StoreKind::Sqlite => rocket.attach(SqliteUsers::init()).attach(with_clock(Cognito::fairing::<SqliteUsers>())),
        StoreKind::Postgres => rocket.attach(PgUsers::init()).attach(with_clock(Cognito::fairing::<PgUsers>())),
        StoreKind::Mysql => rocket.attach(MysqlUsers::init()).attach(with_clock(Cognito::fairing::<MysqlUsers>())),
    }
}

/// The ignited Rocket and its `Cognito`.
pub async fn ignite(kind: StoreKind, db_url: &str, settings: Value) -> (Rocket<Ignite>, Cognito) {
    let rocket = rocket(kind, db_url, settings).ignite().await.expect("ignite");
    let cognito = rocket.state::<Cognito>().expect("Cognito is managed").clone();
    (rocket, cognito)
}

/// The session store of an ignited Rocket's database (the pool of `kind`), as the crate uses it.
pub fn session_store(kind: StoreKind, rocket: &Rocket<Ignite>) -> Arc<dyn rocket_warrant::SessionStore> {
    match kind {
        StoreKind::Sqlite => Arc::new((**rocket.state::<SqliteUsers>().expect("the database")).clone()),
        StoreKind::Postgres => Arc::new((**rocket.state::<PgUsers>().expect("the database")).clone()),
        StoreKind::Mysql => Arc::new((**rocket.state::<MysqlUsers>().expect("the database")).clone()),
    }
}

/// Merges `extra` into a settings object.
pub fn with(mut settings: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        match v {
            // `null` takes a setting away.
            Value::Null => drop(settings.as_object_mut().unwrap().remove(k)),
            v => settings[k] = v.clone(),
        }
    }
    settings
}

/// Notes that a store test passed on `store`, in the file `./scripts/test` summarises
/// (`ROCKET_WARRANT_STORE_LOG`), since cargo test hides the output of passing tests.
pub fn record_store_run(store: &str, test: &str) {
    use std::io::Write;
    if let Ok(path) = std::env::var("ROCKET_WARRANT_STORE_LOG") {
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{store} {test}");
        }
    }
}

/// Runs `body` once per store, recording which ran.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident => $body:expr;)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    common::run_store_test(common::StoreKind::Sqlite, module_path!(), $body).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    common::run_store_test(common::StoreKind::Postgres, module_path!(), $body).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    common::run_store_test(common::StoreKind::Mysql, module_path!(), $body).await;
                }
            }
        )*
    };
}

/// One store test on one store: a fresh database, the body, and the run recorded.
pub async fn run_store_test<F, Fut>(kind: StoreKind, test: &str, body: F)
where
    F: FnOnce(StoreKind, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(url) = database_url(kind).await else {
        record_store_run(&format!("{}-not-run", kind.name()), test);
        return;
    };
    body(kind, url).await;
    record_store_run(kind.name(), test);
}

/// One answer of a [`fault_server`].
#[derive(Debug, Clone)]
pub enum Fault {
    /// A status and body.
    Answer(u16, String),
    /// An AWS JSON-protocol error, e.g. `TooManyRequestsException` with status 400.
    AwsError(u16, &'static str),
    /// Accept the request and never answer.
    Hang,
}

/// A hand-written HTTP server for fault injection: answers each request with the next fault
/// of `faults`, repeating the last one. Returns its base URL.
pub async fn fault_server(faults: Vec<Fault>) -> String {
    counting_fault_server(faults).await.0
}

/// [`fault_server`], with the count of requests it received.
pub async fn counting_fault_server(faults: Vec<Fault>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        let mut next = 0;
        let mut hung = Vec::new();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let fault = faults[next.min(faults.len() - 1)].clone();
            next += 1;
            let mut buf = [0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let (status, headers, body) = match fault {
                Fault::Hang => {
                    hung.push(socket);
                    continue;
                }
                Fault::Answer(status, body) => (status, "content-type: application/json\r\n".to_owned(), body),
                Fault::AwsError(status, code) => (
                    status,
                    format!("content-type: application/x-amz-json-1.1\r\nx-amzn-errortype: {code}\r\n"),
                    format!("{{\"__type\":\"{code}\",\"message\":\"injected {code}\"}}"),
                ),
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, count)
}

/// The emulator behind a proxy that answers the calls of one operation (its `X-Amz-Target`,
/// e.g. `RevokeToken`) with a 500 while `failing` is on, and forwards every other request: a
/// Cognito that fails one call. Returns the proxy's URL.
pub struct FailingCall {
    pub url: String,
    pub failing: Arc<std::sync::atomic::AtomicBool>,
    pub failed: Arc<std::sync::atomic::AtomicUsize>,
}

impl FailingCall {
    pub async fn start(operation: &'static str) -> FailingCall {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let upstream = emulator_url().trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let failing = Arc::new(AtomicBool::new(false));
        let failed = Arc::new(AtomicUsize::new(0));
        let (failing2, failed2) = (failing.clone(), failed.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (failing, failed, upstream) = (failing2.clone(), failed2.clone(), upstream.clone());
                tokio::spawn(async move {
                    // One request per connection: its head, then its body by Content-Length.
                    let mut request = Vec::new();
                    let mut buf = [0u8; 8192];
                    let head_end = loop {
                        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                        match client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    while request.len() < head_end + length {
                        match client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let target =
                        format!("x-amz-target: awscognitoidentityproviderservice.{}", operation.to_ascii_lowercase());
                    if failing.load(Ordering::SeqCst) && head.lines().any(|l| l.trim() == target) {
                        failed.fetch_add(1, Ordering::SeqCst);
                        let body = r#"{"__type":"InternalErrorException","message":"injected failure"}"#;
                        let reply = format!(
                            "HTTP/1.1 500 X\r\ncontent-type: application/x-amz-json-1.1\r\nx-amzn-errortype: InternalErrorException\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = client.write_all(reply.as_bytes()).await;
                        return;
                    }
                    // Forwarded on a connection of its own, closed after the answer.
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                    let head: String = head
                        .split("\r\n")
                        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                        .collect::<Vec<_>>()
                        .join("\r\n");
                    let head = head.trim_end().to_owned() + "\r\nconnection: close\r\n\r\n";
                    if server.write_all(head.as_bytes()).await.is_err()
                        || server.write_all(&request[head_end..]).await.is_err()
                    {
                        return;
                    }
                    let mut answer = Vec::new();
                    let _ = server.read_to_end(&mut answer).await;
                    let _ = client.write_all(&answer).await;
                });
            }
        });
        FailingCall { url, failing, failed }
    }
}

/// A listener that accepts connections and never answers. Returns its URL.
pub async fn hanging_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// A TCP proxy to `target` that the test can cut (every connection dropped, new ones refused),
/// hang (every connection held open, nothing forwarded: a database that stops answering) and
/// restore: a database that goes away and comes back.
pub struct CuttableProxy {
    pub port: u16,
    state: Arc<std::sync::atomic::AtomicU8>,
    cut: Arc<tokio::sync::Notify>,
}

const PROXY_UP: u8 = 0;
const PROXY_CUT: u8 = 1;
const PROXY_HUNG: u8 = 2;

impl CuttableProxy {
    pub async fn start(target: std::net::SocketAddr) -> CuttableProxy {
        use std::sync::atomic::AtomicU8;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(AtomicU8::new(PROXY_UP));
        let cut = Arc::new(tokio::sync::Notify::new());
        let (state2, cut2) = (state.clone(), cut.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut client, _)) = listener.accept().await {
                match state2.load(Ordering::SeqCst) {
                    PROXY_CUT => continue, // dropped: the connection is refused
                    PROXY_HUNG => {
                        held.push(client); // accepted, never answered
                        continue;
                    }
                    _ => {}
                }
                let (cut, state) = (cut2.clone(), state2.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.notified() => {}
                    }
                    if state.load(Ordering::SeqCst) == PROXY_HUNG {
                        // Held open, silent, until the test ends.
                        std::future::pending::<()>().await;
                    }
                });
            }
        });
        CuttableProxy { port, state, cut }
    }

    pub fn cut(&self) {
        self.state.store(PROXY_CUT, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    /// Every connection, open or new, stops answering and stays open.
    pub fn hang(&self) {
        self.state.store(PROXY_HUNG, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    pub fn restore(&self) {
        self.state.store(PROXY_UP, Ordering::SeqCst);
    }
}

/// A clock that reads the system time until a test sets it.
pub type PinnedClock = rocket_warrant::testing::ManualClock;

/// The token in the crate's cookie `name` of a jar (opened with the tests' `secret_key`), if the
/// jar has that cookie and it opens.
#[allow(dead_code)]
pub fn cookie_token(jar: &rocket::http::CookieJar<'_>, name: &str) -> Option<String> {
    rocket_warrant::testing::TestPool::new().open_cookie(jar.get(name)?)
}

/// The routes several test sites share.
#[allow(dead_code)]
pub mod routes {
    use rocket::form::Form;
    use rocket::http::CookieJar;
    use rocket::{post, FromForm};
    use rocket_warrant::{Cognito, Error};

    #[derive(FromForm)]
    pub struct Credentials {
        pub username: String,
        pub password: String,
    }

    /// Signs in with the form's username and password, the session kept as the settings say.
    #[post("/login", data = "<form>")]
    pub async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
        cognito.keep(jar, cognito.login(&form.username, &form.password).await).await?;
        Ok("signed in")
    }
}
