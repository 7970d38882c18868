use rocket::form::Form;
use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{catchers, get, launch, post, routes, FromForm};
use rocket_db_pools::Database;
use rocket_warrant::{ApiKey, Cognito, CognitoClaims, CognitoUser, Error, Member};

#[derive(Database)]
#[database("users")]
struct Users(rocket_warrant::SqlitePool);

rocket_warrant::group!(Admins = "admin");

#[derive(FromForm)]
struct Credentials {
    username: String,
    password: String,
}

/// Signs in: the tokens go in sealed cookies (or the database); a user with a temporary password or MFA is
/// sent to the page for that step (see "When Cognito asks for another step").
#[post("/login", data = "<form>")]
async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<Redirect, Error> {
    match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
        Ok(_) => Ok(Redirect::to("/")),
        Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
        Err(e) => Err(e), // InvalidCredentials is a 401, an outage a 503
    }
}

/// Signs out: the cookies cleared, the tokens revoked at Cognito.
#[post("/logout")]
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
        .mount("/", routes![login, logout, home, whoami, admin, api])
        .register("/", catchers![rocket_warrant::redirect_to_login])
}
