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
    /// use rocket_warrant::{Cognito, SqlitePool};
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
            return Err(format!("`{url}` is not a SQLite URL (sqlite://path/to/file.sqlite)"));
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
        let mut conn = diesel::SqliteConnection::establish(url).map_err(|e| e.to_string())?;
        conn.batch_execute(SETUP).map_err(|e| e.to_string())?;
        conn.run_pending_migrations(MIGRATIONS).map(drop).map_err(|e| e.to_string())
    }
}

user_queries!(SqliteConnection, crate::store::sql::schema::cognito_users::username);
