//! `PendingChallenge` as a request guard: the sign-in step that [`Cognito::keep`] kept.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::challenge::PendingChallenge;
use crate::cognito::{missing_fairing, Cognito};
use crate::error::AuthError;
use crate::signin::kept;

/// Reads the crate's challenge cookie; its outcomes are described on [`PendingChallenge`].
#[rocket::async_trait]
impl<'r> FromRequest<'r> for PendingChallenge {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let shared = req.rocket().state::<Cognito>().map(Cognito::shared);
        match shared.and_then(|shared| kept(&shared.cookies, req.cookies(), shared.now())) {
            Some(pending) => Outcome::Success(pending),
            None => Outcome::Error((AuthError::NoChallenge.status(), AuthError::NoChallenge)),
        }
    }
}

impl Sentinel for PendingChallenge {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
