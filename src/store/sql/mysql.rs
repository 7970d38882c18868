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
const MIGRATION_LOCK: &str = "rocket_warrant_migrations";
/// How long an instance waits for another's migration.
const MIGRATION_WAIT_SECS: u32 = 120;
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
    /// struct Users(rocket_warrant::stores::MysqlPool);
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
            Err(format!("`{}` is not a MySQL URL (mysql://user:password@host/db)", super::pool::redacted(url)))
        }
    }

    async fn connect(url: &str) -> diesel::ConnectionResult<Self> {
        <AsyncMysqlConnection as AsyncConnection>::establish(url).await
    }

    fn migrate(url: &str) -> Result<(), String> {
        migrate_waiting(url, MIGRATION_WAIT_SECS)
    }
}

user_queries!(
    AsyncMysqlConnection,
    diesel::dsl::DuplicatedKeys,
    // VALUES() rather than an alias: MariaDB has no `AS new` row alias.
    "INSERT INTO cognito_revocations (token_key, revoked_at, expires_at) VALUES (?, ?, ?) \
     ON DUPLICATE KEY UPDATE revoked_at = GREATEST(revoked_at, VALUES(revoked_at)), \
     expires_at = GREATEST(expires_at, VALUES(expires_at))",
    // No RETURNING: the count goes through LAST_INSERT_ID(expr), which this connection reads
    // back next. MySQL assigns left to right, each right-hand side seeing the assignments
    // before it: the count and the end read the old `window_start`, so it is moved last.
    "INSERT INTO cognito_attempts (attempt_key, window_start, window_end, attempts) \
     VALUES (?, ?, ?, LAST_INSERT_ID(1)) \
     ON DUPLICATE KEY UPDATE \
     attempts = LAST_INSERT_ID(IF(window_start >= VALUES(window_start), attempts + 1, 1)), \
     window_end = IF(window_start >= VALUES(window_start), window_end, VALUES(window_end)), \
     window_start = GREATEST(window_start, VALUES(window_start))",
    Some("SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS attempts")
);

/// Migrates under the named lock, waiting at most `wait_secs` for another instance's migration.
fn migrate_waiting(url: &str, wait_secs: u32) -> Result<(), String> {
    let lock = |conn: &mut AsyncConnectionWrapper<AsyncMysqlConnection>| take_migration_lock(conn, wait_secs);
    migrate_locked(url, MIGRATIONS, lock, MIGRATION_UNLOCK)
}

/// Takes the migration lock: GET_LOCK answers 1 when it has it, 0 when another connection held it
/// past the timeout, NULL on an error; only the first lets this instance migrate.
fn take_migration_lock(conn: &mut AsyncConnectionWrapper<AsyncMysqlConnection>, wait_secs: u32) -> Result<(), String> {
    use diesel::sql_types::{Integer, Nullable, Text, Unsigned};
    use diesel::RunQueryDsl;
    let got: Option<i32> = diesel::select(
        diesel::dsl::sql::<Nullable<Integer>>("GET_LOCK(")
            .bind::<Text, _>(MIGRATION_LOCK)
            .sql(", ")
            .bind::<Unsigned<Integer>, _>(wait_secs)
            .sql(")"),
    )
    .get_result(conn)
    .map_err(|e| e.to_string())?;
    lock_taken(got, wait_secs)
}

fn lock_taken(answer: Option<i32>, wait_secs: u32) -> Result<(), String> {
    match answer {
        Some(1) => Ok(()),
        Some(_) => Err(format!(
            "another connection held the migration lock `{MIGRATION_LOCK}` for {wait_secs} s (an instance still \
             migrating, or a stuck session): nothing was migrated; start again once it is free"
        )),
        None => Err(format!("MySQL could not take the migration lock `{MIGRATION_LOCK}` (GET_LOCK answered NULL)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lock_taken_lets_the_migration_run() {
        assert_eq!(lock_taken(Some(1), 1), Ok(()));
        assert!(lock_taken(Some(0), 1).unwrap_err().contains("held the migration lock"));
        assert!(lock_taken(None, 1).unwrap_err().contains("NULL"));
    }

    /// A lock another connection holds past the wait: no migration, an error that says why.
    #[test]
    fn a_migration_lock_held_elsewhere_stops_the_migration() {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let local =
            std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], 3306).into(), std::time::Duration::from_millis(300))
                .map(|_| "mysql://root@127.0.0.1:3306".to_owned());
        let Ok(server) = std::env::var("ROCKET_WARRANT_TEST_MYSQL").or(local) else {
            let why = "the MySQL migration-lock test, no server at 127.0.0.1:3306 (ROCKET_WARRANT_TEST_MYSQL unset)";
            assert!(
                std::env::var_os("ROCKET_WARRANT_NO_SKIP").is_none() && std::env::var("CI").as_deref() != Ok("true"),
                "{why}"
            );
            // Past the harness's capture: a skip is seen, not counted quietly as a pass.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: {why}: ./scripts/test installs and starts what it needs");
            return;
        };
        type Sync = AsyncConnectionWrapper<AsyncMysqlConnection>;
        let name = format!("rw_test_lock_{}", std::process::id());
        let mut admin = <Sync as Connection>::establish(&format!("{server}/mysql")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE IF NOT EXISTS {name}")).unwrap();
        let url = format!("{server}/{name}");
        let mut holder = <Sync as Connection>::establish(&url).unwrap();
        take_migration_lock(&mut holder, 1).expect("the first connection takes the lock");
        let err = migrate_waiting(&url, 1).expect_err("the lock is held elsewhere");
        assert!(err.contains("held the migration lock"), "{err}");
        let mut check = <Sync as Connection>::establish(&url).unwrap();
        let tables: i64 = diesel::RunQueryDsl::get_result(
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                "(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{name}')"
            ))),
            &mut check,
        )
        .unwrap();
        assert_eq!(tables, 0, "nothing migrated");
        holder.batch_execute(MIGRATION_UNLOCK).unwrap();
        migrate_waiting(&url, 1).expect("migrates once the lock is free");
        admin.batch_execute(&format!("DROP DATABASE {name}")).unwrap();
    }
}
