//! Sessions and guards through Rocket's local client, against the emulator and a real store:
//! the token cookies, CognitoUser (cookies, Bearer, refresh), groups, logout and ApiKey.

mod common;

use std::sync::Arc;

use common::{with, Pool, StoreKind};
use rocket::http::{Accept, ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::{json, Value};
use rocket::{catchers, get, post, routes};
use rocket_warrant::{ApiKey, Cognito, CognitoUser, Error, Member};

const PASSWORD: &str = "Corr3ct-Horse!";

rocket_warrant::group!(Admins = "admin");

#[get("/me")]
fn me(user: CognitoUser) -> Value {
    json!({
        "username": user.username(),
        "sub": user.sub(),
        "email": user.email(),
        "groups": user.groups(),
        "bearer": user.is_bearer(),
        "has_id_token": user.id_token().is_some(),
        "api_key": user.user().field("api_key"),
    })
}

#[post("/me")]
fn me_post(user: CognitoUser) -> String {
    user.username().to_owned()
}

#[get("/claims")]
fn claims(claims: rocket_warrant::CognitoClaims) -> String {
    format!("{} {}", claims.username(), claims.is_bearer())
}

#[get("/maybe")]
fn maybe(user: Option<CognitoUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.username().to_owned())
}

#[get("/admin")]
fn admin(admin: Member<Admins>) -> String {
    format!("{} administers", admin.username())
}

#[get("/key")]
fn key(key: ApiKey) -> String {
    key.as_str().to_owned()
}

#[get("/maybe-key")]
fn maybe_key(key: Option<ApiKey>) -> String {
    key.map_or_else(|| "none".to_owned(), |k| k.as_str().to_owned())
}

#[get("/logout")]
async fn logout(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "Logged Out"
}

#[get("/fail")]
fn fail() -> Result<(), Error> {
    // A 5xx whose message holds a detail that must not reach the client.
    Err(Error::CookieTooLarge { cookie: "s3cr3t".into(), size: 5000, limit: 4096 })
}

struct Site {
    client: Client,
    pool: Pool,
    clock: Arc<common::PinnedClock>,
}

async fn site(kind: StoreKind, settings: impl FnOnce(&Pool) -> Value) -> Site {
    let pool = Pool::new(false).await;
    let mut attrs = common::dw_attributes();
    attrs.retain(|(k, _)| *k != "preferred_username");
    pool.add_user("alice", PASSWORD, &attrs).await;
    pool.add_user("root", PASSWORD, &[("email", "root@example.com")]).await;
    pool.add_to_group("root", "admin").await;
    let url = common::database_url(kind).await.unwrap();
    let clock = Arc::new(common::PinnedClock::default());
    let rocket = common::rocket_with_clock(kind, &url, settings(&pool), Some(clock.clone()))
        .mount("/", routes![common::routes::login, me, me_post, claims, maybe, admin, key, maybe_key, logout, fail])
        .register("/", catchers![rocket_warrant::redirect_to_login]);
    let client = Client::tracked(rocket).await.expect("valid rocket");
    Site { client, pool, clock }
}

impl Site {
    fn cognito(&self) -> &Cognito {
        self.client.rocket().state::<Cognito>().unwrap()
    }

    async fn login(&self, username: &str, password: &str) -> LocalResponse<'_> {
        self.client
            .post("/login")
            .header(ContentType::Form)
            .body(format!("username={username}&password={password}"))
            .dispatch()
            .await
    }

    async fn me(&self) -> (Status, Option<Value>) {
        let response = self.client.get("/me").dispatch().await;
        let status = response.status();
        (status, response.into_json().await)
    }
}

fn set_cookies<'a>(response: &'a LocalResponse<'_>) -> Vec<&'a str> {
    response.headers().get("Set-Cookie").collect()
}

store_tests! {
    login_sets_two_sealed_cookies_that_the_guard_accepts => |kind: StoreKind, _url: String| async move {
        let site = site(kind, Pool::settings).await;
        let response = site.login("alice", PASSWORD).await;
        assert_eq!(response.status(), Status::Ok);
        let mut cookies = set_cookies(&response);
        cookies.sort();
        // The ID token is kept only with `id_token_cookie`: authentication needs the other two.
        // Beside them, the sign-in's proof and a new CSRF secret.
        assert_eq!(cookies.len(), 4, "{cookies:?}");
        let names = ["cognito_access=", "cognito_csrf=", "cognito_proof=", "cognito_refresh="];
        for (cookie, name) in cookies.iter().zip(names) {
            assert!(cookie.starts_with(name), "{cookie}");
            let name_value = cookie.split(';').next().unwrap();
            assert!(name_value.len() <= 4096, "{} bytes", name_value.len());
            assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
            assert!(cookie.contains("Max-Age=2592000"), "{cookie}");
        }
        drop(response);
        for name in ["cognito_access", "cognito_refresh"] {
            // Sealed: no token text in the clear.
            let plain = common::cookie_token(&site.client.cookies(), name).unwrap();
            let sealed = site.client.cookies().get(name).unwrap().value().to_owned();
            assert!(plain.len() > 40 && !sealed.contains(&plain[plain.len() - 24..]), "{name}");
        }
        let (status, body) = site.me().await;
        assert_eq!(status, Status::Ok);
        let body = body.unwrap();
        assert_eq!(body["username"], "alice");
        assert_eq!(body["email"], "test@email.com");
        assert_eq!(body["bearer"], false);
        assert_eq!(body["has_id_token"], false, "no ID token cookie by default");
        assert_eq!(body["api_key"], "abcdefg", "the local row, loaded through the pool");
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_get_401_or_none_and_html_visitors_the_login_page() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    let response = site.client.get("/me").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(site.client.get("/maybe").dispatch().await.into_string().await.unwrap(), "anonymous");
    let response = site.client.get("/me?tab=2").header(Accept::HTML).dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(response.headers().get_one("Location"), Some("/accounts/login/?next=%2Fme%3Ftab%3D2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_401_with_a_clear_message_and_no_cookie() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    let response = site.login("alice", "Wr0ng-Password!").await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.into_string().await.unwrap(), "invalid username or password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_cookies_and_cookies_sealed_with_another_key_are_refused() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    site.login("alice", PASSWORD).await;
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let sealed_access = site.client.cookies().get("cognito_access").unwrap().value().to_owned();
    let sealed_refresh = site.client.cookies().get("cognito_refresh").unwrap().value().to_owned();
    let flip = |v: &str| {
        let mut bytes = v.as_bytes().to_vec();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let same_key = common::rocket(StoreKind::Sqlite, &db, site.pool.settings()).mount("/", routes![me]);
    let other_key = common::rocket(StoreKind::Sqlite, &db, site.pool.settings()).mount("/", routes![me]);
    let other_figment =
        other_key.figment().clone().merge(("secret_key", "f2cRbd6rWY6eLF7PlSXMx/vVILvlsB3zk2PQx6cKQWk="));
    let same_key = Client::untracked(same_key).await.unwrap();
    let other_key = Client::untracked(other_key.configure(other_figment)).await.unwrap();

    assert_eq!(get(&same_key, "cognito_access", sealed_access.clone()).await, Status::Ok, "intact, same key");
    assert_eq!(get(&same_key, "cognito_access", flip(&sealed_access)).await, Status::Unauthorized, "tampered access");
    assert_eq!(
        get(&same_key, "cognito_refresh", flip(&sealed_refresh)).await,
        Status::Unauthorized,
        "tampered refresh"
    );
    assert_eq!(get(&other_key, "cognito_access", sealed_access).await, Status::Unauthorized, "another key");
    // A token sent as a plain (unsealed) cookie is refused too.

    assert_eq!(get(&same_key, "cognito_access", access).await, Status::Unauthorized, "unsealed");
}

async fn get(client: &Client, name: &'static str, value: String) -> Status {
    client.get("/me").cookie(Cookie::new(name, value)).dispatch().await.status()
}

/// An ID token cookie is handed out only by a site configured to keep one (`id_token_cookie`):
/// the same cookies, sealed with the same key, give a site without the setting no ID token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_id_token_cookie_is_read_only_where_id_token_cookie_is_set() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "id_token_cookie": true }))).await;
    assert_eq!(site.login("alice", PASSWORD).await.status(), Status::Ok);
    let cookies: Vec<Cookie<'static>> = ["cognito_access", "cognito_refresh", "cognito_id"]
        .iter()
        .map(|name| Cookie::new(*name, site.client.cookies().get(name).expect(name).value().to_owned()))
        .collect();
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let has_id_token = |settings: Value| {
        let (db, cookies) = (db.clone(), cookies.clone());
        async move {
            let rocket = common::rocket(StoreKind::Sqlite, &db, settings).mount("/", routes![me]);
            let client = Client::untracked(rocket).await.unwrap();
            let response = client.get("/me").cookies(cookies).dispatch().await;
            assert_eq!(response.status(), Status::Ok);
            response.into_json::<Value>().await.unwrap()["has_id_token"].clone()
        }
    };
    let keeps = with(site.pool.settings(), json!({ "id_token_cookie": true }));
    assert_eq!(has_id_token(keeps).await, true, "the cookies open on a site like the first");
    assert_eq!(has_id_token(site.pool.settings()).await, false, "not this site's to hand out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_access_token_is_refreshed_and_new_cookies_are_sent() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "leeway_secs": 0 }))).await;
    site.login("alice", PASSWORD).await;
    let old_access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&old_access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    // The emulator's tokens live 3600 s: move the verifier's clock to the old token's expiry.
    // A second later, the refreshed token expires a second later than the old one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    site.clock.set(exp);
    assert_eq!(site.cognito().counters().refreshes, 0);

    let response = site.client.get("/me").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "the response carries the new cookies: {cookies:?}");
    drop(response);
    assert_eq!(site.cognito().counters().refreshes, 1);
    let new_access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    assert_ne!(new_access, old_access);

    // The new cookies work without another refresh.
    assert_eq!(site.me().await.0, Status::Ok);
    assert_eq!(site.cognito().counters().refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_refreshes_an_expired_access_token_as_a_get_does() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "leeway_secs": 0 }))).await;
    site.login("alice", PASSWORD).await;
    let old_access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&old_access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    site.clock.set(exp);
    let response = site.client.post("/me").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(set_cookies(&response).len(), 2, "new cookies on the POST's response");
    assert_eq!(response.into_string().await.unwrap(), "alice");
    assert_eq!(site.cognito().counters().refreshes, 1);
    assert_ne!(common::cookie_token(&site.client.cookies(), "cognito_access").unwrap(), old_access);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_global_sign_out_the_refresh_fails_the_request_is_401_and_cookies_are_cleared() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "leeway_secs": 0 }))).await;
    site.login("alice", PASSWORD).await;
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    site.cognito().sdk().global_sign_out().access_token(&access).send().await.unwrap();
    site.clock.set(exp);

    let response = site.client.get("/me").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    let cleared = set_cookies(&response);
    // The session's two cookies, and the proof of its sign-in.
    let names: Vec<&str> = cleared.iter().map(|c| c.split('=').next().unwrap()).collect();
    assert_eq!(names, ["cognito_access", "cognito_refresh", "cognito_proof"], "{cleared:?}");
    assert!(cleared.iter().all(|c| c.contains("Max-Age=0")), "{cleared:?}");
    drop(response);
    assert!(site.client.cookies().get("cognito_refresh").is_none());
    assert_eq!(site.me().await.0, Status::Unauthorized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_access_token_works_and_bearer_id_token_does_not() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    let login = site.cognito().login("alice", PASSWORD).await.unwrap();
    let bearer = |token: &str| Header::new("Authorization", format!("Bearer {token}"));
    let client = Client::untracked(
        common::rocket(
            StoreKind::Sqlite,
            &common::database_url(StoreKind::Sqlite).await.unwrap(),
            site.pool.settings(),
        )
        .mount("/", routes![me]),
    )
    .await
    .unwrap();

    let response = client.get("/me").header(bearer(&login.tokens.access_token)).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["bearer"], true);
    assert_eq!(body["api_key"], "abcdefg", "a Bearer client's first visit creates the local row from GetUser");

    let response = client.get("/me").header(bearer(&login.tokens.id_token)).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    let response = client.get("/me").header(bearer("not-a-token")).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_group_admits_members_and_refuses_others() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    assert_eq!(site.client.get("/admin").dispatch().await.status(), Status::Unauthorized);
    site.login("alice", PASSWORD).await;
    assert_eq!(site.client.get("/admin").dispatch().await.status(), Status::Forbidden);
    site.login("root", PASSWORD).await;
    let response = site.client.get("/admin").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "root administers");
    let (_, me) = site.me().await;
    assert_eq!(me.unwrap()["groups"], json!(["admin"]));
}

// django-warrant: MiddleWareTests.test_header_transfers and test_header_missing
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_header_present_and_missing() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    let response = site.client.get("/key").header(Header::new("Authorization-Id", "testapikey")).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "testapikey");
    assert_eq!(site.client.get("/key").dispatch().await.status(), Status::Unauthorized);
    assert_eq!(site.client.get("/maybe-key").dispatch().await.into_string().await.unwrap(), "none");
    let response = site.client.get("/maybe-key").header(Header::new("authorization-id", "k2")).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "k2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_header_name_is_configurable() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "api_key_header": "x-api-key" }))).await;
    let response = site.client.get("/key").header(Header::new("X-Api-Key", "gateway-key")).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "gateway-key");
    let response = site.client.get("/key").header(Header::new("Authorization-Id", "old")).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_clears_the_cookies_and_cognito_refuses_the_refresh_token() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    site.login("alice", PASSWORD).await;
    let jar = site.client.cookies();
    let refresh_token = common::cookie_token(&jar, "cognito_refresh").unwrap();
    assert!(site.cognito().refresh(&refresh_token, "alice").await.is_ok(), "alive before logout");

    let response = site.client.get("/logout").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_signed_out(&set_cookies(&response));
    drop(response);
    assert!(site.client.cookies().get("cognito_access").is_none());
    assert_eq!(site.me().await.0, Status::Unauthorized);
    let err = site.cognito().refresh(&refresh_token, "alice").await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_with_cognito_unreachable_still_clears_the_cookies() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| {
        with(p.settings(), json!({ "endpoint_url": "http://127.0.0.1:9", "cognito_timeout_secs": 1 }))
    })
    .await;
    // Signed in through another site on the real emulator, the cookies then sent here.
    let signer = site_cookies_for(&site.pool).await;
    let mut request = site.client.get("/logout");
    for cookie in signer {
        request = request.cookie(cookie);
    }
    let response = request.dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_signed_out(&set_cookies(&response));
}

/// A sign-out's cookies: the session's two and its sign-in's proof removed, and a new CSRF
/// secret (the signed-out pages' tokens are worth nothing to the next user).
fn assert_signed_out(set: &[&str]) {
    let name = |c: &&str| c.split('=').next().unwrap().to_owned();
    let mut removed: Vec<String> = set.iter().filter(|c| c.contains("Max-Age=0")).map(name).collect();
    removed.sort();
    assert_eq!(removed, ["cognito_access", "cognito_proof", "cognito_refresh"], "{set:?}");
    let renewed: Vec<String> = set.iter().filter(|c| !c.contains("Max-Age=0")).map(name).collect();
    assert_eq!(renewed, ["cognito_csrf"], "{set:?}");
}

/// Sealed cookies of a fresh login on a site sharing the test secret key.
async fn site_cookies_for(pool: &Pool) -> Vec<Cookie<'static>> {
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let client = Client::untracked(
        common::rocket(StoreKind::Sqlite, &db, pool.settings()).mount("/", routes![common::routes::login]),
    )
    .await
    .unwrap();
    let response = client
        .post("/login")
        .header(ContentType::Form)
        .body(format!("username=alice&password={PASSWORD}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    response.cookies().iter().map(|c| c.clone().into_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_cookies_are_secure_and_named_host_only() {
    need_emulator!();
    // The settings without `cookie_secure`: the default a site behind a TLS proxy gets.
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "cookie_secure": null }))).await;
    let response = site.login("alice", PASSWORD).await;
    let cookies = set_cookies(&response);
    // The session's two, the sign-in's proof and a new CSRF secret.
    assert_eq!(cookies.len(), 4, "{cookies:?}");
    for cookie in &cookies {
        assert!(cookie.starts_with("__Host-cognito_"), "{cookie}");
        let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
        // What `__Host-` requires of them: Secure, path /, no Domain.
        assert!(attributes.contains(&"Secure") && attributes.contains(&"Path=/"), "{cookie}");
        assert!(!attributes.iter().any(|a| a.starts_with("Domain")), "{cookie}");
    }
    drop(response);
    assert_eq!(site.me().await.0, Status::Ok, "the guard reads them by those names");
    let response = site.client.get("/logout").dispatch().await;
    let cleared = set_cookies(&response);
    assert!(cleared.iter().all(|c| c.starts_with("__Host-cognito_")), "{cleared:?}");
    let removed = cleared.iter().filter(|c| c.contains("Max-Age=0")).count();
    assert_eq!(removed, 3, "the session's two and the proof; a new CSRF secret: {cleared:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_attributes_follow_the_settings() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| {
        with(p.settings(), json!({ "cookie_prefix": "auth", "cookie_secure": false, "cookie_same_site": "strict", "cookie_max_age_secs": 3600 }))
    })
    .await;
    let response = site.login("alice", PASSWORD).await;
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 4, "the session's two, the proof, the CSRF secret: {cookies:?}");
    for cookie in cookies {
        assert!(cookie.starts_with("auth_"), "{cookie}");
        assert!(!cookie.contains("Secure"), "cookie_secure = false: {cookie}");
        // The CSRF secret is Lax whatever the setting: a page reached by a link from another
        // site must not replace it.
        let same_site = if cookie.starts_with("auth_csrf=") { "SameSite=Lax" } else { "SameSite=Strict" };
        assert!(cookie.contains(same_site) && cookie.contains("Max-Age=3600"), "{cookie}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_an_expired_token_share_one_refresh() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "leeway_secs": 0 }))).await;
    site.login("alice", PASSWORD).await;
    let sealed: Vec<Cookie<'static>> = ["cognito_access", "cognito_refresh"]
        .iter()
        .map(|name| site.client.cookies().get(name).unwrap().clone().into_owned())
        .collect();
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    site.clock.set(exp);

    let requests = (0..50).map(|_| {
        let mut request = site.client.get("/me");
        for cookie in &sealed {
            request = request.cookie(cookie.clone());
        }
        async move { request.dispatch().await.status() }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == Status::Ok), "{statuses:?}");
    assert_eq!(site.cognito().counters().refreshes, 1, "50 requests, one refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_errors_answer_without_internal_detail() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    let response = site.client.get("/fail").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    let body = response.into_string().await.unwrap();
    assert!(!body.contains("s3cr3t") && body.contains("authentication failed"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claims_guard_needs_no_local_row() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "create_unknown_users": false }))).await;
    assert_eq!(site.client.get("/claims").dispatch().await.status(), Status::Unauthorized);
    // Signed in with a token obtained elsewhere: verified, but no local row here.
    let login = site.cognito().login("alice", PASSWORD).await;
    assert!(matches!(login, Err(Error::NotProvisioned)), "{login:?}");
    let tokens = site
        .pool
        .admin
        .admin_initiate_auth()
        .user_pool_id(&site.pool.pool_id)
        .client_id(&site.pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let access = tokens.authentication_result().unwrap().access_token().unwrap().to_owned();
    let bearer = Header::new("Authorization", format!("Bearer {access}"));
    let response = site.client.get("/claims").header(bearer.clone()).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "alice true");
    assert_eq!(site.client.get("/me").header(bearer).dispatch().await.status(), Status::Forbidden);
}

/// A refused `Authorization: Bearer` header is the API client's problem: the browser session in
/// the same request's cookies stays (only refused cookie credentials clear cookies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_bearer_header_leaves_the_cookie_session_alone() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, Pool::settings).await;
    assert_eq!(site.login("alice", PASSWORD).await.status(), Status::Ok);
    for bad in ["Bearer not-a-token", "Bearer eyJhbGciOiJub25lIn0.e30."] {
        let response = site.client.get("/me").header(Header::new("Authorization", bad)).dispatch().await;
        assert_eq!(response.status(), Status::Unauthorized, "{bad}");
        assert!(set_cookies(&response).is_empty(), "{bad}: no cookie is removed");
    }
    assert!(site.client.cookies().get("cognito_access").is_some());
    let (status, body) = site.me().await;
    assert_eq!((status, body.unwrap()["username"].clone()), (Status::Ok, json!("alice")), "still signed in");
}

#[post("/start", data = "<form>")]
async fn start(
    cognito: &Cognito,
    jar: &rocket::http::CookieJar<'_>,
    form: rocket::form::Form<common::routes::Credentials>,
) -> Status {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Status::Ok,
        // The challenge is kept: the page that answers it comes next.
        Err(Error::ChallengeRequired(_)) => Status::Accepted,
        Err(e) => e.status(),
    }
}

#[get("/pending")]
fn pending(pending: Option<rocket_warrant::PendingChallenge>) -> String {
    pending.map_or_else(|| "none".to_owned(), |p| p.username().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_challenge_is_refused_after_three_minutes_even_if_the_browser_keeps_it() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user_with_temporary_password("newcomer", PASSWORD).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let clock = Arc::new(common::PinnedClock::default());
    let rocket = common::rocket_with_clock(StoreKind::Sqlite, &url, pool.settings(), Some(clock.clone()))
        .mount("/", routes![start, pending]);
    let client = Client::tracked(rocket).await.unwrap();
    let now = rocket_warrant::testing::Clock::now(&rocket_warrant::testing::SystemClock);
    clock.set(now);
    let body = format!("username=newcomer&password={PASSWORD}");
    let response = client.post("/start").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(response.status(), Status::Accepted);
    drop(response);
    let copied = client.cookies().get("cognito_challenge").expect("the challenge cookie").clone().into_owned();
    let read = |clock_at: i64| {
        clock.set(clock_at);
        let request = client.get("/pending").cookie(copied.clone());
        async move { request.dispatch().await.into_string().await.unwrap() }
    };
    assert_eq!(read(now + 179).await, "newcomer");
    // Past Cognito's three minutes the copy is worth nothing, whatever its Max-Age said.
    assert_eq!(read(now + 180).await, "none");
    assert_eq!(read(now + 3600).await, "none");
    assert_eq!(read(now - 60).await, "none", "nor one kept in the future");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_is_shared_by_concurrent_requests_and_each_is_told_the_session_ended() {
    need_emulator!();
    let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "leeway_secs": 0 }))).await;
    site.login("alice", PASSWORD).await;
    let sealed: Vec<Cookie<'static>> = ["cognito_access", "cognito_refresh"]
        .iter()
        .map(|name| site.client.cookies().get(name).unwrap().clone().into_owned())
        .collect();
    // Signed out elsewhere: the refresh token is dead at Cognito.
    let refresh = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    site.pool.admin.revoke_token().client_id(&site.pool.client_id).token(refresh).send().await.unwrap();
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    site.clock.set(exp);

    let requests = (0..50).map(|_| {
        let mut request = site.client.get("/me").header(Accept::JSON);
        for cookie in &sealed {
            request = request.cookie(cookie.clone());
        }
        async move {
            let response = request.dispatch().await;
            let cleared = response.headers().get("Set-Cookie").filter(|c| c.contains("Max-Age=0")).count();
            (response.status(), cleared)
        }
    });
    let outcomes = futures::future::join_all(requests).await;
    assert!(outcomes.iter().all(|(s, _)| *s == Status::Unauthorized), "{outcomes:?}");
    // The session's two cookies and the proof of its sign-in.
    assert!(outcomes.iter().all(|(_, cleared)| *cleared == 3), "each response ends the session: {outcomes:?}");
    assert_eq!(site.cognito().counters().refresh_calls, 1, "50 requests, one refused refresh");
    assert_eq!(site.cognito().counters().refreshes, 0);
}

/// As better-auth GHSA-xg6x-h9c9-2m83 (a session made before the second factor): a sign-in
/// halfway through a step Cognito asked for (a new password, a texted code) is no session, in
/// either mode: only the step's own cookie is set, no guard passes, no server-side session and
/// no local row are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_halfway_through_a_step_is_no_session() {
    need_emulator!();
    for mode in ["cookies", "database"] {
        let site = site(StoreKind::Sqlite, |p| with(p.settings(), json!({ "session_store": mode }))).await;
        site.pool.add_user_with_temporary_password("newbie", "Temp-Passw0rd!").await;
        site.pool.add_user("texted", PASSWORD, &[("phone_number", "+15555550123")]).await;
        site.pool.enable_sms_mfa("texted").await;
        for (username, password) in [("newbie", "Temp-Passw0rd!"), ("texted", PASSWORD)] {
            let response = site.login(username, password).await;
            assert_eq!(response.status(), Status::Unauthorized, "{mode}: {username}: a step is asked for");
            let set: Vec<String> =
                set_cookies(&response).iter().map(|c| c.split('=').next().unwrap().to_owned()).collect();
            assert_eq!(set, ["cognito_challenge"], "{mode}: {username}: the step's cookie alone");
            drop(response);
            for path in ["/me", "/claims"] {
                let status = site.client.get(path).header(Accept::JSON).dispatch().await.status();
                assert_eq!(status, Status::Unauthorized, "{mode}: {username}: {path}");
            }
            assert_eq!(site.client.get("/maybe").dispatch().await.into_string().await.unwrap(), "anonymous");
            if mode == "database" {
                assert!(
                    site.cognito().user_sessions(username).await.unwrap().is_empty(),
                    "{username}: no session stored"
                );
            }
            assert_eq!(site.cognito().store().unwrap().find(username).await.unwrap(), None, "{username}: no row");
        }
    }
}
