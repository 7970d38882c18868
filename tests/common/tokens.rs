//! Tokens for tests: signed with the offline key of the `testing` feature, and a table of
//! hostile or broken ones, each with the refusal it must meet.
#![allow(dead_code)]

use std::sync::Arc;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::{Ignite, Rocket};
use rocket_warrant::testing::{self, Clock, TestPool};
use rocket_warrant::tokens::{TokenUse, VerifyError};
use rocket_warrant::{Cognito, Error};
use serde_json::{json, Value};

pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool";
pub const CLIENT: &str = "test-client";

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// The test pool's own private key (the `testing` feature's offline key), to sign bytes that
/// are not JSON claims.
pub fn pool_key() -> EncodingKey {
    EncodingKey::from_rsa_der(include_bytes!("../fixtures/test-key.der"))
}

/// `header.payload` with a valid RS256 signature by the pool's key, whatever the payload: a
/// token that passes the signature check and reaches the claims' decoding.
pub fn signed_raw(header: &str, payload: &str) -> String {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let message = format!("{header}.{payload}");
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &pool_key(), Algorithm::RS256).unwrap();
    format!("{message}.{signature}")
}

/// A key that is not the pool's.
pub fn other_key() -> EncodingKey {
    EncodingKey::from_rsa_der(include_bytes!("../fixtures/other-key.der"))
}

/// An offline `Cognito` for the test pool (keys inline, no store), its settings overridden by
/// `extra`, its clock `clock` when given.
pub async fn offline_with(extra: Value, clock: Option<Arc<dyn Clock>>) -> (Rocket<Ignite>, Cognito) {
    let pool = TestPool::new();
    let mut settings = pool.settings();
    for (k, v) in extra.as_object().unwrap() {
        match v {
            // `null` takes a setting away (the inline keys, to fetch them instead).
            Value::Null => drop(settings.as_object_mut().unwrap().remove(k)),
            v => settings[k] = v.clone(),
        }
    }
    // Built afresh: merging into `pool.figment()` would keep the settings `extra` takes away.
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("cognito", settings));
    let fairing = Cognito::without_store();
    let fairing = match clock {
        Some(clock) => fairing.with_clock(clock),
        None => fairing,
    };
    let rocket = rocket::custom(figment).attach(fairing).ignite().await.expect("ignites");
    let cognito = rocket.state::<Cognito>().expect("managed").clone();
    (rocket, cognito)
}

/// [`offline_with`] the test pool's own settings.
pub async fn offline() -> (Rocket<Ignite>, Cognito) {
    offline_with(json!({}), None).await
}

/// Why `cognito` refuses `token` as a `kind` token, or `None` when it verifies.
pub async fn refusal(cognito: &Cognito, token: &str, kind: TokenUse) -> Option<VerifyError> {
    match cognito.verify(token, kind).await {
        Ok(_) => None,
        Err(Error::Token(e)) => Some(e),
        Err(other) => panic!("a verification ends in Error::Token, not {other:?}"),
    }
}

pub fn now() -> i64 {
    testing::SystemClock.now()
}

pub fn access_claims() -> Value {
    json!({
        "sub": "0b5e1d2c", "iss": ISSUER, "token_use": "access", "client_id": CLIENT,
        "username": "alice", "exp": now() + 3600, "iat": now(), "auth_time": now(),
        "scope": "aws.cognito.signin.user.admin", "jti": "j1",
    })
}

pub fn id_claims() -> Value {
    json!({
        "sub": "0b5e1d2c", "iss": ISSUER, "token_use": "id", "aud": CLIENT,
        "cognito:username": "alice", "email": "alice@example.com", "exp": now() + 3600, "iat": now(),
        "cognito:groups": ["admin"],
    })
}

pub fn sign_with(claims: &Value, kid: &str, key: &EncodingKey) -> String {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

pub fn sign(claims: &Value) -> String {
    testing::sign(claims)
}

pub fn set(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

pub fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// A token with a hand-made header and any signature.
pub fn raw(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()), b64(signature))
}

/// One hostile or broken token: what it is, the token, the kind it is presented as, and the
/// refusal the verifier must give.
pub type HostileCase = (&'static str, String, TokenUse, VerifyError);

/// Every hostile or broken token, one row each.
pub fn hostile_tokens() -> Vec<HostileCase> {
    let a = access_claims;
    let good = sign(&a());
    let (head, rest) = good.split_once('.').unwrap();
    let (body, sig) = rest.split_once('.').unwrap();
    // The pool's public key material, as an attacker would use it for an HMAC secret.
    let public_n = testing::JWKS.as_bytes();
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

    vec![
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
            VerifyError::Audience { client: Some("other-client".into()) },
        ),
        (
            "access token for another client",
            sign(&set(a(), "client_id", json!("other-client"))),
            TokenUse::Access,
            VerifyError::Audience { client: Some("other-client".into()) },
        ),
        (
            "access token without client_id",
            sign(&without(a(), "client_id")),
            TokenUse::Access,
            VerifyError::Audience { client: None },
        ),
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
        // Refused as VerifyError::Algorithm says: anything but RS256, `none` included.
        (
            "alg none",
            raw(json!({"alg": "none", "kid": "test-key"}), &a(), b""),
            TokenUse::Access,
            VerifyError::Algorithm,
        ),
        (
            "alg none, typ JWT",
            format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), body),
            TokenUse::Access,
            VerifyError::Algorithm,
        ),
        ("HS256 with the public key", hs256, TokenUse::Access, VerifyError::Algorithm),
        ("kid unknown", testing::sign_with_kid(&a(), "not-a-key"), TokenUse::Access, VerifyError::UnknownKid),
        ("kid empty", testing::sign_with_kid(&a(), ""), TokenUse::Access, VerifyError::MissingKid),
        ("kid of 10 KB", testing::sign_with_kid(&a(), &"k".repeat(10_240)), TokenUse::Access, VerifyError::MissingKid),
        (
            "kid with path characters",
            testing::sign_with_kid(&a(), "../../etc/passwd"),
            TokenUse::Access,
            VerifyError::UnknownKid,
        ),
        ("no kid", raw(json!({"alg": "RS256"}), &a(), b"sig"), TokenUse::Access, VerifyError::MissingKid),
        ("signature stripped", format!("{head}.{body}."), TokenUse::Access, VerifyError::Signature),
        // Cut to a length no base64 can have (4n + 1): never decodes, whatever the signature.
        (
            "signature truncated mid-character",
            format!("{head}.{body}.{}", &sig[..(sig.len() / 2) & !3 | 1]),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        // Cut to whole bytes (4n): decodes, to half a signature, which does not verify.
        (
            "signature truncated to half",
            format!("{head}.{body}.{}", &sig[..(sig.len() / 2) & !3]),
            TokenUse::Access,
            VerifyError::Signature,
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
        // Validly signed, so that they reach the claims' decoding (a bad signature would stop
        // them first).
        ("claims not base64", signed_raw(head, "%%%"), TokenUse::Access, VerifyError::Malformed),
        ("claims invalid UTF-8", signed_raw(head, &b64(&[0xc3, 0x28])), TokenUse::Access, VerifyError::Malformed),
        ("claims not JSON", signed_raw(head, &b64(b"not json")), TokenUse::Access, VerifyError::Malformed),
        ("claims a JSON array", signed_raw(head, &b64(b"[1,2]")), TokenUse::Access, VerifyError::Malformed),
        (
            "claims without token_use",
            signed_raw(head, &b64(without(a(), "token_use").to_string().as_bytes())),
            TokenUse::Access,
            VerifyError::Malformed,
        ),
        ("signature not base64", format!("{head}.{body}.***"), TokenUse::Access, VerifyError::Malformed),
    ]
}
