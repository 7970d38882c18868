use rocket::http::{Accept, Header, Status};
use rocket::local::asynchronous::Client;
use rocket_warrant::testing::TestPool;

/// The application on a test pool and a SQLite file of its own.
async fn client(pool: &TestPool, name: &str) -> Client {
    let db = std::env::temp_dir().join(format!("{name}-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let figment = pool.figment().merge(("databases.users.url", format!("sqlite://{}", db.display())));
    Client::tracked(super::rocket().configure(figment)).await.expect("the application launches")
}

#[rocket::async_test]
async fn a_signed_in_browser_is_served_until_it_signs_out() {
    let pool = TestPool::new();
    let client = client(&pool, "browser").await;
    let ada = pool.user("ada").groups(["admin"]);

    let anonymous = client.get("/admin").header(Accept::HTML).dispatch().await;
    assert_eq!(anonymous.headers().get_one("Location"), Some("/accounts/login/?next=%2Fadmin"));

    // A browser signed in, its access token expired: the guard refreshes it and creates the row.
    let mut request = client.get("/");
    for cookie in pool.session_cookies(&ada.clone().expires_in(-60)) {
        request = request.cookie(cookie);
    }
    assert_eq!(request.dispatch().await.into_string().await.unwrap(), "hello ada <ada@example.com>");
    assert_eq!(client.get("/admin").dispatch().await.into_string().await.unwrap(), "ada administers");

    client.post("/accounts/logout").dispatch().await;
    assert_eq!(client.get("/admin").dispatch().await.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn api_clients_send_the_access_token() {
    let pool = TestPool::new();
    let client = client(&pool, "api").await;
    let bearer = |token: String| Header::new("Authorization", format!("Bearer {token}"));

    let bob = pool.user("bob");
    let response = client.get("/whoami").header(bearer(bob.access_token())).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "bob");
    assert_eq!(client.get("/admin").header(bearer(bob.access_token())).dispatch().await.status(), Status::Forbidden);

    let expired = bob.expires_in(-60).access_token();
    assert_eq!(client.get("/whoami").header(bearer(expired)).dispatch().await.status(), Status::Unauthorized);
}
