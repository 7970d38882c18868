use rocket::http::{Accept, Header, Status};
use rocket::local::asynchronous::Client;
use rocket_warrant::testing::TestPool;

#[rocket::async_test]
async fn browsers_and_api_clients_are_served_until_they_sign_out() {
    let pool = TestPool::new();
    let db = std::env::temp_dir().join(format!("app-{}.sqlite", std::process::id()));
    let figment = pool.figment().merge(("databases.users.url", format!("sqlite://{}", db.display())));
    let client = Client::tracked(super::rocket().configure(figment)).await.unwrap();
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

    // An API client: Bob's access token, no admin.
    let bearer = Header::new("Authorization", format!("Bearer {}", pool.user("bob").access_token()));
    assert_eq!(client.get("/admin").header(bearer).dispatch().await.status(), Status::Forbidden);
}
