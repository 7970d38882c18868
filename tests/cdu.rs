//! The example site (examples/cdu), page by page, through Rocket's local client against the
//! emulator and a SQLite store.

mod common;
#[path = "../examples/cdu/site/mod.rs"]
#[allow(dead_code)]
mod site;

#[path = "common/cdu.rs"]
mod cdu;

use cdu::{Demo, ADMIN_PASSWORD, DEMO_PASSWORD, DOTTED};
use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket_warrant::Cognito;

struct Browser {
    client: Client,
    /// Cookies sent with every request besides the ones the client tracks (a copied session).
    copied: Vec<rocket::http::Cookie<'static>>,
}

struct Page {
    status: Status,
    location: Option<String>,
    body: String,
}

impl Page {
    async fn from(response: LocalResponse<'_>) -> Page {
        let status = response.status();
        let location = response.headers().get_one("Location").map(str::to_owned);
        let body = response.into_string().await.unwrap_or_default();
        Page { status, location, body }
    }

    fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Browser {
    async fn new(demo: &Demo) -> Browser {
        Browser { client: Client::tracked(demo.rocket()).await.expect("the site ignites"), copied: Vec::new() }
    }

    async fn get(&self, path: &str) -> Page {
        let request = self.client.get(path.to_owned()).header(Accept::HTML);
        Page::from(request.cookies(self.copied.clone()).dispatch().await).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let request =
            self.client.post(path.to_owned()).header(ContentType::Form).header(Accept::HTML).body(body.join("&"));
        Page::from(request.cookies(self.copied.clone()).dispatch().await).await
    }

    /// Fills and submits the login form, as a person would.
    async fn login(&self, username: &str, password: &str, next: Option<&str>) -> Page {
        let form = self
            .get(&format!("/accounts/login/{}", next.map(|n| format!("?next={}", encode(n))).unwrap_or_default()))
            .await;
        let csrf = form.csrf();
        let mut fields = vec![("csrf_token", csrf.as_str()), ("username", username), ("password", password)];
        if let Some(next) = next {
            fields.push(("next", next));
        }
        self.post("/accounts/login/", &fields).await
    }

    fn cognito(&self) -> &Cognito {
        self.client.rocket().state::<Cognito>().unwrap()
    }
}

/// A fresh demo pool and a browser signed in as `demo`.
async fn signed_in_as_demo() -> (Demo, Browser) {
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    let page = browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!(page.status, Status::SeeOther, "demo signs in");
    (demo, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_and_anonymous_visits() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    let login = browser.get("/accounts/login/").await;
    assert_eq!(login.status, Status::Ok);
    assert!(login.has("<title>Login</title>") && login.has("name=\"username\"") && login.has("name=\"password\""));
    assert!(!login.has("id=\"hosted\""), "no managed login without cognito.domain");
    assert!(!login.csrf().is_empty());
    for page in [
        "/accounts/profile/",
        "/accounts/profile/update/",
        "/accounts/profile/subscriptions/",
        "/accounts/user_info/",
        "/accounts/admin/cognito-users/",
        "/accounts/admin/cognito-users/demo",
    ] {
        let visit = browser.get(page).await;
        assert_eq!(visit.status, Status::SeeOther, "{page}");
        assert_eq!(
            visit.location.as_deref(),
            Some(format!("/accounts/login/?next={}", encode(page)).as_str()),
            "{page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_rerender_the_same_form() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    let wrong = browser.login("demo", "Wr0ng-Passw0rd!", None).await;
    let unknown = browser.login("nobody", DEMO_PASSWORD, None).await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, Status::Unauthorized);
        assert!(page.has("Please enter a correct username and password."));
        assert!(page.has("<h1>Login</h1>"));
    }
    let strip = |page: &Page, username: &str| page.body.replace(&page.csrf(), "").replace(username, "");
    assert_eq!(strip(&wrong, "demo"), strip(&unknown, "nobody"), "nothing tells the two apart");
    assert!(browser.client.cookies().get("cognito_session").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_redirects_to_the_profile_or_a_local_next_only() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    let page = browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
    let page = browser.login("demo", DEMO_PASSWORD, Some("/accounts/user_info/")).await;
    assert_eq!(page.location.as_deref(), Some("/accounts/user_info/"));
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"] {
        let page = browser.login("demo", DEMO_PASSWORD, Some(evil)).await;
        assert_eq!(page.location.as_deref(), Some("/accounts/profile/"), "{evil}");
    }
}

/// A `next` that is local but no URI Rocket can redirect to (a form field is decoded: `/%20x`
/// arrives as `/ x`) must not make a good login answer 500 and drop its cookies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_that_is_no_uri_never_fails_the_login() {
    need_emulator!();
    let demo = cdu::demo().await;
    for next in ["/ x", "/\"x", "/{x}", "/été", "/<script>"] {
        let browser = Browser::new(&demo).await;
        let page = browser.login("demo", DEMO_PASSWORD, Some(next)).await;
        assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")), "{next}");
        assert!(browser.client.cookies().get("cognito_session").is_some(), "{next}: signed in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_refuse_a_missing_or_wrong_csrf_token() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    browser.get("/accounts/login/").await;
    for token in ["", "forged"] {
        let page = browser
            .post("/accounts/login/", &[("csrf_token", token), ("username", "demo"), ("password", DEMO_PASSWORD)])
            .await;
        assert_eq!(page.status, Status::Forbidden, "{token:?}");
        assert!(page.has("CSRF token"), "{}", page.body);
    }
    assert!(browser.client.cookies().get("cognito_session").is_none(), "no login through a forged form");
    browser.login("admin", ADMIN_PASSWORD, None).await;
    let fields = [
        ("csrf_token", "forged"),
        ("first_name", "Mallory"),
        ("last_name", "X"),
        ("email", "m@example.com"),
        ("phone_number", "1"),
        ("gender", "male"),
        ("address", "x"),
        ("preferred_username", "m"),
    ];
    assert_eq!(browser.post("/accounts/profile/update/", &fields).await.status, Status::Forbidden);
    let page = browser
        .post("/accounts/admin/cognito-users/demo", &[("csrf_token", "forged"), ("plan", &demo.plans[1].0)])
        .await;
    assert_eq!(page.status, Status::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_shows_the_live_cognito_attributes() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    let page = browser.get("/accounts/profile/").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("<h1>demo</h1>"));
    for (label, value) in [
        ("First Name", "Demo"),
        ("Last Name", "User"),
        ("Email", "demo@example.com"),
        ("Address", "1 Example Street"),
        ("Phone", "+15555550100"),
        ("Gender", "female"),
        ("Preferred Username", "demo"),
        ("API Key Id", demo.demo_key_id.as_str()),
    ] {
        assert!(page.has(&format!("data-field=\"{label}\">{value}</dd>")), "{label}");
    }
    assert!(page.has("href=\"/accounts/profile/update/\""));
    // Live: a change made at Cognito shows without logging in again.
    demo.pool
        .admin
        .admin_update_user_attributes()
        .user_pool_id(&demo.pool.pool_id)
        .username("demo")
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("address")
                .value("2 New Road")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(browser.get("/accounts/profile/").await.has("data-field=\"Address\">2 New Road</dd>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_profile_validates_saves_and_says_so() {
    need_emulator!();
    let (_demo, browser) = signed_in_as_demo().await;
    let form = browser.get("/accounts/profile/update/").await;
    assert_eq!(form.status, Status::Ok);
    assert!(form.has("name=\"first_name\" value=\"Demo\"") && form.has("<option value=\"female\" selected>"));
    assert!(!form.has("api_key"), "users cannot rewrite their own API key attributes");
    let csrf = form.csrf();

    let long = "x".repeat(201);
    let invalid = browser
        .post(
            "/accounts/profile/update/",
            &[
                ("csrf_token", &csrf),
                ("first_name", &long),
                ("last_name", "User"),
                ("email", "not-an-email"),
                ("phone_number", &"1".repeat(31)),
                ("gender", "other"),
                ("address", "x"),
                ("preferred_username", ""),
            ],
        )
        .await;
    assert_eq!(invalid.status, Status::UnprocessableEntity);
    for (field, message) in [
        ("first_name", "at most 200 characters"),
        ("email", "Enter a valid email address."),
        ("phone_number", "at most 30 characters"),
        ("gender", "Select a valid choice."),
        ("preferred_username", "This field is required."),
    ] {
        let marker = format!("id=\"error_{field}\">");
        let at = invalid.body.find(&marker).unwrap_or_else(|| panic!("no error next to {field}"));
        assert!(
            invalid.body[at..].starts_with(&format!("{marker}{message}"))
                || invalid.body[at..at + 200].contains(message),
            "{field}"
        );
    }
    assert!(invalid.has(&format!("value=\"{long}\"")), "what was typed is kept");

    let saved = browser
        .post(
            "/accounts/profile/update/",
            &[
                ("csrf_token", &csrf),
                ("first_name", "Demetra"),
                ("last_name", "User"),
                ("email", "demo@example.com"),
                ("phone_number", "+15555550100"),
                ("gender", "female"),
                ("address", "1 Example Street"),
                ("preferred_username", "demo"),
                ("api_key", "stolen"),
            ],
        )
        .await;
    assert_eq!((saved.status, saved.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
    let profile = browser.get("/accounts/profile/").await;
    assert!(profile.has("You have successfully updated your profile."), "the flash message is shown");
    assert!(profile.has("data-field=\"First Name\">Demetra</dd>"));
    assert!(!profile.has("stolen"));
    assert!(!browser.get("/accounts/profile/").await.has("successfully updated"), "shown once");
    let local = browser.cognito().store().unwrap().find("demo").await.unwrap().unwrap();
    assert_eq!(local.first_name.as_deref(), Some("Demetra"), "the local row follows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_and_user_info() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    let page = browser.get("/accounts/profile/subscriptions/").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("<th>Plan Name</th><th>Description</th>"));
    assert!(page.has(&format!("<td>{}</td><td>1,000 requests a day</td>", demo.plans[0].1)));
    assert!(!page.has(&demo.plans[1].1));

    let info = browser.get("/accounts/user_info/").await;
    assert_eq!(info.status, Status::Ok);
    for text in [
        "<dd>demo</dd>",
        "<dd>demo@example.com</dd>",
        "<dd>Demo</dd>",
        "<dd>User</dd>",
        "ID token: yes",
        "Access token: yes",
        "kept in the database",
    ] {
        assert!(info.has(text), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_list_every_user_and_add_subscriptions() {
    need_emulator!();
    let demo = cdu::demo().await;
    // More than one page of ListUsers (60).
    for i in 0..62 {
        demo.pool.add_user(&format!("bulk{i:02}"), DEMO_PASSWORD, &[]).await;
    }
    let browser = Browser::new(&demo).await;
    browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!(browser.get("/accounts/admin/cognito-users/").await.status, Status::Forbidden);
    assert_eq!(browser.get("/accounts/admin/cognito-users/demo").await.status, Status::Forbidden);

    browser.login("admin", ADMIN_PASSWORD, None).await;
    let list = browser.get("/accounts/admin/cognito-users/").await;
    assert_eq!(list.status, Status::Ok);
    assert!(list.has("<th>Username</th><th>First Name</th><th>Last Name</th>"));
    assert_eq!(list.body.matches(">View</a>").count(), 65, "every user, all pages");
    assert!(list.has("<td>demo</td><td>Demo</td><td>User</td>"));
    assert!(list.has(&format!("href=\"/accounts/admin/cognito-users/{}\"", encode(DOTTED))));

    let path = format!("/accounts/admin/cognito-users/{}", encode(DOTTED));
    let page = browser.get(&path).await;
    assert_eq!(page.status, Status::Ok, "usernames with @ and . work");
    assert!(page.has("Current Subscriptions") && page.has("No subscriptions."));
    assert!(page.has("Add User to New Plan") && page.has(&demo.plans[1].1));
    let added = browser.post(&path, &[("csrf_token", &page.csrf()), ("plan", &demo.plans[1].0)]).await;
    assert_eq!(added.status, Status::SeeOther);
    let page = browser.get(added.location.as_deref().unwrap()).await;
    assert!(page.has("Added subscription successfully."));
    assert!(page.has(&format!("<td>{}</td><td>100,000 requests a day</td>", demo.plans[1].1)));
    let plans = demo.apigw.get_usage_plans().key_id(&demo.dotted_key_id).send().await.unwrap();
    assert_eq!(plans.items().len(), 1, "subscribed at API Gateway");

    let bogus = browser.post(&path, &[("csrf_token", &page.csrf()), ("plan", "no-such-plan")]).await;
    assert!(browser.get(bogus.location.as_deref().unwrap()).await.has("Select a valid plan."));
    assert_eq!(browser.get("/accounts/admin/cognito-users/nobody-here").await.status, Status::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_shows_logged_out_and_ends_the_session_everywhere() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    let copied = browser.client.cookies().get("cognito_session").unwrap().clone().into_owned();
    assert_eq!(browser.cognito().user_sessions("demo").await.unwrap().len(), 1, "one server-side session");
    // A GET (a cross-site link, an image) signs no one out: it offers the button.
    let page = browser.get("/accounts/logout/").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("id=\"logout-confirm\""), "{}", page.body);
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok, "still signed in");
    // A POST without the page's CSRF token is refused, and signs no one out either.
    let forged = browser.post("/accounts/logout/", &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, Status::Forbidden);
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok, "still signed in");
    let page = browser.post("/accounts/logout/", &[("csrf_token", &page.csrf())]).await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("<h1>Logged Out</h1>"));
    assert!(browser.client.cookies().get("cognito_session").is_none());
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::SeeOther);
    assert!(browser.cognito().user_sessions("demo").await.unwrap().is_empty(), "the row is deleted");
    // A copy of the cookie is dead at once, on this instance and on another.
    let other = Browser::new(&demo).await;
    for client in [&browser.client, &other.client] {
        let response = client.get("/accounts/profile/").cookie(copied.clone()).header(Accept::HTML).dispatch().await;
        assert_eq!(response.status(), Status::SeeOther, "the login page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_a_users_sessions_and_ends_one() {
    need_emulator!();
    let demo = cdu::demo().await;
    // The user on one instance, the admin on another: one database.
    let user = Browser::new(&demo).await;
    user.login("demo", DEMO_PASSWORD, None).await;
    let admin = Browser::new(&demo).await;
    admin.login("admin", ADMIN_PASSWORD, None).await;
    let page = admin.get("/accounts/admin/cognito-users/demo").await;
    assert!(page.has("<h2>Sessions</h2>"), "{}", page.body);
    let sessions = admin.cognito().user_sessions("demo").await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(page.has(&format!("<code>{}</code>", &sessions[0].id[..12])));
    let action = format!("/accounts/admin/cognito-users/demo/sessions/{}/end", sessions[0].id);
    assert!(page.has(&action));

    // Another user's session cannot be ended through this user's page.
    let admins = admin.cognito().user_sessions("admin").await.unwrap();
    let foreign = format!("/accounts/admin/cognito-users/demo/sessions/{}/end", admins[0].id);
    let refused = admin.post(&foreign, &[("csrf_token", &page.csrf())]).await;
    assert!(admin.get(refused.location.as_deref().unwrap()).await.has("There is no such session."));
    assert_eq!(admin.cognito().user_sessions("admin").await.unwrap().len(), 1);

    assert_eq!(user.get("/accounts/profile/").await.status, Status::Ok, "signed in");
    let ended = admin.post(&action, &[("csrf_token", &page.csrf())]).await;
    assert_eq!(ended.status, Status::SeeOther);
    let after = admin.get(ended.location.as_deref().unwrap()).await;
    assert!(after.has("Session ended.") && after.has("No sessions."), "{}", after.body);
    // The user's instance remembered the session for at most `session_cache_ttl_secs` (2 s).
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(user.get("/accounts/profile/").await.status, Status::SeeOther, "signed out");
}

/// The user's own security page: both of their sessions (this one marked, how each signed
/// in), the other one signed out from it, "sign out everywhere else", and the account's recent
/// activity kept in the site's database (a refused sign-in among it, no secret in any).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_page_lists_ends_sessions_and_shows_the_recent_activity() {
    need_emulator!();
    let demo = cdu::demo().await;
    let laptop = Browser::new(&demo).await;
    laptop.login("demo", DEMO_PASSWORD, None).await;
    let phone = Browser::new(&demo).await;
    // A refused sign-in of a known user is kept; one of a name no one has is not.
    assert_eq!(phone.login("demo", "Wr0ng-Passw0rd!", None).await.status, Status::Unauthorized);
    assert_eq!(phone.login("nobody-here", "Wr0ng-Passw0rd!", None).await.status, Status::Unauthorized);
    phone.login("demo", DEMO_PASSWORD, None).await;

    let page = laptop.get("/accounts/security").await;
    assert_eq!(page.status, Status::Ok);
    assert_eq!(page.body.matches("<tr class=\"current\">").count(), 1, "{}", page.body);
    assert_eq!(page.body.matches("action=\"/accounts/security/end\"").count(), 1, "one other session to end");
    assert!(page.has("<td>password</td>"), "how each signed in: {}", page.body);
    assert!(page.has("Signed in with password") && page.has("A sign-in was refused (invalid credentials)"));
    assert!(!page.has("Wr0ng") && !page.has("eyJ"), "no secret in the activity");
    let rows: i64 = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use rocket_db_pools::Database;
        let db = site::SqliteUsers::fetch(laptop.client.rocket()).expect("the site's database");
        let mut conn = rocket_db_pools::Pool::get(&**db).await.expect("a connection");
        site::activity::site_events::table
            .filter(site::activity::site_events::username.eq("nobody-here"))
            .count()
            .get_result(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(rows, 0, "no row for a name no one has");

    let id_marker = "name=\"id\" value=\"";
    let start = page.body.find(id_marker).unwrap() + id_marker.len();
    let id = page.body[start..].split('"').next().unwrap().to_owned();
    let ended = laptop.post("/accounts/security/end", &[("csrf_token", &page.csrf()), ("id", &id)]).await;
    let after = laptop.get(ended.location.as_deref().unwrap()).await;
    assert!(after.has("That session was signed out."), "{}", after.body);
    assert!(after.has("Ended 1 other session(s)"));
    // The phone's instance remembered its session for at most `session_cache_ttl_secs` (2 s).
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(phone.get("/accounts/profile/").await.status, Status::SeeOther, "signed out");

    phone.login("demo", DEMO_PASSWORD, None).await;
    let page = laptop.get("/accounts/security").await;
    let ended = laptop.post("/accounts/security/others", &[("csrf_token", &page.csrf())]).await;
    let after = laptop.get(ended.location.as_deref().unwrap()).await;
    assert!(after.has("Signed out everywhere else (1 session(s))."), "{}", after.body);
    assert_eq!(laptop.get("/accounts/profile/").await.status, Status::Ok, "this session stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_escape_what_users_wrote() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.add_user("xss", DEMO_PASSWORD, &[("given_name", "<script>alert(1)</script>")]).await;
    let browser = Browser::new(&demo).await;
    browser.login("xss", DEMO_PASSWORD, None).await;
    let page = browser.get("/accounts/profile/").await;
    assert!(!page.has("<script>alert(1)</script>"));
    assert!(page.has("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
}

/// `/metrics` in Prometheus' text format, for the admins only: the crate's counters with their
/// labels, the sign-ins that just happened among them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admins_read_the_metrics_in_prometheus_format() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    assert_eq!(browser.get("/metrics").await.status, Status::SeeOther, "anonymous: to the login page");
    browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!(browser.get("/metrics").await.status, Status::Forbidden, "not an admin");
    browser.login("admin", ADMIN_PASSWORD, None).await;
    let page = browser.get("/metrics").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("# TYPE rocket_warrant_sign_ins_total counter"), "{}", page.body);
    assert!(page.has(r#"rocket_warrant_sign_ins_total{method="srp",outcome="signed_in"}"#), "{}", page.body);
    assert!(page.has(r#"rocket_warrant_cognito_calls_total{operation="InitiateAuth",outcome="ok"}"#));
    assert!(page.has("rocket_warrant_cognito_call_seconds"));
    assert!(!page.has("demo") && !page.has("admin\""), "no username in a label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_group_is_read_from_the_settings() {
    need_emulator!();
    let demo = cdu::demo().await;
    let figment = demo.figment().merge(("cdu", serde_json::json!({ "admin_group": "staff" })));
    let browser = Browser { client: Client::tracked(site::build(figment)).await.unwrap(), copied: Vec::new() };
    browser.login("admin", ADMIN_PASSWORD, None).await;
    assert_eq!(browser.get("/accounts/admin/cognito-users/").await.status, Status::Forbidden, "admin is not staff");
    assert!(browser.get("/bench/bare").await.status == Status::NotFound, "benchmark routes are off by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_password_is_replaced_on_the_new_password_page() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.add_user_with_temporary_password("newcomer", "Temp-Passw0rd!").await;
    let browser = Browser::new(&demo).await;

    // Without a pending challenge the page sends the user back to the login form.
    let early = browser.get("/accounts/login/new-password/").await;
    assert_eq!(early.status, Status::Unauthorized);
    assert!(early.has("<h1>Login</h1>") && early.has("please sign in again"));

    let login = browser.login("newcomer", "Temp-Passw0rd!", Some("/accounts/user_info/")).await;
    // `next` travels with the step, in its URL and then its form.
    let step = "/accounts/login/new-password/?next=%2Faccounts%2Fuser_info%2F";
    assert_eq!((login.status, login.location.as_deref()), (Status::SeeOther, Some(step)));
    assert!(browser.client.cookies().get("cognito_session").is_none(), "not signed in yet");
    let form = browser.get(step).await;
    assert_eq!(form.status, Status::Ok);
    assert!(form.has("<h1>Choose a new password</h1>") && form.has("<strong>newcomer</strong>"));
    assert!(form.has(r#"name="next" value="&#x2f;accounts&#x2f;user_info&#x2f;""#), "{}", form.body);
    let csrf = form.csrf();

    let submit = |one: &'static str, two: &'static str| {
        let csrf = csrf.clone();
        let browser = &browser;
        async move {
            let fields = [
                ("csrf_token", csrf.as_str()),
                ("new_password1", one),
                ("new_password2", two),
                ("next", "/accounts/user_info/"),
            ];
            browser.post("/accounts/login/new-password/", &fields).await
        }
    };
    let forged = browser
        .post(
            "/accounts/login/new-password/",
            &[("csrf_token", "forged"), ("new_password1", "Chosen-Passw0rd!"), ("new_password2", "Chosen-Passw0rd!")],
        )
        .await;
    assert_eq!(forged.status, Status::Forbidden);
    let mismatch = submit("Chosen-Passw0rd!", "Chosen-Passw0rd?").await;
    assert_eq!(mismatch.status, Status::UnprocessableEntity);
    assert!(mismatch.has("id=\"error_new_password2\">The two password fields didn&#x27;t match."), "{}", mismatch.body);
    let weak = submit("weak", "weak").await;
    assert_eq!(weak.status, Status::UnprocessableEntity);
    assert!(weak.has("id=\"error_new_password1\""), "Cognito's reason next to the field: {}", weak.body);

    let done = submit("Chosen-Passw0rd!", "Chosen-Passw0rd!").await;
    assert_eq!((done.status, done.location.as_deref()), (Status::SeeOther, Some("/accounts/user_info/")));
    assert!(browser.client.cookies().get("cognito_session").is_some(), "signed in");
    assert!(browser.client.cookies().get("cognito_challenge").is_none(), "the challenge is forgotten");
    let info = browser.get("/accounts/user_info/").await;
    assert_eq!(info.status, Status::Ok);
    assert!(info.has("newcomer"));
    assert!(browser.cognito().store().unwrap().find("newcomer").await.unwrap().is_some(), "the local row exists");

    // Signing in renewed the CSRF token: the form's token from before is worth nothing now.
    let stale = submit("Other-Passw0rd!", "Other-Passw0rd!").await;
    assert_eq!(stale.status, Status::Forbidden, "the pre-sign-in CSRF token is refused");
    // The challenge is spent: replaying the page (with the new token) starts over.
    let fresh = browser.get(step).await.csrf();
    assert_ne!(fresh, csrf);
    let fields =
        [("csrf_token", fresh.as_str()), ("new_password1", "Other-Passw0rd!"), ("new_password2", "Other-Passw0rd!")];
    let replay = browser.post("/accounts/login/new-password/", &fields).await;
    assert_eq!(replay.status, Status::Unauthorized);
    let again = Browser::new(&demo).await.login("newcomer", "Chosen-Passw0rd!", None).await;
    assert_eq!((again.status, again.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticator_code_is_asked_for_on_the_mfa_page() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    // `demo` turns on an authenticator app, then signs out.
    let login = browser.cognito().login("demo", DEMO_PASSWORD).await.unwrap();
    let app = demo.pool.enable_totp(&login.tokens.access_token).await;
    let early = browser.get("/accounts/login/mfa/").await;
    assert_eq!(early.status, Status::Unauthorized, "no challenge yet");

    let page = browser.login("demo", DEMO_PASSWORD, Some("/accounts/user_info/")).await;
    let step = "/accounts/login/mfa/?next=%2Faccounts%2Fuser_info%2F";
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some(step)));
    assert!(browser.client.cookies().get("cognito_session").is_none(), "not signed in before the code");
    let form = browser.get(step).await;
    assert!(form.has(r#"name="next" value="&#x2f;accounts&#x2f;user_info&#x2f;""#), "{}", form.body);
    assert_eq!(form.status, Status::Ok);
    assert!(form.has("<h1>Enter your code</h1>") && form.has("authenticator app"));
    // The new-password page is not a way around the code.
    assert_eq!(browser.get("/accounts/login/new-password/").await.status, Status::Unauthorized);
    let csrf = form.csrf();
    let wrong = app.wrong_code();
    let page = browser.post("/accounts/login/mfa/", &[("csrf_token", &csrf), ("code", &wrong)]).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    assert!(page.has("id=\"error_code\">That code is wrong or has expired."), "{}", page.body);
    assert!(browser.client.cookies().get("cognito_session").is_none());

    let code = app.code().await;
    let next = ("next", "/accounts/user_info/");
    let page =
        browser.post("/accounts/login/mfa/", &[("csrf_token", csrf.as_str()), ("code", code.as_str()), next]).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/user_info/")));
    assert!(browser.client.cookies().get("cognito_session").is_some(), "signed in");
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_texted_code_is_asked_for_on_the_mfa_page() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool
        .add_user("texted", DEMO_PASSWORD, &[("email", "texted@example.com"), ("phone_number", "+15555550123")])
        .await;
    demo.pool.enable_sms_mfa("texted").await;
    let browser = Browser::new(&demo).await;
    let page = browser.login("texted", DEMO_PASSWORD, None).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/login/mfa/")));
    let form = browser.get("/accounts/login/mfa/").await;
    assert_eq!(form.status, Status::Ok);
    assert!(form.has("We sent a code by text message"), "{}", form.body);
    assert!(form.has(r#"<span id="destination">+*******0123</span>"#), "{}", form.body);
    let code = demo.pool.texts("texted").await.pop().expect("a text was sent");
    let page = browser.post("/accounts/login/mfa/", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok, "signed in");
}

/// A user with texted and mailed codes, neither preferred, chooses one, then types it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_factor_is_chosen_then_its_mailed_code_typed() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.offer_email_mfa().await;
    let attributes = [("email", "both@example.com"), ("email_verified", "true"), ("phone_number", "+15555550124")];
    demo.pool.add_user("both", DEMO_PASSWORD, &attributes).await;
    demo.pool.set_factors("both", true, true).await;
    let browser = Browser::new(&demo).await;
    let page = browser.login("both", DEMO_PASSWORD, None).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/login/choose/")));
    let form = browser.get("/accounts/login/choose/").await;
    assert!(form.has("A code by text message") && form.has("A code by email"), "{}", form.body);
    let page = browser.post("/accounts/login/choose/", &[("csrf_token", &form.csrf()), ("factor", "EMAIL_OTP")]).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/login/mfa/")));
    let form = browser.get("/accounts/login/mfa/").await;
    assert!(form.has("We sent a code by email"), "{}", form.body);
    assert!(form.has(r#"<span id="destination">b***@e***</span>"#), "{}", form.body);
    let code = mailed(&demo, "both", "mfa").await;
    let page = browser.post("/accounts/login/mfa/", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticator_is_enrolled_on_the_mfa_setup_page() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.require_totp().await;
    let browser = Browser::new(&demo).await;
    let page = browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/login/mfa-setup/")));
    // The code page is not a way around the enrolment.
    assert_eq!(browser.get("/accounts/login/mfa/").await.status, Status::Unauthorized);

    // The page itself asks Cognito for nothing: a reload or a prefetch starts no enrolment.
    let page = browser.get("/accounts/login/mfa-setup/").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.has("<h1>Set up your authenticator app</h1>") && page.has("id=\"show_key\""));
    assert!(!page.has("totp_secret"), "no key before it is asked for");
    let pending = browser.client.cookies().get("cognito_challenge").map(|c| c.value().to_owned());
    assert_eq!(browser.get("/accounts/login/mfa-setup/").await.status, Status::Ok);
    let after_get = browser.client.cookies().get("cognito_challenge").map(|c| c.value().to_owned());
    assert_eq!(pending, after_get, "a GET leaves the pending challenge as it was");
    let form = browser.post("/accounts/login/mfa-setup/key/", &[("csrf_token", &page.csrf())]).await;
    assert_eq!(form.status, Status::Ok);
    let marker = "<code id=\"totp_secret\">";
    let start = form.body.find(marker).expect("the secret is shown") + marker.len();
    let secret = form.body[start..].split('<').next().unwrap().to_owned();
    // The link, as minijinja escapes it inside an attribute (`/` as `&#x2f;`).
    assert!(form.has("href=\"otpauth:&#x2f;&#x2f;totp&#x2f;rocket_warrant%20example:demo?secret="), "{}", form.body);
    let csrf = form.csrf();

    let app = common::Authenticator::new(&secret);
    let wrong = app.wrong_code();
    let page = browser.post("/accounts/login/mfa-setup/", &[("csrf_token", &csrf), ("code", &wrong)]).await;
    assert_eq!(page.status, Status::UnprocessableEntity);
    assert!(page.has("id=\"error_code\">That code is wrong or has expired"), "{}", page.body);
    assert!(!page.has(&secret), "the key is shown only when asked for");

    let code = app.code().await;
    let page = browser.post("/accounts/login/mfa-setup/", &[("csrf_token", &csrf), ("code", &code)]).await;
    assert_eq!((page.status, page.location.as_deref()), (Status::SeeOther, Some("/accounts/profile/")));
    assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok, "signed in");

    // The next login asks for a code from the enrolled app.
    let again = Browser::new(&demo).await.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!(again.location.as_deref(), Some("/accounts/login/mfa/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_for_a_user_the_site_does_not_keep_is_refused_clearly() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.add_user_with_temporary_password("stranger", "Temp-Passw0rd!").await;
    let figment = demo.figment().merge(("cognito.create_unknown_users", false));
    let browser =
        Browser { client: Client::tracked(site::build(figment)).await.expect("the site ignites"), copied: Vec::new() };
    let login = browser.login("stranger", "Temp-Passw0rd!", None).await;
    assert_eq!(login.location.as_deref(), Some("/accounts/login/new-password/"));
    let csrf = browser.get("/accounts/login/new-password/").await.csrf();
    let fields =
        [("csrf_token", csrf.as_str()), ("new_password1", "Chosen-Passw0rd!"), ("new_password2", "Chosen-Passw0rd!")];
    let page = browser.post("/accounts/login/new-password/", &fields).await;
    assert_eq!(page.status, Status::Forbidden, "{}", page.body);
    assert!(page.has("This user has no account on this site."));
    assert!(browser.client.cookies().get("cognito_session").is_none(), "not signed in");
    assert!(browser.client.cookies().get("cognito_challenge").is_none(), "the challenge is forgotten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_tls_the_csrf_cookie_is_host_only_and_a_sign_in_renews_it() {
    need_emulator!();
    let demo = cdu::demo().await;
    // The crate's default, cookie_secure unset: a site behind a TLS proxy.
    let figment = demo.figment().merge(("cognito.cookie_secure", None::<bool>));
    let browser =
        Browser { client: Client::tracked(site::build(figment)).await.expect("the site ignites"), copied: Vec::new() };
    let response = browser.client.get("/accounts/login/").header(Accept::HTML).dispatch().await;
    let set: Vec<String> = response.headers().get("Set-Cookie").map(str::to_owned).collect();
    drop(response);
    let csrf = set.iter().find(|c| c.starts_with("__Host-cognito_csrf=")).unwrap_or_else(|| panic!("{set:?}"));
    assert!(csrf.contains("; Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"), "{csrf}");
    assert!(csrf.contains("SameSite=Lax") && csrf.contains("HttpOnly"), "{csrf}");
    assert!(browser.client.cookies().get("cognito_csrf").is_none(), "no cookie a plain-http page could plant");
    let before = browser.client.cookies().get("__Host-cognito_csrf").unwrap().value().to_owned();

    let page = browser.login("demo", DEMO_PASSWORD, None).await;
    assert_eq!(page.status, Status::SeeOther);
    assert!(browser.client.cookies().get("__Host-cognito_session").is_some(), "signed in, host-only too");
    let after = browser.client.cookies().get("__Host-cognito_csrf").unwrap().value().to_owned();
    assert_ne!(after, before, "a new CSRF token at sign-in");
}

store_tests! {
    the_example_site_runs_as_two_instances_on_one_database => |_kind: common::StoreKind, url: String| async move {
        let mut demo = cdu::demo().await;
        demo.db_url = url;
        let (a, b) = (Browser::new(&demo).await, Browser::new(&demo).await);
        assert_eq!(a.login("demo", DEMO_PASSWORD, None).await.status, Status::SeeOther);
        // The session a's browser holds, sent to the other instance: found in the shared database.
        let cookies: Vec<_> = a.client.cookies().iter().map(|c| c.clone().into_owned()).collect();
        let mut request = b.client.get("/accounts/user_info/").header(Accept::HTML);
        for cookie in cookies {
            request = request.cookie(cookie);
        }
        let page = Page::from(request.dispatch().await).await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert!(page.has("demo@example.com"), "{}", page.body);
        assert_eq!(b.cognito().user_sessions("demo").await.unwrap().len(), 1, "one session, seen by both");
    };
}

/// The newest code the emulator mailed to `username` for `purpose`, as their mailbox shows it.
async fn mailed(demo: &Demo, username: &str, purpose: &str) -> String {
    demo.pool.newest_code(username, purpose).await
}

fn other_than(code: &str) -> &'static str {
    if code == "000000" {
        "111111"
    } else {
        "000000"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_signs_up_confirms_and_signs_in_on_the_pages() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool.verify_emails().await;
    let browser = Browser::new(&demo).await;
    let form = browser.get("/accounts/signup/").await;
    assert_eq!(form.status, Status::Ok);
    let csrf = form.csrf();
    let signup = |username: &'static str, password: &'static str, token: String| {
        let browser = &browser;
        async move {
            let fields = [
                ("csrf_token", token.as_str()),
                ("username", username),
                ("email", "newbie@example.com"),
                ("first_name", "New"),
                ("last_name", "Comer"),
                ("password", password),
            ];
            browser.post("/accounts/signup/", &fields).await
        }
    };
    assert_eq!(signup("newbie", DEMO_PASSWORD, "forged".into()).await.status, Status::Forbidden);
    let taken = signup("demo", DEMO_PASSWORD, csrf.clone()).await;
    assert_eq!(taken.status, Status::Conflict);
    assert!(taken.has("id=\"error_username\">That username is taken."), "{}", taken.body);
    assert!(taken.has("value=\"newbie@example.com\""), "the form keeps what was typed");
    let weak = signup("newbie", "short", csrf.clone()).await;
    assert_eq!(weak.status, Status::UnprocessableEntity);
    assert!(weak.has("id=\"error_password\""), "{}", weak.body);

    let done = signup("newbie", DEMO_PASSWORD, csrf).await;
    assert_eq!(done.status, Status::SeeOther);
    let confirm = browser.get(done.location.as_deref().unwrap()).await;
    assert!(confirm.has("We sent a code to n***@e***"), "{}", confirm.body);
    let early = browser.login("newbie", DEMO_PASSWORD, None).await;
    assert_eq!(early.status, Status::Forbidden);
    assert!(early.has("not confirmed yet"), "{}", early.body);

    let code = mailed(&demo, "newbie", "signup").await;
    let csrf = confirm.csrf();
    let fields = [("csrf_token", csrf.as_str()), ("username", "newbie"), ("code", other_than(&code))];
    let wrong = browser.post("/accounts/confirm/", &fields).await;
    assert!(wrong.has("id=\"error_code\">That code is not right."), "{}", wrong.body);
    let resent = browser.post("/accounts/confirm/resend", &[("csrf_token", &csrf), ("username", "newbie")]).await;
    assert_eq!(resent.status, Status::SeeOther);
    let code = mailed(&demo, "newbie", "signup").await;
    let confirmed =
        browser.post("/accounts/confirm/", &[("csrf_token", &csrf), ("username", "newbie"), ("code", &code)]).await;
    assert_eq!(confirmed.location.as_deref(), Some("/accounts/login/"));
    // Confirmed now: the pages answer as for anyone, not "confirmed already" (which tells that
    // the username exists).
    let again =
        browser.post("/accounts/confirm/", &[("csrf_token", &csrf), ("username", "newbie"), ("code", &code)]).await;
    assert!(again.has("id=\"error_code\">That code is not right."), "{}", again.body);
    for username in ["newbie", "nobody-at-all"] {
        let resent = browser.post("/accounts/confirm/resend", &[("csrf_token", &csrf), ("username", username)]).await;
        assert_eq!(resent.status, Status::SeeOther, "{username}");
        let page = browser.get(resent.location.as_deref().unwrap()).await;
        assert!(page.has("If that account waits for confirmation, a new code is on its way."), "{username}");
    }
    let signed_in = browser.login("newbie", DEMO_PASSWORD, None).await;
    assert_eq!(signed_in.location.as_deref(), Some("/accounts/profile/"));
    let row = browser.cognito().store().unwrap().find("newbie").await.unwrap().unwrap();
    assert_eq!((row.first_name.as_deref(), row.email_verified), (Some("New"), true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_on_the_pages_alike_for_known_and_unknown_users() {
    need_emulator!();
    let demo = cdu::demo().await;
    let verified = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name("email_verified")
        .value("true")
        .build()
        .unwrap();
    (demo.pool.admin.admin_update_user_attributes())
        .user_pool_id(&demo.pool.pool_id)
        .username("demo")
        .user_attributes(verified)
        .send()
        .await
        .unwrap();
    let browser = Browser::new(&demo).await;
    let csrf = browser.get("/accounts/password/forgot/").await.csrf();
    let mut answers = Vec::new();
    // A known user, an unknown one, and one without a verified address: one answer.
    for username in ["demo", "nobody-at-all", "admin"] {
        let sent = browser.post("/accounts/password/forgot/", &[("csrf_token", &csrf), ("username", username)]).await;
        assert_eq!(sent.status, Status::SeeOther, "{username}");
        let page = browser.get(sent.location.as_deref().unwrap()).await;
        answers.push((page.status, page.body.replace(&page.csrf(), "<csrf>").replace(username, "<username>")));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "the same page whoever asked");
    assert!(answers[0].1.contains("If an account with that username exists, we sent it a code."));

    let code = mailed(&demo, "demo", "reset").await;
    let reset = |code: &str, password: &str| {
        let fields = [
            ("csrf_token", csrf.clone()),
            ("username", "demo".to_owned()),
            ("code", code.to_owned()),
            ("password", password.to_owned()),
        ];
        let browser = &browser;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post("/accounts/password/reset/", &fields).await
        }
    };
    let wrong = reset(other_than(&code), "Brand-N3w-Horse!").await;
    assert!(wrong.has("id=\"error_code\">That code is wrong or has expired."), "{}", wrong.body);
    let weak = reset(&code, "short").await;
    assert!(weak.has("id=\"error_password\""), "{}", weak.body);
    let done = reset(&code, "Brand-N3w-Horse!").await;
    assert_eq!(done.location.as_deref(), Some("/accounts/login/"));
    assert_eq!(browser.login("demo", DEMO_PASSWORD, None).await.status, Status::Unauthorized, "the old one is dead");
    assert_eq!(browser.login("demo", "Brand-N3w-Horse!", None).await.status, Status::SeeOther);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_user_changes_password_and_email_and_deletes_the_account_on_the_pages() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    demo.pool.verify_emails().await;
    let csrf = browser.get("/accounts/password/change/").await.csrf();
    let change = |old: &'static str| {
        let browser = &browser;
        let csrf = csrf.clone();
        async move {
            let fields = [("csrf_token", csrf.as_str()), ("old_password", old), ("password", "Brand-N3w-Horse!")];
            browser.post("/accounts/password/change/", &fields).await
        }
    };
    let wrong = change("Wr0ng-Passw0rd!").await;
    assert!(wrong.has("id=\"error_old_password\">Your current password is not right."), "{}", wrong.body);
    assert_eq!(change(DEMO_PASSWORD).await.location.as_deref(), Some("/accounts/profile/"));
    // The change took: the old password is refused, the new one signs in (another browser).
    let elsewhere = Browser::new(&demo).await;
    assert_eq!(elsewhere.login("demo", DEMO_PASSWORD, None).await.status, Status::Unauthorized, "the old one");
    assert_eq!(elsewhere.login("demo", "Brand-N3w-Horse!", None).await.status, Status::SeeOther, "the new one");

    let sent = browser.post("/accounts/email/", &[("csrf_token", &csrf), ("email", "moved@example.com")]).await;
    assert_eq!(sent.location.as_deref(), Some("/accounts/email?sent=true"));
    let store = browser.cognito().store().unwrap();
    assert_eq!(store.find("demo").await.unwrap().unwrap().email.as_deref(), Some("demo@example.com"), "not yet");
    let code_page = browser.get("/accounts/email?sent=true").await;
    assert!(code_page.has("We sent a code to m***@e***."), "{}", code_page.body);
    let code = mailed(&demo, "demo", "verify:email").await;
    let wrong = browser.post("/accounts/email/verify", &[("csrf_token", &csrf), ("code", other_than(&code))]).await;
    assert!(wrong.has("id=\"error_code\""), "{}", wrong.body);
    let verified = browser.post("/accounts/email/verify", &[("csrf_token", &csrf), ("code", &code)]).await;
    assert_eq!(verified.location.as_deref(), Some("/accounts/profile/"));
    assert_eq!(store.find("demo").await.unwrap().unwrap().email.as_deref(), Some("moved@example.com"));

    let unsure = browser.post("/accounts/delete/", &[("csrf_token", &csrf), ("confirm", "yes")]).await;
    assert_eq!(unsure.status, Status::UnprocessableEntity);
    assert!(unsure.has("id=\"error_confirm\""));
    let deleted = browser.post("/accounts/delete/", &[("csrf_token", &csrf), ("confirm", "DELETE")]).await;
    assert_eq!(deleted.status, Status::Ok);
    assert!(deleted.has("Account Deleted"));
    assert_eq!(store.find("demo").await.unwrap(), None, "the local row is gone");
    let profile = browser.get("/accounts/profile/").await;
    assert_eq!(profile.location.as_deref(), Some("/accounts/login/?next=%2Faccounts%2Fprofile%2F"), "signed out");
    assert_eq!(browser.login("demo", "Brand-N3w-Horse!", None).await.status, Status::Unauthorized);
    // The other browser's instance forgets the session within `session_cache_ttl_secs` (2 s).
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let other = elsewhere.get("/accounts/user_info/").await;
    assert_eq!(other.status, Status::SeeOther, "the other browser's session ended with the account");
}

/// The devices page: in a pool that remembers a device once the user says so, a texted-code
/// sign-in leads to the question; the user remembers this browser, and its next sign-in skips the
/// code; forgotten on the page, the code is asked for again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_is_remembered_on_the_devices_page_and_then_skips_the_code() {
    need_emulator!();
    let demo = cdu::demo().await;
    demo.pool
        .add_user("roaming", DEMO_PASSWORD, &[("email", "roaming@example.com"), ("phone_number", "+15555550177")])
        .await;
    demo.pool.enable_sms_mfa("roaming").await;
    demo.pool.remember_devices(true).await;
    let browser = Browser::new(&demo).await;
    // A sign-in on its way to a page: the question first, then the page.
    let next = "/accounts/user_info/";
    let step = browser.login("roaming", DEMO_PASSWORD, Some(next)).await;
    let form = browser.get(step.location.as_deref().unwrap()).await;
    let code = demo.pool.texts("roaming").await.pop().expect("a text was sent");
    let fields = [("csrf_token", form.csrf()), ("code", code), ("next", next.to_owned())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post("/accounts/login/mfa/", &fields).await;
    let ask = "/accounts/devices?ask=true&next=%2Faccounts%2Fuser_info%2F";
    assert_eq!(page.location.as_deref(), Some(ask), "the pool asks the user first, next carried along");
    let devices = browser.get(ask).await;
    assert!(devices.has("Remember this browser, so that it need not ask"), "{}", devices.body);
    assert!(devices.has("(this browser)") && devices.has("<td>no</td>"), "{}", devices.body);
    assert!(devices.has(r#"id="not_now""#) && devices.has("&#x2f;accounts&#x2f;user_info&#x2f;"), "{}", devices.body);
    let remembered =
        browser.post("/accounts/devices/remember", &[("csrf_token", &devices.csrf()), ("next", next)]).await;
    assert_eq!(remembered.location.as_deref(), Some(next), "on to where the sign-in was going");
    let devices = browser.get("/accounts/devices").await;
    assert!(devices.has("<td>yes</td>") && !devices.has("id=\"remember_form\""), "{}", devices.body);

    let logout = browser.get("/accounts/logout/").await;
    browser.post("/accounts/logout/", &[("csrf_token", &logout.csrf())]).await;
    let page = browser.login("roaming", DEMO_PASSWORD, None).await;
    assert_eq!(page.location.as_deref(), Some("/accounts/profile/"), "remembered: no code");

    let devices = browser.get("/accounts/devices").await;
    let key = devices.body.split("name=\"key\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let forgotten = browser.post("/accounts/devices/forget", &[("csrf_token", &devices.csrf()), ("key", key)]).await;
    assert_eq!(forgotten.location.as_deref(), Some("/accounts/devices"));
    assert!(browser.get("/accounts/devices").await.has("No device is remembered."));
    let logout = browser.get("/accounts/logout/").await;
    browser.post("/accounts/logout/", &[("csrf_token", &logout.csrf())]).await;
    let page = browser.login("roaming", DEMO_PASSWORD, None).await;
    assert_eq!(page.location.as_deref(), Some("/accounts/login/mfa/"), "forgotten: the code again");

    // "Forget this browser" at logout: its device forgotten here and at Cognito.
    let form = browser.get("/accounts/login/mfa/").await;
    let code = demo.pool.texts("roaming").await.pop().unwrap();
    browser.post("/accounts/login/mfa/", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
    let devices = browser.get("/accounts/devices").await;
    browser.post("/accounts/devices/remember", &[("csrf_token", &devices.csrf())]).await;
    assert!(browser.client.cookies().get("cognito_device").is_some());
    let logout = browser.get("/accounts/logout/").await;
    browser.post("/accounts/logout/", &[("csrf_token", &logout.csrf()), ("forget_browser", "true")]).await;
    assert!(browser.client.cookies().get("cognito_device").is_none(), "this browser forgets it");
    let page = browser.login("roaming", DEMO_PASSWORD, None).await;
    assert_eq!(page.location.as_deref(), Some("/accounts/login/mfa/"), "the code again");
    let form = browser.get("/accounts/login/mfa/").await;
    let code = demo.pool.texts("roaming").await.pop().unwrap();
    browser.post("/accounts/login/mfa/", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
    let listed = browser.get("/accounts/devices").await;
    assert_eq!(listed.body.matches("name=\"key\"").count(), 1, "Cognito forgot it too: {}", listed.body);
}

/// Signing in with a mailed code and no password, on a site of the `user_auth` flow: the code
/// page, then the profile. A known user, one who cannot get a code (no verified address) and a
/// name Cognito does not know get the same answer and the same code page, which names no
/// address; only a mailed code signs in. On a site of another flow the page says it is not set
/// up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_with_a_mailed_code_and_no_password() {
    need_emulator!();
    use aws_sdk_cognitoidentityprovider::types as cip;
    let demo = cdu::demo().await;
    let srp_site = Browser::new(&demo).await;
    assert!(srp_site.get("/accounts/login/code/").await.has("is not set up on this site"));

    demo.pool.update_client(|u| u.explicit_auth_flows(cip::ExplicitAuthFlowsType::AllowUserAuth)).await;
    let factors = cip::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip::AuthFactorType::Password)
        .allowed_first_auth_factors(cip::AuthFactorType::EmailOtp)
        .build();
    let policies = cip::UserPoolPolicyType::builder().sign_in_policy(factors).build();
    demo.pool.admin.update_user_pool().user_pool_id(&demo.pool.pool_id).policies(policies).send().await.unwrap();
    demo.pool.add_user("mailer", DEMO_PASSWORD, &[("email", "mailer@example.com"), ("email_verified", "true")]).await;
    let user_auth = || crate::site::build(demo.figment().merge(("cognito.auth_flow", "user_auth")));

    // Each name in a browser of its own: the answer, and the code page it leads to.
    let mut answers = Vec::new();
    for username in ["mailer", "admin", "nobody-at-all"] {
        let browser = Browser { client: Client::tracked(user_auth()).await.unwrap(), copied: Vec::new() };
        let form = browser.get("/accounts/login/code/").await;
        assert!(!form.has("is not set up"), "{}", form.body);
        let sent = browser.post("/accounts/login/code/", &[("csrf_token", &form.csrf()), ("username", username)]).await;
        let code_page = browser.get("/accounts/login/mfa/").await;
        let normalized = code_page.body.replace(&code_page.csrf(), "<csrf>");
        answers.push(((sent.status, sent.location.clone()), (code_page.status, normalized), browser));
    }
    for (sent, page, _) in &answers {
        assert_eq!(*sent, (Status::SeeOther, Some("/accounts/login/mfa/".to_owned())));
        assert_eq!(*page, answers[0].1, "the same code page for every name");
    }
    assert!(answers[0].1 .1.contains("If that account can sign in with a code"), "{}", answers[0].1 .1);
    assert!(!answers[0].1 .1.contains("m***@e***"), "no address that would tell the account exists");
    assert!(demo.pool.mail("admin", "mfa").await.is_empty(), "no address, no code");

    // Only the mailed code signs in; the stand-ins' pages take any code as a wrong one.
    let code = demo.pool.newest_code("mailer", "mfa").await;
    let csrf_before = answers[0].2.client.cookies().get("cognito_csrf").unwrap().value().to_owned();
    for (i, (_, _, browser)) in answers.iter().enumerate() {
        let form = browser.get("/accounts/login/mfa/").await;
        let page = browser.post("/accounts/login/mfa/", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
        match i {
            0 => {
                assert_eq!(page.location.as_deref(), Some("/accounts/profile/"));
                let renewed = browser.client.cookies().get("cognito_csrf").unwrap().value().to_owned();
                assert!(renewed != csrf_before, "a new CSRF secret at the code sign-in");
                assert_eq!(browser.get("/accounts/profile/").await.status, Status::Ok, "signed in without a password");
            }
            _ => {
                assert_eq!(page.status, Status::UnprocessableEntity, "{}", page.body);
                assert!(page.has("That code is wrong or has expired."), "{}", page.body);
                assert_eq!(browser.get("/accounts/profile/").await.status, Status::SeeOther, "not signed in");
            }
        }
    }
}

/// Every form of the site that changes something refuses a request without this browser's CSRF
/// token (none, a forged one, another browser's), with 403 and a message saying why, and changes
/// nothing: the routes are read from the site itself, so that a form added later is covered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_form_refuses_a_request_without_the_browsers_token_and_changes_nothing() {
    need_emulator!();
    let demo = cdu::demo().await;
    let browser = Browser::new(&demo).await;
    assert_eq!(browser.login("admin", ADMIN_PASSWORD, None).await.status, Status::SeeOther);
    let theirs = Browser::new(&demo).await.get("/accounts/login/").await.csrf();
    // The plans to choose from are every plan of the API Gateway emulator, which tests running
    // beside this one add to: left out (the user's own plans are compared).
    let normalized = |page: Page| {
        let body = page.body.replace(&page.csrf(), "<csrf>");
        match (body.find("<select id=\"id_plan\""), body.find("</select>")) {
            (Some(start), Some(end)) if start < end => format!("{}{}", &body[..start], &body[end..]),
            _ => body,
        }
    };
    let profile_before = normalized(browser.get("/accounts/profile/update/").await);
    let admin_page_before = normalized(browser.get("/accounts/admin/cognito-users/demo").await);

    let plan = demo.plans[1].0.clone();
    let fields = [
        ("username", "mallory-new"),
        ("password", "N3w-Passw0rd!x"),
        ("old_password", ADMIN_PASSWORD),
        ("new_password1", "N3w-Passw0rd!x"),
        ("new_password2", "N3w-Passw0rd!x"),
        ("code", "123456"),
        ("email", "mallory@example.com"),
        ("first_name", "Mallory"),
        ("last_name", "X"),
        ("confirm", "DELETE"),
        ("plan", plan.as_str()),
        ("key", "a-device"),
        ("factor", "EMAIL_OTP"),
        ("end_sessions", "true"),
        ("forget_browser", "true"),
        ("next", "/accounts/profile/"),
    ];
    let routes: Vec<String> = (browser.client.rocket().routes())
        .filter(|r| r.method == rocket::http::Method::Post)
        .map(|r| r.uri.path().to_string())
        // Managed login's sign-out carries no token: it checks the origin (its own test).
        .filter(|path| !path.starts_with("/accounts/hosted"))
        .collect();
    assert!(routes.len() >= 24, "every form of the site: {routes:?}");
    for route in &routes {
        let path = route.replace("<username>", "demo").replace("<id>", "a-session");
        for token in [None, Some("forged"), Some(theirs.as_str())] {
            let mut sent: Vec<(&str, &str)> = fields.to_vec();
            if let Some(token) = token {
                sent.push(("csrf_token", token));
            }
            let page = browser.post(&path, &sent).await;
            assert_eq!(page.status, Status::Forbidden, "{path} with {token:?}: {}", page.body);
            assert!(page.has("CSRF"), "{path}: the page says why: {}", page.body);
        }
    }

    // Nothing changed: still signed in, the same profile and plans, both passwords, no account
    // made, no code mailed.
    assert_eq!(normalized(browser.get("/accounts/profile/update/").await), profile_before);
    assert_eq!(normalized(browser.get("/accounts/admin/cognito-users/demo").await), admin_page_before);
    for (username, password) in [("admin", ADMIN_PASSWORD), ("demo", DEMO_PASSWORD)] {
        let fresh = Browser::new(&demo).await;
        assert_eq!(fresh.login(username, password, None).await.location.as_deref(), Some("/accounts/profile/"));
    }
    let made = demo.pool.admin.admin_get_user().user_pool_id(&demo.pool.pool_id).username("mallory-new").send().await;
    assert!(made.is_err(), "no sign-up went through");
    for purpose in ["signup", "reset", "verify", "mfa"] {
        for username in ["admin", "demo", "mallory-new"] {
            assert!(demo.pool.mail(username, purpose).await.is_empty(), "{username} was mailed a {purpose} code");
        }
    }
}

/// The pages that change what protects the account (password, email, deletion, devices) need a
/// proof of identity of the last five minutes. The session's cookies without it (a copied
/// cookie) are sent to confirm the password, and after it back where they were going, in the
/// same session; a wrong password renews nothing. A user with a second factor is asked for it
/// too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_pages_need_a_recent_proof_and_the_password_again_renews_it() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    let session = browser.client.cookies().get("cognito_session").unwrap().value().to_owned();
    let csrf = browser.get("/accounts/profile/update/").await.csrf();
    // What a thief copies: the session cookie, not the proof of the sign-in beside it.
    let browser = without_proof(&demo, &browser).await;

    let change = browser.get("/accounts/password/change/").await;
    let reauth = "/accounts/reauthenticate/?next=%2Faccounts%2Fpassword%2Fchange%2F";
    assert_eq!((change.status, change.location.as_deref()), (Status::SeeOther, Some(reauth)));
    let posted = [
        ("/accounts/email/", vec![("csrf_token", csrf.as_str()), ("email", "thief@example.com")]),
        ("/accounts/delete/", vec![("csrf_token", csrf.as_str()), ("confirm", "DELETE")]),
        ("/accounts/devices/forget", vec![("csrf_token", csrf.as_str()), ("key", "any")]),
    ];
    for (path, fields) in &posted {
        let page = browser.post(path, fields).await;
        assert_eq!(page.status, Status::SeeOther, "{path}: {}", page.body);
        assert!(page.location.as_deref().unwrap_or_default().starts_with("/accounts/reauthenticate/?next="), "{path}");
    }
    assert!(browser.get("/accounts/profile/").await.has("demo@example.com"), "the email is unchanged");

    let form = browser.get(reauth).await;
    assert_eq!(form.status, Status::Ok);
    assert!(form.has("Confirm it is you"), "{}", form.body);
    let next = ("next", "/accounts/password/change/");
    let wrong = browser
        .post("/accounts/reauthenticate/", &[("csrf_token", &form.csrf()), ("password", "Wr0ng-Passw0rd!"), next])
        .await;
    assert_eq!(wrong.status, Status::Unauthorized);
    assert!(wrong.has("That password is not right."));
    assert_eq!(browser.get("/accounts/password/change/").await.status, Status::SeeOther, "still no proof");
    let right = browser
        .post("/accounts/reauthenticate/", &[("csrf_token", &form.csrf()), ("password", DEMO_PASSWORD), next])
        .await;
    assert_eq!(right.location.as_deref(), Some("/accounts/password/change/"));
    assert_eq!(browser.get("/accounts/password/change/").await.status, Status::Ok, "a proof of just now");
    assert!(browser.client.cookies().get("cognito_session").is_none(), "no new session cookie was set");
    assert_eq!(browser.cognito().user_sessions("demo").await.unwrap().len(), 1, "no second session");

    // With an authenticator app: the password, then its code.
    let login = browser.cognito().login("demo", DEMO_PASSWORD).await.unwrap();
    let app = demo.pool.enable_totp(&login.tokens.access_token).await;
    let browser = without_proof(&demo, &browser).await;
    let form = browser.get(reauth).await;
    let step = browser
        .post("/accounts/reauthenticate/", &[("csrf_token", &form.csrf()), ("password", DEMO_PASSWORD), next])
        .await;
    assert_eq!(step.location.as_deref(), Some("/accounts/login/mfa/?next=%2Faccounts%2Fpassword%2Fchange%2F"));
    assert_eq!(browser.get("/accounts/password/change/").await.status, Status::SeeOther, "not before the code");
    let code_form = browser.get(step.location.as_deref().unwrap()).await;
    let code = app.code().await;
    let done = browser.post("/accounts/login/mfa/", &[("csrf_token", &code_form.csrf()), ("code", &code), next]).await;
    assert_eq!(done.location.as_deref(), Some("/accounts/password/change/"));
    assert_eq!(browser.get("/accounts/password/change/").await.status, Status::Ok);
    assert!(browser.client.cookies().get("cognito_session").is_none(), "no new session cookie was set");
    assert_eq!(browser.copied.iter().find(|c| c.name() == "cognito_session").unwrap().value(), session);
}

/// Another browser (and instance of the site) with `browser`'s cookies but the proof of its
/// sign-in: what a thief copies of a session.
async fn without_proof(demo: &Demo, browser: &Browser) -> Browser {
    let mut thief = Browser::new(demo).await;
    let jar = browser.client.cookies();
    let tracked = jar.iter().map(|c| c.clone().into_owned());
    // What the browser sends: its copied cookies, those it tracks taking their place.
    let mut sent: Vec<rocket::http::Cookie<'static>> = browser.copied.clone();
    for cookie in tracked {
        sent.retain(|c| c.name() != cookie.name());
        sent.push(cookie);
    }
    thief.copied = sent.into_iter().filter(|c| c.name() != "cognito_proof").collect();
    assert!(thief.copied.iter().any(|c| c.name() == "cognito_session"));
    thief
}

/// A password change offers to end the user's other sessions; with server-side sessions it
/// ends them and keeps this one (each refused at once), as the box says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    need_emulator!();
    let (demo, browser) = signed_in_as_demo().await;
    let elsewhere = Browser::new(&demo).await;
    assert_eq!(elsewhere.login("demo", DEMO_PASSWORD, None).await.status, Status::SeeOther);
    assert_eq!(browser.cognito().user_sessions("demo").await.unwrap().len(), 2);
    let form = browser.get("/accounts/password/change/").await;
    assert!(form.has("Sign out my other sessions"), "{}", form.body);
    let fields = [
        ("csrf_token", form.csrf()),
        ("old_password", DEMO_PASSWORD.to_owned()),
        ("password", "N3w-Passw0rd!x".to_owned()),
        ("end_sessions", "true".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let changed = browser.post("/accounts/password/change/", &fields).await;
    assert_eq!(changed.location.as_deref(), Some("/accounts/profile/"), "{}", changed.body);
    let profile = browser.get("/accounts/profile/").await;
    assert!(profile.has("1 other session(s) ended"), "{}", profile.body);
    // Refused at once by this instance; the other browser's is another instance, which forgets
    // the session within `session_cache_ttl_secs` (2 s).
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(elsewhere.get("/accounts/user_info/").await.status, Status::SeeOther, "the other browser is signed out");
    assert_eq!(browser.cognito().user_sessions("demo").await.unwrap().len(), 1, "this one stays");
    let fresh = Browser::new(&demo).await;
    assert_eq!(fresh.login("demo", "N3w-Passw0rd!x", None).await.location.as_deref(), Some("/accounts/profile/"));
}
