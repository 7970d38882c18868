//! The steps Cognito can put between a password and the tokens, each on its own page:
//! `NEW_PASSWORD_REQUIRED` (a user an administrator created with a temporary password chooses a
//! password), `SMS_MFA` / `SOFTWARE_TOKEN_MFA` (the user types a code) and `MFA_SETUP` (a pool
//! that requires MFA: the user adds the site to an authenticator app, then types its first code).
//! django-warrant stopped at the challenge; the original site could not sign such a user in.

use rocket::http::{RawStr, Status};
use rocket::request::FlashMessage;
use rocket::response::Redirect;
use rocket::{get, post, routes, FromForm, Route};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::sign_in::{safe_next, Answer, Challenge, Login};
use rocket_warrant::{CsrfForm, CsrfToken, Error, PendingChallenge, SignIn};

use super::{error_page, Layout};

pub fn routes() -> Vec<Route> {
    routes![
        new_password_form,
        new_password,
        mfa_form,
        mfa,
        choose_form,
        choose,
        mfa_setup_form,
        mfa_setup_key,
        mfa_setup
    ]
}

/// Where a user who must choose a password goes.
pub const NEW_PASSWORD: &str = "/accounts/login/new-password/";
/// Where a user who must type an MFA code goes.
pub const MFA: &str = "/accounts/login/mfa/";
/// Where a user with several second factors chooses one.
pub const CHOOSE: &str = "/accounts/login/choose/";
/// Where a user who must enrol an authenticator app goes.
pub const MFA_SETUP: &str = "/accounts/login/mfa-setup/";

/// The name the authenticator app shows for this site.
const ISSUER: &str = "rocket_warrant example";

/// A redirect to the page that answers `pending` (the crate keeps the challenge itself), with
/// `next` carried along; the challenge back for one this site has no page for.
pub fn step(pending: PendingChallenge, next: Option<&str>) -> Result<Redirect, PendingChallenge> {
    let Some(page) = page_for(pending.challenge()) else {
        return Err(pending);
    };
    Ok(Redirect::to(match next.and_then(safe_next) {
        Some(next) => format!("{page}?next={}", RawStr::new(next).percent_encode()),
        None => page.to_owned(),
    }))
}

/// The page that answers a challenge; the one mapping both the redirects and the pages use.
fn page_for(challenge: &Challenge) -> Option<&'static str> {
    match challenge {
        Challenge::NewPasswordRequired => Some(NEW_PASSWORD),
        Challenge::SmsMfa | Challenge::SoftwareTokenMfa | Challenge::EmailOtp | Challenge::SmsOtp => Some(MFA),
        Challenge::SelectMfaType => Some(CHOOSE),
        Challenge::MfaSetup => Some(MFA_SETUP),
        _ => None,
    }
}

/// The kept challenge, when `page` is the one that answers it: no page stands in for another.
fn kept_for(pending: Option<PendingChallenge>, page: &str) -> Option<PendingChallenge> {
    pending.filter(|p| page_for(p.challenge()) == Some(page))
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
    pending: &PendingChallenge,
    next: Option<&str>,
    errors: &[(&str, String)],
    status: Status,
) -> (Status, Template) {
    let layout = Layout::default();
    let error = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e.clone());
    let (error1, error2) = (error("new_password1"), error("new_password2"));
    let next = next.and_then(safe_next);
    let context = context! { layout, csrf_token: csrf.value(), username: pending.username(), next, error1, error2 };
    (status, Template::render("new_password", context))
}

fn mfa_page(
    csrf: &CsrfToken,
    pending: &PendingChallenge,
    next: Option<&str>,
    error: Option<&str>,
    status: Status,
) -> (Status, Template) {
    mfa_page_in(Layout::default(), csrf, pending, next, error, status)
}

/// The code page in `layout` (with its flash message, say).
fn mfa_page_in(
    layout: Layout,
    csrf: &CsrfToken,
    pending: &PendingChallenge,
    next: Option<&str>,
    error: Option<&str>,
    status: Status,
) -> (Status, Template) {
    let sms = matches!(pending.challenge(), Challenge::SmsMfa | Challenge::SmsOtp);
    let email = *pending.challenge() == Challenge::EmailOtp;
    let next = next.and_then(safe_next);
    let destination = pending.destination();
    let username = pending.username();
    let context = context! { layout, csrf_token: csrf.value(), username, next, sms, email, destination, error };
    (status, Template::render("mfa", context))
}

/// Where an answer leads, once the crate has kept its result: signed in, the next step Cognito
/// asks for, the login form when the challenge has expired, or `refused`'s page for the rest.
#[allow(clippy::result_large_err)] // the handlers return this page by value anyway
fn after(
    csrf: &CsrfToken,
    next: Option<&str>,
    result: Result<Login, Error>,
    refused: impl FnOnce(Error) -> (Status, Template),
) -> Result<Redirect, (Status, Template)> {
    match result {
        // Signed in (the crate gave the browser a new CSRF secret), or re-authenticated.
        Ok(login) => Ok(super::accounts::signed_in(&login, next)),
        // A new password, then a code: one more page.
        Err(Error::ChallengeRequired(pending)) => {
            step(pending, next).map_err(|pending| failed(Error::ChallengeRequired(pending)))
        }
        Err(Error::SessionExpired) => Err(start_again(csrf)),
        Err(e @ Error::NotProvisioned) => Err(failed(e)),
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
        Error::SignedOutEverywhereMomentsAgo { retry_after_secs } => {
            let message =
                format!("You signed out everywhere moments ago: please sign in again in {retry_after_secs} seconds.");
            return error_page(Status::Conflict, "Conflict", &message);
        }
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

#[get("/login/new-password?<next>")]
fn new_password_form(pending: Option<PendingChallenge>, csrf: CsrfToken, next: Option<&str>) -> (Status, Template) {
    match kept_for(pending, NEW_PASSWORD) {
        Some(pending) => new_password_page(&csrf, &pending, next, &[], Status::Ok),
        None => start_again(&csrf),
    }
}

#[derive(FromForm)]
pub struct NewPasswordForm {
    new_password1: String,
    new_password2: String,
    next: Option<String>,
}

#[post("/login/new-password", data = "<form>")]
async fn new_password(
    sign_in: SignIn<'_>,
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    form: CsrfForm<NewPasswordForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let Some(pending) = kept_for(pending, NEW_PASSWORD) else {
        return Err(start_again(&csrf));
    };
    if form.new_password1 != form.new_password2 {
        let mismatch = [("new_password2", "The two password fields didn't match.".to_owned())];
        return Err(new_password_page(&csrf, &pending, next, &mismatch, Status::UnprocessableEntity));
    }
    let result = sign_in.keep(sign_in.answer(&pending, Answer::NewPassword(&form.new_password1)).await).await;
    after(&csrf, next, result, |e| match e {
        // Cognito's message names the policy rule the password breaks.
        Error::PasswordRejected(why) => {
            new_password_page(&csrf, &pending, next, &[("new_password1", why)], Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}

#[get("/login/mfa?<next>")]
fn mfa_form(
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    next: Option<&str>,
    flash: Option<FlashMessage<'_>>,
) -> (Status, Template) {
    match kept_for(pending, MFA) {
        Some(pending) => {
            let layout = Layout::anonymous(flash);
            mfa_page_in(layout, &csrf, &pending, next, None, Status::Ok)
        }
        None => start_again(&csrf),
    }
}

#[derive(FromForm)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

#[post("/login/mfa", data = "<form>")]
async fn mfa(
    sign_in: SignIn<'_>,
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    form: CsrfForm<CodeForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let Some(pending) = kept_for(pending, MFA) else {
        return Err(start_again(&csrf));
    };
    let result = sign_in.keep(sign_in.answer(&pending, Answer::Code(&form.code)).await).await;
    after(&csrf, next, result, |e| match e {
        // Cognito allows a few tries within the challenge's three minutes.
        Error::WrongCode => {
            mfa_page(&csrf, &pending, next, Some("That code is wrong or has expired."), Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}

/// The factors a user may choose among, each with what the page calls it.
fn factors(pending: &PendingChallenge) -> Vec<(String, &'static str)> {
    let label = |factor: &str| match factor {
        "SMS_MFA" => "A code by text message",
        "EMAIL_OTP" => "A code by email",
        "SOFTWARE_TOKEN_MFA" => "A code from my authenticator app",
        _ => "Another way",
    };
    pending.options().iter().map(|f| (f.clone(), label(f))).collect()
}

fn choose_page(csrf: &CsrfToken, pending: &PendingChallenge, next: Option<&str>) -> (Status, Template) {
    let layout = Layout::default();
    let next = next.and_then(safe_next);
    let context = context! { layout, csrf_token: csrf.value(), next, factors: factors(pending) };
    (Status::Ok, Template::render("choose_factor", context))
}

#[get("/login/choose?<next>")]
fn choose_form(pending: Option<PendingChallenge>, csrf: CsrfToken, next: Option<&str>) -> (Status, Template) {
    match kept_for(pending, CHOOSE) {
        Some(pending) => choose_page(&csrf, &pending, next),
        None => start_again(&csrf),
    }
}

#[derive(FromForm)]
pub struct ChooseForm {
    factor: String,
    next: Option<String>,
}

#[post("/login/choose", data = "<form>")]
async fn choose(
    sign_in: SignIn<'_>,
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    form: CsrfForm<ChooseForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let Some(pending) = kept_for(pending, CHOOSE) else {
        return Err(start_again(&csrf));
    };
    // The chosen factor's challenge follows, on its own page.
    let result = sign_in.keep(sign_in.answer(&pending, Answer::Choose(&form.factor)).await).await;
    after(&csrf, next, result, |e| match e {
        Error::WrongAnswer { .. } => choose_page(&csrf, &pending, next),
        e => failed(e),
    })
}

fn mfa_setup_page(
    csrf: &CsrfToken,
    pending: &PendingChallenge,
    next: Option<&str>,
    secret: Option<(&str, String)>,
    error: Option<&str>,
    status: Status,
) -> (Status, Template) {
    let layout = Layout::default();
    let (secret, uri) = secret.unzip();
    let next = next.and_then(safe_next);
    let username = pending.username();
    let context = context! { layout, csrf_token: csrf.value(), username, next, secret, uri, error };
    (status, Template::render("mfa_setup", context))
}

/// The enrolment page. A GET changes nothing (a prefetch or a reload must not start a new
/// enrolment at Cognito): the key is asked for with the page's button, a POST.
#[get("/login/mfa-setup?<next>")]
fn mfa_setup_form(pending: Option<PendingChallenge>, csrf: CsrfToken, next: Option<&str>) -> (Status, Template) {
    let Some(pending) = kept_for(pending, MFA_SETUP) else {
        return start_again(&csrf);
    };
    mfa_setup_page(&csrf, &pending, next, None, None, Status::Ok)
}

#[derive(FromForm)]
struct KeyForm {
    next: Option<String>,
}

/// Shows a new authenticator secret: Cognito makes one (AssociateSoftwareToken) and moves the
/// challenge on, which `keep` follows.
#[post("/login/mfa-setup/key", data = "<form>")]
async fn mfa_setup_key(
    sign_in: SignIn<'_>,
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    form: CsrfForm<KeyForm>,
) -> (Status, Template) {
    let next = form.next.as_deref();
    let Some(pending) = kept_for(pending, MFA_SETUP) else {
        return start_again(&csrf);
    };
    match sign_in.keep(sign_in.setup_totp(&pending).await).await {
        Ok(setup) => {
            let secret = Some((setup.secret(), setup.otpauth_uri(ISSUER)));
            mfa_setup_page(&csrf, setup.pending(), next, secret, None, Status::Ok)
        }
        Err(Error::SessionExpired) => start_again(&csrf),
        Err(e) => failed(e),
    }
}

#[post("/login/mfa-setup", data = "<form>")]
async fn mfa_setup(
    sign_in: SignIn<'_>,
    pending: Option<PendingChallenge>,
    csrf: CsrfToken,
    form: CsrfForm<CodeForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let Some(pending) = kept_for(pending, MFA_SETUP) else {
        return Err(start_again(&csrf));
    };
    let result = sign_in.keep(sign_in.answer(&pending, Answer::Code(&form.code)).await).await;
    after(&csrf, next, result, |e| match e {
        Error::WrongCode => {
            let error = "That code is wrong or has expired; type the code your app shows now.";
            mfa_setup_page(&csrf, &pending, next, None, Some(error), Status::UnprocessableEntity)
        }
        e => failed(e),
    })
}
