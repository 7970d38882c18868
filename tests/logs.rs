//! Logs keep secrets: with every `log` record and every `tracing` event captured at the most
//! verbose level, a whole session (logins with each flow, a refused login, requests with cookies
//! and a Bearer token, a refresh, an API key, logout) leaves no password, token, API key, client
//! secret or AWS secret key in the output.
//!
//! Alone in its test binary: it installs the process-wide logger.

mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes;
use common::routes::me;
use common::{with, Pool, StoreKind};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes};
use rocket_warrant::sign_in::Answer;
use rocket_warrant::{ApiKey, Cognito};
use serde_json::json;

static CAPTURED: OnceLock<Arc<Mutex<String>>> = OnceLock::new();

fn captured() -> Arc<Mutex<String>> {
    CAPTURED.get_or_init(Default::default).clone()
}

/// A `log` logger that keeps every record, its key-values included.
struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        struct Kv<'a>(&'a mut String);
        impl<'kvs> log::kv::VisitSource<'kvs> for Kv<'_> {
            fn visit_pair(
                &mut self,
                key: log::kv::Key<'kvs>,
                value: log::kv::Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                let _ = write!(self.0, " {key}={value}");
                Ok(())
            }
        }
        let mut line = format!("{} {} {}", record.level(), record.target(), record.args());
        let _ = record.key_values().visit(&mut Kv(&mut line));
        captured().lock().unwrap().push_str(&(line + "\n"));
    }

    fn flush(&self) {}
}

/// A `tracing` writer into the same buffer (the AWS SDK logs through tracing).
#[derive(Clone)]
struct Writer;

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        captured().lock().unwrap().push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(rocket::FromForm)]
struct Creds {
    username: String,
    password: String,
}

#[post("/login", data = "<form>")]
async fn login(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>, form: rocket::form::Form<Creds>) -> Status {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Status::Ok,
        Err(e) => e.status(),
    }
}

#[get("/key")]
fn key(key: ApiKey) -> String {
    format!("{key:?}")
}

#[get("/logout")]
async fn logout(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "bye"
}

/// Installs the capturing logger and the tracing subscriber, once for the binary.
fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&Capture).expect("the only logger of this binary");
        log::set_max_level(log::LevelFilter::Trace);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Writer)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_that_answers_503_says_why_in_the_log() {
    capture_logs();
    // A user the store lacks, whose attributes Cognito cannot give: the guard answers 503, and
    // the log says what failed (a test that forgot to provision the row learns why).
    let cognito_url = common::fault_server(vec![common::Fault::AwsError(500, "InternalErrorException")]).await;
    let pool = rocket_warrant::testing::TestPool::new();
    let figment = pool.figment().merge(("cognito.endpoint_url", cognito_url)).merge(("cognito.max_attempts", 1));
    let rocket = rocket::custom(figment)
        .attach(Cognito::custom(rocket_warrant::stores::MemoryStore::new()))
        .mount("/", routes![me]);
    let client = Client::tracked(rocket).await.unwrap();
    let dora = pool.user("dora-503");
    let bearer = Header::new("Authorization", format!("Bearer {}", dora.access_token()));
    assert_eq!(client.get("/me").header(bearer).dispatch().await.status(), Status::ServiceUnavailable);
    let logged = captured().lock().unwrap().clone();
    let line =
        logged.lines().find(|l| l.contains("answering 503")).unwrap_or_else(|| panic!("no 503 line in:\n{logged}"));
    // The cause itself, Cognito's error type, not only that something failed.
    assert!(line.contains("InternalErrorException"), "{line}");
}

const PASSWORD: &str = "Sup3r-Secret-Passw0rd!";
const WRONG_PASSWORD: &str = "Wr0ng-But-Still-Secret!";
const API_KEY: &str = "api-key-value-0123456789abcdef";
const TEMPORARY_PASSWORD: &str = "Temp0rary-Secret!";
const NEW_PASSWORD: &str = "Brand-New-Secret-0!";
const AWS_SECRET: &str = "aws-secret-access-key-do-not-log";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_logs_no_secret_at_the_most_verbose_level() {
    need_emulator!();
    capture_logs();

    let pool = Pool::new(true).await;
    pool.add_user("alice", PASSWORD, &[("email", "alice@example.com"), ("custom:api_key", API_KEY)]).await;
    let client_secret = pool.client_secret.clone().unwrap();
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let clock = Arc::new(common::PinnedClock::default());
    let mut secrets = vec![PASSWORD.to_owned(), WRONG_PASSWORD.to_owned(), API_KEY.to_owned(), AWS_SECRET.to_owned()];
    secrets.push(client_secret.clone());
    secrets.push(common::secret_hash(&client_secret, "alice", &pool.client_id));

    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let settings = with(
            pool.settings(),
            json!({ "auth_flow": flow, "aws_secret_access_key": AWS_SECRET, "leeway_secs": 0, "id_token_cookie": true }),
        );
        let rocket = common::rocket_with_clock(StoreKind::Sqlite, &db, settings, Some(clock.clone()))
            .merge_log_level()
            .mount("/", routes![login, me, key, logout]);
        let client = Client::tracked(rocket).await.unwrap();
        let form = |password: &str| format!("username=alice&password={}", password.replace('!', "%21"));
        let refused = client.post("/login").header(ContentType::Form).body(form(WRONG_PASSWORD)).dispatch().await;
        assert_eq!(refused.status(), Status::Unauthorized);
        let response = client.post("/login").header(ContentType::Form).body(form(PASSWORD)).dispatch().await;
        assert_eq!(response.status(), Status::Ok, "{flow}");
        for cookie in response.cookies().iter() {
            secrets.push(cookie.value().to_owned());
        }
        drop(response);
        let jar = client.cookies();
        let access = common::cookie_token(&jar, "cognito_access").unwrap();
        let refresh = common::cookie_token(&jar, "cognito_refresh").unwrap();
        secrets.extend([access.clone(), common::cookie_token(&jar, "cognito_id").unwrap()]);
        secrets.push(refresh);

        assert_eq!(client.get("/me").dispatch().await.status(), Status::Ok);
        let bearer = Header::new("Authorization", format!("Bearer {access}"));
        assert_eq!(client.get("/me").header(bearer).dispatch().await.status(), Status::Ok);
        let key = client.get("/key").header(Header::new("Authorization-Id", API_KEY)).dispatch().await;
        assert_eq!(key.into_string().await.unwrap(), "ApiKey(***)");

        // The access token expires: a refresh, whose new tokens are secrets too.
        let cognito = client.rocket().state::<Cognito>().unwrap();
        let exp = cognito.verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        clock.set(exp);
        assert_eq!(client.get("/me").dispatch().await.status(), Status::Ok, "{flow}: refreshed");
        let jar = client.cookies();
        let new_access = common::cookie_token(&jar, "cognito_access").unwrap();
        assert_ne!(new_access, access);
        secrets.extend([new_access, common::cookie_token(&jar, "cognito_id").unwrap()]);
        clock.set(0);

        assert_eq!(client.get("/logout").dispatch().await.status(), Status::Ok);
    }

    // A temporary password replaced at the first login: both passwords, the challenge's
    // session and the tokens stay out of the logs.
    pool.add_user_with_temporary_password("bob", TEMPORARY_PASSWORD).await;
    let settings = with(pool.settings(), json!({ "aws_secret_access_key": AWS_SECRET }));
    let client = Client::tracked(common::rocket(StoreKind::Sqlite, &db, settings).merge_log_level()).await.unwrap();
    let cognito = client.rocket().state::<Cognito>().unwrap();
    let pending = match cognito.login("bob", TEMPORARY_PASSWORD).await {
        Err(rocket_warrant::Error::ChallengeRequired(pending)) => pending,
        other => panic!("a new password is required: {other:?}"),
    };
    let session = serde_json::to_value(&pending).unwrap()["session"].as_str().unwrap().to_owned();
    let login = cognito.answer(&pending, Answer::NewPassword(NEW_PASSWORD)).await.expect("the new password is set");
    let tokens = login.tokens;
    secrets.extend([TEMPORARY_PASSWORD.to_owned(), NEW_PASSWORD.to_owned(), session]);
    secrets.extend([tokens.id_token, tokens.access_token, tokens.refresh_token]);
    secrets.push(common::secret_hash(&client_secret, "bob", &pool.client_id));

    // The pool then requires MFA: the authenticator secret of the enrolment stays out too.
    pool.require_totp().await;
    let pending = match cognito.login("bob", NEW_PASSWORD).await {
        Err(rocket_warrant::Error::ChallengeRequired(pending)) => pending,
        other => panic!("an authenticator must be enrolled: {other:?}"),
    };
    let setup = cognito.setup_totp(&pending).await.expect("a secret");
    let login = cognito
        .answer(setup.pending(), Answer::Code(&common::Authenticator::new(setup.secret()).code().await))
        .await
        .unwrap();
    for pending in [&pending, setup.pending()] {
        secrets.push(serde_json::to_value(pending).unwrap()["session"].as_str().unwrap().to_owned());
    }
    secrets.extend([setup.secret().to_owned(), login.tokens.access_token, login.tokens.refresh_token]);

    // At launch the crate says what the app client's PreventUserExistenceErrors means: this
    // pool's client has the API's default (LEGACY), so response times tell usernames apart.
    let warning = format!("PreventUserExistenceErrors is not ENABLED on app client {}", pool.client_id);
    assert!(logged_soon(&warning).await, "the launch warns of it");
    pool.update_client(|u| u.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)).await;
    let settings = with(pool.settings(), json!({ "aws_secret_access_key": AWS_SECRET }));
    let _enabled = Client::tracked(common::rocket(StoreKind::Sqlite, &db, settings)).await.unwrap();
    assert!(logged_soon("PreventUserExistenceErrors is ENABLED").await, "and says when it is on");
    // Token revocation off on the app client: a logout revokes nothing at Cognito, and launch says so.
    let warning = format!("token revocation (EnableTokenRevocation) is off on app client {}", pool.client_id);
    assert!(!captured().lock().unwrap().contains(&warning), "not while it is on");
    pool.update_client(|u| u.enable_token_revocation(false)).await;
    let settings = with(pool.settings(), json!({ "aws_secret_access_key": AWS_SECRET }));
    let _off = Client::tracked(common::rocket(StoreKind::Sqlite, &db, settings)).await.unwrap();
    assert!(logged_soon(&warning).await, "the launch warns when token revocation is off");
    // An attribute attr_mapping maps that the app client may not read (its ReadAttributes).
    let warning =
        format!("cognito.attr_mapping maps \"custom:api_key\", which app client {} may not read", pool.client_id);
    assert!(!captured().lock().unwrap().contains(&warning), "not while the client reads it");
    let update = pool.admin.update_user_pool_client().user_pool_id(&pool.pool_id).client_id(&pool.client_id);
    update.read_attributes("email").send().await.unwrap();
    let settings = with(pool.settings(), json!({ "aws_secret_access_key": AWS_SECRET }));
    let _unread = Client::tracked(common::rocket(StoreKind::Sqlite, &db, settings)).await.unwrap();
    assert!(logged_soon(&warning).await, "the launch names each mapped attribute the client may not read");
    // A debug site without a key of its own says that its sessions will not survive a restart.
    assert!(
        !captured().lock().unwrap().contains("will not survive a restart"),
        "the tests' sites have a key of their own"
    );
    let keyless = common::rocket(StoreKind::Sqlite, &db, pool.settings());
    let figment = keyless.figment().clone().merge(("secret_key", vec![0u8; 32]));
    let _keyless = Client::tracked(keyless.configure(figment)).await.unwrap();
    assert!(logged_soon("sessions are sealed under a random key of this process and will not survive a restart").await);

    let log = captured().lock().unwrap().clone();
    assert!(log.lines().count() > 100, "the capture works: {} lines", log.lines().count());
    assert!(log.contains("alice"), "records of the session were captured");
    for secret in &secrets {
        assert!(secret.len() >= 8);
        if let Some(at) = log.find(secret.as_str()) {
            let context = &log[log[..at].rfind('\n').map_or(0, |i| i + 1)..];
            panic!("a secret reached the logs: {}", context.lines().next().unwrap_or_default());
        }
    }
}

/// Whether `text` appears in the captured logs within a few seconds.
async fn logged_soon(text: &str) -> bool {
    for _ in 0..50 {
        if captured().lock().unwrap().contains(text) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

trait MergeLogLevel {
    fn merge_log_level(self) -> Self;
}

impl MergeLogLevel for rocket::Rocket<rocket::Build> {
    /// The most verbose Rocket logging (the test's logger is already installed, so Rocket's
    /// own is not, but Rocket decides what to emit from this).
    fn merge_log_level(self) -> Self {
        let figment = self.figment().clone().merge(("log_level", "debug"));
        self.configure(figment)
    }
}

/// Launch says when the app client drops the address the site sends (review D1): with
/// `trusted_ip_header` set, a client without EnablePropagateAdditionalUserContextData takes no
/// address from the public calls, and the log names the setting; with it, nothing is said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_says_when_the_app_client_drops_the_users_address() {
    need_emulator!();
    capture_logs();
    let pool = Pool::new(true).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "trusted_ip_header": "X-Forwarded-For" }));
    let warning = format!("app client {} does not take the user's address", pool.client_id);
    let _dropping = common::ignite(StoreKind::Sqlite, &url, settings.clone()).await;
    let logged = captured().lock().unwrap().clone();
    let line = logged.lines().find(|l| l.contains(&warning)).unwrap_or_else(|| panic!("no warning in:\n{logged}"));
    assert!(line.contains("EnablePropagateAdditionalUserContextData") && line.contains("trusted_ip_header"), "{line}");
    let propagating = Pool::new(true).await;
    propagating.update_client(|u| u.enable_propagate_additional_user_context_data(true)).await;
    let settings = with(propagating.settings(), json!({ "trusted_ip_header": "X-Forwarded-For" }));
    let _taking = common::ignite(StoreKind::Sqlite, &url, settings).await;
    let quiet = format!("app client {} does not take the user's address", propagating.client_id);
    assert!(!captured().lock().unwrap().contains(&quiet));
}
