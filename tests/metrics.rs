//! The crate's metrics, read from a recorder installed for this test binary alone (its only
//! test): sign-ins by method and outcome, Cognito calls by operation and error type with their
//! latency, guards' outcomes, limits reached, key fetches, the token cache; and no label that
//! holds a username, a token or an address.

mod common;

use common::{with, Pool};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_warrant::stores::MemoryStore;
use rocket_warrant::{Cognito, CognitoUser};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";

use common::routes::sign_in as login;

#[get("/me")]
fn me(user: CognitoUser) -> String {
    user.username().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_crate_does_is_counted_with_labels_that_name_no_one() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().expect("the only recorder of this binary");

    let pool = Pool::new(false).await;
    pool.add_user("ada-metrics", PASSWORD, &[]).await;
    let limits = json!({ "limits": { "per_username": { "attempts": 2, "window_secs": 600 } } });
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", with(pool.settings(), limits)));
    let rocket = rocket::custom(figment).attach(Cognito::custom(MemoryStore::new())).mount("/", routes![login, me]);
    let client = Client::untracked(rocket).await.expect("the site ignites");
    let post = |user: &str, password: &str| {
        client
            .post("/login")
            .header(ContentType::Form)
            .remote("203.0.113.77:4000".parse().unwrap())
            .body(format!("username={user}&password={password}"))
            .dispatch()
    };
    let signed_in = post("ada-metrics", PASSWORD).await;
    assert_eq!(signed_in.status(), Status::Ok);
    let cookies: Vec<_> = signed_in.cookies().iter().map(|c| c.clone().into_owned()).collect();
    assert_eq!(client.get("/me").cookies(cookies).dispatch().await.status(), Status::Ok);
    assert_eq!(post("ada-metrics", "Wrong-Pass1!").await.status(), Status::Unauthorized);
    assert_eq!(post("ada-metrics", "Wrong-Pass1!").await.status(), Status::TooManyRequests);
    assert_eq!(client.get("/me").dispatch().await.status(), Status::Unauthorized);

    let snapshot = snapshotter.snapshot().into_vec();
    let counter = |name: &str, labels: &[(&str, &str)]| -> u64 {
        snapshot
            .iter()
            .filter(|(key, ..)| key.key().name() == name)
            .filter(|(key, ..)| {
                labels.iter().all(|(k, v)| key.key().labels().any(|l| l.key() == *k && l.value() == *v))
            })
            .map(|(.., value)| match value {
                DebugValue::Counter(n) => *n,
                DebugValue::Histogram(samples) => samples.len() as u64,
                DebugValue::Gauge(_) => 1,
            })
            .sum()
    };
    let sign_ins = "rocket_warrant_sign_ins_total";
    assert_eq!(counter(sign_ins, &[("method", "srp"), ("outcome", "signed_in")]), 1);
    assert_eq!(counter(sign_ins, &[("method", "srp"), ("outcome", "invalid_credentials")]), 1);
    assert_eq!(counter(sign_ins, &[("method", "srp"), ("outcome", "limited")]), 1);
    assert_eq!(counter("rocket_warrant_limits_reached_total", &[("limit", "username")]), 1);
    let calls = "rocket_warrant_cognito_calls_total";
    assert!(counter(calls, &[("operation", "InitiateAuth"), ("outcome", "ok")]) >= 2);
    assert_eq!(counter(calls, &[("operation", "RespondToAuthChallenge"), ("outcome", "NotAuthorizedException")]), 1);
    assert!(counter("rocket_warrant_cognito_call_seconds", &[("operation", "InitiateAuth")]) >= 2, "each call timed");
    let guards = "rocket_warrant_guard_outcomes_total";
    assert_eq!(counter(guards, &[("guard", "CognitoUser"), ("outcome", "accepted")]), 1);
    assert_eq!(counter(guards, &[("guard", "CognitoUser"), ("outcome", "refused")]), 1);
    assert!(counter("rocket_warrant_key_fetches_total", &[("outcome", "ok")]) >= 1);
    assert!(counter("rocket_warrant_cache_lookups_total", &[("cache", "tokens")]) >= 1);

    // No label names anyone: no username, address or token.
    for (key, ..) in &snapshot {
        for label in key.key().labels() {
            let value = label.value();
            assert!(!value.contains("ada") && !value.contains("203.0.113") && !value.contains("eyJ"), "{key:?}");
        }
    }
}
