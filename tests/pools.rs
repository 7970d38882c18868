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
use rocket_warrant::tokens::{TokenUse, VerifyError};
use rocket_warrant::{AnyPoolClaims, CognitoClaims};

const PASSWORD: &str = "Corr3ct-Horse!";

#[get("/whoami")]
fn whoami(claims: CognitoClaims) -> String {
    format!("{} via {}", claims.username(), claims.client_id())
}

/// The explicit choice of a route that serves other pools: the user named with their pool.
#[get("/any")]
fn any(claims: AnyPoolClaims) -> String {
    let (pool, user) = claims.user().unwrap_or((claims.pool_id(), "no user"));
    format!("{user} of {pool} via {} home={}", claims.client_id(), claims.is_home())
}

/// An administrator of the tenant's pool, asked of that pool by name.
#[get("/tenant-admin/<pool>")]
fn tenant_admin(claims: AnyPoolClaims, pool: &str) -> String {
    format!("{} {}", claims.in_group(pool, "admin"), claims.home_user().is_some())
}

rocket_warrant::group!(Admins = "admin");

#[get("/admin")]
fn admin(admin: rocket_warrant::Member<Admins>) -> String {
    admin.username().to_owned()
}

async fn site(pool: &Pool, extra: Value) -> Client {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let rocket = common::rocket(StoreKind::Sqlite, &url, with(pool.settings(), extra))
        .mount("/", routes![whoami, any, tenant_admin, admin, common::routes::me]);
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
    assert_eq!((status, body), (Status::Ok, format!("alice via {}", home.client_id)));
    // Another pool's user is no user of this site's: not even its claims, whose username would
    // read as this site's `bob` and whose groups as this site's groups.
    assert_eq!(whoami_with(&listing, &bob).await.0, Status::Forbidden, "CognitoClaims is the home pool's");
    let get = |path: String, token: String| {
        let request = listing.get(path).header(Header::new("Authorization", format!("Bearer {token}")));
        async move {
            let response = request.dispatch().await;
            (response.status(), response.into_string().await.unwrap_or_default())
        }
    };
    // Served only where the route says so, the user named with their pool.
    let tenant_bob = format!("bob of {} via {} home=false", tenant.pool_id, tenant.client_id);
    assert_eq!(get("/any".into(), bob.clone()).await, (Status::Ok, tenant_bob));
    let home_alice = format!("alice of {} via {} home=true", home.pool_id, home.client_id);
    assert_eq!(get("/any".into(), alice.clone()).await, (Status::Ok, home_alice));

    // Another pool's user is not this site's user, and its groups are that pool's: an `admin`
    // there is no admin here.
    tenant.add_to_group("bob", "admin").await;
    let bob_admin = access_token_again(&tenant, "bob").await;
    assert_eq!(get("/admin".into(), bob_admin.clone()).await.0, Status::Forbidden, "another pool's group");
    assert_eq!(get("/me".into(), bob_admin.clone()).await.0, Status::Forbidden, "another pool's user");
    assert_eq!(get("/whoami".into(), bob_admin.clone()).await.0, Status::Forbidden, "another pool's claims");
    let of = |pool: &str| format!("/tenant-admin/{pool}");
    assert_eq!(get(of(&tenant.pool_id), bob_admin.clone()).await.1, "true false", "an admin of the tenant's pool");
    assert_eq!(get(of(&home.pool_id), bob_admin).await.1, "false false", "no admin of the home pool");
    home.add_to_group("alice", "admin").await;
    let alice_admin = access_token_again(&home, "alice").await;
    assert_eq!(get("/admin".into(), alice_admin.clone()).await.0, Status::Ok, "the home pool's group");
    assert_eq!(get(of(&home.pool_id), alice_admin).await.1, "true true");

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

rocket_warrant::scope!(OrdersRead = "orders/read");

#[get("/orders")]
fn orders(caller: rocket_warrant::Scope<OrdersRead>) -> String {
    caller.client_id().to_owned()
}

/// A resource server's scope is the pool's own: another pool's machine client with a scope of
/// the same name (`orders/read`) passes no `Scope` route of this site, and reaches a route that
/// takes `AnyPoolClaims` only as that pool's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_pools_scope_of_the_same_name_is_not_this_sites() {
    need_emulator!();
    let (home, tenant) = (Pool::new(false).await, Pool::new(false).await);
    let (id, secret) = tenant.machine_client(&["orders/read"]).await;
    let (_, answer) = tenant.client_credentials(&id, &secret, Some("orders/read")).await;
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings =
        with(home.settings(), json!({ "other_pools": [{ "user_pool_id": tenant.pool_id, "app_client_ids": [id] }] }));
    let rocket = common::rocket(StoreKind::Sqlite, &url, settings).mount("/", routes![orders, any, whoami]);
    let site = Client::tracked(rocket).await.expect("ignites");
    let get = |path: &'static str| {
        let request = site.get(path).header(Header::new("Authorization", format!("Bearer {token}")));
        async move { request.dispatch().await.status() }
    };
    assert_eq!(get("/orders").await, Status::Forbidden, "the tenant's orders/read is not this site's");
    assert_eq!(get("/whoami").await, Status::Forbidden, "a machine of another pool");
    assert_eq!(get("/any").await, Status::Ok, "a route that serves other pools takes it");
    let cognito = site.rocket().state::<rocket_warrant::Cognito>().unwrap();
    let claims = cognito.verify_any_pool(&token).await.expect("the tenant's pool verifies it");
    assert_eq!(claims.iss, tenant.issuer());
    assert!(cognito.verify(&token, TokenUse::Access).await.is_err(), "verify takes the home pool's only");
}

/// A pool switched to the updated issuer (IssuerConfiguration UPDATED, the IssuerConfigurationType
/// reference): its tokens carry `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`. A site
/// that says `issuer = "updated"` accepts them; one that does not stops at launch, naming the
/// setting, rather than refusing every token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_with_the_updated_issuer_is_accepted_as_configured_and_never_both() {
    need_emulator!();
    let pool = Pool::new(false).await;
    // A token of the pool before the switch: the original issuer.
    let original = access_token(&pool, "dave").await;
    assert_eq!(claims_of(&original)["iss"], pool.issuer());
    let updated = cip::types::IssuerConfigurationType::builder().r#type(cip::types::IssuerType::Updated).build();
    pool.admin.update_user_pool().user_pool_id(&pool.pool_id).issuer_configuration(updated).send().await.unwrap();
    let token = access_token(&pool, "carol").await;
    let region = pool.pool_id.split('_').next().unwrap();
    assert_eq!(claims_of(&token)["iss"], format!("https://issuer-cognito-idp.{region}.amazonaws.com/{}", pool.pool_id));

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    assert!(common::launch_stops(StoreKind::Sqlite, &url, pool.settings()).await, "the original issuer set");
    let updated = site(&pool, json!({ "issuer": "updated" })).await;
    assert_eq!(whoami_with(&updated, &token).await.0, Status::Ok);
    // Never both: the same pool's token of the original issuer, its signature good, is refused.
    assert_eq!(whoami_with(&updated, &original).await.0, Status::Unauthorized, "the original issuer");
    let cognito = updated.rocket().state::<rocket_warrant::Cognito>().unwrap();
    let refused = cognito.verify(&original, TokenUse::Access).await.unwrap_err();
    assert!(matches!(refused, rocket_warrant::Error::Token(VerifyError::Issuer)), "{refused:?}");
}
