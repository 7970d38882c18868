//! Token verification: every rule, one table row per hostile or broken token, and the signing-key
//! cache (shared fetches, rate-limited refetches) against the emulator's key endpoint.

mod common;
#[path = "common/tokens.rs"]
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use rocket_warrant::jwks::Jwks;
use rocket_warrant::verify::{Clock, TokenUse, Verifier, VerifyError};
use serde_json::{json, Value};
use tokens::*;

#[tokio::test]
async fn valid_tokens_verify_and_carry_their_claims() {
    let v = verifier();
    let access = v.verify(&sign(&access_claims()), TokenUse::Access).await.unwrap();
    assert_eq!(access.cognito_username(), Some("alice"));
    assert_eq!(access.client_id.as_deref(), Some(CLIENT));
    let id = v.verify(&sign(&id_claims()), TokenUse::Id).await.unwrap();
    assert_eq!(id.groups, vec!["admin".to_string()]);
    assert_eq!(id.email.as_deref(), Some("alice@example.com"));
    assert_eq!(id.cognito_username(), Some("alice"));
}

#[tokio::test]
async fn hostile_and_broken_tokens_are_refused() {
    let v = verifier();
    let cases = hostile_tokens();
    assert!(cases.len() >= 35);
    for (name, token, kind, expected) in cases {
        let got = v.verify(&token, kind).await;
        assert_eq!(got.as_ref().err(), Some(&expected), "{name}: {got:?}");
    }
}

#[tokio::test]
async fn leeway_and_clock() {
    struct Fixed(i64);
    impl Clock for Fixed {
        fn now(&self) -> i64 {
            self.0
        }
    }
    let exp = now() + 100;
    let token = sign(&set(access_claims(), "exp", json!(exp)));
    let at = |t: i64, leeway: u64| verifier().with_leeway(leeway).with_clock(Arc::new(Fixed(t)));
    assert!(at(exp - 1, 0).verify(&token, TokenUse::Access).await.is_ok());
    assert_eq!(at(exp, 0).verify(&token, TokenUse::Access).await, Err(VerifyError::Expired));
    assert!(at(exp + 20, 30).verify(&token, TokenUse::Access).await.is_ok(), "within the leeway");
    assert_eq!(at(exp + 31, 30).verify(&token, TokenUse::Access).await, Err(VerifyError::Expired));
}

/// The emulator's own tokens and keys: a real login's tokens verify against the fetched keys,
/// and a token under the emulator's `kid` signed with another key does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_tokens_verify_against_its_key_endpoint() {
    let pool = common::Pool::new(false).await;
    pool.add_user("alice", "Corr3ct-Horse!", &[]).await;
    let tokens = pool
        .admin
        .admin_initiate_auth()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "Corr3ct-Horse!")
        .send()
        .await
        .unwrap();
    let result = tokens.authentication_result().unwrap();
    let jwks_url = format!("{}/{}/.well-known/jwks.json", common::emulator_url(), pool.pool_id);
    let v = Verifier::new(
        pool.issuer(),
        &pool.client_id,
        Jwks::from_url(jwks_url, Duration::from_secs(2), Duration::from_secs(60)),
    );
    let access = v.verify(result.access_token().unwrap(), TokenUse::Access).await.unwrap();
    assert_eq!(access.cognito_username(), Some("alice"));
    v.verify(result.id_token().unwrap(), TokenUse::Id).await.unwrap();

    let mut forged: Value = serde_json::to_value(&*access).unwrap();
    forged["sub"] = json!("mallory");
    let forged = sign_with(&forged, "dummy", &other_key());
    assert_eq!(v.verify(&forged, TokenUse::Access).await, Err(VerifyError::Signature));
    // And a verifier for another client refuses the real token.
    let other = Verifier::new(pool.issuer(), "another-client", Jwks::from_json(r#"{"keys":[]}"#).unwrap());
    assert!(other.verify(result.access_token().unwrap(), TokenUse::Access).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_fetch_and_forged_kids_do_not_cause_a_storm() {
    let pool = common::Pool::new(false).await;
    let jwks_url = format!("{}/{}/.well-known/jwks.json", common::emulator_url(), pool.pool_id);
    let jwks = Arc::new(Jwks::from_url(jwks_url, Duration::from_secs(2), Duration::from_secs(60)));
    let lookups: Vec<_> = (0..200)
        .map(|_| {
            let jwks = jwks.clone();
            tokio::spawn(async move { jwks.key("dummy").await.is_ok() })
        })
        .collect();
    for lookup in lookups {
        assert!(lookup.await.unwrap());
    }
    assert_eq!(jwks.fetch_count(), 1, "200 concurrent misses, one fetch");
    for i in 0..1000 {
        assert!(jwks.key(&format!("forged-{i}")).await.is_err());
    }
    assert_eq!(jwks.fetch_count(), 1, "forged kids within the interval fetch nothing");
    assert!(jwks.key("dummy").await.is_ok(), "the cached key still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_keys_keep_working_when_the_key_endpoint_fails() {
    // A key endpoint that serves the keys once, then answers 500, then garbage.
    let url = common::fault_server(vec![
        common::Fault::Answer(200, include_str!("fixtures/test-jwks.json").to_owned()),
        common::Fault::Answer(500, "internal error".to_owned()),
        common::Fault::Answer(200, "this is not JSON".to_owned()),
    ])
    .await;
    // Interval zero: every miss may refetch, so each failure is met.
    let jwks = Jwks::from_url(url, Duration::from_secs(2), Duration::ZERO);
    let v = Verifier::new(ISSUER, CLIENT, jwks);
    assert_eq!(v.jwks().refresh().await, Ok(1));
    let token = sign(&access_claims());
    assert!(v.verify(&token, TokenUse::Access).await.is_ok());
    let unknown = sign_with(&access_claims(), "rotated-key", &other_key());
    assert!(matches!(v.verify(&unknown, TokenUse::Access).await, Err(VerifyError::KeysUnavailable(_))), "500");
    assert!(matches!(v.verify(&unknown, TokenUse::Access).await, Err(VerifyError::KeysUnavailable(_))), "garbage");
    assert!(v.verify(&token, TokenUse::Access).await.is_ok(), "the cached key still works");
    assert_eq!(v.jwks().fetch_count(), 3);
}
