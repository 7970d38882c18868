//! The admin pages, for members of the configured Cognito group: every user of the pool, and
//! a user's API Gateway subscriptions and signed-in sessions (server-side sessions: each can be
//! ended).

use rocket::http::Status;
use rocket::request::{FlashMessage, FromRequest, Outcome, Request};
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, uri, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::sessions::SessionInfo;
use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error};

use super::gateway::Gateway;
use super::{error_page, Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![users, user, subscribe, end_session]
}

/// A signed-in member of `admin_group`: 401 (the login page) when anonymous, 403 otherwise.
pub struct Admin(CognitoUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let group = match req.rocket().state::<SiteConfig>() {
            Some(config) => config.admin_group.clone(),
            None => return Outcome::Error((Status::InternalServerError, ())),
        };
        match CognitoUser::from_request(req).await {
            Outcome::Success(user) if user.in_group(&group) => Outcome::Success(Admin(user)),
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, ())),
            Outcome::Error((status, _)) => Outcome::Error((status, ())),
            Outcome::Forward(status) => Outcome::Forward(status),
        }
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> (Status, Template) {
    rocket::warn!("{what}: {e}");
    error_page(
        Status::ServiceUnavailable,
        "Unavailable",
        &format!("{what} could not be read; please try again shortly."),
    )
}

/// One row of the users table.
#[derive(rocket::serde::Serialize)]
#[serde(crate = "rocket::serde")]
struct Row {
    username: String,
    first_name: String,
    last_name: String,
}

#[get("/cognito-users")]
async fn users(cognito: &Cognito, admin: Admin, config: &State<SiteConfig>) -> Result<Template, (Status, Template)> {
    // Every page of ListUsers, not the first 60 as the original.
    let mut pages = cognito.sdk().list_users().user_pool_id(&cognito.config().user_pool_id).into_paginator().send();
    let mut rows = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| unavailable("The users", aws_smithy_types::error::display::DisplayErrorContext(e)))?;
        for user in page.users() {
            let attr = |name: &str| {
                user.attributes()
                    .iter()
                    .find(|a| a.name() == name)
                    .and_then(|a| a.value())
                    .unwrap_or_default()
                    .to_owned()
            };
            rows.push(Row {
                username: user.username().unwrap_or_default().to_owned(),
                first_name: attr("given_name"),
                last_name: attr("family_name"),
            });
        }
    }
    rows.sort_by(|a, b| a.username.cmp(&b.username));
    let layout = Layout::new(Some(&admin.0), config, None);
    Ok(Template::render("admin_users", context! { layout, users: rows }))
}

#[derive(FromForm)]
struct SubscribeForm {
    plan: String,
}

/// The user's `custom:api_key_id`, by AdminGetUser.
async fn api_key_id(cognito: &Cognito, username: &str) -> Result<Option<String>, (Status, Template)> {
    let found =
        cognito.sdk().admin_get_user().user_pool_id(&cognito.config().user_pool_id).username(username).send().await;
    match found {
        Ok(user) => Ok(user
            .user_attributes()
            .iter()
            .find(|a| a.name() == "custom:api_key_id")
            .and_then(|a| a.value())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_user_not_found_exception()) => {
            Err(error_page(Status::NotFound, "Not Found", "There is no such user."))
        }
        Err(e) => Err(unavailable("The user", aws_smithy_types::error::display::DisplayErrorContext(e))),
    }
}

#[get("/cognito-users/<username>")]
async fn user(
    cognito: &Cognito,
    gateway: &Gateway,
    admin: Admin,
    config: &State<SiteConfig>,
    csrf: CsrfToken,
    flash: Option<FlashMessage<'_>>,
    username: &str,
) -> Result<Template, (Status, Template)> {
    let key_id = api_key_id(cognito, username).await?;
    let (current, available) = match &key_id {
        Some(key_id) => {
            let current = gateway.plans_for_key(key_id).await.map_err(|e| unavailable("The subscriptions", e))?;
            let all = gateway.all_plans().await.map_err(|e| unavailable("The plans", e))?;
            let available: Vec<_> = all.into_iter().filter(|p| !current.iter().any(|c| c.id == p.id)).collect();
            (current, available)
        }
        None => (Vec::new(), Vec::new()),
    };
    let sessions = match cognito.user_sessions(username).await {
        Ok(sessions) => Some(sessions.iter().map(SessionRow::from).collect::<Vec<_>>()),
        // Cookie sessions: nothing to list.
        Err(Error::NoSessionStore) => None,
        Err(e) => return Err(unavailable("The sessions", e)),
    };
    let layout = Layout::new(Some(&admin.0), config, flash);
    let action = uri!("/accounts/admin", subscribe(username)).to_string();
    Ok(Template::render(
        "admin_user",
        context! {
            layout, username, has_key: key_id.is_some(), current, available, csrf_token: csrf.value(), action, sessions,
        },
    ))
}

/// One row of a user's sessions.
#[derive(rocket::serde::Serialize)]
#[serde(crate = "rocket::serde")]
struct SessionRow {
    id: String,
    short_id: String,
    created_at: i64,
    refreshed_at: i64,
    expires_at: i64,
}

impl From<&SessionInfo> for SessionRow {
    fn from(s: &SessionInfo) -> Self {
        SessionRow {
            id: s.id.clone(),
            short_id: s.id.chars().take(12).collect(),
            created_at: s.created_at,
            refreshed_at: s.refreshed_at,
            expires_at: s.expires_at,
        }
    }
}

/// Ends one of a user's sessions: that browser is signed out at its next request.
#[post("/cognito-users/<username>/sessions/<id>/end", data = "<_form>")]
async fn end_session(
    cognito: &Cognito,
    _admin: Admin,
    username: &str,
    id: &str,
    _form: CsrfForm,
) -> Result<Flash<Redirect>, (Status, Template)> {
    let back = Redirect::to(uri!("/accounts/admin", user(username)));
    // Only a session of this user: the id comes from the page, the username from the path.
    let owned = cognito.user_sessions(username).await.map_err(|e| unavailable("The sessions", e))?;
    if !owned.iter().any(|s| s.id == id) {
        return Ok(Flash::error(back, "There is no such session."));
    }
    match cognito.end_session(id).await {
        Ok(_) => Ok(Flash::success(back, "Session ended.")),
        Err(e) => Err(unavailable("The session", e)),
    }
}

#[post("/cognito-users/<username>", data = "<form>")]
async fn subscribe(
    cognito: &Cognito,
    gateway: &Gateway,
    _admin: Admin,
    username: &str,
    form: CsrfForm<SubscribeForm>,
) -> Result<Flash<Redirect>, (Status, Template)> {
    let back = Redirect::to(uri!("/accounts/admin", user(username)));
    let Some(key_id) = api_key_id(cognito, username).await? else {
        return Ok(Flash::error(back, "This user has no API key."));
    };
    let plans = gateway.all_plans().await.map_err(|e| unavailable("The plans", e))?;
    if !plans.iter().any(|p| p.id == form.plan) {
        return Ok(Flash::error(back, "Select a valid plan."));
    }
    match gateway.subscribe(&form.plan, &key_id).await {
        Ok(()) => Ok(Flash::success(back, "Added subscription successfully.")),
        Err(e) => {
            rocket::warn!("CreateUsagePlanKey: {e}");
            Ok(Flash::error(back, "The subscription could not be added; please try again."))
        }
    }
}

/// The Prometheus recorder the crate's metrics go to: installed once per process (a site built
/// again in the same process, as the tests do, shares it).
pub fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder already installed (an application's own) keeps the metrics.
            let _ = ::metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The crate's metrics in Prometheus' text format, for the admins (a scraper signs in as one).
#[get("/metrics")]
pub fn prometheus(_admin: Admin, handle: &State<metrics_exporter_prometheus::PrometheusHandle>) -> String {
    handle.render()
}
