//! Managed login through the emulator's hosted pages: the authorization-code round trip with
//! PKCE through the crate's routes, ending in the same session as a password sign-in; every
//! refusal (no sign-in under way, a wrong or missing state, an `error=` answer, a replayed code,
//! another sign-in's code or nonce) answered with a clear status and nothing signed in; a
//! federated first sign-in; logout through the hosted endpoint with the refresh token revoked.

#[macro_use]
mod common;

use common::routes::me;
use common::{claims_of, with, Pool, StoreKind};
use rocket::http::Status;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_its_sign_in_or_with_another_state_signs_no_one_in() {
    need_emulator!();
    let hosted = hosted(false).await;
    let site = hosted.site().await;
    let callback = through_hosted_page(&site, "/auth/login", &[("username", "alice"), ("password", PASSWORD)]).await;
    let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();

    // The options reach the authorize request.
    let started = site.get("/auth/login?idp=example.com&lang=fr&next=https://evil.example/").dispatch().await;
    let authorize = started.headers().get_one("Location").unwrap().to_owned();
    assert!(authorize.contains("&idp_identifier=example.com") && authorize.contains("&lang=fr"), "{authorize}");
    assert!(!authorize.contains("evil"), "next stays on the site, and in the cookie");

    // The sign-in's cookie goes back on the redirect from Cognito's domain whatever the site's
    // SameSite policy: Lax, never Strict.
    let strict = hosted.site_with(json!({ "cookie_same_site": "strict" })).await;
    let started = strict.get("/auth/login").dispatch().await;
    let set = started.headers().get("Set-Cookie").find(|c| c.starts_with("cognito_oauth=")).unwrap().to_owned();
    assert!(set.contains("SameSite=Lax"), "{set}");

    // Another browser, which started nothing.
    let stranger = hosted.site().await;
    assert_eq!(status_of(&stranger, &local(&callback)).await, Status::BadRequest);
    assert_eq!(status_of(&stranger, "/me").await, Status::Unauthorized);
    // This browser, the state changed or missing: refused, and its sign-in is over.
    assert_eq!(status_of(&site, &format!("/auth/callback?code={code}&state=forged")).await, Status::BadRequest);
    assert_eq!(status_of(&site, &local(&callback)).await, Status::BadRequest, "one try per sign-in");
    let started = site.get("/auth/login").dispatch().await;
    assert!(started.headers().get_one("Location").is_some());
    assert_eq!(status_of(&site, &format!("/auth/callback?code={code}")).await, Status::BadRequest, "no state");
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

    let out = site.post("/auth/logout").dispatch().await;
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
