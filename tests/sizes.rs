//! Production size: the emulator's tokens are Cognito's shape and size, and the session cookies
//! that carry them fit the browser's limits, with 50 groups, and a Cookie header of at most
//! 3.5 KB by default. The figures are printed (`cargo test --test sizes -- --nocapture`).

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{with, Pool, StoreKind};
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_warrant::testing::COGNITO_TOKEN_SIZES;
use rocket_warrant::tokens::Tokens;
use rocket_warrant::CognitoUser;
use serde_json::{json, Value};

const PASSWORD: &str = "Corr3ct-Horse!";

/// The largest Cookie header the default session may make at Cognito's sizes.
const MAX_COOKIE_HEADER: usize = 3584;

#[get("/me")]
fn me(user: CognitoUser) -> String {
    format!("{} {}", user.username(), user.groups().len())
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn tokens_of(pool: &Pool, username: &str) -> Tokens {
    let (_rocket, cognito) =
        common::ignite(StoreKind::Sqlite, &common::database_url(StoreKind::Sqlite).await.unwrap(), pool.settings())
            .await;
    cognito.login(username, PASSWORD).await.expect("login").tokens
}

/// Conformance: tokens of the claim set "Understanding user pool JSON web tokens" lists, and of
/// the sizes Cognito's users report (COGNITO_TOKEN_SIZES: amazon-cognito-identity-js#688,
/// next-auth#2213); moto's refresh tokens are UUIDs and its JWTs carry fewer claims.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_tokens_have_cognitos_shape_and_size() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &common::full_profile()).await;
    pool.add_to_group("alice", "staff").await;
    let tokens = tokens_of(&pool, "alice").await;
    let (access, id, refresh) = (tokens.access_token.len(), tokens.id_token.len(), tokens.refresh_token.len());
    println!(
        "emulator tokens: access {access}, id {id}, refresh {refresh} characters; Cognito's: {COGNITO_TOKEN_SIZES:?}"
    );

    // The refresh token: a compact JWE of Cognito's header, a 2048-bit RSA-OAEP key, a 96-bit
    // IV and a 128-bit tag.
    let parts: Vec<&str> = tokens.refresh_token.split('.').collect();
    assert_eq!(parts.len(), 5, "a compact JWE");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({ "cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP" }));
    let lengths: Vec<usize> = parts.iter().map(|p| URL_SAFE_NO_PAD.decode(p).unwrap().len()).collect();
    assert_eq!((lengths[1], lengths[2], lengths[4]), (256, 12, 16), "{lengths:?}");
    assert!(refresh * 100 >= COGNITO_TOKEN_SIZES.refresh * 95, "refresh token of {refresh} characters");

    // The JWTs: Cognito's claim set, and its size for a user of django-warrant's attributes.
    let access_claims = claims(&tokens.access_token);
    for claim in [
        "sub",
        "cognito:groups",
        "iss",
        "version",
        "client_id",
        "origin_jti",
        "event_id",
        "token_use",
        "scope",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "username",
    ] {
        assert!(access_claims.get(claim).is_some(), "access token without {claim}: {access_claims}");
    }
    assert_eq!(access_claims["version"], 2);
    let id_claims = claims(&tokens.id_token);
    for claim in [
        "sub",
        "cognito:groups",
        "email_verified",
        "iss",
        "cognito:username",
        "origin_jti",
        "aud",
        "event_id",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "email",
        "given_name",
        "family_name",
        "custom:api_key",
    ] {
        assert!(id_claims.get(claim).is_some(), "ID token without {claim}: {id_claims}");
    }
    assert_eq!(id_claims["email_verified"], true, "a boolean, as Cognito writes it");
    assert_eq!(id_claims["given_name"], "FirstName", "a standard attribute the client may read");
    assert_eq!(id_claims["event_id"], access_claims["event_id"], "one sign-in, one event");
    assert_eq!(id_claims["origin_jti"], access_claims["origin_jti"]);
    let kid = jsonwebtoken::decode_header(&tokens.access_token).unwrap().kid.unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(&kid).unwrap().len(), 32, "Cognito's kid shape: {kid}");
    // The access token within a tenth of Cognito's (its issuer is longer: moto's pool ids are).
    assert!(access * 10 >= COGNITO_TOKEN_SIZES.access * 9, "access token of {access} characters");
    // The ID token of a filled-in profile within a tenth of Cognito's, as the access token is.
    assert!(id * 10 >= COGNITO_TOKEN_SIZES.id * 9, "ID token of {id} characters");
    assert!(id * 10 <= COGNITO_TOKEN_SIZES.id * 11, "ID token of {id} characters");
}

/// A site of `settings` on the emulator; its Set-Cookie values after alice signs in, and the
/// Cookie header a browser then sends.
async fn signed_in(settings: Value) -> (Vec<String>, String, Client) {
    let db = common::database_url(StoreKind::Sqlite).await.unwrap();
    let rocket = common::rocket(StoreKind::Sqlite, &db, settings).mount("/", routes![common::routes::login, me]);
    let client = Client::untracked(rocket).await.unwrap();
    let response = client
        .post("/login")
        .header(ContentType::Form)
        .body(format!("username=alice&password={PASSWORD}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let set: Vec<String> = response.headers().get("Set-Cookie").map(str::to_owned).collect();
    drop(response);
    let header = set.iter().map(|c| c.split(';').next().unwrap().to_owned()).collect::<Vec<_>>().join("; ");
    (set, header, client)
}

/// `/me` with the cookies of a Cookie header.
async fn get_me(client: &Client, header: &str) -> String {
    let mut request = client.get("/me");
    for pair in header.split("; ") {
        request = request.cookie(rocket::http::Cookie::parse(pair.to_owned()).unwrap());
    }
    request.dispatch().await.into_string().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cookie_fits_with_fifty_groups_and_the_default_header_is_at_most_3_5_kb() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &common::full_profile()).await;

    // The default settings, at Cognito's sizes.
    let (set, header, client) = signed_in(pool.settings()).await;
    println!("default cookie session: Cookie header of {} bytes in {} cookies", header.len(), set.len());
    assert!(header.len() <= MAX_COOKIE_HEADER, "{} bytes: {header}", header.len());
    assert_eq!(get_me(&client, &header).await, "alice 0", "the cookies as a browser sends them work");
    // The access token's JSON is compressed against a dictionary of Cognito's claims: its
    // cookie is about 0.7 of Cognito's token, signature and seal included.
    let access = header.split("; ").find_map(|pair| pair.split_once("cognito_access=")).map(|(_, value)| value.len());
    let access = access.expect("an access cookie");
    println!("the access cookie's value: {access} bytes");
    assert!(access * 4 <= COGNITO_TOKEN_SIZES.access * 3, "{access} bytes");

    // Fifty groups, the ID token kept too: every cookie still within 4,096 bytes.
    for i in 0..50 {
        pool.add_to_group("alice", &format!("department-{i:02}-readers")).await;
    }
    let (set, header, client) = signed_in(with(pool.settings(), json!({ "id_token_cookie": true }))).await;
    println!("with 50 groups and the ID token: {} bytes in {} cookies", header.len(), set.len());
    // The three tokens' cookies, the sign-in's proof and the CSRF secret.
    assert_eq!(set.len(), 5);
    for cookie in &set {
        let sent = cookie.split(';').next().unwrap().len();
        assert!(sent <= 4096, "{sent} bytes: {}", &cookie[..40]);
    }
    assert_eq!(get_me(&client, &header).await, "alice 50");

    // A server-side session carries one short cookie whatever the tokens.
    let (set, header, _) = signed_in(with(pool.settings(), json!({ "session_store": "database" }))).await;
    println!("server-side session: Cookie header of {} bytes", header.len());
    let session: Vec<&String> = set.iter().filter(|c| c.starts_with("cognito_session=")).collect();
    assert_eq!((set.len(), session.len()), (3, 1), "the session's id, the proof, the CSRF secret: {set:?}");
    assert!(session[0].split(';').next().unwrap().len() < 120, "{header}");
    assert!(header.len() < 360, "{header}");
}
