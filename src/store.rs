//! The local users: what a login writes, what a guard reads, and the store that keeps them.

use std::collections::BTreeMap;

use serde::Serialize;

/// The local fields that are columns of the users table; any other mapped name goes to
/// [`User::attributes`].
pub const COLUMNS: [&str; 3] = ["email", "first_name", "last_name"];

/// Local names a mapping may not target: they are the row's own bookkeeping.
pub const RESERVED: [&str; 6] = ["id", "username", "sub", "attributes", "created_at", "updated_at"];

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
    /// # use rocket_warrant::store::User;
    /// let user = User {
    ///     id: 1, username: "alice".into(), sub: "s".into(), email: Some("a@example.com".into()),
    ///     first_name: None, last_name: None,
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

/// What a login knows of a user: the Cognito attributes after `attr_mapping`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    /// The canonical Cognito username (the row's key).
    pub username: String,
    /// The Cognito `sub`.
    pub sub: String,
    /// Local name to value, columns and others alike.
    pub fields: BTreeMap<String, String>,
}

impl Profile {
    /// Maps Cognito attributes through `mapping` (Cognito name to local name); unmapped ones are
    /// dropped, as django-warrant drops them.
    ///
    /// ```
    /// use rocket_warrant::store::Profile;
    ///
    /// let mapping = [("email".to_string(), "email".to_string()),
    ///                ("custom:api_key".to_string(), "api_key".to_string())].into();
    /// let attrs = vec![("sub".into(), "1234".into()), ("email".into(), "a@example.com".into()),
    ///                  ("custom:api_key".into(), "abc".into()), ("gender".into(), "x".into())];
    /// let profile = Profile::from_attributes("alice", &attrs, &mapping);
    /// assert_eq!(profile.sub, "1234");
    /// assert_eq!(profile.fields["api_key"], "abc");
    /// assert!(!profile.fields.contains_key("gender"));
    /// ```
    pub fn from_attributes(
        username: &str,
        attributes: &[(String, String)],
        mapping: &BTreeMap<String, String>,
    ) -> Profile {
        let mut profile = Profile { username: username.to_owned(), ..Profile::default() };
        for (name, value) in attributes {
            if name == "sub" {
                profile.sub = value.clone();
            }
            if let Some(local) = mapping.get(name) {
                profile.fields.insert(local.clone(), value.clone());
            }
        }
        profile
    }

    /// The value of a column field.
    pub fn column(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    /// The mapped fields that are not columns, as the JSON object the row keeps.
    pub fn extra_json(&self) -> String {
        let extra: BTreeMap<_, _> = self.fields.iter().filter(|(k, _)| !COLUMNS.contains(&k.as_str())).collect();
        serde_json::to_string(&extra).unwrap_or_else(|_| "{}".into())
    }
}

/// Why the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No connection could be had (the database is down, or the pool is exhausted).
    #[error("the user database is unavailable: {0}")]
    Unavailable(String),
    /// A query failed.
    #[error("a user database query failed: {0}")]
    Query(String),
}

/// Where local users are kept. Implemented by the crate's [`SqlitePool`](crate::db::SqlitePool)
/// and [`PgPool`](crate::db::PgPool); implement it to keep users elsewhere.
#[rocket::async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates or updates the user of `profile` (`create` false: update only; `None` when absent).
    /// Two concurrent first saves of one user give one row.
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError>;

    /// The user with this Cognito username.
    async fn find(&self, username: &str) -> Result<Option<User>, StoreError>;
}

/// A store with the users it has read or written kept in memory for `ttl`, so that a request
/// costs a map lookup instead of a database round trip. Writes through this store refresh the
/// entry at once; a row changed elsewhere (another instance sharing PostgreSQL) is seen within
/// `ttl`. At most `capacity` users are kept.
pub struct CachedStore {
    inner: std::sync::Arc<dyn UserStore>,
    users: std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, User)>>,
    ttl: std::time::Duration,
    capacity: usize,
}

impl CachedStore {
    /// `inner` behind a cache of `capacity` users kept for `ttl` (a zero `ttl` disables it).
    pub fn new(inner: std::sync::Arc<dyn UserStore>, ttl: std::time::Duration, capacity: usize) -> CachedStore {
        CachedStore { inner, users: Default::default(), ttl, capacity }
    }

    fn remember(&self, user: &User) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let mut users = self.users.write().unwrap_or_else(|e| e.into_inner());
        if users.len() >= self.capacity && !users.contains_key(&user.username) {
            let ttl = self.ttl;
            users.retain(|_, (at, _)| at.elapsed() < ttl);
            if users.len() >= self.capacity {
                users.clear();
            }
        }
        users.insert(user.username.clone(), (std::time::Instant::now(), user.clone()));
    }
}

#[rocket::async_trait]
impl UserStore for CachedStore {
    async fn save(&self, profile: &Profile, create: bool) -> Result<Option<User>, StoreError> {
        let saved = self.inner.save(profile, create).await?;
        match &saved {
            Some(user) => self.remember(user),
            None => {
                self.users.write().unwrap_or_else(|e| e.into_inner()).remove(&profile.username);
            }
        }
        Ok(saved)
    }

    async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        if let Some((at, user)) = self.users.read().unwrap_or_else(|e| e.into_inner()).get(username) {
            if at.elapsed() < self.ttl {
                return Ok(Some(user.clone()));
            }
        }
        let found = self.inner.find(username).await?;
        if let Some(user) = &found {
            self.remember(user);
        }
        Ok(found)
    }
}
