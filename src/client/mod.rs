//! Calls to the user pool, every SDK call of the crate, with Cognito's errors mapped onto
//! [`Error`](crate::Error): one file per kind of call.

mod account;
mod connection;
mod devices;
mod errors;
mod facts;
mod modexp;
mod observe;
#[cfg(feature = "testing")]
pub(crate) mod offline;
mod passkeys;
mod reply;
mod session;
mod sign_in;
mod srp;

pub use self::account::{CodeDelivery, SignedUp};
pub(crate) use self::connection::{sdk_config, CognitoClient};
pub use self::devices::Device;
pub(crate) use self::facts::ClientFacts;
pub use self::passkeys::Passkey;
pub(crate) use self::reply::Issued;
pub use self::session::UserAttributes;
#[cfg(feature = "testing")]
pub(crate) use self::sign_in::srp_login_work;
#[cfg(feature = "testing")]
pub use self::sign_in::SrpSteps;
