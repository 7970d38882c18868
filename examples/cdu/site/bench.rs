//! Routes for `./scripts/bench`, mounted only when `[default.cdu] bench_routes = true`: the same
//! tiny response behind each guard, so that the load benchmark compares the guards alone.

use rocket::form::Form;
use rocket::http::{CookieJar, Status};
use rocket::{get, post, routes, FromForm, Route};
use rocket_warrant::{Cognito, CognitoClaims, CognitoUser};

pub fn routes() -> Vec<Route> {
    routes![bare, claims, user, maybe, login]
}

#[get("/bare")]
fn bare() -> &'static str {
    "ok"
}

#[get("/claims")]
fn claims(claims: CognitoClaims) -> &'static str {
    let _ = claims.sub();
    "ok"
}

#[get("/user")]
fn user(user: CognitoUser) -> &'static str {
    let _ = user.user().id;
    "ok"
}

#[get("/maybe")]
fn maybe(user: Option<CognitoUser>) -> &'static str {
    if user.is_some() {
        "user"
    } else {
        "ok"
    }
}

#[derive(FromForm)]
struct Credentials {
    username: String,
    password: String,
}

/// The login alone: no CSRF token to fetch first, no template.
#[post("/login", data = "<form>")]
async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Status {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Status::Ok,
        Err(e) => e.status(),
    }
}
