//! A pool over diesel-async's deadpool, generic over the connection type, that migrates the
//! database when it is created.

use std::time::Duration;

use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, PoolableConnection};
use rocket::figment::Figment;

use super::models::{RevocationRow, SessionRow, UserChanges};
use super::queries::{SessionQueries, UserQueries};
use crate::store::Revocation;
use crate::store::{Profile, SessionRecord, StoreError, User};
use crate::tokens::unix_now;

/// A connection type the user store runs on: how to reach it, set it up and migrate it.
#[rocket::async_trait]
pub(crate) trait StoreConnection: PoolableConnection + UserQueries + SessionQueries + Send + 'static {
    /// Checks the configured `url` and turns it into what the driver takes.
    fn connection_url(url: &str) -> Result<String, String>;

    /// Opens one connection, set up for the store.
    async fn connect(url: &str) -> diesel::ConnectionResult<Self>;

    /// Applies the crate's pending migrations. Blocking: runs on a blocking thread.
    fn migrate(url: &str) -> Result<(), String>;
}

/// `url` as an error may show it: a password in it (`scheme://user:password@host`) replaced by
/// `***`, since launch errors reach the logs.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        _ => url.to_owned(),
    }
}

/// Applies `migrations` on a fresh connection to `url`, holding the server-side lock that `lock`
/// takes (an error when it could not) and `unlock` releases, so that instances starting
/// together migrate once. Blocking.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn migrate_locked<Conn>(
    url: &str,
    migrations: diesel_migrations::EmbeddedMigrations,
    lock: impl FnOnce(&mut Conn) -> Result<(), String>,
    unlock: &str,
) -> Result<(), String>
where
    Conn: diesel::Connection + diesel_migrations::MigrationHarness<Conn::Backend>,
{
    let mut conn = Conn::establish(url).map_err(|e| e.to_string())?;
    lock(&mut conn)?;
    let result = conn.run_pending_migrations(migrations).map(drop).map_err(|e| e.to_string());
    conn.batch_execute(unlock).map_err(|e| e.to_string())?;
    result
}

type Manager<C> = AsyncDieselConnectionManager<C>;

/// The deadpool manager bound every pool needs (met by each backend's connection).
pub(crate) trait Pooled<C>:
    deadpool::managed::Manager<Type = C, Error = diesel_async::pooled_connection::PoolError>
{
}
impl<C, M> Pooled<C> for M where
    M: deadpool::managed::Manager<Type = C, Error = diesel_async::pooled_connection::PoolError>
{
}

type InitResult<T> = Result<T, rocket_db_pools::Error<StoreError, PoolError>>;

/// A pool of store connections, configured like any rocket_db_pools database
/// (`[default.databases.<name>] url = ...`), migrated when it is created at ignite.
pub(crate) struct DieselPool<C: StoreConnection>
where
    Manager<C>: Pooled<C>,
{
    pool: Pool<C>,
}

impl<C: StoreConnection> Clone for DieselPool<C>
where
    Manager<C>: Pooled<C>,
{
    fn clone(&self) -> Self {
        DieselPool { pool: self.pool.clone() }
    }
}

impl<C: StoreConnection> std::fmt::Debug for DieselPool<C>
where
    Manager<C>: Pooled<C>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselPool").field("status", &self.pool.status()).finish()
    }
}

impl<C: StoreConnection> DieselPool<C>
where
    Manager<C>: Pooled<C>,
{
    pub(crate) async fn init(figment: &Figment) -> InitResult<Self> {
        let config: rocket_db_pools::Config = figment.extract()?;
        let init = |e: String| rocket_db_pools::Error::Init(StoreError::Init(e));
        let url = C::connection_url(&config.url).map_err(init)?;
        let migrate_url = url.clone();
        tokio::task::spawn_blocking(move || C::migrate(&migrate_url))
            .await
            .map_err(|e| init(format!("migration task failed: {e}")))?
            .map_err(|e| init(format!("migrating the user database failed: {e}")))?;
        let mut manager_config = ManagerConfig::default();
        manager_config.custom_setup = Box::new(|url| C::connect(url));
        let manager = Manager::<C>::new_with_config(url, manager_config);
        let timeout = Some(Duration::from_secs(config.connect_timeout));
        let pool = Pool::builder(manager)
            .max_size(config.max_connections)
            .wait_timeout(timeout)
            .create_timeout(timeout)
            .recycle_timeout(config.idle_timeout.map(Duration::from_secs))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| init(e.to_string()))?;
        Ok(DieselPool { pool })
    }

    pub(crate) async fn get(&self) -> InitResult<Object<C>> {
        self.pool.get().await.map_err(rocket_db_pools::Error::Get)
    }

    pub(crate) fn close(&self) {
        self.pool.close()
    }

    async fn conn(&self) -> Result<Object<C>, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    pub(crate) async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
        let changes = UserChanges::new(profile, unix_now());
        let mut conn = self.conn().await?;
        let row = conn.save_user(&changes, create).await.map_err(query_error)?;
        Ok(row.map(User::from))
    }

    pub(crate) async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn().await?;
        let row = conn.find_user(username).await.map_err(query_error)?;
        Ok(row.map(User::from))
    }

    pub(crate) async fn delete(&self, username: &str) -> Result<bool, StoreError> {
        self.conn().await?.delete_user(username).await.map_err(query_error)
    }
}

/// The server-side sessions' calls, each on a pooled connection.
impl<C: StoreConnection> DieselPool<C>
where
    Manager<C>: Pooled<C>,
{
    pub(crate) async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.conn().await?.insert_session(&SessionRow::from(session)).await.map_err(query_error)
    }

    pub(crate) async fn find_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.conn().await?.find_session(id).await.map_err(query_error)?.map(SessionRecord::from))
    }

    pub(crate) async fn update_session(&self, session: &SessionRecord) -> Result<bool, StoreError> {
        self.conn().await?.update_session(&SessionRow::from(session)).await.map_err(query_error)
    }

    pub(crate) async fn remove_session(&self, id: &str) -> Result<bool, StoreError> {
        self.conn().await?.remove_session(id).await.map_err(query_error)
    }

    pub(crate) async fn list_sessions(&self, username: &str) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = self.conn().await?.list_sessions(username).await.map_err(query_error)?;
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    pub(crate) async fn remove_user_sessions(&self, username: &str) -> Result<u64, StoreError> {
        self.conn().await?.remove_user_sessions(username).await.map_err(query_error)
    }

    pub(crate) async fn purge_sessions(&self, now: i64) -> Result<u64, StoreError> {
        self.conn().await?.purge_sessions(now).await.map_err(query_error)
    }

    pub(crate) async fn insert_revocation(&self, revocation: &Revocation) -> Result<(), StoreError> {
        self.conn().await?.insert_revocation(&RevocationRow::from(revocation)).await.map_err(query_error)
    }

    pub(crate) async fn purge_attempts(&self, now: i64) -> Result<u64, StoreError> {
        self.conn().await?.purge_attempts(now).await.map_err(query_error)
    }

    pub(crate) async fn count_attempt(&self, key: &str, start: i64, end: i64) -> Result<u64, StoreError> {
        let count = self.conn().await?.count_attempt(key, start, end).await.map_err(query_error)?;
        Ok(count.max(0) as u64)
    }

    pub(crate) async fn revocations_since(&self, since: i64, now: i64) -> Result<Vec<Revocation>, StoreError> {
        let rows = self.conn().await?.revocations_since(since, now).await.map_err(query_error)?;
        // A key of a later version's kind is skipped, not an error.
        Ok(rows.into_iter().filter_map(|row| Revocation::try_from(row).ok()).collect())
    }
}

fn query_error(e: diesel::result::Error) -> StoreError {
    match e {
        // The connection broke under us: the database is down, not the query wrong.
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ClosedConnection, _)
        | diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UnableToSendCommand, _)
        | diesel::result::Error::BrokenTransactionManager => StoreError::Unavailable(e.to_string()),
        other => StoreError::Query(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    /// A URL the store does not speak is refused with a message that names it, its password
    /// hidden (launch logs the message).
    #[test]
    fn the_stores_refusals_of_a_url_hide_its_password() {
        use super::StoreConnection;
        let url = "redis://app:hunter2@cache.internal:6379/0";
        #[cfg(feature = "sqlite")]
        {
            let err = <diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection> as StoreConnection>::connection_url(url).unwrap_err();
            assert!(err.contains("redis://app:***@cache.internal") && !err.contains("hunter2"), "{err}");
        }
        #[cfg(feature = "postgres")]
        {
            let err = <diesel_async::AsyncPgConnection as StoreConnection>::connection_url(url).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
        #[cfg(feature = "mysql")]
        {
            let err = <diesel_async::AsyncMysqlConnection as StoreConnection>::connection_url(url).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        assert_eq!(redacted("postgres://app:s3cret@db/app"), "postgres://app:***@db/app");
        assert_eq!(redacted("redis://:s3cret@cache:6379/0?x=1"), "redis://:***@cache:6379/0?x=1");
        assert_eq!(redacted("mysql://app:p@ss@db"), "mysql://app:***@db", "an @ in the password");
        assert_eq!(redacted("postgres://app@db/app"), "postgres://app@db/app", "no password");
        assert_eq!(redacted("users.sqlite"), "users.sqlite");
        assert_eq!(redacted("sqlite://data/u.sqlite"), "sqlite://data/u.sqlite");
    }
}
