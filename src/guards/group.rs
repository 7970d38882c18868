//! `Member<G>`: a signed-in user who is in the Cognito group `G`.

use std::marker::PhantomData;
use std::ops::Deref;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::CognitoClaims;
use crate::cognito::missing_fairing;
use crate::error::AuthError;

/// A Cognito group a route can require; declare one with [`group!`](crate::group).
pub trait Group: Send + Sync + 'static {
    /// The group's name in the user pool.
    const NAME: &'static str;
}

/// Declares a [`Group`] type for use as `Member<Type>`.
///
/// ```
/// rocket_warrant::group!(pub Admins = "admin");
/// use rocket_warrant::guards::Group;
/// assert_eq!(Admins::NAME, "admin");
/// ```
#[macro_export]
macro_rules! group {
    ($vis:vis $name:ident = $group:literal) => {
        #[doc = concat!("The Cognito group `", $group, "`.")]
        $vis struct $name;
        impl $crate::guards::Group for $name {
            const NAME: &'static str = $group;
        }
    };
}

/// A signed-in user in the Cognito group `G` (from the verified `cognito:groups`); it derefs to
/// the user's [`CognitoClaims`], and needs no local row. Take [`CognitoUser`](crate::CognitoUser)
/// beside it for the row: the two share the request's authentication.
///
/// # Outcomes
///
/// - **Success**: the user is in `G`.
/// - **Error** 403 ([`AuthError::NotInGroup`]): signed in, not in `G`; or a token of another
///   user pool (`other_pools`), whose groups are that pool's.
/// - Otherwise those of [`CognitoClaims`]: 401 without valid credentials, 503 in an outage.
///
/// ```no_run
/// # use rocket::get;
/// use rocket_warrant::Member;
///
/// rocket_warrant::group!(pub Admins = "admin");
///
/// #[get("/admin")]
/// fn admin(admin: Member<Admins>) -> String {
///     format!("{} administers", admin.username())
/// }
/// ```
pub struct Member<G: Group> {
    claims: CognitoClaims,
    _group: PhantomData<G>,
}

impl<G: Group> std::fmt::Debug for Member<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member").field("group", &G::NAME).field("claims", &self.claims).finish()
    }
}

impl<G: Group> Member<G> {
    /// The user's claims.
    pub fn into_claims(self) -> CognitoClaims {
        self.claims
    }
}

impl<G: Group> Deref for Member<G> {
    type Target = CognitoClaims;

    fn deref(&self) -> &CognitoClaims {
        &self.claims
    }
}

#[rocket::async_trait]
impl<'r, G: Group> FromRequest<'r> for Member<G> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match CognitoClaims::from_request(req).await {
            Outcome::Success(claims) if claims.in_group(G::NAME) => {
                Outcome::Success(Member { claims, _group: PhantomData })
            }
            Outcome::Success(_) => {
                let e = AuthError::NotInGroup(G::NAME);
                Outcome::Error((e.status(), e))
            }
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}

impl<G: Group> Sentinel for Member<G> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
