//! The queries a store needs (users, then server-side sessions), written once and expanded for each connection type
//! (Diesel's async query traits are easier to satisfy per concrete connection than generically).

/// The store's two queries on one connection type.
#[rocket::async_trait]
pub(crate) trait UserQueries {
    /// Upserts (`create`) or updates a user, returning the row.
    async fn save_user(
        &mut self,
        changes: &super::models::UserChanges,
        create: bool,
    ) -> diesel::QueryResult<Option<super::models::UserRow>>;

    /// The row of a username.
    async fn find_user(&mut self, name: &str) -> diesel::QueryResult<Option<super::models::UserRow>>;

    /// Deletes the row of a username; whether there was one.
    async fn delete_user(&mut self, name: &str) -> diesel::QueryResult<bool>;
}

/// The server-side sessions' queries on one connection type (see
/// [`SessionStore`](crate::store::SessionStore) for what each does).
#[rocket::async_trait]
pub(crate) trait SessionQueries {
    async fn insert_session(&mut self, row: &super::models::SessionRow) -> diesel::QueryResult<()>;
    async fn find_session(&mut self, id: &str) -> diesel::QueryResult<Option<super::models::SessionRow>>;
    async fn update_session(&mut self, row: &super::models::SessionRow) -> diesel::QueryResult<bool>;
    async fn remove_session(&mut self, id: &str) -> diesel::QueryResult<bool>;
    async fn list_sessions(&mut self, username: &str) -> diesel::QueryResult<Vec<super::models::SessionRow>>;
    async fn remove_user_sessions(&mut self, username: &str) -> diesel::QueryResult<u64>;
    async fn purge_sessions(&mut self, now: i64) -> diesel::QueryResult<u64>;
    async fn insert_revocation(&mut self, row: &super::models::RevocationRow) -> diesel::QueryResult<()>;
    async fn revocations_since(
        &mut self,
        since: i64,
        now: i64,
    ) -> diesel::QueryResult<Vec<super::models::RevocationRow>>;
    async fn count_attempt(&mut self, key: &str, start: i64, end: i64) -> diesel::QueryResult<i64>;
    async fn purge_attempts(&mut self, now: i64) -> diesel::QueryResult<u64>;
}

/// A count read back from the attempts' upsert.
#[derive(diesel::QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) attempts: i64,
}

/// Implements [`UserQueries`] and [`SessionQueries`] for `$conn`; `$conflict` is the upsert's conflict target (the
/// username column, or MySQL's `DuplicatedKeys`), `$revoke` the backend's revocation upsert (its three binds:
/// key, revoked at, expires at), in which a later revocation of a key wins; `$attempt` the attempts' upsert (key,
/// window start, window end), returning the count unless `$attempt_read` reads it back after.
macro_rules! user_queries {
    ($conn:ty, $conflict:expr, $revoke:expr, $attempt:expr, $attempt_read:expr) => {
        #[rocket::async_trait]
        impl $crate::store::sql::queries::UserQueries for $conn {
            async fn save_user(
                &mut self,
                changes: &$crate::store::sql::models::UserChanges,
                create: bool,
            ) -> diesel::QueryResult<Option<$crate::store::sql::models::UserRow>> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_users::dsl::*;
                if create {
                    // One statement, so two first logins of one user at once give one row.
                    diesel::insert_into(cognito_users)
                        .values((changes, created_at.eq(changes.updated_at)))
                        .on_conflict($conflict)
                        .do_update()
                        .set(changes)
                        .execute(self)
                        .await?;
                } else {
                    let updated = diesel::update(cognito_users.filter(username.eq(&changes.username)))
                        .set(changes)
                        .execute(self)
                        .await?;
                    if updated == 0 {
                        return Ok(None);
                    }
                }
                $crate::store::sql::queries::UserQueries::find_user(self, &changes.username).await
            }

            async fn find_user(
                &mut self,
                name: &str,
            ) -> diesel::QueryResult<Option<$crate::store::sql::models::UserRow>> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_users::dsl::*;
                cognito_users
                    .filter(username.eq(name))
                    .select($crate::store::sql::models::UserRow::as_select())
                    .first(self)
                    .await
                    .optional()
            }

            async fn delete_user(&mut self, name: &str) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_users::dsl::*;
                Ok(diesel::delete(cognito_users.filter(username.eq(name))).execute(self).await? > 0)
            }
        }

        #[rocket::async_trait]
        impl $crate::store::sql::queries::SessionQueries for $conn {
            async fn insert_session(
                &mut self,
                row: &$crate::store::sql::models::SessionRow,
            ) -> diesel::QueryResult<()> {
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                diesel::insert_into(cognito_sessions).values(row).execute(self).await.map(drop)
            }

            async fn find_session(
                &mut self,
                key: &str,
            ) -> diesel::QueryResult<Option<$crate::store::sql::models::SessionRow>> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                cognito_sessions
                    .filter(id.eq(key))
                    .select($crate::store::sql::models::SessionRow::as_select())
                    .first(self)
                    .await
                    .optional()
            }

            async fn update_session(
                &mut self,
                row: &$crate::store::sql::models::SessionRow,
            ) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                // Only over the version the writer read: a concurrent refresh is never lost unseen.
                let updated =
                    diesel::update(cognito_sessions.filter(id.eq(&row.id)).filter(version.eq(row.version - 1)))
                        .set((tokens.eq(&row.tokens), refreshed_at.eq(row.refreshed_at), version.eq(row.version)))
                        .execute(self)
                        .await?;
                Ok(updated == 1)
            }

            async fn remove_session(&mut self, key: &str) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                Ok(diesel::delete(cognito_sessions.filter(id.eq(key))).execute(self).await? > 0)
            }

            async fn list_sessions(
                &mut self,
                name: &str,
            ) -> diesel::QueryResult<Vec<$crate::store::sql::models::SessionRow>> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                cognito_sessions
                    .filter(username.eq(name))
                    .order((created_at.asc(), id.asc()))
                    .select($crate::store::sql::models::SessionRow::as_select())
                    .load(self)
                    .await
            }

            async fn remove_user_sessions(&mut self, name: &str) -> diesel::QueryResult<u64> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                Ok(diesel::delete(cognito_sessions.filter(username.eq(name))).execute(self).await? as u64)
            }

            async fn purge_sessions(&mut self, now: i64) -> diesel::QueryResult<u64> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_sessions::dsl::*;
                let purged = diesel::delete(cognito_sessions.filter(expires_at.le(now))).execute(self).await? as u64;
                {
                    use $crate::store::sql::schema::cognito_revocations::dsl as r;
                    diesel::delete(r::cognito_revocations.filter(r::expires_at.le(now))).execute(self).await?;
                    use $crate::store::sql::schema::cognito_attempts::dsl as a;
                    diesel::delete(a::cognito_attempts.filter(a::window_end.le(now))).execute(self).await?;
                }
                Ok(purged)
            }

            async fn insert_revocation(
                &mut self,
                row: &$crate::store::sql::models::RevocationRow,
            ) -> diesel::QueryResult<()> {
                use diesel::sql_types::{BigInt, Text};
                use diesel_async::RunQueryDsl;
                // Revoked already (another instance, or a second sign-out everywhere): the later
                // instant and the later lapse win, and the row's new `revoked_at` makes the other
                // instances read it again.
                diesel::sql_query($revoke)
                    .bind::<Text, _>(&row.token_key)
                    .bind::<BigInt, _>(row.revoked_at)
                    .bind::<BigInt, _>(row.expires_at)
                    .execute(self)
                    .await
                    .map(drop)
            }

            async fn revocations_since(
                &mut self,
                since: i64,
                now: i64,
            ) -> diesel::QueryResult<Vec<$crate::store::sql::models::RevocationRow>> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_revocations::dsl::*;
                cognito_revocations
                    .filter(revoked_at.ge(since))
                    .filter(expires_at.gt(now))
                    .select($crate::store::sql::models::RevocationRow::as_select())
                    .load(self)
                    .await
            }

            async fn purge_attempts(&mut self, now: i64) -> diesel::QueryResult<u64> {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::schema::cognito_attempts::dsl as a;
                Ok(diesel::delete(a::cognito_attempts.filter(a::window_end.le(now))).execute(self).await? as u64)
            }

            async fn count_attempt(&mut self, key: &str, start: i64, end: i64) -> diesel::QueryResult<i64> {
                use diesel::sql_types::{BigInt, Text};
                use diesel_async::RunQueryDsl;
                use $crate::store::sql::queries::Count;
                let upsert =
                    diesel::sql_query($attempt).bind::<Text, _>(key).bind::<BigInt, _>(start).bind::<BigInt, _>(end);
                let read_back: Option<&str> = $attempt_read;
                match read_back {
                    None => upsert.get_result::<Count>(self).await.map(|c| c.attempts),
                    Some(read) => {
                        upsert.execute(self).await?;
                        diesel::sql_query(read).get_result::<Count>(self).await.map(|c| c.attempts)
                    }
                }
            }
        }
    };
}

pub(crate) use user_queries;
