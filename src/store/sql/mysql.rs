//! MySQL and MariaDB, through diesel-async's pure-Rust driver (no libmysqlclient).

use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncMysqlConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use super::pool::{migrate_locked, StoreConnection};
use super::queries::user_queries;
use super::store_pool;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/mysql");

// Instances starting together must not migrate at once: a named lock held by the connection
// (MySQL's DDL is not transactional, so a transaction would not serialise them).
const MIGRATION_LOCK: &str = "DO GET_LOCK('rocket_warrant_migrations', 120)";
const MIGRATION_UNLOCK: &str = "DO RELEASE_LOCK('rocket_warrant_migrations')";

store_pool! {
    /// MySQL or MariaDB, shared by every instance of an application. Its rocket_db_pools URL
    /// is `mysql://user:password@host/db`; the crate's migrations run when the pool is created
    /// at ignite, under a named lock so that instances starting together migrate once.
    ///
    /// ```no_run
    /// use rocket_db_pools::Database;
    ///
    /// #[derive(Database)]
    /// #[database("users")]
    /// struct Users(rocket_warrant::MysqlPool);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
    MysqlPool(AsyncMysqlConnection)
}

#[rocket::async_trait]
impl StoreConnection for AsyncMysqlConnection {
    fn connection_url(url: &str) -> Result<String, String> {
        if url.starts_with("mysql://") {
            Ok(url.to_owned())
        } else if let Some(rest) = url.strip_prefix("mariadb://") {
            Ok(format!("mysql://{rest}"))
        } else {
            Err(format!("`{url}` is not a MySQL URL (mysql://user:password@host/db)"))
        }
    }

    async fn connect(url: &str) -> diesel::ConnectionResult<Self> {
        <AsyncMysqlConnection as AsyncConnection>::establish(url).await
    }

    fn migrate(url: &str) -> Result<(), String> {
        migrate_locked::<AsyncConnectionWrapper<AsyncMysqlConnection>>(
            url,
            MIGRATIONS,
            MIGRATION_LOCK,
            MIGRATION_UNLOCK,
        )
    }
}

user_queries!(AsyncMysqlConnection, diesel::dsl::DuplicatedKeys);
