//! Rows of the users table as Diesel reads and writes them.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::schema::cognito_users;
use crate::store::{Profile, User};

/// A row as read; the fields are the columns of `cognito_users`.
#[allow(missing_docs)]
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cognito_users)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) email: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) attributes: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) email_verified: bool,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        let attributes: BTreeMap<String, String> = serde_json::from_str(&row.attributes).unwrap_or_else(|e| {
            log::warn!("rocket_warrant: user {}: unreadable attributes column: {e}", row.id);
            BTreeMap::new()
        });
        User {
            id: row.id,
            username: row.username,
            sub: row.sub,
            email: row.email,
            email_verified: row.email_verified,
            first_name: row.first_name,
            last_name: row.last_name,
            attributes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What a login writes: every mapped field, `None` clearing a column Cognito no longer has.
#[allow(missing_docs)]
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = cognito_users, treat_none_as_null = true)]
pub(crate) struct UserChanges {
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) email: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) attributes: String,
    pub(crate) updated_at: i64,
    pub(crate) email_verified: bool,
}

impl UserChanges {
    /// The row of `profile` as of `now`.
    pub(crate) fn new(profile: &Profile, now: i64) -> UserChanges {
        UserChanges {
            username: profile.username.clone(),
            sub: profile.sub.clone(),
            email: profile.column("email"),
            first_name: profile.column("first_name"),
            last_name: profile.column("last_name"),
            attributes: profile.extra_json(),
            updated_at: now,
            email_verified: profile.email_verified,
        }
    }
}

/// A row of `cognito_sessions`, read and written whole.
#[allow(missing_docs)]
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::cognito_sessions)]
pub(crate) struct SessionRow {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) tokens: String,
    pub(crate) created_at: i64,
    pub(crate) refreshed_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) version: i64,
    pub(crate) factors: i64,
    pub(crate) browser: Option<String>,
    pub(crate) address: Option<String>,
}

impl From<SessionRow> for crate::store::SessionRecord {
    fn from(r: SessionRow) -> Self {
        crate::store::SessionRecord {
            id: r.id,
            username: r.username,
            tokens: r.tokens,
            created_at: r.created_at,
            refreshed_at: r.refreshed_at,
            expires_at: r.expires_at,
            version: r.version,
            // Bits of a later version's factors are dropped, not an error.
            factors: crate::proof::Factors::from_bits(r.factors),
            browser: r.browser,
            address: r.address,
        }
    }
}

impl From<&crate::store::SessionRecord> for SessionRow {
    fn from(r: &crate::store::SessionRecord) -> Self {
        SessionRow {
            id: r.id.clone(),
            username: r.username.clone(),
            tokens: r.tokens.clone(),
            created_at: r.created_at,
            refreshed_at: r.refreshed_at,
            expires_at: r.expires_at,
            version: r.version,
            factors: i64::from(r.factors.bits()),
            browser: r.browser.clone(),
            address: r.address.clone(),
        }
    }
}

/// A row of `cognito_revocations`.
#[allow(missing_docs)]
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::cognito_revocations)]
pub(crate) struct RevocationRow {
    pub(crate) token_key: String,
    pub(crate) revoked_at: i64,
    pub(crate) expires_at: i64,
}

impl TryFrom<RevocationRow> for crate::store::Revocation {
    type Error = String;

    fn try_from(r: RevocationRow) -> Result<Self, Self::Error> {
        Ok(crate::store::Revocation { key: r.token_key.parse()?, revoked_at: r.revoked_at, expires_at: r.expires_at })
    }
}

impl From<&crate::store::Revocation> for RevocationRow {
    fn from(r: &crate::store::Revocation) -> Self {
        RevocationRow { token_key: r.key.to_string(), revoked_at: r.revoked_at, expires_at: r.expires_at }
    }
}
