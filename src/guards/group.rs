//! `Member<G>`: a signed-in user who is in the Cognito group `G`.

use std::marker::PhantomData;
use std::ops::Deref;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::{AuthError, CognitoUser};
use crate::fairing::missing_fairing;

/// A Cognito group a route can require; declare one with [`group!`](crate::group).
pub trait Group: Send + Sync + 'static {
    /// The group's name in the user pool.
    const NAME: &'static str;
}

/// Declares a [`Group`] type for use as `Member<Type>`.
///
/// ```
/// rocket_warrant::group!(pub Admins = "admin");
/// use rocket_warrant::Group;
/// assert_eq!(Admins::NAME, "admin");
/// ```
#[macro_export]
macro_rules! group {
    ($vis:vis $name:ident = $group:literal) => {
        #[doc = concat!("The Cognito group `", $group, "`.")]
        $vis struct $name;
        impl $crate::Group for $name {
            const NAME: &'static str = $group;
        }
    };
}

/// A [`CognitoUser`] in the group `G` (from `cognito:groups`). Not signed in: 401; signed in
/// but not in the group: 403.
pub struct Member<G: Group> {
    user: CognitoUser,
    _group: PhantomData<G>,
}

impl<G: Group> std::fmt::Debug for Member<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member").field("group", &G::NAME).field("user", &self.user).finish()
    }
}

impl<G: Group> Member<G> {
    /// The user.
    pub fn into_user(self) -> CognitoUser {
        self.user
    }
}

impl<G: Group> Deref for Member<G> {
    type Target = CognitoUser;

    fn deref(&self) -> &CognitoUser {
        &self.user
    }
}

#[rocket::async_trait]
impl<'r, G: Group> FromRequest<'r> for Member<G> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match CognitoUser::from_request(req).await {
            Outcome::Success(user) if user.in_group(G::NAME) => Outcome::Success(Member { user, _group: PhantomData }),
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
