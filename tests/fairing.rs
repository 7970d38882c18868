//! The fairing at ignite: bad settings stop launch, a missing fairing or database is caught, the
//! key endpoint being down is not fatal, and `ROCKET_COGNITO` works.

mod common;

use common::{with, Pool, StoreKind};
use rocket::error::ErrorKind;
use rocket::figment::Figment;
use rocket::{get, routes};
use rocket_warrant::Cognito;
use serde_json::json;

/// Every `log` record of this binary (installed before any Rocket, whose own logger would
/// otherwise take the place): launch errors are what the fairing logs.
fn captured() -> &'static std::sync::Mutex<String> {
    static CAPTURED: std::sync::OnceLock<std::sync::Mutex<String>> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(Default::default)
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}\n", record.level(), record.args());
            captured().lock().unwrap().push_str(&line);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger, once for the binary; every test calls it first.
fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&Capture).expect("the only logger of this binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

/// Whether launch stops in this crate's fairing; and the error it logged that mentions `marker`
/// (a value of the case's own: tests run side by side).
async fn stops_in_a_fairing_saying(settings: serde_json::Value, marker: &str) -> (bool, String) {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let err = common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect_err("launch must stop");
    let logged = captured().lock().unwrap().clone();
    let said = logged.lines().filter(|l| l.starts_with("ERROR") && l.contains(marker)).collect::<Vec<_>>().join("\n");
    (ours_failed(err.kind()), said)
}

/// Launch stopped because this crate's fairing failed (not any fairing).
fn ours_failed(kind: &ErrorKind) -> bool {
    matches!(kind, ErrorKind::FailedFairings(failed) if failed.iter().any(|f| f.name == "Cognito authentication"))
}

/// Each bad setting stops launch with a message that names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_stop_launch() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let cases = [
        // (No value of its own to tell it by: the only case of this binary with a key missing.)
        (json!({ "app_client_id": "lonely-client-0" }), "is required", "cognito.user_pool_id"),
        (with(pool.settings(), json!({ "user_pool_id": "no-region" })), "no-region", "cognito.user_pool_id"),
        (with(pool.settings(), json!({ "auth_flow": "telepathy" })), "telepathy", "cognito.auth_flow"),
        (with(pool.settings(), json!({ "attr_mapping": "email-only" })), "email-only", "cognito.attr_mapping"),
        (with(pool.settings(), json!({ "attr_mapping": { "email": 4242 } })), "4242", "cognito.attr_mapping"),
        (with(pool.settings(), json!({ "attr_mapping": { "zoneinfo": "id" } })), "zoneinfo", "cognito.attr_mapping"),
    ];
    for (settings, marker, key) in cases {
        let (stopped, said) = stops_in_a_fairing_saying(settings.clone(), marker).await;
        assert!(stopped, "{settings}");
        assert!(said.contains(key), "{settings}: the error names {key}: {said:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_endpoint_down_at_ignite_is_not_fatal() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings =
        with(pool.settings(), json!({ "jwks_url": "http://127.0.0.1:9/jwks.json", "jwks_timeout_secs": 0.3 }));
    let rocket = common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect("ignites");
    let cognito = rocket.state::<Cognito>().unwrap();
    assert!(cognito.counters().cached_kids.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_fetched_at_ignite() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = common::ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    // The emulator's two keys (as Cognito's: one for ID tokens, one for access tokens), each
    // under a kid of Cognito's shape (the base64 of 32 bytes), in one fetch.
    let kids = cognito.counters().cached_kids;
    assert_eq!(kids.len(), 2, "{kids:?}");
    for kid in &kids {
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, kid).unwrap();
        assert_eq!(bytes.len(), 32, "{kids:?}");
    }
    assert_eq!(cognito.counters().key_fetches, 1);
}

#[get("/")]
fn uses_cognito(cognito: &Cognito) -> String {
    cognito.config().user_pool_id.clone()
}

#[rocket::post("/form", data = "<_form>")]
fn takes_a_form(_form: rocket_warrant::CsrfForm) -> &'static str {
    "taken"
}

#[tokio::test]
async fn sentinel_stops_launch_without_the_fairing() {
    capture_logs();
    let figment = Figment::from(rocket::Config::debug_default()).merge(("log_level", "off"));
    for routes in [routes![uses_cognito], routes![takes_a_form]] {
        let err = rocket::custom(figment.clone()).mount("/", routes).ignite().await.expect_err("sentinel");
        assert!(matches!(err.kind(), ErrorKind::SentinelAborts(_)), "{:?}", err.kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_fairing_missing_stops_launch() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let figment =
        Figment::from(rocket::Config::debug_default()).merge(("log_level", "off")).merge(("cognito", pool.settings()));
    let err = rocket::custom(figment)
        .attach(Cognito::fairing::<common::SqliteUsers>())
        .ignite()
        .await
        .expect_err("no database");
    assert!(ours_failed(err.kind()), "{:?}", err.kind());
}

/// What launch already knows from DescribeUserPoolClient: a pool or app client that does not
/// exist (ResourceNotFoundException, read by its type) stops launch, as does a client secret set
/// for an app client without one or missing for one that has one. Before, each launched and
/// every sign-in was then refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_describe_user_pool_client_tells_stops_a_launch_that_cannot_sign_anyone_in() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let region = pool.pool_id.split('_').next().unwrap().to_owned();
    let no_pool = format!("{region}_NoSuchPool1");
    let cases = [
        (with(pool.settings(), json!({ "user_pool_id": no_pool })), no_pool.clone(), "cognito.user_pool_id"),
        (
            with(pool.settings(), json!({ "app_client_id": "nosuchclient0123456789abcd" })),
            "nosuchclient0123456789abcd".to_owned(),
            "cognito.app_client_id",
        ),
        (
            with(pool.settings(), json!({ "app_client_secret": "a-secret-the-client-lacks" })),
            pool.client_id.clone(),
            "cognito.app_client_secret",
        ),
    ];
    for (settings, marker, key) in cases {
        let (stopped, said) = stops_in_a_fairing_saying(settings.clone(), &marker).await;
        assert!(stopped, "{settings}");
        assert!(said.contains(key), "{settings}: the error names {key}: {said:?}");
    }
    // A client with a secret, the secret forgotten: misconfiguration, never "invalid
    // credentials" at every sign-in (login::a_forgotten_client_secret_is_misconfiguration_...).
    let with_secret = Pool::new(true).await;
    let forgotten = with(with_secret.settings(), json!({ "app_client_secret": null }));
    let (stopped, said) = stops_in_a_fairing_saying(forgotten, &with_secret.client_id).await;
    assert!(stopped);
    assert!(said.contains("has a client secret") && said.contains("cognito.app_client_secret"), "{said:?}");
    // The same pools, rightly set, launch.
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for settings in [pool.settings(), with_secret.settings()] {
        let launched = common::rocket(StoreKind::Sqlite, &url, settings.clone()).ignite().await;
        assert!(launched.is_ok(), "{settings}");
    }
}

/// An attribute the site decides access by (`authorization_attributes`) that the app client lets
/// users write (its WriteAttributes): launch warns, naming it and the setting to change, since any
/// user could set it for themselves through UpdateUserAttributes. A client that may not write it
/// launches without the warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_warns_of_an_authorization_attribute_users_may_write() {
    capture_logs();
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "authorization_attributes": ["custom:api_key"] }));
    let warned = || {
        let logged = captured().lock().unwrap().clone();
        logged
            .lines()
            .filter(|l| l.starts_with("WARN") && l.contains(&pool.client_id) && l.contains("custom:api_key"))
            .count()
    };
    common::rocket(StoreKind::Sqlite, &url, settings.clone()).ignite().await.expect("a warning, not a refusal");
    assert_eq!(warned(), 1, "the tests' clients write custom:api_key");
    let logged = captured().lock().unwrap().clone();
    let line = logged.lines().find(|l| l.contains(&pool.client_id) && l.contains("authorization_attributes")).unwrap();
    assert!(line.contains("WriteAttributes") && line.contains("UpdateUserAttributes"), "{line}");

    // Its WriteAttributes without the key: no warning.
    pool.update_client(|u| u.set_write_attributes(Some(vec!["email".into(), "given_name".into()]))).await;
    common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect("launches");
    assert_eq!(warned(), 1, "no second warning");
}

/// `cookie_secure = false` in `[default]` reaches a release build: launch says so there, and
/// not in the debug profile, where a local site on plain http is what it is for.
#[tokio::test]
async fn cookies_without_secure_are_warned_of_outside_the_debug_profile() {
    capture_logs();
    let pool = rocket_warrant::testing::TestPool::new();
    let warned = |profile: &'static str| {
        let pool = pool.clone();
        async move {
            let settings = with(pool.settings(), json!({ "cookie_secure": false }));
            let figment = pool.figment().merge(("cognito", settings)).select(profile);
            let rocket = rocket::custom(figment).attach(Cognito::without_store()).ignite().await.expect("ignites");
            drop(rocket);
            let logged = captured().lock().unwrap().clone();
            let said = format!("cookie_secure = false in the `{profile}` profile");
            logged.lines().any(|l| l.starts_with("WARN") && l.contains(&said))
        }
    };
    assert!(warned("release").await);
    assert!(!warned("debug").await);
}
