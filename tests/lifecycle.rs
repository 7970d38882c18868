//! The token lifecycle against the emulator: refresh with GetTokensFromRefreshToken (rotation on
//! and off, the grace period), revocation at logout (RevokeToken), and the emulator's own
//! additions (GetTokensFromRefreshToken, rotation, RevokeToken) checked call by call.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider as cip;
use common::routes::{access, me};
use common::{with, Pool, StoreKind};
use rocket::http::{ContentType, Cookie, CookieJar, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::{json, Value};
use rocket::{get, routes};
use rocket_warrant::tokens::TokenUse;
use rocket_warrant::{Cognito, CognitoUser, Error};

const PASSWORD: &str = "Corr3ct-Horse!";

#[get("/logout")]
async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "Logged Out"
}

/// Tokens straight from the emulator (ADMIN_USER_PASSWORD_AUTH).
async fn sign_in_directly(pool: &Pool, username: &str) -> cip::types::AuthenticationResultType {
    let mut auth = pool
        .admin
        .admin_initiate_auth()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD);
    if let Some(secret) = &pool.client_secret {
        auth = auth.auth_parameters("SECRET_HASH", common::secret_hash(secret, username, &pool.client_id));
    }
    auth.send().await.expect("admin_initiate_auth").authentication_result.expect("tokens")
}

async fn get_tokens(
    pool: &Pool,
    refresh_token: &str,
) -> Result<
    cip::types::AuthenticationResultType,
    cip::error::SdkError<cip::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenError>,
> {
    let mut call = pool.admin.get_tokens_from_refresh_token().client_id(&pool.client_id).refresh_token(refresh_token);
    if let Some(secret) = &pool.client_secret {
        call = call.client_secret(secret);
    }
    call.send().await.map(|out| out.authentication_result.expect("tokens"))
}

fn code<E: cip::error::ProvideErrorMetadata>(e: &cip::error::SdkError<E>) -> String {
    e.as_service_error().and_then(|e| e.code()).unwrap_or("not a service error").to_owned()
}

async fn pool_with_alice(with_secret: bool) -> Pool {
    let pool = Pool::new(with_secret).await;
    pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
    pool
}

/// Conformance: refresh-token rotation as GetTokensFromRefreshToken's reference and
/// RefreshTokenRotationType have it: a new refresh token at each refresh, the old one valid for
/// RetryGracePeriodSeconds and then RefreshTokenReuseException; the client secret as
/// ClientSecret; REFRESH_TOKEN_AUTH off ("Refresh tokens" guide). moto has no rotation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_with_rotation_refuses_refresh_token_auth_and_rotates_with_a_grace_period() {
    need_emulator!();
    let pool = pool_with_alice(true).await;
    // Rotation beside ALLOW_REFRESH_TOKEN_AUTH is refused (the guide, "Refresh tokens": "you must
    // disable this authentication flow in your app client"); the wording is not public.
    let rotation =
        cip::types::RefreshTokenRotationType::builder().feature(cip::types::FeatureType::Enabled).build().unwrap();
    let both = pool
        .admin
        .update_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .explicit_auth_flows(cip::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .refresh_token_rotation(rotation)
        .send()
        .await;
    assert_eq!(code(&both.unwrap_err()), "InvalidParameterException");
    pool.enable_rotation(1).await;
    let first = sign_in_directly(&pool, "alice").await;
    let old = first.refresh_token().unwrap();

    let secret = pool.client_secret.as_deref().unwrap();
    let refused = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", old)
        .auth_parameters("SECRET_HASH", common::secret_hash(secret, "alice", &pool.client_id))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "InvalidParameterException", "REFRESH_TOKEN_AUTH is off with rotation on");

    let rotated = get_tokens(&pool, old).await.expect("GetTokensFromRefreshToken");
    let new = rotated.refresh_token().expect("a new refresh token with rotation on");
    assert_ne!(new, old);
    assert_eq!(new.split('.').count(), 5, "a JWE, as Cognito's");
    assert!(rotated.access_token().is_some() && rotated.id_token().is_some());
    // Within the grace period the old token still works (a client's retry).
    get_tokens(&pool, old).await.expect("the old token within its grace period");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let reused = get_tokens(&pool, old).await.unwrap_err();
    assert_eq!(code(&reused), "RefreshTokenReuseException", "the rotated-out token after its grace period");
    get_tokens(&pool, new).await.expect("the new token lives on");

    // Without the client secret the call is refused.
    let anonymous =
        pool.admin.get_tokens_from_refresh_token().client_id(&pool.client_id).refresh_token(new).send().await;
    assert_eq!(code(&anonymous.unwrap_err()), "NotAuthorizedException");
    // RevokeToken without it: UnauthorizedException, as its reference lists; the token lives on.
    let revoke = pool.admin.revoke_token().client_id(&pool.client_id).token(new).send().await;
    assert_eq!(code(&revoke.unwrap_err()), "UnauthorizedException");
    get_tokens(&pool, new).await.expect("not revoked without the secret");
}

/// Conformance: a refresh token lapses RefreshTokenValidity after it was issued (30 days unless
/// the app client sets it; CreateUserPoolClient reference: users "can't use a refresh token
/// that's older than" it), in both refresh calls; moto's never lapse. The pool's clock is moved
/// on (the emulator's POST /_emulator/clock). A site's session then ends: its refresh is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refresh_tokens_lapse_after_their_validity() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let refresh = sign_in_directly(&pool, "alice").await.refresh_token.unwrap();
    pool.advance_clock(30 * 86_400 - 60).await;
    get_tokens(&pool, &refresh).await.expect("a day short of 30, it refreshes");
    pool.advance_clock(120).await;
    assert_eq!(code(&get_tokens(&pool, &refresh).await.unwrap_err()), "NotAuthorizedException");
    let initiate = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await;
    assert_eq!(code(&initiate.unwrap_err()), "NotAuthorizedException", "REFRESH_TOKEN_AUTH too");
    // The site's session, signed in as long ago: its access token expired, the refresh refused,
    // the user signed out.
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    site.expire(&access).await;
    assert_eq!(site.client.get("/me").dispatch().await.status(), Status::Unauthorized);
    assert!(site.client.cookies().get("cognito_refresh").is_none(), "the dead session's cookies go");

    // A client's own validity, in its units: an hour.
    let units = cip::types::TokenValidityUnitsType::builder().refresh_token(cip::types::TimeUnitsType::Minutes).build();
    pool.update_client(|u| u.refresh_token_validity(60).token_validity_units(units)).await;
    let hourly = sign_in_directly(&pool, "alice").await.refresh_token.unwrap();
    get_tokens(&pool, &hourly).await.expect("fresh");
    pool.advance_clock(61 * 60).await;
    assert_eq!(code(&get_tokens(&pool, &hourly).await.unwrap_err()), "NotAuthorizedException");
}

/// Conformance: without rotation GetTokensFromRefreshToken answers no refresh token
/// (RefreshTokenRotationType: "When disabled, token refresh issues only ID and access tokens").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_without_rotation_answers_no_new_refresh_token() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let first = sign_in_directly(&pool, "alice").await;
    let old = first.refresh_token().unwrap();
    let refreshed = get_tokens(&pool, old).await.expect("GetTokensFromRefreshToken");
    assert_eq!(refreshed.refresh_token(), None, "rotation off: the old refresh token stays");
    assert_ne!(refreshed.access_token(), first.access_token());
    get_tokens(&pool, old).await.expect("and keeps working");
    let forged = get_tokens(&pool, "not-a-refresh-token").await.unwrap_err();
    assert_eq!(code(&forged), "NotAuthorizedException");
}

/// Conformance: a disabled user cannot refresh, in either refresh call (AdminDisableUser
/// reference: it "revokes all access tokens for the user. A deactivated user can't sign in");
/// NotAuthorizedException, read by its type. moto refreshes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refuses_to_refresh_a_disabled_user() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let signed_in = sign_in_directly(&pool, "alice").await;
    let refresh = signed_in.refresh_token().unwrap();
    get_tokens(&pool, refresh).await.expect("refreshes while enabled");
    pool.admin.admin_disable_user().user_pool_id(&pool.pool_id).username("alice").send().await.unwrap();
    let refused = get_tokens(&pool, refresh).await.unwrap_err();
    assert_eq!(code(&refused), "NotAuthorizedException");
    let refused = (pool.admin.initiate_auth())
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "NotAuthorizedException");
    pool.admin.admin_enable_user().user_pool_id(&pool.pool_id).username("alice").send().await.unwrap();
    get_tokens(&pool, refresh).await.expect("refreshes once enabled again");
}

/// Conformance: RevokeToken (its reference) revokes the refresh token "and all of the access
/// tokens generated by, and at the same time as" it, and nothing else of the user's; anything
/// but a refresh token of the client is UnsupportedTokenTypeException. moto lacks the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_revoke_token_ends_the_refresh_token_and_its_access_tokens_only() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let first = sign_in_directly(&pool, "alice").await;
    let other = sign_in_directly(&pool, "alice").await;
    let refreshed = get_tokens(&pool, first.refresh_token().unwrap()).await.unwrap();
    let get_user = |token: String| {
        let admin = pool.admin.clone();
        async move { admin.get_user().access_token(token).send().await }
    };
    get_user(refreshed.access_token().unwrap().to_owned()).await.expect("alive before");

    pool.admin
        .revoke_token()
        .client_id(&pool.client_id)
        .token(first.refresh_token().unwrap())
        .send()
        .await
        .expect("revoke_token");
    for access in [first.access_token().unwrap(), refreshed.access_token().unwrap()] {
        let refused = get_user(access.to_owned()).await.unwrap_err();
        assert_eq!(code(&refused), "NotAuthorizedException", "an access token issued from the revoked token");
    }
    let dead = get_tokens(&pool, first.refresh_token().unwrap()).await.unwrap_err();
    assert_eq!(code(&dead), "NotAuthorizedException");
    // The user's other session is another refresh token: untouched.
    get_user(other.access_token().unwrap().to_owned()).await.expect("the other session lives");
    get_tokens(&pool, other.refresh_token().unwrap()).await.expect("its refresh token too");
    // An access token is not a token RevokeToken takes.
    let wrong = pool.admin.revoke_token().client_id(&pool.client_id).token(other.access_token().unwrap()).send().await;
    assert_eq!(code(&wrong.unwrap_err()), "UnsupportedTokenTypeException");
}

struct Site {
    client: Client,
    clock: Arc<common::PinnedClock>,
}

impl Site {
    async fn new(pool: &Pool, extra: Value) -> Site {
        let url = common::database_url(StoreKind::Sqlite).await.unwrap();
        let clock = Arc::new(common::PinnedClock::default());
        let settings = with(with(pool.settings(), json!({ "leeway_secs": 0 })), extra);
        let rocket = common::rocket_with_clock(StoreKind::Sqlite, &url, settings, Some(clock.clone()))
            .mount("/", routes![common::routes::login, me, access, logout]);
        Site { client: Client::tracked(rocket).await.expect("ignites"), clock }
    }

    fn cognito(&self) -> &Cognito {
        self.client.rocket().state::<Cognito>().unwrap()
    }

    async fn login(&self) {
        let response = self
            .client
            .post("/login")
            .header(ContentType::Form)
            .body(format!("username=alice&password={PASSWORD}"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok);
    }

    /// The session's current access token, as the guard sees it.
    async fn access_token(&self) -> String {
        self.client.get("/access").dispatch().await.into_string().await.unwrap()
    }

    async fn me(&self) -> Status {
        self.client.get("/me").dispatch().await.status()
    }

    /// Moves the verifier's clock past the current access token's expiry.
    async fn expire(&self, access_token: &str) {
        let exp = self.cognito().verify(access_token, TokenUse::Access).await.unwrap().exp.unwrap();
        // A refreshed token issued a second later expires a second later.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        self.clock.set(exp);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_rotation_the_guard_keeps_the_new_refresh_token_and_never_sends_the_old_one() {
    need_emulator!();
    let pool = pool_with_alice(true).await;
    pool.enable_rotation(0).await;
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let old = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    site.expire(&common::cookie_token(&site.client.cookies(), "cognito_access").unwrap()).await;

    assert_eq!(site.me().await, Status::Ok, "refreshed through the guard");
    let new = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    assert_ne!(new, old, "the rotated refresh token replaced the old one in the cookie");
    // Grace 0: the old one is dead at Cognito; a session that sent it again would end.
    let reused = get_tokens(&pool, &old).await.unwrap_err();
    assert_eq!(code(&reused), "RefreshTokenReuseException");
    // A late request with the old cookies gets the refresh's result, not a second call.
    assert!(site.cognito().refresh(&old, "alice").await.is_ok());
    assert_eq!(site.cognito().counters().refreshes, 1);

    // A second expiry refreshes with the new token.
    site.expire(&common::cookie_token(&site.client.cookies(), "cognito_access").unwrap()).await;
    assert_eq!(site.me().await, Status::Ok, "the second refresh used the rotated token");
    assert_eq!(site.cognito().counters().refreshes, 2);
    assert_ne!(common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap(), new);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_rotation_fifty_concurrent_requests_make_one_call_and_all_succeed() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    pool.enable_rotation(0).await;
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let sealed: Vec<Cookie<'static>> = ["cognito_access", "cognito_refresh"]
        .iter()
        .map(|name| site.client.cookies().get(name).unwrap().clone().into_owned())
        .collect();
    site.expire(&common::cookie_token(&site.client.cookies(), "cognito_access").unwrap()).await;
    let requests = (0..50).map(|_| {
        let mut request = site.client.get("/me");
        for cookie in &sealed {
            request = request.cookie(cookie.clone());
        }
        async move { request.dispatch().await.status() }
    });
    let statuses = futures::future::join_all(requests).await;
    // With grace 0 a second call with the old token would be refused: all fifty share one.
    assert!(statuses.iter().all(|s| *s == Status::Ok), "{statuses:?}");
    assert_eq!(site.cognito().counters().refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_rotation_a_server_side_session_writes_the_new_refresh_token_back() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    pool.enable_rotation(0).await;
    let site = Site::new(&pool, json!({ "session_store": "database" })).await;
    site.login().await;
    for round in 1..=2 {
        let access = site.access_token().await;
        site.expire(&access).await;
        assert_eq!(site.me().await, Status::Ok, "refresh {round}");
        assert_eq!(site.cognito().counters().refreshes, round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rotation_the_refresh_token_stays() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let old = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    site.expire(&common::cookie_token(&site.client.cookies(), "cognito_access").unwrap()).await;
    assert_eq!(site.me().await, Status::Ok);
    assert_eq!(site.cognito().counters().refreshes, 1);
    assert_eq!(common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap(), old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_with_an_expired_access_token_leaves_the_refresh_token_dead_and_other_sessions_alive() {
    need_emulator!();
    let pool = pool_with_alice(true).await;
    let site = Site::new(&pool, json!({})).await;
    let elsewhere = sign_in_directly(&pool, "alice").await;
    site.login().await;
    let refresh = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    site.expire(&access).await;
    // An hour away: the access token has expired, and the browser may even have dropped it.
    site.client.cookies().remove("cognito_access");

    assert_eq!(site.client.get("/logout").dispatch().await.status(), Status::Ok);
    assert!(site.client.cookies().get("cognito_refresh").is_none());
    let err = site.cognito().refresh(&refresh, "alice").await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired), "revoked at Cognito: {err:?}");
    let get_user = pool.admin.get_user().access_token(&access).send().await;
    assert_eq!(code(&get_user.unwrap_err()), "NotAuthorizedException", "its access tokens too");
    // RevokeToken, not GlobalSignOut: the user's session elsewhere lives on.
    pool.admin.get_user().access_token(elsewhere.access_token().unwrap()).send().await.expect("other session");
    get_tokens(&pool, elsewhere.refresh_token().unwrap()).await.expect("other refresh token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_of_a_server_side_session_revokes_its_refresh_token() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let site = Site::new(&pool, json!({ "session_store": "database" })).await;
    let elsewhere = sign_in_directly(&pool, "alice").await;
    site.login().await;
    let access = site.access_token().await;
    pool.admin.get_user().access_token(&access).send().await.expect("alive");
    assert_eq!(site.cognito().user_sessions("alice").await.unwrap().len(), 1);
    assert_eq!(site.client.get("/logout").dispatch().await.status(), Status::Ok);
    let refused = pool.admin.get_user().access_token(&access).send().await;
    assert_eq!(code(&refused.unwrap_err()), "NotAuthorizedException", "revoked with its refresh token");
    assert!(site.cognito().user_sessions("alice").await.unwrap().is_empty(), "the row is gone");
    // RevokeToken, not GlobalSignOut: the user's other sign-in lives on.
    pool.admin.get_user().access_token(elsewhere.access_token().unwrap()).send().await.expect("other session");
    get_tokens(&pool, elsewhere.refresh_token().unwrap()).await.expect("its refresh token too");
}

/// With rotation, a logout after a refresh: the tokens of the session, the ones from before the
/// rotation as Bearer tokens included, are refused. (A refresh happens when the access token has
/// expired, so a token from before it has expired here too; the rotated tokens carry the
/// emulator's new origin_jti, which the logout revokes.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_after_a_rotation_refuses_the_tokens_from_before_and_after_it() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    pool.enable_rotation(0).await;
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let before = site.access_token().await;
    site.expire(&before).await;
    let after = site.access_token().await;
    assert_ne!(after, before, "rotated");
    let bearer = |token: &str| rocket::http::Header::new("Authorization", format!("Bearer {token}"));
    let with = |token: &str| site.client.get("/me").header(bearer(token)).dispatch();
    assert_eq!(with(&after).await.status(), Status::Ok);
    // The token from before the rotation is dead already: the session refreshes (and rotates)
    // only a token that has expired. (A revocation of the logout's sign-in could not reach it:
    // rotated, the new tokens carry the new refresh token's `origin_jti`.)
    assert_eq!(with(&before).await.status(), Status::Unauthorized, "expired, which is why it was rotated");
    assert_eq!(site.client.get("/logout").dispatch().await.status(), Status::Ok);
    // The one after it has not expired: refused for the logout alone.
    assert_eq!(with(&after).await.status(), Status::Unauthorized);
    let claims = site.cognito().verify_any_pool(&after).await.unwrap_err();
    assert!(matches!(claims, Error::Token(rocket_warrant::tokens::VerifyError::Revoked)), "{claims:?}");
    let refused = pool.admin.get_user().access_token(&after).send().await;
    assert_eq!(code(&refused.unwrap_err()), "NotAuthorizedException", "revoked at Cognito");
}

#[rocket::post("/everywhere")]
async fn everywhere(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser) -> Result<String, Error> {
    Ok(cognito.sign_out_everywhere(jar, user.access_token()).await?.to_string())
}

/// Alice's pool, its app client with token revocation on (tokens carry origin_jti) or off.
async fn pool_with_revocation(on: bool) -> Pool {
    let pool = pool_with_alice(false).await;
    if !on {
        pool.update_client(|u| u.enable_token_revocation(false)).await;
    }
    pool
}

/// An instance of a site on `url` (one database for all the instances of a test).
async fn instance(kind: StoreKind, url: &str, pool: &Pool, extra: Value) -> Client {
    let settings = with(pool.settings(), extra);
    let rocket =
        common::rocket(kind, url, settings).mount("/", routes![common::routes::login, me, access, logout, everywhere]);
    Client::tracked(rocket).await.expect("ignites")
}

async fn login_on(client: &Client) -> String {
    let body = format!("username=alice&password={PASSWORD}");
    let response = client.post("/login").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    client.get("/access").dispatch().await.into_string().await.unwrap()
}

async fn bearer_status(client: &Client, token: &str) -> Status {
    let header = rocket::http::Header::new("Authorization", format!("Bearer {token}"));
    // The Bearer header decides, whatever cookies the client holds.
    client.get("/me").header(header).dispatch().await.status()
}

/// Polls `client` until `token` is refused, for at most `secs` seconds: whether it was.
async fn refused_within(client: &Client, token: &str, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if bearer_status(client, token).await == Status::Unauthorized {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

store_tests! {
    // Also with tokens that carry no origin_jti (an app client without token revocation): the
    // session's own access token is what is refused then.
    a_bearer_token_of_a_signed_out_session_is_refused_here_at_once_and_by_another_instance => |kind: StoreKind, url: String| async move {
      for revocation in [true, false] {
        let pool = pool_with_revocation(revocation).await;
        // A database of its own for each pool: the other pool's alice is another user.
        let url = if revocation { url.clone() } else { common::database_url(kind).await.unwrap() };
        let a = instance(kind, &url, &pool, json!({})).await;
        let b = instance(kind, &url, &pool, json!({})).await;
        let other = instance(kind, &url, &pool, json!({})).await;
        let token = login_on(&a).await;
        assert_eq!(common::claims_of(&token).get("origin_jti").is_some(), revocation);
        let others_token = login_on(&other).await;
        assert_eq!(bearer_status(&a, &token).await, Status::Ok);
        assert_eq!(bearer_status(&b, &token).await, Status::Ok, "b verified it (and caches it)");

        assert_eq!(a.get("/logout").dispatch().await.status(), Status::Ok);
        assert_eq!(bearer_status(&a, &token).await, Status::Unauthorized, "refused at once where it signed out");
        // The README's bound: twice revocation_sync_secs (1 s); polled for a little longer.
        assert!(refused_within(&b, &token, 4).await, "refused by the other instance");
        // Another sign-in of the same user is not touched.
        assert_eq!(bearer_status(&a, &others_token).await, Status::Ok);
        assert_eq!(bearer_status(&b, &others_token).await, Status::Ok);
        // A restarted instance reads the revocations at ignite.
        let c = instance(kind, &url, &pool, json!({})).await;
        assert_eq!(bearer_status(&c, &token).await, Status::Unauthorized, "a new instance knows it at once");
        assert!(c.rocket().state::<Cognito>().unwrap().counters().revocations >= 1);
      }
    };

    sign_out_everywhere_refuses_every_earlier_token_of_the_user_on_every_instance => |kind: StoreKind, url: String| async move {
      for revocation in [true, false] {
        let pool = pool_with_revocation(revocation).await;
        // A database of its own for each pool: the other pool's alice is another user.
        let url = if revocation { url.clone() } else { common::database_url(kind).await.unwrap() };
        // A leeway of a second: the cut-off covers it, so a sign-in in it must be made again.
        let a = instance(kind, &url, &pool, json!({ "leeway_secs": 1 })).await;
        let b = instance(kind, &url, &pool, json!({ "leeway_secs": 1 })).await;
        let first = login_on(&a).await;
        let second = login_on(&b).await;
        let response = a.post("/everywhere").dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        for token in [&first, &second] {
            assert_eq!(bearer_status(&a, token).await, Status::Unauthorized);
            assert!(refused_within(&b, token, 4).await);
        }
        // A new sign-in works again once the leeway has passed, a second or more later.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let fresh = login_on(&b).await;
        assert_eq!(bearer_status(&a, &fresh).await, Status::Ok);
        assert_eq!(bearer_status(&b, &fresh).await, Status::Ok);
      }
    };

    a_later_revocation_of_a_key_wins_in_the_store => |kind: StoreKind, url: String| async move {
        let pool = pool_with_alice(false).await;
        let (rocket, _) = common::ignite(kind, &url, pool.settings()).await;
        let store = common::session_store(kind, &rocket);
        let revocation = |revoked_at, expires_at| rocket_warrant::sessions::Revocation { key: rocket_warrant::sessions::RevocationKey::User("s-1".into()), revoked_at, expires_at };
        assert!(store.revoke(&revocation(1_000, 5_000)).await.unwrap());
        assert!(store.revoke(&revocation(2_000, 6_000)).await.unwrap());
        // An older one arriving late moves nothing back.
        assert!(store.revoke(&revocation(1_500, 5_500)).await.unwrap());
        // An instance that read up to 1,500 reads the key again, with the later instant and lapse.
        assert_eq!(store.revocations(1_500, 100).await.unwrap(), vec![revocation(2_000, 6_000)]);
        assert_eq!(store.revocations(0, 100).await.unwrap(), vec![revocation(2_000, 6_000)], "one row per key");
        assert_eq!(store.purge(6_000).await.unwrap(), 0);
        assert!(store.revocations(0, 100).await.unwrap().is_empty(), "purged after its lapse");
    };

    a_second_sign_out_everywhere_reaches_every_instance => |kind: StoreKind, url: String| async move {
        let pool = pool_with_alice(false).await;
        let settings = json!({ "leeway_secs": 0 });
        let a = instance(kind, &url, &pool, settings.clone()).await;
        let b = instance(kind, &url, &pool, settings).await;
        login_on(&a).await;
        assert_eq!(a.post("/everywhere").dispatch().await.status(), Status::Ok);
        // A sign-in between the two sign-outs, seen (and cached) by b after b read the first.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let between = login_on(&a).await;
        assert_eq!(bearer_status(&b, &between).await, Status::Ok);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        login_on(&a).await;
        assert_eq!(a.post("/everywhere").dispatch().await.status(), Status::Ok);
        assert_eq!(bearer_status(&a, &between).await, Status::Unauthorized);
        // The README's bound: twice revocation_sync_secs (1 s); polled for a little longer.
        assert!(refused_within(&b, &between, 4).await, "the later sign-out everywhere reached b");
    };
}

/// A sign-in within the leeway after a sign-out everywhere gets tokens that its cut-off refuses:
/// the user is told when to sign in again (409 with `Retry-After`), and nothing is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_right_after_signing_out_everywhere_is_told_when_to_try_again() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let site = instance(StoreKind::Sqlite, &url, &pool, json!({ "leeway_secs": 30 })).await;
    login_on(&site).await;
    assert_eq!(site.post("/everywhere").dispatch().await.status(), Status::Ok);
    let body = format!("username=alice&password={PASSWORD}");
    let response = site.post("/login").header(ContentType::Form).body(body).dispatch().await;
    assert_eq!(response.status(), Status::Conflict);
    let wait: u64 = response.headers().get_one("Retry-After").expect("Retry-After").parse().unwrap();
    assert!((1..=31).contains(&wait), "within the leeway after the sign-out: {wait}");
    assert!(response.into_string().await.unwrap().contains("signed out everywhere"));
    assert_eq!(site.get("/me").dispatch().await.status(), Status::Unauthorized, "no session was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusing_revoked_tokens_can_be_turned_off() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let off = instance(StoreKind::Sqlite, &url, &pool, json!({ "refuse_revoked_tokens": false })).await;
    let token = login_on(&off).await;
    assert_eq!(off.get("/logout").dispatch().await.status(), Status::Ok);
    // Not refused here (Cognito refuses it for its own APIs: RevokeToken).
    assert_eq!(bearer_status(&off, &token).await, Status::Ok);
    assert_eq!(off.rocket().state::<Cognito>().unwrap().counters().revocations, 0);
}

/// A site whose clock is 20 s behind Cognito's (within the 30 s leeway): a token Cognito issued
/// just before the sign-out everywhere carries an `iat` ahead of the site's time, and is
/// refused all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_covers_tokens_from_a_clock_ahead_of_the_sites() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let clock = Arc::new(common::PinnedClock::default());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    clock.set(now - 20);
    let rocket = common::rocket_with_clock(
        StoreKind::Sqlite,
        &url,
        with(pool.settings(), json!({ "leeway_secs": 30 })),
        Some(clock),
    )
    .mount("/", routes![common::routes::login, me, access, everywhere]);
    let site = Client::tracked(rocket).await.expect("ignites");
    let token = login_on(&site).await;
    let elsewhere = sign_in_directly(&pool, "alice").await.access_token.unwrap();
    assert_eq!(bearer_status(&site, &elsewhere).await, Status::Ok, "iat 20 s ahead, within the leeway");
    assert_eq!(site.post("/everywhere").dispatch().await.status(), Status::Ok);
    for token in [&token, &elsewhere] {
        assert_eq!(bearer_status(&site, token).await, Status::Unauthorized, "issued before the sign-out");
    }
}

/// Cognito fails the RevokeToken of a logout: the session ends here, a copy of its refresh
/// cookie is refused by the site (not sent to Cognito, which would refresh it) for as long as the
/// refresh token can live, past the access token's lifetime, and the revocation is asked again
/// until Cognito answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_cognito_could_not_make_at_logout_is_kept_and_retried() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let cognito_proxy = common::FailingCall::start("RevokeToken").await;
    let site = Site::new(&pool, json!({ "endpoint_url": cognito_proxy.url })).await;
    site.login().await;
    let copied: Vec<Cookie<'static>> = site
        .client
        .cookies()
        .iter()
        .filter(|c| c.name().starts_with("cognito_"))
        .map(|c| c.clone().into_owned())
        .collect();
    let refresh = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let exp = site.cognito().verify(&access, TokenUse::Access).await.unwrap().exp.unwrap();

    cognito_proxy.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(site.client.get("/logout").dispatch().await.status(), Status::Ok);
    assert_eq!(cognito_proxy.failed.load(std::sync::atomic::Ordering::SeqCst), 1, "RevokeToken failed");
    get_tokens(&pool, &refresh).await.expect("alive at Cognito");

    // Well past the access token's lifetime (and the sign-in's revocation it would have had):
    // the copied cookies would refresh at Cognito.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    site.clock.set(exp + 3600);
    let mut request = site.client.get("/me");
    for cookie in &copied {
        request = request.cookie(cookie.clone());
    }
    assert_eq!(request.dispatch().await.status(), Status::Unauthorized, "refused here");
    assert_eq!(site.cognito().counters().refreshes, 0, "not sent to Cognito");

    // Cognito answers again: the crate's retry revokes the token there.
    cognito_proxy.failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match get_tokens(&pool, &refresh).await {
            Err(e) => {
                assert_eq!(code(&e), "NotAuthorizedException");
                break;
            }
            Ok(_) => assert!(std::time::Instant::now() < deadline, "not revoked at Cognito within 10 s"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An app client without token revocation: Cognito's tokens carry no origin_jti and RevokeToken
/// is refused. A logout still ends the session, and this site refuses a copy of its refresh
/// cookie and a Bearer copy of its access token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_token_revocation_a_logout_refuses_the_sessions_own_tokens_here() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    pool.admin
        .update_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .enable_token_revocation(false)
        .explicit_auth_flows(cip::types::ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(cip::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let site = Site::new(&pool, json!({})).await;
    site.login().await;
    let copied: Vec<Cookie<'static>> = site
        .client
        .cookies()
        .iter()
        .filter(|c| c.name().starts_with("cognito_"))
        .map(|c| c.clone().into_owned())
        .collect();
    let access = common::cookie_token(&site.client.cookies(), "cognito_access").unwrap();
    let claims = site.cognito().verify(&access, TokenUse::Access).await.unwrap();
    assert!(!claims.extra.contains_key("origin_jti"), "no origin_jti without token revocation");
    let refresh = common::cookie_token(&site.client.cookies(), "cognito_refresh").unwrap();
    let bearer = |token: &str| rocket::http::Header::new("Authorization", format!("Bearer {token}"));
    assert_eq!(site.client.get("/me").header(bearer(&access)).dispatch().await.status(), Status::Ok);

    assert_eq!(site.client.get("/logout").dispatch().await.status(), Status::Ok);
    get_tokens(&pool, &refresh).await.expect("Cognito could not revoke it");
    assert_eq!(site.client.get("/me").header(bearer(&access)).dispatch().await.status(), Status::Unauthorized);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    site.clock.set(claims.exp.unwrap() + 60);
    let mut request = site.client.get("/me");
    for cookie in &copied {
        request = request.cookie(cookie.clone());
    }
    assert_eq!(request.dispatch().await.status(), Status::Unauthorized, "the copied refresh cookie is refused");
    assert_eq!(site.cognito().counters().refreshes, 0);
}

/// Conformance: the emulator follows EnableTokenRevocation = false as the references describe: no
/// origin_jti or jti in the tokens, RevokeToken refused with UnsupportedOperationException, and
/// DescribeUserPoolClient says so; a client created without the setting has it on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_token_revocation_off_and_client_defaults() {
    need_emulator!();
    let pool = pool_with_alice(false).await;
    let described = |pool: &Pool| {
        let admin = pool.admin.clone();
        let (pool_id, client_id) = (pool.pool_id.clone(), pool.client_id.clone());
        async move {
            admin
                .describe_user_pool_client()
                .user_pool_id(pool_id)
                .client_id(client_id)
                .send()
                .await
                .unwrap()
                .user_pool_client
                .unwrap()
        }
    };
    let on = described(&pool).await;
    assert_eq!(on.enable_token_revocation, Some(true), "on by default");
    assert_eq!(on.refresh_token_validity, 30);
    assert_eq!(on.token_validity_units.and_then(|u| u.refresh_token), Some(cip::types::TimeUnitsType::Days));
    let tokens = sign_in_directly(&pool, "alice").await;
    assert!(common::claims_of(tokens.access_token().unwrap()).get("origin_jti").is_some());

    // UpdateUserPoolClient resets what it is not given (its reference: "If you don't provide a
    // value for an attribute, Amazon Cognito sets it to its default value"): the flows this
    // client allowed go back to the default set, so its admin sign-in is refused. moto merged.
    let update = pool.admin.update_user_pool_client().user_pool_id(&pool.pool_id).client_id(&pool.client_id);
    update.enable_token_revocation(false).send().await.unwrap();
    let reset = described(&pool).await;
    assert_eq!(reset.enable_token_revocation, Some(false));
    assert_eq!(reset.client_name(), Some("app"), "the name stays");
    assert_eq!(reset.client_secret, None);
    let flows: Vec<&str> = reset.explicit_auth_flows().iter().map(|f| f.as_str()).collect();
    assert_eq!(flows, ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"], "the default set");
    let refused = pool
        .admin
        .admin_initiate_auth()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(code(&refused.unwrap_err()), "InvalidParameterException", "the admin flow was reset");
    pool.update_client(|u| u.enable_token_revocation(false)).await;
    assert_eq!(described(&pool).await.enable_token_revocation, Some(false));
    let tokens = sign_in_directly(&pool, "alice").await;
    for token in [tokens.access_token().unwrap(), tokens.id_token().unwrap()] {
        let claims = common::claims_of(token);
        assert!(claims.get("origin_jti").is_none() && claims.get("jti").is_none(), "{claims}");
    }
    let refused =
        pool.admin.revoke_token().client_id(&pool.client_id).token(tokens.refresh_token().unwrap()).send().await;
    assert_eq!(code(&refused.unwrap_err()), "UnsupportedOperationException");
    get_tokens(&pool, tokens.refresh_token().unwrap()).await.expect("not revoked");
}
