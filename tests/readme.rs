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

/// The CSRF token of the form on `page`, as a browser would send it back.
async fn token(client: &Client, page: &str) -> String {
    let page = client.get(page.to_owned()).dispatch().await.into_string().await.unwrap();
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker).unwrap_or_else(|| panic!("a form with a token: {page}")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
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

    // Without the page's CSRF token no one is signed in (login CSRF: another site's form).
    let bare = "username=ada&password=Corr3ct-Horse!";
    let forged = client.post(to_login.as_str()).header(ContentType::Form).body(bare).dispatch().await;
    assert_eq!(forged.status(), Status::Forbidden);
    let form = |token: &str, password: &str| format!("csrf_token={token}&username=ada&password={password}");
    let csrf = token(&client, &to_login).await;
    let wrong = client.post(to_login.as_str()).header(ContentType::Form).body(form(&csrf, "nope")).dispatch().await;
    assert_eq!(wrong.status(), Status::Unauthorized);
    // `next` elsewhere than this site is not followed.
    let evil = "/accounts/login/?next=https%3A%2F%2Fevil.example%2F";
    let login = client.post(evil).header(ContentType::Form).body(form(&csrf, "Corr3ct-Horse!")).dispatch().await;
    assert_eq!((login.status(), login.headers().get_one("Location")), (Status::SeeOther, Some("/")));
    // A sign-out from another site's page is refused; from this site's, signs out.
    let cross = client.post("/accounts/logout").header(Header::new("Sec-Fetch-Site", "cross-site")).dispatch().await;
    assert_eq!(cross.status(), Status::Forbidden);
    assert_eq!(client.get("/whoami").dispatch().await.status(), Status::Ok, "still signed in");
    client.post("/accounts/logout").dispatch().await;
    // The sign-in gave the browser a new token: the one from before it is refused.
    let stale =
        client.post(to_login.as_str()).header(ContentType::Form).body(form(&csrf, "Corr3ct-Horse!")).dispatch().await;
    assert_eq!(stale.status(), Status::Forbidden);
    let csrf = token(&client, &to_login).await;
    let login =
        client.post(to_login.as_str()).header(ContentType::Form).body(form(&csrf, "Corr3ct-Horse!")).dispatch().await;
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
    let csrf = token(&client, "/accounts/login/").await;
    let body = format!("csrf_token={csrf}&username=newcomer&password=Temp-Passw0rd!");
    let login = client.post("/accounts/login/").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(login.headers().get_one("Location"), Some("/accounts/login/step"));
    let page = client.get("/accounts/login/step").dispatch().await.into_string().await.unwrap();
    assert!(page.contains("Enter a new password"), "{page}");

    let csrf = token(&client, "/accounts/login/step").await;
    let answer = |password: &str| format!("csrf_token={csrf}&answer={password}");
    let weak = client.post("/accounts/login/step").header(ContentType::Form).body(answer("short")).dispatch().await;
    assert_eq!(weak.status(), Status::UnprocessableEntity, "a password the pool's policy refuses");
    let step =
        client.post("/accounts/login/step").header(ContentType::Form).body(answer("N3w-Passw0rd!")).dispatch().await;
    assert_eq!((step.status(), step.headers().get_one("Location")), (Status::SeeOther, Some("/")));
    assert_eq!(client.get("/whoami").dispatch().await.into_string().await.unwrap(), "newcomer");
}

/// The README's `Fresh<300>` route: the session's cookies without the proof of its sign-in (a
/// copied cookie) are sent to confirm the password, then go on, in the same session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_application_asks_for_the_password_again_before_deleting_the_account() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("ada", "Corr3ct-Horse!", &[("email", "ada@example.com")]).await;
    let client = readme_app(&pool).await;
    let csrf = token(&client, "/accounts/login/").await;
    let body = format!("csrf_token={csrf}&username=ada&password=Corr3ct-Horse!");
    assert_eq!(
        client.post("/accounts/login/").header(ContentType::Form).body(body).dispatch().await.status(),
        Status::SeeOther
    );

    // Another browser with the session's cookies but the proof.
    let thief = readme_app(&pool).await;
    let copied: Vec<_> =
        client.cookies().iter().filter(|c| !c.name().ends_with("_proof")).map(|c| c.clone().into_owned()).collect();
    let csrf = token(&client, "/accounts/login/").await;
    let delete = |body: String| {
        thief.post("/account/delete").header(ContentType::Form).header(Accept::HTML).cookies(copied.clone()).body(body)
    };
    let refused = delete(format!("csrf_token={csrf}")).dispatch().await;
    assert_eq!(refused.status(), Status::SeeOther);
    assert_eq!(refused.headers().get_one("Location"), Some("/accounts/reauthenticate/?next=%2Faccount%2Fdelete"));
    assert_eq!(thief.get("/whoami").cookies(copied.clone()).dispatch().await.status(), Status::Ok, "not deleted");

    // The owner confirms the password: the delete goes through.
    let csrf = token(&client, "/accounts/reauthenticate/").await;
    let body = format!("csrf_token={csrf}&answer=Corr3ct-Horse!");
    let confirmed =
        client.post("/accounts/reauthenticate/?next=%2F").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(confirmed.headers().get_one("Location"), Some("/"));
    let csrf = token(&client, "/accounts/login/").await;
    let deleted =
        client.post("/account/delete").header(ContentType::Form).body(format!("csrf_token={csrf}")).dispatch().await;
    assert_eq!(deleted.into_string().await.as_deref(), Some("deleted"));
}
