//! The steps Cognito can put between a password and the tokens, each on its own page:
//! `NEW_PASSWORD_REQUIRED` (a user an administrator created with a temporary password chooses a
//! password), `SMS_MFA` / `SOFTWARE_TOKEN_MFA` (the user types a code) and `MFA_SETUP` (a pool
//! that requires MFA: the user adds the site to an authenticator app, then types its first code).
//! django-warrant stopped at the challenge; the original site could not sign such a user in.

use rocket::form::Form;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::Redirect;
use rocket::serde::{Deserialize, Serialize};
use rocket::time::Duration;
use rocket::{get, post, routes, FromForm, Route};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::{Challenge, Cognito, Error, Login, PendingChallenge};

use super::csrf::CsrfToken;
use super::{error_page, Layout};

pub fn routes() -> Vec<Route> {
    routes![new_password_form, new_password, mfa_form, mfa, mfa_setup_form, mfa_setup]
}

/// Where a user who must choose a password goes.
pub const NEW_PASSWORD: &str = "/accounts/login/new-password/";
/// Where a user who must type an MFA code goes.
pub const MFA: &str = "/accounts/login/mfa/";
/// Where a user who must enrol an authenticator app goes.
pub const MFA_SETUP: &str = "/accounts/login/mfa-setup/";

/// The name the authenticator app shows for this site.
const ISSUER: &str = "rocket_warrant example";

/// The private cookie that holds the challenge between the login and its page.
const COOKIE: &str = "cdu_challenge";

/// What the cookie holds: the challenge and where the login was going.
#[derive(Serialize, Deserialize)]
#[serde(crate = "rocket::serde")]
struct Kept {
    pending: PendingChallenge,
    next: Option<String>,
}

/// A redirect to the page that answers `pending`, with the challenge kept for it; the
/// challenge back for one this site has no page for.
pub fn step(jar: &CookieJar<'_>, pending: PendingChallenge, next: Option<&str>) -> Result<Redirect, PendingChallenge> {
    let Some(page) = page_for(pending.challenge()) else {
        return Err(pending);
    };
    begin(jar, pending, next);
    Ok(Redirect::to(page))
}

/// The page that answers a challenge; the one mapping both the redirects and the pages use.
fn page_for(challenge: &Challenge) -> Option<&'static str> {
    match challenge {
        Challenge::NewPasswordRequired => Some(NEW_PASSWORD),
        Challenge::SmsMfa | Challenge::SoftwareTokenMfa => Some(MFA),
        Challenge::MfaSetup => Some(MFA_SETUP),
        _ => None,
    }
}

/// Keeps the challenge for its page; Cognito lets it be answered for three minutes.
fn begin(jar: &CookieJar<'_>, pending: PendingChallenge, next: Option<&str>) {
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

/// The kept challenge, when `page` is the one that answers it: no page stands in for another.
fn kept_for(jar: &CookieJar<'_>, page: &str) -> Option<Kept> {
    let kept: Kept = jar.get_private(COOKIE).and_then(|c| rocket::serde::json::from_str(c.value()).ok())?;
    (page_for(kept.pending.challenge()) == Some(page)).then_some(kept)
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

fn new_password_page(
    csrf: &CsrfToken,
    username: &str,
    errors: &[(&str, String)],
    status: Status,
) -> (Status, Template) {
    let layout = Layout::default();
    let error = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e.clone());
    let (error1, error2) = (error("new_password1"), error("new_password2"));
    let context = context! { layout, csrf_token: csrf.value(), username, error1, error2 };
    (status, Template::render("new_password", context))
}

fn mfa_page(csrf: &CsrfToken, kept: &Kept, error: Option<&str>, status: Status) -> (Status, Template) {
    let layout = Layout::default();
    let sms = *kept.pending.challenge() == Challenge::SmsMfa;
    let context = context! { layout, csrf_token: csrf.value(), username: kept.pending.username(), sms, error };
    (status, Template::render("mfa", context))
}

/// Where an answer leads: signed in, the next step Cognito asks for, the login form when the
/// challenge has expired, or `refused`'s page for the rest.
#[allow(clippy::result_large_err)] // the handlers return this page by value anyway
fn after(
    jar: &CookieJar<'_>,
    csrf: &CsrfToken,
    kept: &Kept,
    result: Result<Login, Error>,
    refused: impl FnOnce(Error) -> (Status, Template),
) -> Result<Redirect, (Status, Template)> {
    match result {
        Ok(_) => {
            forget(jar);
            Ok(Redirect::to(kept.next.clone().unwrap_or_else(|| super::accounts::PROFILE.to_owned())))
        }
        // A new password, then a code: one more page.
        Err(Error::ChallengeRequired(pending)) => step(jar, pending, kept.next.as_deref()).map_err(|pending| {
            forget(jar);
            failed(Error::ChallengeRequired(pending))
        }),
        Err(e @ Error::NotProvisioned) => {
            forget(jar);
            Err(failed(e))
        }
        Err(Error::SessionExpired) => {
            forget(jar);
            Err(start_again(csrf))
        }
        Err(e) => Err(refused(e)),
    }
}

/// A failure this page cannot help with, as an error page.
fn failed(e: Error) -> (Status, Template) {
    match e {
        e @ (Error::Unavailable(_) | Error::Throttled) => {
            rocket::warn!("sign-in step: {e}");
            let message = "The sign-in service is unavailable; please try again shortly.";
            return error_page(Status::ServiceUnavailable, "Unavailable", message);
        }
        // Signed in at Cognito, but the site keeps no account for the user (`create_unknown_users` off).
        Error::NotProvisioned => {
            let message = "This user has no account on this site.";
            return error_page(Status::Forbidden, "Forbidden", message);
        }
        Error::ChallengeRequired(pending) => {
            let message = format!(
                "Your account needs another step before you can sign in here ({}).",
                pending.challenge().name()
            );
            return error_page(Status::Forbidden, "Forbidden", &message);
        }
        _ => {}
    }
    rocket::error!("sign-in step: {e}");
    let message = "Signing in failed on our side; please try again later.";
    error_page(Status::InternalServerError, "Server Error", message)
}

#[get("/login/new-password")]
fn new_password_form(jar: &CookieJar<'_>, csrf: CsrfToken) -> (Status, Template) {
    match kept_for(jar, NEW_PASSWORD) {
        Some(kept) => new_password_page(&csrf, kept.pending.username(), &[], Status::Ok),
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
async fn new_password(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    form: Form<NewPasswordForm>,
) -> Result<Redirect, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let Some(kept) = kept_for(jar, NEW_PASSWORD) else {
        return Err(start_again(&csrf));
    };
    let username = kept.pending.username().to_owned();
    if form.new_password1 != form.new_password2 {
        let mismatch = [("new_password2", "The two password fields didn't match.".to_owned())];
        return Err(new_password_page(&csrf, &username, &mismatch, Status::UnprocessableEntity));
    }
    let result = cognito.sign_in_new_password(jar, &kept.pending, &form.new_password1).await;
    after(jar, &csrf, &kept, result, |e| match e {
        // Cognito's message names the policy rule the password breaks.
        Error::PasswordRejected(why) => {
            new_password_page(&csrf, &username, &[("new_password1", why)], Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}

#[get("/login/mfa")]
fn mfa_form(jar: &CookieJar<'_>, csrf: CsrfToken) -> (Status, Template) {
    match kept_for(jar, MFA) {
        Some(kept) => mfa_page(&csrf, &kept, None, Status::Ok),
        None => start_again(&csrf),
    }
}

#[derive(FromForm)]
pub struct CodeForm {
    csrf_token: String,
    code: String,
}

#[post("/login/mfa", data = "<form>")]
async fn mfa(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    form: Form<CodeForm>,
) -> Result<Redirect, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let Some(kept) = kept_for(jar, MFA) else {
        return Err(start_again(&csrf));
    };
    let result = cognito.sign_in_mfa(jar, &kept.pending, &form.code).await;
    after(jar, &csrf, &kept, result, |e| match e {
        // Cognito allows a few tries within the challenge's three minutes.
        Error::WrongCode => {
            mfa_page(&csrf, &kept, Some("That code is wrong or has expired."), Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}

fn mfa_setup_page(
    csrf: &CsrfToken,
    kept: &Kept,
    secret: Option<(&str, String)>,
    error: Option<&str>,
    status: Status,
) -> (Status, Template) {
    let layout = Layout::default();
    let (secret, uri) = secret.unzip();
    let context = context! { layout, csrf_token: csrf.value(), username: kept.pending.username(), secret, uri, error };
    (status, Template::render("mfa_setup", context))
}

/// Shows a new authenticator secret (each visit asks Cognito for one, and Cognito moves the
/// challenge on, so the cookie is rewritten).
#[get("/login/mfa-setup")]
async fn mfa_setup_form(cognito: &Cognito, jar: &CookieJar<'_>, csrf: CsrfToken) -> (Status, Template) {
    let Some(kept) = kept_for(jar, MFA_SETUP) else {
        return start_again(&csrf);
    };
    match cognito.setup_totp(&kept.pending).await {
        Ok(setup) => {
            let kept = Kept { pending: setup.pending().clone(), next: kept.next };
            begin(jar, kept.pending.clone(), kept.next.as_deref());
            let secret = Some((setup.secret(), setup.otpauth_uri(ISSUER)));
            mfa_setup_page(&csrf, &kept, secret, None, Status::Ok)
        }
        Err(Error::SessionExpired) => {
            forget(jar);
            start_again(&csrf)
        }
        Err(e) => failed(e),
    }
}

#[post("/login/mfa-setup", data = "<form>")]
async fn mfa_setup(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    form: Form<CodeForm>,
) -> Result<Redirect, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let Some(kept) = kept_for(jar, MFA_SETUP) else {
        return Err(start_again(&csrf));
    };
    let result = cognito.sign_in_totp_setup(jar, &kept.pending, &form.code).await;
    after(jar, &csrf, &kept, result, |e| match e {
        Error::WrongCode => {
            let error = "That code is wrong or has expired; type the code your app shows now.";
            mfa_setup_page(&csrf, &kept, None, Some(error), Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}
