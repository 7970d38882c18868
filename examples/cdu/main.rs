//! The example site: a port of django-warrant's `cdu` example (in progress: login so far).
//!
//! Run it with `./scripts/demo`, which starts a local Cognito emulator with demo users.

#[macro_use]
extern crate rocket;

use rocket::form::Form;
use rocket::response::content::RawHtml;
use rocket_db_pools::Database;
use rocket_warrant::{db::SqlitePool, Cognito, Error};

#[derive(Database)]
#[database("users")]
struct Users(SqlitePool);

#[derive(FromForm)]
struct Credentials {
    username: String,
    password: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn login_page(error: Option<&str>) -> RawHtml<String> {
    let error = error.map(|e| format!("<p class=\"error\">{}</p>", escape(e))).unwrap_or_default();
    RawHtml(format!(
        "<!doctype html><title>Login</title><h1>Login</h1>{error}\
         <form method=post action=/accounts/login/>\
         <label>Username <input name=username autofocus></label>\
         <label>Password <input name=password type=password></label>\
         <button>Login</button></form>"
    ))
}

#[get("/accounts/login")]
fn login_form() -> RawHtml<String> {
    login_page(None)
}

#[post("/accounts/login", data = "<form>")]
async fn login(cognito: &Cognito, form: Form<Credentials>) -> RawHtml<String> {
    match cognito.login(&form.username, &form.password).await {
        Ok(login) => RawHtml(format!(
            "<!doctype html><title>Welcome</title><h1>{}</h1><p>Signed in as {} {} ({}).</p>",
            escape(&login.user.username),
            escape(login.user.first_name.as_deref().unwrap_or("")),
            escape(login.user.last_name.as_deref().unwrap_or("")),
            escape(login.user.email.as_deref().unwrap_or("")),
        )),
        Err(Error::InvalidCredentials) => login_page(Some("Please enter a correct username and password.")),
        Err(e) => login_page(Some(&e.to_string())),
    }
}

#[launch]
fn rocket() -> _ {
    rocket::build().attach(Users::init()).attach(Cognito::fairing::<Users>()).mount("/", routes![login_form, login])
}
