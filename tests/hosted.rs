//! Managed login through the emulator's hosted pages: the authorization-code round trip with
//! PKCE through the crate's routes, ending in the same session as a password sign-in; every
//! refusal (no sign-in under way, a wrong or missing state, an `error=` answer, a replayed code,
//! another sign-in's code or nonce) answered with a clear status and nothing signed in; a
//! federated first sign-in; logout through the hosted endpoint with the refresh token revoked.

#[macro_use]
mod common;

use common::routes::me;
use common::{claims_of, with, Pool, StoreKind};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::routes;
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";
const CALLBACK: &str = "http://localhost/auth/callback";
const LOGOUT: &str = "http://localhost/bye";

struct Hosted {
    pool: Pool,
    client_id: String,
    secret: Option<String>,
}

async fn hosted(with_secret: bool) -> Hosted {
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
    let (client_id, secret) = pool.hosted_client(CALLBACK, LOGOUT, with_secret).await;
    Hosted { pool, client_id, secret }
}

impl Hosted {
    async fn site(&self) -> Client {
        self.site_with(json!({})).await
    }

    async fn site_with(&self, extra: serde_json::Value) -> Client {
        let url = common::database_url(StoreKind::Sqlite).await.unwrap();
        let settings = with(
            self.pool.settings(),
            json!({
                "app_client_id": self.client_id,
                "app_client_secret": self.secret,
                "domain": common::emulator_url().trim_end_matches('/'),
                "redirect_uri": CALLBACK,
                "logout_uri": LOGOUT,
            }),
        );
        let settings = with(settings, extra);
        let rocket = common::rocket(StoreKind::Sqlite, &url, settings)
            .mount("/auth", rocket_warrant::hosted::routes())
            .mount("/", routes![me]);
        Client::tracked(rocket).await.expect("ignites")
    }
}

/// A path and query of a URL on the emulator.
fn on_emulator(url: &str) -> String {
    url.strip_prefix(common::emulator_url().trim_end_matches('/')).unwrap_or_else(|| panic!("{url}")).to_owned()
}

/// The hidden fields of the hosted page's form, and its action.
fn form_of(page: &str) -> (String, Vec<(String, String)>) {
    let action = page.split("action='").nth(1).and_then(|r| r.split('\'').next()).expect("a form").to_owned();
    let fields = page
        .split("<input type='hidden' name='")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("' value='").unwrap();
            (name.to_owned(), html_unescape(rest.split('\'').next().unwrap()))
        })
        .collect();
    (action, fields)
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x27;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn form_body(fields: &[(String, String)]) -> String {
    let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Follows the site's login redirect to the hosted page and signs in there: the callback URL
/// the hosted pages send the browser to.
async fn through_hosted_page(site: &Client, start: &str, extra: &[(&str, &str)]) -> String {
    let response = site.get(start.to_owned()).dispatch().await;
    assert_eq!(response.status(), Status::SeeOther, "{start}");
    let authorize = response.headers().get_one("Location").unwrap().to_owned();
    let (status, page) = common::emulator_http("GET", &on_emulator(&authorize), &[], "").await;
    assert_eq!(status, 200, "{page}");
    let (action, mut fields) = form_of(&page);
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    location_of(&action, &form_body(&fields)).await.expect("the hosted page redirects")
}

/// The Location of a form POSTed to the emulator's hosted pages.
async fn location_of(path: &str, body: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = common::emulator_url();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.lines().find_map(|l| l.strip_prefix("Location: ")).map(str::to_owned)
}

/// A site signed in as alice through the hosted pages.
async fn signed_in(hosted: &Hosted) -> Client {
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login", &[("username", "alice"), ("password", PASSWORD)]).await;
    assert_eq!(site.get(local(&callback)).dispatch().await.status(), Status::SeeOther);
    site
}

/// The site's path of a callback URL.
fn local(callback: &str) -> String {
    callback.strip_prefix("http://localhost").unwrap().to_owned()
}

/// The status and body of a GET of `path`.
async fn refused(site: &Client, path: String) -> (Status, String) {
    let response = site.get(path).dispatch().await;
    (response.status(), response.into_string().await.unwrap_or_default())
}

async fn status_of(site: &Client, path: &str) -> Status {
    site.get(path.to_owned()).dispatch().await.status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosted_round_trip_ends_in_a_session_and_at_next() {
    need_emulator!();
    for with_secret in [false, true] {
        let hosted = hosted(with_secret).await;
        let site = hosted.site().await;
        let callback =
            through_hosted_page(&site, "/auth/login?next=/me", &[("username", "alice"), ("password", PASSWORD)]).await;
        assert!(callback.starts_with(CALLBACK) && callback.contains("code="), "{callback}");
        let response = site.get(local(&callback)).dispatch().await;
        assert_eq!((response.status(), response.headers().get_one("Location")), (Status::SeeOther, Some("/me")));
        let me = site.get("/me").dispatch().await;
        assert_eq!((me.status(), me.into_string().await.as_deref()), (Status::Ok, Some("alice")), "{with_secret}");
        assert!(site.cookies().get("cognito_refresh").is_some(), "the session a password sign-in gets");

        // The same code again, even with a fresh sign-in's state: refused at the token endpoint.
        let again = site.get("/auth/login").dispatch().await;
        let state = again.headers().get_one("Location").unwrap().split("state=").nth(1).unwrap();
        let state = state.split('&').next().unwrap().to_owned();
        let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
        let replay = site.get(format!("/auth/callback?code={code}&state={state}")).dispatch().await;
        assert_eq!(replay.status(), Status::BadRequest, "a spent code");
    }
}

/// Each check of the callback, alone: the code and verifier of each case below would pass PKCE,
/// so that only the check under test refuses it. An external `next` ends at the site's root
/// after the whole round trip; a browser that started nothing, a changed or missing `state`,
/// and a second try of a sign-in are refused, and nothing is signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_its_sign_in_or_with_another_state_signs_no_one_in() {
    need_emulator!();
    let hosted = hosted(false).await;
    let alice = [("username", "alice"), ("password", PASSWORD)];
    let code_of = |callback: &str| callback.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();

    // The options reach the authorize request; `next` stays in the sealed cookie.
    let site = hosted.site().await;
    let started = site.get("/auth/login?idp=example.com&lang=fr&next=https://evil.example/").dispatch().await;
    let authorize = started.headers().get_one("Location").unwrap().to_owned();
    assert!(authorize.contains("&idp_identifier=example.com") && authorize.contains("&lang=fr"), "{authorize}");
    assert!(!authorize.contains("evil"), "next stays on the site, and in the cookie");
    // An external `next`, through the whole round trip: the site's root, never the other site.
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login?next=https://evil.example/", &alice).await;
    let signed_in = site.get(local(&callback)).dispatch().await;
    assert_eq!((signed_in.status(), signed_in.headers().get_one("Location")), (Status::SeeOther, Some("/")));

    // The sign-in's cookie goes back on the redirect from Cognito's domain whatever the site's
    // SameSite policy: Lax, never Strict.
    let strict = hosted.site_with(json!({ "cookie_same_site": "strict" })).await;
    let started = strict.get("/auth/login").dispatch().await;
    let set = started.headers().get("Set-Cookie").find(|c| c.starts_with("cognito_oauth=")).unwrap().to_owned();
    assert!(set.contains("SameSite=Lax"), "{set}");

    // A browser that started nothing, sent another's callback.
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login", &alice).await;
    let stranger = hosted.site().await;
    let (status, body) = refused(&stranger, local(&callback)).await;
    assert_eq!(status, Status::BadRequest);
    assert!(body.contains("no sign-in is under way"), "{body}");
    assert_eq!(status_of(&stranger, "/me").await, Status::Unauthorized);
    // This browser's own code and verifier, the state changed: refused for the state alone.
    let (status, body) = refused(&site, format!("/auth/callback?code={}&state=forged", code_of(&callback))).await;
    assert_eq!(status, Status::BadRequest);
    assert!(body.contains("(state)"), "{body}");
    // And the sign-in is over: the very callback Cognito sent, right in every other way.
    let (status, body) = refused(&site, local(&callback)).await;
    assert_eq!(status, Status::BadRequest, "one try per sign-in");
    assert!(body.contains("no sign-in is under way"), "{body}");
    assert_eq!(status_of(&site, "/me").await, Status::Unauthorized);
    // A missing state, the code and verifier matching.
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login", &alice).await;
    let (status, body) = refused(&site, format!("/auth/callback?code={}", code_of(&callback))).await;
    assert_eq!(status, Status::BadRequest, "no state");
    assert!(body.contains("(state)"), "{body}");
    assert_eq!(status_of(&site, "/me").await, Status::Unauthorized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_answer_another_sign_ins_code_or_nonce_is_refused() {
    need_emulator!();
    let hosted = hosted(true).await;
    let site = hosted.site().await;
    let state_of = |location: &str| location.split("state=").nth(1).unwrap().split('&').next().unwrap().to_owned();

    // The user declined at the provider: `error=access_denied`, 403, the reason in the page.
    let started = site.get("/auth/login").dispatch().await;
    let state = state_of(started.headers().get_one("Location").unwrap());
    let denied = site
        .get(format!("/auth/callback?error=access_denied&error_description=no+thanks&state={state}"))
        .dispatch()
        .await;
    assert_eq!(denied.status(), Status::Forbidden);
    assert!(denied.into_string().await.unwrap().contains("access_denied: no thanks"));

    // Another browser's code (its PKCE challenge not this sign-in's verifier): invalid_grant.
    let other = hosted.site().await;
    let foreign = through_hosted_page(&other, "/auth/login", &[("username", "alice"), ("password", PASSWORD)]).await;
    let started = site.get("/auth/login").dispatch().await;
    let state = state_of(started.headers().get_one("Location").unwrap());
    let code = foreign.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let crossed = site.get(format!("/auth/callback?code={code}&state={state}")).dispatch().await;
    assert_eq!(crossed.status(), Status::BadRequest);
    assert!(crossed.into_string().await.unwrap().contains("invalid_grant"));

    // A code of a sign-in with another nonce (asked for without PKCE): the ID token is refused.
    let started = site.get("/auth/login").dispatch().await;
    let authorize = started.headers().get_one("Location").unwrap().to_owned();
    let state = state_of(&authorize);
    let bare = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=x&nonce=someone-else",
        hosted.client_id,
        CALLBACK.replace(':', "%3A").replace('/', "%2F")
    );
    let (_, page) = common::emulator_http("GET", &bare, &[], "").await;
    let (action, mut fields) = form_of(&page);
    fields.extend([("username".into(), "alice".into()), ("password".into(), PASSWORD.into())]);
    let callback = location_of(&action, &form_body(&fields)).await.unwrap();
    let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let replayed = site.get(format!("/auth/callback?code={code}&state={state}")).dispatch().await;
    assert_eq!(replayed.status(), Status::BadRequest);
    assert!(replayed.into_string().await.unwrap().contains("nonce"));
    assert_eq!(status_of(&site, "/me").await, Status::Unauthorized, "nothing signed in");
}

/// Conformance: the token endpoint checks the PKCE verifier (RFC 7636, S256) and spends a code
/// once; the ID token carries the authorize request's nonce. moto has no managed login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_checks_the_pkce_verifier_and_carries_the_nonce() {
    need_emulator!();
    use base64::Engine;
    use sha2::Digest;
    let hosted = hosted(false).await;
    let verifier = "a-verifier-of-forty-three-characters-or-more-0123";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let code = || async {
        let authorize = format!(
            "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=s&nonce=n-1\
             &code_challenge={challenge}&code_challenge_method=S256",
            hosted.client_id,
            CALLBACK.replace(':', "%3A").replace('/', "%2F")
        );
        let (_, page) = common::emulator_http("GET", &authorize, &[], "").await;
        let (action, mut fields) = form_of(&page);
        fields.extend([("username".into(), "alice".into()), ("password".into(), PASSWORD.into())]);
        let callback = location_of(&action, &form_body(&fields)).await.unwrap();
        callback.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned()
    };
    let exchange = |code: String, verifier: &'static str| {
        let body = format!(
            "grant_type=authorization_code&client_id={}&code={code}&redirect_uri={}&code_verifier={verifier}",
            hosted.client_id,
            CALLBACK.replace(':', "%3A").replace('/', "%2F")
        );
        async move {
            let form = [("Content-Type", "application/x-www-form-urlencoded")];
            let (status, body) = common::emulator_http("POST", "/oauth2/token", &form, &body).await;
            (status, serde_json::from_str::<serde_json::Value>(&body).unwrap())
        }
    };
    let (status, answer) = exchange(code().await, "not-the-verifier-of-this-code-at-all-000000000").await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")));
    let spent = code().await;
    let (status, answer) = exchange(spent.clone(), verifier).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(claims_of(answer["id_token"].as_str().unwrap())["nonce"], "n-1");
    assert_eq!(exchange(spent, verifier).await.1["error"], "invalid_grant", "a code is spent once");
    let (status, page) = common::emulator_http(
        "GET",
        &format!(
            "/oauth2/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example",
            hosted.client_id
        ),
        &[],
        "",
    )
    .await;
    assert_eq!((status, page.contains("redirect_mismatch")), (400, true), "an unregistered redirect_uri");
}

/// A federated first sign-in (the stand-in Google page) creates the federated user as Cognito
/// names them, and the local row with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_federated_first_sign_in_creates_the_local_user() {
    need_emulator!();
    let hosted = hosted(false).await;
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login?provider=Google", &[("email", "grace@gmail.example")]).await;
    let answer = site.get(local(&callback)).dispatch().await;
    assert_eq!(answer.status(), Status::SeeOther, "{:?}", answer.into_string().await);
    let me = site.get("/me").dispatch().await;
    assert_eq!(me.status(), Status::Ok);
    let username = me.into_string().await.unwrap();
    assert!(username.starts_with("Google_"), "{username}");
    let cognito = site.rocket().state::<rocket_warrant::Cognito>().unwrap();
    let row = cognito.store().unwrap().find(&username).await.unwrap().expect("the local user");
    assert_eq!(row.email.as_deref(), Some("grace@gmail.example"));
}

/// Logout through the hosted endpoint: the session ends here, the refresh token is revoked at
/// Cognito, and the hosted /logout sends the browser on to `logout_uri`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_logout_revokes_the_refresh_token_and_ends_at_the_logout_uri() {
    need_emulator!();
    let hosted = hosted(false).await;
    let site = signed_in(&hosted).await;
    let refresh = common::cookie_token(&site.cookies(), "cognito_refresh").unwrap();

    // A form of another site cannot sign the user out (the browser names where it came from).
    let cross = [Header::new("Origin", "https://evil.example"), Header::new("Sec-Fetch-Site", "cross-site")];
    for header in cross {
        let forged = site.post("/auth/logout").header(header.clone()).dispatch().await;
        assert_eq!(forged.status(), Status::Forbidden, "{header}");
    }
    assert_eq!(status_of(&site, "/me").await, Status::Ok, "still signed in");

    let out = site.post("/auth/logout").header(Header::new("Sec-Fetch-Site", "same-origin")).dispatch().await;
    assert_eq!(out.status(), Status::SeeOther);
    let hosted_logout = out.headers().get_one("Location").unwrap().to_owned();
    assert!(hosted_logout.contains("/logout?client_id="), "{hosted_logout}");
    assert_eq!(status_of(&site, "/me").await, Status::Unauthorized);
    let (status, _) = common::emulator_http("GET", &on_emulator(&hosted_logout), &[], "").await;
    assert_eq!(status, 302, "on to logout_uri");
    let refreshed = hosted
        .pool
        .admin
        .get_tokens_from_refresh_token()
        .client_id(&hosted.client_id)
        .refresh_token(refresh)
        .send()
        .await;
    let code = refreshed.unwrap_err().as_service_error().and_then(|e| e.meta().code()).map(str::to_owned);
    assert_eq!(code.as_deref(), Some("NotAuthorizedException"), "the refresh token is dead");
}

/// Conformance: the rest of managed login's endpoints (developer guide, "The userInfo endpoint",
/// "The revoke endpoint", the token endpoint's refresh_token grant): the user's attributes for
/// an access token; new tokens for a live refresh token; a revoked refresh token and the access
/// tokens issued with it dead. moto has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_answers_user_info_refreshes_and_revokes() {
    need_emulator!();
    let hosted = hosted(false).await;
    let site = signed_in(&hosted).await;
    let refresh = common::cookie_token(&site.cookies(), "cognito_refresh").unwrap();
    let access = common::cookie_token(&site.cookies(), "cognito_access").unwrap();
    let bearer = format!("Bearer {access}");

    let (status, info) = common::emulator_http("GET", "/oauth2/userInfo", &[("Authorization", &bearer)], "").await;
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        (status, info["username"].as_str(), info["email"].as_str()),
        (200, Some("alice"), Some("alice@example.com"))
    );

    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let grant = format!("grant_type=refresh_token&client_id={}&refresh_token={refresh}", hosted.client_id);
    let (status, answer) = common::emulator_http("POST", "/oauth2/token", &form, &grant).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("access_token") && answer.contains("id_token"), "{answer}");

    let revoke = format!("token={refresh}&client_id={}", hosted.client_id);
    assert_eq!(common::emulator_http("POST", "/oauth2/revoke", &form, &revoke).await.0, 200);
    let (status, answer) = common::emulator_http("POST", "/oauth2/token", &form, &grant).await;
    assert_eq!((status, answer.contains("invalid_grant")), (400, true), "{answer}");
    let (status, _) = common::emulator_http("GET", "/oauth2/userInfo", &[("Authorization", &bearer)], "").await;
    assert_eq!(status, 401, "the access tokens issued with it die too");
}

/// A refused callback (a link of another site's, of no sign-in of this browser's) is no answer
/// to anything: a password sign-in's pending step (here a new password) stays, and is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_callback_leaves_a_pending_sign_in_step_alone() {
    need_emulator!();
    let hosted = hosted(false).await;
    hosted.pool.add_user_with_temporary_password("newbie", "Temp-Passw0rd!").await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(
        hosted.pool.settings(),
        json!({
            "app_client_id": hosted.client_id,
            "domain": common::emulator_url().trim_end_matches('/'),
            "redirect_uri": CALLBACK,
        }),
    );
    let rocket = common::rocket(StoreKind::Sqlite, &url, settings)
        .mount("/auth", rocket_warrant::hosted::routes())
        .mount("/", routes![me, common::routes::login, new_password]);
    let site = Client::tracked(rocket).await.expect("ignites");
    let login = site.post("/login").header(rocket::http::ContentType::Form);
    let response = login.body("username=newbie&password=Temp-Passw0rd!").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized, "a new password is asked for");
    assert!(site.cookies().get("cognito_challenge").is_some());

    let refused = site.get("/auth/callback?code=from-elsewhere&state=forged").dispatch().await;
    assert_eq!(refused.status(), Status::BadRequest);
    assert!(site.cookies().get("cognito_challenge").is_some(), "the pending step is kept");
    let answered = site.post("/new-password").body("Chosen-Passw0rd!9").dispatch().await;
    assert_eq!(answered.status(), Status::Ok, "and answered");
    assert_eq!(status_of(&site, "/me").await, Status::Ok);
}

#[rocket::post("/new-password", data = "<password>")]
async fn new_password(
    cognito: &rocket_warrant::Cognito,
    jar: &rocket::http::CookieJar<'_>,
    pending: rocket_warrant::PendingChallenge,
    password: &str,
) -> Result<&'static str, rocket_warrant::Error> {
    cognito.keep(jar, cognito.answer(&pending, rocket_warrant::Answer::NewPassword(password)).await).await?;
    Ok("signed in")
}

/// As Auth.js GHSA-x445-f3h2-j279 and fastapi-users CVE-2025-68481 (a state or a code accepted
/// where it was not issued): the state and the code of a sign-in through one app client fail at
/// a site of another app client of the same pool, and at a site of another pool. The state is
/// the browser's own sign-in's (sealed for this site), the code is exchanged for this site's
/// client only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_and_code_of_another_app_client_or_pool_fail_here() {
    need_emulator!();
    let first = hosted(false).await;
    let site = first.site().await;
    let callback = through_hosted_page(&site, "/auth/login", &[("username", "alice"), ("password", PASSWORD)]).await;
    let param = |name: &str| callback.split(&format!("{name}=")).nth(1).unwrap().split('&').next().unwrap().to_owned();
    let (code, state) = (param("code"), param("state"));

    let (sibling_client, _) = first.pool.hosted_client(CALLBACK, LOGOUT, false).await;
    let sibling_site = first.site_with(json!({ "app_client_id": sibling_client })).await;
    let other_pool = hosted(false).await;
    let other_site = other_pool.site().await;
    for (name, other) in [("another app client", &sibling_site), ("another pool", &other_site)] {
        // Its own sign-in under way, given this one's code: refused at the token endpoint.
        let started = other.get("/auth/login").dispatch().await;
        let own_state = started.headers().get_one("Location").unwrap().split("state=").nth(1).unwrap();
        let own_state = own_state.split('&').next().unwrap().to_owned();
        let (status, body) = refused(other, format!("/auth/callback?code={code}&state={own_state}")).await;
        assert_eq!(status, Status::BadRequest, "{name}: {body}");
        assert!(body.contains("invalid_grant"), "{name}: {body}");
        // This one's state: no sign-in of that state under way there.
        other.get("/auth/login").dispatch().await;
        let (status, body) = refused(other, format!("/auth/callback?code={code}&state={state}")).await;
        assert_eq!(status, Status::BadRequest, "{name}");
        assert!(body.contains("(state)"), "{name}: {body}");
        assert_eq!(status_of(other, "/me").await, Status::Unauthorized, "{name}: no one signed in");
    }
    assert_eq!(status_of(&site, "/me").await, Status::Unauthorized, "nor here");
}
