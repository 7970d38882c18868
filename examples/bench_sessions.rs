//! Memory with many server-side sessions: starts N sessions (default 100,000) in a SQLite store,
//! requests a guarded route once with each session's cookie (in process, Rocket's local
//! client), and prints the resident memory before and after. `./scripts/bench` runs it.
//!
//! `cargo run --release --example bench_sessions -- 100000`

use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_db_pools::Database;
use rocket_warrant::stores::SqlitePool;
use rocket_warrant::testing::{start_session, TestPool};
use rocket_warrant::{Cognito, CognitoClaims};

#[derive(Database)]
#[database("users")]
struct Users(SqlitePool);

#[get("/claims")]
fn claims(claims: CognitoClaims) -> &'static str {
    let _ = claims.sub();
    "ok"
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[rocket::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("rocket-warrant-bench-sessions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = TestPool::new();
    let figment = pool.figment().merge(("cognito.session_store", "database")).merge((
        "databases.users",
        serde_json::json!({ "url": format!("sqlite://{}/sessions.sqlite", dir.display()) }),
    ));
    let rocket =
        rocket::custom(figment).attach(Users::init()).attach(Cognito::fairing::<Users>()).mount("/", routes![claims]);
    let client = Client::untracked(rocket).await.expect("the site ignites");
    let cognito = client.rocket().state::<Cognito>().unwrap();
    // One user's real-size tokens, valid for a day; every session keeps its own copy.
    let tokens = pool.user("alice").expires_in(24 * 3600).tokens();
    let at_start = rss_kib();
    // The cookies' values end to end in one buffer, so that the list itself weighs little.
    let mut values = String::new();
    let mut len = 0;
    for _ in 0..count {
        let cookie = start_session(cognito, "alice", &tokens).await.expect("a session starts").remove(0);
        len = cookie.value().len();
        values.push_str(cookie.value());
    }
    let after_start = rss_kib();
    for i in 0..count {
        let cookie = rocket::http::Cookie::new("cognito_session", values[i * len..(i + 1) * len].to_owned());
        let response = client.get("/claims").cookie(cookie).dispatch().await;
        assert_eq!(response.status(), rocket::http::Status::Ok);
    }
    let after_requests = rss_kib();
    let remembered = cognito.counters().remembered_sessions;
    println!(
        "{count} server-side sessions: RSS {:.1} MiB at start, {:.1} MiB after starting them, {:.1} MiB after a request with each; {remembered} remembered (session_cache_capacity {}); the benchmark's own list of the cookies is {:.1} MiB",
        at_start as f64 / 1024.0,
        after_start as f64 / 1024.0,
        after_requests as f64 / 1024.0,
        cognito.config().session_cache_capacity,
        values.len() as f64 / 1048576.0,
    );
    let _ = std::fs::remove_dir_all(dir);
}
