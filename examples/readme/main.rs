use rocket::form::Form;
use rocket::http::{CookieJar, Status};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{catchers, get, launch, post, routes, FromForm};
use rocket_db_pools::Database;
use rocket_warrant::{
    safe_next, Answer, ApiKey, Challenge, Cognito, CognitoClaims, CognitoUser, Error, Member, PendingChallenge,
};

#[derive(Database)]
#[database("users")]
struct Users(rocket_warrant::SqlitePool);

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

/// The login page (`login_url`); the form posts back to it, `?next=` and all.
#[get("/accounts/login")]
fn login_page() -> RawHtml<&'static str> {
    RawHtml(
        r#"<form method="post"><input name="username"> <input name="password" type="password"> <button>Sign in</button></form>"#,
    )
}

/// Signs in: the tokens go in sealed cookies (or the database), the browser back to `next` if it
/// is a page of this site, and a user with a temporary password or MFA to the step page.
#[post("/accounts/login?<next>", data = "<form>")]
async fn login(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    form: Form<Credentials>,
    next: Option<&str>,
) -> Result<Redirect, Error> {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Ok(Redirect::to(next.and_then(safe_next).unwrap_or("/").to_owned())),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/accounts/login/step")),
        Err(e) => Err(e), // InvalidCredentials is a 401, an outage a 503
    }
}

/// The step Cognito asked for, which `keep` kept (for three minutes).
#[get("/accounts/login/step")]
fn step_page(pending: PendingChallenge) -> RawHtml<String> {
    let ask = match pending.challenge() {
        Challenge::NewPasswordRequired => "a new password",
        _ => "the code",
    };
    RawHtml(format!(r#"<form method="post">Enter {ask}: <input name="answer"> <button>Go on</button></form>"#))
}

#[post("/accounts/login/step", data = "<form>")]
async fn step(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    pending: PendingChallenge,
    form: Form<Step>,
) -> Result<Redirect, Error> {
    let answer = match pending.challenge() {
        Challenge::NewPasswordRequired => Answer::NewPassword(&form.answer),
        _ => Answer::Code(&form.answer), // SMS_MFA, SOFTWARE_TOKEN_MFA
    };
    match cognito.keep(jar, cognito.answer(&pending, answer).await).await {
        Ok(_) => Ok(Redirect::to("/")),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/accounts/login/step")), // a new password, then a code
        Err(e) => Err(e), // WrongCode and PasswordRejected (422) may be tried again
    }
}

/// Signs out: the cookies cleared, the tokens revoked at Cognito.
#[post("/accounts/logout")]
async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> Redirect {
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

/// API Gateway checked the key in front of the site; tie it to the user's own.
#[get("/api/key")]
fn api(user: CognitoUser, key: ApiKey) -> Result<&'static str, Status> {
    match user.user().field("api_key") {
        Some(own) if own == key.as_str() => Ok("your key"),
        _ => Err(Status::Forbidden),
    }
}

#[launch]
fn rocket() -> _ {
    rocket::build()
        .attach(Users::init()) // first: the user store
        .attach(Cognito::fairing::<Users>())
        .mount("/", routes![login_page, login, step_page, step, logout, home, whoami, admin, api])
        .register("/", catchers![rocket_warrant::redirect_to_login])
}

#[cfg(test)]
mod tests;
