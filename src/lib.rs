//! # rocket_warrant
//!
//! Amazon Cognito user-pool authentication for [Rocket](https://rocket.rs), the Rust port of
//! django-warrant: log users in against a user pool (SRP, password or admin flow), verify their
//! tokens against the pool's signing keys, keep a local user row in step with Cognito's
//! attributes, and hold the tokens in sealed cookies (or server-side, in the users' database)
//! for the request guards to read.
//!
//! ## An application
//!
//! `Rocket.toml` (set Rocket's `secret_key` in production: it seals the session cookies, a
//! restart without it signs everyone out, and release builds refuse to start without one):
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
//! ```no_run
//! # #[macro_use] extern crate rocket;
//! use rocket::http::CookieJar;
//! use rocket::response::{content::RawHtml, Redirect};
//! use rocket_db_pools::Database;
//! use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error, SignIn};
//! use rocket_warrant::stores::SqlitePool;
//!
//! #[derive(Database)]
//! #[database("users")]
//! struct Users(SqlitePool);
//!
//! #[derive(FromForm)]
//! struct Credentials { username: String, password: String }
//!
//! /// Every form carries the browser's CSRF token...
//! #[get("/login")]
//! fn login_page(csrf: CsrfToken) -> RawHtml<String> {
//!     RawHtml(format!(r#"<form method="post"><input type="hidden" name="csrf_token" value="{}">
//!         <input name="username"> <input name="password" type="password"> <button>Sign in</button></form>"#, csrf.value()))
//! }
//!
//! /// ...and `CsrfForm` refuses one without it: no other site signs a visitor in or out.
//! #[post("/login", data = "<form>")]
//! async fn login(sign_in: SignIn<'_>, form: CsrfForm<Credentials>) -> Result<Redirect, Error> {
//!     sign_in.keep(sign_in.login(&form.username, &form.password).await).await?;
//!     Ok(Redirect::to("/"))
//! }
//!
//! #[get("/")]
//! fn home(user: CognitoUser) -> String {
//!     format!("hello {}", user.username())
//! }
//!
//! #[post("/logout", data = "<_form>")]
//! async fn logout(cognito: &Cognito, jar: &CookieJar<'_>, _form: CsrfForm) -> Redirect {
//!     cognito.sign_out(jar).await;
//!     Redirect::to("/login")
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Users::init())
//!         .attach(Cognito::fairing::<Users>())
//!         .mount("/", routes![login_page, login, home, logout])
//! }
//! ```
//!
//! Every setting is described on [`Config`](config::Config); a missing or malformed one stops
//! launch with a message naming it. So does what Cognito tells at launch (DescribeUserPoolClient):
//! a pool or app client that does not exist, or a client secret set for an app client without one,
//! or missing for one that has one. A site without AWS credentials launches and says what works
//! without them: every flow but `admin_user_password`.
//!
//! ## By task
//!
//! The root holds what route signatures, catchers and `attach` name; each task's other items
//! live in the module of its name.
//!
//! - **Sign users in** ([`sign_in`]): [`Cognito::login`], [`answer`](Cognito::answer) and
//!   [`keep`](Cognito::keep), or the [`SignIn`] guard, which adds the request's address and the
//!   browser's remembered device; a step Cognito puts in between comes back as a
//!   [`PendingChallenge`]; [`Cognito::sign_out`] ends it.
//! - **Guard routes** ([`guards`]): [`CognitoUser`] (verified claims and the local row),
//!   [`CognitoClaims`] (the claims alone, no database), [`Member`] (a user in a Cognito group,
//!   declared with [`group!`]), [`Fresh`] (a user who proved who they are in the last minutes:
//!   the pages that change how the account is protected), [`ApiKey`] (the API key header);
//!   [`CsrfToken`] for a form's page, [`CsrfForm`] for its handler (403 without the browser's
//!   token), [`SameOrigin`] for a request that carries none; [`redirect_to_login`], the 401
//!   catcher. Each is the home pool's (`user_pool_id`); a route that serves the users of
//!   `other_pools` takes [`AnyPoolClaims`], which names each user with their pool.
//! - **Keep sessions** ([`sessions`]): sealed cookies by default (about 2.8 KB at Cognito's
//!   token sizes), or `session_store = "database"`: the tokens in the users' database (any
//!   [`SessionStore`](sessions::SessionStore)), the browser holding a random id, shared by every
//!   instance; [`sign_out_everywhere`](Cognito::sign_out_everywhere),
//!   [`user_sessions`](Cognito::user_sessions) and [`end_session`](Cognito::end_session).
//! - **Keep local users** ([`stores`]): Diesel with rocket_db_pools (SQLite, PostgreSQL, MySQL;
//!   the migrations ship with the crate), in memory, cached, your own, or none at all
//!   ([`Cognito::without_store`]).
//! - **Let users manage their account** ([`account`]): sign-up, confirmation, a forgotten
//!   password, attributes, devices, deleting the account.
//! - **Managed login** ([`hosted`]): Cognito's hosted pages and its identity providers.
//! - **Machine clients** ([`machine`]): [`Scope`], an access token with an OAuth scope, declared
//!   with [`scope!`], the client-credentials grant's clients listed in `app_client_ids`
//!   (or `app_client_id`).
//! - **Settings and tokens** ([`config`], [`tokens`]): what `[default.cognito]` holds, and a
//!   verified token's claims.
//! - **Test an application** ([`testing`], feature `testing`): signed tokens, sessions and an
//!   in-process Cognito for an application's own tests.
//!
//! ## When Cognito asks for another step
//!
//! A user an administrator created with a temporary password, or one with MFA, does not get
//! tokens for the password alone: the login ends in [`Error::ChallengeRequired`].
//! [`Cognito::keep`] keeps the challenge in a cookie of its own for three minutes, and the page
//! that answers it takes it back as a [`PendingChallenge`] guard:
//!
//! ```no_run
//! # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
//! use rocket_warrant::{Cognito, Error, PendingChallenge};
//! use rocket_warrant::sign_in::{Answer, Challenge};
//!
//! #[derive(FromForm)]
//! struct Step { answer: String }
//!
//! #[post("/login/step", data = "<form>")]
//! async fn step(cognito: &Cognito, jar: &CookieJar<'_>, pending: PendingChallenge, form: Form<Step>) -> Result<Redirect, Error> {
//!     let answer = match pending.challenge() {
//!         Challenge::NewPasswordRequired => Answer::NewPassword(&form.answer),
//!         _ => Answer::Code(&form.answer),
//!     };
//!     match cognito.keep(jar, cognito.answer(&pending, answer).await).await {
//!         Ok(_) => Ok(Redirect::to("/")),
//!         // A new password, then a code: the next step is kept in place of this one.
//!         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
//!         Err(e) => Err(e),
//!     }
//! }
//! ```
//!
//! For a pool that requires MFA, [`Cognito::setup_totp`] enrols an authenticator app first.
//!
//! ## Managed login
//!
//! With `domain`, `redirect_uri` and `logout_uri` set (the app client allowing the code grant,
//! those URLs registered), [`hosted::routes`] mounted where `redirect_uri` points sign users in
//! through Cognito's hosted pages, and through them its identity providers: `GET login?next=`
//! (`&provider=Google` goes straight to one), `GET callback` (PKCE, `state` and `nonce`
//! checked; the same session as a password sign-in), `POST logout`.
//!
//! ```no_run
//! # use rocket::launch;
//! use rocket_db_pools::Database;
//! use rocket_warrant::{hosted, Cognito};
//! # #[derive(Database)] #[database("users")] struct Db(rocket_warrant::stores::SqlitePool);
//!
//! #[launch]
//! fn rocket() -> _ {
//!     // [default.cognito] domain = "myapp", redirect_uri = "https://site.example/auth/callback"
//!     rocket::build().attach(Db::init()).attach(Cognito::fairing::<Db>()).mount("/auth", hosted::routes())
//! }
//! ```
//!
//! ## Account self-service
//!
//! Each call sends the SECRET_HASH of a client with a secret, and the errors a user can fix are
//! typed ([`Error::UsernameExists`], [`Error::WrongCode`], [`Error::CodeExpired`],
//! [`Error::TooManyAttempts`], [`Error::PasswordRejected`]):
//!
//! ```no_run
//! # use rocket_warrant::{Cognito, Error};
//! # async fn pages(cognito: &Cognito, access_token: &str) -> Result<(), Error> {
//! // Sign-up, then the mailed code (sent again on request).
//! cognito.sign_up("ada", "Corr3ct-Horse!", &[("email", "ada@example.com"), ("first_name", "Ada")]).await?;
//! cognito.confirm_sign_up("ada", "123456").await?;
//! // A forgotten password: a code, then a new password. `None` alike for an unknown user.
//! cognito.forgot_password("ada").await?;
//! cognito.confirm_forgot_password("ada", "654321", "N3w-Horse-Battery!").await?;
//! // Signed in (the token from the request's `CognitoUser`): password, email with its code.
//! cognito.change_password(access_token, "N3w-Horse-Battery!", "Th1rd-Horse!").await?;
//! cognito.update_attributes(access_token, &[("email", "ada@new.example")]).await?;
//! cognito.verify_attribute(access_token, "email", "112233").await?;
//! # Ok(()) }
//! ```
//!
//! [`Cognito::delete_account`] deletes the account, its sessions and its row;
//! [`Cognito::start_sign_in`] signs in without a password (`auth_flow = "user_auth"`).
//!
//! ## A recent proof of identity
//!
//! A copied session cookie lives as long as the session. The pages that change how an account
//! is protected (its password, email, second factor, devices) take [`Fresh<SECS>`](Fresh): a
//! sign-in, or a re-authentication, at most `SECS` old. An older one is sent by
//! [`redirect_to_login`] to `reauthenticate_url`, whose page asks for the password again (and
//! the second factor, as at a sign-in); [`SignIn::reauthenticate`] renews the session's proof,
//! the session staying as it was.
//!
//! ```no_run
//! # use rocket::{post, FromForm, response::Redirect};
//! use rocket_warrant::{CognitoClaims, CsrfForm, Error, SignIn};
//!
//! #[derive(FromForm)]
//! struct Password { password: String }
//!
//! #[post("/accounts/reauthenticate?<next>", data = "<form>")]
//! async fn reauthenticate(sign_in: SignIn<'_>, user: CognitoClaims, form: CsrfForm<Password>, next: &str) -> Result<Redirect, Error> {
//!     sign_in.keep(sign_in.reauthenticate(&user, &form.password).await).await?;
//!     Ok(Redirect::to(rocket_warrant::sign_in::safe_next(next).unwrap_or("/").to_owned()))
//! }
//! ```
//!
//! ## The request's side: threat protection and remembered devices
//!
//! Take [`SignIn`] in place of `&Cognito` and the cookie jar on the pages that sign users in
//! or up: the same calls send Cognito's threat protection the user's address (the connection's,
//! or `trusted_ip_header`'s behind a proxy), and in a pool that remembers devices the browser's
//! device is confirmed at its first sign-in, kept sealed in a cookie of its own, proved at the
//! next (a remembered device skips the second factor) and named on every refresh. A signed-in
//! user lists their devices and forgets one ([`SignIn::devices`], [`SignIn::forget_device`]).
//!
//! ```no_run
//! # use rocket::{post, form::Form, FromForm, response::Redirect};
//! use rocket_warrant::{Error, SignIn};
//!
//! #[derive(FromForm)]
//! struct Credentials { username: String, password: String }
//!
//! #[post("/login", data = "<form>")]
//! async fn login(sign_in: SignIn<'_>, form: Form<Credentials>) -> Result<Redirect, Error> {
//!     match sign_in.keep(sign_in.login(&form.username, &form.password).await).await {
//!         Ok(_) => Ok(Redirect::to("/")),
//!         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
//!         Err(e) => Err(e),
//!     }
//! }
//! ```
//!
//! ## Your own user model
//!
//! An application that keeps users in its own table needs no store of the crate's: attach
//! [`Cognito::without_store`] and build its own guard on [`CognitoClaims`], which carries the
//! verified `sub` and username. (django-warrant's equivalent was a subclass of its backend.)
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use std::collections::HashMap;
//! use rocket::http::{Header, Status};
//! use rocket::request::{self, FromRequest, Request};
//! use rocket::{outcome::try_outcome, State};
//! use rocket_warrant::{AuthError, Cognito, CognitoClaims};
//!
//! /// The application's own table, keyed by Cognito's `sub` (here a map; a Diesel table in a
//! /// real application).
//! struct Members(HashMap<String, Member>);
//!
//! #[derive(Clone)]
//! struct Member { name: String, plan: &'static str }
//!
//! #[rocket::async_trait]
//! impl<'r> FromRequest<'r> for Member {
//!     type Error = AuthError;
//!
//!     async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
//!         let claims = try_outcome!(req.guard::<CognitoClaims>().await);
//!         let members = try_outcome!(req.guard::<&State<Members>>().await.map_error(|(s, _)| (s, AuthError::NotProvisioned)));
//!         match members.0.get(claims.sub()) {
//!             Some(member) => request::Outcome::Success(member.clone()),
//!             None => request::Outcome::Error((Status::Forbidden, AuthError::NotProvisioned)),
//!         }
//!     }
//! }
//!
//! #[get("/plan")]
//! fn plan(member: Member) -> String {
//!     format!("{} is on {}", member.name, member.plan)
//! }
//!
//! # #[cfg(feature = "testing")]
//! # rocket::async_test(async {
//! // Tested offline with the `testing` feature:
//! let pool = rocket_warrant::testing::TestPool::new();
//! let ada = pool.user("ada");
//! let members = Members([("sub-ada".to_string(), Member { name: "Ada".into(), plan: "gold" })].into());
//! let rocket = rocket::custom(pool.figment())
//!     .attach(Cognito::without_store())
//!     .manage(members)
//!     .mount("/", routes![plan]);
//! let client = rocket::local::asynchronous::Client::tracked(rocket).await.unwrap();
//! let bearer = |t: String| Header::new("Authorization", format!("Bearer {t}"));
//! let response = client.get("/plan").header(bearer(ada.access_token())).dispatch().await;
//! assert_eq!(response.into_string().await.unwrap(), "Ada is on gold");
//! let stranger = pool.user("bob").access_token();
//! assert_eq!(client.get("/plan").header(bearer(stranger)).dispatch().await.status(), Status::Forbidden);
//! # });
//! ```
//!
//! ## Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `sqlite` | yes | [`SqlitePool`](stores::SqlitePool): the embedded store (SQLite built from source, nothing to install) |
//! | `postgres` | | [`PgPool`](stores::PgPool) (no libpq, no OpenSSL) |
//! | `mysql` | | [`MysqlPool`](stores::MysqlPool), for MySQL and MariaDB (no libmysqlclient) |
//! | `testing` | | [`testing`]: offline tokens and settings for an application's tests |

#![cfg_attr(docsrs, feature(doc_cfg))]
// Links to items of features not enabled cannot resolve; with every feature (docs.rs, and
// ./scripts/test's `cargo doc`) they all must.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql", feature = "testing")),
    allow(rustdoc::broken_intra_doc_links)
)]
#![deny(missing_docs, missing_debug_implementations)]

mod cache;
mod catcher;
mod challenge;
mod client;
mod cognito;
mod context;
mod cookies;
mod device;
mod error;
pub mod events;
mod fairing;
mod limits;
mod metrics;
mod next;
mod passkeys;
mod proof;
mod revocation;
mod session;
mod signin;
mod state;
mod store;
mod users;

pub mod account;
pub mod config;
pub mod guards;
pub mod hosted;
pub mod tokens;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

// What a route signature, a catcher or an attach names: the rest lives in its task's module.
pub use catcher::{redirect_to_login, Unauthorized};
pub use challenge::PendingChallenge;
pub use cognito::Cognito;
pub use error::{AuthError, Error, ServiceError};
pub use fairing::CognitoFairing;
pub use guards::{
    AnyPoolClaims, ApiKey, CognitoClaims, CognitoUser, CsrfForm, CsrfToken, Fresh, Member, SameOrigin, Scope, SignIn,
};
// `Step` is the bound of `Cognito::keep`, sealed: no application names it.
#[doc(hidden)]
pub use signin::Step;

pub mod sign_in {
    //! Signing users in: [`Cognito::login`](crate::Cognito::login) (or
    //! [`SignIn::login`](crate::SignIn::login), with the request's context and device) answers a
    //! [`Login`] (its [`Tokens`] and the user), or a step Cognito puts in between:
    //! [`Error::ChallengeRequired`](crate::Error::ChallengeRequired) with a [`PendingChallenge`],
    //! whose [`Challenge`] the page answers with an [`Answer`];
    //! [`Cognito::keep`](crate::Cognito::keep) keeps either. A [`Proof`] records how the user
    //! proved who they are, for [`Fresh`](crate::Fresh) routes; [`safe_next`] keeps `next` on the
    //! site.
    //!
    //! ```
    //! use rocket_warrant::sign_in::{safe_next, Answer};
    //!
    //! assert_eq!(safe_next("/orders?page=2"), Some("/orders?page=2"));
    //! assert_eq!(safe_next("//evil.example/"), None);
    //! let answer = Answer::Code("123456");
    //! # let _ = answer;
    //! ```

    pub use crate::challenge::{Answer, Challenge, PendingChallenge, TotpSetup};
    pub use crate::next::safe_next;
    pub use crate::proof::{Factor, Factors, Proof};
    pub use crate::signin::Login;
    pub use crate::tokens::Tokens;
}

pub mod sessions {
    //! Keeping sessions: sealed cookies (the default) or server-side rows ([`SessionMode`]), in any
    //! [`SessionStore`]; [`Cognito::user_sessions`](crate::Cognito::user_sessions) lists a user's
    //! ([`SessionInfo`]), and sign-outs become [`Revocation`]s every instance reads.
    //!
    //! ```
    //! use rocket_warrant::sessions::SessionMode;
    //!
    //! assert_eq!(SessionMode::default(), SessionMode::Cookies);
    //! ```

    pub use crate::config::SessionMode;
    pub use crate::store::{Revocation, RevocationKey, SessionInfo, SessionRecord, SessionStore};
}

pub mod stores {
    //! Where the local users live: a Diesel database through rocket_db_pools ([`SqlitePool`],
    //! [`PgPool`], [`MysqlPool`]; the migrations run at ignite), [`MemoryStore`], a [`CachedStore`]
    //! in front of any, or your own [`UserStore`]. Each keeps a [`User`] row made from a
    //! [`Profile`]. The same databases (or your own [`AttemptStore`]) count the attempts the
    //! limits in front of Cognito refuse past.
    //!
    //! ```
    //! use rocket_warrant::stores::{MemoryStore, UserStore};
    //!
    //! # rocket::async_test(async {
    //! let store = MemoryStore::new();
    //! assert!(store.find("ada").await.unwrap().is_none());
    //! # });
    //! ```

    #[cfg(feature = "mysql")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
    pub use crate::store::MysqlPool;
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub use crate::store::PgPool;
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    pub use crate::store::SqlitePool;
    pub use crate::store::{AttemptStore, CachedStore, MemoryStore, Profile, StoreError, User, UserStore};
}

pub mod machine {
    //! Machine clients: a service that signs in with the client-credentials grant sends its access
    //! token as `Authorization: Bearer`; [`Scope`] admits it when the token carries the scope that
    //! [`scope!`](crate::scope) declares, its app client `app_client_id` or one of
    //! `app_client_ids`. A machine's token names no user.
    //!
    //! ```
    //! use rocket_warrant::machine::Scope;
    //!
    //! rocket_warrant::scope!(ReadOrders = "orders/read");
    //!
    //! #[rocket::get("/orders")]
    //! fn orders(caller: Scope<ReadOrders>) -> String {
    //!     format!("orders for {}", caller.client_id())
    //! }
    //! ```

    pub use crate::guards::{OAuthScope, Scope};
}

// The README's application compiles as a doctest too. Its tests (the `rs` block, which rustdoc
// leaves alone: they call the application's `super::rocket()`) run in tests/readme.rs.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
