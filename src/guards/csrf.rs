//! Protection against cross-site request forgery, for every form of the application: a secret
//! in a sealed cookie of the browser, repeated, masked, in each form it renders ([`CsrfToken`]),
//! and checked in constant time when the form comes back ([`CsrfForm`]); a new secret at every
//! sign-in (and sign-out), so that a token planted before is worth nothing after. For requests
//! that carry no token, [`SameOrigin`] refuses what a browser says came from another site.

use std::ops::{Deref, DerefMut};

use crate::cognito::{missing_fairing, Cognito};
use crate::cookies::csrf::{mask, matches, rotate, secret};
use rocket::data::{self, Data, FromData};
use rocket::form::{self, DataField, Form, FromForm, ValueField};
use rocket::http::{Method, Status};
use rocket::request::{self, FromRequest, Request};
use rocket::{Ignite, Rocket, Sentinel};

/// The form field that carries the token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The header that carries the token instead, for a request a script sends (`fetch`).
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Why a form or a request was refused as a possible forgery (403).
///
/// ```
/// use rocket_warrant::guards::CsrfError;
/// assert!(CsrfError::Mismatch.to_string().contains("reload the page"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrfError {
    /// The browser sent no CSRF cookie: it blocks cookies, or the form was not this site's.
    #[error("the form was refused: this browser sent no CSRF cookie (cookies must be allowed for this site); reload the page and try again")]
    NoCookie,
    /// The form carried no token (its `csrf_token` field, or the `X-CSRF-Token` header).
    #[error("the form was refused: it carries no CSRF token; reload the page and try again")]
    Missing,
    /// The token is not this browser's: a form of another site, or one rendered before the
    /// last sign-in or sign-out.
    #[error("the form was refused: its CSRF token is not this browser's (a page from before the last sign-in?); reload the page and try again")]
    Mismatch,
    /// The browser says the request came from another site (`Sec-Fetch-Site`, `Origin`).
    #[error("the request was refused: it came from another site")]
    CrossOrigin,
}

impl CsrfError {
    /// Why the request was refused, when a CSRF check of the crate's refused it: for the
    /// application's 403 catcher, which can then say so.
    ///
    /// ```
    /// use rocket::{catch, Request};
    /// use rocket_warrant::guards::CsrfError;
    ///
    /// #[catch(403)]
    /// fn forbidden(req: &Request<'_>) -> String {
    ///     match CsrfError::of(req) {
    ///         Some(why) => why.to_string(),
    ///         None => "You may not see this page.".into(),
    ///     }
    /// }
    /// ```
    pub fn of(req: &Request<'_>) -> Option<CsrfError> {
        *req.local_cache(Refusal::default).0.lock()
    }

    /// Records the refusal for [`CsrfError::of`]; the status to answer.
    fn record(self, req: &Request<'_>) -> Status {
        *req.local_cache(Refusal::default).0.lock() = Some(self);
        Status::Forbidden
    }
}

/// The request's CSRF refusal, for the catcher.
#[derive(Default)]
struct Refusal(parking_lot::Mutex<Option<CsrfError>>);

/// The CSRF token of the request's browser, for the forms a page renders: put
/// [`value`](CsrfToken::value) in each form's `csrf_token` field (or, from a script, the
/// `X-CSRF-Token` header), and take the form back with [`CsrfForm`].
///
/// The secret lives in a sealed cookie of its own (`<cookie_prefix>_csrf`, `SameSite=Lax`,
/// `__Host-` unless `cookie_secure = false`); a browser without one gets one with this page.
/// Every sign-in and sign-out gives the browser a new one: take a `CsrfToken` in the page that
/// renders a form, not in the handler that signs in.
///
/// ```no_run
/// # use rocket::get;
/// use rocket::response::content::RawHtml;
/// use rocket_warrant::CsrfToken;
///
/// #[get("/login")]
/// fn login_page(csrf: CsrfToken) -> RawHtml<String> {
///     RawHtml(format!(
///         r#"<form method="post"><input type="hidden" name="csrf_token" value="{}">
///            <input name="username"> <input name="password" type="password"> <button>Sign in</button></form>"#,
///         csrf.value()
///     ))
/// }
/// ```
#[derive(Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token to repeat in the form (a new mask of the browser's secret for each page).
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(***)")
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            // Unreachable when the Sentinel ran; a clear status rather than a panic otherwise.
            return request::Outcome::Forward(Status::InternalServerError);
        };
        let cookies = &cognito.shared().cookies;
        // One secret per request, whatever guards ask: a new browser's is made once.
        let secret = req.local_cache(|| secret(cookies, req.cookies()).or_else(|| rotate(cookies, req.cookies())));
        match secret {
            Some(secret) => request::Outcome::Success(CsrfToken(mask(secret))),
            None => request::Outcome::Forward(Status::InternalServerError),
        }
    }
}

impl Sentinel for CsrfToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

/// A form of type `T` that came back with the browser's CSRF token: the data guard of every
/// handler a form posts to. `T` declares its own fields only; the `csrf_token` field (or the
/// `X-CSRF-Token` header) is read and checked here, in constant time, before `T` is looked at.
///
/// # Outcomes
///
/// - **Success**: the token is the browser's, and `T` parsed.
/// - **Error** 403 ([`CsrfFormError::Refused`]): no CSRF cookie, no token, or another
///   browser's (or an earlier session's); nothing of the form was acted on.
///   [`CsrfError::of`] tells the application's 403 catcher why.
/// - **Error** ([`CsrfFormError::Invalid`]): the token matched but the form did not parse
///   (422, as [`Form`] answers).
///
/// ```no_run
/// # use rocket::{post, FromForm, response::Redirect};
/// use rocket_warrant::{CsrfForm, Error, SignIn};
///
/// #[derive(FromForm)]
/// struct Credentials { username: String, password: String }
///
/// #[post("/login", data = "<form>")]
/// async fn login(sign_in: SignIn<'_>, form: CsrfForm<Credentials>) -> Result<Redirect, Error> {
///     sign_in.keep(sign_in.login(&form.username, &form.password).await).await?;
///     Ok(Redirect::to("/"))
/// }
/// ```
///
/// A button with no field of its own takes `CsrfForm` alone (`CsrfForm<NoFields>`).
#[derive(Debug)]
pub struct CsrfForm<T = NoFields>(T);

/// The fields of a form that has none but its CSRF token (a button): `CsrfForm` alone.
///
/// ```no_run
/// # use rocket::{post, http::CookieJar};
/// use rocket_warrant::{Cognito, CsrfForm};
///
/// #[post("/logout", data = "<_form>")]
/// async fn logout(cognito: &Cognito, jar: &CookieJar<'_>, _form: CsrfForm) -> &'static str {
///     cognito.sign_out(jar).await;
///     "Logged out"
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoFields;

#[rocket::async_trait]
impl<'r> FromForm<'r> for NoFields {
    type Context = ();

    fn init(_opts: form::Options) {}

    fn push_value(_ctxt: &mut (), _field: ValueField<'r>) {}

    async fn push_data(_ctxt: &mut (), _field: DataField<'r, '_>) {}

    fn finalize(_ctxt: ()) -> form::Result<'r, Self> {
        Ok(NoFields)
    }
}

impl<T> CsrfForm<T> {
    /// The form's own fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for CsrfForm<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Why a [`CsrfForm`] was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum CsrfFormError<'r> {
    /// A possible forgery (403).
    Refused(CsrfError),
    /// The token matched, and the form did not parse.
    Invalid(form::Errors<'r>),
}

/// The fields of a form with its CSRF token taken out.
struct WithToken<'r, T> {
    token: Option<&'r str>,
    form: form::Result<'r, T>,
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromForm<'r> for WithToken<'r, T> {
    type Context = (Option<&'r str>, T::Context);

    fn init(opts: form::Options) -> Self::Context {
        (None, T::init(opts))
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'r>) {
        if field.name.as_name() == CSRF_FIELD {
            ctxt.0 = Some(field.value);
        } else {
            T::push_value(&mut ctxt.1, field);
        }
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'r, '_>) {
        T::push_data(&mut ctxt.1, field).await;
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'r>) {
        T::push_error(&mut ctxt.1, error);
    }

    fn finalize((token, context): Self::Context) -> form::Result<'r, Self> {
        // Always a value: the token is checked before the form's own errors are told.
        Ok(WithToken { token, form: T::finalize(context) })
    }
}

// Without the fairing every form would be refused at request time: stop launch instead.
impl<T> Sentinel for CsrfForm<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromData<'r> for CsrfForm<T> {
    type Error = CsrfFormError<'r>;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return data::Outcome::Error((
                CsrfError::NoCookie.record(req),
                CsrfFormError::Refused(CsrfError::NoCookie),
            ));
        };
        let secret = secret(&cognito.shared().cookies, req.cookies());
        let parsed = match Form::<WithToken<'r, T>>::from_data(req, data).await {
            data::Outcome::Success(form) => form.into_inner(),
            data::Outcome::Error((status, errors)) => {
                // The body could not be read as a form: nothing to act on either way.
                return data::Outcome::Error((status, CsrfFormError::Invalid(errors)));
            }
            data::Outcome::Forward(f) => return data::Outcome::Forward(f),
        };
        let token = parsed.token.or_else(|| req.headers().get_one(CSRF_HEADER));
        let refusal = match (secret, token) {
            (None, _) => Some(CsrfError::NoCookie),
            (_, None) => Some(CsrfError::Missing),
            (Some(secret), Some(token)) => (!matches(token, &secret)).then_some(CsrfError::Mismatch),
        };
        if let Some(why) = refusal {
            return data::Outcome::Error((why.record(req), CsrfFormError::Refused(why)));
        }
        match parsed.form {
            Ok(form) => data::Outcome::Success(CsrfForm(form)),
            Err(errors) => data::Outcome::Error((errors.status(), CsrfFormError::Invalid(errors))),
        }
    }
}

/// A request that a browser did not send from another site: for a form that carries no token
/// (a sign-out button on a page of static HTML, say). It follows Go's
/// `net/http.CrossOriginProtection`: safe methods (GET, HEAD, OPTIONS) pass; otherwise a
/// `Sec-Fetch-Site` other than `same-origin` or `none` is refused, and without it an `Origin`
/// whose host is not the request's `Host`. A request with neither header (not a browser, or
/// one too old to send them) passes.
///
/// # Outcomes
///
/// - **Success**: the request is the site's own.
/// - **Error** 403 ([`CsrfError::CrossOrigin`]).
///
/// ```no_run
/// # use rocket::{post, http::CookieJar, response::Redirect};
/// use rocket_warrant::{Cognito, SameOrigin};
///
/// #[post("/logout")]
/// async fn logout(_same: SameOrigin, cognito: &Cognito, jar: &CookieJar<'_>) -> Redirect {
///     cognito.sign_out(jar).await;
///     Redirect::to("/")
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SameOrigin(());

/// Whether a request's headers say it came from another site (the rules of [`SameOrigin`]).
pub(crate) fn cross_origin(req: &Request<'_>) -> bool {
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return false;
    }
    let headers = req.headers();
    if let Some(site) = headers.get_one("Sec-Fetch-Site") {
        return !(site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none"));
    }
    let Some(origin) = headers.get_one("Origin") else {
        return false;
    };
    // `null` (a sandboxed or privacy-sensitive context) is no host of this site.
    let host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
    let own = headers.get_one("Host");
    !matches!((host, own), (Some(host), Some(own)) if host.eq_ignore_ascii_case(own))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SameOrigin {
    type Error = CsrfError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        if cross_origin(req) {
            return request::Outcome::Error((CsrfError::CrossOrigin.record(req), CsrfError::CrossOrigin));
        }
        request::Outcome::Success(SameOrigin(()))
    }
}
