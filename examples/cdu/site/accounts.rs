//! The account pages: login, logout, profile, profile update, subscriptions, user info.

use rocket::http::{CookieJar, RawStr, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::account::UserAttributes;
use rocket_warrant::config::SessionMode;
use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error, SignIn};

use super::gateway::Gateway;
use super::profile_form::{ProfileForm, FIELDS, GENDERS};
use super::{error_page, Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![login_form, login, logout_form, logout, profile, update_form, update, subscriptions, user_info]
}

/// Where a successful login goes when no `next` is given.
pub const PROFILE: &str = "/accounts/profile/";

#[derive(FromForm)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn login_page(
    csrf: &CsrfToken,
    next: Option<&str>,
    username: &str,
    error: Option<&str>,
    status: Status,
) -> (Status, Template) {
    let layout = Layout::default();
    let next = next.and_then(rocket_warrant::sign_in::safe_next);
    (status, Template::render("login", context! { layout, csrf_token: csrf.value(), next, username, error }))
}

#[get("/login?<next>")]
fn login_form(csrf: CsrfToken, next: Option<&str>) -> (Status, Template) {
    login_page(&csrf, next, "", None, Status::Ok)
}

/// Where a sign-in goes: `next` (a path on this site only, never an open redirect), or first
/// the devices page when the pool remembers this browser only if the user says so, `next`
/// carried along.
pub fn signed_in(login: &rocket_warrant::sign_in::Login, next: Option<&str>) -> Redirect {
    let next = next.and_then(rocket_warrant::sign_in::safe_next);
    if login.asks_to_remember_device() {
        let then = next.map(|n| format!("&next={}", RawStr::new(n).percent_encode())).unwrap_or_default();
        return Redirect::to(format!("/accounts/devices?ask=true{then}"));
    }
    Redirect::to(next.unwrap_or(PROFILE).to_owned())
}

#[post("/login", data = "<form>")]
async fn login(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    form: CsrfForm<LoginForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    match sign_in.keep(sign_in.login(&form.username, &form.password).await).await {
        Ok(login) => Ok(signed_in(&login, next)),
        // Unknown user and wrong password read the same, as everywhere in the crate.
        Err(Error::InvalidCredentials | Error::NotProvisioned) => Err(login_page(
            &csrf,
            next,
            &form.username,
            Some("Please enter a correct username and password. Note that both fields may be case-sensitive."),
            Status::Unauthorized,
        )),
        Err(e @ (Error::Unavailable(_) | Error::Throttled)) => {
            rocket::warn!("login: {e}");
            Err(login_page(
                &csrf,
                next,
                &form.username,
                Some("The sign-in service is unavailable; please try again shortly."),
                Status::ServiceUnavailable,
            ))
        }
        Err(Error::SignedOutEverywhereMomentsAgo { retry_after_secs }) => Err(login_page(
            &csrf,
            next,
            &form.username,
            Some(&format!(
                "You signed out everywhere moments ago: please sign in again in {retry_after_secs} seconds."
            )),
            Status::Conflict,
        )),
        // The site's own limit in front of Cognito: the same for every username.
        Err(Error::Limited { retry_after_secs }) => Err(login_page(
            &csrf,
            next,
            &form.username,
            Some(&format!("Too many attempts: please try again in {retry_after_secs} seconds.")),
            Status::TooManyRequests,
        )),
        Err(Error::UserNotConfirmed) => Err(super::self_service::unconfirmed(&csrf, &form.username)),
        // A new password or an MFA code first: its own page.
        Err(Error::ChallengeRequired(pending)) => super::challenge::step(pending, next).map_err(|pending| {
            login_page(
                &csrf,
                next,
                &form.username,
                Some(&format!(
                    "Your account needs another step before you can sign in here ({}).",
                    pending.challenge().name()
                )),
                Status::Forbidden,
            )
        }),
        Err(e) => {
            rocket::error!("login: {e}");
            Err(login_page(
                &csrf,
                next,
                &form.username,
                Some("Signing in failed on our side; please try again later."),
                Status::InternalServerError,
            ))
        }
    }
}

/// The logout page: a button, since a GET must never sign anyone out (a cross-site link or an
/// image would); the button POSTs with the CSRF token, as Django's LogoutView requires.
#[get("/logout")]
fn logout_form(csrf: CsrfToken, user: Option<CognitoUser>, config: &State<SiteConfig>) -> Template {
    let layout = Layout::new(user.as_ref(), config, None);
    Template::render("logout", context! { layout, csrf_token: csrf.value() })
}

#[derive(FromForm)]
struct LogoutForm {
    /// "Forget this browser": its remembered device too (a shared computer).
    forget_browser: bool,
}

#[post("/logout", data = "<form>")]
async fn logout(cognito: &Cognito, jar: &CookieJar<'_>, form: CsrfForm<LogoutForm>) -> Template {
    match form.forget_browser {
        true => cognito.sign_out_forgetting_device(jar).await,
        false => cognito.sign_out(jar).await,
    }
    Template::render("logged_out", context! { layout: Layout::default() })
}

/// GetUser with the user's access token; a failure is a page, not a 500 with a trace.
async fn live_attributes(cognito: &Cognito, user: &CognitoUser) -> Result<UserAttributes, (Status, Template)> {
    cognito.user_attributes(user.access_token()).await.map_err(|e| {
        rocket::warn!("GetUser: {e}");
        error_page(
            Status::ServiceUnavailable,
            "Unavailable",
            "Your profile could not be read from Cognito; please try again shortly.",
        )
    })
}

#[get("/profile")]
async fn profile(
    cognito: &Cognito,
    user: CognitoUser,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template, (Status, Template)> {
    let attributes = live_attributes(cognito, &user).await?;
    let get = |name: &str| attributes.get(name).unwrap_or_default().to_owned();
    let fields = [
        ("First Name", get("given_name")),
        ("Last Name", get("family_name")),
        ("Email", get("email")),
        ("Address", get("address")),
        ("Phone", get("phone_number")),
        ("Gender", get("gender")),
        ("Preferred Username", get("preferred_username")),
        ("API Key", get("custom:api_key")),
        ("API Key Id", get("custom:api_key_id")),
    ];
    let layout = Layout::new(Some(&user), config, flash);
    Ok(Template::render("profile", context! { layout, cognito_username: &attributes.username, fields }))
}

fn update_page(
    user: &CognitoUser,
    config: &SiteConfig,
    csrf: &CsrfToken,
    form: &ProfileForm,
    errors: std::collections::BTreeMap<&'static str, String>,
    status: Status,
) -> (Status, Template) {
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|(name, _, label, max)| {
            let value = form.value(name);
            context! { name, label, max, value, error: errors.get(name) }
        })
        .collect();
    let layout = Layout::new(Some(user), config, None);
    let genders: Vec<_> = GENDERS.iter().map(|(value, label)| context! { value, label }).collect();
    (status, Template::render("update_profile", context! { layout, csrf_token: csrf.value(), fields, genders }))
}

#[get("/profile/update")]
async fn update_form(
    cognito: &Cognito,
    user: CognitoUser,
    config: &State<SiteConfig>,
    csrf: CsrfToken,
) -> Result<(Status, Template), (Status, Template)> {
    let attributes = live_attributes(cognito, &user).await?;
    let form = ProfileForm::from_attributes(&attributes);
    Ok(update_page(&user, config, &csrf, &form, Default::default(), Status::Ok))
}

#[post("/profile/update", data = "<form>")]
async fn update(
    cognito: &Cognito,
    user: CognitoUser,
    config: &State<SiteConfig>,
    csrf: CsrfToken,
    form: CsrfForm<ProfileForm>,
) -> Result<Flash<Redirect>, (Status, Template)> {
    let errors = form.errors();
    if !errors.is_empty() {
        return Err(update_page(&user, config, &csrf, &form, errors, Status::UnprocessableEntity));
    }
    // UpdateUserAttributes under Cognito's names; the crate brings the local row in step.
    let attributes = form.attributes();
    let pairs: Vec<(&str, &str)> = attributes.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let sent = match cognito.update_attributes(user.access_token(), &pairs).await {
        Ok(sent) => sent,
        Err(e) => {
            rocket::warn!("UpdateUserAttributes: {e}");
            let mut errors = std::collections::BTreeMap::new();
            let message = match e {
                rocket_warrant::Error::InvalidInput(why) => why,
                _ => "Cognito refused the update; please check the values and try again.".to_owned(),
            };
            errors.insert("first_name", message);
            return Err(update_page(&user, config, &csrf, &form, errors, Status::BadGateway));
        }
    };
    // A new email waits for the code mailed to it (where the pool verifies emails).
    if let Some(sent) = sent.first() {
        let message =
            format!("Your profile is saved; type the code we sent to {} to confirm the new email.", sent.destination);
        return Ok(Flash::success(Redirect::to("/accounts/email?sent=true"), message));
    }
    Ok(Flash::success(Redirect::to(PROFILE), "You have successfully updated your profile."))
}

#[get("/profile/subscriptions")]
async fn subscriptions(
    cognito: &Cognito,
    gateway: &Gateway,
    user: CognitoUser,
    config: &State<SiteConfig>,
) -> Result<Template, (Status, Template)> {
    let attributes = live_attributes(cognito, &user).await?;
    let plans = match attributes.get("custom:api_key_id").filter(|k| !k.is_empty()) {
        Some(key_id) => gateway.plans_for_key(key_id).await.map_err(|e| {
            rocket::warn!("GetUsagePlans: {e}");
            error_page(
                Status::ServiceUnavailable,
                "Unavailable",
                "Your subscriptions could not be read; please try again shortly.",
            )
        })?,
        None => Vec::new(),
    };
    let layout = Layout::new(Some(&user), config, None);
    Ok(Template::render(
        "subscriptions",
        context! { layout, plans, has_key: attributes.get("custom:api_key_id").is_some_and(|k| !k.is_empty()) },
    ))
}

#[get("/user_info")]
fn user_info(cognito: &Cognito, user: CognitoUser, config: &State<SiteConfig>) -> Template {
    let local = user.user();
    // The refresh token is the crate's to use, never shown; the session says where it is kept.
    let tokens = [("ID token", user.id_token().is_some()), ("Access token", !user.access_token().is_empty())];
    let kept_in = match cognito.config().session_store {
        SessionMode::Database => "the database",
        SessionMode::Cookies => "sealed cookies",
    };
    let layout = Layout::new(Some(&user), config, None);
    Template::render(
        "user_info",
        context! {
            layout,
            local,
            api_key: local.field("api_key"),
            api_key_id: local.field("api_key_id"),
            groups: user.groups(),
            tokens,
            kept_in,
        },
    )
}
