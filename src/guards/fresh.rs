//! `Fresh<MAX_AGE_SECS>`: a signed-in user who proved who they are less than `MAX_AGE_SECS`
//! ago, for the routes a copied session cookie alone must not reach.

use std::ops::Deref;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::user::{fail, CognitoClaims};
use crate::cognito::{missing_fairing, Cognito};
use crate::cookies::kept_proof;
use crate::error::AuthError;
use crate::proof::{Factors, Proof};

/// A signed-in user of this site's pool whose last proof of identity (their sign-in, or a
/// re-authentication) is at most `MAX_AGE_SECS` old: the guard of the pages that change what
/// protects the account (password, email, second factor, devices, passkeys) or end it. A copied
/// session cookie lives as long as the session; a copied one alone cannot pass this.
///
/// The browser's proof is kept, sealed and bound to the user, in a cookie of its own (set at
/// every sign-in, renewed by [`SignIn::reauthenticate`](crate::SignIn::reauthenticate)); a
/// Bearer token's is its `auth_time` (when its user signed in to get it).
///
/// # Outcomes
///
/// - **Success**: the claims (it derefs to [`CognitoClaims`]) and the [`Proof`].
/// - **Error** 401 ([`AuthError::ReauthenticationRequired`]): no proof this recent.
///   [`redirect_to_login`](crate::redirect_to_login) sends a browser to `reauthenticate_url`
///   with `?next=`, and answers an API client RFC 9470's step-up challenge:
///   `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age="<MAX_AGE_SECS>"`.
/// - Otherwise those of [`CognitoClaims`].
///
/// ```no_run
/// # use rocket::post;
/// use rocket_warrant::{Cognito, Error, Fresh};
///
/// /// Deleting the account needs a proof of identity of the last five minutes.
/// #[post("/account/delete")]
/// async fn delete(cognito: &Cognito, jar: &rocket::http::CookieJar<'_>, user: Fresh<300>) -> Result<&'static str, Error> {
///     cognito.delete_account(jar, user.access_token()).await?;
///     Ok("deleted")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Fresh<const MAX_AGE_SECS: u64> {
    claims: CognitoClaims,
    proof: Proof,
}

impl<const MAX_AGE_SECS: u64> Fresh<MAX_AGE_SECS> {
    /// When and how the user last proved who they are.
    pub fn proof(&self) -> Proof {
        self.proof
    }

    /// The verified claims.
    pub fn into_claims(self) -> CognitoClaims {
        self.claims
    }
}

impl<const MAX_AGE_SECS: u64> Deref for Fresh<MAX_AGE_SECS> {
    type Target = CognitoClaims;

    fn deref(&self) -> &CognitoClaims {
        &self.claims
    }
}

/// The age a [`Fresh`] guard of the request wanted and did not get, for the catcher.
#[derive(Default)]
pub(crate) struct StaleProof(parking_lot::Mutex<Option<u64>>);

impl StaleProof {
    /// The largest age of proof a guard of `req` required and did not find.
    pub(crate) fn of(req: &Request<'_>) -> Option<u64> {
        *req.local_cache(StaleProof::default).0.lock()
    }
}

#[rocket::async_trait]
impl<'r, const MAX_AGE_SECS: u64> FromRequest<'r> for Fresh<MAX_AGE_SECS> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return fail(&AuthError::Missing);
        };
        let shared = cognito.shared();
        let credentials = match cognito.sessions().home_user(shared, req).await {
            Ok(credentials) => credentials,
            Err(e) => return fail(&e),
        };
        let claims = &credentials.claims;
        let proof = if credentials.bearer {
            // The token's own sign-in: Cognito's `auth_time`, kept through its refreshes.
            claims.extra.get("auth_time").and_then(|t| t.as_i64()).map(|at| Proof::new(at, Factors::default()))
        } else {
            kept_proof(&shared.cookies, req.cookies(), &claims.sub)
        };
        let now = shared.now();
        let max_age = i64::try_from(MAX_AGE_SECS).unwrap_or(i64::MAX);
        // A proof from further ahead than the clocks' leeway is no proof.
        match proof.filter(|p| p.at <= now.saturating_add(shared.leeway()) && p.age(now) <= max_age) {
            Some(proof) => Outcome::Success(Fresh { claims: CognitoClaims(credentials), proof }),
            None => {
                let stale = req.local_cache(StaleProof::default);
                let mut wanted = stale.0.lock();
                *wanted = Some(wanted.map_or(MAX_AGE_SECS, |w| w.min(MAX_AGE_SECS)));
                fail(&AuthError::ReauthenticationRequired { max_age: MAX_AGE_SECS })
            }
        }
    }
}

impl<const MAX_AGE_SECS: u64> Sentinel for Fresh<MAX_AGE_SECS> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
