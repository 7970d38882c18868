//! End to end in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! which `./scripts/test` installs when missing) drives the example site served on loopback.

mod common;
#[path = "../examples/cdu/site/mod.rs"]
#[allow(dead_code)]
mod site;

#[path = "common/cdu.rs"]
mod cdu;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on port {port}");
}

/// Waits for the page that a click started to load: Chromium schedules a form submission after
/// the click command has returned, so reading the URL at once can still see the old page.
/// A page can also be replaced between finding its heading and reading it (a stale element, as
/// when a form posts back to its own path): any failure to read it counts as "not there yet".
/// Gives up after ten seconds, saying which page it is on and what that page shows.
async fn arrive(browser: &Client, path: &str, heading: &str) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..100 {
        if browser.current_url().await.is_ok_and(|url| url.path() == path) {
            if let Ok(h1) = browser.find(Locator::Css("main h1")).await {
                if h1.text().await.is_ok_and(|text| text == heading) {
                    return Ok(());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = browser.current_url().await?;
    let shown = browser.find(Locator::Css("body")).await?.text().await?;
    panic!("expected {path} headed {heading:?}; the browser is on {url}, showing:\n{shown}");
}

/// The example site served on loopback for `demo`, and a headless Chromium session on it.
struct Running {
    browser: Client,
    site: String,
    shutdown: rocket::Shutdown,
    server: tokio::task::JoinHandle<Result<rocket::Rocket<rocket::Ignite>, rocket::Error>>,
    _driver: Driver,
    profile_dir: std::path::PathBuf,
}

impl Running {
    async fn start(demo: &cdu::Demo) -> Running {
        Running::start_on(demo, free_port(), demo.figment()).await
    }

    /// The site on `site_port`, with the settings of `figment`.
    async fn start_on(demo: &cdu::Demo, site_port: u16, figment: rocket::figment::Figment) -> Running {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "Chromium is not installed: ./scripts/test installs Debian's chromium and chromium-driver"
        );
        let _ = demo;
        let figment = figment.merge(("port", site_port)).merge(("address", "127.0.0.1"));
        let rocket = site::build(figment).ignite().await.expect("the site ignites");
        let shutdown = rocket.shutdown();
        let server = tokio::spawn(rocket.launch());
        wait_for_port(site_port).await;

        let driver_port = free_port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        wait_for_port(driver_port).await;
        let profile_dir = std::env::temp_dir().join(format!("rw-chromium-{}", common::unique()));
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", format!("--user-data-dir={}", profile_dir.display())],
            }
        });
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .expect("a Chromium session");
        let site = format!("http://127.0.0.1:{site_port}");
        Running { browser, site, shutdown, server, _driver: driver, profile_dir }
    }

    /// Closes the browser and stops the site, then reports how the walk went.
    async fn finish(self, result: Result<(), fantoccini::error::CmdError>) {
        let _ = self.browser.close().await;
        self.shutdown.notify();
        let _ = self.server.await;
        let _ = std::fs::remove_dir_all(&self.profile_dir);
        result.expect("the browser session");
    }
}

/// Types `value` into the field `id`, after clearing it.
async fn fill(browser: &Client, id: &str, value: &str) -> Result<(), fantoccini::error::CmdError> {
    let field = browser.find(Locator::Id(id)).await?;
    field.clear().await?;
    field.send_keys(value).await
}

async fn submit(browser: &Client) -> Result<(), fantoccini::error::CmdError> {
    browser.find(Locator::Css("#account_form button[type=submit], form button[type=submit]")).await?.click().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_updates_the_profile_and_logs_out() {
    need_emulator!();
    let demo = cdu::demo().await;
    let running = Running::start(&demo).await;
    let (browser, site) = (&running.browser, running.site.clone());
    let result = async {
        // An anonymous visit to the profile lands on the login page.
        browser.goto(&format!("{site}/accounts/profile/")).await?;
        assert_eq!(browser.current_url().await?.path(), "/accounts/login/");
        browser.find(Locator::Id("id_username")).await?.send_keys("demo").await?;
        browser.find(Locator::Id("id_password")).await?.send_keys(cdu::DEMO_PASSWORD).await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;

        // Back where it wanted to go, signed in.
        arrive(browser, "/accounts/profile/", "demo").await?;
        // The browser holds the session cookie (the example keeps sessions in its database), and
        // no page script can read it (HttpOnly).
        let held = browser.get_all_cookies().await?;
        let session = held.iter().find(|c| c.name() == "cognito_session").expect("the session cookie is held");
        assert_eq!(session.http_only(), Some(true));
        let visible = browser.execute("return document.cookie", vec![]).await?;
        let visible = visible.as_str().unwrap_or_default();
        assert!(!visible.contains("cognito_"), "page scripts see: {visible}");
        let first_name = browser.find(Locator::Css("dd[data-field='First Name']")).await?;
        assert_eq!(first_name.text().await?, "Demo");

        browser.find(Locator::LinkText("Update your Profile")).await?.click().await?;
        arrive(browser, "/accounts/profile/update/", "Update your Profile").await?;
        let field = browser.find(Locator::Id("id_first_name")).await?;
        field.clear().await?;
        field.send_keys("Demelza").await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;

        arrive(browser, "/accounts/profile/", "demo").await?;
        let flash = browser.find(Locator::Css(".flash.success")).await?.text().await?;
        assert_eq!(flash, "You have successfully updated your profile.");
        let first_name = browser.find(Locator::Css("dd[data-field='First Name']")).await?;
        assert_eq!(first_name.text().await?, "Demelza");

        // The link offers the button; the button (a POST with the CSRF token) signs out.
        browser.find(Locator::Id("logout")).await?.click().await?;
        arrive(browser, "/accounts/logout/", "Log out").await?;
        browser.find(Locator::Id("logout-confirm")).await?.click().await?;
        arrive(browser, "/accounts/logout/", "Logged Out").await?;

        browser.goto(&format!("{site}/accounts/profile/")).await?;
        assert_eq!(browser.current_url().await?.path(), "/accounts/login/");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    running.finish(result).await;
}

/// A visitor signs up, types the mailed code, signs in; then forgets the password, resets it
/// with the code, and signs in with the new one: the old one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_up_confirms_signs_in_and_resets_the_password() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.verify_emails().await;
    let running = Running::start(&demo).await;
    let (browser, site) = (&running.browser, running.site.clone());
    let result = async {
        browser.goto(&format!("{site}/accounts/login/")).await?;
        browser.find(Locator::LinkText("Sign up")).await?.click().await?;
        arrive(browser, "/accounts/signup/", "Sign up").await?;
        for (id, value) in [
            ("id_username", "walker"),
            ("id_email", "walker@example.com"),
            ("id_first_name", "Wal"),
            ("id_last_name", "Ker"),
            ("id_password", "Walk-Passw0rd!"),
        ] {
            fill(browser, id, value).await?;
        }
        submit(browser).await?;
        arrive(browser, "/accounts/confirm", "Confirm your account").await?;
        let flash = browser.find(Locator::Css(".flash.success")).await?.text().await?;
        assert!(flash.contains("w***@e***"), "{flash}");
        fill(browser, "id_code", &demo.pool.newest_code("walker", "signup").await).await?;
        submit(browser).await?;
        arrive(browser, "/accounts/login/", "Login").await?;
        fill(browser, "id_username", "walker").await?;
        fill(browser, "id_password", "Walk-Passw0rd!").await?;
        submit(browser).await?;
        arrive(browser, "/accounts/profile/", "walker").await?;

        // Signed out, the password forgotten: a code, a new password, and back in.
        browser.find(Locator::Id("logout")).await?.click().await?;
        arrive(browser, "/accounts/logout/", "Log out").await?;
        browser.find(Locator::Id("logout-confirm")).await?.click().await?;
        arrive(browser, "/accounts/logout/", "Logged Out").await?;
        browser.goto(&format!("{site}/accounts/login/")).await?;
        browser.find(Locator::LinkText("Forgot your password?")).await?.click().await?;
        arrive(browser, "/accounts/password/forgot/", "Forgot your password?").await?;
        fill(browser, "id_username", "walker").await?;
        submit(browser).await?;
        arrive(browser, "/accounts/password/reset", "Set a new password").await?;
        fill(browser, "id_code", &demo.pool.newest_code("walker", "reset").await).await?;
        fill(browser, "id_password", "Walk-Again-Passw0rd!").await?;
        submit(browser).await?;
        arrive(browser, "/accounts/login/", "Login").await?;
        fill(browser, "id_username", "walker").await?;
        fill(browser, "id_password", "Walk-Passw0rd!").await?;
        submit(browser).await?;
        let refused = browser.wait().for_element(Locator::Css("p.error")).await?.text().await?;
        assert!(refused.contains("correct username and password"), "the old password is dead: {refused}");
        fill(browser, "id_password", "Walk-Again-Passw0rd!").await?;
        submit(browser).await?;
        arrive(browser, "/accounts/profile/", "walker").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    running.finish(result).await;
}

/// Managed login in the browser: the login page's button, the hosted page's form, and back on
/// the site signed in, at the profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_through_the_hosted_page() {
    need_emulator!();
    let demo = cdu::demo().await;
    let site_port = free_port();
    let site = format!("http://127.0.0.1:{site_port}");
    let callback = format!("{site}/accounts/hosted/callback");
    let (client_id, _) = demo.pool.hosted_client(&callback, &format!("{site}/accounts/login/"), false).await;
    let figment = demo
        .figment()
        .merge(("cognito.app_client_id", client_id))
        .merge(("cognito.domain", common::emulator_url().trim_end_matches('/').to_owned()))
        .merge(("cognito.redirect_uri", callback));
    let running = Running::start_on(&demo, site_port, figment).await;
    let browser = &running.browser;
    let result = async {
        browser.goto(&format!("{site}/accounts/login/")).await?;
        browser.find(Locator::Id("hosted_login")).await?.click().await?;
        for _ in 0..100 {
            if browser.find(Locator::Css("form#signin")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser.find(Locator::Css("input[name=username]")).await?.send_keys("demo").await?;
        browser.find(Locator::Css("input[name=password]")).await?.send_keys(cdu::DEMO_PASSWORD).await?;
        browser.find(Locator::Css("form#signin button[type=submit]")).await?.click().await?;
        arrive(browser, "/accounts/profile/", "demo").await?;
        let shown = browser.find(Locator::Css("body")).await?.text().await?;
        assert!(shown.contains("demo@example.com"), "{shown}");
        Ok(())
    }
    .await;
    running.finish(result).await;
}

/// WebDriver's WebAuthn extension: a virtual authenticator of the browser's own (a platform
/// passkey with user verification), so that `navigator.credentials` works headless.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/webauthn/authenticator", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let options = json!({
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
            "hasUserVerification": true, "isUserConsenting": true, "isUserVerified": true,
        });
        (http::Method::POST, Some(options.to_string()))
    }
}

/// Waits (ten seconds at most) for an element of `css` to be on the page.
async fn appears(browser: &Client, css: &str) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    for _ in 0..100 {
        if let Ok(found) = browser.find(Locator::Css(css)).await {
            if found.is_displayed().await.unwrap_or(false) {
                return Ok(found);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = browser.find(Locator::Css("body")).await?.text().await?;
    panic!("no {css} appeared; the page shows:\n{shown}");
}

/// Signs `username` in on the site from a second client (no browser): its session cookie.
async fn sign_in_elsewhere(site: &str, username: &str, password: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookies = |response: &reqwest::Response| -> Vec<String> {
        let set = response.headers().get_all("set-cookie").iter();
        set.filter_map(|c| c.to_str().ok()?.split(';').next().map(str::to_owned)).collect()
    };
    let form = http.get(format!("{site}/accounts/login/")).send().await.unwrap();
    let jar = cookies(&form).join("; ");
    let body = form.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let token = body[start..].split('"').next().unwrap().to_owned();
    let fields = [("csrf_token", token.as_str()), ("username", username), ("password", password)];
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", v.replace('!', "%21"))).collect();
    let signed_in = (http.post(format!("{site}/accounts/login/")))
        .header("Cookie", jar)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303, "the second client signs in");
    cookies(&signed_in).into_iter().find(|c| c.starts_with("cognito_session=")).expect("a session cookie")
}

/// Whether the session cookie `session` still opens the profile.
async fn still_signed_in(site: &str, session: &str) -> bool {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.get(format!("{site}/accounts/profile/")).header("Cookie", session).send().await.unwrap();
    response.status().as_u16() == 200
}

/// A person adds a passkey on the passkeys page (Chromium's virtual authenticator stands for
/// the phone), signs out, signs in with it and nothing else, sees on the security page how and
/// where they are signed in and what happened, signs another session out from there, deletes
/// the passkey, and is then refused.
/// On `localhost`, the pool's relying party (WebAuthn needs a secure origin, and loopback by
/// name is one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_a_passkey_signs_in_with_it_deletes_it_and_is_then_refused() {
    need_emulator!();
    use aws_sdk_cognitoidentityprovider::types as cip;
    let demo = cdu::demo().await;
    demo.pool.update_client(|u| u.explicit_auth_flows(cip::ExplicitAuthFlowsType::AllowUserAuth)).await;
    let factors = cip::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip::AuthFactorType::Password)
        .allowed_first_auth_factors(cip::AuthFactorType::WebAuthn)
        .build();
    let policies = cip::UserPoolPolicyType::builder().sign_in_policy(factors).build();
    demo.pool.admin.update_user_pool().user_pool_id(&demo.pool.pool_id).policies(policies).send().await.unwrap();
    let webauthn = cip::WebAuthnConfigurationType::builder()
        .relying_party_id("localhost")
        .user_verification(cip::UserVerificationType::Required)
        .build();
    (demo.pool.admin.set_user_pool_mfa_config().user_pool_id(&demo.pool.pool_id))
        .web_authn_configuration(webauthn)
        .send()
        .await
        .unwrap();
    let port = free_port();
    let running = Running::start_on(&demo, port, demo.figment().merge(("cognito.auth_flow", "user_auth"))).await;
    let browser = &running.browser;
    let site = format!("http://localhost:{port}");
    let result = async {
        browser.issue_cmd(AddVirtualAuthenticator).await?;
        browser.goto(&format!("{site}/accounts/login/")).await?;
        fill(browser, "id_username", "demo").await?;
        fill(browser, "id_password", cdu::DEMO_PASSWORD).await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        arrive(browser, "/accounts/profile/", "demo").await?;

        browser.find(Locator::Id("passkeys_link")).await?.click().await?;
        arrive(browser, "/accounts/passkeys", "Your passkeys").await?;
        appears(browser, "#no_passkeys").await?;
        browser.find(Locator::Id("add_passkey")).await?.click().await?;
        // The page reloads with the new passkey and its Delete button.
        appears(browser, "#passkeys form button").await?;
        let row = browser.find(Locator::Css("#passkeys tr:nth-child(2)")).await?.text().await?;
        assert!(row.contains("this device's"), "{row}");

        let sign_out = || async {
            browser.find(Locator::Id("logout")).await?.click().await?;
            arrive(browser, "/accounts/logout/", "Log out").await?;
            browser.find(Locator::Id("logout-confirm")).await?.click().await?;
            arrive(browser, "/accounts/logout/", "Logged Out").await
        };
        sign_out().await?;

        // The passkey alone: the username, then the button.
        browser.goto(&format!("{site}/accounts/login/")).await?;
        fill(browser, "id_username", "demo").await?;
        browser.find(Locator::Id("passkey_login")).await?.click().await?;
        arrive(browser, "/accounts/profile/", "demo").await?;

        // The security page: this session (by passkey) and another (a second browser's, signed
        // in meanwhile), which the person signs out from here; the account's recent activity.
        let elsewhere = sign_in_elsewhere(&site, "demo", cdu::DEMO_PASSWORD).await;
        browser.find(Locator::Id("security_link")).await?.click().await?;
        arrive(browser, "/accounts/security", "Security").await?;
        let current = browser.find(Locator::Css("#sessions tr.current")).await?.text().await?;
        assert!(current.contains("passkey") && current.contains("(this session)"), "{current}");
        let activity = browser.find(Locator::Id("activity")).await?.text().await?;
        assert!(activity.contains("Signed in with passkey") && activity.contains("A passkey was added"), "{activity}");
        assert!(still_signed_in(&site, &elsewhere).await);
        browser.find(Locator::Css("#sessions form button")).await?.click().await?;
        arrive(browser, "/accounts/security", "Security").await?;
        let flash = browser.find(Locator::Css(".flash.success")).await?.text().await?;
        assert_eq!(flash, "That session was signed out.");
        // The other browser's instance is this one: refused at once.
        assert!(!still_signed_in(&site, &elsewhere).await, "the other session ended");

        browser.goto(&format!("{site}/accounts/passkeys")).await?;
        arrive(browser, "/accounts/passkeys", "Your passkeys").await?;
        browser.find(Locator::Css("#passkeys form button")).await?.click().await?;
        arrive(browser, "/accounts/passkeys", "Your passkeys").await?;
        appears(browser, "#no_passkeys").await?;
        sign_out().await?;

        browser.goto(&format!("{site}/accounts/login/")).await?;
        fill(browser, "id_username", "demo").await?;
        browser.find(Locator::Id("passkey_login")).await?.click().await?;
        let refused = appears(browser, "#passkey_error").await?.text().await?;
        assert!(!refused.is_empty(), "the page says why");
        assert_eq!(browser.current_url().await?.path(), "/accounts/login/", "not signed in");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    running.finish(result).await;
}
