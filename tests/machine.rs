//! Machine clients and several app clients: access tokens of the client-credentials grant
//! (no user, resource-server scopes) through the `Scope` guard, and Bearer tokens of the app
//! clients `app_client_ids` lists, each guard saying which client a token came from.

#[macro_use]
mod common;

use aws_sdk_cognitoidentityprovider as cip;
use common::{claims_of, with, Pool, StoreKind};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::{json, Value};
use rocket::{get, routes};
use rocket_warrant::{CognitoClaims, CognitoUser, Scope};

const PASSWORD: &str = "Corr3ct-Horse!";

rocket_warrant::scope!(OrdersRead = "orders/read");
rocket_warrant::scope!(OrdersWrite = "orders/write");
// A prefix of `orders/read`: no token of `orders/read` carries it.
rocket_warrant::scope!(OrdersRe = "orders/re");

#[get("/orders/prefix")]
fn prefix(caller: Scope<OrdersRe>) -> String {
    caller.client_id().to_owned()
}

#[get("/orders")]
fn orders(caller: Scope<OrdersRead>) -> String {
    format!("{} machine={} user={:?}", caller.client_id(), caller.is_machine(), caller.username())
}

#[get("/orders/new")]
fn new_order(caller: Scope<OrdersWrite>) -> String {
    caller.client_id().to_owned()
}

#[get("/whoami")]
fn whoami(claims: CognitoClaims) -> String {
    format!("{} via {}", claims.username(), claims.client_id())
}

#[get("/me")]
fn me(user: CognitoUser) -> String {
    user.username().to_owned()
}

/// A route that hands a scoped token to the account calls, as a careless application might.
#[rocket::post("/orders/<what>")]
async fn account_call(
    cognito: &rocket_warrant::Cognito,
    jar: &rocket::http::CookieJar<'_>,
    caller: Scope<OrdersRead>,
    what: &str,
) -> Result<&'static str, rocket_warrant::Error> {
    match what {
        "delete" => cognito.delete_account(jar, caller.access_token()).await?,
        _ => drop(cognito.sign_out_everywhere(jar, caller.access_token()).await?),
    }
    Ok("done")
}

async fn site(pool: &Pool, extra: Value) -> Client {
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let rocket = common::rocket(StoreKind::Sqlite, &url, with(pool.settings(), extra))
        .mount("/", routes![orders, new_order, prefix, whoami, me, account_call]);
    Client::tracked(rocket).await.expect("ignites")
}

async fn get(client: &Client, path: &'static str, token: &str) -> (Status, String) {
    let response = client.get(path).header(Header::new("Authorization", format!("Bearer {token}"))).dispatch().await;
    (response.status(), response.into_string().await.unwrap_or_default())
}

/// Conformance: the client-credentials grant as managed login's token endpoint answers it
/// (developer guide, "The token endpoint"; "Scopes, M2M, and resource servers"): an access token
/// of the client with the scopes asked for among those allowed, no user; `invalid_client` for a
/// wrong secret, `invalid_scope` for a scope not allowed, `unauthorized_client` for a client
/// without the grant, `unsupported_grant_type` for another grant. moto has no token endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_issues_client_credentials_tokens_as_the_token_endpoint_does() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let (id, secret) = pool.machine_client(&["orders/read"]).await;
    let (status, answer) = pool.client_credentials(&id, &secret, Some("orders/read")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!((answer["token_type"].as_str(), answer["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    let claims = claims_of(answer["access_token"].as_str().unwrap());
    assert_eq!((claims["sub"].as_str(), claims["client_id"].as_str()), (Some(id.as_str()), Some(id.as_str())));
    assert_eq!((claims["scope"].as_str(), claims["token_use"].as_str()), (Some("orders/read"), Some("access")));
    assert!(claims.get("username").is_none(), "no user: {claims}");
    assert_eq!(claims["iss"], pool.issuer());

    let error = |answer: (u16, Value)| (answer.0, answer.1["error"].as_str().unwrap_or_default().to_owned());
    assert_eq!(error(pool.client_credentials(&id, "wrong", None).await), (400, "invalid_client".into()));
    assert_eq!(error(pool.client_credentials(&id, &secret, Some("orders/write")).await), (400, "invalid_scope".into()));
    let (user_client, user_secret) = (pool.client_id.clone(), pool.client_secret.clone().unwrap_or_default());
    let refused = error(pool.client_credentials(&user_client, &user_secret, Some("orders/read")).await);
    assert_eq!(refused, (400, "unauthorized_client".into()), "a client without the grant");
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, body) =
        common::emulator_http("POST", "/oauth2/token", &headers, &format!("grant_type=password&client_id={id}")).await;
    assert_eq!((status, body.contains("invalid_client") || body.contains("unsupported_grant_type")), (400, true));
}

/// A machine client's token passes the scope guard of a site that lists its client, and only
/// for the scopes it carries; it has no user (`CognitoUser` answers 403); a site that does not
/// list the client refuses it (401).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_token_passes_the_scope_guard_of_a_site_that_lists_its_client() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let (id, secret) = pool.machine_client(&["orders/read", "orders/write"]).await;
    let (_, answer) = pool.client_credentials(&id, &secret, Some("orders/read")).await;
    let token = answer["access_token"].as_str().unwrap().to_owned();

    let listing = site(&pool, json!({ "app_client_ids": [id] })).await;
    assert_eq!(get(&listing, "/orders", &token).await, (Status::Ok, format!("{id} machine=true user=None")));
    assert_eq!(get(&listing, "/orders/new", &token).await.0, Status::Forbidden, "no orders/write in this token");
    assert_eq!(get(&listing, "/orders/prefix", &token).await.0, Status::Forbidden, "scopes are compared whole");
    // Its `sub` is its client id, which is public and may be someone's username: it names no
    // user, and is none.
    assert_eq!(get(&listing, "/whoami", &token).await.0, Status::Forbidden, "a machine has no username");
    assert_eq!(get(&listing, "/me", &token).await.0, Status::Forbidden, "a machine has no user");
    let (_, both) = pool.client_credentials(&id, &secret, None).await;
    let both = both["access_token"].as_str().unwrap();
    assert_eq!(get(&listing, "/orders/new", both).await, (Status::Ok, id.clone()), "all its scopes when none asked");

    let other = site(&pool, json!({})).await;
    assert_eq!(get(&other, "/orders", &token).await.0, Status::Unauthorized, "an unlisted client");

    // A machine's token deletes no account and signs no one out, whoever is named like its
    // client: it names no user.
    pool.add_user(&id, PASSWORD, &[("email", "namesake@example.com")]).await;
    for what in ["delete", "everywhere"] {
        let response = listing
            .post(format!("/orders/{what}"))
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Forbidden, "{what}");
        assert!(response.into_string().await.unwrap().contains("names no user"), "{what}");
    }
    let namesake = pool.admin.admin_get_user().user_pool_id(&pool.pool_id).username(&id).send().await;
    assert!(namesake.is_ok(), "the user named like the client is still there");
}

/// Bearer tokens of the app clients `app_client_ids` lists are accepted beside the site's own,
/// each guard telling which client a token came from; a user's token has no resource-server
/// scope, and a client the site does not list is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_of_two_listed_app_clients_are_accepted_and_told_apart() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("alice", PASSWORD, &[("email", "alice@example.com")]).await;
    let client = |name: &'static str| {
        let mut create = pool.admin.create_user_pool_client().user_pool_id(&pool.pool_id).client_name(name);
        create = create.explicit_auth_flows(cip::types::ExplicitAuthFlowsType::AllowUserPasswordAuth);
        create = create.explicit_auth_flows(cip::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth);
        async move { create.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap() }
    };
    let (mobile, unlisted) = (client("mobile").await, client("unlisted").await);
    let tokens = |client_id: String| {
        let call = pool
            .admin
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(cip::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD);
        async move { call.send().await.unwrap().authentication_result.unwrap() }
    };
    let sign_in = |client_id: String| {
        let tokens = tokens(client_id);
        async move { tokens.await.access_token.unwrap() }
    };
    let site = site(&pool, json!({ "app_client_ids": [mobile] })).await;
    let own = sign_in(pool.client_id.clone()).await;
    assert_eq!(get(&site, "/whoami", &own).await, (Status::Ok, format!("alice via {}", pool.client_id)));
    let from_mobile = sign_in(mobile.clone()).await;
    assert_eq!(get(&site, "/whoami", &from_mobile).await, (Status::Ok, format!("alice via {mobile}")));
    assert_eq!(get(&site, "/me", &from_mobile).await, (Status::Ok, "alice".to_owned()), "a user of that client");
    assert_eq!(get(&site, "/orders", &from_mobile).await.0, Status::Forbidden, "no resource-server scope");
    let from_unlisted = sign_in(unlisted.clone()).await;
    assert_eq!(get(&site, "/whoami", &from_unlisted).await.0, Status::Unauthorized);
    // Why, in words a newcomer can act on: which client, and which setting lists clients.
    let cognito = site.rocket().state::<rocket_warrant::Cognito>().unwrap();
    let refused =
        cognito.verify(&from_unlisted, rocket_warrant::tokens::TokenUse::Access).await.unwrap_err().to_string();
    assert!(refused.contains(&unlisted) && refused.contains("cognito.app_client_ids"), "{refused}");
    // An ID token is the site's own client's only: the mobile client's is not one of its sign-ins.
    let mobile_id = tokens(mobile.clone()).await.id_token.unwrap();
    let refused = cognito.verify(&mobile_id, rocket_warrant::tokens::TokenUse::Id).await.unwrap_err();
    let audience = rocket_warrant::tokens::VerifyError::Audience { client: Some(mobile.clone()) };
    assert!(matches!(&refused, rocket_warrant::Error::Token(e) if *e == audience), "{refused:?}");
}
