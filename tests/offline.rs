//! What an application gets without any Cognito at all, through the `testing` feature alone: no
//! emulator, no database, no network. The store-free mode, the in-memory store, the launch-time
//! Sentinels of every guard, and an application's own routes tested as its authors would. (The
//! fault-injection servers of `common` stand in for a failing Cognito; no emulator is used.)

mod common;

use std::sync::Arc;

use rocket::error::ErrorKind;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes, Build, Rocket};
use rocket_warrant::stores::{MemoryStore, UserStore};
use rocket_warrant::testing::{ManualClock, TestPool, TestUser};
use rocket_warrant::CognitoFairing;
use rocket_warrant::{
    AnyPoolClaims, ApiKey, Cognito, CognitoClaims, CognitoUser, CsrfToken, Fresh, Member, PendingChallenge,
};

rocket_warrant::group!(Admins = "admin");

#[get("/claims")]
fn claims(claims: CognitoClaims) -> String {
    format!("{} {}", claims.username(), claims.sub())
}

#[get("/me")]
fn me(user: CognitoUser) -> String {
    format!("{} #{} {}", user.username(), user.user().id, user.email().unwrap_or("-"))
}

#[get("/admin")]
fn admin(admin: Member<Admins>) -> String {
    format!("{} administers", admin.username())
}

#[get("/key")]
fn key(key: ApiKey) -> String {
    key.as_str().to_owned()
}

#[get("/step")]
fn step(pending: PendingChallenge) -> String {
    pending.username().to_owned()
}

#[get("/cognito")]
fn cognito(cognito: &Cognito) -> String {
    cognito.config().user_pool_id.clone()
}

#[get("/fresh")]
fn fresh(user: Fresh<300>) -> String {
    format!("{} {:?}", user.username(), user.proof().factors)
}

#[get("/any")]
fn any(claims: AnyPoolClaims) -> String {
    claims.pool_id().to_owned()
}

#[get("/csrf")]
fn csrf(token: CsrfToken) -> String {
    token.value().to_owned()
}

fn bearer(token: String) -> Header<'static> {
    Header::new("Authorization", format!("Bearer {token}"))
}

async fn client(rocket: Rocket<Build>) -> Client {
    Client::tracked(rocket).await.expect("launches")
}

#[tokio::test]
async fn the_store_free_mode_serves_claims_and_groups() {
    let pool = TestPool::new();
    let rocket = rocket::custom(pool.figment()).attach(Cognito::without_store()).mount("/", routes![claims, admin]);
    let client = client(rocket).await;
    let ada = pool.user("ada").groups(["admin"]);
    let response = client.get("/claims").header(bearer(ada.access_token())).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "ada sub-ada");
    let response = client.get("/admin").header(bearer(ada.access_token())).dispatch().await;
    assert_eq!((response.status(), response.into_string().await.unwrap()), (Status::Ok, "ada administers".into()));
    let bob = pool.user("bob");
    assert_eq!(client.get("/admin").header(bearer(bob.access_token())).dispatch().await.status(), Status::Forbidden);
    assert_eq!(client.get("/claims").dispatch().await.status(), Status::Unauthorized);
    let cognito = client.rocket().state::<Cognito>().unwrap();
    assert!(cognito.store().is_none());
}

#[tokio::test]
async fn a_route_that_needs_a_local_row_stops_a_store_free_launch() {
    let pool = TestPool::new();
    let err = rocket::custom(pool.figment())
        .attach(Cognito::without_store())
        .mount("/", routes![claims, me])
        .ignite()
        .await
        .expect_err("CognitoUser needs a store");
    assert!(matches!(err.kind(), ErrorKind::SentinelAborts(s) if s.len() == 1), "{:?}", err.kind());
    // The same routes launch once there is a store.
    let rocket = rocket::custom(pool.figment()).attach(Cognito::custom(MemoryStore::new())).mount("/", routes![me]);
    rocket.ignite().await.expect("with a store");
}

#[tokio::test]
async fn server_side_sessions_stop_a_launch_that_has_nowhere_to_keep_them() {
    let pool = TestPool::new();
    let figment = || pool.figment().merge(("cognito.session_store", "database"));
    let stopped = |err: rocket::Error| matches!(err.kind(), ErrorKind::FailedFairings(f) if f.iter().any(|f| f.name == "Cognito authentication"));
    let err = rocket::custom(figment()).attach(Cognito::without_store()).ignite().await.expect_err("no store");
    assert!(stopped(err));
    let err =
        rocket::custom(figment()).attach(Cognito::custom(MemoryStore::new())).ignite().await.expect_err("users only");
    assert!(stopped(err));
    let store = std::sync::Arc::new(MemoryStore::new());
    let rocket = rocket::custom(figment()).attach(Cognito::custom(store.clone()).sessions_in(store));
    let rocket = rocket.ignite().await.expect("sessions in the memory store");
    let cognito = rocket.state::<Cognito>().unwrap();
    assert!(cognito.user_sessions("nobody").await.unwrap().is_empty());
    // Cookie sessions have no sessions to list.
    let rocket = rocket::custom(pool.figment()).attach(Cognito::without_store()).ignite().await.unwrap();
    let err = rocket.state::<Cognito>().unwrap().user_sessions("nobody").await.unwrap_err();
    assert!(matches!(err, rocket_warrant::Error::NoSessionStore), "{err:?}");
}

#[tokio::test]
async fn every_guard_stops_a_launch_without_the_fairing() {
    let pool = TestPool::new();
    let routes = [
        ("&Cognito", routes![cognito]),
        ("CognitoClaims", routes![claims]),
        ("CognitoUser", routes![me]),
        ("Member", routes![admin]),
        ("ApiKey", routes![key]),
        ("PendingChallenge", routes![step]),
        ("Fresh", routes![fresh]),
        ("AnyPoolClaims", routes![any]),
        ("CsrfToken", routes![csrf]),
    ];
    for (guard, routes) in routes {
        let err = rocket::custom(pool.figment()).mount("/", routes).ignite().await.expect_err(guard);
        assert!(matches!(err.kind(), ErrorKind::SentinelAborts(_)), "{guard}: {:?}", err.kind());
    }
}

/// The site's users in memory, `users` already signed up.
async fn site_with(
    pool: &TestPool,
    users: &[&TestUser],
    fairing: impl FnOnce(MemoryStore) -> CognitoFairing,
) -> Client {
    let store = MemoryStore::new();
    for user in users {
        store.save(&user.profile(), true).await.unwrap();
    }
    let rocket = rocket::custom(pool.figment()).attach(fairing(store)).mount("/", routes![me, admin, claims]);
    client(rocket).await
}

#[tokio::test]
async fn an_application_route_is_tested_with_bearer_tokens_and_session_cookies() {
    let pool = TestPool::new();
    let ada = pool.user("ada").email("ada@example.org");
    let client = site_with(&pool, &[&ada], Cognito::custom).await;
    let response = client.get("/me").header(bearer(ada.access_token())).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "ada #1 ada@example.org");

    let mut request = client.get("/me");
    for cookie in pool.session_cookies(&ada) {
        request = request.cookie(cookie);
    }
    let response = request.dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "ada #1 ada@example.org", "as a browser");

    // A token of another pool, or an ID token where the access token belongs: refused.
    let stranger = TestPool::with_ids("eu-west-1_Other", "test-client").user("ada");
    assert_eq!(
        client.get("/me").header(bearer(stranger.access_token())).dispatch().await.status(),
        Status::Unauthorized
    );
    assert_eq!(client.get("/me").header(bearer(ada.id_token())).dispatch().await.status(), Status::Unauthorized);
}

#[tokio::test]
async fn a_user_the_store_lacks_is_created_from_cognito_which_offline_is_unavailable() {
    // With `create_unknown_users` on (the default), the first sight of a Bearer client reads its
    // attributes from Cognito (GetUser); here Cognito answers 500: 503, and no row is written.
    let (cognito_url, asked) =
        common::counting_fault_server(vec![common::Fault::AwsError(500, "InternalErrorException")]).await;
    let pool = TestPool::new();
    let store = std::sync::Arc::new(MemoryStore::new());
    let figment = pool.figment().merge(("cognito.endpoint_url", cognito_url));
    let rocket = rocket::custom(figment).attach(Cognito::custom(store.clone())).mount("/", routes![me, claims]);
    let client = client(rocket).await;
    let before = asked.load(std::sync::atomic::Ordering::SeqCst);
    let carl = pool.user("carl");
    assert_eq!(
        client.get("/me").header(bearer(carl.access_token())).dispatch().await.status(),
        Status::ServiceUnavailable
    );
    assert!(asked.load(std::sync::atomic::Ordering::SeqCst) > before, "Cognito was asked for the user");
    assert_eq!(store.find("carl").await.unwrap(), None, "no row written");
    // The claims alone need no row.
    assert_eq!(client.get("/claims").header(bearer(carl.access_token())).dispatch().await.status(), Status::Ok);
}

#[tokio::test]
async fn a_test_clock_expires_tokens_without_waiting() {
    let pool = TestPool::new();
    let ada = pool.user("ada").expires_in(600);
    let clock = Arc::new(ManualClock::default());
    let fairing_clock = clock.clone();
    let client = site_with(&pool, &[&ada], move |store| Cognito::custom(store).with_clock(fairing_clock)).await;
    let token = ada.access_token();
    assert_eq!(client.get("/claims").header(bearer(token.clone())).dispatch().await.status(), Status::Ok);
    clock.advance(600 + 31); // past expiry and the 30 s leeway
    assert_eq!(client.get("/claims").header(bearer(token)).dispatch().await.status(), Status::Unauthorized);
    assert_eq!(client.rocket().state::<Cognito>().unwrap().counters().refreshes, 0, "a Bearer token is not refreshed");
}

#[get("/id")]
fn id(user: CognitoUser) -> String {
    user.id_token().map_or("none".into(), |t| t.split('.').count().to_string())
}

/// `CognitoUser::id_token` gives only an ID token that verifies and is the same user's: a
/// cookie from another session, or an expired one, is none. (The ID token cookie is kept only
/// with `id_token_cookie`.)
#[tokio::test]
async fn the_id_token_is_verified_and_bound_to_the_access_tokens_user() {
    let pool = TestPool::new();
    let (ada, bob) = (pool.user("ada"), pool.user("bob"));
    let store = MemoryStore::new();
    store.save(&ada.profile(), true).await.unwrap();
    let figment = pool.figment().merge(("cognito.id_token_cookie", true));
    let client = client(rocket::custom(figment).attach(Cognito::custom(store)).mount("/", routes![id])).await;
    let with_id_cookie = |id_token: Option<String>| {
        let mut request = client.get("/id");
        for cookie in pool.session_cookies(&ada) {
            request = request.cookie(cookie);
        }
        if let Some(token) = &id_token {
            request = request.cookie(pool.token_cookie("cognito_id", token));
        }
        request
    };
    let cases = [
        (Some(ada.id_token()), "3", "her own"),
        (Some(bob.id_token()), "none", "another user's"),
        (Some(ada.clone().expires_in(-3600).id_token()), "none", "expired"),
        (Some(ada.access_token()), "none", "not an ID token"),
        (None, "none", "no ID cookie"),
    ];
    for (id_token, expected, case) in cases {
        let body = with_id_cookie(id_token).dispatch().await.into_string().await.unwrap();
        assert_eq!(body, expected, "{case}");
    }
}

#[get("/maybe-key")]
fn maybe_key(key: Option<ApiKey>) -> String {
    key.map_or("none".into(), |k| k.as_str().len().to_string())
}

#[tokio::test]
async fn the_api_key_header_is_refused_past_1024_bytes() {
    let pool = TestPool::new();
    let client =
        client(rocket::custom(pool.figment()).attach(Cognito::without_store()).mount("/", routes![key, maybe_key]))
            .await;
    let with_key =
        |path: &'static str, len: usize| client.get(path).header(Header::new("Authorization-Id", "k".repeat(len)));
    assert_eq!(with_key("/key", 1024).dispatch().await.status(), Status::Ok);
    assert_eq!(with_key("/key", 1025).dispatch().await.status(), Status::Unauthorized);
    assert_eq!(with_key("/maybe-key", 1025).dispatch().await.into_string().await.unwrap(), "none");
    assert_eq!(with_key("/maybe-key", 20).dispatch().await.into_string().await.unwrap(), "20");
    assert_eq!(
        client.get("/key").header(Header::new("Authorization-Id", "  ")).dispatch().await.status(),
        Status::Unauthorized
    );
}

/// `redirect_to_login`: browsers go to `login_url` (a custom one here) with `next`; a request
/// with an `Authorization` header, or one that does not want HTML, gets the plain 401.
#[tokio::test]
async fn the_login_redirect_follows_login_url_and_spares_api_clients() {
    use rocket::http::Accept;
    let pool = TestPool::new();
    let figment = pool.figment().merge(("cognito.login_url", "/signin"));
    let rocket = rocket::custom(figment)
        .attach(Cognito::without_store())
        .mount("/", routes![claims])
        .register("/", rocket::catchers![rocket_warrant::redirect_to_login]);
    let client = client(rocket).await;
    let browser = client.get("/claims?tab=2").header(Accept::HTML).dispatch().await;
    assert_eq!(browser.status(), Status::SeeOther);
    assert_eq!(browser.headers().get_one("Location"), Some("/signin?next=%2Fclaims%3Ftab%3D2"));
    let api = client.get("/claims").header(Accept::HTML).header(bearer("expired-or-forged".into())).dispatch().await;
    assert_eq!((api.status(), api.headers().get_one("Location")), (Status::Unauthorized, None));
    let json = client.get("/claims").header(Accept::JSON).dispatch().await;
    assert_eq!(json.status(), Status::Unauthorized);
}

/// Throttling and an outage are told apart, and `max_attempts` is how many calls one login
/// makes to a failing Cognito (the SDK's retries; each test elsewhere sets one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_outages_are_told_apart_and_retried_max_attempts_times() {
    use rocket_warrant::Error;
    let cases = [
        (common::Fault::AwsError(400, "TooManyRequestsException"), "throttled"),
        (common::Fault::AwsError(500, "InternalErrorException"), "unavailable"),
    ];
    for (fault, kind) in cases {
        let (url, requests) = common::counting_fault_server(vec![fault]).await;
        for attempts in [1u32, 3] {
            let pool = TestPool::new();
            let figment = pool
                .figment()
                .merge(("cognito.endpoint_url", &url))
                .merge(("cognito.auth_flow", "user_password"))
                .merge(("cognito.max_attempts", attempts))
                .merge(("cognito.cognito_timeout_secs", 20));
            let rocket = rocket::custom(figment).attach(Cognito::without_store()).ignite().await.unwrap();
            let cognito = rocket.state::<Cognito>().unwrap();
            let before = requests.load(std::sync::atomic::Ordering::SeqCst);
            let err = cognito.login("alice", "Corr3ct-Horse!").await.unwrap_err();
            match kind {
                "throttled" => assert!(matches!(err, Error::Throttled), "{err:?}"),
                _ => assert!(matches!(err, Error::Unavailable(_)), "{err:?}"),
            }
            let made = requests.load(std::sync::atomic::Ordering::SeqCst) - before;
            assert_eq!(made, attempts as usize, "{kind}: calls with max_attempts = {attempts}");
        }
    }
}

/// What an outsider can compute from the crate's source: the seal key of `material`, as the
/// crate derives it (HKDF-SHA256, its salt and label), and the opening of a cookie with it.
fn open_with(material: &[u8], cookie: &rocket::http::Cookie<'_>) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine;
    let mut key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"rocket_warrant"), material).expand(b"session seal v1", &mut key).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cookie.value()).ok()?;
    let (nonce, sealed) = bytes.get(1..)?.split_at_checked(12)?;
    let cipher = aes_gcm::Aes256Gcm::new(&key.into());
    cipher.decrypt(aes_gcm::Nonce::from_slice(nonce), Payload { msg: sealed, aad: cookie.name().as_bytes() }).ok()
}

const PUBLISHED_KEY: &str = "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=";

#[tokio::test]
async fn without_a_key_of_its_own_a_debug_site_seals_under_a_random_key_and_a_release_site_refuses_to_launch() {
    use base64::Engine;
    let pool = TestPool::new();
    let alice = pool.user("alice");
    let store = MemoryStore::new();
    store.save(&alice.profile(), true).await.unwrap();
    let store = Arc::new(store);
    let base = || {
        rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("cognito", pool.settings()))
    };
    let published = base64::engine::general_purpose::STANDARD.decode(PUBLISHED_KEY).unwrap();
    // Rocket's debug default (32 zero bytes), and the key Rocket's documentation publishes.
    for (figment, material) in [(base(), vec![0u8; 32]), (base().merge(("secret_key", PUBLISHED_KEY)), published)] {
        let rocket = rocket::custom(figment).attach(Cognito::custom(store.clone())).mount("/", routes![me]);
        let client = client(rocket).await;
        let cognito = client.rocket().state::<Cognito>().unwrap();
        let cookies = rocket_warrant::testing::start_session(cognito, "alice", &alice.tokens()).await.unwrap();
        let mut request = client.get("/me");
        for cookie in &cookies {
            assert_eq!(open_with(&material, cookie), None, "{} opens with a key anyone can compute", cookie.name());
            request = request.cookie(cookie.clone());
        }
        assert_eq!(request.dispatch().await.status(), Status::Ok, "the site opens its own cookies");
    }
    // Outside the debug profile, a published key (or none) stops launch.
    for key in [Some(PUBLISHED_KEY), None] {
        let mut figment = base().select("release");
        if let Some(key) = key {
            figment = figment.merge(("secret_key", key));
        }
        let err = rocket::custom(figment).attach(Cognito::custom(store.clone())).ignite().await.expect_err("refused");
        assert!(
            matches!(err.kind(), ErrorKind::FailedFairings(f) if f.iter().any(|f| f.name == "Cognito authentication")),
            "{key:?}: {:?}",
            err.kind()
        );
    }
    // A key of the site's own launches in any profile.
    let own = base().select("release").merge(("secret_key", common::secret_key()));
    rocket::custom(own).attach(Cognito::custom(store.clone())).ignite().await.expect("launches");
}

#[rocket::post("/logout")]
async fn logout(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "signed out"
}

#[rocket::post("/logout/everywhere")]
async fn everywhere(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>, user: CognitoClaims) -> String {
    match cognito.sign_out_everywhere(jar, user.access_token()).await {
        Ok(ended) => format!("{ended} ended"),
        Err(e) => format!("failed: {e}"),
    }
}

/// A request of a browser that holds `cookies`, and no others (the client keeps none).
async fn as_browser(client: &Client, uri: &'static str, cookies: &[rocket::http::Cookie<'static>]) -> (Status, String) {
    let mut request = client.get(uri);
    for cookie in cookies {
        request = request.cookie(cookie.clone());
    }
    let response = request.dispatch().await;
    (response.status(), response.into_string().await.unwrap_or_default())
}

/// The test pool's Cognito refreshes an expired session, in either session mode, and a session
/// signed out refreshes no more: an application's tests see both without any Cognito.
#[tokio::test]
async fn the_test_pool_refreshes_an_expired_session_until_it_signs_out() {
    for mode in ["cookies", "database"] {
        let pool = TestPool::new();
        let ada = pool.user("ada").expires_in(-120);
        let store = Arc::new(MemoryStore::new());
        store.save(&ada.profile(), true).await.unwrap();
        let figment = pool.figment().merge(("cognito.session_store", mode));
        let rocket = rocket::custom(figment)
            .attach(Cognito::custom(store.clone()).sessions_in(store))
            .mount("/", routes![me, logout]);
        let client = Client::untracked(rocket).await.unwrap();
        let cognito = client.rocket().state::<Cognito>().unwrap();
        let cookies = ada.session_on(cognito).await.unwrap();

        let (status, body) = as_browser(&client, "/me", &cookies).await;
        assert_eq!((status, body.as_str()), (Status::Ok, "ada #1 ada@example.com"), "{mode}: refreshed");
        assert_eq!(cognito.counters().refreshes, 1, "{mode}");

        let mut request = client.post("/logout");
        for cookie in &cookies {
            request = request.cookie(cookie.clone());
        }
        assert_eq!(request.dispatch().await.status(), Status::Ok);
        // The same cookies again, as a copy kept from before the logout: the refresh token is
        // revoked (and a server-side session is gone).
        let (status, _) = as_browser(&client, "/me", &cookies).await;
        assert_eq!(status, Status::Unauthorized, "{mode}: signed out");
        assert_eq!(cognito.counters().refreshes, 1, "{mode}: no refresh of a revoked token");
    }
}

/// Signing out everywhere ends the refreshes of every session of the user, on every site of the
/// test pool; another user's sessions go on.
#[tokio::test]
async fn the_test_pool_signs_a_user_out_everywhere() {
    let pool = TestPool::with_ids("eu-west-1_Everywhere", "test-client");
    let (ada, bob) = (pool.user("ada"), pool.user("bob").expires_in(-120));
    let store = MemoryStore::new();
    let rocket = rocket::custom(pool.figment()).attach(Cognito::custom(store)).mount("/", routes![me, everywhere]);
    let client = Client::untracked(rocket).await.unwrap();
    let (phone, laptop) = (pool.session_cookies(&ada.clone().expires_in(-120)), pool.session_cookies(&ada));
    let bobs = pool.session_cookies(&bob);

    let mut request = client.post("/logout/everywhere");
    for cookie in &laptop {
        request = request.cookie(cookie.clone());
    }
    assert_eq!(request.dispatch().await.into_string().await.unwrap(), "0 ended");
    assert_eq!(as_browser(&client, "/me", &phone).await.0, Status::Unauthorized, "the phone's refresh is refused");
    let (status, body) = as_browser(&client, "/me", &bobs).await;
    assert_eq!(
        (status, body.as_str()),
        (Status::Ok, "bob #1 bob@example.com"),
        "bob refreshes, his row made from GetUser"
    );
}

/// A user the store lacks gets a row from the test pool's GetUser, with the email the test
/// gave; a login, which needs a password, says what to do instead.
#[tokio::test]
async fn the_test_pool_answers_getuser_and_refuses_passwords_clearly() {
    let pool = TestPool::new();
    let store = Arc::new(MemoryStore::new());
    let rocket = rocket::custom(pool.figment()).attach(Cognito::custom(store.clone())).mount("/", routes![me]);
    let client = client(rocket).await;
    let eve = pool.user("eve").email("eve@example.org");
    let response = client.get("/me").header(bearer(eve.access_token())).dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "eve #1 eve@example.org");
    assert_eq!(store.find("eve").await.unwrap().unwrap().sub, "sub-eve");

    let cognito = client.rocket().state::<Cognito>().unwrap();
    let err = cognito.login("eve", "any").await.unwrap_err();
    assert!(matches!(err, rocket_warrant::Error::Unavailable(_)), "{err:?}");
    assert!(format!("{:?}", err).contains("TestUser::session_on"), "{err:?}");
}

/// A `Fresh<300>` route takes a session whose user proved who they are in the last five
/// minutes: a sign-in just now passes, the same cookies 301 s later do not (a browser is sent to
/// re-authenticate, an API client gets RFC 9470's step-up challenge), and a proof of another
/// user, put beside the session's cookies, vouches for nobody. A Bearer token's proof is its
/// `auth_time`.
#[tokio::test]
async fn a_fresh_route_takes_a_recent_proof_of_the_sessions_own_user_only() {
    use rocket::http::Accept;
    use rocket_warrant::testing::Clock;

    let pool = TestPool::new();
    let clock = Arc::new(ManualClock::default());
    clock.advance(0); // pinned to now: the test pool mints its tokens on the system clock
    let rocket = rocket::custom(pool.figment())
        .attach(Cognito::without_store().with_clock(clock.clone()))
        .mount("/", routes![fresh])
        .register("/", rocket::catchers![rocket_warrant::redirect_to_login]);
    let client = client(rocket).await;
    let cognito = client.rocket().state::<Cognito>().unwrap();
    let (ada, bob) = (pool.user("ada").expires_in(7200), pool.user("bob").expires_in(7200));
    let ada_cookies = ada.session_on(cognito).await.unwrap();
    let get = |cookies: Vec<rocket::http::Cookie<'static>>, html: bool| {
        let mut request = client.get("/fresh");
        if html {
            request = request.header(Accept::HTML);
        }
        for cookie in cookies {
            request = request.cookie(cookie);
        }
        async move {
            let response = request.dispatch().await;
            let status = response.status();
            let location = response.headers().get_one("Location").map(str::to_owned);
            let challenge = response.headers().get_one("WWW-Authenticate").map(str::to_owned);
            (status, location.or(challenge), response.into_string().await.unwrap_or_default())
        }
    };
    let (status, _, body) = get(ada_cookies.clone(), false).await;
    assert_eq!((status, body.as_str()), (Status::Ok, "ada {Password}"), "signed in just now");

    clock.advance(301);
    let (status, location, _) = get(ada_cookies.clone(), true).await;
    assert_eq!((status, location.as_deref()), (Status::SeeOther, Some("/accounts/reauthenticate/?next=%2Ffresh")));
    let (status, challenge, _) = get(ada_cookies.clone(), false).await;
    assert_eq!(status, Status::Unauthorized);
    let challenge = challenge.unwrap_or_default();
    assert!(
        challenge.contains(r#"error="insufficient_user_authentication""#) && challenge.contains(r#"max_age="300""#),
        "{challenge}"
    );

    // Bob signs in now: his proof is fresh, and is no proof of Ada's.
    let bob_cookies = bob.session_on(cognito).await.unwrap();
    let bobs_proof = bob_cookies.iter().find(|c| c.name().ends_with("_proof")).cloned().expect("a proof cookie");
    let mut mixed: Vec<_> = ada_cookies.iter().filter(|c| !c.name().ends_with("_proof")).cloned().collect();
    mixed.push(bobs_proof);
    assert_eq!(get(mixed, false).await.0, Status::Unauthorized, "another user's proof vouches for nobody");
    assert_eq!(get(bob_cookies, false).await.0, Status::Ok);

    // A Bearer token: its sign-in's `auth_time`.
    let with_auth_time = |at: i64| {
        let mut claims = ada.access_claims();
        claims["auth_time"] = rocket::serde::json::json!(at);
        rocket_warrant::testing::sign(&claims)
    };
    let bearer_get = |token: String| {
        let request = client.get("/fresh").header(bearer(token));
        async move { request.dispatch().await.status() }
    };
    assert_eq!(bearer_get(with_auth_time(clock.now() - 60)).await, Status::Ok);
    assert_eq!(bearer_get(with_auth_time(clock.now() - 301)).await, Status::Unauthorized);
    assert_eq!(bearer_get(with_auth_time(clock.now() + 3600)).await, Status::Unauthorized, "from the future");
}
