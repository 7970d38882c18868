//! `ApiKey`: the API key header, as django-warrant's `APIKeyMiddleware` reads it.

use std::fmt;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::cognito::{missing_fairing, Cognito};

/// Longer values cannot be API Gateway keys (they are 20 to 128 characters).
const MAX_KEY_BYTES: usize = 1024;

/// The API key a client sent in the `Authorization-Id` header (`api_key_header` changes the
/// name; API Gateway's own is `x-api-key`). `Debug` does not show it.
///
/// It only reads the header, as django-warrant's `APIKeyMiddleware` did: API Gateway checks the
/// key in front of the application. To tie a key to a user, compare it with the user's mapped
/// attribute (`custom:api_key` mapped to `api_key`, say).
///
/// # Outcomes
///
/// - **Success**: the header's value, trimmed.
/// - **Error** 401 ([`ApiKeyError::Missing`], [`ApiKeyError::TooLong`]): absent, empty, or
///   over 1024 bytes; `Option<ApiKey>` gives `None` instead.
///
/// ```no_run
/// # use rocket::{get, http::Status};
/// use rocket_warrant::{ApiKey, CognitoUser};
///
/// #[get("/api/orders")]
/// fn orders(user: CognitoUser, key: ApiKey) -> Result<&'static str, Status> {
///     // The key must be this user's own.
///     if user.user().field("api_key") != Some(key.as_str()) {
///         return Err(Status::Forbidden);
///     }
///     Ok("[]")
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Why a request has no [`ApiKey`].
///
/// ```
/// assert_eq!(rocket_warrant::guards::ApiKeyError::Missing.to_string(), "no API key header");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// The header is absent or empty.
    #[error("no API key header")]
    Missing,
    /// The header is too long to be a key.
    #[error("the API key header is too long")]
    TooLong,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApiKey {
    type Error = ApiKeyError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let name = req.rocket().state::<Cognito>().map_or("Authorization-Id", |c| c.config().api_key_header.as_str());
        match req.headers().get_one(name).map(str::trim) {
            None | Some("") => Outcome::Error((Status::Unauthorized, ApiKeyError::Missing)),
            Some(key) if key.len() > MAX_KEY_BYTES => Outcome::Error((Status::Unauthorized, ApiKeyError::TooLong)),
            Some(key) => Outcome::Success(ApiKey(key.to_owned())),
        }
    }
}

impl Sentinel for ApiKey {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}
