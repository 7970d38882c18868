//! The example site, as a Rocket built from a figment (so the tests can build it too).
//!
//! | path | who | what |
//! | --- | --- | --- |
//! | `/accounts/login/` | anyone | the login form |
//! | `/accounts/login/new-password/` | after a login with a temporary password | choose a password, then signed in |
//! | `/accounts/login/mfa/` | after a login of a user with MFA | type the code, then signed in |
//! | `/accounts/login/mfa-setup/` | after a login where the pool requires MFA | enrol an authenticator app |
//! | `/accounts/logout/` | anyone | logs out (cookies cleared, tokens revoked) |
//! | `/accounts/profile/` | signed in | the user's attributes, read live from Cognito |
//! | `/accounts/profile/update/` | signed in | the profile form; saves with UpdateUserAttributes |
//! | `/accounts/profile/subscriptions/` | signed in | the usage plans of the user's API key |
//! | `/accounts/user_info/` | signed in | the local user row and the tokens held |
//! | `/accounts/signup/` | anyone | sign up; a code is mailed to the address |
//! | `/accounts/confirm/` | anyone | confirm a sign-up with its code, or have it sent again |
//! | `/accounts/password/forgot/`, `/accounts/password/reset/` | anyone | a code to reset a forgotten password, then the new password |
//! | `/accounts/password/change/` | signed in | change the password |
//! | `/accounts/email/` | signed in | change the email; it takes effect with the code sent to it |
//! | `/accounts/delete/` | signed in | delete the account, its local row and sessions |
//! | `/accounts/passkeys` | signed in | the user's passkeys: add one, delete one |
//! | `/accounts/security` | signed in | where the user is signed in (end one, or every other), devices, passkeys, the last 20 events |
//! | `/metrics` | the admin group | the crate's metrics, in Prometheus' format |
//! | `/accounts/admin/cognito-users/` | the admin group | every user of the pool |
//! | `/accounts/admin/cognito-users/<username>` | the admin group | a user's plans; subscribe to another |

pub mod accounts;
pub mod activity;
pub mod admin;
pub mod bench;
pub mod challenge;
pub mod devices;
pub mod gateway;
pub mod passkeys;
pub mod profile_form;
pub mod security;
pub mod self_service;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::Redirect;
use rocket::serde::Serialize;
use rocket::{catch, catchers, get, routes, Build, Request, Rocket};
use rocket_db_pools::Database;
use rocket_dyn_templates::{context, Template};
use rocket_warrant::stores::{MysqlPool, PgPool, SqlitePool};
use rocket_warrant::{Cognito, CognitoUser};

/// The local users in a SQLite file (the default)...
#[derive(Database)]
#[database("users")]
pub struct SqliteUsers(SqlitePool);

/// ...or in PostgreSQL, which several instances of the site can share...
#[derive(Database)]
#[database("users")]
pub struct PgUsers(PgPool);

/// ...or in MySQL or MariaDB.
#[derive(Database)]
#[database("users")]
pub struct MysqlUsers(MysqlPool);

/// Attaches the users' database that `databases.users.url` names, and the Cognito fairing on it.
/// The account's events go to the same database (`activity`).
fn with_users(rocket: Rocket<Build>) -> Rocket<Build> {
    let url: String = rocket.figment().extract_inner("databases.users.url").unwrap_or_default();
    let events = activity::Activity::default();
    let rocket = rocket.manage(events.clone());
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (rocket.attach(PgUsers::init()))
            .attach(events.database::<PgUsers>(activity::postgres))
            .attach(Cognito::fairing::<PgUsers>().events_to(events))
    } else if url.starts_with("mysql://") {
        (rocket.attach(MysqlUsers::init()))
            .attach(events.database::<MysqlUsers>(activity::mysql))
            .attach(Cognito::fairing::<MysqlUsers>().events_to(events))
    } else {
        // SQLite, or a URL that its fairing refuses at launch with a message that names it.
        (rocket.attach(SqliteUsers::init()))
            .attach(events.database::<SqliteUsers>(activity::sqlite))
            .attach(Cognito::fairing::<SqliteUsers>().events_to(events))
    }
}

/// The example's own settings (`[default.cdu]`).
#[derive(Debug, Clone, rocket::serde::Deserialize)]
#[serde(crate = "rocket::serde")]
pub struct SiteConfig {
    /// Members of this Cognito group see the admin pages.
    #[serde(default = "default_admin_group")]
    pub admin_group: String,
    /// Mounts the routes `./scripts/bench` drives under `/bench` (off by default).
    #[serde(default)]
    pub bench_routes: bool,
    /// Records the crate's metrics for `/metrics` (on by default; the benchmark turns it off
    /// to measure what recording costs).
    #[serde(default = "on")]
    pub metrics: bool,
}

fn on() -> bool {
    true
}

fn default_admin_group() -> String {
    "admin".into()
}

/// The site on `figment`, with its templates.
pub fn build(figment: Figment) -> Rocket<Build> {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cdu/templates");
    let figment = figment.join(("template_dir", templates));
    // Managed login's buttons show when the pool's hosted pages are set up (`cognito.domain`).
    let hosted = figment.extract_inner::<String>("cognito.domain").is_ok();
    // The recorder before the crate's fairing, which describes its metrics at ignite. Without
    // it the crate's metrics calls do nothing, and /metrics is a 404.
    // (Bad `[cdu]` settings stop launch at ignite, below, with their message.)
    let site = figment.focus("cdu").extract::<SiteConfig>().ok();
    let metrics = site.is_none_or(|c| c.metrics).then(admin::metrics_handle);
    let rocket = match metrics {
        Some(handle) => rocket::custom(figment).manage(handle).mount("/", routes![admin::prometheus]),
        None => rocket::custom(figment),
    };
    with_users(rocket)
        .attach(gateway::Gateway::fairing())
        .attach(Template::custom(move |engines| engines.minijinja.add_global("hosted_login", hosted)))
        .attach(AdHoc::try_on_ignite("Site settings", |rocket| async {
            // `[default.cdu]`; every key has a default.
            match rocket.figment().focus("cdu").extract::<SiteConfig>() {
                Ok(config) => Ok(rocket.manage(config)),
                Err(e) => {
                    rocket::error!("invalid [cdu] settings: {e}");
                    Err(rocket)
                }
            }
        }))
        .mount("/", routes![index])
        .mount("/accounts", accounts::routes())
        .mount("/accounts", challenge::routes())
        .mount("/accounts", self_service::routes())
        .mount("/accounts", devices::routes())
        .mount("/accounts", passkeys::routes())
        .mount("/accounts", security::routes())
        // Sign-in through Cognito's hosted pages: redirect_uri is .../accounts/hosted/callback.
        .mount("/accounts/hosted", rocket_warrant::hosted::routes())
        .mount("/accounts/admin", admin::routes())
        .attach(AdHoc::on_ignite("Benchmark routes", |rocket| async {
            let wanted = rocket.state::<SiteConfig>().is_some_and(|c| c.bench_routes);
            if wanted {
                rocket.mount("/bench", bench::routes())
            } else {
                rocket
            }
        }))
        .register("/", catchers![rocket_warrant::redirect_to_login, forbidden, not_found, unprocessable, server_error])
}

#[get("/")]
fn index() -> Redirect {
    Redirect::to("/accounts/profile/")
}

/// What every page's layout needs: who is signed in, whether they administer, the flash message.
#[derive(Debug, Default, Serialize)]
#[serde(crate = "rocket::serde")]
pub struct Layout {
    pub username: Option<String>,
    pub is_admin: bool,
    pub flash: Option<Flash>,
}

/// A flash message for the layout.
#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

impl Layout {
    pub fn new(user: Option<&CognitoUser>, config: &SiteConfig, flash: Option<FlashMessage<'_>>) -> Layout {
        Layout {
            username: user.map(|u| u.username().to_owned()),
            is_admin: user.is_some_and(|u| u.in_group(&config.admin_group)),
            flash: flash.map(|f| Flash { kind: f.kind().to_owned(), message: f.message().to_owned() }),
        }
    }

    /// The layout of a page with no one signed in, and its flash message.
    pub fn anonymous(flash: Option<FlashMessage<'_>>) -> Layout {
        Layout {
            flash: flash.map(|f| Flash { kind: f.kind().to_owned(), message: f.message().to_owned() }),
            ..Layout::default()
        }
    }
}

/// An error page in the site's layout.
pub fn error_page(status: Status, title: &str, message: &str) -> (Status, Template) {
    let layout = Layout::default();
    (status, Template::render("error", context! { layout, title, message, code: status.code }))
}

#[catch(403)]
fn forbidden(req: &Request<'_>) -> (Status, Template) {
    match rocket_warrant::guards::CsrfError::of(req) {
        // A form of another site, or one older than the last sign-in: say so.
        Some(why) => error_page(Status::Forbidden, "Forbidden", &why.to_string()),
        None => error_page(Status::Forbidden, "Forbidden", "You do not have permission to see this page."),
    }
}

#[catch(422)]
fn unprocessable(_req: &Request<'_>) -> (Status, Template) {
    error_page(
        Status::UnprocessableEntity,
        "Invalid Form",
        "The form was incomplete or malformed; go back and try again.",
    )
}

#[catch(404)]
fn not_found(_req: &Request<'_>) -> (Status, Template) {
    error_page(Status::NotFound, "Not Found", "There is no such page.")
}

#[catch(500)]
fn server_error(_req: &Request<'_>) -> (Status, Template) {
    error_page(Status::InternalServerError, "Server Error", "Something went wrong on our side; it has been logged.")
}
