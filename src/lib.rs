//! # rocket_warrant
//!
//! Amazon Cognito user-pool authentication for [Rocket](https://rocket.rs), the Rust port of
//! django-warrant: log users in against a user pool (SRP, password or admin flow), verify their
//! tokens against the pool's signing keys, and keep a local user row in step with Cognito's
//! attributes, in SQLite or PostgreSQL through Diesel and rocket_db_pools.
//!
//! ## Quick start
//!
//! `Rocket.toml`:
//!
//! ```toml
//! [default.cognito]
//! user_pool_id = "eu-west-1_AbCdEf123"
//! app_client_id = "1example23456789"
//!
//! [default.databases.users]
//! url = "sqlite://users.sqlite"
//! ```
//!
//! The application:
//!
//! ```no_run
//! # #[macro_use] extern crate rocket;
//! use rocket::form::Form;
//! use rocket_db_pools::Database;
//! use rocket_warrant::{db::SqlitePool, Cognito, Error};
//!
//! #[derive(Database)]
//! #[database("users")]
//! struct Users(SqlitePool);
//!
//! #[derive(FromForm)]
//! struct Credentials { username: String, password: String }
//!
//! #[post("/login", data = "<form>")]
//! async fn login(cognito: &Cognito, form: Form<Credentials>) -> Result<String, Error> {
//!     let login = cognito.login(&form.username, &form.password).await?;
//!     Ok(format!("welcome, {}", login.user.first_name.unwrap_or(login.user.username)))
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Users::init())
//!         .attach(Cognito::fairing::<Users>())
//!         .mount("/", routes![login])
//! }
//! ```
//!
//! Every setting is described on [`config::Config`]; a missing or malformed one stops launch
//! with a message naming it.
//!
//! ## When Cognito asks for another step
//!
//! A user an administrator created with a temporary password, or one with MFA, does not get
//! tokens for the password alone: the login ends in [`Error::ChallengeRequired`] with a
//! [`PendingChallenge`]. Keep it (it serializes; a private cookie does) while the user answers,
//! then [`Cognito::sign_in_new_password`], [`Cognito::sign_in_mfa`] or (after
//! [`Cognito::setup_totp`] for a pool that requires MFA) [`Cognito::sign_in_totp_setup`] finishes
//! the login. The
//! example site (`examples/cdu`, `challenge.rs`) does this with a page for each step.

#![warn(missing_docs)]

pub mod cache;
pub mod challenge;
pub mod cognito;
pub mod config;
pub mod cookies;
pub mod db;
mod error;
mod fairing;
pub mod guards;
pub mod jwks;
mod login;
mod logout;
mod redirect;
pub mod refresh;
pub mod srp;
pub mod store;
pub mod verify;

pub use challenge::{Challenge, PendingChallenge};
pub use cognito::Tokens;
pub use config::Config;
pub use error::Error;
pub use fairing::{Cognito, CognitoFairing};
pub use guards::{ApiKey, AuthError, CognitoClaims, CognitoUser, Group, Member};
pub use login::Login;
pub use redirect::{redirect_to_login, safe_next};
pub use store::{User, UserStore};
pub use verify::{Claims, TokenUse};
