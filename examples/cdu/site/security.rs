//! The user's own security page: where they are signed in (server-side sessions: how and from
//! where each signed in, when it was last seen, this one marked; end one, or every other), their
//! devices and passkeys, and the last 20 things that happened to the account.

use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::Serialize;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error, SignIn};

use super::activity::Activity;
use super::{Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![page, end, end_others, everywhere]
}

fn when(secs: i64) -> String {
    rocket::time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
        .unwrap_or_default()
}

/// A session as the page shows it.
#[derive(Serialize)]
#[serde(crate = "rocket::serde")]
struct Session {
    id: String,
    how: String,
    browser: String,
    address: String,
    began: String,
    last_seen: String,
    current: bool,
}

#[get("/security")]
#[allow(clippy::too_many_arguments)]
async fn page(
    cognito: &Cognito,
    sign_in: SignIn<'_>,
    jar: &CookieJar<'_>,
    user: CognitoUser,
    csrf: CsrfToken,
    activity: &State<Activity>,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
) -> Template {
    let access = user.access_token();
    // Cookie sessions keep nothing server-side to list: the page offers sign out everywhere.
    let sessions: Option<Vec<Session>> = match cognito.my_sessions(jar, access).await {
        Ok(listed) => Some(
            listed
                .into_iter()
                .map(|s| Session {
                    how: s.factors.iter().map(|f| f.name()).collect::<Vec<_>>().join(" and "),
                    browser: s.browser.unwrap_or_else(|| "a browser".into()),
                    address: s.address.unwrap_or_default(),
                    began: when(s.created_at),
                    last_seen: when(s.refreshed_at),
                    current: s.current,
                    id: s.id,
                })
                .collect(),
        ),
        Err(Error::NoSessionStore) => None,
        Err(e) => {
            rocket::warn!("security: {e}");
            Some(Vec::new())
        }
    };
    let devices: Vec<String> = (sign_in.devices(access).await.unwrap_or_default().into_iter())
        .map(|d| {
            format!(
                "{}{}",
                d.name.unwrap_or_else(|| "A browser".into()),
                if d.this_browser { " (this browser)" } else { "" }
            )
        })
        .collect();
    let passkeys: Vec<String> = (cognito.passkeys(access).await.unwrap_or_default().into_iter())
        .map(|p| p.name.unwrap_or_else(|| "A passkey".into()))
        .collect();
    let events = activity.recent(user.username()).await.unwrap_or_else(|e| {
        rocket::warn!("security: the activity could not be read: {e}");
        Vec::new()
    });
    let events: Vec<(String, String)> = events.into_iter().map(|e| (when(e.at), e.words)).collect();
    let layout = Layout::new(Some(&user), config, flash);
    Template::render("security", context! { layout, csrf_token: csrf.value(), sessions, devices, passkeys, events })
}

#[derive(FromForm)]
struct End {
    id: String,
}

/// Ends one of the user's other sessions: refused at once, its refresh token revoked.
#[post("/security/end", data = "<form>")]
async fn end(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser, form: CsrfForm<End>) -> Flash<Redirect> {
    let back = Redirect::to("/accounts/security");
    match cognito.end_my_session(jar, user.access_token(), &form.id).await {
        Ok(true) => Flash::success(back, "That session was signed out."),
        Ok(false) => Flash::error(back, "That session had ended already."),
        Err(e) => {
            rocket::warn!("security: {e}");
            Flash::error(back, "The session could not be ended; please try again.")
        }
    }
}

#[post("/security/others", data = "<_form>")]
async fn end_others(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser, _form: CsrfForm) -> Flash<Redirect> {
    let back = Redirect::to("/accounts/security");
    match cognito.end_other_sessions(jar, user.access_token()).await {
        Ok(n) => Flash::success(back, format!("Signed out everywhere else ({n} session(s)).")),
        Err(e) => {
            rocket::warn!("security: {e}");
            Flash::error(back, "The other sessions could not be ended; please try again.")
        }
    }
}

/// Cookie sessions cannot be listed: sign out everywhere, this browser too.
#[post("/security/everywhere", data = "<_form>")]
async fn everywhere(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    user: CognitoUser,
    _form: CsrfForm,
) -> Result<Redirect, Status> {
    match cognito.sign_out_everywhere(jar, user.access_token()).await {
        Ok(_) => Ok(Redirect::to("/accounts/login/")),
        Err(e) => {
            rocket::warn!("security: {e}");
            Err(Status::ServiceUnavailable)
        }
    }
}
