//! Request guards: [`CognitoUser`] (the verified user and the local row), [`CognitoClaims`]
//! (the verified claims alone), [`Member`] (a user in a Cognito group)
//! and [`ApiKey`] (the API key header), used straight in route signatures.
//!
//! ```no_run
//! # #[macro_use] extern crate rocket;
//! use rocket_warrant::{ApiKey, CognitoClaims, CognitoUser, Member};
//!
//! rocket_warrant::group!(pub Admins = "admin");
//!
//! #[get("/profile")]
//! fn profile(user: CognitoUser) -> String {
//!     format!("hello {}", user.username())
//! }
//!
//! #[get("/")]
//! fn home(user: Option<CognitoUser>) -> String {
//!     user.map_or("hello stranger".into(), |u| format!("hello {}", u.username()))
//! }
//!
//! #[get("/whoami")]
//! fn whoami(claims: CognitoClaims) -> String {
//!     // The verified claims only: no database round trip.
//!     claims.username().to_owned()
//! }
//!
//! #[get("/admin")]
//! fn admin(admin: Member<Admins>) -> String {
//!     format!("{} administers", admin.username())
//! }
//!
//! #[get("/api")]
//! fn api(key: Option<ApiKey>) -> &'static str {
//!     if key.is_some() { "key" } else { "no key" }
//! }
//! ```

mod api_key;
mod group;
mod user;

pub use api_key::{ApiKey, ApiKeyError};
pub use group::{Group, Member};
pub(crate) use user::RequestAuth;
pub use user::{AuthError, CognitoClaims, CognitoUser};
