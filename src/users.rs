//! From verified tokens to local users: the last step of every sign-in, and the first sight of a
//! Bearer client that never signed in here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{CognitoClient, UserAttributes};
use crate::error::Error;
use crate::store::{Profile, User, UserStore};
use crate::tokens::Claims;

/// The local users: where they are kept, how Cognito's attributes map onto them.
pub(crate) struct Users {
    pub(crate) store: Option<Arc<dyn UserStore>>,
    mapping: BTreeMap<String, String>,
    create_unknown: bool,
    /// How long a session may remember its row (the store's own cache time; none for a custom
    /// store, used as given).
    pub(crate) row_ttl: Duration,
    /// Counts this instance's writes of local rows: a row remembered with a session is used only
    /// while no write happened since (another instance's writes are seen within the session's
    /// memory, as the store's cache sees them).
    writes: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").field("keeps_users", &self.store.is_some()).finish_non_exhaustive()
    }
}

impl Users {
    pub(crate) fn new(
        store: Option<Arc<dyn UserStore>>,
        mapping: BTreeMap<String, String>,
        create_unknown: bool,
        row_ttl: Duration,
    ) -> Users {
        Users { store, mapping, create_unknown, row_ttl, writes: Default::default() }
    }

    /// Whether users without a row get one (`create_unknown_users`).
    pub(crate) fn creates_unknown(&self) -> bool {
        self.create_unknown
    }

    /// GetUser, `attr_mapping`, and the local row written (created only with `create`). With a
    /// store, a user it would not create is [`Error::NotProvisioned`].
    pub(crate) async fn sync(
        &self,
        client: &CognitoClient,
        access_token: &str,
        create: bool,
    ) -> Result<(Profile, Option<User>), Error> {
        let attributes = client.get_user(access_token).await?;
        let profile = self.profile(&attributes);
        let Some(store) = &self.store else {
            return Ok((profile, None));
        };
        // Rows are bound to the `sub`: a username Cognito gave again to a new user never hands
        // that user the old row.
        if let Some(existing) = store.find(&profile.username).await? {
            refuse_another_sub(&existing, &profile.sub)?;
        }
        let user = store.save(&profile, create).await;
        self.writes.fetch_add(1, std::sync::atomic::Ordering::Release);
        let user = user?.ok_or(Error::NotProvisioned)?;
        Ok((profile, Some(user)))
    }

    /// The local row of a verified token's user; created from GetUser on first sight (a Bearer
    /// client that never logged in here) when `create_unknown_users` is on.
    pub(crate) async fn local_user(
        &self,
        client: &CognitoClient,
        claims: &Claims,
        access_token: &str,
    ) -> Result<User, Error> {
        let store = self.store.as_ref().ok_or(Error::NoStore)?;
        // Only a user has a row (the guards refuse a machine client's token before this).
        let username = claims.cognito_username().ok_or(Error::MachineClient)?;
        if let Some(user) = store.find(username).await? {
            refuse_another_sub(&user, &claims.sub)?;
            return Ok(user);
        }
        // Cognito refuses GetUser for a token without the admin scope (a managed-login token of
        // another app client, say): no row can be made from it.
        let scopes = claims.scope.as_deref().unwrap_or_default();
        if !scopes.split(' ').any(|s| s == crate::config::ADMIN_SCOPE) {
            log::info!(
                "rocket_warrant: {username:?} has no local row, and the access token lacks the scope {} that \
                 Cognito's GetUser needs to make one: 403 (its sign-in must ask for that scope)",
                crate::config::ADMIN_SCOPE
            );
            return Err(Error::NotProvisioned);
        }
        if !self.create_unknown {
            log::info!(
                "rocket_warrant: {username:?} has no local row and create_unknown_users is off: 403 (provision the \
                 row first, in tests with TestUser::profile)"
            );
            return Err(Error::NotProvisioned);
        }
        let (_, user) = self.sync(client, access_token, true).await.inspect_err(|e| {
            log::warn!(
                "rocket_warrant: {username:?} has no local row, and making one from Cognito's GetUser failed ({e}) \
                 (in an application's tests: save TestUser::profile in the store first)"
            )
        })?;
        user.ok_or(Error::NotProvisioned)
    }

    /// Whether a deleted account's row can go too: no store, or one that deletes.
    pub(crate) fn can_delete(&self) -> bool {
        self.store.as_ref().is_none_or(|store| store.deletes())
    }

    /// Deletes the local row of `username`, if the site keeps users.
    pub(crate) async fn delete(&self, username: &str) -> Result<(), Error> {
        if let Some(store) = &self.store {
            store.delete(username).await?;
            // Sessions that remember the row read it again.
            self.writes.fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        Ok(())
    }

    /// The count of this instance's row writes so far.
    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keyed by Cognito's canonical username, not what was typed (an email alias, say).
    fn profile(&self, attributes: &UserAttributes) -> Profile {
        Profile::from_attributes(&attributes.username, &attributes.attributes, &self.mapping)
    }
}

/// [`Error::UsernameReused`] when `user` is another Cognito user's row than `sub`'s (a row
/// without a `sub`, from before the crate kept one, is taken as this user's).
fn refuse_another_sub(user: &User, sub: &str) -> Result<(), Error> {
    if user.sub.is_empty() || user.sub == sub {
        return Ok(());
    }
    log::warn!(
        "rocket_warrant: the local user {:?} belongs to an earlier Cognito user of that username; refused",
        user.username
    );
    Err(Error::UsernameReused { username: user.username.clone() })
}
