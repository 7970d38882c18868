//! The embedded store: a SQLite file.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::pool::StoreConnection;
use super::queries::user_queries;
use super::store_pool;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

// Writers wait for each other instead of failing with SQLITE_BUSY; WAL lets readers run beside them.
const SETUP: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

/// An async SQLite connection (diesel's SQLite on a blocking thread).
type SqliteConnection = SyncConnectionWrapper<diesel::SqliteConnection>;

store_pool! {
    /// The embedded store: a SQLite file, created on first launch (nothing to install). Its
    /// rocket_db_pools URL is `sqlite://users.sqlite` (or a plain path); the crate's migrations
    /// run when the pool is created at ignite.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_db_pools::Database;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::stores::SqlitePool;
    ///
    /// #[derive(Database)]
    /// #[database("users")]
    /// struct Users(SqlitePool);
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     rocket::build().attach(Users::init()).attach(Cognito::fairing::<Users>())
    /// }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    SqlitePool(SqliteConnection)
}

#[rocket::async_trait]
impl StoreConnection for SqliteConnection {
    fn connection_url(url: &str) -> Result<String, String> {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!("`{}` is not a SQLite URL (sqlite://path/to/file.sqlite)", super::pool::redacted(url)));
        }
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(path.to_owned())
    }

    async fn connect(url: &str) -> diesel::ConnectionResult<Self> {
        let mut conn = <SqliteConnection as AsyncConnection>::establish(url).await?;
        conn.batch_execute(SETUP).await.map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }

    fn migrate(url: &str) -> Result<(), String> {
        // Instances starting together on one file must not migrate at once: the exclusive lock
        // makes the others wait, then find nothing pending. SQLite answers some lock conflicts
        // at once instead of waiting out busy_timeout (switching a fresh file to WAL, say), so a
        // busy file is tried again, for as long as busy_timeout allows in all.
        let started = std::time::Instant::now();
        loop {
            match migrate_once(url) {
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_FOR => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                result => return result.map_err(|e| e.to_string()),
            }
        }
    }
}

/// How long a busy database file is waited for, as `busy_timeout` in [`SETUP`] says.
const BUSY_FOR: std::time::Duration = std::time::Duration::from_secs(10);

fn migrate_once(url: &str) -> Result<(), MigrationError> {
    let mut conn = diesel::SqliteConnection::establish(url).map_err(|e| MigrationError::Failed(Box::new(e)))?;
    conn.batch_execute(SETUP)?;
    // Diesel runs each migration in a savepoint inside the exclusive transaction.
    conn.exclusive_transaction(|conn| conn.run_pending_migrations(MIGRATIONS).map(drop).map_err(MigrationError::Failed))
}

fn is_busy(e: &MigrationError) -> bool {
    e.to_string().contains("database is locked")
}

/// Why the migration transaction ended: a migration failed, or the transaction itself did.
#[derive(Debug)]
enum MigrationError {
    Failed(Box<dyn std::error::Error + Send + Sync>),
    Transaction(diesel::result::Error),
}

impl From<diesel::result::Error> for MigrationError {
    fn from(e: diesel::result::Error) -> Self {
        MigrationError::Transaction(e)
    }
}

impl std::fmt::Display for MigrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrationError::Failed(e) => e.fmt(f),
            MigrationError::Transaction(e) => e.fmt(f),
        }
    }
}

user_queries!(
    SqliteConnection,
    crate::store::sql::schema::cognito_users::username,
    "INSERT INTO cognito_revocations (token_key, revoked_at, expires_at) VALUES (?, ?, ?) \
     ON CONFLICT (token_key) DO UPDATE SET revoked_at = MAX(revoked_at, excluded.revoked_at), \
     expires_at = MAX(expires_at, excluded.expires_at)",
    // As PostgreSQL's (SQLite has had RETURNING since 3.35; the bundled one is newer).
    "INSERT INTO cognito_attempts (attempt_key, window_start, window_end, attempts) VALUES (?, ?, ?, 1) \
     ON CONFLICT (attempt_key) DO UPDATE SET \
     attempts = CASE WHEN window_start >= excluded.window_start THEN attempts + 1 ELSE 1 END, \
     window_end = CASE WHEN window_start >= excluded.window_start THEN window_end ELSE excluded.window_end END, \
     window_start = MAX(window_start, excluded.window_start) \
     RETURNING attempts",
    None
);
