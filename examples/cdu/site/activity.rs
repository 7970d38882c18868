//! The account's recent activity: the crate's events, kept in the site's own table
//! `site_events` in the users' database (whichever of SQLite, PostgreSQL and MySQL it is), and
//! the last 20 of a user read back for the security page.

use std::sync::{Arc, OnceLock};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rocket::fairing::AdHoc;
use rocket_db_pools::Pool;
use rocket_warrant::events::{Event, EventListener};
use rocket_warrant::stores::{MysqlPool, PgPool, SqlitePool};

diesel::table! {
    /// The crate's users table, as far as this page reads it: whose events are kept.
    cognito_users (id) {
        id -> BigInt,
        username -> Text,
    }
}

diesel::table! {
    /// One event of an account.
    site_events (id) {
        id -> BigInt,
        username -> Text,
        at -> BigInt,
        kind -> Text,
        words -> Text,
    }
}

/// The database the events go to, once the site's database is up.
#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
    Mysql(MysqlPool),
}

/// The listener the Cognito fairing is given; its database is set at ignite.
#[derive(Clone, Default)]
pub struct Activity(Arc<OnceLock<Db>>);

/// An event as the security page shows it.
#[derive(Debug, rocket::serde::Serialize, Queryable)]
#[serde(crate = "rocket::serde")]
pub struct Row {
    pub at: i64,
    pub kind: String,
    pub words: String,
}

/// Runs `$body` with `$conn` a connection of whichever database it is.
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            Db::Sqlite(pool) => {
                let mut $conn = pool.get().await.map_err(|e| e.to_string())?;
                $body
            }
            Db::Pg(pool) => {
                let mut $conn = pool.get().await.map_err(|e| e.to_string())?;
                $body
            }
            Db::Mysql(pool) => {
                let mut $conn = pool.get().await.map_err(|e| e.to_string())?;
                $body
            }
        }
    };
}

impl Activity {
    /// The fairing that points the events at the users' database `D` and creates the table.
    pub fn database<D: rocket_db_pools::Database>(&self, to: fn(&D::Pool) -> DbOf) -> AdHoc {
        let this = self.clone();
        AdHoc::try_on_ignite("Activity", move |rocket| async move {
            let Some(db) = rocket.state::<D>() else { return Ok(rocket) };
            let db = to(&**db).0;
            let ddl = match db {
                Db::Sqlite(_) => {
                    "CREATE TABLE IF NOT EXISTS site_events (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
                                  username TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, words TEXT NOT NULL)"
                }
                Db::Pg(_) => {
                    "CREATE TABLE IF NOT EXISTS site_events (id BIGSERIAL PRIMARY KEY, username TEXT NOT NULL, \
                              at BIGINT NOT NULL, kind TEXT NOT NULL, words TEXT NOT NULL)"
                }
                Db::Mysql(_) => {
                    "CREATE TABLE IF NOT EXISTS site_events (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
                                 username VARCHAR(128) NOT NULL, at BIGINT NOT NULL, kind VARCHAR(64) NOT NULL, \
                                 words VARCHAR(512) NOT NULL, KEY site_events_username (username))"
                }
            };
            let created: Result<(), String> = async {
                with_conn!(&db, |conn| diesel::sql_query(ddl).execute(&mut *conn).await.map_err(|e| e.to_string()))?;
                Ok(())
            }
            .await;
            match created {
                Ok(()) => {
                    let _ = this.0.set(db);
                    Ok(rocket)
                }
                Err(e) => {
                    rocket::error!("the site_events table could not be created: {e}");
                    Err(rocket)
                }
            }
        })
    }

    /// The last 20 events of `username`, newest first.
    pub async fn recent(&self, username: &str) -> Result<Vec<Row>, String> {
        let Some(db) = self.0.get() else { return Ok(Vec::new()) };
        use site_events::dsl as e;
        let query = e::site_events.filter(e::username.eq(username)).order(e::id.desc()).limit(20);
        with_conn!(db, |conn| query
            .select((e::at, e::kind, e::words))
            .load::<Row>(&mut *conn)
            .await
            .map_err(|e| e.to_string()))
    }

    /// Keeps `event` if it is of a user the site knows (a refused sign-in names what was
    /// typed, which may be no one's name, or a password typed in the wrong field), and the
    /// user's last 20 only.
    async fn keep(&self, event: &Event) -> Result<(), String> {
        let Some(db) = self.0.get() else { return Ok(()) };
        use site_events::dsl as e;
        let username = event.username().to_owned();
        let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let row = (
            e::username.eq(username.clone()),
            e::at.eq(at),
            e::kind.eq(event.kind()),
            e::words.eq(event.to_string().chars().take(512).collect::<String>()),
        );
        let known = cognito_users::table.filter(cognito_users::username.eq(username.clone())).count();
        let older = e::site_events.filter(e::username.eq(username.clone())).order(e::id.desc()).offset(20).limit(1);
        with_conn!(db, |conn| {
            if known.get_result::<i64>(&mut *conn).await.map_err(|e| e.to_string())? == 0 {
                return Ok(());
            }
            diesel::insert_into(e::site_events).values(row).execute(&mut *conn).await.map_err(|e| e.to_string())?;
            let past: Option<i64> =
                older.select(e::id).first(&mut *conn).await.optional().map_err(|e| e.to_string())?;
            if let Some(past) = past {
                let stale = e::site_events.filter(e::username.eq(username.clone())).filter(e::id.le(past));
                diesel::delete(stale).execute(&mut *conn).await.map_err(|e| e.to_string())?;
            }
            Ok(())
        })
    }
}

/// A database pool, as the activity keeps it.
pub struct DbOf(Db);

pub fn sqlite(pool: &SqlitePool) -> DbOf {
    DbOf(Db::Sqlite(pool.clone()))
}

pub fn postgres(pool: &PgPool) -> DbOf {
    DbOf(Db::Pg(pool.clone()))
}

pub fn mysql(pool: &MysqlPool) -> DbOf {
    DbOf(Db::Mysql(pool.clone()))
}

#[rocket::async_trait]
impl EventListener for Activity {
    async fn event(&self, event: Event) {
        if let Err(e) = self.keep(&event).await {
            rocket::warn!("an account event could not be kept: {e}");
        }
    }
}
