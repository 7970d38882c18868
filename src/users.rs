//! From verified tokens to local users: the last step of every login, and the first sight of a
//! Bearer client that never signed in here.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::client::{CognitoClient, UserAttributes};
use crate::error::Error;
use crate::store::{Profile, User, UserStore};
use crate::tokens::{Claims, TokenUse, Tokens, Verifier, VerifyError};

/// A successful login: the verified tokens, what Cognito says of the user, and the local user.
///
/// Keep it in the session cookies with [`Cognito::keep`](crate::Cognito::keep).
///
/// ```no_run
/// # use rocket::post;
/// use rocket_warrant::{Cognito, Error};
///
/// #[post("/login")]
/// async fn login(cognito: &Cognito) -> Result<String, Error> {
///     let login = cognito.login("alice", "Corr3ct-Horse!").await?;
///     // The local row, when the site keeps users (it does unless `Cognito::without_store`).
///     let id = login.user.as_ref().map(|u| u.id);
///     Ok(format!("{} ({id:?}) is in {:?}", login.profile.username, login.access_claims.groups))
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// The user's attributes after `attr_mapping`, keyed by Cognito's canonical username.
    pub profile: Profile,
    /// The local user, created or updated from the profile; `None` when the site keeps no
    /// users ([`Cognito::without_store`](crate::Cognito::without_store)).
    pub user: Option<User>,
    /// The ID, access and refresh tokens.
    pub tokens: Tokens,
    /// The verified claims of the ID token.
    pub id_claims: Arc<Claims>,
    /// The verified claims of the access token.
    pub access_claims: Arc<Claims>,
}

/// Verified tokens in, local users out.
pub(crate) struct Users {
    pub(crate) client: CognitoClient,
    pub(crate) verifier: Verifier,
    pub(crate) store: Option<Arc<dyn UserStore>>,
    mapping: BTreeMap<String, String>,
    create_unknown: bool,
    /// Counts this instance's writes of local rows: a row remembered with a server-side session
    /// is used only while no write happened since (another instance's writes are seen within
    /// the session's memory, as the store's cache sees them).
    writes: std::sync::atomic::AtomicU64,
}

impl Users {
    pub(crate) fn new(
        client: CognitoClient,
        verifier: Verifier,
        store: Option<Arc<dyn UserStore>>,
        mapping: BTreeMap<String, String>,
        create_unknown: bool,
    ) -> Users {
        Users { client, verifier, store, mapping, create_unknown, writes: Default::default() }
    }

    /// Verifies a login's tokens, reads the attributes and saves the local user.
    pub(crate) async fn finish_login(&self, tokens: Tokens) -> Result<Login, Error> {
        let (id_claims, access_claims) = self.verify_pair(&tokens).await?;
        let (profile, user) = self.sync(&tokens.access_token, self.create_unknown).await?;
        Ok(Login { profile, user, tokens, id_claims, access_claims })
    }

    /// Verifies an ID and access token pair, and that both belong to the same user.
    pub(crate) async fn verify_pair(&self, tokens: &Tokens) -> Result<(Arc<Claims>, Arc<Claims>), Error> {
        let id = self.verifier.verify(&tokens.id_token, TokenUse::Id).await?;
        let access = self.verifier.verify(&tokens.access_token, TokenUse::Access).await?;
        if id.sub != access.sub {
            return Err(Error::Token(VerifyError::Mismatched));
        }
        Ok((id, access))
    }

    /// GetUser, `attr_mapping`, and the local row written (created only with `create`). With a
    /// store, a user it would not create is [`Error::NotProvisioned`].
    pub(crate) async fn sync(&self, access_token: &str, create: bool) -> Result<(Profile, Option<User>), Error> {
        let attributes = self.client.get_user(access_token).await?;
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
    pub(crate) async fn local_user(&self, claims: &Claims, access_token: &str) -> Result<User, Error> {
        let store = self.store.as_ref().ok_or(Error::NoStore)?;
        let username = claims.cognito_username().unwrap_or(&claims.sub);
        if let Some(user) = store.find(username).await? {
            refuse_another_sub(&user, &claims.sub)?;
            return Ok(user);
        }
        if !self.create_unknown {
            return Err(Error::NotProvisioned);
        }
        let (_, user) = self.sync(access_token, true).await?;
        user.ok_or(Error::NotProvisioned)
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
