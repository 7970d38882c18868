//! Several user pools and their issuers: Bearer tokens of the pools `other_pools` lists, each
//! verified against its own keys and told apart by the guards; a pool whose tokens carry the
//! updated issuer (`issuer-cognito-idp`), accepted only when the settings say so.

#[macro_use]
mod common;

use aws_sdk_cognitoidentityprovider as cip;
use common::{claims_of, with, Pool, StoreKind};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::{json, Value};
use rocket::{get, routes};
use rocket_warrant::{CognitoClaims, TokenUse, VerifyError};

const PASSWORD: &str = "Corr3ct-Horse!";

#[get("/whoami")]
fn whoami(claims: CognitoClaims) -> String {
    format!("{} of {} via {}", claims.username(), claims.pool_id(), claims.client_id())
}

rocket_warrant::group!(Admins = "admin");

#[get("/admin")]
fn admin(admin: rocket_warrant::Member<Admins>) -> String {
    admin.username().to_owned()
}

async fn site(pool: &Pool, extra: Value) -> Client {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let rocket = common::rocket(StoreKind::Sqlite, &url, with(pool.settings(), extra))
        .mount("/", routes![whoami, admin, common::routes::me]);
    Client::tracked(rocket).await.expect("ignites")
}

/// A new user's access token.
async fn access_token(pool: &Pool, username: &str) -> String {
    pool.add_user(username, PASSWORD, &[("email", "someone@example.com")]).await;
    access_token_again(pool, username).await
}

/// A known user's access token (after a change of their groups, say).
async fn access_token_again(pool: &Pool, username: &str) -> String {
    let call = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(cip::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD);
    call.send().await.unwrap().authentication_result.unwrap().access_token.unwrap()
}

async fn whoami_with(client: &Client, token: &str) -> (Status, String) {
    let response =
        client.get("/whoami").header(Header::new("Authorization", format!("Bearer {token}"))).dispatch().await;
    (response.status(), response.into_string().await.unwrap_or_default())
}

/// Conformance: each pool signs with keys of its own ("Verifying a JSON web token": Cognito
/// makes two key pairs per pool), so a pool's key set knows no other pool's kid. moto signs every
/// pool's tokens with one key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_two_pools_are_each_verified_against_their_own_keys_and_told_apart() {
    need_emulator!();
    let (home, tenant) = (Pool::new(false).await, Pool::new(false).await);
    let (alice, bob) = (access_token(&home, "alice").await, access_token(&tenant, "bob").await);
    let kid = |token: &str| {
        let header = token.split('.').next().unwrap();
        let json = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap();
        serde_json::from_slice::<Value>(&json).unwrap()["kid"].clone()
    };
    assert_ne!(kid(&alice), kid(&bob), "a key set of each pool");

    let listing = site(
        &home,
        json!({ "other_pools": [{ "user_pool_id": tenant.pool_id, "app_client_ids": [tenant.client_id] }] }),
    )
    .await;
    let (status, body) = whoami_with(&listing, &alice).await;
    assert_eq!((status, body), (Status::Ok, format!("alice of {} via {}", home.pool_id, home.client_id)));
    let (status, body) = whoami_with(&listing, &bob).await;
    assert_eq!((status, body), (Status::Ok, format!("bob of {} via {}", tenant.pool_id, tenant.client_id)));

    // Another pool's user is not this site's user, and its groups are that pool's: an `admin`
    // there is no admin here.
    tenant.add_to_group("bob", "admin").await;
    let bob_admin = access_token_again(&tenant, "bob").await;
    let get = |path: &'static str, token: String| {
        let request = listing.get(path).header(Header::new("Authorization", format!("Bearer {token}")));
        async move { request.dispatch().await.status() }
    };
    assert_eq!(get("/admin", bob_admin.clone()).await, Status::Forbidden, "another pool's group");
    assert_eq!(get("/me", bob_admin).await, Status::Forbidden, "another pool's user");
    home.add_to_group("alice", "admin").await;
    let alice_admin = access_token_again(&home, "alice").await;
    assert_eq!(get("/admin", alice_admin).await, Status::Ok, "the home pool's group");

    // A site of the home pool alone: the tenant's token is refused by its keys.
    let alone = site(&home, json!({})).await;
    assert_eq!(whoami_with(&alone, &bob).await.0, Status::Unauthorized);
    let cognito = alone.rocket().state::<rocket_warrant::Cognito>().unwrap();
    let refused = cognito.verify(&bob, TokenUse::Access).await.unwrap_err();
    assert!(matches!(refused, rocket_warrant::Error::Token(VerifyError::UnknownKid)), "{refused:?}");
    // And the other way round: the tenant's site refuses the home pool's token by its keys.
    let tenant_site = site(&tenant, json!({})).await;
    assert_eq!(whoami_with(&tenant_site, &alice).await.0, Status::Unauthorized);
    // Listed with another client only: refused for its client.
    let other_client =
        site(&home, json!({ "other_pools": [{ "user_pool_id": tenant.pool_id, "app_client_ids": ["someone-else"] }] }))
            .await;
    assert_eq!(whoami_with(&other_client, &bob).await.0, Status::Unauthorized);
}

/// A pool switched to the updated issuer (IssuerConfiguration UPDATED, the IssuerConfigurationType
/// reference): its tokens carry `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`. A site
/// that says `issuer = "updated"` accepts them; one that does not stops at launch, naming the
/// setting, rather than refusing every token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_with_the_updated_issuer_is_accepted_as_configured_and_never_both() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let updated = cip::types::IssuerConfigurationType::builder().r#type(cip::types::IssuerType::Updated).build();
    pool.admin.update_user_pool().user_pool_id(&pool.pool_id).issuer_configuration(updated).send().await.unwrap();
    let token = access_token(&pool, "carol").await;
    let region = pool.pool_id.split('_').next().unwrap();
    assert_eq!(claims_of(&token)["iss"], format!("https://issuer-cognito-idp.{region}.amazonaws.com/{}", pool.pool_id));

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    assert!(common::launch_stops(StoreKind::Sqlite, &url, pool.settings()).await, "the original issuer set");
    let updated = site(&pool, json!({ "issuer": "updated" })).await;
    assert_eq!(whoami_with(&updated, &token).await.0, Status::Ok);
}
