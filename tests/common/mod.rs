//! Test harness, by what each part provides: the Cognito emulator and its pools (`emulator`),
//! the three real stores (`stores`), fault injection (`faults`) and the codes a client computes
//! (`codes`); here, what every test file uses.
#![allow(dead_code)]

mod codes;
mod emulator;
mod faults;
pub mod passkey;
mod stores;

// Each test binary uses some of them.
#[allow(unused_imports)]
pub use {codes::*, emulator::*, faults::*, stores::*};

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// Whether a test that cannot run here must fail rather than skip: `./scripts/test` (and so CI)
/// sets `ROCKET_WARRANT_NO_SKIP`, so that it runs everything or fails.
pub fn no_skip() -> bool {
    std::env::var_os("ROCKET_WARRANT_NO_SKIP").is_some() || std::env::var("CI").as_deref() == Ok("true")
}

/// Skips the calling test with one line on the terminal (written past the harness's capture of
/// passing tests' output, so that a skip is seen and not counted quietly as a pass), or fails it
/// where nothing may be skipped.
pub fn skip(why: &str) {
    if no_skip() {
        panic!("{why}, and nothing may be skipped here (ROCKET_WARRANT_NO_SKIP or CI)");
    }
    use std::io::Write;
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}: ./scripts/test installs and starts what it needs");
}

/// The claims of a JWT, its signature unchecked (for looking at what the emulator issued).
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON claims")
}

/// A process-unique suffix.
pub fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}{}{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

/// Merges `extra` into a settings object.
pub fn with(mut settings: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        match v {
            // `null` takes a setting away.
            Value::Null => drop(settings.as_object_mut().unwrap().remove(k)),
            v => settings[k] = v.clone(),
        }
    }
    settings
}

/// The routes several test sites share.
#[allow(dead_code)]
pub mod routes {
    use rocket::form::Form;
    use rocket::http::CookieJar;
    use rocket::{get, post, FromForm};
    use rocket_warrant::{Cognito, CognitoUser, Error};

    /// The signed-in user's username.
    #[get("/me")]
    pub fn me(user: CognitoUser) -> String {
        user.username().to_owned()
    }

    /// The session's current access token, as the guard sees it.
    #[get("/access")]
    pub fn access(user: CognitoUser) -> String {
        user.access_token().to_owned()
    }

    #[derive(FromForm)]
    pub struct Credentials {
        pub username: String,
        pub password: String,
    }

    /// Signs in with the form's username and password, the session kept as the settings say.
    #[post("/login", data = "<form>")]
    pub async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
        cognito.keep(jar, cognito.login(&form.username, &form.password).await).await?;
        Ok("signed in")
    }

    /// [`login`] through `SignIn`: the request's address and browser go with the sign-in
    /// (the limits count the address; a session keeps both).
    #[post("/login", data = "<form>")]
    pub async fn sign_in(sign_in: rocket_warrant::SignIn<'_>, form: Form<Credentials>) -> Result<&'static str, Error> {
        sign_in.keep(sign_in.login(&form.username, &form.password).await).await?;
        Ok("signed in")
    }
}
