//! The test pool's Cognito, in the process (feature `testing`): what an application's tests need
//! of Cognito after a session has started, with no network. It refreshes the tokens
//! [`TestUser`](crate::testing::TestUser) issued (as an app client without refresh-token rotation does), revokes them (RevokeToken),
//! signs a user out everywhere (GlobalSignOut), answers GetUser with the user's attributes and
//! describes its app client. Signing in takes a password it does not know: a test starts a
//! session with `TestUser::session_on` or `TestPool::session_cookies` instead.
//!
//! Its state is the process's, as a user pool is shared by every site that uses it: two test
//! sites on one [`TestPool`](crate::testing::TestPool) see each other's revocations. It lives
//! beside the client that calls it and knows users only by name: the testing module registers
//! what it issues, with a way to sign fresh tokens for a refresh.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;

use super::facts::ClientFacts;
use super::session::UserAttributes;
use crate::error::{Error, ServiceError};
use crate::tokens::Tokens;

/// The `endpoint_url` of [`TestPool::settings`](crate::testing::TestPool::settings): the in-process
/// Cognito. A `.invalid` name (RFC 2606), so that nothing can ever answer it on the network.
pub(crate) const ENDPOINT: &str = "http://cognito.rocket-warrant.invalid";

/// Signs an ID token and an access token for one user, valid for the seconds given.
pub(crate) type Mint = Arc<dyn Fn(i64) -> (String, String) + Send + Sync>;

/// A refresh token as issued.
struct Issued {
    username: String,
    client_id: String,
    /// Unix milliseconds.
    at: i64,
    mint: Mint,
}

#[derive(Default)]
struct Pool {
    issued: HashMap<String, Issued>,
    /// Each user's email as their tokens were last signed, for GetUser.
    emails: HashMap<String, String>,
    revoked: HashSet<String>,
    /// When each user was signed out everywhere.
    signed_out: HashMap<String, i64>,
}

/// The pools by id.
static POOLS: LazyLock<Mutex<HashMap<String, Pool>>> = LazyLock::new(Default::default);

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Notes the user an access token was signed for, so that GetUser describes them.
pub(crate) fn signed_for(pool_id: &str, username: &str, email: &str) {
    let mut pools = POOLS.lock();
    pools.entry(pool_id.to_owned()).or_default().emails.insert(username.to_owned(), email.to_owned());
}

/// Notes a refresh token issued to a user of an app client, so that the pool refreshes it with
/// tokens from `mint`.
pub(crate) fn issued(pool_id: &str, client_id: &str, username: &str, refresh_token: &str, mint: Mint) {
    let issued = Issued { username: username.to_owned(), client_id: client_id.to_owned(), at: now_ms(), mint };
    POOLS.lock().entry(pool_id.to_owned()).or_default().issued.insert(refresh_token.to_owned(), issued);
}

/// The claims of a token this pool issued, unverified (the crate verified it before calling).
fn claims(token: &str) -> Option<serde_json::Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Where a token's pool id is: the end of its issuer.
fn pool_of(claims: &serde_json::Value) -> Option<String> {
    Some(claims["iss"].as_str()?.rsplit('/').next()?.to_owned())
}

/// The in-process Cognito of one app client.
#[derive(Debug, Clone)]
pub(crate) struct OfflineCognito {
    pool_id: String,
    client_id: String,
}

impl OfflineCognito {
    pub(crate) fn new(pool_id: &str, client_id: &str) -> OfflineCognito {
        OfflineCognito { pool_id: pool_id.to_owned(), client_id: client_id.to_owned() }
    }

    /// Sign-in needs a password this pool does not have.
    pub(crate) fn sign_in(&self) -> Error {
        Error::Unavailable(ServiceError::new(
            "the test pool's Cognito signs no one in: start a session with TestUser::session_on or \
             TestPool::session_cookies",
        ))
    }

    /// GetTokensFromRefreshToken: new ID and access tokens for a live refresh token of this app
    /// client, the refresh token unchanged (no rotation); `NotAuthorizedException`
    /// ([`Error::SessionExpired`]) for one revoked, signed out or never issued.
    pub(crate) fn refresh(&self, refresh_token: &str) -> Result<Tokens, Error> {
        let mint = {
            let pools = POOLS.lock();
            let pool = pools.get(&self.pool_id).ok_or(Error::SessionExpired)?;
            let issued = pool.issued.get(refresh_token).ok_or(Error::SessionExpired)?;
            let signed_out = pool.signed_out.get(&issued.username).is_some_and(|at| *at >= issued.at);
            if pool.revoked.contains(refresh_token) || signed_out || issued.client_id != self.client_id {
                return Err(Error::SessionExpired);
            }
            issued.mint.clone()
        };
        // The lock is released first: signing the new tokens notes their user in the pool. A
        // refreshed token lives as the pool's access tokens do, whatever the first one did.
        let (id_token, access_token) = mint(3600);
        Ok(Tokens { id_token, access_token, refresh_token: refresh_token.to_owned() })
    }

    /// RevokeToken: the refresh token refreshes no more; `UnsupportedTokenTypeException`
    /// ([`Error::SessionExpired`]) for one this app client never issued.
    pub(crate) fn revoke(&self, refresh_token: &str) -> Result<(), Error> {
        let mut pools = POOLS.lock();
        let pool = pools.get_mut(&self.pool_id).ok_or(Error::SessionExpired)?;
        match pool.issued.get(refresh_token) {
            Some(issued) if issued.client_id == self.client_id => {
                pool.revoked.insert(refresh_token.to_owned());
                Ok(())
            }
            _ => Err(Error::SessionExpired),
        }
    }

    /// GlobalSignOut: every refresh token the user holds refreshes no more.
    pub(crate) fn global_sign_out(&self, access_token: &str) -> Result<(), Error> {
        let claims = claims(access_token).ok_or(Error::SessionExpired)?;
        let username = claims["username"].as_str().ok_or(Error::SessionExpired)?;
        let pool = pool_of(&claims).ok_or(Error::SessionExpired)?;
        POOLS.lock().entry(pool).or_default().signed_out.insert(username.to_owned(), now_ms());
        Ok(())
    }

    /// GetUser: the user's `sub`, email and its verification, as their tokens were issued.
    pub(crate) fn get_user(&self, access_token: &str) -> Result<UserAttributes, Error> {
        let claims = claims(access_token).ok_or(Error::SessionExpired)?;
        let username = claims["username"].as_str().ok_or(Error::SessionExpired)?.to_owned();
        let mut attributes = vec![("sub".to_owned(), claims["sub"].as_str().unwrap_or_default().to_owned())];
        let pools = POOLS.lock();
        if let Some(email) = pool_of(&claims).and_then(|id| pools.get(&id)?.emails.get(&username)) {
            attributes.push(("email".to_owned(), email.clone()));
            attributes.push(("email_verified".to_owned(), "true".to_owned()));
        }
        Ok(UserAttributes { username, attributes })
    }

    /// DescribeUserPoolClient: token revocation on, user-existence errors prevented, refresh
    /// tokens valid for 30 days (Cognito's defaults for a new app client).
    pub(crate) fn describe(&self) -> ClientFacts {
        ClientFacts {
            prevents_user_existence_errors: Some(true),
            token_revocation: Some(true),
            refresh_token_validity: Some(Duration::from_secs(30 * 24 * 3600)),
            ..ClientFacts::default()
        }
    }
}
