//! Testing an application's guarded routes offline (feature `testing`): a test user pool whose
//! keys ship with the crate, tokens signed for any user, groups and expiry, and the session
//! cookies a signed-in browser would send. Nothing reaches the network: the pool's keys are
//! given inline (`jwks`), and the pool's Cognito is in the process: it refreshes the sessions its
//! users' tokens start, revokes them at sign-out, signs users out everywhere and answers GetUser
//! (so that a user the store lacks gets a row). Signing in with a password is the one thing it
//! cannot do: a test starts a session with [`TestUser::session_on`] or
//! [`TestPool::session_cookies`].
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use rocket::http::{Header, Status};
//! use rocket::local::asynchronous::Client;
//! use rocket_warrant::testing::TestPool;
//! use rocket_warrant::{Cognito, CognitoUser};
//! use rocket_warrant::stores::{MemoryStore, UserStore};
//!
//! #[get("/me")]
//! fn me(user: CognitoUser) -> String {
//!     format!("{} {:?}", user.username(), user.groups())
//! }
//!
//! # rocket::async_test(async {
//! let pool = TestPool::new();
//! let alice = pool.user("alice").groups(["admin"]);
//!
//! // The site's local users: alice already has a row.
//! let store = MemoryStore::new();
//! store.save(&alice.profile(), true).await.unwrap();
//!
//! let rocket = rocket::custom(pool.figment()).attach(Cognito::custom(store)).mount("/", routes![me]);
//! let client = Client::tracked(rocket).await.unwrap();
//!
//! // As an API client, with a Bearer access token...
//! let bearer = Header::new("Authorization", format!("Bearer {}", alice.access_token()));
//! let response = client.get("/me").header(bearer).dispatch().await;
//! assert_eq!(response.into_string().await.unwrap(), r#"alice ["admin"]"#);
//!
//! // ...and as a browser, with the session cookies.
//! let mut request = client.get("/me");
//! for cookie in pool.session_cookies(&alice) {
//!     request = request.cookie(cookie);
//! }
//! assert_eq!(request.dispatch().await.status(), Status::Ok);
//!
//! // An expired token, with no way to refresh it: 401.
//! let expired = Header::new("Authorization", format!("Bearer {}", alice.clone().expires_in(-3600).access_token()));
//! assert_eq!(client.get("/me").header(expired).dispatch().await.status(), Status::Unauthorized);
//! # });
//! ```

mod clock;
mod keys;
mod pool;
mod session;

pub use self::clock::ManualClock;
pub use self::keys::{refresh_token, sign, sign_with_kid, TokenSizes, COGNITO_TOKEN_SIZES, JWKS, KID};
pub use self::pool::{TestPool, TestUser};
pub use self::session::{session_handle, start_session};
pub use crate::tokens::clock::Clock;
// The crate's own tests, benches and fuzz targets use it; an application's need not.
#[doc(hidden)]
pub use crate::tokens::clock::SystemClock;

// The crate's own tests, benches and fuzz targets use it; an application's need not.
#[doc(hidden)]
pub use crate::cognito::Counters;

#[doc(hidden)]
pub use crate::client::SrpSteps;

/// The client side of one SRP login, as [`Cognito::login`](crate::Cognito::login) computes it
/// with the default `user_srp` flow: a fresh secret `a` and `A = g^a`, then the password proof
/// against a fixed server value. For benchmarks: the arithmetic one login costs this server.
///
/// ```
/// rocket_warrant::testing::srp_login_work("eu-west-1_TestPool", "alice", "Corr3ct-Horse!");
/// ```
///
/// # Panics
///
/// When `pool_id` has no `_`.
#[doc(hidden)]
pub fn srp_login_work(pool_id: &str, username: &str, password: &str) {
    crate::client::srp_login_work(pool_id, username, password)
}
