//! Local users with Diesel: the schema, the migrations that ship with the crate, and a
//! rocket_db_pools pool for SQLite (the embedded default), PostgreSQL and MySQL/MariaDB.
//!
//! The pool types are newtypes over one private generic pool, so that the public page shows
//! three plain types and nothing of Diesel's connection plumbing.

mod models;
mod pool;
mod queries;
mod schema;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "mysql")]
pub use mysql::MysqlPool;
#[cfg(feature = "postgres")]
pub use postgres::PgPool;
#[cfg(feature = "sqlite")]
pub use sqlite::SqlitePool;

/// A public pool type over `DieselPool<$conn>`: a rocket_db_pools `Pool` (connections are
/// `$conn`s, for the application's own queries), a [`UserStore`](crate::store::UserStore), a
/// [`SessionStore`](crate::store::SessionStore) and an [`AttemptStore`](crate::store::AttemptStore).
macro_rules! store_pool {
    ($(#[$doc:meta])* $name:ident($conn:ty)) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name($crate::store::sql::pool::DieselPool<$conn>);

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        #[rocket::async_trait]
        impl rocket_db_pools::Pool for $name {
            type Connection = diesel_async::pooled_connection::deadpool::Object<$conn>;
            type Error = rocket_db_pools::Error<$crate::store::StoreError, diesel_async::pooled_connection::deadpool::PoolError>;

            async fn init(figment: &rocket::figment::Figment) -> Result<Self, Self::Error> {
                $crate::store::sql::pool::DieselPool::init(figment).await.map($name)
            }

            async fn get(&self) -> Result<Self::Connection, Self::Error> {
                self.0.get().await
            }

            async fn close(&self) {
                self.0.close()
            }
        }

        #[rocket::async_trait]
        impl $crate::store::UserStore for $name {
            async fn save(
                &self,
                profile: &$crate::store::Profile,
                create: bool,
            ) -> Result<Option<$crate::store::User>, $crate::store::StoreError> {
                self.0.save(profile, create).await
            }

            async fn find(&self, username: &str) -> Result<Option<$crate::store::User>, $crate::store::StoreError> {
                self.0.find(username).await
            }

            async fn delete(&self, username: &str) -> Result<bool, $crate::store::StoreError> {
                self.0.delete(username).await
            }

            fn deletes(&self) -> bool {
                true
            }
        }

        #[rocket::async_trait]
        impl $crate::store::SessionStore for $name {
            async fn insert(&self, session: &$crate::store::SessionRecord) -> Result<(), $crate::store::StoreError> {
                self.0.insert_session(session).await
            }
            async fn find(&self, id: &str) -> Result<Option<$crate::store::SessionRecord>, $crate::store::StoreError> {
                self.0.find_session(id).await
            }
            async fn update(&self, session: &$crate::store::SessionRecord) -> Result<bool, $crate::store::StoreError> {
                self.0.update_session(session).await
            }
            async fn remove(&self, id: &str) -> Result<bool, $crate::store::StoreError> {
                self.0.remove_session(id).await
            }
            async fn list(&self, username: &str) -> Result<Vec<$crate::store::SessionRecord>, $crate::store::StoreError> {
                self.0.list_sessions(username).await
            }
            async fn remove_user(&self, username: &str) -> Result<u64, $crate::store::StoreError> {
                self.0.remove_user_sessions(username).await
            }
            async fn purge(&self, now: i64) -> Result<u64, $crate::store::StoreError> {
                self.0.purge_sessions(now).await
            }
            async fn revoke(&self, revocation: &$crate::store::Revocation) -> Result<bool, $crate::store::StoreError> {
                self.0.insert_revocation(revocation).await.map(|()| true)
            }
            async fn revocations(&self, since: i64, now: i64) -> Result<Vec<$crate::store::Revocation>, $crate::store::StoreError> {
                self.0.revocations_since(since, now).await
            }
        }

        #[rocket::async_trait]
        impl $crate::store::AttemptStore for $name {
            async fn attempt(&self, key: &str, window_start: i64, window_end: i64) -> Result<u64, $crate::store::StoreError> {
                self.0.count_attempt(key, window_start, window_end).await
            }
            async fn purge_attempts(&self, now: i64) -> Result<u64, $crate::store::StoreError> {
                self.0.purge_attempts(now).await
            }
        }
    };
}

pub(crate) use store_pool;
