//! Settings from the environment (`ROCKET_COGNITO`). The only test of its binary: it sets a
//! process-wide variable, which no other test may see (tests of one binary run in parallel).

mod common;

use common::{Pool, StoreKind};
use rocket::figment::providers::Env;
use rocket::figment::Figment;
use rocket_warrant::Cognito;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_the_environment() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = pool.settings();
    // ROCKET_COGNITO={key=value,...}, as Rocket reads any ROCKET_ variable.
    let inline: Vec<String> = settings
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "attr_mapping" && *k != "limits")
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
