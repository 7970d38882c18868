//! `AnyPoolClaims`: a verified access token of this site's pool or of any of `other_pools`, user
//! or machine, each told by its pool.

use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::{fail, token_accessors, CognitoClaims};
use crate::cognito::{missing_fairing, Cognito};
use crate::error::AuthError;
use crate::session::Credentials;

/// The verified access token of a user or machine client of any user pool the site accepts:
/// `user_pool_id`, or one of `other_pools` (a tenant's pool, say). The explicit choice of a
/// route that serves other pools: [`CognitoClaims`], [`CognitoUser`](crate::CognitoUser),
/// [`Member`](crate::Member) and [`Scope`](crate::Scope) take the home pool's tokens only.
///
/// A username, a group and a scope mean something only within their pool: two pools may each
/// have a `bob`, an `admin` group and an `orders/read` scope. So a user is named with their
/// pool ([`user`](AnyPoolClaims::user)), and groups and scopes are asked of one pool by name
/// ([`in_group`](AnyPoolClaims::in_group), [`has_scope`](AnyPoolClaims::has_scope)).
///
/// # Outcomes
///
/// - **Success**: the token verified against its own pool's keys, issuer and app clients.
/// - **Error** 401 ([`AuthError::Missing`], [`AuthError::Invalid`], [`AuthError::SessionEnded`]),
///   503 ([`AuthError::Unavailable`]): as for [`CognitoClaims`].
///
/// ```no_run
/// # use rocket::get;
/// use rocket_warrant::AnyPoolClaims;
///
/// const TENANT: &str = "eu-west-1_Tenant123";
///
/// #[get("/reports")]
/// fn reports(caller: AnyPoolClaims) -> String {
///     match caller.user() {
///         Some((pool, username)) if caller.in_group(TENANT, "auditors") => format!("{username} of {pool}, auditor"),
///         Some((pool, username)) => format!("{username} of {pool}"),
///         None => format!("the machine client {} of {}", caller.client_id(), caller.pool_id()),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct AnyPoolClaims {
    credentials: Arc<Credentials>,
    home: bool,
}

impl std::fmt::Debug for AnyPoolClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnyPoolClaims")
            .field("pool_id", &self.pool_id())
            .field("username", &self.user().map(|(_, u)| u))
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

impl AnyPoolClaims {
    /// The user pool the token came from: `user_pool_id`, or one of `other_pools`.
    pub fn pool_id(&self) -> &str {
        let iss = &self.credentials.claims.iss;
        iss.rsplit('/').next().unwrap_or(iss)
    }

    /// Whether the token is of this site's own pool (`user_pool_id`).
    pub fn is_home(&self) -> bool {
        self.home
    }

    /// The token's user with their pool, `(pool_id, username)`; `None` for a machine client's
    /// token (the client-credentials grant), which names no user.
    pub fn user(&self) -> Option<(&str, &str)> {
        Some((self.pool_id(), self.credentials.claims.cognito_username()?))
    }

    /// Whether the token is a machine client's: no user, only the client and its scopes.
    pub fn is_machine(&self) -> bool {
        self.credentials.claims.cognito_username().is_none()
    }

    /// The Cognito groups of the token's user, in its own pool ([`pool_id`](AnyPoolClaims::pool_id)).
    pub fn groups(&self) -> &[String] {
        &self.credentials.claims.groups
    }

    /// Whether the token's user is in the group `group` of the pool `pool_id`.
    pub fn in_group(&self, pool_id: &str, group: &str) -> bool {
        self.pool_id() == pool_id && self.groups().iter().any(|g| g == group)
    }

    /// Whether the token carries the OAuth scope `scope` (compared whole) of the pool `pool_id`.
    pub fn has_scope(&self, pool_id: &str, scope: &str) -> bool {
        self.pool_id() == pool_id && self.scopes().any(|s| s == scope)
    }

    /// The claims as [`CognitoClaims`] holds them, for a user of the home pool only.
    pub fn home_user(&self) -> Option<CognitoClaims> {
        (self.home && !self.is_machine()).then(|| CognitoClaims(self.credentials.clone()))
    }

    token_accessors!(credentials);
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AnyPoolClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        match &cognito.sessions().authenticate(cognito.shared(), req).await.result {
            Ok(credentials) => {
                let home = cognito.shared().is_home(&credentials.claims);
                Outcome::Success(AnyPoolClaims { credentials: credentials.clone(), home })
            }
            Err(e) => fail(e),
        }
    }
}

impl Sentinel for AnyPoolClaims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
