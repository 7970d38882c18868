//! The fairing at ignite: bad settings stop launch, a missing fairing or database is caught, the
//! key endpoint being down is not fatal, and `ROCKET_COGNITO` works.

mod common;

use common::{with, Pool, StoreKind};
use rocket::error::ErrorKind;
use rocket::figment::Figment;
use rocket::{get, routes};
use rocket_warrant::Cognito;
use serde_json::json;

async fn stops_in_a_fairing(settings: serde_json::Value) -> bool {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let err = common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect_err("launch must stop");
    ours_failed(err.kind())
}

/// Launch stopped because this crate's fairing failed (not any fairing).
fn ours_failed(kind: &ErrorKind) -> bool {
    matches!(kind, ErrorKind::FailedFairings(failed) if failed.iter().any(|f| f.name == "Cognito authentication"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_stop_launch() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let cases = [
        json!({ "app_client_id": "c" }),
        with(pool.settings(), json!({ "user_pool_id": "no-region" })),
        with(pool.settings(), json!({ "auth_flow": "telepathy" })),
        with(pool.settings(), json!({ "attr_mapping": "email" })),
        with(pool.settings(), json!({ "attr_mapping": { "email": 42 } })),
        with(pool.settings(), json!({ "attr_mapping": { "email": "id" } })),
    ];
    for settings in cases {
        assert!(stops_in_a_fairing(settings.clone()).await, "{settings}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_endpoint_down_at_ignite_is_not_fatal() {
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

#[tokio::test]
async fn sentinel_stops_launch_without_the_fairing() {
    let figment = Figment::from(rocket::Config::debug_default()).merge(("log_level", "off"));
    let err = rocket::custom(figment).mount("/", routes![uses_cognito]).ignite().await.expect_err("sentinel");
    assert!(matches!(err.kind(), ErrorKind::SentinelAborts(_)), "{:?}", err.kind());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_fairing_missing_stops_launch() {
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
    need_emulator!();
    let pool = Pool::new(false).await;
    let region = pool.pool_id.split('_').next().unwrap().to_owned();
    let cases = [
        with(pool.settings(), json!({ "user_pool_id": format!("{region}_NoSuchPool1") })),
        with(pool.settings(), json!({ "app_client_id": "nosuchclient0123456789abcd" })),
        with(pool.settings(), json!({ "app_client_secret": "a-secret-the-client-lacks" })),
    ];
    for settings in cases {
        assert!(stops_in_a_fairing(settings.clone()).await, "{settings}");
    }
    let with_secret = Pool::new(true).await;
    assert!(stops_in_a_fairing(with(with_secret.settings(), json!({ "app_client_secret": null }))).await);
    // The same pools, rightly set, launch.
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for settings in [pool.settings(), with_secret.settings()] {
        let launched = common::rocket(StoreKind::Sqlite, &url, settings.clone()).ignite().await;
        assert!(launched.is_ok(), "{settings}");
    }
}
