//! The 401 catcher that sends anonymous visitors of HTML pages to the login page, and a
//! signed-in visitor of a [`Fresh`](crate::Fresh) page whose proof is too old to the page that
//! re-authenticates.

use rocket::http::{Header, RawStr, Status};
use rocket::response::{self, Redirect, Responder};
use rocket::{catch, Request};

use crate::cognito::Cognito;
use crate::guards::StaleProof;

/// A 401 catcher for HTML sites: browsers are redirected to the login page (`login_url`,
/// `/accounts/login/` by default) with `next` set to the page they asked for, or, signed in but
/// with a proof of identity older than a [`Fresh`](crate::Fresh) route takes, to the page that
/// re-authenticates (`reauthenticate_url`). API clients (a Bearer token, or no `text/html` in
/// `Accept`) get the plain 401; for a [`Fresh`](crate::Fresh) route, with RFC 9470's step-up
/// challenge (`WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=...`).
///
/// ```no_run
/// # #[macro_use] extern crate rocket;
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build().register("/", catchers![rocket_warrant::redirect_to_login])
/// }
/// ```
#[catch(401)]
pub fn redirect_to_login(req: &Request<'_>) -> Result<Redirect, Unauthorized> {
    let stale = StaleProof::of(req);
    let wants_html = req.headers().get("Accept").any(|a| a.contains("text/html"));
    if !wants_html || req.headers().contains("Authorization") {
        return Err(Unauthorized { step_up: stale });
    }
    let config = req.rocket().state::<Cognito>().map(|c| c.config());
    let page = match (stale, config) {
        (Some(_), Some(config)) => config.reauthenticate_url.as_str(),
        (Some(_), None) => "/accounts/reauthenticate/",
        (None, Some(config)) => config.login_url.as_str(),
        (None, None) => "/accounts/login/",
    };
    let here = req.uri().to_string();
    Ok(Redirect::to(format!("{page}?next={}", RawStr::new(&here).percent_encode())))
}

/// The 401 of [`redirect_to_login`] for an API client: a plain text body, and for a
/// [`Fresh`](crate::Fresh) route the step-up challenge of RFC 9470.
#[derive(Debug, Clone, Copy)]
pub struct Unauthorized {
    step_up: Option<u64>,
}

impl<'r> Responder<'r, 'static> for Unauthorized {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let Some(max_age) = self.step_up else {
            return (Status::Unauthorized, "not signed in").respond_to(req);
        };
        let challenge = format!(
            "Bearer error=\"insufficient_user_authentication\", \
             error_description=\"A more recent sign-in is required\", max_age=\"{max_age}\""
        );
        let mut response = (Status::Unauthorized, "a more recent sign-in is required").respond_to(req)?;
        response.set_header(Header::new("WWW-Authenticate", challenge));
        Ok(response)
    }
}
