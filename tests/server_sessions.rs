//! Server-side sessions (`session_store = "database"`) against the emulator, on every store:
//! login, refresh written back (GET and POST), a restart, logout killing a copied cookie,
//! sign-out-everywhere, listing and ending sessions, the purge; then two instances on one
//! database, with server-side sessions and with cookie sessions.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{with, Pool, StoreKind};
use rocket::http::{ContentType, Cookie, CookieJar, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::{json, Value};
use rocket::{get, post, routes};
use rocket_warrant::{Cognito, CognitoClaims, CognitoUser, Error};

const PASSWORD: &str = "Corr3ct-Horse!";

#[get("/me")]
fn me_get(user: CognitoUser) -> Value {
    json!({ "username": user.username(), "has_id_token": user.id_token().is_some(), "access": user.access_token() })
}

#[get("/email")]
fn email(user: CognitoUser) -> String {
    user.email().unwrap_or("-").to_owned()
}

#[post("/me")]
fn me_post(user: CognitoUser) -> String {
    user.username().to_owned()
}

#[get("/logout")]
async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "Logged Out"
}

#[post("/everywhere")]
async fn everywhere(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoClaims) -> Result<String, Error> {
    Ok(cognito.sign_out_everywhere(jar, user.access_token()).await?.to_string())
}

/// One database, one emulator pool, and as many instances of the site on them as a test starts.
struct Setup {
    kind: StoreKind,
    url: String,
    pool: Pool,
    clock: Arc<common::PinnedClock>,
}

impl Setup {
    async fn new(kind: StoreKind, url: String) -> Setup {
        let pool = Pool::new(false).await;
        pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
        pool.add_user("bob", PASSWORD, &[("email", "bob@example.com")]).await;
        Setup { kind, url, pool, clock: Arc::new(common::PinnedClock::default()) }
    }

    /// An instance: same secret key, same database, server-side sessions; `extra` settings.
    async fn instance(&self, extra: Value) -> Client {
        let settings =
            with(with(self.pool.settings(), json!({ "session_store": "database", "leeway_secs": 0 })), extra);
        let rocket = common::rocket_with_clock(self.kind, &self.url, settings, Some(self.clock.clone()))
            .mount("/", routes![common::routes::login, me_get, me_post, email, logout, everywhere]);
        Client::untracked(rocket).await.expect("the instance ignites")
    }
}

fn cognito(client: &Client) -> &Cognito {
    client.rocket().state::<Cognito>().unwrap()
}

/// Signs `username` in on `client`: the session cookie.
async fn sign_in(client: &Client, username: &str) -> Cookie<'static> {
    let response = client
        .post("/login")
        .header(ContentType::Form)
        .body(format!("username={username}&password={PASSWORD}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    // Beside the sign-in's proof and the new CSRF secret, one cookie of the session: its id.
    let cookies: Vec<&str> = response
        .headers()
        .get("Set-Cookie")
        .filter(|c| !c.starts_with("cognito_proof=") && !c.starts_with("cognito_csrf="))
        .collect();
    assert_eq!(cookies.len(), 1, "one cookie, the session id: {cookies:?}");
    let cookie = response.cookies().get("cognito_session").expect("the session cookie").clone().into_owned();
    cookie
}

async fn me<'c>(client: &'c Client, cookie: &Cookie<'static>) -> LocalResponse<'c> {
    client.get("/me").cookie(cookie.clone()).dispatch().await
}

async fn status(client: &Client, cookie: &Cookie<'static>) -> Status {
    me(client, cookie).await.status()
}

async fn access_token(client: &Client, cookie: &Cookie<'static>) -> String {
    let body: Value = me(client, cookie).await.into_json().await.unwrap();
    body["access"].as_str().unwrap().to_owned()
}

async fn expiry(client: &Client, access: &str) -> i64 {
    cognito(client).verify(access, rocket_warrant::tokens::TokenUse::Access).await.unwrap().exp.unwrap()
}

store_tests! {
    login_refresh_restart_and_logout => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let a = setup.instance(json!({})).await;
        let cookie = sign_in(&a, "alice").await;
        // A random id, sealed: a short cookie, whatever the tokens' size.
        let sent = format!("{}={}", cookie.name(), cookie.value());
        assert!(sent.len() < 120, "{} bytes: {sent}", sent.len());
        assert!(cookie.http_only().unwrap_or(false));
        let response = me(&a, &cookie).await;
        assert_eq!(response.status(), Status::Ok);
        let body: Value = response.into_json().await.unwrap();
        assert_eq!(body["username"], "alice");
        assert_eq!(body["has_id_token"], true, "the row keeps the ID token");
        let sessions = cognito(&a).user_sessions("alice").await.unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].refreshed_at, sessions[0].created_at);

        // The access token expires: a GET refreshes, the row is written back, no cookie changes.
        let first = access_token(&a, &cookie).await;
        let exp = expiry(&a, &first).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let response = me(&a, &cookie).await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.headers().get("Set-Cookie").count(), 0, "the cookie stays as it is");
        drop(response);
        assert_eq!(cognito(&a).counters().refreshes, 1);
        let second = access_token(&a, &cookie).await;
        assert_ne!(second, first);
        let sessions = cognito(&a).user_sessions("alice").await.unwrap();
        assert_eq!(sessions[0].refreshed_at, exp, "written back");

        // A restart (another instance, nothing remembered) reads the refreshed session.
        let restarted = setup.instance(json!({ "session_cache_ttl_secs": 0 })).await;
        assert_eq!(access_token(&restarted, &cookie).await, second);
        assert_eq!(cognito(&restarted).counters().refreshes, 0);

        // And a POST refreshes as a GET does.
        let exp = expiry(&a, &second).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let post = restarted.post("/me").cookie(cookie.clone()).dispatch().await;
        assert_eq!(post.status(), Status::Ok);
        assert_eq!(post.into_string().await.unwrap(), "alice");
        assert_eq!(cognito(&restarted).counters().refreshes, 1);
        let third = access_token(&restarted, &cookie).await;
        setup.clock.set(0);

        // Logout deletes the row: a copy of the cookie is refused at once, here and on an
        // instance that remembers nothing; Cognito ended the tokens too.
        let response = a.get("/logout").cookie(cookie.clone()).dispatch().await;
        // The session's cookie removed (and a new CSRF secret; the request carried no proof).
        let removal: Vec<&str> = response.headers().get("Set-Cookie").filter(|c| c.contains("Max-Age=0")).collect();
        assert!(removal.len() == 1 && removal[0].starts_with("cognito_session=;"), "{removal:?}");
        drop(response);
        assert_eq!(status(&a, &cookie).await, Status::Unauthorized);
        assert_eq!(status(&restarted, &cookie).await, Status::Unauthorized);
        assert!(cognito(&a).user_sessions("alice").await.unwrap().is_empty());
        let refused = cognito(&a).user_attributes(&third).await.unwrap_err();
        assert!(matches!(refused, Error::SessionExpired), "signed out at Cognito: {refused:?}");
    };

    the_local_row_a_session_remembers_follows_a_write => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let a = setup.instance(json!({ "session_cache_ttl_secs": 60 })).await;
        let cookie = sign_in(&a, "alice").await;
        let email = || async { a.get("/email").cookie(cookie.clone()).dispatch().await.into_string().await.unwrap() };
        assert_eq!(email().await, "alice@example.com");
        let attribute = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
            .name("email")
            .value("alice@example.org")
            .build()
            .unwrap();
        setup.pool.admin.admin_update_user_attributes().user_pool_id(&setup.pool.pool_id).username("alice").user_attributes(attribute).send().await.unwrap();
        assert_eq!(email().await, "alice@example.com", "the row is as it was");
        let access = access_token(&a, &cookie).await;
        cognito(&a).sync_user(&access).await.unwrap();
        assert_eq!(email().await, "alice@example.org", "written here: seen at once, session remembered or not");
    };

    sign_out_everywhere_and_ending_one_session => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let a = setup.instance(json!({})).await;
        let mut alice = Vec::new();
        for _ in 0..3 {
            alice.push(sign_in(&a, "alice").await);
        }
        let bob = sign_in(&a, "bob").await;
        let sessions = cognito(&a).user_sessions("alice").await.unwrap();
        assert_eq!(sessions.len(), 3, "three browsers, three sessions");
        assert!(sessions.windows(2).all(|w| (w[0].created_at, &w[0].id) <= (w[1].created_at, &w[1].id)), "oldest first");
        assert!(sessions.iter().all(|s| s.username == "alice" && s.id.len() == 64));

        // Ending one: that browser is refused, the others are not.
        let ended = sessions.iter().find(|s| s.id == handle_of(&a, &alice[0]).unwrap()).expect("the first browser's session");
        assert!(cognito(&a).end_session(&ended.id).await.unwrap());
        assert!(!cognito(&a).end_session(&ended.id).await.unwrap(), "ended once");
        assert_eq!(status(&a, &alice[0]).await, Status::Unauthorized);
        assert_eq!(status(&a, &alice[1]).await, Status::Ok);

        // Everywhere: both of alice's remaining sessions end; bob's does not.
        let response = a.post("/everywhere").cookie(alice[1].clone()).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.into_string().await.unwrap(), "2");
        for cookie in &alice {
            assert_eq!(status(&a, cookie).await, Status::Unauthorized);
        }
        assert!(cognito(&a).user_sessions("alice").await.unwrap().is_empty());
        assert_eq!(status(&a, &bob).await, Status::Ok);
        assert_eq!(cognito(&a).user_sessions("bob").await.unwrap().len(), 1);
    };

    ended_sessions_are_refused_and_purged => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let a = setup.instance(json!({ "cookie_max_age_secs": 600, "session_cache_ttl_secs": 0 })).await;
        let old = sign_in(&a, "alice").await;
        let created = cognito(&a).user_sessions("alice").await.unwrap()[0].created_at;
        assert_eq!(cognito(&a).user_sessions("alice").await.unwrap()[0].expires_at, created + 600);
        setup.clock.set(created + 300);
        let young = sign_in(&a, "alice").await;
        assert_eq!(cognito(&a).purge_sessions().await.unwrap(), 0, "nothing has ended");

        // Past the first session's end: refused (its cookie cleared), then purged; the second lives.
        setup.clock.set(created + 600);
        let response = me(&a, &old).await;
        assert_eq!(response.status(), Status::Unauthorized);
        assert!(response.headers().get("Set-Cookie").any(|c| c.starts_with("cognito_session=;")), "cleared");
        drop(response);
        assert_eq!(cognito(&a).purge_sessions().await.unwrap(), 1);
        assert_eq!(cognito(&a).user_sessions("alice").await.unwrap().len(), 1);
        setup.clock.set(0);
        assert_eq!(status(&a, &young).await, Status::Ok);
    };

    two_instances_share_sessions_refresh_once_and_logout_everywhere => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        // Rotation with no grace period: a second refresh with the same token is refused, so
        // two instances refreshing one session at once race for real (defect 4). The deny-list
        // off: the logout below is seen through the row alone.
        setup.pool.enable_rotation(0).await;
        let settings = json!({ "refuse_revoked_tokens": false });
        let (a, b) = (setup.instance(settings.clone()).await, setup.instance(settings).await);
        // A login on one is honoured by the other.
        let cookie = sign_in(&a, "alice").await;
        assert_eq!(status(&b, &cookie).await, Status::Ok);
        let access = access_token(&b, &cookie).await;

        // The token expires while both serve the session: 40 requests at once, half on each.
        let exp = expiry(&a, &access).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let requests = (0..40).map(|i| {
            let client = if i % 2 == 0 { &a } else { &b };
            let cookie = cookie.clone();
            async move { client.get("/me").cookie(cookie).dispatch().await.status() }
        });
        let statuses = futures::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == Status::Ok), "the instance that lost the race signs no one out: {statuses:?}");
        let refreshes = cognito(&a).counters().refreshes + cognito(&b).counters().refreshes;
        assert_eq!(refreshes, 1, "one refresh at Cognito for both instances");
        // Calls: one, or two when both read the row before either wrote it (the second refused).
        let calls = cognito(&a).counters().refresh_calls + cognito(&b).counters().refresh_calls;
        assert!((1..=2).contains(&calls), "{calls} calls to Cognito");
        // One session, one row, still good on both (past their memory of it, from the row).
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let sessions = cognito(&a).user_sessions("alice").await.unwrap();
        assert_eq!(sessions.len(), 1, "no duplicate rows");
        assert_eq!(sessions[0].refreshed_at, exp);
        let (on_a, on_b) = (access_token(&a, &cookie).await, access_token(&b, &cookie).await);
        assert_eq!(on_a, on_b, "both serve the row's tokens");
        assert_ne!(on_a, access);
        assert_eq!(cognito(&a).counters().refreshes + cognito(&b).counters().refreshes, 1, "no more refreshes");
        assert!(cognito(&a).store().unwrap().find("alice").await.unwrap().is_some());

        // A refresh on either is seen by the other: the next expiry refreshes on b only.
        let exp = expiry(&a, &on_a).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let newer = access_token(&b, &cookie).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let before = cognito(&a).counters().refreshes;
        assert_eq!(access_token(&a, &cookie).await, newer, "a reads b's refresh from the row");
        assert_eq!(cognito(&a).counters().refreshes, before);
        setup.clock.set(0);

        // A logout on one: refused there at once; the other remembers the session (just read)
        // and refuses it once its memory is older than session_cache_ttl_secs (2 s).
        assert_eq!(status(&b, &cookie).await, Status::Ok, "b serves the session right before the logout");
        let logged_out = Instant::now();
        a.get("/logout").cookie(cookie.clone()).dispatch().await;
        assert_eq!(status(&a, &cookie).await, Status::Unauthorized);
        let last = loop {
            let now = status(&b, &cookie).await;
            if now != Status::Ok {
                break now;
            }
            assert!(logged_out.elapsed() < Duration::from_millis(2500), "b still honours the session after 2.5 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(last, Status::Unauthorized);
    };

    a_flights_outcome_is_checked_against_the_revocations_of_every_instance => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let cookie_mode = json!({ "session_store": "cookies" });
        let (a, b) = (setup.instance(cookie_mode.clone()).await, setup.instance(cookie_mode).await);
        let login = a.post("/login").header(ContentType::Form).body(format!("username=alice&password={PASSWORD}")).dispatch().await;
        let copied = cookies_of(&login);
        drop(login);
        let exp = {
            let response = send(&a, "/me", &copied).await;
            let body: Value = response.into_json().await.unwrap();
            expiry(&a, body["access"].as_str().unwrap()).await
        };
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        // b refreshes the session; the browser holds the new cookies, and signs out on a.
        let refreshed = send(&b, "/me", &copied).await;
        assert_eq!(refreshed.status(), Status::Ok);
        let renewed = cookies_of(&refreshed);
        drop(refreshed);
        assert_eq!(send(&a, "/logout", &renewed).await.status(), Status::Ok);
        // A copy of the old cookies on b: b's refresh of them is shared for 20 s, but what it
        // hands out is refused once b has read a's revocation of that sign-in.
        let started = Instant::now();
        loop {
            let status = send(&b, "/me", &copied).await.status();
            if status == Status::Unauthorized {
                break;
            }
            assert_eq!(status, Status::Ok);
            assert!(started.elapsed() < Duration::from_secs(4), "b still hands out the refresh after 4 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };

    two_instances_refreshing_one_cookie_session_at_once_keep_the_browsers_new_cookies => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        setup.pool.enable_rotation(0).await;
        let cookie_mode = json!({ "session_store": "cookies" });
        let (a, b) = (setup.instance(cookie_mode.clone()).await, setup.instance(cookie_mode).await);
        let login = a.post("/login").header(ContentType::Form).body(format!("username=alice&password={PASSWORD}")).dispatch().await;
        let cookies = cookies_of(&login);
        drop(login);
        let body: Value = send(&a, "/me", &cookies).await.into_json().await.unwrap();
        let exp = expiry(&a, body["access"].as_str().unwrap()).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        // Both instances get the expired session at once: one refresh wins at Cognito.
        let (on_a, on_b) = futures::future::join(send(&a, "/me", &cookies), send(&b, "/me", &cookies)).await;
        let mut renewed = Vec::new();
        for response in [&on_a, &on_b] {
            let set: Vec<&str> = response.headers().get("Set-Cookie").collect();
            assert!(set.iter().all(|c| !c.contains("Max-Age=0")), "no cookie cleared: {set:?}");
            match response.status() {
                Status::Ok => renewed = cookies_of(response),
                // Lost the race: the browser has the winner's cookies; nothing is cleared.
                Status::Conflict => assert!(set.is_empty(), "{set:?}"),
                other => panic!("{other}"),
            }
        }
        assert_eq!(renewed.len(), 2, "the winner's new cookies");
        drop((on_a, on_b));
        assert_eq!(cognito(&a).counters().refreshes + cognito(&b).counters().refreshes, 1);
        for client in [&a, &b] {
            assert_eq!(send(client, "/me", &renewed).await.status(), Status::Ok, "the session lives on");
        }
    };

    a_sign_out_ends_the_refresh_shared_under_its_rotated_token => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        setup.pool.enable_rotation(0).await;
        // The deny-list off: what ends the shared refresh is the sign-out forgetting it.
        let settings = json!({ "session_store": "cookies", "refuse_revoked_tokens": false });
        let a = setup.instance(settings).await;
        let login = a.post("/login").header(ContentType::Form).body(format!("username=alice&password={PASSWORD}")).dispatch().await;
        let copied = cookies_of(&login);
        drop(login);
        let body: Value = send(&a, "/me", &copied).await.into_json().await.unwrap();
        let exp = expiry(&a, body["access"].as_str().unwrap()).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let refreshed = send(&a, "/me", &copied).await;
        assert_eq!(refreshed.status(), Status::Ok);
        let renewed = cookies_of(&refreshed);
        drop(refreshed);
        assert_eq!(send(&a, "/me", &copied).await.status(), Status::Ok, "shared with a request that sent the old token");
        // The browser signs out with its rotated cookies: the copy of the old ones gets nothing.
        assert_eq!(send(&a, "/logout", &renewed).await.status(), Status::Ok);
        // Its refresh token was rotated out: Cognito refuses it as reused, the copy is told the
        // session was refreshed elsewhere (409), and gets in no more than that (not an outage).
        assert_eq!(send(&a, "/me", &copied).await.status(), Status::Conflict);
        assert_eq!(cognito(&a).counters().refreshes, 1, "the old token was refused, not refreshed again");
    };
}

store_tests! {
    a_cookie_session_ends_after_cookie_max_age_secs_however_long_its_cookies_are_kept => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let settings = json!({ "session_store": "cookies", "cookie_max_age_secs": 7200 });
        let a = setup.instance(settings).await;
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let login = a.post("/login").header(ContentType::Form).body(format!("username=alice&password={PASSWORD}")).dispatch().await;
        let copied = cookies_of(&login);
        drop(login);
        let body: Value = send(&a, "/me", &copied).await.into_json().await.unwrap();
        let exp = expiry(&a, body["access"].as_str().unwrap()).await;
        // The access token expires: refreshed, and the new cookies last what is left of the session.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let refreshed = send(&a, "/me", &copied).await;
        assert_eq!(refreshed.status(), Status::Ok);
        for cookie in refreshed.cookies().iter() {
            let left = cookie.max_age().unwrap().whole_seconds();
            assert!((7200 - (exp - started) - 5..=7200 - (exp - started) + 1).contains(&left), "{}: Max-Age {left}", cookie.name());
        }
        let renewed = cookies_of(&refreshed);
        drop(refreshed);
        // Past the session's maximum age, a browser that kept its cookies is refused and they are
        // cleared, and so is a copy of the first cookies, which would otherwise refresh.
        setup.clock.set(started + 7201);
        for cookies in [&renewed, &copied] {
            let response = send(&a, "/me", cookies).await;
            assert_eq!(response.status(), Status::Unauthorized);
            let set: Vec<&str> = response.headers().get("Set-Cookie").collect();
            assert!(set.iter().any(|c| c.starts_with("cognito_refresh=;") && c.contains("Max-Age=0")), "{set:?}");
        }
        assert_eq!(cognito(&a).counters().refreshes, 1, "no refresh past the maximum age");
    };

    a_server_side_session_ends_after_cookie_max_age_secs_even_if_its_row_says_later => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let long = setup.instance(json!({ "cookie_max_age_secs": 7200 })).await;
        let cookie = sign_in(&long, "alice").await;
        let created = cognito(&long).user_sessions("alice").await.unwrap()[0].created_at;
        // The site now says ten minutes: the row written under two hours ends with them.
        let short = setup.instance(json!({ "cookie_max_age_secs": 600, "session_cache_ttl_secs": 0 })).await;
        setup.clock.set(created + 599);
        assert_eq!(status(&short, &cookie).await, Status::Ok);
        setup.clock.set(created + 600);
        assert_eq!(status(&short, &cookie).await, Status::Unauthorized);
    };
}

/// A request with `cookies`.
async fn send<'c>(client: &'c Client, path: &str, cookies: &[Cookie<'static>]) -> LocalResponse<'c> {
    let mut request = client.get(path.to_owned());
    for cookie in cookies {
        request = request.cookie(cookie.clone());
    }
    request.dispatch().await
}

/// The cookies of a cookie session's response, for the next request.
fn cookies_of(response: &LocalResponse<'_>) -> Vec<Cookie<'static>> {
    response.cookies().iter().filter(|c| !c.value().is_empty()).map(|c| c.clone().into_owned()).collect()
}

store_tests! {
    two_instances_honour_each_others_cookie_sessions => |kind: StoreKind, url: String| async move {
        let setup = Setup::new(kind, url).await;
        let cookie_mode = json!({ "session_store": "cookies" });
        let (a, b) = (setup.instance(cookie_mode.clone()).await, setup.instance(cookie_mode).await);
        let login = a.post("/login").header(ContentType::Form).body(format!("username=alice&password={PASSWORD}")).dispatch().await;
        let cookies = cookies_of(&login);
        drop(login);
        let names: Vec<&str> = cookies.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), 4, "the access and refresh cookies, the sign-in's proof, a CSRF secret: {names:?}");
        let get = |client: &'static Client, cookies: Vec<Cookie<'static>>| async move {
            let mut request = client.get("/me");
            for cookie in cookies {
                request = request.cookie(cookie);
            }
            request.dispatch().await
        };
        let (a, b): (&'static Client, &'static Client) = (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
        let response = get(b, cookies.clone()).await;
        assert_eq!(response.status(), Status::Ok, "a login on a is honoured by b");
        let body: Value = response.into_json().await.unwrap();
        let exp = expiry(a, body["access"].as_str().unwrap()).await;

        // Refreshed on a: b takes the new cookies without a refresh of its own.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        setup.clock.set(exp);
        let refreshed = get(a, cookies.clone()).await;
        assert_eq!(refreshed.status(), Status::Ok);
        let renewed = cookies_of(&refreshed);
        drop(refreshed);
        assert_eq!(renewed.len(), 2, "new cookies");
        assert_eq!(get(b, renewed).await.status(), Status::Ok);
        assert_eq!((cognito(a).counters().refreshes, cognito(b).counters().refreshes), (1, 0));
        assert!(cognito(b).store().unwrap().find("alice").await.unwrap().is_some(), "one user row, shared");
    };
}

/// The handle the store keys a browser's session by (`SessionInfo::id`).
fn handle_of(client: &Client, cookie: &Cookie<'static>) -> Option<String> {
    rocket_warrant::testing::session_handle(client.rocket().figment(), cookie)
}
