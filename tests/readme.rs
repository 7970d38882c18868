//! The application the README shows (examples/readme.rs, which the README holds verbatim), built
//! and run: sign in, the guarded routes, sign out, against the emulator and a SQLite store.

mod common;

#[allow(dead_code)]
mod app {
    include!("../examples/readme.rs");

    /// The README's `rocket()`, as a test can call it.
    pub fn build() -> rocket::Rocket<rocket::Build> {
        rocket()
    }
}

use common::{Pool, StoreKind};
use rocket::figment::Figment;
use rocket::http::{Accept, ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

#[test]
fn the_readme_shows_the_application_verbatim() {
    let readme = include_str!("../README.md");
    let app = include_str!("../examples/readme.rs");
    assert!(readme.contains(app.trim()), "README.md must hold examples/readme.rs as it is; copy it over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_application_signs_in_serves_and_signs_out() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let attrs = [("email", "ada@example.com"), ("custom:api_key", "ada-key")];
    pool.add_user("ada", "Corr3ct-Horse!", &attrs).await;
    pool.add_to_group("ada", "admin").await;
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    // The README's settings, pointed at the emulator; Rocket.toml and ROCKET_* stay out.
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", pool.settings()))
        .merge(("databases.users", json!({ "url": db })));
    let client = Client::tracked(app::build().configure(figment)).await.expect("the README's app launches");

    let anonymous = client.get("/").header(Accept::HTML).dispatch().await;
    assert_eq!(anonymous.status(), Status::SeeOther);
    assert_eq!(anonymous.headers().get_one("Location"), Some("/accounts/login/?next=%2F"));
    assert_eq!(client.get("/whoami").dispatch().await.status(), Status::Unauthorized);

    let wrong = client.post("/login").header(ContentType::Form).body("username=ada&password=nope").dispatch().await;
    assert_eq!(wrong.status(), Status::Unauthorized);
    let login =
        client.post("/login").header(ContentType::Form).body("username=ada&password=Corr3ct-Horse!").dispatch().await;
    assert_eq!((login.status(), login.headers().get_one("Location")), (Status::SeeOther, Some("/")));

    let home = client.get("/").dispatch().await.into_string().await.unwrap();
    assert_eq!(home, "hello ada <ada@example.com>");
    assert_eq!(client.get("/whoami").dispatch().await.into_string().await.unwrap(), "ada");
    assert_eq!(client.get("/admin").dispatch().await.into_string().await.unwrap(), "ada administers");
    let key = |k: &'static str| Header::new("Authorization-Id", k);
    assert_eq!(client.get("/api/key").header(key("ada-key")).dispatch().await.status(), Status::Ok);
    assert_eq!(client.get("/api/key").header(key("someone-else")).dispatch().await.status(), Status::Forbidden);

    let logout = client.post("/logout").dispatch().await;
    assert_eq!(logout.status(), Status::SeeOther);
    assert_eq!(client.get("/whoami").dispatch().await.status(), Status::Unauthorized, "signed out");
}
