//! The limits in front of Cognito (`limits`), against the emulator: every path that sends
//! Cognito what a user typed is refused past its limit with 429 and `Retry-After`, and makes no
//! call; an IPv6 /64 counts as one address; a forwarding header from a peer that is no trusted
//! proxy changes nothing; a correct sign-in does not reset the address's count; two instances
//! on one database share the counts (SQLite, PostgreSQL, MySQL).

mod common;

use common::{with, Pool, StoreKind};
use rocket::form::Form;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{post, routes};
use rocket_warrant::sign_in::Answer;
use rocket_warrant::stores::MemoryStore;
use rocket_warrant::{Cognito, Error, PendingChallenge, SignIn};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";

use common::routes::{sign_in as login, Credentials};

#[post("/code", data = "<form>")]
async fn code(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
    sign_in.start_code_sign_in(&form.username, "EMAIL_OTP").await?;
    Ok("code")
}

#[post("/forgot", data = "<form>")]
async fn forgot(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
    sign_in.forgot_password(&form.username).await?;
    Ok("sent")
}

#[post("/code/start", data = "<form>")]
async fn code_start(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
    sign_in.keep(sign_in.start_code_sign_in(&form.username, "EMAIL_OTP").await).await?;
    Ok("code")
}

#[post("/code/answer", data = "<code>")]
async fn code_answer(sign_in: SignIn<'_>, step: PendingChallenge, code: String) -> Result<&'static str, Error> {
    sign_in.keep(sign_in.answer(&step, Answer::Code(&code)).await).await?;
    Ok("signed in")
}

/// Limits of `n` attempts a window, each of them.
fn limits(address: u32, username: u32, account: u32) -> serde_json::Value {
    let limit = |attempts| json!({ "attempts": attempts, "window_secs": 600 });
    json!({ "limits": { "per_address": limit(address), "per_username": limit(username), "per_account": limit(account) } })
}

/// A site on `pool` with users and counts in memory, these `limits`.
async fn site(pool: &Pool, limits: serde_json::Value) -> Client {
    // From defaults only: the repository's Rocket.toml never leaks in.
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", with(pool.settings(), limits)));
    let rocket =
        rocket::custom(figment).attach(Cognito::custom(MemoryStore::new())).mount("/", routes![login, code, forgot]);
    Client::untracked(rocket).await.expect("the site ignites")
}

fn cognito(client: &Client) -> &Cognito {
    client.rocket().state::<Cognito>().unwrap()
}

fn calls(client: &Client) -> u64 {
    cognito(client).counters().cognito_calls
}

/// `Error::Limited`, and no call to Cognito made for it.
async fn refused_without_a_call<T: std::fmt::Debug>(
    client: &Client,
    attempt: impl std::future::Future<Output = Result<T, Error>>,
) {
    let before = calls(client);
    let result = attempt.await;
    assert!(
        matches!(result, Err(Error::Limited { retry_after_secs }) if (1..=600).contains(&retry_after_secs)),
        "{result:?}"
    );
    assert_eq!(calls(client), before, "a refused attempt calls nothing");
}

/// Each path a user types into, through `Cognito` (no address): the username's paths past
/// two attempts on one username, the account's past two on one account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_is_refused_past_its_limit_without_calling_cognito() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let pool = Pool::new(false).await;
    pool.verify_emails().await;
    pool.add_user("ada", PASSWORD, &[("email", "ada@example.com")]).await;
    let client = site(&pool, limits(0, 2, 2)).await;
    let c = cognito(&client);

    // The username's paths, each on a username of its own: two attempts reach Cognito.
    let attrs = [("email", "x@example.com")];
    macro_rules! username_path {
        ($name:literal, |$u:ident| $call:expr) => {{
            let $u = $name;
            for _ in 0..2 {
                let before = calls(&client);
                let _ = $call.await;
                assert!(calls(&client) > before, "{}: the attempts within the limit reach Cognito", $name);
            }
            refused_without_a_call(&client, $call).await;
        }};
    }
    username_path!("login-ghost", |u| c.login(u, "Wrong-Pass1!"));
    username_path!("signup-new", |u| c.sign_up(u, "short", &attrs));
    username_path!("confirm-ghost", |u| c.confirm_sign_up(u, "123456"));
    username_path!("resend-ghost", |u| c.resend_confirmation_code(u));
    username_path!("forgot-ghost", |u| c.forgot_password(u));
    username_path!("reset-ghost", |u| c.confirm_forgot_password(u, "123456", "N3w-Password!"));
    // Case and spaces aside, a username is one.
    refused_without_a_call(&client, c.login(" LOGIN-Ghost ", "Wrong-Pass1!")).await;

    // The account's paths: a sign-in's step, then the calls with an access token.
    pool.add_user_with_temporary_password("cy", PASSWORD).await;
    let Err(Error::ChallengeRequired(step)) = c.login("cy", PASSWORD).await else {
        panic!("a new password is asked for")
    };
    for _ in 0..2 {
        let weak = c.answer(&step, Answer::NewPassword("weak")).await;
        assert!(matches!(weak, Err(Error::PasswordRejected(_))), "{weak:?}");
    }
    refused_without_a_call(&client, c.answer(&step, Answer::NewPassword("Str0ng-Enough!"))).await;

    let access = c.login("ada", PASSWORD).await.expect("ada signs in").tokens.access_token;
    let _ = c.change_password(&access, "Wrong-Pass1!", "N3w-Password!").await;
    let _ = c.send_verification_code(&access, "email").await;
    refused_without_a_call(&client, c.verify_attribute(&access, "email", "123456")).await;
    refused_without_a_call(&client, c.change_password(&access, PASSWORD, "N3w-Password!")).await;
    refused_without_a_call(&client, c.send_verification_code(&access, "email")).await;
    // A changed email is sent a code: counted as asking for one.
    refused_without_a_call(&client, c.update_attributes(&access, &[("email", "ada2@example.com")])).await;
    // The account is counted apart from the username: ada signs in still.
    assert!(c.login("ada", PASSWORD).await.is_ok());
}

async fn post<'c>(
    client: &'c Client,
    path: &str,
    peer: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> rocket::local::asynchronous::LocalResponse<'c> {
    let mut request = client.post(path.to_owned()).header(ContentType::Form).remote(peer.parse().unwrap()).body(body);
    for (name, value) in headers {
        request.add_header(Header::new(name.to_string(), value.to_string()));
    }
    request.dispatch().await
}

/// The address's limit over HTTP: 429 with `Retry-After`, the same body for a known and an
/// unknown username, no call; one IPv6 /64 is one address; a correct sign-in does not reset
/// the count; a code sign-in is counted as a password's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_is_limited_across_usernames_and_an_ipv6_64_is_one_address() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let pool = Pool::new(false).await;
    pool.add_user("ada", PASSWORD, &[]).await;
    let client = site(&pool, limits(3, 0, 0)).await;
    let form = |user: &str, password: &str| format!("username={user}&password={password}");

    let here = "[2001:db8:7:7:1::1]:4000";
    let also_here = "[2001:db8:7:7:ffff::9]:4000";
    assert_eq!(post(&client, "/login", here, &form("ghost", "Wrong-Pass1!"), &[]).await.status(), Status::Unauthorized);
    assert_eq!(post(&client, "/login", also_here, &form("ada", PASSWORD), &[]).await.status(), Status::Ok);
    // Whatever Cognito answers (ada has no address to mail a code to), it was asked.
    assert_ne!(post(&client, "/forgot", here, &form("ada", ""), &[]).await.status(), Status::TooManyRequests);
    // Three from the /64, a correct sign-in among them: the fourth is refused, known or not.
    let before = calls(&client);
    let mut bodies = Vec::new();
    for user in ["ada", "ghost"] {
        let response = post(&client, "/login", also_here, &form(user, PASSWORD), &[]).await;
        assert_eq!(response.status(), Status::TooManyRequests);
        let retry: u64 = response.headers().get_one("Retry-After").expect("Retry-After").parse().unwrap();
        assert!((1..=600).contains(&retry), "{retry}");
        bodies.push(response.into_string().await.unwrap().replace(&retry.to_string(), "N"));
    }
    assert_eq!(bodies[0], bodies[1], "a known and an unknown username are refused alike");
    let refused = post(&client, "/code", here, &form("ada", ""), &[]).await;
    assert_eq!(refused.status(), Status::TooManyRequests, "a code sign-in is an attempt too");
    assert_eq!(calls(&client), before, "nothing refused reached Cognito");
    // Another /64 is another address.
    assert_eq!(
        post(&client, "/login", "[2001:db8:7:8::1]:4000", &form("ada", PASSWORD), &[]).await.status(),
        Status::Ok
    );
}

/// `X-Forwarded-For` from a peer that is no trusted proxy is not believed: a client that
/// writes another address in it each time is counted by its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_forwarding_header_from_an_untrusted_peer_changes_nothing() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let pool = Pool::new(false).await;
    let settings =
        with(limits(2, 0, 0), json!({ "trusted_ip_header": "X-Forwarded-For", "trusted_proxies": ["10.0.0.0/8"] }));
    let client = site(&pool, settings).await;
    let form = "username=ghost&password=Wrong-Pass1!";
    let attacker = "198.51.100.4:4000";
    for n in 0..2 {
        let spoofed = format!("203.0.113.{n}");
        let response = post(&client, "/login", attacker, form, &[("X-Forwarded-For", &spoofed)]).await;
        assert_eq!(response.status(), Status::Unauthorized);
    }
    let response = post(&client, "/login", attacker, form, &[("X-Forwarded-For", "203.0.113.99")]).await;
    assert_eq!(response.status(), Status::TooManyRequests, "the peer's own address is counted");
    // Through the trusted proxy, each client is its own.
    for n in 0..3 {
        let client_ip = format!("192.0.2.{n}");
        let response = post(&client, "/login", "10.0.0.2:4000", form, &[("X-Forwarded-For", &client_ip)]).await;
        assert_eq!(response.status(), Status::Unauthorized, "client {client_ip} behind the proxy");
    }
}

store_tests! {
    two_instances_on_one_database_share_the_counts => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(false).await;
        let settings = with(with(pool.settings(), limits(0, 3, 0)), json!({ "session_store": "database" }));
        let a = Client::untracked(common::rocket(kind, &url, settings.clone()).mount("/", routes![login])).await.unwrap();
        let b = Client::untracked(common::rocket(kind, &url, settings).mount("/", routes![login])).await.unwrap();
        let form = "username=ghost&password=Wrong-Pass1!";
        for (n, instance) in [&a, &b, &a].into_iter().enumerate() {
            let response = instance.post("/login").header(ContentType::Form).body(form).dispatch().await;
            assert_eq!(response.status(), Status::Unauthorized, "attempt {n}");
        }
        let before = calls(&b);
        let response = b.post("/login").header(ContentType::Form).body(form).dispatch().await;
        assert_eq!(response.status(), Status::TooManyRequests, "the fourth attempt, on either instance");
        assert_eq!(calls(&b), before);
        // Two instances counting one key at once get different counts: 8 more attempts at once
        // on a fresh username, limit 3, are refused 5 times whatever the interleaving.
        let attempts = (0..8).map(|n| {
            let instance = if n % 2 == 0 { &a } else { &b };
            async move {
                instance.post("/login").header(ContentType::Form).body("username=twin&password=Wrong-Pass1!").dispatch().await.status()
            }
        });
        let statuses = futures::future::join_all(attempts).await;
        let refused = statuses.iter().filter(|s| **s == Status::TooManyRequests).count();
        assert_eq!(refused, 5, "{statuses:?}");
    };
}

/// A code sign-in spends the same allowance for a real user and for a name no one has: the
/// step the crate chooses for a real user is not counted, only what the user types, so the
/// limit cannot tell who exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_sign_in_is_limited_alike_for_a_real_and_an_unknown_user() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    use aws_sdk_cognitoidentityprovider::types as cip;
    let pool = Pool::new(false).await;
    pool.update_client(|u| u.explicit_auth_flows(cip::ExplicitAuthFlowsType::AllowUserAuth)).await;
    let factors = cip::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip::AuthFactorType::Password)
        .allowed_first_auth_factors(cip::AuthFactorType::EmailOtp)
        .build();
    let policies = cip::UserPoolPolicyType::builder().sign_in_policy(factors).build();
    pool.admin.update_user_pool().user_pool_id(&pool.pool_id).policies(policies).send().await.unwrap();
    pool.add_user("mailer", PASSWORD, &[("email", "mailer@example.com"), ("email_verified", "true")]).await;
    let mut refused_at = Vec::new();
    for username in ["mailer", "nobody-at-all"] {
        let settings = with(limits(0, 0, 2), json!({ "auth_flow": "user_auth" }));
        let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("secret_key", common::secret_key()))
            .merge(("cognito", with(pool.settings(), settings)));
        let rocket = rocket::custom(figment)
            .attach(Cognito::custom(MemoryStore::new()))
            .mount("/", routes![code_start, code_answer]);
        let client = Client::tracked(rocket).await.unwrap();
        let start =
            client.post("/code/start").header(ContentType::Form).body(format!("username={username}&password=x"));
        assert_eq!(start.dispatch().await.status(), Status::Ok, "{username}: a code step, real or stand-in");
        let mut n = 1;
        loop {
            let status = client.post("/code/answer").body("000000").dispatch().await.status();
            if status == Status::TooManyRequests {
                break;
            }
            assert_eq!(status, Status::UnprocessableEntity, "{username}: a wrong code");
            n += 1;
            assert!(n < 10, "{username}: never limited");
        }
        refused_at.push(n);
    }
    assert_eq!(refused_at, [3, 3], "the third answer refused for both");
}
