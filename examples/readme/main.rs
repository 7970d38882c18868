use rocket::http::{CookieJar, Status};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{catchers, get, launch, post, routes, FromForm};
use rocket_db_pools::Database;
use rocket_warrant::sign_in::{safe_next, Answer, Challenge};
use rocket_warrant::{
    ApiKey, Cognito, CognitoClaims, CognitoUser, CsrfForm, CsrfToken, Error, Fresh, Member, PendingChallenge,
    SameOrigin, SignIn,
};

#[derive(Database)]
#[database("users")]
struct Users(rocket_warrant::stores::SqlitePool);

rocket_warrant::group!(Admins = "admin");

#[derive(FromForm)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(FromForm)]
struct Step {
    answer: String,
}

/// A form that posts back to its page (`?next=` and all) with the CSRF token `CsrfForm` checks.
fn form(csrf: &CsrfToken, fields: &str) -> RawHtml<String> {
    let token = csrf.value();
    RawHtml(format!(
        r#"<form method="post"><input type="hidden" name="csrf_token" value="{token}">{fields}<button>Go</button></form>"#
    ))
}

/// The login page (`login_url`).
#[get("/accounts/login")]
fn login_page(csrf: CsrfToken) -> RawHtml<String> {
    form(&csrf, r#"<input name="username"> <input name="password" type="password">"#)
}

/// Signs in: the tokens in sealed cookies (or the database), the browser back to `next` if it is
/// a page of this site, a user with a temporary password or MFA to the step page.
#[post("/accounts/login?<next>", data = "<form>")]
async fn login(sign_in: SignIn<'_>, form: CsrfForm<Credentials>, next: Option<&str>) -> Result<Redirect, Error> {
    match sign_in.keep(sign_in.login(&form.username, &form.password).await).await {
        Ok(_) => Ok(Redirect::to(next.and_then(safe_next).unwrap_or("/").to_owned())),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/accounts/login/step")),
        Err(e) => Err(e), // InvalidCredentials is a 401, an outage a 503
    }
}

/// The step Cognito asked for, which `keep` kept (for three minutes).
#[get("/accounts/login/step")]
fn step_page(pending: PendingChallenge, csrf: CsrfToken) -> RawHtml<String> {
    let ask = match pending.challenge() {
        Challenge::NewPasswordRequired => "a new password",
        _ => "the code",
    };
    form(&csrf, &format!(r#"Enter {ask}: <input name="answer">"#))
}

#[post("/accounts/login/step", data = "<form>")]
async fn step(sign_in: SignIn<'_>, pending: PendingChallenge, form: CsrfForm<Step>) -> Result<Redirect, Error> {
    let answer = match pending.challenge() {
        Challenge::NewPasswordRequired => Answer::NewPassword(&form.answer),
        _ => Answer::Code(&form.answer), // SMS_MFA, SOFTWARE_TOKEN_MFA
    };
    match sign_in.keep(sign_in.answer(&pending, answer).await).await {
        Ok(_) => Ok(Redirect::to("/")),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/accounts/login/step")), // a new password, then a code
        Err(e) => Err(e), // WrongCode and PasswordRejected (422) may be tried again
    }
}

/// The password again (`reauthenticate_url`) for `Fresh` routes: the same session, a new proof.
#[get("/accounts/reauthenticate")]
fn reauthenticate_page(_user: CognitoClaims, csrf: CsrfToken) -> RawHtml<String> {
    form(&csrf, r#"Your password, please: <input name="answer" type="password">"#)
}

#[post("/accounts/reauthenticate?<next>", data = "<form>")]
async fn reauthenticate(
    sign_in: SignIn<'_>,
    user: CognitoClaims,
    form: CsrfForm<Step>,
    next: Option<&str>,
) -> Result<Redirect, Error> {
    match sign_in.keep(sign_in.reauthenticate(&user, &form.answer).await).await {
        Ok(_) => Ok(Redirect::to(next.and_then(safe_next).unwrap_or("/").to_owned())),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/accounts/login/step")), // the second factor too
        Err(e) => Err(e),
    }
}

/// Signs out (from this site only: `SameOrigin`): the cookies cleared, the tokens revoked.
#[post("/accounts/logout")]
async fn logout(_same: SameOrigin, cognito: &Cognito, jar: &CookieJar<'_>) -> Redirect {
    cognito.sign_out(jar).await;
    Redirect::to("/")
}

/// The verified user and the local row; anonymous browsers go to `login_url`, API clients get 401.
#[get("/")]
fn home(user: CognitoUser) -> String {
    format!("hello {} <{}>", user.username(), user.email().unwrap_or("no email"))
}

/// The verified claims alone: no database round trip.
#[get("/whoami")]
fn whoami(claims: CognitoClaims) -> String {
    claims.username().to_owned()
}

/// Members of the Cognito group `admin` only (403 for everyone else).
#[get("/admin")]
fn admin(admin: Member<Admins>) -> String {
    format!("{} administers", admin.username())
}

/// API Gateway checked the key; tie it to the user's own.
#[get("/api/key")]
fn api(user: CognitoUser, key: ApiKey) -> Result<&'static str, Status> {
    match user.user().field("api_key") {
        Some(own) if own == key.as_str() => Ok("your key"),
        _ => Err(Status::Forbidden),
    }
}

/// A sign-in of the last five minutes, or the password again first (a copied cookie, say).
#[post("/account/delete", data = "<_form>")]
async fn delete(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    user: Fresh<300>,
    _form: CsrfForm,
) -> Result<&'static str, Error> {
    cognito.delete_account(jar, user.access_token()).await?;
    Ok("deleted")
}

#[launch]
fn rocket() -> _ {
    let pages = routes![login_page, login, step_page, step, reauthenticate_page, reauthenticate, logout];
    rocket::build()
        .attach(Users::init()) // first: the user store
        .attach(Cognito::fairing::<Users>())
        .mount("/", pages)
        .mount("/", routes![home, whoami, admin, api, delete])
        .register("/", catchers![rocket_warrant::redirect_to_login])
}

#[cfg(test)]
mod tests;
