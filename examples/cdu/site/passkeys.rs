//! Passkeys: the page that lists the signed-in user's passkeys (with names and dates), adds one
//! and deletes one, both behind a recent proof of identity; and "Sign in with a passkey" on the
//! login page. The browser's side is `passkeys.js`, a few lines around
//! `navigator.credentials.create` and `.get` and the JSON forms Cognito takes.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::serde::Serialize;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::sign_in::{safe_next, Answer};
use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error, Fresh, PendingChallenge, SignIn};

use super::{error_page, Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![page, options, register, delete, start, finish]
}

/// A passkey as the page shows it.
#[derive(Serialize)]
#[serde(crate = "rocket::serde")]
struct Row {
    id: String,
    name: String,
    kind: String,
    created: String,
}

fn when(secs: Option<i64>) -> String {
    secs.and_then(|s| rocket::time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
        .unwrap_or_default()
}

/// What the script is told when a step fails: the status, and words for the user.
fn refused(e: Error) -> (Status, String) {
    match e {
        Error::PasskeyRefused(why) => (Status::UnprocessableEntity, format!("The passkey was refused: {why}")),
        Error::InvalidCredentials | Error::SessionExpired | Error::WrongAnswer { .. } => {
            (Status::Unauthorized, "That passkey did not sign you in.".into())
        }
        Error::Limited { retry_after_secs } => {
            (Status::TooManyRequests, format!("Too many attempts: please try again in {retry_after_secs} seconds."))
        }
        Error::Misconfigured(_) => {
            rocket::error!("passkeys: {e}");
            (Status::NotImplemented, "Passkeys are not set up on this site.".into())
        }
        e => {
            rocket::warn!("passkeys: {e}");
            (Status::ServiceUnavailable, "Passkeys are unavailable; please try again shortly.".into())
        }
    }
}

#[get("/passkeys")]
async fn page(
    cognito: &Cognito,
    user: CognitoUser,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    flash: Option<rocket::request::FlashMessage<'_>>,
) -> Result<Template, (Status, Template)> {
    let listed = cognito.passkeys(user.access_token()).await.map_err(|e| {
        rocket::warn!("passkeys: {e}");
        error_page(
            Status::ServiceUnavailable,
            "Unavailable",
            "Your passkeys could not be read; please try again shortly.",
        )
    })?;
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|p| Row {
            name: p.name.clone().unwrap_or_else(|| "A passkey".to_owned()),
            kind: match p.attachment.as_deref() {
                Some("platform") => "this device's",
                Some("cross-platform") => "a security key",
                _ => "",
            }
            .to_owned(),
            created: when(p.created),
            id: p.id,
        })
        .collect();
    let layout = Layout::new(Some(&user), config, flash);
    Ok(Template::render("passkeys", context! { layout, csrf_token: csrf.value(), passkeys: rows }))
}

/// The options for `navigator.credentials.create`, for a user who proved who they are in the
/// last five minutes (else the re-authentication page, as for the other sensitive pages).
#[post("/passkeys/options", data = "<_form>")]
async fn options(cognito: &Cognito, user: Fresh<300>, _form: CsrfForm) -> Result<String, (Status, String)> {
    cognito.start_passkey_registration(&user).await.map_err(refused)
}

#[derive(FromForm)]
struct Credential {
    credential: String,
}

#[post("/passkeys", data = "<form>")]
async fn register(
    cognito: &Cognito,
    user: Fresh<300>,
    form: CsrfForm<Credential>,
) -> Result<&'static str, (Status, String)> {
    cognito.complete_passkey_registration(&user, &form.credential).await.map_err(refused)?;
    Ok("registered")
}

#[derive(FromForm)]
struct Delete {
    id: String,
}

#[post("/passkeys/delete", data = "<form>")]
async fn delete(cognito: &Cognito, user: Fresh<300>, form: CsrfForm<Delete>) -> Flash<Redirect> {
    let back = Redirect::to("/accounts/passkeys");
    match cognito.delete_passkey(&user, &form.id).await {
        Ok(()) => Flash::success(back, "The passkey was deleted."),
        Err(e) => {
            rocket::warn!("passkeys: {e}");
            Flash::error(back, "The passkey could not be deleted; please try again.")
        }
    }
}

#[derive(FromForm)]
struct Who {
    username: String,
}

/// Starts a passkey sign-in: the options for `navigator.credentials.get`; the step is kept for
/// `finish`.
#[post("/login/passkey", data = "<form>")]
async fn start(sign_in: SignIn<'_>, form: CsrfForm<Who>) -> Result<String, (Status, String)> {
    match sign_in.keep(sign_in.start_passkey_sign_in(&form.username).await).await {
        Err(Error::ChallengeRequired(step)) if step.passkey_options().is_some() => {
            Ok(step.passkey_options().unwrap_or_default().to_owned())
        }
        // No passkey to sign in with (an unknown user too): as a wrong one.
        Ok(_) | Err(Error::ChallengeRequired(_) | Error::InvalidCredentials | Error::Cognito(_)) => {
            Err((Status::Unauthorized, "No passkey of that user can sign in here.".into()))
        }
        Err(e) => Err(refused(e)),
    }
}

#[derive(FromForm)]
struct Finish {
    credential: String,
    next: Option<String>,
}

/// The browser's assertion: signed in, and where to go next. (The step is optional here so
/// that a form without its CSRF token is refused as such first.)
#[post("/login/passkey/finish", data = "<form>")]
async fn finish(
    sign_in: SignIn<'_>,
    step: Option<PendingChallenge>,
    form: CsrfForm<Finish>,
) -> Result<String, (Status, String)> {
    let Some(step) = step else {
        return Err((Status::Unauthorized, "The passkey sign-in expired; please start again.".into()));
    };
    sign_in.keep(sign_in.answer(&step, Answer::Passkey(&form.credential)).await).await.map_err(refused)?;
    Ok(form.next.as_deref().and_then(safe_next).unwrap_or("/accounts/profile/").to_owned())
}
