//! The example site against a fresh pool on the emulator: the demo's users, plans and key.
#![allow(dead_code)]

use aws_sdk_apigateway as apigw;
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use serde_json::json;

use crate::common::{unique, Pool, StoreKind};

pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
pub const ADMIN_PASSWORD: &str = "Admin-Passw0rd!";
/// A username with `@` and `.`, which django-warrant's admin route could not take.
pub const DOTTED: &str = "dotted.user@example.com";

/// What a test needs to know of the site it runs.
pub struct Demo {
    pub pool: Pool,
    pub apigw: apigw::Client,
    pub demo_key_id: String,
    pub dotted_key_id: String,
    pub plans: Vec<(String, String)>,
    pub db_url: String,
}

pub async fn apigw() -> apigw::Client {
    apigw::Client::new(&crate::common::sdk_config().await)
}

async fn api_key(apigw: &apigw::Client, name: &str) -> (String, String) {
    let value = format!("{name}-key-{}", unique());
    let key = apigw.create_api_key().name(name).enabled(true).value(&value).send().await.expect("create_api_key");
    (key.id().unwrap().to_owned(), value)
}

/// A pool like the demo's: `demo` (every attribute, an API key on the first plan), `admin` (in
/// the `admin` group) and a user whose name has `@` and `.` (an API key, no plan).
pub async fn demo() -> Demo {
    let pool = Pool::new(false).await;
    let apigw = apigw().await;
    let mut plans = Vec::new();
    for (name, description) in [("Basic", "1,000 requests a day"), ("Pro", "100,000 requests a day")] {
        let plan = apigw
            .create_usage_plan()
            .name(format!("{name} {}", unique()))
            .description(description)
            .send()
            .await
            .expect("create_usage_plan");
        plans.push((plan.id().unwrap().to_owned(), plan.name().unwrap().to_owned()));
    }
    let (demo_key_id, demo_key) = api_key(&apigw, "demo").await;
    apigw
        .create_usage_plan_key()
        .usage_plan_id(&plans[0].0)
        .key_id(&demo_key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("create_usage_plan_key");
    pool.add_user(
        "demo",
        DEMO_PASSWORD,
        &[
            ("given_name", "Demo"),
            ("family_name", "User"),
            ("email", "demo@example.com"),
            ("address", "1 Example Street"),
            ("phone_number", "+15555550100"),
            ("gender", "female"),
            ("preferred_username", "demo"),
            ("custom:api_key", &demo_key),
            ("custom:api_key_id", &demo_key_id),
        ],
    )
    .await;
    pool.add_user("admin", ADMIN_PASSWORD, &[("given_name", "Ada"), ("family_name", "Admin")]).await;
    pool.add_to_group("admin", "admin").await;
    let (dotted_key_id, dotted_key) = api_key(&apigw, "dotted").await;
    pool.add_user(
        DOTTED,
        DEMO_PASSWORD,
        &[("given_name", "Dot"), ("custom:api_key", &dotted_key), ("custom:api_key_id", &dotted_key_id)],
    )
    .await;
    let db_url = crate::common::database_url(StoreKind::Sqlite).await.unwrap();
    Demo { pool, apigw, demo_key_id, dotted_key_id, plans, db_url }
}

impl Demo {
    /// The site's figment: defaults only (no Rocket.toml), this pool, a SQLite file, and the
    /// server-side sessions the example's Rocket.toml asks for.
    pub fn figment(&self) -> Figment {
        Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("secret_key", crate::common::secret_key()))
            .merge(("cognito", crate::common::with(self.pool.settings(), json!({ "session_store": "database" }))))
            .merge(("databases.users", json!({ "url": self.db_url })))
            .merge(("cdu", json!({ "admin_group": "admin" })))
    }

    pub fn rocket(&self) -> Rocket<Build> {
        crate::site::build(self.figment())
    }
}
