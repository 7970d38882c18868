//! A site without AWS credentials: launch says so (not "Cognito could not be reached"), and the
//! public flows still sign users in. Alone in its binary, since it clears the process's AWS
//! environment.

mod common;

use std::sync::{Mutex, OnceLock};

use common::{with, Pool, StoreKind};
use serde_json::json;

static LOGGED: OnceLock<Mutex<String>> = OnceLock::new();

/// Keeps every log line.
struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}\n", record.level(), record.args());
        LOGGED.get_or_init(Default::default).lock().unwrap().push_str(&line);
    }

    fn flush(&self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_aws_credentials_launch_says_so_and_the_public_flows_sign_in() {
    need_emulator!();
    // No credentials anywhere the default chain looks. Safe here: this binary's only test, set
    // before any thread of it reads the environment.
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] {
        std::env::remove_var(var);
    }
    for var in ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
        std::env::remove_var(var);
    }
    std::env::remove_var("AWS_WEB_IDENTITY_TOKEN_FILE");
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/config");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    log::set_logger(&Capture).expect("the only logger of this binary");
    log::set_max_level(log::LevelFilter::Info);

    let pool = Pool::new(false).await;
    pool.add_user("nokeys", "N0-Keys-Needed!", &[("email", "nokeys@example.com")]).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "aws_access_key_id": null, "aws_secret_access_key": null }));
    let (_rocket, cognito) = common::ignite(StoreKind::Sqlite, &url, settings).await;
    let logged = LOGGED.get_or_init(Default::default).lock().unwrap().clone();
    let line = logged.lines().find(|l| l.contains("no AWS credentials")).unwrap_or_else(|| panic!("{logged}"));
    assert!(line.starts_with("WARN") && line.contains("aws_access_key_id"), "{line}");
    assert!(!logged.contains("could not be reached"), "{logged}");
    // SRP (the default flow) needs no credentials.
    let login = cognito.login("nokeys", "N0-Keys-Needed!").await.expect("SRP signs in without credentials");
    assert_eq!(login.profile.username, "nokeys");
}
