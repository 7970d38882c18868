//! The devices page: the browsers Cognito remembers for the signed-in user, this one marked,
//! each with a button to forget it; and, when the pool remembers a device only once the user
//! says so, a button to remember this one. Cognito's remembered devices skip the second factor.

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::serde::Serialize;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::sign_in::safe_next;
use rocket_warrant::{CognitoUser, CsrfForm, CsrfToken, Fresh, SignIn};

use super::{error_page, Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![devices, remember, forget]
}

/// A device as the page shows it.
#[derive(Serialize)]
#[serde(crate = "rocket::serde")]
struct Row {
    key: String,
    name: String,
    remembered: bool,
    this_browser: bool,
    last_signed_in: String,
}

fn when(secs: Option<i64>) -> String {
    secs.and_then(|s| rocket::time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
        .unwrap_or_default()
}

/// A failure of Cognito's, as a page.
fn unavailable(e: rocket_warrant::Error) -> (Status, Template) {
    rocket::warn!("devices: {e}");
    error_page(Status::ServiceUnavailable, "Unavailable", "Your devices could not be read; please try again shortly.")
}

#[get("/devices?<ask>&<next>")]
async fn devices(
    sign_in: SignIn<'_>,
    user: CognitoUser,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    ask: Option<bool>,
    next: Option<&str>,
) -> Result<Template, (Status, Template)> {
    let next = next.and_then(safe_next);
    let listed = sign_in.devices(user.access_token()).await.map_err(unavailable)?;
    let this_remembered = listed.iter().any(|d| d.this_browser && d.remembered);
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|d| Row {
            name: d.name.clone().unwrap_or_else(|| "A browser".to_owned()),
            last_signed_in: when(d.last_signed_in),
            key: d.key,
            remembered: d.remembered,
            this_browser: d.this_browser,
        })
        .collect();
    let can_remember = sign_in.this_device(user.username()).is_some() && !this_remembered;
    let layout = Layout::new(Some(&user), config, None);
    Ok(Template::render(
        "devices",
        context! { layout, csrf_token: csrf.value(), devices: rows, can_remember, ask: ask.unwrap_or(false), next },
    ))
}

#[derive(FromForm)]
struct RememberForm {
    /// Where the sign-in that asked was going.
    next: Option<String>,
}

/// Remembers this browser; from the question a sign-in asks, on to where it was going.
/// Remembering or forgetting a device changes when the second factor is asked: the user
/// proved who they are in the last five minutes.
#[post("/devices/remember", data = "<form>")]
async fn remember(
    sign_in: SignIn<'_>,
    user: Fresh<300>,
    form: CsrfForm<RememberForm>,
) -> Result<Redirect, (Status, Template)> {
    sign_in.remember_device(user.access_token(), true).await.map_err(unavailable)?;
    Ok(Redirect::to(form.next.as_deref().and_then(safe_next).unwrap_or("/accounts/devices").to_owned()))
}

#[derive(FromForm)]
struct ForgetForm {
    key: String,
}

#[post("/devices/forget", data = "<form>")]
async fn forget(
    sign_in: SignIn<'_>,
    user: Fresh<300>,
    form: CsrfForm<ForgetForm>,
) -> Result<Redirect, (Status, Template)> {
    sign_in.forget_device(user.access_token(), &form.key).await.map_err(unavailable)?;
    Ok(Redirect::to("/accounts/devices"))
}
