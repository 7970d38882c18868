//! The fairing at ignite: bad settings stop launch, a missing fairing or database is caught, the
//! key endpoint being down is not fatal, and `ROCKET_COGNITO` works.

mod common;

use common::{with, Pool, StoreKind};
use rocket::error::ErrorKind;
use rocket::figment::providers::Env;
use rocket::figment::Figment;
use rocket::{get, routes};
use rocket_warrant::Cognito;
use serde_json::json;

async fn stops_in_a_fairing(settings: serde_json::Value) -> bool {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let err = common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect_err("launch must stop");
    matches!(err.kind(), ErrorKind::FailedFairings(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_stop_launch() {
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
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = common::ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    assert_eq!(cognito.counters().cached_kids, vec!["dummy".to_string()]);
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
    let pool = Pool::new(false).await;
    let figment =
        Figment::from(rocket::Config::debug_default()).merge(("log_level", "off")).merge(("cognito", pool.settings()));
    let err = rocket::custom(figment)
        .attach(Cognito::fairing::<common::SqliteUsers>())
        .ignite()
        .await
        .expect_err("no database");
    assert!(matches!(err.kind(), ErrorKind::FailedFairings(_)), "{:?}", err.kind());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_the_environment() {
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = pool.settings();
    // ROCKET_COGNITO={key=value,...}, as Rocket reads any ROCKET_ variable. This is the only
    // test in this binary that reads the environment.
    let inline: Vec<String> = settings
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "attr_mapping")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    std::env::set_var("ROCKET_COGNITO", format!("{{{}}}", inline.join(",")));
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Env::prefixed("ROCKET_").global())
        .merge(("databases.users", json!({ "url": url })));
    std::env::remove_var("ROCKET_COGNITO");
    let rocket = rocket::custom(figment)
        .attach(<common::SqliteUsers as rocket_db_pools::Database>::init())
        .attach(Cognito::fairing::<common::SqliteUsers>())
        .ignite()
        .await
        .expect("ignites from ROCKET_COGNITO");
    let cognito = rocket.state::<Cognito>().unwrap();
    assert_eq!(cognito.config().user_pool_id, pool.pool_id);
    assert_eq!(cognito.config().region(), common::REGION);
}
