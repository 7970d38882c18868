//! Passkeys through the crate against the emulator, which verifies each ceremony with
//! py_webauthn: a signed-in user registers a passkey (behind `Fresh`), lists it, signs out,
//! signs in with it and nothing else, is refused a replayed or another site's assertion, deletes
//! it, and is then refused. The browser's side is a software authenticator (`common::passkey`).

mod common;

use aws_sdk_cognitoidentityprovider::types as cip;
use common::passkey::Authenticator;
use common::{with, Pool};
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes};
use rocket_warrant::sign_in::Answer;
use rocket_warrant::stores::MemoryStore;
use rocket_warrant::{Cognito, CognitoClaims, Error, Fresh, PendingChallenge, SignIn};
use serde_json::{json, Value};

const PASSWORD: &str = "Corr3ct-Horse!";

use common::routes::sign_in as login;

#[post("/logout")]
async fn logout(sign_in: SignIn<'_>) -> &'static str {
    sign_in.sign_out().await;
    "signed out"
}

#[post("/passkeys/options")]
async fn options(cognito: &Cognito, user: Fresh<300>) -> Result<String, Error> {
    cognito.start_passkey_registration(&user).await
}

#[post("/passkeys", data = "<credential>")]
async fn register(cognito: &Cognito, user: Fresh<300>, credential: String) -> Result<&'static str, Error> {
    cognito.complete_passkey_registration(&user, &credential).await?;
    Ok("registered")
}

#[get("/passkeys")]
async fn list(cognito: &Cognito, user: CognitoClaims) -> Result<Value, Error> {
    Ok(serde_json::to_value(cognito.passkeys(user.access_token()).await?).unwrap())
}

#[post("/passkeys/delete", data = "<id>")]
async fn delete(cognito: &Cognito, user: Fresh<300>, id: String) -> Result<&'static str, Error> {
    cognito.delete_passkey(&user, &id).await?;
    Ok("deleted")
}

/// Starts a passkey sign-in: the options for `navigator.credentials.get`.
#[post("/passkey/start", data = "<username>")]
async fn start(sign_in: SignIn<'_>, username: String) -> Result<String, Error> {
    match sign_in.keep(sign_in.start_passkey_sign_in(&username).await).await {
        Err(Error::ChallengeRequired(step)) => Ok(step.passkey_options().unwrap_or_default().to_owned()),
        Ok(_) => Ok("signed in without a passkey?".into()),
        Err(e) => Err(e),
    }
}

#[post("/passkey/finish", data = "<credential>")]
async fn finish(sign_in: SignIn<'_>, step: PendingChallenge, credential: String) -> Result<String, Error> {
    let login = sign_in.keep(sign_in.answer(&step, Answer::Passkey(&credential)).await).await?;
    Ok(format!("{:?}", login.factors()))
}

/// A pool where passkeys sign in (the Essentials plan, WEB_AUTHN a first factor, `localhost` the
/// relying party, user verification required) and a site on it with `auth_flow = "user_auth"`.
async fn site(secret: bool) -> (Pool, Client) {
    let pool = Pool::new(secret).await;
    pool.update_client(|u| u.explicit_auth_flows(cip::ExplicitAuthFlowsType::AllowUserAuth)).await;
    let factors = cip::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip::AuthFactorType::Password)
        .allowed_first_auth_factors(cip::AuthFactorType::WebAuthn)
        .build();
    let policies = cip::UserPoolPolicyType::builder().sign_in_policy(factors).build();
    pool.admin.update_user_pool().user_pool_id(&pool.pool_id).policies(policies).send().await.unwrap();
    let webauthn = cip::WebAuthnConfigurationType::builder()
        .relying_party_id("localhost")
        .user_verification(cip::UserVerificationType::Required)
        .build();
    pool.admin
        .set_user_pool_mfa_config()
        .user_pool_id(&pool.pool_id)
        .web_authn_configuration(webauthn)
        .send()
        .await
        .unwrap();
    pool.add_user("ada", PASSWORD, &[("email", "ada@example.com")]).await;
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "critical"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", with(pool.settings(), json!({ "auth_flow": "user_auth" }))));
    let rocket = rocket::custom(figment)
        .attach(Cognito::custom(MemoryStore::new()))
        .mount("/", routes![login, logout, options, register, list, delete, start, finish]);
    (pool, Client::tracked(rocket).await.expect("the site ignites"))
}

async fn post(client: &Client, path: &str, body: &str) -> (Status, String) {
    let response = client.post(path.to_owned()).header(ContentType::Plain).body(body).dispatch().await;
    (response.status(), response.into_string().await.unwrap_or_default())
}

async fn sign_in_with(client: &Client, authenticator: &mut Authenticator) -> (Status, String) {
    let (status, options) = post(client, "/passkey/start", "ada").await;
    assert_eq!(status, Status::Ok, "{options}");
    let options: Value = serde_json::from_str(&options).expect("the request options, JSON");
    post(client, "/passkey/finish", &authenticator.assert(&options)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_registers_a_passkey_signs_in_with_it_alone_deletes_it_and_is_then_refused() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    for secret in [false, true] {
        let (_pool, client) = site(secret).await;
        // Registering needs a session (and a recent proof of identity).
        assert_eq!(post(&client, "/passkeys/options", "").await.0, Status::Unauthorized);
        let form = format!("username=ada&password={PASSWORD}");
        let signed_in = client.post("/login").header(ContentType::Form).body(form).dispatch().await;
        assert_eq!(signed_in.status(), Status::Ok);

        let (status, options) = post(&client, "/passkeys/options", "").await;
        assert_eq!(status, Status::Ok, "{options}");
        let options: Value = serde_json::from_str(&options).expect("the creation options, JSON");
        assert_eq!(options["rp"]["id"], "localhost");
        let mut phone = Authenticator::new("http://localhost:8000");
        let (status, body) = post(&client, "/passkeys", &phone.register(&options)).await;
        assert_eq!(status, Status::Ok, "{secret}: {body}");
        let passkeys: Value = client.get("/passkeys").dispatch().await.into_json().await.unwrap();
        assert_eq!(passkeys.as_array().map(Vec::len), Some(1), "{passkeys}");
        assert_eq!(passkeys[0]["id"], phone.id());
        assert_eq!(passkeys[0]["relying_party"], "localhost");
        let refused = post(&client, "/passkeys", "not json").await;
        assert_eq!(refused.0, Status::UnprocessableEntity, "{refused:?}");

        // Signed out, the passkey alone signs ada in.
        post(&client, "/logout", "").await;
        assert_eq!(client.get("/passkeys").dispatch().await.status(), Status::Unauthorized);
        let (status, factors) = sign_in_with(&client, &mut phone).await;
        assert_eq!((status, factors.as_str()), (Status::Ok, "{Passkey}"), "{secret}");
        assert_eq!(client.get("/passkeys").dispatch().await.status(), Status::Ok, "a session");
        post(&client, "/logout", "").await;

        // Another site's assertion, and one replayed, are refused.
        // The same passkey, its answer relayed from a page of another site.
        phone.origin = "https://evil.example".into();
        let (status, _) = sign_in_with(&client, &mut phone).await;
        phone.origin = "http://localhost:8000".into();
        assert_eq!(status, Status::Unauthorized, "another origin");
        let (status, options) = post(&client, "/passkey/start", "ada").await;
        assert_eq!(status, Status::Ok);
        let answer = phone.assert(&serde_json::from_str(&options).unwrap());
        assert_eq!(post(&client, "/passkey/finish", &answer).await.0, Status::Ok);
        post(&client, "/logout", "").await;
        post(&client, "/passkey/start", "ada").await;
        assert_eq!(post(&client, "/passkey/finish", &answer).await.0, Status::Unauthorized, "a replay");

        // Deleted, the passkey signs no one in.
        let form = format!("username=ada&password={PASSWORD}");
        client.post("/login").header(ContentType::Form).body(form).dispatch().await;
        assert_eq!(post(&client, "/passkeys/delete", &phone.id()).await.0, Status::Ok);
        let passkeys: Value = client.get("/passkeys").dispatch().await.into_json().await.unwrap();
        assert_eq!(passkeys, json!([]));
        post(&client, "/logout", "").await;
        let (status, body) = post(&client, "/passkey/start", "ada").await;
        assert_eq!(status, Status::Unauthorized, "no passkey, no passkey sign-in: {body}");
        let (status, body) = post(&client, "/passkey/start", "nobody-at-all").await;
        assert_eq!(status, Status::Unauthorized, "an unknown user alike: {body}");
    }
}

/// Launch reads the pool's passkey relying party when `passkey_origin` is set: an origin on it
/// launches, one off it stops launch naming both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_stops_when_the_sites_origin_is_not_on_the_pools_relying_party() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let (pool, _client) = site(false).await;
    let launch = |origin: &str| {
        let settings = with(pool.settings(), json!({ "auth_flow": "user_auth", "passkey_origin": origin }));
        let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "critical"))
            .merge(("secret_key", common::secret_key()))
            .merge(("cognito", settings));
        rocket::custom(figment).attach(Cognito::custom(MemoryStore::new())).ignite()
    };
    assert!(launch("http://localhost:8000").await.is_ok(), "on the relying party (localhost)");
    let refused = launch("https://shop.example.com").await.expect_err("not on it");
    assert!(common::cognito_fairing_failed(&refused));
}

/// A passkey sign-in and a passkey registration are counted as every attempt is: past the
/// limit, 429 and no call to Cognito.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_sign_ins_and_registrations_are_limited_before_cognito() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let (pool, _unlimited) = site(false).await;
    let limit = json!({ "attempts": 2, "window_secs": 600 });
    let off = json!({ "attempts": 0, "window_secs": 600 });
    let limits = json!({ "per_address": off, "per_username": limit, "per_account": limit });
    let settings = with(pool.settings(), json!({ "auth_flow": "user_auth", "limits": limits }));
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "critical"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", settings));
    let rocket =
        rocket::custom(figment).attach(Cognito::custom(MemoryStore::new())).mount("/", routes![login, options, start]);
    let client = Client::tracked(rocket).await.unwrap();
    let calls = |client: &Client| client.rocket().state::<Cognito>().unwrap().counters().cognito_calls;
    let form = format!("username=ada&password={PASSWORD}");
    assert_eq!(client.post("/login").header(ContentType::Form).body(form).dispatch().await.status(), Status::Ok);
    for _ in 0..2 {
        assert_eq!(post(&client, "/passkeys/options", "").await.0, Status::Ok);
    }
    let before = calls(&client);
    assert_eq!(post(&client, "/passkeys/options", "").await.0, Status::TooManyRequests);
    assert_eq!(calls(&client), before, "refused before Cognito");
    // The sign-in above counted once on "ada": one passkey start more, then refused.
    assert_eq!(post(&client, "/passkey/start", "ada").await.0, Status::Unauthorized, "no passkey yet");
    let before = calls(&client);
    assert_eq!(post(&client, "/passkey/start", "ada").await.0, Status::TooManyRequests);
    assert_eq!(calls(&client), before, "refused before Cognito");
}
