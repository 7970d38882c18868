//! What the crate refuses, and how it behaves when Cognito, the key endpoint or the database
//! fails: hostile tokens through the guard, injected faults, concurrency.

#[path = "common/cdu.rs"]
mod cdu;
mod common;
#[path = "../examples/cdu/site/mod.rs"]
#[allow(dead_code)]
mod site;
#[path = "common/tokens.rs"]
mod tokens;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::routes::me;
use common::{with, Fault, Pool, StoreKind};
use rocket::http::{ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes};
use rocket_warrant::testing::TestPool;
use rocket_warrant::Cognito;
use serde_json::json;
use tokens::*;

const PASSWORD: &str = "Corr3ct-Horse!";

#[post("/login", data = "<form>")]
async fn login(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>, form: rocket::form::Form<Creds>) -> Status {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Status::Ok,
        Err(e) => e.status(),
    }
}

#[derive(rocket::FromForm)]
struct Creds {
    username: String,
    password: String,
}

/// Posts alice's credentials to `/login` and checks that they were accepted.
async fn sign_in_alice(client: &Client) -> rocket::local::asynchronous::LocalResponse<'_> {
    let body = format!("username=alice&password={}", PASSWORD.replace('!', "%21"));
    let response = client.post("/login").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    response
}

/// Settings for the test pool of `tokens` (no emulator): keys inline, Cognito unreachable, and
/// no local rows created, so a token that verifies meets 403 and one that does not meets 401.
fn token_settings() -> serde_json::Value {
    json!({
        "user_pool_id": "eu-west-1_TestPool",
        "app_client_id": CLIENT,
        "jwks": include_str!("fixtures/test-jwks.json"),
        "endpoint_url": "http://127.0.0.1:9",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "create_unknown_users": false,
        "max_attempts": 1,
        // The local client speaks plain http; the tests name the cookies as set.
        "cookie_secure": false,
    })
}

async fn client_with(settings: serde_json::Value) -> Client {
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    Client::untracked(common::rocket(StoreKind::Sqlite, &db, settings).mount("/", routes![me, login])).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_tokens_are_refused_as_bearer_tokens_and_as_sealed_cookies() {
    let client = client_with(token_settings()).await;
    let valid = sign(&access_claims());
    let bearer = client.get("/me").header(Header::new("Authorization", format!("Bearer {valid}"))).dispatch().await;
    assert_eq!(bearer.status(), Status::Forbidden, "a valid token verifies (and has no local row)");
    let pool = TestPool::new();
    let cookie = client.get("/me").cookie(pool.token_cookie("cognito_access", &valid)).dispatch().await;
    assert_eq!(cookie.status(), Status::Forbidden);

    // One row is a valid access token presented where an ID token was expected: as a Bearer
    // access token it is simply valid.
    for (name, token, _, _) in
        hostile_tokens().into_iter().filter(|(name, ..)| *name != "access token used as id token")
    {
        let header = Header::new("Authorization", format!("Bearer {token}"));
        assert_eq!(client.get("/me").header(header).dispatch().await.status(), Status::Unauthorized, "bearer: {name}");
        let sealed = pool.token_cookie("cognito_access", &token);
        assert_eq!(client.get("/me").cookie(sealed).dispatch().await.status(), Status::Unauthorized, "cookie: {name}");
    }
}

/// The key endpoint serves the keys once (at ignite), then fails as `fault` says.
async fn key_endpoint_then(fault: Fault) -> Client {
    let url =
        common::fault_server(vec![Fault::Answer(200, include_str!("fixtures/test-jwks.json").to_owned()), fault]).await;
    let settings = with(
        token_settings(),
        json!({ "jwks": null, "jwks_url": url, "jwks_timeout_secs": 1, "jwks_refetch_interval_secs": 0 }),
    );
    client_with(settings).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_key_endpoint_leaves_cached_keys_working() {
    let known = sign(&access_claims());
    let rotated = sign_with(&access_claims(), "rotated-key", &other_key());
    let bearer = |t: &str| Header::new("Authorization", format!("Bearer {t}"));
    for fault in [Fault::Answer(500, "oops".into()), Fault::Answer(200, "<html>not keys</html>".into())] {
        let client = key_endpoint_then(fault.clone()).await;
        let status = client.get("/me").header(bearer(&rotated)).dispatch().await.status();
        assert_eq!(status, Status::ServiceUnavailable, "{fault:?}: a token that needs a new key");
        let status = client.get("/me").header(bearer(&known)).dispatch().await.status();
        assert_eq!(status, Status::Forbidden, "{fault:?}: the cached key still verifies");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_key_endpoint_blocks_nothing_and_times_out() {
    let client = key_endpoint_then(Fault::Hang).await;
    let known = sign(&access_claims());
    let rotated = sign_with(&access_claims(), "rotated-key", &other_key());
    let bearer = |t: &str| Header::new("Authorization", format!("Bearer {t}"));
    let finished = AtomicUsize::new(0);
    let order = |slot: &AtomicUsize| slot.store(finished.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
    let (hanging_done, known_done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let hanging = async {
        let status = client.get("/me").header(bearer(&rotated)).dispatch().await.status();
        order(&hanging_done);
        status
    };
    let cached = async {
        // Let the other request start its fetch first.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(client.get("/me").header(bearer(&known)).dispatch().await.status());
        }
        order(&known_done);
        statuses
    };
    let (hanging_status, cached_statuses) = tokio::join!(hanging, cached);
    assert_eq!(hanging_status, Status::ServiceUnavailable, "refused once the fetch times out");
    assert!(cached_statuses.iter().all(|s| *s == Status::Forbidden), "{cached_statuses:?}");
    assert!(
        known_done.load(Ordering::SeqCst) < hanging_done.load(Ordering::SeqCst),
        "requests with a cached key finished while the fetch hung"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_says_unavailable_when_cognito_fails_and_creates_no_user() {
    need_emulator!();
    let demo = cdu::demo().await;
    let faults = [
        ("hangs", common::fault_server(vec![Fault::Hang]).await),
        ("throttles", common::fault_server(vec![Fault::AwsError(400, "TooManyRequestsException")]).await),
        ("fails", common::fault_server(vec![Fault::AwsError(500, "InternalErrorException")]).await),
        ("is gone", "http://127.0.0.1:9".to_owned()),
    ];
    for (what, endpoint) in faults {
        let figment = demo
            .figment()
            .merge(("cognito.endpoint_url", &endpoint))
            .merge(("cognito.cognito_timeout_secs", 1))
            .merge(("cognito.auth_flow", "user_password"));
        let client = Client::tracked(site::build(figment)).await.unwrap();
        let form = client.get("/accounts/login/").dispatch().await.into_string().await.unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = form.find(marker).unwrap() + marker.len();
        let csrf = form[start..].split('"').next().unwrap();
        let page = client
            .post("/accounts/login/")
            .header(ContentType::Form)
            .body(format!("csrf_token={csrf}&username=demo&password={}", cdu::DEMO_PASSWORD.replace('!', "%21")))
            .dispatch()
            .await;
        assert_eq!(page.status(), Status::ServiceUnavailable, "Cognito {what}");
        assert!(page.into_string().await.unwrap().contains("unavailable"), "Cognito {what}");
        let cognito = client.rocket().state::<Cognito>().unwrap();
        assert_eq!(cognito.store().unwrap().find("demo").await.unwrap(), None, "Cognito {what}: no local user");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_with_cognito_unreachable_is_unavailable_and_keeps_the_session() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[]).await;
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    // Signed in on a site that reaches Cognito...
    let online = Client::tracked(common::rocket(StoreKind::Sqlite, &db, pool.settings()).mount("/", routes![login]))
        .await
        .unwrap();
    let response = sign_in_alice(&online).await;
    let cookies: Vec<Cookie<'static>> = response.cookies().iter().map(|c| c.clone().into_owned()).collect();
    let access = common::cookie_token(&online.cookies(), "cognito_access").unwrap();
    let exp = online
        .rocket()
        .state::<Cognito>()
        .unwrap()
        .verify(&access, rocket_warrant::tokens::TokenUse::Access)
        .await
        .unwrap()
        .exp
        .unwrap();

    // ...then the access token expires while Cognito is unreachable.
    let clock = Arc::new(common::PinnedClock::default());
    clock.set(exp);
    let settings = with(
        pool.settings(),
        json!({ "endpoint_url": common::fault_server(vec![Fault::Hang]).await, "cognito_timeout_secs": 0.8, "leeway_secs": 0 }),
    );
    let offline = Client::untracked(
        common::rocket_with_clock(StoreKind::Sqlite, &db, settings, Some(clock)).mount("/", routes![me]),
    )
    .await
    .unwrap();
    for attempt in 0..2 {
        let mut request = offline.get("/me");
        for cookie in &cookies {
            request = request.cookie(cookie.clone());
        }
        let response = request.dispatch().await;
        assert_eq!(response.status(), Status::ServiceUnavailable, "attempt {attempt}");
        assert_eq!(response.headers().get("Set-Cookie").count(), 0, "the session is kept for a retry");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_is_503_and_service_resumes_when_it_returns() {
    need_emulator!();
    let Some(url) = common::database_url(StoreKind::Postgres).await else {
        common::record_store_run("postgres-not-run", module_path!());
        return;
    };
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[]).await;
    let proxy = common::CuttableProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let db = url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(db, url, "the database URL goes through the proxy");
    // Every request reads the database (no user cache), so that its outage shows.
    let settings = with(pool.settings(), json!({ "user_cache_ttl_secs": 0 }));
    let rocket = common::rocket(StoreKind::Postgres, &db, settings).mount("/", routes![me, login]);
    let client = Client::tracked(rocket).await.unwrap();
    sign_in_alice(&client).await;
    assert_eq!(client.get("/me").dispatch().await.status(), Status::Ok);

    proxy.cut();
    for attempt in 0..3 {
        assert_eq!(client.get("/me").dispatch().await.status(), Status::ServiceUnavailable, "attempt {attempt}");
    }
    assert!(client.cookies().get("cognito_access").is_some(), "an outage does not end the session");

    proxy.restore();
    let response = client.get("/me").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "alice");
    common::record_store_run("postgres", module_path!());
}

#[get("/claims")]
fn claims(claims: rocket_warrant::CognitoClaims) -> String {
    claims.username().to_owned()
}

/// A database that stops answering (connections held open, nothing said) while requests that
/// need no row keep coming: each waits for the revocations' read a quarter of a second at most,
/// then goes on with the revocations known so far.
async fn a_database_that_hangs_holds_up_no_route_that_needs_none(kind: StoreKind, server: &str) {
    let Some(url) = common::database_url(kind).await else {
        common::record_store_run(&format!("{}-not-run", kind.name()), module_path!());
        return;
    };
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[]).await;
    let proxy = common::CuttableProxy::start(server.parse().unwrap()).await;
    let db = url.replacen(server, &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(db, url, "the database URL goes through the proxy");
    let settings = with(pool.settings(), json!({ "revocation_sync_secs": 0.2 }));
    let client = Client::tracked(common::rocket(kind, &db, settings).mount("/", routes![claims])).await.unwrap();
    let cognito = client.rocket().state::<Cognito>().unwrap();
    let access = cognito.login("alice", PASSWORD).await.expect("login").tokens.access_token;
    let bearer = || Header::new("Authorization", format!("Bearer {access}"));
    assert_eq!(client.get("/claims").header(bearer()).dispatch().await.status(), Status::Ok);

    proxy.hang();
    // Past two sync intervals: the list is due, and the read of it will never be answered.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for attempt in 0..6 {
        let request = client.get("/claims").header(bearer()).dispatch();
        // The read is given a quarter of a second (`WAIT_AT_MOST`); a request that waited for the
        // database's own timeout (seconds) would miss this bound, which leaves a loaded two-core
        // machine four times the promise.
        let response = tokio::time::timeout(std::time::Duration::from_millis(1000), request)
            .await
            .unwrap_or_else(|_| panic!("attempt {attempt}: held up more than the quarter second promised"));
        assert_eq!(response.status(), Status::Ok, "attempt {attempt}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    common::record_store_run(kind.name(), module_path!());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_that_hangs_holds_up_no_route_that_needs_none() {
    need_emulator!();
    a_database_that_hangs_holds_up_no_route_that_needs_none(StoreKind::Postgres, "127.0.0.1:5432").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_that_hangs_holds_up_no_route_that_needs_none() {
    need_emulator!();
    a_database_that_hangs_holds_up_no_route_that_needs_none(StoreKind::Mysql, "127.0.0.1:3306").await;
}

store_tests! {
    fifty_concurrent_first_logins_give_one_row_and_fifty_successes => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(false).await;
        pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
        // The password flow: the emulator's SRP arithmetic is Python, and the race under test
        // is the local row's, not Cognito's.
        let settings = with(pool.settings(), json!({ "auth_flow": "user_password", "cognito_timeout_secs": 20 }));
        let (_rocket, cognito) = common::ignite(kind, &url, settings).await;
        let logins = (0..50).map(|_| {
            let cognito = cognito.clone();
            tokio::spawn(async move { cognito.login("alice", PASSWORD).await.map(|l| l.user.unwrap().id) })
        });
        let ids: Vec<i64> = futures::future::join_all(logins).await.into_iter().map(|r| r.unwrap().expect("login")).collect();
        assert_eq!(ids.len(), 50);
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_with_one_expired_token_make_one_refresh() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[]).await;
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let clock = Arc::new(common::PinnedClock::default());
    let settings = with(pool.settings(), json!({ "leeway_secs": 0 }));
    let rocket =
        common::rocket_with_clock(StoreKind::Sqlite, &db, settings, Some(clock.clone())).mount("/", routes![me, login]);
    let client = Client::tracked(rocket).await.unwrap();
    let response = sign_in_alice(&client).await;
    let cookies: Vec<Cookie<'static>> = response.cookies().iter().map(|c| c.clone().into_owned()).collect();
    let cognito = client.rocket().state::<Cognito>().unwrap();
    let access = common::cookie_token(&client.cookies(), "cognito_access").unwrap();
    let exp = cognito.verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    clock.set(exp);
    let before = cognito.counters().refreshes;
    let requests = (0..200).map(|_| {
        let mut request = client.get("/me");
        for cookie in &cookies {
            request = request.cookie(cookie.clone());
        }
        async move { request.dispatch().await.status() }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(
        statuses.iter().all(|s| *s == Status::Ok),
        "{:?}",
        statuses.iter().filter(|s| **s != Status::Ok).collect::<Vec<_>>()
    );
    assert_eq!(cognito.counters().refreshes - before, 1, "200 requests, one refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_first_requests_fetch_the_keys_once_and_forged_kids_fetch_nothing() {
    // The key endpoint fails at ignite, so the first requests find no key cached.
    let (url, fetches) = common::counting_fault_server(vec![
        Fault::Answer(500, "not yet".into()),
        Fault::Answer(200, include_str!("fixtures/test-jwks.json").to_owned()),
    ])
    .await;
    let settings = with(token_settings(), json!({ "jwks": null, "jwks_url": url, "jwks_refetch_interval_secs": 60 }));
    let client = client_with(settings).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "the fetch at ignite");
    let cognito = client.rocket().state::<Cognito>().unwrap();
    assert!(cognito.counters().cached_kids.is_empty());

    let bearer = |t: &str| Header::new("Authorization", format!("Bearer {t}"));
    let valid = sign(&access_claims());
    let first = (0..1000).map(|_| {
        let request = client.get("/me").header(bearer(&valid));
        async move { request.dispatch().await.status() }
    });
    let statuses = futures::future::join_all(first).await;
    assert!(statuses.iter().all(|s| *s == Status::Forbidden), "all verified (and have no local row)");
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "1,000 concurrent misses, one fetch");

    let forged = (0..10_000).map(|i| {
        let token = raw(json!({ "alg": "RS256", "kid": format!("forged-{i}") }), &access_claims(), b"sig");
        let request = client.get("/me").header(bearer(&token));
        async move { request.dispatch().await.status() }
    });
    let statuses = futures::future::join_all(forged).await;
    assert!(statuses.iter().all(|s| *s == Status::Unauthorized));
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "10,000 forged kids within the interval, no fetch");
}

fn bearer(token: &str) -> Header<'static> {
    Header::new("Authorization", format!("Bearer {token}"))
}

/// Whether a response deletes a cookie.
fn deletes_a_cookie(response: &rocket::local::asynchronous::LocalResponse<'_>) -> bool {
    response.headers().get("Set-Cookie").any(|c| c.contains("Max-Age=0"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_withdrawn_from_the_jwks_stops_being_trusted_cached_tokens_included() {
    let jwks = include_str!("fixtures/test-jwks.json");
    // The same key material under another kid: "test-key" is withdrawn.
    let rotated = jwks.replace("\"test-key\"", "\"next-key\"");
    let (url, fetches) =
        common::counting_fault_server(vec![Fault::Answer(200, jwks.to_owned()), Fault::Answer(200, rotated)]).await;
    let settings = with(token_settings(), json!({ "jwks": null, "jwks_url": url, "jwks_refresh_interval_secs": 0.3 }));
    let client = client_with(settings).await;
    let token = sign(&access_claims());
    let cookie = TestPool::new().token_cookie("cognito_access", &token);
    assert_eq!(client.get("/me").header(bearer(&token)).dispatch().await.status(), Status::Forbidden, "verified");
    assert_eq!(client.get("/me").cookie(cookie.clone()).dispatch().await.status(), Status::Forbidden, "verified");
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "the fetch at ignite; both requests found the token cached");

    // Past the interval a request starts the refresh in the background; soon after, the
    // withdrawn key's token is refused, from the verified-token cache and the opened cookie.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let mut refused = false;
    for _ in 0..50 {
        if client.get("/me").header(bearer(&token)).dispatch().await.status() == Status::Unauthorized {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "the Bearer token of a withdrawn key is refused within the interval");
    assert!(fetches.load(Ordering::SeqCst) >= 2, "the periodic refresh fetched the key set");
    let response = client.get("/me").cookie(cookie).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized, "the opened cookie too");
    let cognito = client.rocket().state::<Cognito>().unwrap();
    assert_eq!(cognito.counters().cached_kids, ["next-key"]);
}

/// Cognito's key set as it is: two keys, one signing ID tokens and one access tokens ("two pairs
/// of RSA cryptographic keys for each user pool", developer guide, "Verifying a JSON web
/// token"). Both kinds verify from one fetch; when the pool withdraws the access tokens' key,
/// its tokens are refused within the interval and the ID tokens' key keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_signing_keys_verify_from_one_fetch_and_are_withdrawn_one_at_a_time() {
    let one: serde_json::Value = serde_json::from_str(include_str!("fixtures/test-jwks.json")).unwrap();
    let key_set = |kids: &[&str]| {
        let keys: Vec<serde_json::Value> =
            kids.iter().map(|kid| tokens::set(one["keys"][0].clone(), "kid", json!(kid))).collect();
        json!({ "keys": keys }).to_string()
    };
    let (url, fetches) = common::counting_fault_server(vec![
        Fault::Answer(200, key_set(&["id-key", "access-key"])),
        Fault::Answer(200, key_set(&["id-key", "access-key-2"])),
    ])
    .await;
    let settings = with(token_settings(), json!({ "jwks": null, "jwks_url": url, "jwks_refresh_interval_secs": 0.3 }));
    let client = client_with(settings).await;
    let cognito = client.rocket().state::<Cognito>().unwrap();
    let access = tokens::sign_with(&access_claims(), "access-key", &tokens::pool_key());
    let id = tokens::sign_with(&id_claims(), "id-key", &tokens::pool_key());
    assert_eq!(client.get("/me").header(bearer(&access)).dispatch().await.status(), Status::Forbidden, "verified");
    cognito.verify(&id, rocket_warrant::tokens::TokenUse::Id).await.expect("the ID token under its own key");
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch at ignite served both keys");
    assert_eq!(cognito.counters().cached_kids, ["access-key", "id-key"]);

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let mut refused = false;
    for _ in 0..50 {
        if client.get("/me").header(bearer(&access)).dispatch().await.status() == Status::Unauthorized {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "the withdrawn access key's token is refused within the interval");
    cognito.verify(&id, rocket_warrant::tokens::TokenUse::Id).await.expect("the ID tokens' key was not withdrawn");
    let renewed = tokens::sign_with(&access_claims(), "access-key-2", &tokens::pool_key());
    assert_eq!(client.get("/me").header(bearer(&renewed)).dispatch().await.status(), Status::Forbidden);
    assert_eq!(cognito.counters().cached_kids, ["access-key-2", "id-key"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_endpoint_down_at_and_after_start_answers_503_keeps_the_cookies_and_never_401() {
    let (url, fetches) = common::counting_fault_server(vec![Fault::Answer(500, "down".into())]).await;
    let settings = with(token_settings(), json!({ "jwks": null, "jwks_url": url, "jwks_refetch_interval_secs": 60 }));
    let client = client_with(settings).await;
    let token = sign(&access_claims());
    let cookie = TestPool::new().token_cookie("cognito_access", &token);
    for round in 0..3 {
        for _ in 0..5 {
            let response = client.get("/me").header(bearer(&token)).dispatch().await;
            assert_eq!(response.status(), Status::ServiceUnavailable, "round {round}: Bearer");
            let response = client.get("/me").cookie(cookie.clone()).dispatch().await;
            assert_eq!(response.status(), Status::ServiceUnavailable, "round {round}: cookie");
            assert!(!deletes_a_cookie(&response), "round {round}: the cookies are kept");
        }
        // Past the retry delay the next miss tries the endpoint again: still down, still 503.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let fetched = fetches.load(Ordering::SeqCst);
    assert!((2..=5).contains(&fetched), "a fetch per second of outage, not one per request: {fetched}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_endpoint_back_after_an_outage_verifies_again() {
    let jwks = include_str!("fixtures/test-jwks.json").to_owned();
    let (url, _) = common::counting_fault_server(vec![
        Fault::Answer(500, "down".into()),
        Fault::Answer(503, "down".into()),
        Fault::Answer(200, jwks),
    ])
    .await;
    let settings = with(token_settings(), json!({ "jwks": null, "jwks_url": url, "jwks_refetch_interval_secs": 60 }));
    let client = client_with(settings).await;
    let token = sign(&access_claims());
    // The ignite fetch failed; the first request tries again and meets the second failure.
    assert_eq!(client.get("/me").header(bearer(&token)).dispatch().await.status(), Status::ServiceUnavailable);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(client.get("/me").header(bearer(&token)).dispatch().await.status(), Status::Forbidden, "verified");
    // A forged kid, with the keys fresh, is refused outright.
    let forged = raw(json!({ "alg": "RS256", "kid": "forged" }), &access_claims(), b"sig");
    assert_eq!(client.get("/me").header(bearer(&forged)).dispatch().await.status(), Status::Unauthorized);
}

/// Each probe of the cookie test below: the guard that reads one of the crate's cookies.
#[get("/purpose/step")]
fn purpose_step(pending: rocket_warrant::PendingChallenge) -> String {
    pending.username().to_owned()
}

#[get("/purpose/fresh")]
fn purpose_fresh(user: rocket_warrant::Fresh<300>) -> String {
    user.username().to_owned()
}

#[get("/purpose/device")]
fn purpose_device(sign_in: rocket_warrant::SignIn<'_>) -> String {
    sign_in.this_device("alice").unwrap_or("none").to_owned()
}

#[get("/purpose/token")]
fn purpose_token(csrf: rocket_warrant::CsrfToken) -> String {
    csrf.value().to_owned()
}

#[post("/purpose/form", data = "<_form>")]
fn purpose_form(_form: rocket_warrant::CsrfForm) -> &'static str {
    "accepted"
}

/// As next-auth CVE-2023-48309 (a cookie of one purpose accepted as another): each of the
/// crate's sealed cookies (the session's access, refresh and id, the pending step, the proof, the
/// CSRF secret, the remembered device, managed login's state) is sealed for its name, so that its
/// value under any other of the names opens as nothing: each probe, which passes with the
/// genuine cookie, refuses every other cookie's value in its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_cookie_of_one_purpose_never_opens_as_another() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
    pool.add_user_with_temporary_password("newbie", "Temp-Passw0rd!").await;
    pool.remember_devices(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    // Managed login's client (its code grant and scopes; SRP and refresh, its default flows).
    let callback = "http://localhost/auth/callback";
    let (client, _) = pool.hosted_client(callback, "http://localhost/bye", false).await;
    let hosted = json!({
        "app_client_id": client,
        "domain": common::emulator_url().trim_end_matches('/'),
        "redirect_uri": callback,
    });
    let clock = Arc::new(common::PinnedClock::default());
    let site = |mode: &str| {
        let settings = with(with(pool.settings(), hosted.clone()), json!({ "session_store": mode, "leeway_secs": 0 }));
        // The common login: its error response (a step asked for) keeps the step's cookie.
        let routes = routes![
            common::routes::login,
            common::routes::me,
            purpose_step,
            purpose_fresh,
            purpose_device,
            purpose_token,
            purpose_form
        ];
        common::rocket_with_clock(StoreKind::Sqlite, &url, settings, Some(clock.clone()))
            .mount("/", routes)
            .mount("/auth", rocket_warrant::hosted::routes())
    };
    let (cookies, database) =
        (Client::untracked(site("cookies")).await.unwrap(), Client::untracked(site("database")).await.unwrap());
    // Every cookie of the crate's, genuine.
    let mut genuine = set_by(&cookies, "alice", PASSWORD).await;
    genuine.extend(set_by(&database, "alice", PASSWORD).await);
    genuine.extend(set_by(&cookies, "newbie", "Temp-Passw0rd!").await);
    genuine.extend(kept(cookies.get("/auth/login").dispatch().await));
    let by = |name: &str| genuine.iter().find(|c| c.name() == name).cloned().unwrap_or_else(|| panic!("{name}"));
    let names = [
        "cognito_access",
        "cognito_refresh",
        "cognito_session",
        "cognito_challenge",
        "cognito_proof",
        "cognito_csrf",
        "cognito_device",
        "cognito_oauth",
    ];
    let session = [by("cognito_access"), by("cognito_refresh")];
    let token = cookies.get("/purpose/token").cookie(by("cognito_csrf")).dispatch().await.into_string().await.unwrap();
    let access = TestPool::new().open_cookie(&session[0]).expect("the access token");
    let state = cookies.rocket().state::<Cognito>().unwrap();
    let expires = state.verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let device = by("cognito_device");
    let probes = Probes { clock, expires, device, cookies: &cookies, database: &database, session, token };
    for name in names {
        assert!(probes.accept(name, by(name)).await, "{name}: the genuine cookie passes its probe");
        for other in names.iter().filter(|other| **other != name) {
            let forged = Cookie::new(name, by(other).value().to_owned());
            assert!(!probes.accept(name, forged).await, "{other}'s value opened as {name}");
        }
    }
}

/// The cookies a response sets.
fn kept(response: rocket::local::asynchronous::LocalResponse<'_>) -> Vec<Cookie<'static>> {
    response.cookies().iter().filter(|c| !c.value().is_empty()).map(|c| c.clone().into_owned()).collect()
}

/// The cookies a sign-in of `who` sets.
async fn set_by(client: &Client, who: &str, password: &str) -> Vec<Cookie<'static>> {
    let body = format!("username={who}&password={}", password.replace('!', "%21"));
    kept(client.post("/login").header(ContentType::Form).body(body).dispatch().await)
}

/// The sites and what the probes send beside the cookie under test.
struct Probes<'a> {
    clock: Arc<common::PinnedClock>,
    /// When the session's access token expires (a refresh a second later gets a later one).
    expires: i64,
    /// The browser's remembered device.
    device: Cookie<'static>,
    cookies: &'a Client,
    database: &'a Client,
    session: [Cookie<'static>; 2],
    token: String,
}

impl Probes<'_> {
    /// Whether the guard that reads the cookie `name` accepts `cookie` sent under that name.
    async fn accept(&self, name: &str, cookie: Cookie<'static>) -> bool {
        let (cookies, database) = (self.cookies, self.database);
        match name {
            // An access cookie serves by itself; a refresh cookie, once the access token has
            // expired (the clock two hours on), gets new tokens.
            "cognito_access" => cookies.get("/me").cookie(cookie).dispatch().await.status() == Status::Ok,
            "cognito_refresh" => {
                self.clock.set(self.expires);
                // The pool remembers devices: a refresh names the browser's.
                let request = cookies.get("/me").cookie(self.session[0].clone()).cookie(self.device.clone());
                let response = request.cookie(cookie).dispatch().await;
                self.clock.set(0);
                response.status() == Status::Ok
            }
            "cognito_session" => database.get("/me").cookie(cookie).dispatch().await.status() == Status::Ok,
            "cognito_challenge" => cookies.get("/purpose/step").cookie(cookie).dispatch().await.status() == Status::Ok,
            "cognito_proof" => {
                let request = cookies.get("/purpose/fresh").cookies(self.session.to_vec()).cookie(cookie);
                request.dispatch().await.status() == Status::Ok
            }
            "cognito_device" => {
                let response = cookies.get("/purpose/device").cookie(cookie).dispatch().await;
                response.into_string().await.unwrap() != "none"
            }
            "cognito_csrf" => {
                let form = cookies.post("/purpose/form").cookie(cookie).header(ContentType::Form);
                form.body(format!("csrf_token={}", self.token)).dispatch().await.status() == Status::Ok
            }
            _ => {
                // Managed login's sign-in under way: a callback of another state is told the
                // state is wrong, not that no sign-in is under way.
                let response = cookies.get("/auth/callback?code=c&state=s").cookie(cookie).dispatch().await;
                response.into_string().await.unwrap().contains("(state)")
            }
        }
    }
}

#[get("/logout")]
async fn logout_route(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "signed out"
}

/// As Keycloak CVE-2026-9802 and #49213 (a revocation lost, or a session ended, by a database
/// error): a refresh while the database is down answers 503 and ends nothing; a sign-out while it
/// is down is refused at once on its instance and recorded for the others once it answers again,
/// so that the revoked token never comes back, on the other instances nor on one started later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_during_a_refresh_or_a_revocation_ends_nothing_and_lets_nothing_back() {
    need_emulator!();
    let Some(url) = common::database_url(StoreKind::Postgres).await else {
        common::record_store_run("postgres-not-run", module_path!());
        return;
    };
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[]).await;
    let proxy = common::CuttableProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let db = url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    let clock = Arc::new(common::PinnedClock::default());
    let instance = |mode: &'static str, clock: Option<Arc<common::PinnedClock>>| {
        let settings = with(
            pool.settings(),
            json!({ "session_store": mode, "revocation_sync_secs": 0.2, "leeway_secs": 0, "refuse_revoked_tokens": true }),
        );
        let db = db.clone();
        async move {
            let clock = clock.map(|c| c as Arc<dyn rocket_warrant::testing::Clock>);
            let rocket = common::rocket_with_clock(StoreKind::Postgres, &db, settings, clock)
                .mount("/", routes![me, login, claims, logout_route]);
            Client::tracked(rocket).await.unwrap()
        }
    };

    // A refresh while the database is down (a server-side session writes its row): 503, the
    // session kept; the database back, the same session refreshes.
    let server = instance("database", Some(clock.clone())).await;
    sign_in_alice(&server).await;
    let cognito = server.rocket().state::<Cognito>().unwrap();
    let rows = cognito.user_sessions("alice").await.unwrap();
    assert_eq!(rows.len(), 1);
    let token = cognito.login("alice", PASSWORD).await.unwrap().tokens.access_token;
    let exp = cognito.verify(&token, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    clock.set(exp + 1);
    proxy.cut();
    assert_eq!(server.get("/me").dispatch().await.status(), Status::ServiceUnavailable, "an outage, not an end");
    assert!(server.cookies().get("cognito_session").is_some(), "the session cookie is kept");
    proxy.restore();
    // (The pool's connections of before the cut are found broken and replaced: a few tries.)
    let mut status = Status::ServiceUnavailable;
    for _ in 0..10 {
        status = server.get("/me").dispatch().await.status();
        if status != Status::ServiceUnavailable {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert_eq!(status, Status::Ok, "the same session, refreshed");
    assert_eq!(cognito.user_sessions("alice").await.unwrap().len(), 1, "still one session");
    clock.set(0);

    // A sign-out while the database is down (a cookie session: its tokens are in the browser).
    let (a, b) = (instance("cookies", None).await, instance("cookies", None).await);
    sign_in_alice(&a).await;
    let signed_out = common::cookie_token(&a.cookies(), "cognito_access").expect("the access cookie");
    assert_eq!(claims_of(&b, &signed_out).await, Status::Ok);
    proxy.cut();
    assert_eq!(a.get("/logout").dispatch().await.status(), Status::Ok);
    assert_eq!(claims_of(&a, &signed_out).await, Status::Unauthorized, "refused here at once");
    // The database back: recorded by the instance's next read, and read by the others.
    proxy.restore();
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        claims_of(&a, &token).await; // a request that finds the list due
        if claims_of(&b, &signed_out).await == Status::Unauthorized {
            break;
        }
    }
    assert_eq!(claims_of(&b, &signed_out).await, Status::Unauthorized, "refused by the other instance");
    let restarted = instance("cookies", None).await;
    assert_eq!(claims_of(&restarted, &signed_out).await, Status::Unauthorized, "and by one started afterwards");
    assert_eq!(claims_of(&restarted, &token).await, Status::Ok, "only that sign-in's");

    // A server-side session signed out while the database is down: ended here at once, and its
    // row deleted once the database is back, so that a copy of its cookie opens nothing anywhere.
    let copy = server.cookies().get("cognito_session").unwrap().clone().into_owned();
    let elsewhere = instance("database", None).await;
    assert_eq!(elsewhere.get("/me").cookie(copy.clone()).dispatch().await.status(), Status::Ok);
    proxy.cut();
    assert_eq!(server.get("/logout").dispatch().await.status(), Status::Ok);
    assert_eq!(server.get("/me").cookie(copy.clone()).dispatch().await.status(), Status::Unauthorized, "here");
    proxy.restore();
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(elsewhere.get("/me").cookie(copy.clone()).dispatch().await.status(), Status::Unauthorized, "elsewhere");
    assert!(cognito.user_sessions("alice").await.unwrap().is_empty(), "its row is gone");
    common::record_store_run("postgres", module_path!());
}

/// The status of the claims route for a Bearer `token`.
async fn claims_of(client: &Client, token: &str) -> Status {
    client.get("/claims").header(Header::new("Authorization", format!("Bearer {token}"))).dispatch().await.status()
}
