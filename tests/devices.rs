//! Remembered devices and threat protection's context, through `SignIn` on a site, against the
//! emulator: a device confirmed at the first sign-in skips the second factor at the next, names
//! itself on refresh, and asks for the code again once forgotten; each call carries the user's
//! address (from the connection, or the trusted proxy header) and the client metadata.

#[macro_use]
mod common;

use common::routes::{access, me};
use common::{with, Pool, StoreKind};
use rocket::form::Form;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, routes, FromForm};
use rocket_warrant::sign_in::Answer;
use rocket_warrant::tokens::TokenUse;
use rocket_warrant::{CognitoUser, Error, PendingChallenge, SignIn};

const PASSWORD: &str = "Corr3ct-Horse-Battery!";

#[derive(FromForm)]
struct Credentials {
    username: String,
    password: String,
    marker: String,
}

/// Signs in: "signed in", "remember?" when the pool asks the user first, or the challenge's name.
#[post("/login", data = "<form>")]
async fn login(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<String, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker.as_str())]);
    match sign_in.keep(sign_in.login(&form.username, &form.password).await).await {
        Ok(login) if login.asks_to_remember_device() => Ok("remember?".into()),
        Ok(_) => Ok("signed in".into()),
        Err(Error::ChallengeRequired(pending)) => Ok(format!("{:?}", pending.challenge())),
        Err(e) => Err(e),
    }
}

#[post("/code", data = "<code>")]
async fn code(sign_in: SignIn<'_>, pending: PendingChallenge, code: String) -> Result<&'static str, Error> {
    sign_in.keep(sign_in.answer(&pending, Answer::Code(&code)).await).await?;
    Ok("signed in")
}

#[get("/devices")]
async fn devices(sign_in: SignIn<'_>, user: CognitoUser) -> Result<Json<Vec<Value>>, Error> {
    let devices = sign_in.devices(user.access_token()).await?;
    Ok(Json(
        devices
            .iter()
            .map(|d| json!({ "key": d.key, "remembered": d.remembered, "this": d.this_browser, "name": d.name }))
            .collect(),
    ))
}

#[post("/devices/remember")]
async fn remember(sign_in: SignIn<'_>, user: CognitoUser) -> Result<String, Error> {
    Ok(sign_in.remember_device(user.access_token(), true).await?.to_string())
}

#[post("/devices/forget", data = "<key>")]
async fn forget(sign_in: SignIn<'_>, user: CognitoUser, key: String) -> Result<&'static str, Error> {
    sign_in.forget_device(user.access_token(), &key).await?;
    Ok("forgotten")
}

#[derive(FromForm)]
struct Account<'r> {
    username: &'r str,
    code: Option<&'r str>,
    marker: &'r str,
}

#[post("/signup", data = "<form>")]
async fn signup(sign_in: SignIn<'_>, form: Form<Account<'_>>) -> Result<&'static str, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker)]);
    sign_in.sign_up(form.username, PASSWORD, &[("email", "someone@example.com")]).await?;
    Ok("signed up")
}

#[post("/confirm", data = "<form>")]
async fn confirm(sign_in: SignIn<'_>, form: Form<Account<'_>>) -> Result<&'static str, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker)]);
    sign_in.confirm_sign_up(form.username, form.code.unwrap_or_default()).await?;
    Ok("confirmed")
}

#[post("/resend", data = "<form>")]
async fn resend(sign_in: SignIn<'_>, form: Form<Account<'_>>) -> Result<&'static str, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker)]);
    sign_in.resend_confirmation_code(form.username).await?;
    Ok("sent")
}

#[post("/forgot", data = "<form>")]
async fn forgot(sign_in: SignIn<'_>, form: Form<Account<'_>>) -> Result<&'static str, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker)]);
    sign_in.forgot_password(form.username).await?;
    Ok("sent")
}

#[post("/reset", data = "<form>")]
async fn reset(sign_in: SignIn<'_>, form: Form<Account<'_>>) -> Result<&'static str, Error> {
    let sign_in = sign_in.with_client_metadata([("test", form.marker)]);
    sign_in.confirm_forgot_password(form.username, form.code.unwrap_or_default(), "N3w-Horse-Battery!").await?;
    Ok("reset")
}

#[post("/logout")]
async fn logout(sign_in: SignIn<'_>) -> &'static str {
    sign_in.sign_out().await;
    "signed out"
}

#[post("/everywhere")]
async fn everywhere(
    cognito: &rocket_warrant::Cognito,
    jar: &rocket::http::CookieJar<'_>,
    user: CognitoUser,
) -> Result<&'static str, Error> {
    cognito.sign_out_everywhere(jar, user.access_token()).await?;
    Ok("signed out everywhere")
}

struct Site {
    client: Client,
    clock: std::sync::Arc<common::PinnedClock>,
    marker: String,
}

impl Site {
    async fn new(pool: &Pool, extra: Value) -> Site {
        let url = common::database_url(StoreKind::Sqlite).await.unwrap();
        let clock = std::sync::Arc::new(common::PinnedClock::default());
        let settings = with(with(pool.settings(), json!({ "leeway_secs": 0 })), extra);
        let rocket = common::rocket_with_clock(StoreKind::Sqlite, &url, settings, Some(clock.clone())).mount(
            "/",
            routes![
                login, code, me, access, devices, remember, forget, logout, everywhere, signup, confirm, resend,
                forgot, reset
            ],
        );
        Site { client: Client::tracked(rocket).await.expect("ignites"), clock, marker: common::unique() }
    }

    async fn login_as(&self, username: &str, header: Option<Header<'static>>) -> String {
        self.login_as_with(username, header.as_slice()).await
    }

    async fn login_as_with(&self, username: &str, headers: &[Header<'static>]) -> String {
        let mut request = self
            .client
            .post("/login")
            .header(ContentType::Form)
            .remote("192.0.2.10:50000".parse().unwrap())
            .body(format!("username={username}&password={PASSWORD}&marker={}", self.marker));
        for header in headers {
            request = request.header(header.clone());
        }
        text(request.dispatch().await).await
    }

    async fn post(&self, path: &str, body: &str) -> String {
        text(self.client.post(path.to_owned()).body(body).dispatch().await).await
    }

    async fn devices(&self) -> Vec<Value> {
        let response = self.client.get("/devices").dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        response.into_json().await.unwrap()
    }

    async fn access_token(&self) -> String {
        text(self.client.get("/access").dispatch().await).await
    }

    /// Moves the verifier's clock past the current access token's expiry.
    async fn expire(&self) {
        let cognito = self.client.rocket().state::<rocket_warrant::Cognito>().unwrap();
        let exp = cognito.verify(&self.access_token().await, TokenUse::Access).await.unwrap().exp.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        self.clock.set(exp);
    }
}

async fn text(response: LocalResponse<'_>) -> String {
    let status = response.status();
    let body = response.into_string().await.unwrap_or_default();
    assert_eq!(status, Status::Ok, "{body}");
    body
}

async fn pool_with_texted_user(with_secret: bool, on_prompt: bool) -> Pool {
    let pool = Pool::new(with_secret).await;
    pool.add_user("dev", PASSWORD, &[("email", "dev@example.com"), ("phone_number", "+15555550142")]).await;
    pool.enable_sms_mfa("dev").await;
    pool.remember_devices(on_prompt).await;
    let role = aws_sdk_cognitoidentityprovider::types::SmsConfigurationType::builder()
        .sns_caller_arn("arn:aws:iam::123456789012:role/sms")
        .build();
    let sms = aws_sdk_cognitoidentityprovider::types::SmsMfaConfigType::builder()
        .sms_authentication_message("{####}")
        .sms_configuration(role);
    (pool.admin.set_user_pool_mfa_config())
        .user_pool_id(&pool.pool_id)
        .sms_mfa_configuration(sms.build())
        .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::Optional)
        .send()
        .await
        .expect("set_user_pool_mfa_config");
    pool
}

/// In each flow: the first sign-in asks for the texted code and confirms a device, kept in the
/// browser; the next sign-in proves the device (DEVICE_SRP_AUTH) and skips the code; a refresh
/// names the device; forgotten from the devices page, the code is asked for again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_device_skips_the_code_refreshes_with_its_key_and_once_forgotten_asks_again() {
    need_emulator!();
    let cases = [
        ("user_srp", true, "cookies"),
        ("user_password", false, "cookies"),
        ("admin_user_password", true, "cookies"),
        ("user_srp", false, "database"),
    ];
    for (flow, with_secret, sessions) in cases {
        let pool = pool_with_texted_user(with_secret, false).await;
        let site = Site::new(&pool, json!({ "auth_flow": flow, "session_store": sessions })).await;
        let flow = format!("{flow}, {sessions}");

        assert_eq!(site.login_as("dev", None).await, "SmsMfa", "{flow}: a new device asks for the code");
        let code = pool.texts("dev").await.pop().unwrap();
        assert_eq!(site.post("/code", &code).await, "signed in");
        assert!(site.client.cookies().get("cognito_device").is_some(), "{flow}: the device is kept");
        let listed = site.devices().await;
        assert_eq!(listed.len(), 1, "{flow}: {listed:?}");
        assert_eq!((listed[0]["remembered"].as_bool(), listed[0]["this"].as_bool()), (Some(true), Some(true)));
        assert_eq!(listed[0]["name"], Value::Null, "the local client sends no User-Agent");

        site.post("/logout", "").await;
        let texts = pool.texts("dev").await.len();
        assert_eq!(site.login_as("dev", None).await, "signed in", "{flow}: the remembered device skips the code");
        assert_eq!(pool.texts("dev").await.len(), texts, "{flow}: no code was sent");
        assert_eq!(site.devices().await.len(), 1, "{flow}: the same device, not a new one");

        // The refresh names the device: the emulator refuses it otherwise.
        site.expire().await;
        assert_eq!(site.client.get("/me").dispatch().await.status(), Status::Ok, "{flow}: refreshed");

        let key = listed[0]["key"].as_str().unwrap().to_owned();
        assert_eq!(site.post("/devices/forget", &key).await, "forgotten");
        assert!(site.client.cookies().get("cognito_device").is_none(), "{flow}: forgotten here too");
        site.post("/logout", "").await;
        assert_eq!(site.login_as("dev", None).await, "SmsMfa", "{flow}: forgotten, the code is asked again");
    }
}

/// Signing out everywhere, the browser that asked forgets its device (whoever took the account
/// over may have had it remembered): its cookie goes, Cognito forgets it, and its next sign-in
/// asks for the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_forgets_this_browsers_device() {
    need_emulator!();
    let pool = pool_with_texted_user(false, false).await;
    let site = Site::new(&pool, json!({})).await;
    assert_eq!(site.login_as("dev", None).await, "SmsMfa");
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    assert!(site.client.cookies().get("cognito_device").is_some());
    assert_eq!(site.devices().await.len(), 1);
    assert_eq!(site.post("/everywhere", "").await, "signed out everywhere");
    assert!(site.client.cookies().get("cognito_device").is_none(), "this browser forgets its device");
    // A token issued in the very second of the sign-out counts as before it (`iat` has seconds).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(site.login_as("dev", None).await, "SmsMfa", "the code is asked again");
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    assert_eq!(site.devices().await.len(), 1, "Cognito forgot the old one: only the new device is listed");
}

/// A device forgotten from another browser: this browser still names it, Cognito answers
/// "Device does not exist.", and the sign-in is made again without it (the code asked, a new
/// device kept); a session of that device cannot refresh any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_forgotten_elsewhere_is_replaced_at_the_next_sign_in_and_its_session_ends() {
    need_emulator!();
    let pool = pool_with_texted_user(false, false).await;
    let site = Site::new(&pool, json!({})).await;
    site.login_as("dev", None).await;
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    let old = site.devices().await[0]["key"].as_str().unwrap().to_owned();

    let cognito = site.client.rocket().state::<rocket_warrant::Cognito>().unwrap();
    cognito.forget_device(&site.access_token().await, &old).await.unwrap();
    site.expire().await;
    assert_eq!(site.client.get("/me").dispatch().await.status(), Status::Unauthorized, "its session ended");

    assert!(site.client.cookies().get("cognito_device").is_some(), "this browser still names it");
    assert_eq!(site.login_as("dev", None).await, "SmsMfa", "signed in again without it");
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    let listed = site.devices().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_ne!(listed[0]["key"].as_str(), Some(old.as_str()), "a new device");
    assert_eq!(listed[0]["this"], true);
}

/// A pool that remembers a device only when the user says so (DeviceOnlyRememberedOnUserPrompt):
/// the sign-in says it asks; until the user agrees the device is proved but the code is still
/// asked for; once remembered, it is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_that_asks_first_remembers_the_device_once_the_user_agrees() {
    need_emulator!();
    let pool = pool_with_texted_user(true, true).await;
    let site = Site::new(&pool, json!({})).await;
    site.login_as("dev", None).await;
    let code = pool.texts("dev").await.pop().unwrap();
    let answer = site.client.post("/code").body(code).dispatch().await;
    assert_eq!(answer.status(), Status::Ok);
    assert_eq!(site.devices().await[0]["remembered"], false);

    site.post("/logout", "").await;
    assert_eq!(site.login_as("dev", None).await, "SmsMfa", "not remembered yet: the code is asked");
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    assert_eq!(site.devices().await.len(), 1, "the device was proved, not replaced");
    assert_eq!(site.post("/devices/remember", "").await, "true");
    assert_eq!(site.devices().await[0]["remembered"], true);
    site.post("/logout", "").await;
    assert_eq!(site.login_as("dev", None).await, "signed in", "remembered: no code");
}

/// Conformance: a device key the user does not have is refused with ResourceNotFoundException
/// (Cognito's users report "Device does not exist.": amazon-cognito-identity-js#200), and a
/// refresh token of a device is refused without its key (GetTokensFromRefreshToken reference,
/// DeviceKey). moto knows no devices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refuses_a_device_the_user_does_not_have_and_a_refresh_without_the_device() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("dev", PASSWORD, &[("email", "dev@example.com")]).await;
    pool.remember_devices(false).await;
    let sign_in = |device: Option<&str>| {
        let mut call = pool
            .admin
            .initiate_auth()
            .client_id(&pool.client_id)
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dev")
            .auth_parameters("PASSWORD", PASSWORD);
        if let Some(device) = device {
            call = call.auth_parameters("DEVICE_KEY", device);
        }
        call.send()
    };
    let first = sign_in(None).await.unwrap().authentication_result.unwrap();
    let device = first.new_device_metadata().and_then(|d| d.device_key()).expect("a new device").to_owned();
    let refused = sign_in(Some("us-east-1_00000000-0000-0000-0000-000000000000")).await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.meta().code()), Some("ResourceNotFoundException"));
    let refresh = first.refresh_token().unwrap();
    let without = pool.admin.get_tokens_from_refresh_token().client_id(&pool.client_id).refresh_token(refresh);
    let refused = without.send().await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.meta().code()), Some("NotAuthorizedException"));
    // The key of a device not yet confirmed refreshes nothing (review C6; the emulator of before
    // refreshed with it, so this test refreshed before confirming); confirmed, it does.
    let unconfirmed = pool.admin.get_tokens_from_refresh_token().client_id(&pool.client_id).refresh_token(refresh);
    let refused = unconfirmed.device_key(&device).send().await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.meta().code()), Some("NotAuthorizedException"));
    let verifier = aws_sdk_cognitoidentityprovider::types::DeviceSecretVerifierConfigType::builder()
        .password_verifier("AQIDBA==")
        .salt("BQYHCA==")
        .build();
    (pool.admin.confirm_device())
        .access_token(first.access_token().unwrap())
        .device_key(&device)
        .device_secret_verifier_config(verifier)
        .send()
        .await
        .expect("confirm_device");
    let with_key = pool.admin.get_tokens_from_refresh_token().client_id(&pool.client_id).refresh_token(refresh);
    with_key.device_key(&device).send().await.expect("with the confirmed device's key");
}

/// Conformance (review C4): a remembered device stands in for the second factor only in a pool
/// whose ChallengeRequiredOnNewDevice is true (DeviceConfigurationType reference); without it
/// the device is proved and the texted code asked for all the same. The emulator of before
/// skipped the code for any remembered device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_device_replaces_the_code_only_where_the_pool_says_so() {
    need_emulator!();
    let pool = pool_with_texted_user(false, false).await;
    pool.remember_devices_as(false, false).await;
    let site = Site::new(&pool, json!({})).await;
    assert_eq!(site.login_as("dev", None).await, "SmsMfa");
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    assert_eq!(site.devices().await[0]["remembered"], true);
    site.post("/logout", "").await;
    assert_eq!(site.login_as("dev", None).await, "SmsMfa", "remembered, and the code still asked");
    assert_eq!(site.post("/code", &pool.texts("dev").await.pop().unwrap()).await, "signed in");
    assert_eq!(site.devices().await.len(), 1, "the device was proved, not replaced");
}

/// Threat protection's context reaches Cognito with each call: the user's address (from the
/// trusted proxy header when the settings name one, its last entry; never from a header the
/// settings do not trust) and the client metadata; the admin flow's ContextData has the server's
/// name, the path and the headers, the cookies left out. The app client propagates the address
/// (EnablePropagateAdditionalUserContextData): without it Cognito does not take it from the
/// public calls, as `context_data_ip_needs_the_client_setting` shows (the emulator of before
/// took it from any client, so this test set nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_context_and_client_metadata_reach_cognito_with_each_sign_in() {
    need_emulator!();
    let pool = Pool::new(true).await;
    pool.update_client(|u| u.enable_propagate_additional_user_context_data(true)).await;
    pool.add_user("ctx", PASSWORD, &[("email", "ctx@example.com")]).await;
    let forwarded = || Some(Header::new("X-Forwarded-For", "198.51.100.7, 203.0.113.9"));

    // The site's proxy (the tests' connections come from 192.0.2.10) adds the right-most hop.
    let proxies = json!({ "trusted_ip_header": "X-Forwarded-For", "trusted_proxies": ["192.0.2.0/24"] });
    let trusting = Site::new(&pool, proxies).await;
    assert_eq!(trusting.login_as("ctx", forwarded()).await, "signed in");
    let seen = pool.contexts(&trusting.marker).await;
    let actions: Vec<&str> = seen.iter().map(|c| c["Action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["InitiateAuth", "RespondToAuthChallenge"], "SRP's two calls");
    assert!(seen.iter().all(|c| c["UserContextData"]["IpAddress"] == "203.0.113.9"), "{seen:?}");

    // The connection's address, whatever the header says: with no header trusted, and with a
    // header trusted from proxies the connection is not from (the loopback ones by default).
    for settings in [json!({}), json!({ "trusted_ip_header": "X-Forwarded-For" })] {
        let untrusting = Site::new(&pool, settings.clone()).await;
        untrusting.login_as("ctx", forwarded()).await;
        let seen = pool.contexts(&untrusting.marker).await;
        assert!(!seen.is_empty());
        assert!(seen.iter().all(|c| c["UserContextData"]["IpAddress"] == "192.0.2.10"), "{settings}: {seen:?}");
    }

    let admin = Site::new(&pool, json!({ "auth_flow": "admin_user_password" })).await;
    // The request carries a cookie, an API key and credentials: none may reach Cognito.
    let sent = [
        Header::new("User-Agent", "Tester/1.0"),
        Header::new("Authorization-Id", "api-key-1"),
        Header::new("Cookie", "tracking=secret-cookie"),
        Header::new("Proxy-Authorization", "Basic c2VjcmV0"),
    ];
    admin.login_as_with("ctx", &sent).await;
    let seen = pool.contexts(&admin.marker).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    let context = &seen[0]["ContextData"];
    assert_eq!(
        (seen[0]["Action"].as_str(), context["ServerPath"].as_str()),
        (Some("AdminInitiateAuth"), Some("/login"))
    );
    let headers = context["HttpHeaders"].as_array().unwrap();
    assert!(headers.iter().any(|h| h["headerName"] == "user-agent" && h["headerValue"] == "Tester/1.0"), "{headers:?}");
    assert!(!headers.iter().any(|h| h["headerName"] == "cookie"), "cookies are not sent: {headers:?}");
    assert!(!headers.iter().any(|h| h["headerName"] == "authorization-id"), "nor the API key: {headers:?}");
    assert!(!headers.iter().any(|h| h["headerName"] == "proxy-authorization"), "nor credentials: {headers:?}");
    let everything = seen[0].to_string();
    for secret in ["secret-cookie", "api-key-1", "c2VjcmV0"] {
        assert!(!everything.contains(secret), "{secret} reached Cognito: {everything}");
    }

    // Sign-up and reset, each call with the user's address and the metadata.
    pool.verify_emails().await;
    let account = Site::new(&pool, json!({})).await;
    let form = |path: &'static str, code: &str| {
        let body = format!("username=joiner&marker={}&code={code}", account.marker);
        account.client.post(path).header(ContentType::Form).remote("192.0.2.10:50000".parse().unwrap()).body(body)
    };
    text(form("/signup", "").dispatch().await).await;
    text(form("/resend", "").dispatch().await).await;
    let code = pool.newest_code("joiner", "signup").await;
    text(form("/confirm", &code).dispatch().await).await;
    text(form("/forgot", "").dispatch().await).await;
    let code = pool.newest_code("joiner", "reset").await;
    text(form("/reset", &code).dispatch().await).await;
    let seen = pool.contexts(&account.marker).await;
    let actions: Vec<&str> = seen.iter().map(|c| c["Action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["SignUp", "ResendConfirmationCode", "ConfirmSignUp", "ForgotPassword", "ConfirmForgotPassword"]
    );
    assert!(seen.iter().all(|c| c["UserContextData"]["IpAddress"] == "192.0.2.10"), "{seen:?}");
}

/// Conformance: ListDevices pages as its reference has it (Limit, PaginationToken): two
/// browsers' devices, one a page; moto has no devices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_lists_devices_a_page_at_a_time() {
    need_emulator!();
    let pool = pool_with_texted_user(false, false).await;
    for _ in 0..2 {
        let browser = Site::new(&pool, json!({})).await;
        assert_eq!(browser.login_as("dev", None).await, "SmsMfa");
        browser.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    }
    let site = Site::new(&pool, json!({})).await;
    site.login_as("dev", None).await;
    site.post("/code", &pool.texts("dev").await.pop().unwrap()).await;
    let token = site.access_token().await;
    let first = pool.admin.list_devices().access_token(&token).limit(2).send().await.unwrap();
    assert_eq!(first.devices().len(), 2);
    let next = first.pagination_token().expect("a second page");
    let second = pool.admin.list_devices().access_token(&token).limit(2).pagination_token(next).send().await.unwrap();
    assert_eq!((second.devices().len(), second.pagination_token()), (1, None));
    let keys: std::collections::HashSet<_> =
        first.devices().iter().chain(second.devices()).filter_map(|d| d.device_key()).collect();
    assert_eq!(keys.len(), 3, "three browsers, three devices");
}

/// Conformance (review D1): Cognito takes the user's address from the public calls'
/// UserContextData only for an app client with EnablePropagateAdditionalUserContextData, which
/// only a client with a secret may have (CreateUserPoolClient reference); the admin calls'
/// ContextData is not affected. The emulator of before took the address from any client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_data_ip_needs_the_client_setting() {
    need_emulator!();
    let pool = Pool::new(true).await;
    pool.add_user("ctx", PASSWORD, &[("email", "ctx@example.com")]).await;
    let site = Site::new(&pool, json!({ "trusted_ip_header": "X-Forwarded-For" })).await;
    site.login_as("ctx", Some(Header::new("X-Forwarded-For", "203.0.113.9"))).await;
    let seen = pool.contexts(&site.marker).await;
    assert!(!seen.is_empty());
    for context in &seen {
        assert_eq!(context["IpAddressIgnored"], true, "{context}");
        assert!(context["UserContextData"].get("IpAddress").is_none(), "{context}");
    }
    let admin = Site::new(&pool, json!({ "auth_flow": "admin_user_password" })).await;
    admin.login_as("ctx", None).await;
    let seen = pool.contexts(&admin.marker).await;
    assert_eq!(seen[0]["ContextData"]["IpAddress"], "192.0.2.10", "the admin flow's is kept");
    // Only a client with a secret may propagate the address.
    let public = Pool::new(false).await;
    let refused = (public.admin.update_user_pool_client())
        .user_pool_id(&public.pool_id)
        .client_id(&public.client_id)
        .enable_propagate_additional_user_context_data(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.meta().code()), Some("InvalidParameterException"));
}
