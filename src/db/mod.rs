//! Local users with Diesel: the schema, the migrations that ship with the crate, and a
//! rocket_db_pools pool for SQLite (the embedded default) and PostgreSQL (production).
//!
//! Declare the database as any rocket_db_pools database, attach its fairing before
//! [`Cognito::fairing`](crate::Cognito::fairing), and configure its URL:
//!
//! ```toml
//! [default.databases.users]
//! url = "sqlite://users.sqlite"        # or "postgres://app@db.internal/app"
//! ```
//!
//! The migrations run when the pool is created at ignite.

pub mod models;
mod pool;
mod queries;
pub mod schema;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use pool::{DieselPool, InitError, Pooled, StoreConnection, UserQueries};
#[cfg(feature = "postgres")]
pub use postgres::PgPool;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteConnection, SqlitePool};
