//! Token verification through `Cognito::verify`: every rule, one table row per hostile or broken
//! token, and the signing-key cache (shared fetches, rate-limited refetches) against the
//! emulator's key endpoint and hand-written faulty ones.

mod common;
#[path = "common/tokens.rs"]
mod tokens;

use std::sync::Arc;

use rocket_warrant::testing::{self, ManualClock};
use rocket_warrant::tokens::{TokenUse, VerifyError};
use rocket_warrant::Error;
use serde_json::{json, Value};
use tokens::*;

#[tokio::test]
async fn valid_tokens_verify_and_carry_their_claims() {
    let (_rocket, cognito) = offline().await;
    let access = cognito.verify(&sign(&access_claims()), TokenUse::Access).await.unwrap();
    assert_eq!(access.cognito_username(), Some("alice"));
    assert_eq!(access.client_id.as_deref(), Some(CLIENT));
    let id = cognito.verify(&sign(&id_claims()), TokenUse::Id).await.unwrap();
    assert_eq!(id.groups, vec!["admin".to_string()]);
    assert_eq!(id.email.as_deref(), Some("alice@example.com"));
    assert_eq!(id.cognito_username(), Some("alice"));
}

#[tokio::test]
async fn hostile_and_broken_tokens_are_refused() {
    let (_rocket, cognito) = offline().await;
    let cases = hostile_tokens();
    assert!(cases.len() >= 35);
    for (name, token, kind, expected) in cases {
        let got = refusal(&cognito, &token, kind).await;
        assert_eq!(got.as_ref(), Some(&expected), "{name}: {got:?}");
    }
}

#[tokio::test]
async fn leeway_and_clock() {
    let exp = now() + 100;
    let token = sign(&set(access_claims(), "exp", json!(exp)));
    let token = &token;
    let at = |t: i64, leeway: u64| async move {
        let clock = Arc::new(ManualClock::default());
        clock.set(t);
        let (_rocket, cognito) = offline_with(json!({ "leeway_secs": leeway }), Some(clock)).await;
        refusal(&cognito, token, TokenUse::Access).await
    };
    assert_eq!(at(exp - 1, 0).await, None);
    assert_eq!(at(exp, 0).await, Some(VerifyError::Expired));
    assert_eq!(at(exp + 20, 30).await, None, "within the leeway");
    assert_eq!(at(exp + 31, 30).await, Some(VerifyError::Expired));
}

/// Conformance: the emulator's tokens and keys ("Verifying a JSON web token": the pool's JWKS at
/// /.well-known/jwks.json): a real login's tokens verify against the fetched keys, and a token
/// under the emulator's `kid` signed with another key does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_tokens_verify_against_its_key_endpoint() {
    need_emulator!();
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
    let (_rocket, cognito) = offline_with(
        json!({ "user_pool_id": pool.pool_id, "app_client_id": pool.client_id, "jwks": null, "jwks_url": jwks_url }),
        None,
    )
    .await;
    let access = cognito.verify(result.access_token().unwrap(), TokenUse::Access).await.unwrap();
    assert_eq!(access.cognito_username(), Some("alice"));
    cognito.verify(result.id_token().unwrap(), TokenUse::Id).await.unwrap();

    let mut forged: Value = serde_json::to_value(&*access).unwrap();
    forged["sub"] = json!("mallory");
    let kid = jsonwebtoken::decode_header(result.access_token().unwrap()).unwrap().kid.unwrap();
    // Two keys in one set, as Cognito's: the ID token's is not the access token's.
    let id_kid = jsonwebtoken::decode_header(result.id_token().unwrap()).unwrap().kid.unwrap();
    assert_ne!(id_kid, kid);
    assert_eq!(cognito.counters().key_fetches, 1, "both keys from one fetch");
    let forged = sign_with(&forged, &kid, &other_key());
    assert_eq!(refusal(&cognito, &forged, TokenUse::Access).await, Some(VerifyError::Signature));
    // And a verifier for another client, with the pool's real keys, refuses the real token for
    // its audience (not for an unknown key).
    let (_rocket, other) = offline_with(
        json!({ "user_pool_id": pool.pool_id, "app_client_id": "another-client", "jwks": null, "jwks_url": format!("{}/{}/.well-known/jwks.json", common::emulator_url(), pool.pool_id) }),
        None,
    )
    .await;
    let refused = refusal(&other, result.access_token().unwrap(), TokenUse::Access).await;
    assert_eq!(refused, Some(VerifyError::Audience { client: Some(pool.client_id.clone()) }));
}

/// A key endpoint that answers `faults` in turn, and the offline pool's settings pointed at it
/// (keys not inline), refetching at most once per `interval` seconds.
async fn fetched_from(
    faults: Vec<common::Fault>,
    interval: u64,
) -> (String, Arc<std::sync::atomic::AtomicUsize>, Value) {
    let (url, count) = common::counting_fault_server(faults).await;
    let settings =
        json!({ "jwks": null, "jwks_url": url, "jwks_timeout_secs": 2, "jwks_refetch_interval_secs": interval });
    (url, count, settings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_fetch_and_forged_kids_do_not_cause_a_storm() {
    // Down at ignite, then up: the first requests all miss the cache together.
    let (_url, fetches, settings) = fetched_from(
        vec![common::Fault::Answer(500, "down".into()), common::Fault::Answer(200, testing::JWKS.to_owned())],
        60,
    )
    .await;
    let (_rocket, cognito) = offline_with(settings, None).await;
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1, "tried at ignite");
    let token = sign(&access_claims());
    let lookups: Vec<_> = (0..200)
        .map(|_| {
            let (cognito, token) = (cognito.clone(), token.clone());
            tokio::spawn(async move { cognito.verify(&token, TokenUse::Access).await.is_ok() })
        })
        .collect();
    for lookup in lookups {
        assert!(lookup.await.unwrap());
    }
    assert_eq!(cognito.counters().key_fetches, 2, "200 concurrent misses, one fetch");
    for i in 0..1000 {
        let forged = testing::sign_with_kid(&access_claims(), &format!("forged-{i}"));
        assert_eq!(refusal(&cognito, &forged, TokenUse::Access).await, Some(VerifyError::UnknownKid));
    }
    assert_eq!(cognito.counters().key_fetches, 2, "forged kids within the interval fetch nothing");
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(refusal(&cognito, &token, TokenUse::Access).await, None, "the cached key still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_keys_keep_working_when_the_key_endpoint_fails() {
    // A key endpoint that serves the keys once (at ignite), then answers 500, then garbage.
    // Interval zero: every miss may refetch, so each failure is met.
    let (_url, _fetches, settings) = fetched_from(
        vec![
            common::Fault::Answer(200, testing::JWKS.to_owned()),
            common::Fault::Answer(500, "internal error".to_owned()),
            common::Fault::Answer(200, "this is not JSON".to_owned()),
        ],
        0,
    )
    .await;
    let (_rocket, cognito) = offline_with(settings, None).await;
    assert_eq!(cognito.counters().cached_kids, vec![testing::KID.to_string()]);
    let token = sign(&access_claims());
    assert_eq!(refusal(&cognito, &token, TokenUse::Access).await, None);
    let unknown = sign_with(&access_claims(), "rotated-key", &other_key());
    let unavailable = |e: Option<VerifyError>| matches!(e, Some(VerifyError::KeysUnavailable(_)));
    assert!(unavailable(refusal(&cognito, &unknown, TokenUse::Access).await), "500");
    assert!(unavailable(refusal(&cognito, &unknown, TokenUse::Access).await), "garbage");
    assert_eq!(refusal(&cognito, &token, TokenUse::Access).await, None, "the cached key still works");
    assert_eq!(cognito.counters().key_fetches, 3);
}

/// As PyJWT CVE-2024-53861 (an issuer matched by `in`, so that a part passed) and Spring
/// CVE-2026-22748 (a key fetched from a URL the token named) broke other verifiers: the issuer is
/// compared whole on every verifier the settings can build (the original issuer's, the updated
/// one's, and the one that picks another pool's verifier by `iss`), and a token's `jku`, `x5u`
/// or embedded `jwk` is never followed nor used.
#[tokio::test]
async fn the_issuer_is_compared_whole_everywhere_and_no_key_is_taken_from_a_token() {
    let updated_issuer = ISSUER.replace("https://cognito-idp.", "https://issuer-cognito-idp.");
    let near = |issuer: &str| {
        vec![
            format!("{issuer}x"),
            issuer[..issuer.len() - 1].to_owned(),
            format!("x{issuer}"),
            issuer.replace("https://", "http://"),
            issuer.to_uppercase(),
            format!("{issuer}/"),
            format!("{issuer}/.well-known/jwks.json"),
            format!("{issuer}\u{0}"),
            format!("{issuer} {issuer}"),
        ]
    };
    let other = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Tenant";
    let sites = [
        (json!({}), ISSUER.to_owned()),
        (json!({ "issuer": "updated" }), updated_issuer.clone()),
        (
            json!({ "other_pools": [{ "user_pool_id": "eu-west-1_Tenant", "app_client_ids": ["tenant-client"] }] }),
            ISSUER.to_owned(),
        ),
    ];
    for (settings, issuer) in sites {
        let (_rocket, cognito) = offline_with(settings.clone(), None).await;
        let own = sign(&set(access_claims(), "iss", json!(issuer)));
        assert_eq!(refusal(&cognito, &own, TokenUse::Access).await, None, "{settings}: its own issuer");
        let mut variants = near(&issuer);
        variants.extend(near(other));
        if issuer != ISSUER {
            variants.push(ISSUER.to_owned());
        }
        for iss in variants {
            let token = sign(&set(access_claims(), "iss", json!(iss)));
            let refused = cognito.verify_any_pool(&token).await.expect_err(&iss);
            assert!(
                matches!(refused, Error::Token(VerifyError::Issuer | VerifyError::UnknownKid)),
                "{settings}: {iss:?}: {refused:?}"
            );
        }
    }

    // A token that names where its key is: nothing is fetched from there, and its key is not used.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let (_rocket, cognito) = offline().await;
    let attacker = r#"{"kty":"RSA","kid":"attacker","n":"AQAB","e":"AQAB"}"#;
    for (name, value) in
        [("jku", json!(url)), ("x5u", json!(url)), ("jwk", serde_json::from_str::<Value>(attacker).unwrap())]
    {
        for kid in ["attacker", "test-key"] {
            let header = json!({ "alg": "RS256", "typ": "JWT", "kid": kid, name: value });
            let token = signed_with_header(&header, &access_claims(), &other_key());
            let refused = refusal(&cognito, &token, TokenUse::Access).await;
            let expected = if kid == "attacker" { VerifyError::UnknownKid } else { VerifyError::Signature };
            assert_eq!(refused, Some(expected), "{name} with kid {kid}");
        }
    }
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(300), listener.accept()).await;
    assert!(accepted.is_err(), "no request went to the URL a token named");
}

/// `claims` signed by `key` under a header of the test's own making (a `jku`, say).
fn signed_with_header(header: &Value, claims: &Value, key: &jsonwebtoken::EncodingKey) -> String {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, jsonwebtoken::Algorithm::RS256).unwrap();
    format!("{message}.{signature}")
}
