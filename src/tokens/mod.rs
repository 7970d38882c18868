//! Tokens: what Cognito issues ([`Tokens`]), a verified token's [`Claims`] and [`TokenUse`], why
//! one is refused ([`VerifyError`]); inside, the signing keys, the clock, the verified-token cache
//! and the verifier.

mod cache;
mod claims;
// The testing feature re-exports the clock's types from here: an application needs them only there.
pub(crate) mod clock;
mod jwks;
mod verifier;

pub(crate) use cache::{digest, TokenDigest};
pub use claims::{Claims, TokenUse, Tokens};
pub(crate) use clock::{unix_now, Now};
pub(crate) use jwks::Jwks;
pub use verifier::VerifyError;
pub(crate) use verifier::{unverified_claims, Verifier};
