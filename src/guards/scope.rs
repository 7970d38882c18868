//! `Scope<S>`: an access token that carries the OAuth scope `S`.

use std::marker::PhantomData;
use std::ops::Deref;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::home;
use super::user::CognitoClaims;
use crate::cognito::missing_fairing;
use crate::error::AuthError;

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
/// use rocket_warrant::OAuthScope;
/// assert_eq!(OrdersRead::NAME, "orders/read");
/// ```
#[macro_export]
macro_rules! scope {
    ($vis:vis $name:ident = $scope:literal) => {
        #[doc = concat!("The OAuth scope `", $scope, "`.")]
        $vis struct $name;
        impl $crate::OAuthScope for $name {
            const NAME: &'static str = $scope;
        }
    };
}

/// A request whose verified access token carries the OAuth scope `S` (its `scope` claim): a
/// user's, or a machine client's from the client-credentials grant (no user: see
/// [`CognitoClaims::is_machine`]). It derefs to the token's [`CognitoClaims`], which say which
/// app client it came from.
///
/// # Outcomes
///
/// - **Success**: the token carries `S`.
/// - **Error** 403 ([`AuthError::MissingScope`]): a valid token without `S`, or a token of
///   another user pool (`other_pools`): resource-server scopes are chosen per pool.
/// - Otherwise those of [`CognitoClaims`]: 401 without valid credentials (a token of an app
///   client neither `app_client_id` nor in `app_client_ids` included), 503 in an outage.
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
///     format!("orders, for the client {}", caller.client_id())
/// }
/// ```
pub struct Scope<S: OAuthScope> {
    claims: CognitoClaims,
    _scope: PhantomData<S>,
}

impl<S: OAuthScope> std::fmt::Debug for Scope<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope").field("scope", &S::NAME).field("claims", &self.claims).finish()
    }
}

impl<S: OAuthScope> Scope<S> {
    /// The token's claims.
    pub fn into_claims(self) -> CognitoClaims {
        self.claims
    }
}

impl<S: OAuthScope> Deref for Scope<S> {
    type Target = CognitoClaims;

    fn deref(&self) -> &CognitoClaims {
        &self.claims
    }
}

#[rocket::async_trait]
impl<'r, S: OAuthScope> FromRequest<'r> for Scope<S> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match CognitoClaims::from_request(req).await {
            Outcome::Success(claims) if claims.has_scope(S::NAME) && home(req, &claims) => {
                Outcome::Success(Scope { claims, _scope: PhantomData })
            }
            Outcome::Success(_) => {
                let e = AuthError::MissingScope(S::NAME);
                Outcome::Error((e.status(), e))
            }
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}

impl<S: OAuthScope> Sentinel for Scope<S> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
