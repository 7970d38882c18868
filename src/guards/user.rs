//! `CognitoUser` and `CognitoClaims`: the verified user of a request, from the cookies or a
//! Bearer access token, refreshed transparently when the access token has expired.

use std::fmt;
use std::sync::Arc;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::error::Error;
use crate::fairing::{missing_fairing, Cognito};
use crate::store::{Profile, User};
use crate::verify::{Claims, TokenUse, VerifyError};

/// The verified credentials of a request: what both guards share.
#[derive(Clone)]
struct Session {
    claims: Arc<Claims>,
    access_token: String,
    id_token: Option<String>,
    bearer: bool,
}

/// A request's verified access-token claims, without the local user row: for routes that need
/// only who the user is (and no database round trip).
///
/// It authenticates as [`CognitoUser`] does (cookies or Bearer token, transparent refresh) and
/// fails the same way: 401 without valid credentials (`Option<CognitoClaims>` gives `None`),
/// 503 when Cognito or the signing keys cannot be reached.
#[derive(Clone)]
pub struct CognitoClaims(Session);

/// The signed-in user of a request: the verified access-token claims and the local user row.
///
/// Credentials come from `Authorization: Bearer <access token>` when that header is present,
/// else from the token cookies that [`Cognito::sign_in`] set. An expired access token with a
/// refresh cookie is refreshed (the response carries the new cookies) and the request goes on.
///
/// Fails with 401 when there are no credentials or they are refused (`Option<CognitoUser>`
/// then gives `None`), 403 when the user has no local row and `create_unknown_users` is off,
/// and 503 when Cognito, the signing keys or the database cannot be reached.
#[derive(Clone)]
pub struct CognitoUser {
    session: Session,
    user: User,
}

impl fmt::Debug for CognitoClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoClaims")
            .field("username", &self.username())
            .field("sub", &self.sub())
            .field("groups", &self.groups())
            .field("bearer", &self.0.bearer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CognitoUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoUser")
            .field("username", &self.user.username)
            .field("sub", &self.session.claims.sub)
            .field("groups", &self.session.claims.groups)
            .field("bearer", &self.session.bearer)
            .finish_non_exhaustive()
    }
}

/// Accessors both guards offer, from the verified claims and tokens.
macro_rules! session_accessors {
    ($($session:tt)+) => {
        /// The user's immutable Cognito id.
        pub fn sub(&self) -> &str {
            &self.$($session)+.claims.sub
        }

        /// The Cognito groups (`cognito:groups`).
        pub fn groups(&self) -> &[String] {
            &self.$($session)+.claims.groups
        }

        /// Whether the user is in the Cognito group `group`.
        pub fn in_group(&self, group: &str) -> bool {
            self.groups().iter().any(|g| g == group)
        }

        /// The verified claims of the access token.
        pub fn claims(&self) -> &Claims {
            &self.$($session)+.claims
        }

        /// The access token (for calls to Cognito on the user's behalf, such as GetUser).
        pub fn access_token(&self) -> &str {
            &self.$($session)+.access_token
        }

        /// Whether the credentials came from an `Authorization: Bearer` header.
        pub fn is_bearer(&self) -> bool {
            self.$($session)+.bearer
        }
    };
}

impl CognitoClaims {
    /// The Cognito username, from the access token.
    pub fn username(&self) -> &str {
        self.0.claims.cognito_username().unwrap_or(&self.0.claims.sub)
    }

    session_accessors!(0);
}

impl CognitoUser {
    /// The canonical Cognito username.
    pub fn username(&self) -> &str {
        &self.user.username
    }

    /// The email, as mapped into the local row.
    pub fn email(&self) -> Option<&str> {
        self.user.email.as_deref()
    }

    /// The local user row.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The ID token, when the request carried the cookies (Bearer clients send only the access token).
    pub fn id_token(&self) -> Option<&str> {
        self.session.id_token.as_deref()
    }

    session_accessors!(session);
}

/// Why a request has no [`CognitoUser`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials at all.
    #[error("not signed in")]
    Missing,
    /// A token was refused.
    #[error("credentials refused: {0}")]
    Invalid(VerifyError),
    /// The access token expired and the refresh token was refused (revoked, expired, user
    /// disabled): the cookies are cleared.
    #[error("the session has ended")]
    SessionEnded,
    /// The user has no local row and `create_unknown_users` is off.
    #[error("this user has no account on this site")]
    NotProvisioned,
    /// The user is not in the group the route requires.
    #[error("not a member of the {0} group")]
    NotInGroup(&'static str),
    /// Cognito, the signing keys or the database could not be reached.
    #[error("authentication is unavailable: {0}")]
    Unavailable(String),
}

impl AuthError {
    /// The status the guard fails with.
    pub fn status(&self) -> Status {
        match self {
            AuthError::Missing | AuthError::Invalid(_) | AuthError::SessionEnded => Status::Unauthorized,
            AuthError::NotProvisioned | AuthError::NotInGroup(_) => Status::Forbidden,
            AuthError::Unavailable(_) => Status::ServiceUnavailable,
        }
    }
}

impl From<VerifyError> for AuthError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::KeysUnavailable(why) => AuthError::Unavailable(why),
            other => AuthError::Invalid(other),
        }
    }
}

impl From<Error> for AuthError {
    fn from(e: Error) -> Self {
        match e {
            Error::SessionExpired | Error::InvalidCredentials => AuthError::SessionEnded,
            Error::Token(v) => v.into(),
            Error::NotProvisioned => AuthError::NotProvisioned,
            other => AuthError::Unavailable(other.to_string()),
        }
    }
}

/// `Authorization: Bearer <token>`, the scheme matched case-insensitively.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// The session's outcome for a request, kept in the request's local cache so that every guard
/// of the request shares it, and so that the response fairing knows when the cookies were
/// cleared (Rocket drops cookie changes from error responses).
pub(crate) struct RequestAuth {
    result: Result<Session, AuthError>,
    pub(crate) cleared: bool,
}

impl RequestAuth {
    /// What a request whose guard never ran reads.
    pub(crate) fn untouched() -> RequestAuth {
        RequestAuth { result: Err(AuthError::Missing), cleared: false }
    }
}

/// The local user's outcome for a request (cached like [`RequestAuth`]).
struct LocalUser(Result<User, AuthError>);

impl Cognito {
    async fn request_auth(&self, req: &Request<'_>) -> RequestAuth {
        let result = self.authenticate(req).await;
        // Refused or ended sessions lose their cookies; an outage keeps them for a retry.
        let cleared = matches!(result, Err(AuthError::Invalid(_) | AuthError::SessionEnded)) && self.has_cookies(req);
        if cleared {
            self.cookies().clear(req.cookies());
        }
        RequestAuth { result, cleared }
    }

    fn has_cookies(&self, req: &Request<'_>) -> bool {
        self.cookies().names().iter().any(|name| req.cookies().get(name).is_some())
    }

    async fn authenticate(&self, req: &Request<'_>) -> Result<Session, AuthError> {
        if let Some(token) = req.headers().get_one("Authorization").and_then(bearer) {
            let claims = self.verifier().verify(token, TokenUse::Access).await?;
            return Ok(Session { claims, access_token: token.to_owned(), id_token: None, bearer: true });
        }
        let jar = req.cookies();
        // The access cookie alone on the common path: each cookie read is a decryption.
        let mut expired = false;
        if let Some(access_token) = self.cookies().access_token(jar) {
            match self.verifier().verify(&access_token, TokenUse::Access).await {
                Ok(claims) => return Ok(Session { claims, access_token, id_token: None, bearer: false }),
                // Only a genuinely signed token can be "expired": refresh it.
                Err(VerifyError::Expired) => expired = true,
                Err(e) => return Err(e.into()),
            }
        }
        let Some((refresh_token, username)) = self.cookies().refresh(jar) else {
            return Err(if expired { AuthError::Invalid(VerifyError::Expired) } else { AuthError::Missing });
        };
        let refreshed = self.refresh(&refresh_token, &username).await?;
        self.cookies().set(jar, &refreshed.tokens, &username).map_err(|e| AuthError::Unavailable(e.to_string()))?;
        Ok(Session {
            claims: refreshed.access_claims,
            access_token: refreshed.tokens.access_token,
            id_token: Some(refreshed.tokens.id_token),
            bearer: false,
        })
    }

    /// The local row of a verified token's user; created from GetUser on first sight (a Bearer
    /// client that never logged in here) when `create_unknown_users` is on.
    async fn local_user(&self, claims: &Claims, access_token: &str) -> Result<User, AuthError> {
        let username = claims.cognito_username().unwrap_or(&claims.sub);
        let unavailable = |e: crate::store::StoreError| AuthError::Unavailable(e.to_string());
        if let Some(user) = self.store().find(username).await.map_err(unavailable)? {
            return Ok(user);
        }
        if !self.config().create_unknown_users {
            return Err(AuthError::NotProvisioned);
        }
        let attributes = self.client().get_user(access_token).await?;
        let profile =
            Profile::from_attributes(&attributes.username, &attributes.attributes, &self.config().attr_mapping);
        self.store().save(&profile, true).await.map_err(unavailable)?.ok_or(AuthError::NotProvisioned)
    }
}

fn fail<T>(e: &AuthError) -> Outcome<T, AuthError> {
    Outcome::Error((e.status(), e.clone()))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CognitoClaims {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        // Cached per request: every guard of a route authenticates once.
        let auth = req
            .local_cache_async(async {
                match req.rocket().state::<Cognito>() {
                    Some(cognito) => cognito.request_auth(req).await,
                    None => RequestAuth {
                        result: Err(AuthError::Unavailable("Cognito::fairing() is not attached".into())),
                        cleared: false,
                    },
                }
            })
            .await;
        match &auth.result {
            Ok(session) => Outcome::Success(CognitoClaims(session.clone())),
            Err(e) => fail(e),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CognitoUser {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let mut session = match CognitoClaims::from_request(req).await {
            Outcome::Success(CognitoClaims(session)) => session,
            Outcome::Error(e) => return Outcome::Error(e),
            Outcome::Forward(s) => return Outcome::Forward(s),
        };
        if !session.bearer && session.id_token.is_none() {
            // Read only now: routes that take CognitoClaims never decrypt it.
            session.id_token = req.rocket().state::<Cognito>().and_then(|c| c.cookies().id_token(req.cookies()));
        }
        let local = req
            .local_cache_async(async {
                match req.rocket().state::<Cognito>() {
                    Some(cognito) => LocalUser(cognito.local_user(&session.claims, &session.access_token).await),
                    None => LocalUser(Err(AuthError::Unavailable("Cognito::fairing() is not attached".into()))),
                }
            })
            .await;
        match &local.0 {
            Ok(user) => Outcome::Success(CognitoUser { session, user: user.clone() }),
            Err(e) => fail(e),
        }
    }
}

impl Sentinel for CognitoClaims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

impl Sentinel for CognitoUser {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_scheme() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
