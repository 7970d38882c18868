//! The application the README shows (examples/readme/, which the README holds verbatim), built
//! and run: sign in, the guarded routes, sign out, against the emulator and a SQLite store. Its
//! own tests (examples/readme/tests.rs, offline) run here too, as `app::tests`.

mod common;

#[allow(dead_code)]
mod app {
    include!("../examples/readme/main.rs");

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

/// The README's application with its settings pointed at the emulator's `pool` and a SQLite file
/// of its own; Rocket.toml and ROCKET_* stay out.
async fn readme_app(pool: &Pool) -> Client {
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", pool.settings()))
        .merge(("databases.users", json!({ "url": db })));
    Client::tracked(app::build().configure(figment)).await.expect("the README's app launches")
}

#[test]
fn the_readme_shows_the_application_verbatim() {
    let readme = include_str!("../README.md");
    let app = include_str!("../examples/readme/main.rs");
    assert!(readme.contains(app.trim()), "README.md must hold examples/readme/main.rs as it is; copy it over");
    let tests = include_str!("../examples/readme/tests.rs");
    assert!(readme.contains(tests.trim()), "README.md must hold examples/readme/tests.rs as it is; copy it over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_application_signs_in_serves_and_signs_out() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let attrs = [("email", "ada@example.com"), ("custom:api_key", "ada-key")];
    pool.add_user("ada", "Corr3ct-Horse!", &attrs).await;
    pool.add_to_group("ada", "admin").await;
    let client = readme_app(&pool).await;

    let anonymous = client.get("/admin").header(Accept::HTML).dispatch().await;
    assert_eq!(anonymous.status(), Status::SeeOther);
    let to_login = anonymous.headers().get_one("Location").unwrap().to_owned();
    assert_eq!(to_login, "/accounts/login/?next=%2Fadmin");
    assert_eq!(client.get("/whoami").dispatch().await.status(), Status::Unauthorized);
    let page = client.get(to_login.as_str()).dispatch().await.into_string().await.unwrap();
    assert!(page.contains(r#"<form method="post">"#) && !page.contains("action="), "{page}");

    let form = |password: &str| format!("username=ada&password={password}");
    let wrong = client.post(to_login.as_str()).header(ContentType::Form).body(form("nope")).dispatch().await;
    assert_eq!(wrong.status(), Status::Unauthorized);
    // `next` elsewhere than this site is not followed.
    let evil = "/accounts/login/?next=https%3A%2F%2Fevil.example%2F";
    let login = client.post(evil).header(ContentType::Form).body(form("Corr3ct-Horse!")).dispatch().await;
    assert_eq!((login.status(), login.headers().get_one("Location")), (Status::SeeOther, Some("/")));
    client.post("/accounts/logout").dispatch().await;
    let login = client.post(to_login.as_str()).header(ContentType::Form).body(form("Corr3ct-Horse!")).dispatch().await;
    assert_eq!((login.status(), login.headers().get_one("Location")), (Status::SeeOther, Some("/admin")));

    let home = client.get("/").dispatch().await.into_string().await.unwrap();
    assert_eq!(home, "hello ada <ada@example.com>");
    assert_eq!(client.get("/whoami").dispatch().await.into_string().await.unwrap(), "ada");
    assert_eq!(client.get("/admin").dispatch().await.into_string().await.unwrap(), "ada administers");
    let key = |k: &'static str| Header::new("Authorization-Id", k);
    assert_eq!(client.get("/api/key").header(key("ada-key")).dispatch().await.status(), Status::Ok);
    assert_eq!(client.get("/api/key").header(key("someone-else")).dispatch().await.status(), Status::Forbidden);

    let logout = client.post("/accounts/logout").dispatch().await;
    assert_eq!(logout.status(), Status::SeeOther);
    assert_eq!(client.get("/whoami").dispatch().await.status(), Status::Unauthorized, "signed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_application_takes_a_new_password_on_its_step_page() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user_with_temporary_password("newcomer", "Temp-Passw0rd!").await;
    let client = readme_app(&pool).await;

    assert_eq!(client.get("/accounts/login/step").dispatch().await.status(), Status::Unauthorized, "nothing pending");
    let body = "username=newcomer&password=Temp-Passw0rd!";
    let login = client.post("/accounts/login/").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(login.headers().get_one("Location"), Some("/accounts/login/step"));
    let page = client.get("/accounts/login/step").dispatch().await.into_string().await.unwrap();
    assert!(page.contains("Enter a new password"), "{page}");

    let weak = client.post("/accounts/login/step").header(ContentType::Form).body("answer=short").dispatch().await;
    assert_eq!(weak.status(), Status::UnprocessableEntity, "a password the pool's policy refuses");
    let step =
        client.post("/accounts/login/step").header(ContentType::Form).body("answer=N3w-Passw0rd!").dispatch().await;
    assert_eq!((step.status(), step.headers().get_one("Location")), (Status::SeeOther, Some("/")));
    assert_eq!(client.get("/whoami").dispatch().await.into_string().await.unwrap(), "newcomer");
}
