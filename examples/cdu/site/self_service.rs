//! The pages a user serves themselves with: sign up, confirm with the mailed code (or send it
//! again), reset a forgotten password with a code, and, signed in, change the password or the
//! email (which takes effect once its code is given) and delete the account. Every form carries
//! the CSRF token and shows its errors next to the fields; no page tells whether a username
//! exists (the reset page answers alike for a known and an unknown user).

use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::Serialize;
use rocket::{get, post, routes, uri, FromForm, Route, State};
use rocket_dyn_templates::{context, Template};
use rocket_warrant::config::SessionMode;
use rocket_warrant::{Cognito, CognitoUser, CsrfForm, CsrfToken, Error, Fresh, SignIn};

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
        code_sign_in,
        reauthenticate_form,
        reauthenticate,
        reauthenticate_by_code
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
            Error::Limited { retry_after_secs } => {
                self.error("", format!("Too many attempts; please try again in {retry_after_secs} seconds."))
            }
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
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
}

#[post("/signup", data = "<form>")]
async fn signup(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: CsrfForm<SignUpForm>,
) -> Answer {
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
    username: String,
    code: String,
}

#[post("/confirm", data = "<form>")]
async fn confirm(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: CsrfForm<ConfirmForm>,
) -> Answer {
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
    username: String,
}

#[post("/confirm/resend", data = "<form>")]
async fn resend(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: CsrfForm<UsernameForm>,
) -> Answer {
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
async fn forgot(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: CsrfForm<UsernameForm>,
) -> Answer {
    match sign_in.forgot_password(&form.username).await {
        // Only the service's own trouble, and the site's limit (the same for every username),
        // have a page of their own.
        Err(e @ (Error::Unavailable(_) | Error::Throttled | Error::Limited { .. })) => {
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
    username: String,
    code: String,
    password: String,
}

#[post("/password/reset", data = "<form>")]
async fn reset(sign_in: SignIn<'_>, csrf: CsrfToken, config: &State<SiteConfig>, form: CsrfForm<ResetForm>) -> Answer {
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

/// What a password change offers for the user's other sessions: with server-side sessions it
/// ends them and keeps this one; with cookie sessions, which this site cannot list, it signs out
/// everywhere, this browser too.
fn change_page(mode: SessionMode) -> Page {
    let others = match mode {
        SessionMode::Database => "Sign out my other sessions (other browsers and devices)",
        SessionMode::Cookies => "Sign out everywhere, this browser too (you sign in again with the new password)",
    };
    Page::new(
        "Change your password",
        "/accounts/password/change/",
        "Change the password",
        vec![
            field("old_password", "Current password", "password", ""),
            field("password", "New password", "password", ""),
            field("end_sessions", others, "checkbox", "true"),
        ],
    )
}

#[get("/password/change")]
fn change_form(
    cognito: &Cognito,
    csrf: CsrfToken,
    user: CognitoUser,
    _fresh: Fresh<300>,
    config: &State<SiteConfig>,
) -> Template {
    change_page(cognito.config().session_store).render(&csrf, layout(Some(&user), config, None))
}

#[derive(FromForm)]
struct ChangeForm {
    old_password: String,
    password: String,
    /// End the user's other sessions (everywhere, with cookie sessions).
    end_sessions: bool,
}

/// Changes the password, with a proof of identity of the last five minutes (and the current
/// password, as Cognito requires), then ends the other sessions if the user asked.
#[post("/password/change", data = "<form>")]
async fn change(
    sign_in: SignIn<'_>,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    fresh: Fresh<300>,
    config: &State<SiteConfig>,
    form: CsrfForm<ChangeForm>,
) -> Answer {
    // `SignIn` counts the attempt with the request's address; it derefs to `Cognito`.
    let cognito: &Cognito = &sign_in;
    let mode = cognito.config().session_store;
    if let Err(e) = sign_in.change_password(user.access_token(), &form.old_password, &form.password).await {
        return Err(refused(&csrf, layout(Some(&user), config, None), change_page(mode).failed(&e)));
    }
    let profile = Redirect::to(super::accounts::PROFILE);
    if !form.end_sessions {
        return Ok(Flash::success(profile, "Your password is changed."));
    }
    let ended = match mode {
        SessionMode::Database => cognito.end_other_sessions(jar, fresh.access_token()).await,
        SessionMode::Cookies => cognito.sign_out_everywhere(jar, user.access_token()).await,
    };
    match (ended, mode) {
        (Ok(n), SessionMode::Database) => {
            Ok(Flash::success(profile, format!("Your password is changed, and {n} other session(s) ended.")))
        }
        (Ok(_), SessionMode::Cookies) => Ok(Flash::success(
            Redirect::to("/accounts/login/"),
            "Your password is changed, and you are signed out everywhere: sign in with the new password.",
        )),
        (Err(e), _) => {
            rocket::warn!("ending the other sessions: {e}");
            Ok(Flash::error(
                profile,
                "Your password is changed, but the other sessions could not all be ended; try again.",
            ))
        }
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
    _fresh: Fresh<300>,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
    sent: bool,
) -> Template {
    let page = if sent { code_page() } else { email_page(user.user().email.as_deref().unwrap_or_default()) };
    page.render(&csrf, layout(Some(&user), config, flash))
}

#[derive(FromForm)]
struct EmailForm {
    email: String,
}

/// A new email, which a password reset would then go to: with a proof of identity of the last
/// five minutes, so that a copied session cookie alone cannot take the account over.
#[post("/email", data = "<form>")]
async fn email(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    _fresh: Fresh<300>,
    config: &State<SiteConfig>,
    form: CsrfForm<EmailForm>,
) -> Answer {
    match sign_in.update_attributes(user.access_token(), &[("email", form.email.as_str())]).await {
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
    code: String,
}

#[post("/email/verify", data = "<form>")]
async fn verify_email(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    _fresh: Fresh<300>,
    config: &State<SiteConfig>,
    form: CsrfForm<CodeForm>,
) -> Answer {
    match sign_in.verify_attribute(user.access_token(), "email", form.code.trim()).await {
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
fn delete_form(csrf: CsrfToken, user: CognitoUser, _fresh: Fresh<300>, config: &State<SiteConfig>) -> Template {
    delete_page().render(&csrf, layout(Some(&user), config, None))
}

#[derive(FromForm)]
struct DeleteForm {
    confirm: String,
}

#[post("/delete", data = "<form>")]
async fn delete(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    _fresh: Fresh<300>,
    config: &State<SiteConfig>,
    form: CsrfForm<DeleteForm>,
) -> Result<Template, (Status, Template)> {
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
        rocket_warrant::config::AuthFlow::UserAuth => page,
        _ => page.error("", "Signing in with a code is not set up on this site (it needs auth_flow = \"user_auth\")."),
    };
    page.render(&csrf, layout(None, config, None))
}

/// Mails a code: every username gets the same answer (the code page, naming no address), and
/// one that cannot sign in with a code gets a stand-in step no code answers, so that the page
/// tells nothing of which accounts exist.
#[post("/login/code", data = "<form>")]
async fn code_sign_in(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    config: &State<SiteConfig>,
    form: CsrfForm<UsernameForm>,
) -> Result<Flash<Redirect>, (Status, Template)> {
    let page = |message: &str, status: Status| {
        let page = code_sign_in_page(&form.username).error("", message);
        refused(&csrf, layout(None, config, None), (status, page))
    };
    match sign_in.keep(sign_in.start_code_sign_in(&form.username, "EMAIL_OTP").await).await {
        Ok(_) => Ok(Flash::success(
            Redirect::to(super::challenge::MFA),
            "If that account can sign in with a code, we mailed one to its verified address.",
        )),
        Err(Error::Misconfigured(e)) => {
            rocket::warn!("code sign-in: {e}");
            Err(page("Signing in with a code is not set up on this site.", Status::NotImplemented))
        }
        Err(e) => {
            rocket::warn!("code sign-in: {e}");
            Err(page("The sign-in service is unavailable; please try again shortly.", Status::ServiceUnavailable))
        }
    }
}

// Re-authentication: the pages that change what protects the account take a proof of identity
// of the last five minutes (`Fresh<300>`); an older one lands here, `next` carried along.

fn reauthenticate_page(next: Option<&str>, user_auth: bool) -> Page {
    let next = next.and_then(rocket_warrant::sign_in::safe_next).unwrap_or(super::accounts::PROFILE);
    let mut page = Page::new(
        "Confirm it is you",
        "/accounts/reauthenticate/",
        "Confirm",
        vec![field("password", "Your password", "password", ""), field("next", "", "hidden", next)],
    )
    .intro("This page changes how your account is protected: type your password again first.");
    // Fix the autocomplete: the current password, not a new one.
    page.fields[0].autocomplete = "current-password";
    if user_auth {
        page.also = Some(Also {
            action: "/accounts/reauthenticate/code".to_owned(),
            submit: "Email me a code instead",
            hidden: vec![Hidden { name: "next", value: next.to_owned() }],
        });
    }
    page
}

fn user_auth(cognito: &Cognito) -> bool {
    cognito.config().auth_flow == rocket_warrant::config::AuthFlow::UserAuth
}

#[get("/reauthenticate?<next>")]
fn reauthenticate_form(
    cognito: &Cognito,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    flash: Option<FlashMessage<'_>>,
    next: Option<&str>,
) -> Template {
    reauthenticate_page(next, user_auth(cognito)).render(&csrf, layout(Some(&user), config, flash))
}

#[derive(FromForm)]
struct ReauthenticateForm {
    password: String,
    next: Option<String>,
}

/// The password again (then the second factor, on its page, if the pool asks for one): the
/// session's proof is renewed, and the user goes on to `next`.
#[post("/reauthenticate", data = "<form>")]
async fn reauthenticate(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: CsrfForm<ReauthenticateForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let page = || reauthenticate_page(next, user_auth(&sign_in));
    let result = sign_in.keep(sign_in.reauthenticate(&user.to_claims(), &form.password).await).await;
    match result {
        Ok(login) => Ok(super::accounts::signed_in(&login, next)),
        Err(Error::ChallengeRequired(pending)) => super::challenge::step(pending, next)
            .map_err(|_| refused(&csrf, layout(Some(&user), config, None), page().failed(&Error::InvalidCredentials))),
        Err(Error::InvalidCredentials) => {
            let failed = page().error("password", "That password is not right.");
            Err(refused(&csrf, layout(Some(&user), config, None), (Status::Unauthorized, failed)))
        }
        Err(e) => Err(refused(&csrf, layout(Some(&user), config, None), page().failed(&e))),
    }
}

#[derive(FromForm)]
struct NextForm {
    next: Option<String>,
}

/// A code by email in place of the password (`user_auth`): typed on the code page.
#[post("/reauthenticate/code", data = "<form>")]
async fn reauthenticate_by_code(
    sign_in: SignIn<'_>,
    csrf: CsrfToken,
    user: CognitoUser,
    config: &State<SiteConfig>,
    form: CsrfForm<NextForm>,
) -> Result<Redirect, (Status, Template)> {
    let next = form.next.as_deref();
    let failed = |e: Error| {
        let page = reauthenticate_page(next, user_auth(&sign_in));
        refused(&csrf, layout(Some(&user), config, None), page.failed(&e))
    };
    let choice = match sign_in.start_reauthentication(&user.to_claims()).await {
        Err(Error::ChallengeRequired(choice)) => choice,
        Ok(_) => return Err(failed(Error::InvalidCredentials)),
        Err(e) => return Err(failed(e)),
    };
    let answer = rocket_warrant::sign_in::Answer::Choose("EMAIL_OTP");
    match sign_in.keep(sign_in.answer(&choice, answer).await).await {
        Err(Error::ChallengeRequired(code)) => {
            super::challenge::step(code, next).map_err(|_| failed(Error::InvalidCredentials))
        }
        Ok(_) => Err(failed(Error::InvalidCredentials)),
        Err(e) => Err(failed(e)),
    }
}
