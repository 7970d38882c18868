//! The 401 catcher that sends anonymous visitors of HTML pages to the login page.

use rocket::http::{RawStr, Status};
use rocket::response::Redirect;
use rocket::{catch, Request};

use crate::cognito::Cognito;

/// A 401 catcher for HTML sites: browsers are redirected to the login page (`login_url`,
/// `/accounts/login/` by default) with `next` set to the page they asked for; API clients
/// (a Bearer token, or no `text/html` in `Accept`) get the plain 401.
///
/// ```no_run
/// # #[macro_use] extern crate rocket;
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build().register("/", catchers![rocket_warrant::redirect_to_login])
/// }
/// ```
#[catch(401)]
pub fn redirect_to_login(req: &Request<'_>) -> Result<Redirect, (Status, &'static str)> {
    let wants_html = req.headers().get("Accept").any(|a| a.contains("text/html"));
    if !wants_html || req.headers().contains("Authorization") {
        return Err((Status::Unauthorized, "not signed in"));
    }
    let login = req.rocket().state::<Cognito>().map_or("/accounts/login/", |c| c.config().login_url.as_str());
    let here = req.uri().to_string();
    Ok(Redirect::to(format!("{login}?next={}", RawStr::new(&here).percent_encode())))
}
