//! Sessions started without a sign-in, and the handle a session cookie carries.

use rocket::figment::Figment;
use rocket::http::Cookie;

use crate::cookies::{Sealer, TokenCookies};
use crate::tokens::Tokens;

/// Starts a session of `username` with `tokens` on `cognito`, as a login would keep it, without
/// Cognito: the cookies a browser then sends (see [`TestUser::session_on`], which signs the
/// tokens). For tests and benchmarks that bring tokens of their own.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use rocket::local::asynchronous::Client;
/// use rocket_warrant::testing::{start_session, TestPool};
/// use rocket_warrant::{Cognito, CognitoClaims};
///
/// #[get("/me")]
/// fn me(claims: CognitoClaims) -> String { claims.username().to_owned() }
///
/// # rocket::async_test(async {
/// let pool = TestPool::new();
/// let client = Client::tracked(rocket::custom(pool.figment()).attach(Cognito::without_store()).mount("/", routes![me])).await.unwrap();
/// let cognito = client.rocket().state::<Cognito>().unwrap();
/// let cookies = start_session(cognito, "ada", &pool.user("ada").tokens()).await.unwrap();
/// assert_eq!(cookies.len(), 3, "cookie sessions: the access and refresh cookies, the sign-in's proof");
/// let mut request = client.get("/me");
/// for cookie in cookies {
///     request = request.cookie(cookie);
/// }
/// assert_eq!(request.dispatch().await.into_string().await.unwrap(), "ada");
/// # });
/// ```
///
/// # Errors
///
/// As [`Cognito::keep`](crate::Cognito::keep): a store that fails, a token too large.
#[doc(hidden)]
pub async fn start_session(
    cognito: &crate::Cognito,
    username: &str,
    tokens: &Tokens,
) -> Result<Vec<Cookie<'static>>, crate::Error> {
    let shared = cognito.shared();
    let origin = crate::session::Origin {
        factors: crate::proof::Factors::default().with(crate::proof::Factor::Password),
        ..Default::default()
    };
    let mut cookies = cognito.sessions().start(shared, None, username, tokens, &origin).await?;
    if let Some(claims) = crate::tokens::unverified_claims(&tokens.access_token) {
        cookies.push(signed_in_now(&shared.cookies, &claims.sub, shared.now()));
    }
    Ok(cookies)
}

/// The proof cookie of a password sign-in of `sub` at `now`.
pub(super) fn signed_in_now(cookies: &TokenCookies, sub: &str, now: i64) -> Cookie<'static> {
    let proof = crate::proof::Proof::new(now, crate::proof::Factors::default().with(crate::proof::Factor::Password));
    crate::cookies::proof_cookie(cookies, sub, proof)
}

/// The handle ([`SessionInfo::id`](crate::store::SessionInfo::id)) of the server-side session that a
/// session cookie carries, opened with the `secret_key` of `figment` (a site's
/// `rocket.figment()`); `None` for any other cookie.
///
/// ```
/// use rocket::http::Cookie;
/// use rocket_warrant::testing::{session_handle, TestPool};
///
/// assert_eq!(session_handle(&TestPool::new().figment(), &Cookie::new("cognito_session", "forged")), None);
/// ```
#[doc(hidden)]
pub fn session_handle(figment: &Figment, cookie: &Cookie<'_>) -> Option<String> {
    let id = Sealer::from_figment(figment).open(cookie.name(), cookie.value())?;
    Some(crate::session::handle(&id.try_into().ok()?))
}
