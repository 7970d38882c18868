//! `CognitoClaims` and `CognitoUser`: the verified user of a request.

use std::fmt;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::cognito::{missing_fairing, missing_store, Cognito};
use crate::error::AuthError;
use crate::session::Credentials;
use crate::store::User;

/// A request's verified access-token claims, without the local user row: for routes that need
/// only who the user is, with no database round trip. It works with every fairing, store-free
/// ones included.
///
/// Credentials come from `Authorization: Bearer <access token>` when that header is present,
/// else from the session cookies that [`Cognito::keep`] set; an expired access token with a
/// refresh cookie is refreshed (the response carries the new cookies) and the request goes on.
///
/// # Outcomes
///
/// - **Success**: the token verified (issuer, app client, `token_use`, expiry, signature) and
///   names a user of this site's own pool (`user_pool_id`).
/// - **Error** 401 ([`AuthError::Missing`], [`AuthError::Invalid`], [`AuthError::SessionEnded`]):
///   no credentials, or refused ones; refused cookies are cleared. `Option<CognitoClaims>`
///   gives `None` instead.
/// - **Error** 403 ([`AuthError::MachineClient`]): a machine client's token (the
///   client-credentials grant), which names no user: take [`Scope`](crate::Scope) for those;
///   ([`AuthError::OtherPool`]) a token of one of `other_pools`, whose users, groups and scopes
///   are not this site's: take [`AnyPoolClaims`](crate::AnyPoolClaims) to serve them.
/// - **Error** 503 ([`AuthError::Unavailable`]): Cognito or the signing keys could not be
///   reached; the cookies are kept.
///
/// ```no_run
/// # use rocket::get;
/// use rocket_warrant::CognitoClaims;
///
/// #[get("/whoami")]
/// fn whoami(claims: CognitoClaims) -> String {
///     format!("{} ({}) in {:?}", claims.username(), claims.sub(), claims.groups())
/// }
/// ```
#[derive(Clone)]
pub struct CognitoClaims(pub(crate) Arc<Credentials>);

/// The signed-in user of a request: the verified access-token claims and the local user row.
///
/// It authenticates as [`CognitoClaims`] does, then reads the local row (created on first sight
/// of a Bearer client that never signed in here, when `create_unknown_users` is on). A route
/// that takes it with [`Cognito::without_store`] stops launch.
///
/// # Outcomes
///
/// - **Success**: the verified claims and the user's row.
/// - **Error** 401 ([`AuthError::Missing`], [`AuthError::Invalid`], [`AuthError::SessionEnded`]):
///   as for [`CognitoClaims`]; `Option<CognitoUser>` gives `None` instead.
/// - **Error** 403 ([`AuthError::NotProvisioned`]): no local row, and `create_unknown_users` is off;
///   ([`AuthError::MachineClient`]) a machine client's token, which names no user;
///   ([`AuthError::OtherPool`]) a token of another user pool (`other_pools`), whose users are
///   not this site's.
/// - **Error** 503 ([`AuthError::Unavailable`]): Cognito, the keys or the database could not be
///   reached.
///
/// ```no_run
/// # use rocket::get;
/// use rocket_warrant::CognitoUser;
///
/// #[get("/profile")]
/// fn profile(user: CognitoUser) -> String {
///     format!("{} <{}>, key {:?}", user.username(), user.email().unwrap_or("-"), user.user().field("api_key"))
/// }
///
/// #[get("/")]
/// fn home(user: Option<CognitoUser>) -> String {
///     user.map_or("hello stranger".into(), |u| format!("hello {}", u.username()))
/// }
/// ```
#[derive(Clone)]
pub struct CognitoUser {
    credentials: Arc<Credentials>,
    id_token: Option<Arc<str>>,
    user: Arc<User>,
}

impl fmt::Debug for CognitoClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoClaims")
            .field("username", &self.username())
            .field("sub", &self.sub())
            .field("groups", &self.groups())
            .field("bearer", &self.0.bearer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CognitoUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoUser")
            .field("username", &self.user.username)
            .field("sub", &self.credentials.claims.sub)
            .field("groups", &self.credentials.claims.groups)
            .field("bearer", &self.credentials.bearer)
            .finish_non_exhaustive()
    }
}

/// Accessors every guard built on a verified access token offers.
macro_rules! token_accessors {
    ($($credentials:tt)+) => {
        /// The immutable Cognito id of the token's subject: the user's `sub` (a machine
        /// client's is its client id).
        pub fn sub(&self) -> &str {
            &self.$($credentials)+.claims.sub
        }

        /// The verified claims of the access token.
        pub fn claims(&self) -> &$crate::tokens::Claims {
            &self.$($credentials)+.claims
        }

        /// The access token (for calls to Cognito on the user's behalf, such as GetUser).
        pub fn access_token(&self) -> &str {
            &self.$($credentials)+.access_token
        }

        /// Whether the credentials came from an `Authorization: Bearer` header.
        pub fn is_bearer(&self) -> bool {
            self.$($credentials)+.bearer
        }

        /// The app client the token was issued to: `app_client_id`, or one of `app_client_ids`
        /// (another pool's, for [`AnyPoolClaims`](crate::AnyPoolClaims)).
        pub fn client_id(&self) -> &str {
            self.$($credentials)+.claims.client_id.as_deref().unwrap_or_default()
        }

        /// The token's OAuth scopes (`scope`, space separated): `aws.cognito.signin.user.admin`
        /// for a sign-in through the API, a resource server's (`orders/read`) for a machine client.
        pub fn scopes(&self) -> impl Iterator<Item = &str> {
            self.$($credentials)+.claims.scope.as_deref().unwrap_or_default().split_ascii_whitespace()
        }
    };
}
pub(crate) use token_accessors;

/// Accessors of the guards that hold a user of this site's own pool: groups and scopes are the
/// home pool's, so they can be asked by name alone.
macro_rules! home_user_accessors {
    ($($credentials:tt)+) => {
        /// The Cognito groups (`cognito:groups`) of the home pool.
        pub fn groups(&self) -> &[String] {
            &self.$($credentials)+.claims.groups
        }

        /// Whether the user is in the home pool's Cognito group `group`.
        pub fn in_group(&self, group: &str) -> bool {
            self.groups().iter().any(|g| g == group)
        }

        /// Whether the token carries the OAuth scope `scope` (compared whole).
        pub fn has_scope(&self, scope: &str) -> bool {
            self.scopes().any(|s| s == scope)
        }
    };
}
pub(crate) use home_user_accessors;

impl CognitoClaims {
    /// The Cognito username, from the access token. Always a user of this site's own pool:
    /// a machine client's token and another pool's never make a `CognitoClaims`.
    pub fn username(&self) -> &str {
        // The guard refuses a token without one; an empty name cannot match any user's.
        self.0.claims.cognito_username().unwrap_or_default()
    }

    token_accessors!(0);
    home_user_accessors!(0);
}

impl CognitoUser {
    /// The canonical Cognito username.
    pub fn username(&self) -> &str {
        &self.user.username
    }

    /// The email, as mapped into the local row, verified by Cognito or not: check
    /// [`email_verified`](CognitoUser::email_verified) before trusting it as the user's.
    pub fn email(&self) -> Option<&str> {
        self.user.email.as_deref()
    }

    /// Whether Cognito verified the user's email (`email_verified`, as the last sign-in or
    /// [`Cognito::sync_user`](crate::Cognito::sync_user) read it).
    pub fn email_verified(&self) -> bool {
        self.user.email_verified
    }

    /// The local user row.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The ID token, when the request carried the session cookies (Bearer clients send only
    /// the access token); only one that verifies and belongs to the same user as the access
    /// token.
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_deref()
    }

    /// The verified claims alone, as [`CognitoClaims`] holds them.
    pub fn to_claims(&self) -> CognitoClaims {
        CognitoClaims(self.credentials.clone())
    }

    token_accessors!(credentials);
    home_user_accessors!(credentials);
}

pub(crate) fn fail<T>(e: &AuthError) -> Outcome<T, AuthError> {
    if let AuthError::Unavailable(cause) = e {
        // A 503 is the site's trouble, not the visitor's: the operator (or a test) learns why.
        log::error!("rocket_warrant: answering 503: {cause}");
    }
    Outcome::Error((e.status(), e.clone()))
}

/// `outcome`, counted for `guard`: accepted, refused (4xx: no session, a token refused) or
/// unavailable (5xx: the keys or the store out of reach).
pub(crate) fn observed<T>(guard: &'static str, outcome: Outcome<T, AuthError>) -> Outcome<T, AuthError> {
    let label = match &outcome {
        Outcome::Success(_) => "accepted",
        Outcome::Error((status, _)) if status.code >= 500 => "unavailable",
        Outcome::Error(_) | Outcome::Forward(_) => "refused",
    };
    crate::metrics::guard(guard, label);
    outcome
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CognitoClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        let outcome = match cognito.sessions().home_user(cognito.shared(), req).await {
            Ok(credentials) => Outcome::Success(CognitoClaims(credentials)),
            Err(e) => fail(&e),
        };
        observed("CognitoClaims", outcome)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CognitoUser {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        match cognito.sessions().user(cognito.shared(), req).await {
            Ok(authenticated) => observed(
                "CognitoUser",
                Outcome::Success(CognitoUser {
                    credentials: authenticated.credentials,
                    id_token: authenticated.id_token,
                    user: authenticated.user,
                }),
            ),
            Err(e) => observed("CognitoUser", fail(&e)),
        }
    }
}

impl Sentinel for CognitoClaims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

impl Sentinel for CognitoUser {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_store(rocket, "CognitoUser")
    }
}
