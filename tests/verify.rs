//! Token verification: every rule, one table row per hostile or broken token, and the signing-key
//! cache (shared fetches, rate-limited refetches) against the emulator's key endpoint.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket_warrant::jwks::Jwks;
use rocket_warrant::verify::{Clock, SystemClock, TokenUse, Verifier, VerifyError};
use serde_json::{json, Value};

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool";
const CLIENT: &str = "test-client";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn test_key() -> EncodingKey {
    EncodingKey::from_rsa_der(include_bytes!("fixtures/test-key.der"))
}

fn other_key() -> EncodingKey {
    EncodingKey::from_rsa_der(include_bytes!("fixtures/other-key.der"))
}

fn verifier() -> Verifier {
    let jwks = Jwks::from_json(include_str!("fixtures/test-jwks.json")).unwrap();
    Verifier::new(ISSUER, CLIENT, jwks)
}

fn now() -> i64 {
    SystemClock.now()
}

fn access_claims() -> Value {
    json!({
        "sub": "0b5e1d2c", "iss": ISSUER, "token_use": "access", "client_id": CLIENT,
        "username": "alice", "exp": now() + 3600, "iat": now(), "auth_time": now(),
        "scope": "aws.cognito.signin.user.admin", "jti": "j1",
    })
}

fn id_claims() -> Value {
    json!({
        "sub": "0b5e1d2c", "iss": ISSUER, "token_use": "id", "aud": CLIENT,
        "cognito:username": "alice", "email": "alice@example.com", "exp": now() + 3600, "iat": now(),
        "cognito:groups": ["admin"],
    })
}

fn sign_with(claims: &Value, kid: &str, key: &EncodingKey) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn sign(claims: &Value) -> String {
    sign_with(claims, "test-key", &test_key())
}

fn set(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// A token with a hand-made header and any signature.
fn raw(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()), b64(signature))
}

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
    let a = access_claims;
    let good = sign(&a());
    let (head, rest) = good.split_once('.').unwrap();
    let (body, sig) = rest.split_once('.').unwrap();
    let public_n = b"the pool's public key, used as an HMAC secret";
    let hs256 = jsonwebtoken::encode(
        &{
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("test-key".into());
            h
        },
        &a(),
        &EncodingKey::from_secret(public_n),
    )
    .unwrap();

    let cases: Vec<(&str, String, TokenUse, VerifyError)> = vec![
        (
            "wrong issuer",
            sign(&set(a(), "iss", json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"))),
            TokenUse::Access,
            VerifyError::Issuer,
        ),
        (
            "issuer with trailing slash",
            sign(&set(a(), "iss", json!(format!("{ISSUER}/")))),
            TokenUse::Access,
            VerifyError::Issuer,
        ),
        (
            "issuer in another region",
            sign(&set(a(), "iss", json!(ISSUER.replace("eu-west-1.", "us-east-1.")))),
            TokenUse::Access,
            VerifyError::Issuer,
        ),
        (
            "id token for another client",
            sign(&set(id_claims(), "aud", json!("other-client"))),
            TokenUse::Id,
            VerifyError::Audience,
        ),
        (
            "access token for another client",
            sign(&set(a(), "client_id", json!("other-client"))),
            TokenUse::Access,
            VerifyError::Audience,
        ),
        ("access token without client_id", sign(&without(a(), "client_id")), TokenUse::Access, VerifyError::Audience),
        (
            "id token used as access token",
            sign(&id_claims()),
            TokenUse::Access,
            VerifyError::TokenUse { expected: TokenUse::Access },
        ),
        ("access token used as id token", sign(&a()), TokenUse::Id, VerifyError::TokenUse { expected: TokenUse::Id }),
        ("no exp", sign(&without(a(), "exp")), TokenUse::Access, VerifyError::MissingExpiry),
        (
            "expired beyond the leeway",
            sign(&set(a(), "exp", json!(now() - 120))),
            TokenUse::Access,
            VerifyError::Expired,
        ),
        (
            "exp as a string",
            sign(&set(a(), "exp", json!((now() + 3600).to_string()))),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        ("exp huge", sign(&set(a(), "exp", json!(1e300))), TokenUse::Access, VerifyError::Malformed),
        ("nbf in the future", sign(&set(a(), "nbf", json!(now() + 600))), TokenUse::Access, VerifyError::NotYetValid),
        ("iat in the future", sign(&set(a(), "iat", json!(now() + 600))), TokenUse::Access, VerifyError::NotYetValid),
        ("signed by another key", sign_with(&a(), "test-key", &other_key()), TokenUse::Access, VerifyError::Signature),
        (
            "alg none",
            raw(json!({"alg": "none", "kid": "test-key"}), &a(), b""),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        (
            "alg none, typ JWT",
            format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), body),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        ("HS256 with the public key", hs256, TokenUse::Access, VerifyError::Algorithm),
        ("kid unknown", sign_with(&a(), "not-a-key", &test_key()), TokenUse::Access, VerifyError::UnknownKid),
        ("kid empty", sign_with(&a(), "", &test_key()), TokenUse::Access, VerifyError::MissingKid),
        ("kid of 10 KB", sign_with(&a(), &"k".repeat(10_240), &test_key()), TokenUse::Access, VerifyError::MissingKid),
        (
            "kid with path characters",
            sign_with(&a(), "../../etc/passwd", &test_key()),
            TokenUse::Access,
            VerifyError::UnknownKid,
        ),
        ("no kid", raw(json!({"alg": "RS256"}), &a(), b"sig"), TokenUse::Access, VerifyError::MissingKid),
        ("signature stripped", format!("{head}.{body}."), TokenUse::Access, VerifyError::Signature),
        (
            "signature truncated",
            format!("{head}.{body}.{}", &sig[..sig.len() / 2]),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        (
            "claims tampered",
            format!("{head}.{}.{sig}", b64(set(a(), "sub", json!("mallory")).to_string().as_bytes())),
            TokenUse::Access,
            VerifyError::Signature,
        ),
        ("three segments of garbage", "abc.def.ghi".into(), TokenUse::Access, VerifyError::Malformed),
        ("two segments", format!("{head}.{body}"), TokenUse::Access, VerifyError::Malformed),
        ("empty", String::new(), TokenUse::Access, VerifyError::Malformed),
        ("1 MB token", format!("{head}.{}.{sig}", "A".repeat(1 << 20)), TokenUse::Access, VerifyError::TooLarge),
        ("header not base64", format!("!!!.{body}.{sig}"), TokenUse::Access, VerifyError::Malformed),
        ("header not JSON", format!("{}.{body}.{sig}", b64(b"not json")), TokenUse::Access, VerifyError::Malformed),
        (
            "header invalid UTF-8",
            format!("{}.{body}.{sig}", b64(&[0xff, 0xfe, 0x7b])),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        (
            "claims not base64",
            raw(json!({"alg": "RS256", "kid": "test-key"}), &a(), b"x").replacen('.', ".%%%", 1),
            TokenUse::Access,
            VerifyError::Signature,
        ),
        (
            "claims invalid UTF-8",
            format!("{head}.{}.{sig}", b64(&[0xc3, 0x28])),
            TokenUse::Access,
            VerifyError::Signature,
        ),
        ("signature not base64", format!("{head}.{body}.***"), TokenUse::Access, VerifyError::Malformed),
    ];
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
        (200, include_str!("fixtures/test-jwks.json").to_owned()),
        (500, "internal error".to_owned()),
        (200, "this is not JSON".to_owned()),
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
