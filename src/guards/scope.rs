//! `Scope<S>`: an access token that carries the OAuth scope `S`.

use std::marker::PhantomData;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::{fail, home_user_accessors, token_accessors, CognitoClaims};
use crate::cognito::{missing_fairing, Cognito};
use crate::error::AuthError;
use crate::session::Credentials;

/// An OAuth scope a route can require; declare one with [`scope!`](crate::scope).
pub trait OAuthScope: Send + Sync + 'static {
    /// The scope as the token carries it: a resource server's `identifier/name`
    /// (`orders/read`), or a standard one (`openid`, `email`, `aws.cognito.signin.user.admin`).
    const NAME: &'static str;
}

/// Declares an [`OAuthScope`] type for use as `Scope<Type>`.
///
/// ```
/// rocket_warrant::scope!(pub OrdersRead = "orders/read");
/// use rocket_warrant::guards::OAuthScope;
/// assert_eq!(OrdersRead::NAME, "orders/read");
/// ```
#[macro_export]
macro_rules! scope {
    ($vis:vis $name:ident = $scope:literal) => {
        #[doc = concat!("The OAuth scope `", $scope, "`.")]
        $vis struct $name;
        impl $crate::guards::OAuthScope for $name {
            const NAME: &'static str = $scope;
        }
    };
}

/// A request whose verified access token, of this site's own pool, carries the OAuth scope `S`
/// (its `scope` claim, compared whole): a user's, or a machine client's from the
/// client-credentials grant, which names no user ([`username`](Scope::username) is `None`).
///
/// # Outcomes
///
/// - **Success**: the token carries `S`.
/// - **Error** 403 ([`AuthError::MissingScope`]): a valid token without `S`, or a token of
///   another user pool (`other_pools`): resource-server scopes are chosen per pool, and another
///   pool's `orders/read` is not this site's.
/// - **Error** 401 without valid credentials (a token of an app client neither
///   `app_client_id` nor in `app_client_ids` included), 503 in an outage, as for
///   [`CognitoClaims`].
///
/// A machine client gets its token from the pool's token endpoint, then calls the route:
///
/// ```sh
/// TOKEN=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=orders/read \
///   https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token | jq -r .access_token)
/// curl -H "Authorization: Bearer $TOKEN" https://site.example/orders
/// ```
///
/// ```no_run
/// # use rocket::get;
/// use rocket_warrant::Scope;
///
/// rocket_warrant::scope!(pub OrdersRead = "orders/read");
///
/// #[get("/orders")]
/// fn orders(caller: Scope<OrdersRead>) -> String {
///     match caller.username() {
///         Some(user) => format!("orders, for {user}"),
///         None => format!("orders, for the machine client {}", caller.client_id()),
///     }
/// }
/// ```
pub struct Scope<S: OAuthScope> {
    credentials: Arc<Credentials>,
    _scope: PhantomData<S>,
}

impl<S: OAuthScope> std::fmt::Debug for Scope<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("scope", &S::NAME)
            .field("username", &self.username())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

impl<S: OAuthScope> Scope<S> {
    /// The Cognito username of the token's user; `None` for a machine client's token, which
    /// names no user (its [`sub`](Scope::sub) and [`client_id`](Scope::client_id) are the
    /// client's id, which is public and may even be registered as someone's username).
    pub fn username(&self) -> Option<&str> {
        self.credentials.claims.cognito_username()
    }

    /// Whether the token is a machine client's (the client-credentials grant): no user, only the
    /// client and its scopes.
    pub fn is_machine(&self) -> bool {
        self.username().is_none()
    }

    /// The user's claims, as [`CognitoClaims`] holds them; `None` for a machine client.
    pub fn user(&self) -> Option<CognitoClaims> {
        (!self.is_machine()).then(|| CognitoClaims(self.credentials.clone()))
    }

    token_accessors!(credentials);
    home_user_accessors!(credentials);
}

#[rocket::async_trait]
impl<'r, S: OAuthScope> FromRequest<'r> for Scope<S> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        let shared = cognito.shared();
        let credentials = match &cognito.sessions().authenticate(shared, req).await.result {
            Ok(credentials) => credentials.clone(),
            Err(e) => return fail(e),
        };
        let carries = |claims: &crate::tokens::Claims| {
            claims.scope.as_deref().unwrap_or_default().split_ascii_whitespace().any(|s| s == S::NAME)
        };
        if shared.is_home(&credentials.claims) && carries(&credentials.claims) {
            return Outcome::Success(Scope { credentials, _scope: PhantomData });
        }
        fail(&AuthError::MissingScope(S::NAME))
    }
}

impl<S: OAuthScope> Sentinel for Scope<S> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
