//! Guarding routes: the request guards, used straight in route signatures (the root re-exports
//! each), and what they fail with. [`CognitoUser`] (the verified user and the local row),
//! [`CognitoClaims`] (the verified claims alone), [`Member`] (a user in a Cognito [`Group`]),
//! [`Fresh`] (a recent proof of identity), [`Scope`] (an [`OAuthScope`]), [`AnyPoolClaims`]
//! (a user of any listed pool), [`ApiKey`] (the API key header), [`PendingChallenge`] (a
//! sign-in step kept for its page), [`SignIn`] (the sign-in calls with the request's context
//! and the browser's remembered device), and the forms' [`CsrfToken`], [`CsrfForm`] and
//! [`SameOrigin`]. A route that names one of them without the fairing attached stops launch
//! (`SameOrigin` alone reads no state and needs none).

mod any_pool;
mod api_key;
mod csrf;
mod fresh;
mod group;
mod pending;
mod scope;
mod sign_in;
mod user;

pub use crate::challenge::PendingChallenge;
pub use any_pool::AnyPoolClaims;
pub use api_key::{ApiKey, ApiKeyError};
pub use csrf::{CsrfError, CsrfForm, CsrfFormError, CsrfToken, NoFields, SameOrigin, CSRF_FIELD, CSRF_HEADER};
pub use fresh::Fresh;
pub(crate) use fresh::StaleProof;
pub use group::{Group, Member};
pub use scope::{OAuthScope, Scope};
pub use sign_in::SignIn;
pub use user::{CognitoClaims, CognitoUser};
