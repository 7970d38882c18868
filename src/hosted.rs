//! Managed login: the OAuth 2.0 authorization-code flow with PKCE through Cognito's hosted
//! pages (and through them the pool's identity providers: Google, Apple, SAML, OIDC). The start
//! keeps `state`, `nonce`, the PKCE verifier and the local `next` in a sealed cookie of ten
//! minutes and sends the browser to `/oauth2/authorize`; the callback checks `state`, exchanges
//! the code at `/oauth2/token`, verifies both tokens (the ID token's `nonce` included) and ends
//! as a password sign-in does, in the same session. Logout revokes the refresh token and ends at
//! the hosted `/logout`.

use std::sync::LazyLock;

use base64::Engine;
use rocket::http::CookieJar;
use rocket::response::Redirect;
use rocket::time::Duration;
use rocket::{get, post, routes, Route};
use sha2::{Digest, Sha256};

use crate::client::Issued;
use crate::cognito::Cognito;
use crate::context::Ctx;
pub use crate::error::HostedLoginError;
use crate::error::{Error, ServiceError};
use crate::next::percent_encode;
use crate::proof::{Factor, Factors};
use crate::signin::{self, Login};
use crate::state::Shared;
use crate::tokens::TokenUse;

/// How long a sign-in may stay at the hosted pages (its cookie's life).
const PENDING_MAX_AGE: Duration = Duration::minutes(10);

/// One token-endpoint client for the process: its connections are reused.
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
});

/// A sign-in under way at the hosted pages, as its cookie keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    next: Option<String>,
    at: i64,
}

/// `bytes` random bytes, base64url without padding (an unreserved string, fit for PKCE).
fn random(bytes: usize) -> Result<String, Error> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| Error::Unavailable(ServiceError::new(format!("no randomness for managed login: {e}"))))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}

fn not_configured(what: &'static str) -> Error {
    let message = format!("managed login needs cognito.{what}");
    Error::Misconfigured(ServiceError::new(message).about(what))
}

/// Where a sign-in at the hosted pages goes, besides the settings: the local `next`, an identity
/// provider to skip to (by name, `identity_provider`, or by one of its identifiers, such as an
/// email domain, `idp_identifier`), and the pages' language (`lang`, `fr`, `de`, ...).
///
/// ```
/// use rocket_warrant::hosted::Options;
///
/// let google = Options { identity_provider: Some("Google"), next: Some("/orders"), ..Options::default() };
/// assert_eq!(google.lang, None);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Where the sign-in leads ([`Login::next`]); a local path only.
    pub next: Option<&'a str>,
    /// The identity provider's name in the pool (`Google`, a SAML provider's).
    pub identity_provider: Option<&'a str>,
    /// One of an identity provider's identifiers (`example.com`).
    pub idp_identifier: Option<&'a str>,
    /// The language of the hosted pages.
    pub lang: Option<&'a str>,
}

/// Starts a sign-in at the hosted pages: the URL to send the browser to.
pub(crate) fn start(shared: &Shared, jar: &CookieJar<'_>, options: Options<'_>) -> Result<String, Error> {
    let Options { next, identity_provider, idp_identifier, lang } = options;
    let config = &shared.config;
    let domain = config.domain_url().ok_or_else(|| not_configured("domain"))?;
    let redirect_uri = config.redirect_uri.as_deref().ok_or_else(|| not_configured("redirect_uri"))?;
    let pending = Pending {
        state: random(32)?,
        nonce: random(32)?,
        // 64 characters of [A-Za-z0-9-_]: within RFC 7636's 43 to 128.
        verifier: random(48)?,
        next: next.and_then(crate::next::safe_next).map(str::to_owned),
        at: shared.now(),
    };
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&pending.verifier));
    let mut url = format!(
        "{domain}/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}\
         &code_challenge={challenge}&code_challenge_method=S256",
        percent_encode(&config.app_client_id),
        percent_encode(redirect_uri),
        percent_encode(&config.scopes.join(" ")),
        pending.state,
        pending.nonce,
    );
    let extra = [("identity_provider", identity_provider), ("idp_identifier", idp_identifier), ("lang", lang)];
    for (name, value) in extra {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            url.push_str(&format!("&{name}={}", percent_encode(value)));
        }
    }
    let value = serde_json::to_vec(&pending).map_err(|e| Error::Cognito(ServiceError::new(e.to_string())))?;
    jar.add(shared.cookies.seal_oauth_cookie(&value, PENDING_MAX_AGE));
    Ok(url)
}

/// What the hosted pages sent back to `redirect_uri`.
#[derive(Default, Clone, rocket::FromForm)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` the sign-in sent.
    pub state: Option<String>,
    /// An OAuth error in place of the code.
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is a credential until it is spent: kept out of logs.
        f.debug_struct("CallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "***"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish_non_exhaustive()
    }
}

/// Finishes a sign-in at the hosted pages; see [`Cognito::hosted_callback`].
pub(crate) async fn callback(shared: &Shared, jar: &CookieJar<'_>, answer: &CallbackQuery) -> Result<Login, Error> {
    let name = shared.cookies.oauth_name();
    let opened = shared.cookies.open_cookie(jar, name);
    // One use: whatever the answer, this sign-in is over.
    shared.cookies.remove_cookie(jar, name);
    let pending: Pending = opened
        .and_then(|value| serde_json::from_slice(&value).ok())
        .filter(|p: &Pending| (0..PENDING_MAX_AGE.whole_seconds()).contains(&shared.now().saturating_sub(p.at)))
        .ok_or(Error::HostedLogin(HostedLoginError::NotStarted))?;
    let same = |a: &str, b: &str| equal(a.as_bytes(), b.as_bytes());
    if !answer.state.as_deref().is_some_and(|s| same(s, &pending.state)) {
        return Err(Error::HostedLogin(HostedLoginError::StateMismatch));
    }
    if let Some(error) = &answer.error {
        let description = answer.error_description.clone();
        return Err(Error::HostedLogin(HostedLoginError::Refused { error: error.clone(), description }));
    }
    let code = answer.code.as_deref().filter(|c| !c.is_empty()).ok_or(Error::HostedLogin(HostedLoginError::NoCode))?;
    let tokens = exchange(shared, code, &pending.verifier).await?;
    // The ID token is this sign-in's: its nonce, before anything is written.
    let id_claims = shared.verify(&tokens.id_token, TokenUse::Id).await?;
    let nonce = id_claims.extra.get("nonce").and_then(|n| n.as_str()).unwrap_or_default();
    if !same(nonce, &pending.nonce) {
        return Err(Error::HostedLogin(HostedLoginError::NonceMismatch));
    }
    let issued = Issued { tokens, new_device: None, device_dropped: false, device_proved: false };
    let proved = Factors::default().with(Factor::Hosted);
    let mut login = signin::finish(shared, issued, None, &Ctx::default(), proved).await?;
    login.next = pending.next;
    Ok(login)
}

/// Equality of two byte strings in time independent of where they differ.
fn equal(a: &[u8], b: &[u8]) -> bool {
    bool::from(subtle::ConstantTimeEq::ct_eq(a, b))
}

/// The token endpoint's answer.
#[derive(serde::Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    error: Option<String>,
}

/// The code exchanged at `/oauth2/token` (HTTP Basic with the client secret when there is one).
async fn exchange(shared: &Shared, code: &str, verifier: &str) -> Result<crate::tokens::Tokens, Error> {
    let config = &shared.config;
    let domain = config.domain_url().ok_or_else(|| not_configured("domain"))?;
    let redirect_uri = config.redirect_uri.as_deref().ok_or_else(|| not_configured("redirect_uri"))?;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", config.app_client_id.as_str()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    let mut request = HTTP
        .post(format!("{domain}/oauth2/token"))
        .timeout(config.cognito_timeout)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.join("&"));
    if let Some(secret) = &config.app_client_secret {
        request = request.basic_auth(&config.app_client_id, Some(secret.expose()));
    }
    let unavailable =
        |e: reqwest::Error| Error::Unavailable(ServiceError::new("the token endpoint failed").caused_by(e));
    let response = request.send().await.map_err(unavailable)?;
    let status = response.status();
    let answer: TokenAnswer = response.json().await.map_err(unavailable)?;
    match answer {
        TokenAnswer {
            id_token: Some(id_token),
            access_token: Some(access_token),
            refresh_token: Some(refresh_token),
            ..
        } if status.is_success() => Ok(crate::tokens::Tokens { id_token, access_token, refresh_token }),
        // The application's settings: the client or its secret.
        TokenAnswer { error: Some(error), .. } if error == "invalid_client" || error == "unauthorized_client" => {
            Err(Error::Misconfigured(ServiceError::coded(&error, "the token endpoint refused the app client")))
        }
        TokenAnswer { error: Some(error), .. } if status.is_client_error() => {
            Err(Error::HostedLogin(HostedLoginError::CodeRefused(error)))
        }
        _ => Err(Error::Unavailable(ServiceError::new(format!("the token endpoint answered {status} without tokens")))),
    }
}

/// Where the hosted logout sends the browser; see [`Cognito::hosted_logout`].
pub(crate) fn logout_url(shared: &Shared) -> Result<String, Error> {
    let config = &shared.config;
    let domain = config.domain_url().ok_or_else(|| not_configured("domain"))?;
    let logout_uri = config.logout_uri.as_deref().ok_or_else(|| not_configured("logout_uri"))?;
    Ok(format!(
        "{domain}/logout?client_id={}&logout_uri={}",
        percent_encode(&config.app_client_id),
        percent_encode(logout_uri)
    ))
}

/// Managed login's calls.
impl Cognito {
    /// Starts a sign-in at Cognito's hosted pages (managed login): the URL of `/oauth2/authorize`
    /// to redirect the browser to, with a PKCE challenge, `state` and `nonce` kept in a sealed
    /// cookie of ten minutes. [`Options`] say where the sign-in leads ([`Login::next`]), and
    /// which identity provider to go straight to (`Google`). The routes of [`routes()`] do all of it.
    ///
    /// ```no_run
    /// # use rocket::{get, http::CookieJar, response::Redirect};
    /// use rocket_warrant::{hosted, hosted::CallbackQuery, Cognito, Error};
    ///
    /// #[get("/auth/login")]
    /// fn login(cognito: &Cognito, jar: &CookieJar<'_>) -> Result<Redirect, Error> {
    ///     let options = hosted::Options { next: Some("/profile"), ..Default::default() };
    ///     Ok(Redirect::to(cognito.hosted_login(jar, options)?))
    /// }
    ///
    /// #[get("/auth/callback?<answer..>")]
    /// async fn callback(cognito: &Cognito, jar: &CookieJar<'_>, answer: CallbackQuery) -> Result<Redirect, Error> {
    ///     let login = cognito.keep(jar, cognito.hosted_callback(jar, &answer).await).await?;
    ///     Ok(Redirect::to(login.next().unwrap_or("/").to_owned()))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Misconfigured`] without `domain` or `redirect_uri`.
    pub fn hosted_login(&self, jar: &CookieJar<'_>, options: Options<'_>) -> Result<String, Error> {
        start(self.shared(), jar, options)
    }

    /// Finishes a sign-in at the hosted pages with what they sent back to `redirect_uri`: the
    /// `state` checked against this browser's sign-in, the code exchanged at `/oauth2/token`
    /// (with the PKCE verifier, and the client secret when there is one), both tokens verified
    /// (the ID token's `nonce` included), the local user created or updated (a federated user
    /// arrives as Cognito names them, `Google_1234...`). Hand the result to [`Cognito::keep`]:
    /// the session is the one a password sign-in gets.
    ///
    /// # Errors
    ///
    /// [`Error::HostedLogin`] for a round trip refused ([`HostedLoginError`]:
    /// no sign-in under way, a wrong `state` or `nonce`, an `error=` answer, a code refused);
    /// nothing is signed in. Otherwise as [`Cognito::login`].
    pub async fn hosted_callback(&self, jar: &CookieJar<'_>, answer: &CallbackQuery) -> Result<Login, Error> {
        let result = callback(self.shared(), jar, answer).await;
        crate::metrics::sign_in("hosted", crate::signin::outcome(&result));
        result
    }

    /// Signs this session out ([`Cognito::sign_out`]: the refresh token revoked) and returns the
    /// hosted `/logout` URL to redirect to, which ends the hosted pages' own session and sends
    /// the browser on to `logout_uri`.
    ///
    /// # Errors
    ///
    /// [`Error::Misconfigured`] without `domain` or `logout_uri` (the session here ends all the same).
    pub async fn hosted_logout(&self, jar: &CookieJar<'_>) -> Result<String, Error> {
        self.sign_out(jar).await;
        logout_url(self.shared())
    }
}

/// Starts a sign-in at the hosted pages.
#[get("/login?<next>&<provider>&<idp>&<lang>")]
async fn login(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    next: Option<&str>,
    provider: Option<&str>,
    idp: Option<&str>,
    lang: Option<&str>,
) -> Result<Redirect, Error> {
    let options = Options { next, identity_provider: provider, idp_identifier: idp, lang };
    Ok(Redirect::to(cognito.hosted_login(jar, options)?))
}

/// The callback: signed in, to `next` (or `/`).
#[get("/callback?<answer..>")]
async fn callback_route(cognito: &Cognito, jar: &CookieJar<'_>, answer: CallbackQuery) -> Result<Redirect, Error> {
    // A refused callback (of no sign-in of this browser's, a link from another site) is kept
    // nowhere: it touches neither the session nor another sign-in's pending step.
    let login = cognito.hosted_callback(jar, &answer).await?;
    let login = cognito.keep(jar, Ok(login)).await?;
    Ok(Redirect::to(login.next().unwrap_or("/").to_owned()))
}

/// Signs out, here and at the hosted pages; from a page of the site only ([`SameOrigin`]): a
/// form of another site cannot sign the user out.
///
/// [`SameOrigin`]: crate::SameOrigin
#[post("/logout")]
async fn logout(_same: crate::SameOrigin, cognito: &Cognito, jar: &CookieJar<'_>) -> Result<Redirect, Error> {
    Ok(Redirect::to(cognito.hosted_logout(jar).await?))
}

/// The three routes of managed login, to mount where `redirect_uri` points (`/auth` for
/// `https://site.example/auth/callback`): `GET login?next=&provider=&idp=&lang=` (each optional,
/// as [`Options`]), `GET callback`, `POST logout`.
pub fn routes() -> Vec<Route> {
    routes![login, callback_route, logout]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_encoded_and_compared_whole() {
        assert_eq!(percent_encode("openid email"), "openid%20email");
        assert_eq!(percent_encode("https://a.example/cb?x=1"), "https%3A%2F%2Fa.example%2Fcb%3Fx%3D1");
        assert!(equal(b"abc", b"abc"));
        assert!(!equal(b"abc", b"abd"));
        assert!(!equal(b"abc", b"abcd"), "a prefix is not equal");
        let verifier = random(48).unwrap();
        assert_eq!(verifier.len(), 64);
        assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
