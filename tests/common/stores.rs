//! The three real stores (a SQLite file, a PostgreSQL database and a MySQL database of its own
//! per test) and the test sites built on them.

use std::sync::Arc;

use rocket::figment::Figment;
use rocket::{Build, Ignite, Rocket};
use rocket_db_pools::Database;
use rocket_warrant::stores::{MysqlPool, PgPool, SqlitePool};
use rocket_warrant::testing::Clock;
use rocket_warrant::Cognito;
use serde_json::{json, Value};

use super::{emulator, skip, unique};

/// Which real database holds the local users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
            StoreKind::Mysql => "mysql",
        }
    }
}

#[derive(Database)]
#[database("users")]
pub struct SqliteUsers(SqlitePool);

#[derive(Database)]
#[database("users")]
pub struct PgUsers(PgPool);

#[derive(Database)]
#[database("users")]
pub struct MysqlUsers(MysqlPool);

/// A fresh, empty database of `kind`: its URL, or `None` when that server is not reachable.
/// `./scripts/test` sets `ROCKET_WARRANT_TEST_PG` and `ROCKET_WARRANT_TEST_MYSQL`; without them a
/// server answering at its usual local address (as `./scripts/test` would start it) is used. In
/// CI a missing server fails the test: a store test must never pass by not running; elsewhere
/// the skip is written straight to the terminal (past the test harness's capture of passing
/// tests' output), not counted quietly as a pass.
pub async fn database_url(kind: StoreKind) -> Option<String> {
    let server = |var: &str, local: &str, port: u16| {
        if let Ok(url) = std::env::var(var) {
            return Some(url);
        }
        if std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), std::time::Duration::from_millis(300))
            .is_ok()
        {
            return Some(local.to_owned());
        }
        skip(&format!("a {} store test, no server at 127.0.0.1:{port} ({var} unset)", kind.name()));
        None
    };
    let name = format!("rw_test_{}", unique());
    match kind {
        StoreKind::Sqlite => {
            let dir = std::env::temp_dir().join("rocket_warrant_tests");
            std::fs::create_dir_all(&dir).unwrap();
            Some(format!("sqlite://{}", dir.join(format!("users-{}.sqlite", unique())).display()))
        }
        StoreKind::Postgres => {
            let server = server("ROCKET_WARRANT_TEST_PG", "postgres://postgres@127.0.0.1:5432", 5432)?;
            use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(&format!("{server}/postgres"))
                .await
                .expect("ROCKET_WARRANT_TEST_PG is set but PostgreSQL refused the connection");
            conn.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
            Some(format!("{server}/{name}"))
        }
        StoreKind::Mysql => {
            let server = server("ROCKET_WARRANT_TEST_MYSQL", "mysql://root@127.0.0.1:3306", 3306)?;
            use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};
            let mut conn = AsyncMysqlConnection::establish(&format!("{server}/mysql"))
                .await
                .expect("ROCKET_WARRANT_TEST_MYSQL is set but MySQL refused the connection");
            conn.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
            Some(format!("{server}/{name}"))
        }
    }
}

/// The tests' `secret_key`: the testing feature's, so that its helpers open what a test site seals.
pub fn secret_key() -> String {
    rocket_warrant::testing::TestPool::new().figment().extract_inner("secret_key").expect("a secret key")
}

/// A Rocket with the crate's fairing for `pool` on the store `kind`, settings overridden by
/// `overrides` (a JSON object merged into `[cognito]`).
pub fn rocket(kind: StoreKind, db_url: &str, settings: Value) -> Rocket<Build> {
    rocket_with_clock(kind, db_url, settings, None)
}

pub fn rocket_with_clock(
    kind: StoreKind,
    db_url: &str,
    settings: Value,
    clock: Option<Arc<dyn Clock>>,
) -> Rocket<Build> {
    // Built from defaults only, so the repository's Rocket.toml and ROCKET_* never leak in.
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", secret_key()))
        .merge(("cognito", settings))
        .merge(("databases.users", json!({ "url": db_url, "max_connections": 8, "connect_timeout": 5 })));
    let rocket = rocket::custom(figment);
    let with_clock = |fairing: rocket_warrant::CognitoFairing| match &clock {
        Some(c) => fairing.with_clock(c.clone()),
        None => fairing,
    };
    match kind {
        StoreKind::Sqlite => rocket.attach(SqliteUsers::init()).attach(with_clock(Cognito::fairing::<SqliteUsers>())),
        StoreKind::Postgres => rocket.attach(PgUsers::init()).attach(with_clock(Cognito::fairing::<PgUsers>())),
        StoreKind::Mysql => rocket.attach(MysqlUsers::init()).attach(with_clock(Cognito::fairing::<MysqlUsers>())),
    }
}

/// The ignited Rocket and its `Cognito`.
pub async fn ignite(kind: StoreKind, db_url: &str, settings: Value) -> (Rocket<Ignite>, Cognito) {
    let rocket = rocket(kind, db_url, settings).ignite().await.expect("ignite");
    let cognito = rocket.state::<Cognito>().expect("Cognito is managed").clone();
    (rocket, cognito)
}

/// Whether launch stops on these settings (Rocket's error read, as Rocket requires).
pub async fn launch_stops(kind: StoreKind, db_url: &str, settings: Value) -> bool {
    match rocket(kind, db_url, settings).ignite().await {
        Ok(_) => false,
        Err(e) => cognito_fairing_failed(&e),
    }
}

/// Whether launch stopped in this crate's fairing (not in another, nor for another reason).
pub fn cognito_fairing_failed(err: &rocket::Error) -> bool {
    matches!(err.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed.iter().any(|f| f.name == "Cognito authentication"))
}

/// The session store of an ignited Rocket's database (the pool of `kind`), as the crate uses it.
pub fn session_store(kind: StoreKind, rocket: &Rocket<Ignite>) -> Arc<dyn rocket_warrant::sessions::SessionStore> {
    match kind {
        StoreKind::Sqlite => Arc::new((**rocket.state::<SqliteUsers>().expect("the database")).clone()),
        StoreKind::Postgres => Arc::new((**rocket.state::<PgUsers>().expect("the database")).clone()),
        StoreKind::Mysql => Arc::new((**rocket.state::<MysqlUsers>().expect("the database")).clone()),
    }
}

/// Notes that a store test passed on `store`, in the file `./scripts/test` summarises
/// (`ROCKET_WARRANT_STORE_LOG`), since cargo test hides the output of passing tests.
pub fn record_store_run(store: &str, test: &str) {
    use std::io::Write;
    if let Ok(path) = std::env::var("ROCKET_WARRANT_STORE_LOG") {
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{store} {test}");
        }
    }
}

/// Runs `body` once per store, recording which ran.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident => $body:expr;)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    common::run_store_test(common::StoreKind::Sqlite, module_path!(), $body).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    common::run_store_test(common::StoreKind::Postgres, module_path!(), $body).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    common::run_store_test(common::StoreKind::Mysql, module_path!(), $body).await;
                }
            }
        )*
    };
}

/// One store test on one store: a fresh database, the body, and the run recorded.
pub async fn run_store_test<F, Fut>(kind: StoreKind, test: &str, body: F)
where
    F: FnOnce(StoreKind, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if emulator().is_none() {
        return;
    }
    let Some(url) = database_url(kind).await else {
        return;
    };
    body(kind, url).await;
    record_store_run(kind.name(), test);
}

/// A clock that reads the system time until a test sets it.
pub type PinnedClock = rocket_warrant::testing::ManualClock;

/// The token in the crate's cookie `name` of a jar (opened with the tests' `secret_key`), if the
/// jar has that cookie and it opens.
#[allow(dead_code)]
pub fn cookie_token(jar: &rocket::http::CookieJar<'_>, name: &str) -> Option<String> {
    rocket_warrant::testing::TestPool::new().open_cookie(jar.get(name)?)
}
