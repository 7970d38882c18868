//! The two queries a store needs, written once and expanded for each connection type
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
}

/// Implements [`UserQueries`] for `$conn`; `$conflict` is the upsert's conflict target (the
/// username column, or MySQL's `DuplicatedKeys`).
macro_rules! user_queries {
    ($conn:ty, $conflict:expr) => {
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
        }
    };
}

pub(crate) use user_queries;
