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

    /// The site's settings for this client, with `extra`.
    fn settings(&self, extra: serde_json::Value) -> serde_json::Value {
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
        with(settings, extra)
    }

    async fn site_with(&self, extra: serde_json::Value) -> Client {
        let url = common::database_url(StoreKind::Sqlite).await.unwrap();
        let settings = self.settings(extra);
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

/// A form POSTed to the emulator's hosted pages: where it redirects, or else the page it shows.
async fn answer_of(path: &str, body: &str) -> Result<String, String> {
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
    let (head, page) = response.split_once("\r\n\r\n").unwrap();
    head.lines().find_map(|l| l.strip_prefix("Location: ")).map(str::to_owned).ok_or_else(|| page.to_owned())
}

/// The text of the element `id` of a hosted page.
fn element(page: &str, id: &str) -> Option<String> {
    let rest = page.split(&format!("id='{id}'>")).nth(1)?;
    Some(rest.split('<').next()?.to_owned())
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
        // A new CSRF secret with the session, as at every sign-in: a token planted before is dead.
        let set: Vec<&str> = response.headers().get("Set-Cookie").collect();
        assert!(set.iter().any(|c| c.starts_with("cognito_csrf=") && !c.contains("Max-Age=0")), "{set:?}");
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
    cognito.keep(jar, cognito.answer(&pending, rocket_warrant::sign_in::Answer::NewPassword(password)).await).await?;
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

/// An authorization code for `scope` (the hosted page signed in as alice, no PKCE), exchanged at
/// the token endpoint: the status and the answer.
async fn code_for(hosted: &Hosted, client_id: &str, scope: &str) -> Result<(u16, serde_json::Value), String> {
    let authorize = format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&state=s",
        CALLBACK.replace(':', "%3A").replace('/', "%2F"),
        scope.replace(' ', "+")
    );
    let (status, page) = common::emulator_http("GET", &authorize, &[], "").await;
    if status == 302 {
        return Err(page);
    }
    let (action, mut fields) = form_of(&page);
    fields.extend([("username".into(), "alice".into()), ("password".into(), PASSWORD.into())]);
    let callback = location_of(&action, &form_body(&fields)).await.unwrap();
    let Some(code) = callback.split("code=").nth(1) else { return Err(callback) };
    let body = format!(
        "grant_type=authorization_code&client_id={client_id}&code={}&redirect_uri={}",
        code.split('&').next().unwrap(),
        CALLBACK.replace(':', "%3A").replace('/', "%2F")
    );
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, body) = common::emulator_http("POST", "/oauth2/token", &form, &body).await;
    let _ = hosted;
    Ok((status, serde_json::from_str(&body).unwrap()))
}

/// Where the authorize request for `scope` sends the browser, when it refuses at once.
async fn authorize_refusal(client_id: &str, scope: &str) -> Option<String> {
    let authorize = format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&state=s",
        CALLBACK.replace(':', "%3A").replace('/', "%2F"),
        scope.replace(' ', "+")
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = common::emulator_url();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(format!("GET {authorize} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.lines().find_map(|l| l.strip_prefix("Location: ")).map(str::to_owned)
}

/// Conformance (review E4, E9, E10, E11, E17, E18): the token endpoint grants the scopes asked
/// for, and the access token's `scope` claim says which; an ID token only with `openid`
/// (developer guide, authorization endpoint: "An ID token is only returned if openid scope is
/// requested"); `email`, `phone` and `profile` only with `openid`; `invalid_grant` when the
/// client cannot read every attribute of a requested OIDC scope (token endpoint: "your app
/// requests the email scope and your app client can read the email attribute, but not
/// email_verified"); userInfo only for a token-endpoint access token with `openid`, the
/// attributes its scopes cover, 400 without a token. The emulator of before gave every token
/// `aws.cognito.signin.user.admin` alone and an ID token always, and checked none of this.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_grants_the_scopes_asked_for_and_an_id_token_only_with_openid() {
    need_emulator!();
    let hosted = hosted(false).await;
    let id = hosted.client_id.clone();
    let (status, answer) = code_for(&hosted, &id, "openid email").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let access = answer["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims_of(&access)["scope"], "openid email");
    assert!(answer["id_token"].is_string(), "{answer}");
    let bearer = format!("Bearer {access}");
    let (status, info) = common::emulator_http("GET", "/oauth2/userInfo", &[("Authorization", &bearer)], "").await;
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        (status, info["email"].as_str(), info["username"].as_str()),
        (200, Some("alice@example.com"), Some("alice"))
    );

    let (status, answer) = code_for(&hosted, &id, "aws.cognito.signin.user.admin").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("id_token").is_none(), "no openid, no ID token: {answer}");
    let access = answer["access_token"].as_str().unwrap();
    assert_eq!(claims_of(access)["scope"], "aws.cognito.signin.user.admin");
    let bearer = format!("Bearer {access}");
    let (status, _) = common::emulator_http("GET", "/oauth2/userInfo", &[("Authorization", &bearer)], "").await;
    assert_eq!(status, 401, "userInfo needs openid");
    let (status, _) = common::emulator_http("GET", "/oauth2/userInfo", &[], "").await;
    assert_eq!(status, 400, "no token at all: invalid_request");

    let refused = authorize_refusal(&id, "email").await.expect("a redirect with the error");
    assert!(refused.contains("error=invalid_scope"), "email without openid: {refused}");

    // A client that reads email but not email_verified, asked for the email scope.
    let narrow = (hosted.pool.admin.create_user_pool_client())
        .user_pool_id(&hosted.pool.pool_id)
        .client_name("narrow")
        .allowed_o_auth_flows(aws_sdk_cognitoidentityprovider::types::OAuthFlowType::Code)
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls(CALLBACK)
        .supported_identity_providers("COGNITO")
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .read_attributes("email")
        .send()
        .await
        .unwrap();
    let narrow = narrow.user_pool_client.unwrap().client_id.unwrap();
    let (status, answer) = code_for(&hosted, &narrow, "openid email").await.unwrap();
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "{answer}");
    let (status, answer) = code_for(&hosted, &narrow, "openid").await.unwrap();
    assert_eq!(status, 200, "openid alone needs no attribute: {answer}");

    // An API sign-in's access token: not for userInfo.
    let api = (hosted.pool.admin.admin_initiate_auth())
        .user_pool_id(&hosted.pool.pool_id)
        .client_id(&hosted.pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", api.authentication_result.unwrap().access_token.unwrap());
    let (status, _) = common::emulator_http("GET", "/oauth2/userInfo", &[("Authorization", &bearer)], "").await;
    assert_eq!(status, 401, "an API sign-in's token has no openid");
}

/// Conformance (review A21): every call a user makes with their access token needs the scope
/// `aws.cognito.signin.user.admin` (each reference: "It must include the scope
/// aws.cognito.signin.user.admin"), else NotAuthorizedException "Access Token does not have
/// required scopes" (aws-amplify/amplify-js#1906). The emulator of before checked no scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_calls_with_an_access_token_need_the_admin_scope() {
    need_emulator!();
    let hosted = hosted(false).await;
    let id = hosted.client_id.clone();
    let (_, answer) = code_for(&hosted, &id, "openid email").await.unwrap();
    let unscoped = answer["access_token"].as_str().unwrap().to_owned();
    let admin = &hosted.pool.admin;
    let refusals = [
        admin
            .get_user()
            .access_token(&unscoped)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        (admin
            .change_password()
            .access_token(&unscoped)
            .previous_password(PASSWORD)
            .proposed_password("N3w-Passw0rd!"))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.into_service_error().meta().clone()),
        admin
            .list_devices()
            .access_token(&unscoped)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        admin
            .global_sign_out()
            .access_token(&unscoped)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
    ];
    for refused in refusals {
        let refused = refused.unwrap_err();
        assert_eq!(refused.code(), Some("NotAuthorizedException"));
        assert_eq!(refused.message(), Some("Access Token does not have required scopes"));
    }
    let (_, answer) = code_for(&hosted, &id, "openid aws.cognito.signin.user.admin").await.unwrap();
    let scoped = answer["access_token"].as_str().unwrap();
    admin.get_user().access_token(scoped).send().await.expect("the admin scope lets GetUser through");
}

/// Launch refuses scopes a managed-login sign-in cannot work with (issue 42, items 2 to 4),
/// naming `cognito.scopes`: without `aws.cognito.signin.user.admin` (Cognito refuses the GetUser
/// every sign-in calls) or `openid` (no ID token); a scope the app client does not allow; an
/// OIDC scope whose attributes the client cannot read (`invalid_grant` at every sign-in). Before,
/// each launched, and every sign-in then failed on a real pool (the emulator was kind to all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_refuses_scopes_a_managed_login_cannot_work_with() {
    need_emulator!();
    let hosted = hosted(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for scopes in [
        json!(["openid", "email", "profile"]),
        json!(["email", "aws.cognito.signin.user.admin"]),
        json!(["openid", "phone", "aws.cognito.signin.user.admin"]),
    ] {
        let settings = hosted.settings(json!({ "scopes": scopes }));
        assert!(common::launch_stops(StoreKind::Sqlite, &url, settings).await, "{scopes}");
    }
    // The client cannot read email_verified, and the default scopes ask for email.
    let (narrow, _) = hosted.pool.hosted_client(CALLBACK, LOGOUT, false).await;
    let reads = (hosted.pool.admin.update_user_pool_client())
        .user_pool_id(&hosted.pool.pool_id)
        .client_id(&narrow)
        .allowed_o_auth_flows(aws_sdk_cognitoidentityprovider::types::OAuthFlowType::Code)
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls(CALLBACK)
        .supported_identity_providers("COGNITO")
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .allowed_o_auth_scopes("aws.cognito.signin.user.admin")
        .read_attributes("email");
    reads.send().await.unwrap();
    let settings = hosted.settings(json!({ "app_client_id": narrow }));
    assert!(common::launch_stops(StoreKind::Sqlite, &url, settings).await, "email_verified unreadable");
    // The defaults, on the tests' client: launches (and signs in: the other tests).
    let launched = common::rocket(StoreKind::Sqlite, &url, hosted.settings(json!({}))).ignite().await;
    assert!(launched.is_ok());
}

/// Managed login asks, after the password, for what the user owes (review E21; developer guide,
/// "Adding MFA to a user pool": managed login "prompts users to set up MFA when you set MFA to
/// be required", and users with MFA are "automatically prompted for the MFA code"): the texted
/// code, an authenticator's enrolment, a new password for a temporary one; only then the code
/// the site exchanges. A wrong code is asked again. The emulator of before issued the code after
/// the password alone. Through the crate's routes, ending in the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_login_asks_for_a_new_password_and_the_second_factor_before_the_code() {
    need_emulator!();
    let hosted = hosted(false).await;
    let pool = &hosted.pool;
    pool.require_sms_mfa().await;
    pool.add_user("texted", PASSWORD, &[("phone_number", "+15555550188"), ("phone_number_verified", "true")]).await;
    pool.enable_sms_mfa("texted").await;
    pool.add_user("enrolling", PASSWORD, &[]).await;
    pool.add_user_with_temporary_password("newcomer", "Temp-Passw0rd!").await;

    // The texted code, a wrong one first.
    let site = hosted.site().await;
    let start = site.get("/auth/login").dispatch().await;
    let authorize = start.headers().get_one("Location").unwrap().to_owned();
    let (_, page) = common::emulator_http("GET", &on_emulator(&authorize), &[], "").await;
    let (action, mut fields) = form_of(&page);
    fields.extend([("username".into(), "texted".into()), ("password".into(), PASSWORD.into())]);
    let page = answer_of(&action, &form_body(&fields)).await.expect_err("a page asking for the code");
    assert_eq!(element(&page, "step").as_deref(), Some("SMS_MFA"), "{page}");
    let code = pool.texts("texted").await.pop().expect("a text");
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (action, mut fields) = form_of(&page);
    fields.push(("code".into(), wrong));
    let page = answer_of(&action, &form_body(&fields)).await.expect_err("asked again");
    assert!(element(&page, "error").is_some(), "{page}");
    let (action, mut fields) = form_of(&page);
    fields.push(("code".into(), code));
    let callback = answer_of(&action, &form_body(&fields)).await.expect("the code");
    assert_eq!(site.get(local(&callback)).dispatch().await.status(), Status::SeeOther);
    assert_eq!(site.get("/me").dispatch().await.into_string().await.as_deref(), Some("texted"));

    // A temporary password, replaced, then an authenticator enrolled.
    for (name, password) in [("newcomer", "Temp-Passw0rd!"), ("enrolling", PASSWORD)] {
        let site = hosted.site().await;
        let start = site.get("/auth/login").dispatch().await;
        let authorize = start.headers().get_one("Location").unwrap().to_owned();
        let (_, page) = common::emulator_http("GET", &on_emulator(&authorize), &[], "").await;
        let (action, mut fields) = form_of(&page);
        fields.extend([("username".into(), name.into()), ("password".into(), password.into())]);
        let mut page = answer_of(&action, &form_body(&fields)).await.expect_err("a step");
        if name == "newcomer" {
            assert_eq!(element(&page, "step").as_deref(), Some("NEW_PASSWORD_REQUIRED"), "{page}");
            let (action, mut fields) = form_of(&page);
            fields.push(("new_password".into(), "Chosen-Passw0rd!".into()));
            page = answer_of(&action, &form_body(&fields)).await.expect_err("the enrolment next");
        }
        assert_eq!(element(&page, "step").as_deref(), Some("MFA_SETUP"), "{name}: {page}");
        let app = common::Authenticator::new(&element(&page, "secret").expect("the secret to enrol"));
        let (action, mut fields) = form_of(&page);
        fields.push(("code".into(), app.code().await));
        let callback = answer_of(&action, &form_body(&fields)).await.expect("the code");
        assert_eq!(site.get(local(&callback)).dispatch().await.status(), Status::SeeOther, "{name}");
        assert_eq!(site.get("/me").dispatch().await.into_string().await.as_deref(), Some(name));
    }
}

/// Conformance (review E13, E14, E15, E19): the token endpoint's refresh_token grant rotates as
/// the app client says (RefreshTokenRotationType reference: a new refresh token each time, the
/// old one refused after its grace period) and answers a disabled user `invalid_grant` (the
/// emulator of before: a 500); a client allowed neither REFRESH_TOKEN_AUTH nor rotation is
/// `unauthorized_client` ("not allowed ... for refreshing tokens"); the revoke endpoint answers
/// its error table (400 invalid_request without a token or with revocation off, 400
/// unsupported_token_type for an access token, 401 invalid_client, 200 for an unknown token);
/// client_credentials is a client's only OAuth flow, and needs a secret (CreateUserPoolClient
/// reference). The emulator of before checked none of these.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refresh_grant_and_revoke_endpoint_follow_the_guide() {
    use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, OAuthFlowType, RefreshTokenRotationType};
    need_emulator!();
    let hosted = hosted(false).await;
    let admin = &hosted.pool.admin;
    let oauth_client = |name: &str| {
        (admin.create_user_pool_client())
            .user_pool_id(&hosted.pool.pool_id)
            .client_name(name)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_flows_user_pool_client(true)
            .callback_urls(CALLBACK)
            .supported_identity_providers("COGNITO")
            .allowed_o_auth_scopes("openid")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
    };
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let refresh_grant = |client: &str, token: &str| {
        let body = format!("grant_type=refresh_token&client_id={client}&refresh_token={token}");
        async move {
            let (status, body) = common::emulator_http("POST", "/oauth2/token", &form, &body).await;
            (status, serde_json::from_str::<serde_json::Value>(&body).unwrap())
        }
    };

    let rotation = RefreshTokenRotationType::builder()
        .feature(aws_sdk_cognitoidentityprovider::types::FeatureType::Enabled)
        .retry_grace_period_seconds(0)
        .build()
        .unwrap();
    let rotating = oauth_client("rotating").refresh_token_rotation(rotation).send().await.unwrap();
    let rotating = rotating.user_pool_client.unwrap().client_id.unwrap();
    let (_, answer) = code_for(&hosted, &rotating, "openid").await.unwrap();
    let first = answer["refresh_token"].as_str().unwrap().to_owned();
    let (status, answer) = refresh_grant(&rotating, &first).await;
    assert_eq!(status, 200, "{answer}");
    let second = answer["refresh_token"].as_str().expect("a new refresh token").to_owned();
    assert_ne!(second, first);
    assert_eq!(refresh_grant(&rotating, &first).await.1["error"], "invalid_grant", "rotated out");
    assert_eq!(refresh_grant(&rotating, &second).await.0, 200);

    let no_refresh = oauth_client("no-refresh").send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let (_, answer) = code_for(&hosted, &no_refresh, "openid").await.unwrap();
    let token = answer["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh_grant(&no_refresh, &token).await.1["error"], "unauthorized_client");

    // The revoke endpoint's error table.
    let id = hosted.client_id.clone();
    let (_, answer) = code_for(&hosted, &id, "openid").await.unwrap();
    let (access, refresh) = (answer["access_token"].as_str().unwrap(), answer["refresh_token"].as_str().unwrap());
    let revoke = |body: String| async move { common::emulator_http("POST", "/oauth2/revoke", &form, &body).await };
    assert_eq!(revoke(format!("client_id={id}")).await.0, 400, "no token");
    let (status, body) = revoke(format!("client_id={id}&token={access}")).await;
    assert_eq!((status, body.contains("unsupported_token_type")), (400, true), "{body}");
    assert_eq!(revoke(format!("client_id={id}&token=not-a-token")).await.0, 200, "an unknown token");
    let (with_secret, _) = hosted.pool.hosted_client(CALLBACK, LOGOUT, true).await;
    let (status, body) = revoke(format!("client_id={with_secret}&token={refresh}")).await;
    assert_eq!((status, body.contains("invalid_client")), (401, true), "no secret: {body}");
    let unrevocable = oauth_client("unrevocable").enable_token_revocation(false).send().await.unwrap();
    let unrevocable = unrevocable.user_pool_client.unwrap().client_id.unwrap();
    let (status, body) = revoke(format!("client_id={unrevocable}&token={refresh}")).await;
    assert_eq!((status, body.contains("invalid_request")), (400, true), "revocation off: {body}");

    // A disabled user's refresh: invalid_grant, not a 500.
    admin.admin_disable_user().user_pool_id(&hosted.pool.pool_id).username("alice").send().await.unwrap();
    let (status, answer) = refresh_grant(&id, refresh).await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "{answer}");

    // client_credentials alone, and with a secret.
    let code_and_machine = (admin.create_user_pool_client())
        .user_pool_id(&hosted.pool.pool_id)
        .client_name("both")
        .generate_secret(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_machine.as_service_error().and_then(|e| e.meta().code()), Some("InvalidParameterException"));
    let secretless = (admin.create_user_pool_client())
        .user_pool_id(&hosted.pool.pool_id)
        .client_name("secretless")
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(secretless.as_service_error().and_then(|e| e.meta().code()), Some("InvalidParameterException"));
}

/// A Bearer token without the admin scope, of a user the site has no row of: Cognito would
/// refuse the GetUser that makes the row (review A21), so the crate answers 403 at once, saying
/// why in the log. Before, the emulator answered GetUser for any token and the row was made; on
/// a real pool the guard would have failed on Cognito's refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_without_the_admin_scope_makes_no_local_user() {
    need_emulator!();
    let hosted = hosted(false).await;
    let id = hosted.client_id.clone();
    let site = hosted.site().await;
    let (_, answer) = code_for(&hosted, &id, "openid email").await.unwrap();
    let unscoped = format!("Bearer {}", answer["access_token"].as_str().unwrap());
    let response = site.get("/me").header(rocket::http::Header::new("Authorization", unscoped)).dispatch().await;
    assert_eq!(response.status(), Status::Forbidden);
    let (_, answer) = code_for(&hosted, &id, "openid aws.cognito.signin.user.admin").await.unwrap();
    let scoped = format!("Bearer {}", answer["access_token"].as_str().unwrap());
    let response = site.get("/me").header(rocket::http::Header::new("Authorization", scoped)).dispatch().await;
    assert_eq!((response.status(), response.into_string().await.as_deref()), (Status::Ok, Some("alice")));
}
