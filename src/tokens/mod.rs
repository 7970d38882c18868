//! Tokens: what Cognito issues ([`Tokens`]), a verified token's [`Claims`] and [`TokenUse`], why
//! one is refused ([`VerifyError`]), and the [`Clock`] that tells when; inside, the signing keys,
//! the verified-token cache and the verifier.

mod cache;
mod claims;
mod clock;
mod jwks;
mod verifier;

pub(crate) use cache::{digest, TokenDigest};
pub use claims::{Claims, TokenUse, Tokens};
pub use clock::Clock;
#[cfg(feature = "testing")]
pub use clock::SystemClock;
pub(crate) use clock::{unix_now, Now};
pub(crate) use jwks::Jwks;
pub use verifier::VerifyError;
pub(crate) use verifier::{unverified_claims, Verifier};
