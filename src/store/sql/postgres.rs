//! The production store: PostgreSQL, shared by every instance of an app.

use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use super::pool::{migrate_locked, StoreConnection};
use super::queries::user_queries;
use super::store_pool;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

// Instances starting together must not migrate at once: a transaction-independent advisory lock.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(741302115)";
const MIGRATION_UNLOCK: &str = "SELECT pg_advisory_unlock(741302115)";

store_pool! {
    /// The production store: PostgreSQL, shared by every instance of an application. Its
    /// rocket_db_pools URL is `postgres://user@host/db`; the crate's migrations run when the
    /// pool is created at ignite, under an advisory lock so that instances starting together
    /// migrate once. Neither libpq nor OpenSSL is needed.
    ///
    /// ```no_run
    /// use rocket_db_pools::Database;
    ///
    /// #[derive(Database)]
    /// #[database("users")]
    /// struct Users(rocket_warrant::stores::PgPool);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    PgPool(AsyncPgConnection)
}

#[rocket::async_trait]
impl StoreConnection for AsyncPgConnection {
    fn connection_url(url: &str) -> Result<String, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(url.to_owned())
        } else {
            Err(format!("`{}` is not a PostgreSQL URL (postgres://user@host/db)", super::pool::redacted(url)))
        }
    }

    async fn connect(url: &str) -> diesel::ConnectionResult<Self> {
        <AsyncPgConnection as AsyncConnection>::establish(url).await
    }

    fn migrate(url: &str) -> Result<(), String> {
        // pg_advisory_lock waits as long as it takes, and fails only with the connection.
        let lock = |conn: &mut AsyncConnectionWrapper<AsyncPgConnection>| {
            diesel::connection::SimpleConnection::batch_execute(conn, MIGRATION_LOCK).map_err(|e| e.to_string())
        };
        migrate_locked(url, MIGRATIONS, lock, MIGRATION_UNLOCK)
    }
}

user_queries!(
    AsyncPgConnection,
    crate::store::sql::schema::cognito_users::username,
    "INSERT INTO cognito_revocations (token_key, revoked_at, expires_at) VALUES ($1, $2, $3) \
     ON CONFLICT (token_key) DO UPDATE SET \
     revoked_at = GREATEST(cognito_revocations.revoked_at, excluded.revoked_at), \
     expires_at = GREATEST(cognito_revocations.expires_at, excluded.expires_at)",
    // One statement: the count of the live window, or 1 in a new one (a later window already
    // counting keeps counting); the right-hand sides read the row as it was.
    "INSERT INTO cognito_attempts (attempt_key, window_start, window_end, attempts) VALUES ($1, $2, $3, 1) \
     ON CONFLICT (attempt_key) DO UPDATE SET \
     attempts = CASE WHEN cognito_attempts.window_start >= excluded.window_start \
         THEN cognito_attempts.attempts + 1 ELSE 1 END, \
     window_end = CASE WHEN cognito_attempts.window_start >= excluded.window_start \
         THEN cognito_attempts.window_end ELSE excluded.window_end END, \
     window_start = GREATEST(cognito_attempts.window_start, excluded.window_start) \
     RETURNING attempts",
    None
);
