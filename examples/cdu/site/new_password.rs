//! The first login of a user an administrator created with a temporary password: Cognito answers
//! the login with `NEW_PASSWORD_REQUIRED`, the user chooses a password here, and is signed in.
//! django-warrant stopped at the challenge; the original site could not sign such a user in.

use rocket::form::Form;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::Redirect;
use rocket::serde::{Deserialize, Serialize};
use rocket::time::Duration;
use rocket::{get, post, routes, FromForm, Route};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::{Cognito, Error, PendingChallenge};

use super::csrf::CsrfToken;
use super::{error_page, Layout};

pub fn routes() -> Vec<Route> {
    routes![form, submit]
}

/// Where the login sends a user who must choose a password.
pub const PATH: &str = "/accounts/login/new-password/";

/// The private cookie that holds the challenge between the login and this page.
const COOKIE: &str = "cdu_challenge";

/// What the cookie holds: the challenge and where the login was going.
#[derive(Serialize, Deserialize)]
#[serde(crate = "rocket::serde")]
struct Kept {
    pending: PendingChallenge,
    next: Option<String>,
}

/// Keeps the challenge for this page; Cognito lets it be answered for three minutes.
pub fn begin(jar: &CookieJar<'_>, pending: PendingChallenge, next: Option<&str>) {
    let kept = Kept { pending, next: next.and_then(rocket_warrant::safe_next).map(str::to_owned) };
    // Strings only: serializing cannot fail, and if it did the page would say to start again.
    let Ok(value) = rocket::serde::json::to_string(&kept) else { return };
    jar.add_private(
        Cookie::build((COOKIE, value))
            .path("/accounts/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(Duration::minutes(3)),
    );
}

fn kept(jar: &CookieJar<'_>) -> Option<Kept> {
    jar.get_private(COOKIE).and_then(|c| rocket::serde::json::from_str(c.value()).ok())
}

fn forget(jar: &CookieJar<'_>) {
    jar.remove_private(Cookie::build(COOKIE).path("/accounts/"));
}

/// Back to the login form, saying why.
fn start_again(csrf: &CsrfToken) -> (Status, Template) {
    let error = "That sign-in took too long or has already been used; please sign in again.";
    let layout = Layout::default();
    let context = context! { layout, csrf_token: csrf.value(), username: "", error };
    (Status::Unauthorized, Template::render("login", context))
}

fn page(csrf: &CsrfToken, username: &str, errors: &[(&str, String)], status: Status) -> (Status, Template) {
    let layout = Layout::default();
    let error = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e.clone());
    let (error1, error2) = (error("new_password1"), error("new_password2"));
    let context = context! { layout, csrf_token: csrf.value(), username, error1, error2 };
    (status, Template::render("new_password", context))
}

#[get("/login/new-password")]
fn form(jar: &CookieJar<'_>, csrf: CsrfToken) -> (Status, Template) {
    match kept(jar) {
        Some(kept) => page(&csrf, kept.pending.username(), &[], Status::Ok),
        None => start_again(&csrf),
    }
}

#[derive(FromForm)]
pub struct NewPasswordForm {
    csrf_token: String,
    new_password1: String,
    new_password2: String,
}

#[post("/login/new-password", data = "<form>")]
async fn submit(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    form: Form<NewPasswordForm>,
) -> Result<Redirect, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let Some(kept) = kept(jar) else {
        return Err(start_again(&csrf));
    };
    let username = kept.pending.username();
    if form.new_password1 != form.new_password2 {
        let mismatch = [("new_password2", "The two password fields didn't match.".to_owned())];
        return Err(page(&csrf, username, &mismatch, Status::UnprocessableEntity));
    }
    match cognito.sign_in_new_password(jar, &kept.pending, &form.new_password1).await {
        Ok(_) => {
            forget(jar);
            Ok(Redirect::to(kept.next.unwrap_or_else(|| super::accounts::PROFILE.to_owned())))
        }
        // Cognito's message names the policy rule the password breaks.
        Err(Error::PasswordRejected(why)) => {
            Err(page(&csrf, username, &[("new_password1", why)], Status::UnprocessableEntity))
        }
        Err(Error::SessionExpired) => {
            forget(jar);
            Err(start_again(&csrf))
        }
        Err(e @ (Error::Unavailable(_) | Error::Throttled)) => {
            rocket::warn!("new password: {e}");
            let message = "The sign-in service is unavailable; please try again shortly.";
            Err(error_page(Status::ServiceUnavailable, "Unavailable", message))
        }
        Err(e) => {
            rocket::error!("new password: {e}");
            let message = "Setting your password failed on our side; please try again later.";
            Err(error_page(Status::InternalServerError, "Server Error", message))
        }
    }
}
