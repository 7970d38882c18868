//! The local users: what a login writes, what a guard reads, and the stores that keep them.

use std::collections::BTreeMap;

use serde::Serialize;

mod attempts;
mod cached;
mod memory;
mod revocation;
mod sessions;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sql;

pub use attempts::AttemptStore;
pub use cached::CachedStore;
pub use memory::MemoryStore;
pub use revocation::{Revocation, RevocationKey};
pub use sessions::{SessionInfo, SessionRecord, SessionStore};
#[cfg(feature = "mysql")]
pub use sql::MysqlPool;
#[cfg(feature = "postgres")]
pub use sql::PgPool;
#[cfg(feature = "sqlite")]
pub use sql::SqlitePool;

/// The local fields that are columns of the users table; any other mapped name goes to
/// [`User::attributes`].
pub(crate) const COLUMNS: [&str; 3] = ["email", "first_name", "last_name"];

/// A local user row, keyed by the Cognito username (which never changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The local id; stable across logins.
    pub id: i64,
    /// The canonical Cognito username.
    pub username: String,
    /// The Cognito `sub`.
    pub sub: String,
    /// Mapped to `email` by default.
    pub email: Option<String>,
    /// Whether Cognito verified the user's email (its `email_verified` attribute, as the last
    /// sign-in or sync read it): an address is the user's only when this is true.
    pub email_verified: bool,
    /// Mapped from `given_name` by default.
    pub first_name: Option<String>,
    /// Mapped from `family_name` by default.
    pub last_name: Option<String>,
    /// Every other mapped attribute, by local name (e.g. `api_key` from `custom:api_key`).
    pub attributes: BTreeMap<String, String>,
    /// First login, seconds since the epoch.
    pub created_at: i64,
    /// Last login that updated the row, seconds since the epoch.
    pub updated_at: i64,
}

impl User {
    /// A mapped field by its local name, whether a column or kept in [`User::attributes`].
    ///
    /// ```
    /// # use rocket_warrant::stores::User;
    /// let user = User {
    ///     id: 1, username: "alice".into(), sub: "s".into(), email: Some("a@example.com".into()),
    ///     email_verified: true, first_name: None, last_name: None,
    ///     attributes: [("api_key".to_string(), "abcdefg".to_string())].into(),
    ///     created_at: 0, updated_at: 0,
    /// };
    /// assert_eq!(user.field("email"), Some("a@example.com"));
    /// assert_eq!(user.field("api_key"), Some("abcdefg"));
    /// assert_eq!(user.field("last_name"), None);
    /// ```
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "username" => Some(&self.username),
            "sub" => Some(&self.sub),
            "email" => self.email.as_deref(),
            "first_name" => self.first_name.as_deref(),
            "last_name" => self.last_name.as_deref(),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// What a login knows of a user: the Cognito attributes after `attr_mapping`. A
/// [`UserStore`] saves it as a [`User`].
///
/// ```
/// use rocket_warrant::stores::Profile;
///
/// let mut profile = Profile { username: "alice".into(), sub: "0b5e".into(), ..Default::default() };
/// profile.fields.insert("email".into(), "alice@example.com".into());
/// assert_eq!(profile.fields["email"], "alice@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    /// The canonical Cognito username (the row's key).
    pub username: String,
    /// The Cognito `sub`.
    pub sub: String,
    /// Whether Cognito verified the email (the `email_verified` attribute), mapped or not.
    pub email_verified: bool,
    /// Local name to value, columns and others alike.
    pub fields: BTreeMap<String, String>,
}

impl Profile {
    /// Maps Cognito attributes through `mapping` (Cognito name to local name); unmapped ones are
    /// dropped, as django-warrant drops them.
    pub(crate) fn from_attributes(
        username: &str,
        attributes: &[(String, String)],
        mapping: &BTreeMap<String, String>,
    ) -> Profile {
        let mut profile = Profile { username: username.to_owned(), ..Profile::default() };
        for (name, value) in attributes {
            match name.as_str() {
                "sub" => profile.sub = value.clone(),
                "email_verified" => profile.email_verified = value == "true",
                _ => {}
            }
            if let Some(local) = mapping.get(name) {
                profile.fields.insert(local.clone(), value.clone());
            }
        }
        profile
    }

    /// The value of a column field.
    pub(crate) fn column(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    /// The mapped fields that are not columns, as the JSON object the row keeps.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    pub(crate) fn extra_json(&self) -> String {
        let extra: BTreeMap<_, _> = self.fields.iter().filter(|(k, _)| !COLUMNS.contains(&k.as_str())).collect();
        serde_json::to_string(&extra).unwrap_or_else(|_| "{}".into())
    }
}

/// Why the store failed.
///
/// ```
/// use rocket_warrant::stores::StoreError;
/// let e = StoreError::Unavailable("connection refused".into());
/// assert_eq!(e.to_string(), "the user database is unavailable: connection refused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No connection could be had (the database is down, or the pool is exhausted).
    #[error("the user database is unavailable: {0}")]
    Unavailable(String),
    /// A query failed.
    #[error("a user database query failed: {0}")]
    Query(String),
    /// The database could not be set up at ignite: a URL of the wrong kind, or a migration
    /// that failed.
    #[error("the user database could not be set up: {0}")]
    Init(String),
}

/// Where local users are kept.
///
/// The crate ships [`SqlitePool`], [`PgPool`] and [`MysqlPool`] (Diesel, through
/// rocket_db_pools), [`MemoryStore`], and [`CachedStore`] to put in front of any of them.
/// Implement it to keep users anywhere else, and hand it to
/// [`Cognito::custom`](crate::Cognito::custom).
///
/// ```
/// use rocket_warrant::stores::{Profile, StoreError, User, UserStore};
///
/// /// Users in an application's own service.
/// struct Directory;
///
/// #[rocket::async_trait]
/// impl UserStore for Directory {
///     async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
///         // Create (when `create`) or update the user, and return it as stored.
///         # let _ = (profile, create);
///         # unimplemented!()
///     }
///
///     async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
///         # let _ = username;
///         # unimplemented!()
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates or updates the user of `profile`, returning the user as stored; with `create`
    /// false only an existing user is updated, and `None` says there was none. Two concurrent
    /// first saves of one user must give one user.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails.
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError>;

    /// The user with this Cognito username.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the read fails.
    async fn find(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Deletes the user with this Cognito username (after they deleted their account:
    /// [`Cognito::delete_account`](crate::Cognito::delete_account)); whether there was one. The
    /// crate's stores all delete; a store of an application's own that does not implement this
    /// refuses, so that no account is deleted at Cognito while its row is silently kept.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or the write fails, and
    /// [`StoreError::Query`] from a store that does not delete.
    async fn delete(&self, username: &str) -> Result<bool, StoreError> {
        Err(StoreError::Query(format!("this user store cannot delete users ({username:?} kept)")))
    }

    /// Whether [`UserStore::delete`] deletes: asked before an account is deleted at Cognito, so
    /// that a store that cannot never leaves a row behind a deleted account. Implement it (to
    /// return true) with `delete`.
    fn deletes(&self) -> bool {
        false
    }
}

#[rocket::async_trait]
impl<S: UserStore + ?Sized> UserStore for std::sync::Arc<S> {
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
        (**self).save(profile, create).await
    }

    async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        (**self).find(username).await
    }

    async fn delete(&self, username: &str) -> Result<bool, StoreError> {
        (**self).delete(username).await
    }

    fn deletes(&self) -> bool {
        (**self).deletes()
    }
}
