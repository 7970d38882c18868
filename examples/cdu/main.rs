//! The example site: django-warrant's `cdu` example, page for page, on rocket_warrant.
//!
//! `./scripts/demo` runs it against a local Cognito emulator with demo users; to use a real user
//! pool, fill in `[default.cognito]` in Rocket.toml and run `cargo run --example cdu`. The local
//! users and sessions live in the database `databases.users.url` names: a SQLite file, or
//! PostgreSQL or MySQL, which several instances with the same `secret_key` share.

mod site;

#[rocket::launch]
fn rocket() -> _ {
    site::build(rocket::Config::figment())
}
