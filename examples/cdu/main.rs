//! The example site: django-warrant's `cdu` example, page for page, on rocket_warrant.
//!
//! `./scripts/demo` runs it against a local Cognito emulator with demo users; to use a real user
//! pool, fill in `[default.cognito]` in Rocket.toml and run `cargo run --example cdu`.

mod site;

#[rocket::launch]
fn rocket() -> _ {
    site::build(rocket::Config::figment())
}
