//! The pages a user serves themselves with: sign up, confirm with the mailed code (or send it
//! again), reset a forgotten password with a code, and, signed in, change the password or the
//! email (which takes effect once its code is given) and delete the account. Every form carries
//! the CSRF token and shows its errors next to the fields; no page tells whether a username
//! exists (the reset page answers alike for a known and an unknown user).

use rocket::form::Form;
use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::Serialize;
use rocket::{get, post, routes, uri, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::{Cognito, CognitoUser, Error, SignIn};

use super::csrf::CsrfToken;
use super::{Layout, SiteConfig};

pub fn routes() -> Vec<Route> {
    routes![
        signup_form,
        signup,
        confirm_form,
        confirm,
        resend,
        forgot_form,
        forgot,
        reset_form,
        reset,
        change_form,
        change,
        email_form,
        email,
        verify_email,
        delete_form,
        delete,
        code_sign_in_form,
        code_sign_in
    ]
}

/// One field of a form, its value kept and its error beside it.
#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    autocomplete: &'static str,
    error: Option<String>,
}

fn field(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Field {
    let autocomplete = match name {
        "username" => "username",
        "email" => "email",
        "old_password" => "current-password",
        "password" => "new-password",
        "code" => "one-time-code",
        _ => "off",
    };
    Field { name, label, kind, value: value.to_owned(), autocomplete, error: None }
}

#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
struct Hidden {
    name: &'static str,
    value: String,
}

/// A second form under the first (send the code again).
#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
struct Also {
    action: String,
    submit: &'static str,
    hidden: Vec<Hidden>,
}

#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
struct Link {
    href: &'static str,
    text: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(crate = "rocket::serde")]
struct Page {
    title: &'static str,
    intro: Option<String>,
    action: &'static str,
    submit: &'static str,
    fields: Vec<Field>,
    error: Option<String>,
    also: Option<Also>,
    links: Vec<Link>,
}

impl Page {
    fn new(title: &'static str, action: &'static str, submit: &'static str, fields: Vec<Field>) -> Page {
        Page { title, intro: None, action, submit, fields, error: None, also: None, links: Vec::new() }
    }

    fn intro(mut self, intro: impl Into<String>) -> Page {
        self.intro = Some(intro.into());
        self
    }

    fn link(mut self, href: &'static str, text: &'static str) -> Page {
        self.links.push(Link { href, text });
        self
    }

    /// The error of `name`'s field, or of the whole form when no field has that name.
    fn error(mut self, name: &str, message: impl Into<String>) -> Page {
        let message = message.into();
        match self.fields.iter_mut().find(|f| f.name == name) {
            Some(field) => field.error = Some(message),
            None => self.error = Some(message),
        }
        self
    }

    /// What the crate's error means on this form: an error beside a field, or the form's.
    fn failed(self, e: &Error) -> (Status, Page) {
        let status = e.status();
        let page = match e {
            Error::UsernameExists => self.error("username", "That username is taken."),
            Error::PasswordRejected(why) => self.error("password", why.clone()),
            Error::WrongCode => self.error("code", "That code is not right."),
            Error::CodeExpired => self.error("code", "That code has expired; ask for a new one."),
            Error::InvalidCredentials => self.error("old_password", "Your current password is not right."),
            Error::InvalidInput(why) => self.error("", why.clone()),
            Error::TooManyAttempts => self.error("", "Too many attempts; please try again in an hour."),
            Error::Unavailable(_) | Error::Throttled => {
                rocket::warn!("self-service: {e}");
                self.error("", "The account service is unavailable; please try again shortly.")
            }
            _ => {
                rocket::error!("self-service: {e}");
                self.error("", "That failed on our side; please try again later.")
            }
        };
        (status, page)
    }

    fn render(self, csrf: &CsrfToken, layout: Layout) -> Template {
        Template::render("account_form", context! { layout, csrf_token: csrf.value(), page: self })
    }
}

type Answer = Result<Flash<Redirect>, (Status, Template)>;

fn refused(csrf: &CsrfToken, layout: Layout, (status, page): (Status, Page)) -> (Status, Template) {
    (status, page.render(csrf, layout))
}

fn layout(user: Option<&CognitoUser>, config: &SiteConfig, flash: Option<FlashMessage<'_>>) -> Layout {
    Layout::new(user, config, flash)
}

// Sign-up and its confirmation.

fn signup_page(username: &str, email: &str, first_name: &str, last_name: &str) -> Page {
    Page::new(
        "Sign up",
        "/accounts/signup/",
        "Sign up",
        vec![
            field("username", "Username", "text", username),
            field("email", "Email", "email", email),
            field("first_name", "First name", "text", first_name),
            field("last_name", "Last name", "text", last_name),
            field("password", "Password", "password", ""),
        ],
    )
    .intro("We will mail you a code to confirm your address.")
    .link("/accounts/login/", "Already have an account? Sign in")
}

#[get("/signup")]
fn signup_form(csrf: CsrfToken, config: &State<SiteConfig>, flash: Option<FlashMessage<'_>>) -> Template {
    signup_page("", "", "", "").render(&csrf, layout(None, config, flash))
}

#[derive(FromForm)]
struct SignUpForm {
    csrf_token: String,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
}

#[post("/signup", data = "<form>")]
async fn signup(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: Form<SignUpForm>) -> Answer {
    csrf.check(&form.csrf_token)?;
    let attributes = [
        ("email", form.email.as_str()),
        ("first_name", form.first_name.as_str()),
        ("last_name", form.last_name.as_str()),
    ];
    let page = || signup_page(&form.username, &form.email, &form.first_name, &form.last_name);
    match sign_in.sign_up(&form.username, &form.password, &attributes).await {
        Ok(signed_up) => {
            let next = Redirect::to(uri!("/accounts", confirm_form(username = Some(form.username.as_str()))));
            let message = match signed_up.delivery {
                Some(sent) => format!("We sent a code to {}: type it below to confirm your account.", sent.destination),
                None => "Your account waits for an administrator to confirm it.".to_owned(),
            };
            Ok(Flash::success(next, message))
        }
        Err(e) => Err(refused(&csrf, layout(None, config, None), page().failed(&e))),
    }
}

fn confirm_page(username: &str) -> Page {
    let mut page = Page::new(
        "Confirm your account",
        "/accounts/confirm/",
        "Confirm",
        vec![field("username", "Username", "text", username), field("code", "Code", "text", "")],
    );
    page.also = Some(Also {
        action: "/accounts/confirm/resend".to_owned(),
        submit: "Send the code again",
        hidden: vec![Hidden { name: "username", value: username.to_owned() }],
    });
    page
}

#[get("/confirm?<username>")]
fn confirm_form(
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
    username: Option<&str>,
) -> Template {
    confirm_page(username.unwrap_or_default()).render(&csrf, layout(None, config, flash))
}

/// The confirmation page, for a login with the right password of an unconfirmed account.
pub fn unconfirmed(csrf: &CsrfToken, username: &str) -> (Status, Template) {
    let page = confirm_page(username).intro("Your account is not confirmed yet: type the code we sent you.");
    (Status::Forbidden, page.render(csrf, Layout::default()))
}

#[derive(FromForm)]
struct ConfirmForm {
    csrf_token: String,
    username: String,
    code: String,
}

#[post("/confirm", data = "<form>")]
async fn confirm(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: Form<ConfirmForm>) -> Answer {
    csrf.check(&form.csrf_token)?;
    match sign_in.confirm_sign_up(&form.username, form.code.trim()).await {
        Ok(()) => Ok(Flash::success(Redirect::to("/accounts/login/"), "Your account is confirmed: sign in.")),
        // Cognito says "confirmed already" whatever the code: answered as a wrong code, so that
        // the page does not tell which usernames exist.
        Err(Error::AlreadyConfirmed) => {
            Err(refused(&csrf, layout(None, config, None), confirm_page(&form.username).failed(&Error::WrongCode)))
        }
        Err(e) => Err(refused(&csrf, layout(None, config, None), confirm_page(&form.username).failed(&e))),
    }
}

#[derive(FromForm)]
struct UsernameForm {
    csrf_token: String,
    username: String,
}

#[post("/confirm/resend", data = "<form>")]
async fn resend(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: Form<UsernameForm>) -> Answer {
    csrf.check(&form.csrf_token)?;
    let back = || Redirect::to(uri!("/accounts", confirm_form(username = Some(form.username.as_str()))));
    match sign_in.resend_confirmation_code(&form.username).await {
        // Unknown, waiting or confirmed already: the same answer.
        Ok(_) | Err(Error::AlreadyConfirmed) => {
            Ok(Flash::success(back(), "If that account waits for confirmation, a new code is on its way."))
        }
        Err(e) => Err(refused(&csrf, layout(None, config, None), confirm_page(&form.username).failed(&e))),
    }
}

// A forgotten password.

fn forgot_page(username: &str) -> Page {
    Page::new(
        "Forgot your password?",
        "/accounts/password/forgot/",
        "Send me a code",
        vec![field("username", "Username", "text", username)],
    )
    .intro("We will send a code to the email address of your account.")
}

#[get("/password/forgot")]
fn forgot_form(csrf: CsrfToken, config: &State<SiteConfig>, flash: Option<FlashMessage<'_>>) -> Template {
    forgot_page("").render(&csrf, layout(None, config, flash))
}

#[post("/password/forgot", data = "<form>")]
async fn forgot(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: Form<UsernameForm>) -> Answer {
    csrf.check(&form.csrf_token)?;
    match sign_in.forgot_password(&form.username).await {
        // Only the service's own trouble has a page of its own.
        Err(e @ (Error::Unavailable(_) | Error::Throttled)) => {
            Err(refused(&csrf, layout(None, config, None), forgot_page(&form.username).failed(&e)))
        }
        // The same page for a known and an unknown username, and for any state of the account
        // Cognito would name (no verified address, unconfirmed, disabled, too many attempts):
        // each would tell that the user exists.
        answer => {
            if let Err(e) = answer {
                rocket::info!("password reset not started: {e}");
            }
            Ok(Flash::success(
                Redirect::to(uri!("/accounts", reset_form(username = Some(form.username.as_str())))),
                "If an account with that username exists, we sent it a code.",
            ))
        }
    }
}

fn reset_page(username: &str) -> Page {
    Page::new(
        "Set a new password",
        "/accounts/password/reset/",
        "Set the password",
        vec![
            field("username", "Username", "text", username),
            field("code", "Code", "text", ""),
            field("password", "New password", "password", ""),
        ],
    )
}

#[get("/password/reset?<username>")]
fn reset_form(
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
    username: Option<&str>,
) -> Template {
    reset_page(username.unwrap_or_default()).render(&csrf, layout(None, config, flash))
}

#[derive(FromForm)]
struct ResetForm {
    csrf_token: String,
    username: String,
    code: String,
    password: String,
}

#[post("/password/reset", data = "<form>")]
async fn reset(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: Form<ResetForm>) -> Answer {
    csrf.check(&form.csrf_token)?;
    match sign_in.confirm_forgot_password(&form.username, form.code.trim(), &form.password).await {
        Ok(()) => Ok(Flash::success(Redirect::to("/accounts/login/"), "Your password is set: sign in with it.")),
        // A wrong code and an expired one read alike: an unknown user's code is only ever wrong.
        Err(Error::WrongCode | Error::CodeExpired) => {
            let page = reset_page(&form.username).error("code", "That code is wrong or has expired.");
            Err(refused(&csrf, layout(None, config, None), (Status::UnprocessableEntity, page)))
        }
        Err(e) => Err(refused(&csrf, layout(None, config, None), reset_page(&form.username).failed(&e))),
    }
}

// Signed in: the password, the email, the account.

fn change_page() -> Page {
    Page::new(
        "Change your password",
        "/accounts/password/change/",
        "Change the password",
        vec![
            field("old_password", "Current password", "password", ""),
            field("password", "New password", "password", ""),
        ],
    )
}

#[get("/password/change")]
fn change_form(csrf: CsrfToken, user: CognitoUser, config: &State<SiteConfig>) -> Template {
    change_page().render(&csrf, layout(Some(&user), config, None))
}

#[derive(FromForm)]
struct ChangeForm {
    csrf_token: String,
    old_password: String,
    password: String,
}

#[post("/password/change", data = "<form>")]
async fn change(
    cognito: &Cognito,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: Form<ChangeForm>,
) -> Answer {
    csrf.check(&form.csrf_token)?;
    match cognito.change_password(user.access_token(), &form.old_password, &form.password).await {
        Ok(()) => Ok(Flash::success(Redirect::to(super::accounts::PROFILE), "Your password is changed.")),
        Err(e) => Err(refused(&csrf, layout(Some(&user), config, None), change_page().failed(&e))),
    }
}

fn email_page(email: &str) -> Page {
    Page::new(
        "Change your email",
        "/accounts/email/",
        "Send a code to the new address",
        vec![field("email", "New email", "email", email)],
    )
    .intro("The new address takes effect once you type the code we send to it.")
}

fn code_page() -> Page {
    Page::new("Confirm your new email", "/accounts/email/verify", "Confirm", vec![field("code", "Code", "text", "")])
}

#[get("/email?<sent>")]
fn email_form(
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
    sent: bool,
) -> Template {
    let page = if sent { code_page() } else { email_page(user.user().email.as_deref().unwrap_or_default()) };
    page.render(&csrf, layout(Some(&user), config, flash))
}

#[derive(FromForm)]
struct EmailForm {
    csrf_token: String,
    email: String,
}

#[post("/email", data = "<form>")]
async fn email(
    cognito: &Cognito,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: Form<EmailForm>,
) -> Answer {
    csrf.check(&form.csrf_token)?;
    match cognito.update_attributes(user.access_token(), &[("email", form.email.as_str())]).await {
        Ok(sent) => match sent.first() {
            Some(sent) => Ok(Flash::success(
                Redirect::to(uri!("/accounts", email_form(sent = true))),
                format!("We sent a code to {}.", sent.destination),
            )),
            None => Ok(Flash::success(Redirect::to(super::accounts::PROFILE), "Your email is changed.")),
        },
        Err(e) => Err(refused(&csrf, layout(Some(&user), config, None), email_page(&form.email).failed(&e))),
    }
}

#[derive(FromForm)]
struct CodeForm {
    csrf_token: String,
    code: String,
}

#[post("/email/verify", data = "<form>")]
async fn verify_email(
    cognito: &Cognito,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: Form<CodeForm>,
) -> Answer {
    csrf.check(&form.csrf_token)?;
    match cognito.verify_attribute(user.access_token(), "email", form.code.trim()).await {
        Ok(_) => Ok(Flash::success(Redirect::to(super::accounts::PROFILE), "Your new email is confirmed.")),
        Err(e) => Err(refused(&csrf, layout(Some(&user), config, None), code_page().failed(&e))),
    }
}

fn delete_page() -> Page {
    Page::new(
        "Delete your account",
        "/accounts/delete/",
        "Delete my account",
        vec![field("confirm", "Type DELETE to confirm", "text", "")],
    )
    .intro("Your account and everything this site keeps of it go, at once and for good.")
}

#[get("/delete")]
fn delete_form(csrf: CsrfToken, user: CognitoUser, config: &State<SiteConfig>) -> Template {
    delete_page().render(&csrf, layout(Some(&user), config, None))
}

#[derive(FromForm)]
struct DeleteForm {
    csrf_token: String,
    confirm: String,
}

#[post("/delete", data = "<form>")]
async fn delete(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: Form<DeleteForm>,
) -> Result<Template, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let page = |p: Page| refused(&csrf, layout(Some(&user), config, None), (Status::UnprocessableEntity, p));
    if form.confirm.trim() != "DELETE" {
        return Err(page(delete_page().error("confirm", "Type DELETE, in capitals, to confirm.")));
    }
    match cognito.delete_account(jar, user.access_token()).await {
        Ok(()) => Ok(Template::render("logged_out", context! { layout: Layout::default(), deleted: true })),
        Err(e) => Err(refused(&csrf, layout(Some(&user), config, None), delete_page().failed(&e))),
    }
}

// Signing in without a password (the `user_auth` flow): a code by email.

fn code_sign_in_page(username: &str) -> Page {
    Page::new(
        "Sign in with a code",
        "/accounts/login/code/",
        "Email me a code",
        vec![field("username", "Username", "text", username)],
    )
    .intro("No password: we mail a code to the verified email address of your account.")
    .link("/accounts/login/", "Sign in with your password")
}

#[get("/login/code")]
fn code_sign_in_form(cognito: &Cognito, csrf: CsrfToken, config: &State<SiteConfig>) -> Template {
    let page = code_sign_in_page("");
    // Only the `user_auth` flow signs in without a password: the page says so up front.
    let page = match cognito.config().auth_flow {
        rocket_warrant::AuthFlow::UserAuth => page,
        _ => page.error("", "Signing in with a code is not set up on this site (it needs auth_flow = \"user_auth\")."),
    };
    page.render(&csrf, layout(None, config, None))
}

#[post("/login/code", data = "<form>")]
async fn code_sign_in(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: Form<UsernameForm>,
) -> Result<Redirect, (Status, Template)> {
    csrf.check(&form.csrf_token)?;
    let page = |message: &str, status: Status| {
        let page = code_sign_in_page(&form.username).error("", message);
        refused(&csrf, layout(None, config, None), (status, page))
    };
    let choice = match sign_in.start_sign_in(&form.username).await {
        Err(Error::ChallengeRequired(choice)) => choice,
        Err(Error::Misconfigured(_)) => {
            return Err(page("Signing in with a code is not set up on this site.", Status::NotImplemented))
        }
        Err(e @ (Error::Unavailable(_) | Error::Throttled)) => {
            rocket::warn!("code sign-in: {e}");
            return Err(page(
                "The sign-in service is unavailable; please try again shortly.",
                Status::ServiceUnavailable,
            ));
        }
        // Cognito's stand-in for an unknown user offers the password only, as for a known user
        // without a verified email: the two read the same here.
        _ => {
            return Err(page("This account cannot sign in with a code: sign in with its password.", Status::Forbidden))
        }
    };
    if !choice.options().iter().any(|o| o == "EMAIL_OTP") {
        return Err(page("This account cannot sign in with a code: sign in with its password.", Status::Forbidden));
    }
    let answer = rocket_warrant::Answer::Choose("EMAIL_OTP");
    match sign_in.keep(sign_in.answer(&choice, answer).await).await {
        // The mailed code's page, as for a second factor.
        Err(Error::ChallengeRequired(code)) => super::challenge::step(code, None)
            .map_err(|_| page("That failed on our side.", Status::InternalServerError)),
        Ok(_) => Ok(Redirect::to(super::accounts::PROFILE)),
        Err(e) => {
            rocket::warn!("code sign-in: {e}");
            Err(page("That failed on our side; please try again later.", Status::InternalServerError))
        }
    }
}
