//! `CognitoClaims` and `CognitoUser`: the verified user of a request.

use std::fmt;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::cognito::{missing_fairing, missing_store, Cognito};
use crate::error::AuthError;
use crate::session::Credentials;
use crate::store::User;
use crate::tokens::Claims;

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
/// - **Success**: the token verified (issuer, app client, `token_use`, expiry, signature).
/// - **Error** 401 ([`AuthError::Missing`], [`AuthError::Invalid`], [`AuthError::SessionEnded`]):
///   no credentials, or refused ones; refused cookies are cleared. `Option<CognitoClaims>`
///   gives `None` instead.
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

/// Accessors both guards offer, from the verified claims and tokens.
macro_rules! credential_accessors {
    ($($credentials:tt)+) => {
        /// The user's immutable Cognito id.
        pub fn sub(&self) -> &str {
            &self.$($credentials)+.claims.sub
        }

        /// The Cognito groups (`cognito:groups`).
        pub fn groups(&self) -> &[String] {
            &self.$($credentials)+.claims.groups
        }

        /// Whether the user is in the Cognito group `group`.
        pub fn in_group(&self, group: &str) -> bool {
            self.groups().iter().any(|g| g == group)
        }

        /// The verified claims of the access token.
        pub fn claims(&self) -> &Claims {
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

        /// The user pool the token came from: `user_pool_id`, or one of `other_pools`.
        pub fn pool_id(&self) -> &str {
            let iss = &self.$($credentials)+.claims.iss;
            iss.rsplit('/').next().unwrap_or(iss)
        }

        /// The app client the token was issued to: `app_client_id`, or one of `app_client_ids`.
        pub fn client_id(&self) -> &str {
            self.$($credentials)+.claims.client_id.as_deref().unwrap_or_default()
        }

        /// The token's OAuth scopes (`scope`, space separated): `aws.cognito.signin.user.admin`
        /// for a sign-in through the API, a resource server's (`orders/read`) for a machine client.
        pub fn scopes(&self) -> impl Iterator<Item = &str> {
            self.$($credentials)+.claims.scope.as_deref().unwrap_or_default().split_ascii_whitespace()
        }

        /// Whether the token carries the OAuth scope `scope`.
        pub fn has_scope(&self, scope: &str) -> bool {
            self.scopes().any(|s| s == scope)
        }
    };
}

impl CognitoClaims {
    /// The Cognito username, from the access token; a machine client's token (the
    /// client-credentials grant) names none, and this is its `sub`, the client's id.
    pub fn username(&self) -> &str {
        self.0.claims.cognito_username().unwrap_or(&self.0.claims.sub)
    }

    /// Whether the token is a machine client's (the client-credentials grant): no user, only the
    /// client and its scopes. [`CognitoUser`] refuses such a token (403).
    pub fn is_machine(&self) -> bool {
        self.0.claims.cognito_username().is_none()
    }

    credential_accessors!(0);
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

    credential_accessors!(credentials);
}

/// Whether a token is the home pool's: group names and resource-server scopes are chosen per
/// pool, so another pool's (`other_pools`) never pass [`Member`](crate::Member) or
/// [`Scope`](crate::Scope).
pub(crate) fn home(req: &Request<'_>, claims: &CognitoClaims) -> bool {
    req.rocket().state::<Cognito>().is_some_and(|cognito| cognito.shared().is_home(claims.claims()))
}

fn fail<T>(e: &AuthError) -> Outcome<T, AuthError> {
    if let AuthError::Unavailable(cause) = e {
        // A 503 is the site's trouble, not the visitor's: the operator (or a test) learns why.
        log::error!("rocket_warrant: answering 503: {cause}");
    }
    Outcome::Error((e.status(), e.clone()))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CognitoClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        match &cognito.sessions().authenticate(cognito.shared(), req).await.result {
            Ok(credentials) => Outcome::Success(CognitoClaims(credentials.clone())),
            Err(e) => fail(e),
        }
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
            Ok(authenticated) => Outcome::Success(CognitoUser {
                credentials: authenticated.credentials,
                id_token: authenticated.id_token,
                user: authenticated.user,
            }),
            Err(e) => fail(&e),
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
