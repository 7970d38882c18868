//! Micro-benchmarks of the request path and the login's local work (`cargo bench`).
//!
//! Each group has a baseline measured in the same run, so the figures read as ratios:
//! a bare Rocket request against the guarded ones, SHA-256 of a token against the cache hit,
//! one RS256 verification against everything else.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::figment::Figment;
use rocket::http::{Cookie, Header as HttpHeader, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_db_pools::Database;
use rocket_warrant::jwks::Jwks;
use rocket_warrant::store::Profile;
use rocket_warrant::verify::{TokenUse, Verifier};
use rocket_warrant::{db::SqlitePool, Cognito, CognitoClaims, CognitoUser};
use serde_json::json;

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool";
const CLIENT: &str = "test-client";
const JWKS: &str = include_str!("../tests/fixtures/test-jwks.json");

fn token(username: &str, kind: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key".into());
    let mut claims = json!({
        "sub": format!("sub-{username}"), "iss": ISSUER, "token_use": kind, "exp": 4_102_444_800i64,
        "iat": 1_700_000_000i64, "auth_time": 1_700_000_000i64, "jti": "6c0b1e9e-2c8f-4a57-9d6c-0a6f5b7f1c2d",
        "origin_jti": "1f1e7c3a-77b2-4a49-8c1d-3f8a0a9e2b44", "scope": "aws.cognito.signin.user.admin",
        "event_id": "3c4d5e6f-0000-4a4a-9b9b-123456789abc",
    });
    if kind == "access" {
        claims["client_id"] = json!(CLIENT);
        claims["username"] = json!(username);
    } else {
        claims["aud"] = json!(CLIENT);
        claims["cognito:username"] = json!(username);
        claims["email"] = json!(format!("{username}@example.com"));
    }
    let key = EncodingKey::from_rsa_der(include_bytes!("../tests/fixtures/test-key.der"));
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

fn verification(c: &mut Criterion) {
    let rt = runtime();
    let access = token("alice", "access");
    let cold = Verifier::new(ISSUER, CLIENT, Jwks::from_json(JWKS).unwrap()).with_cache_capacity(0);
    let warm = Verifier::new(ISSUER, CLIENT, Jwks::from_json(JWKS).unwrap());
    rt.block_on(warm.verify(&access, TokenUse::Access)).unwrap();
    let mut group = c.benchmark_group("verify");
    group.bench_function("baseline: sha256 of the token", |b| {
        b.iter(|| black_box(rocket_warrant::cache::digest(black_box(&access))))
    });
    group.bench_function("cold: RS256 signature and claims", |b| {
        b.to_async(&rt).iter(|| async { cold.verify(black_box(&access), TokenUse::Access).await.unwrap() })
    });
    group.bench_function("cached: digest, lookup, claims", |b| {
        b.to_async(&rt).iter(|| async { warm.verify(black_box(&access), TokenUse::Access).await.unwrap() })
    });
    group.finish();
}

fn srp_and_mapping(c: &mut Criterion) {
    let mut group = c.benchmark_group("login local work");
    group.sample_size(20);
    group.bench_function("SRP: a, A, then the password proof", |b| {
        let block = "cm9ja2V0X3dhcnJhbnQgYmVuY2htYXJrIHNlY3JldCBibG9jaw==";
        let srp_b = rocket_warrant::srp::SrpClient::new("eu-west-1_TestPool").unwrap().public_a();
        b.iter(|| {
            let srp = rocket_warrant::srp::SrpClient::new("eu-west-1_TestPool").unwrap();
            black_box(srp.public_a());
            let salt = "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c";
            black_box(srp.claim("alice", "Corr3ct-Horse!", salt, &srp_b, block, "Fri Nov 6 05:03:12 UTC 2026").unwrap())
        })
    });
    let mapping = rocket_warrant::config::default_attr_mapping()
        .into_iter()
        .chain([("custom:api_key".into(), "api_key".into()), ("custom:api_key_id".into(), "api_key_id".into())])
        .collect();
    let attributes: Vec<(String, String)> = [
        ("sub", "0b5e1d2c-1111-2222-3333-444455556666"),
        ("email_verified", "true"),
        ("gender", "female"),
        ("name", "Demo User"),
        ("preferred_username", "demo"),
        ("given_name", "Demo"),
        ("family_name", "User"),
        ("email", "demo@example.com"),
        ("address", "1 Example Street"),
        ("phone_number", "+15555550100"),
        ("custom:api_key", "demo-api-key-0123456789abcdef"),
        ("custom:api_key_id", "4hb5rlpgsd"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    group.bench_function("attribute mapping (12 attributes)", |b| {
        b.iter(|| {
            let profile = Profile::from_attributes("demo", black_box(&attributes), &mapping);
            black_box(profile.extra_json())
        })
    });
    group.finish();
}

#[derive(Database)]
#[database("users")]
struct Users(SqlitePool);

#[get("/bare")]
fn bare() -> &'static str {
    "ok"
}

#[get("/claims")]
fn claims(claims: CognitoClaims) -> String {
    claims.sub().to_owned()
}

#[get("/user")]
fn user(user: CognitoUser) -> String {
    user.sub().to_owned()
}

#[get("/maybe")]
fn maybe(user: Option<CognitoUser>) -> &'static str {
    if user.is_some() {
        "user"
    } else {
        "anonymous"
    }
}

fn request_path(c: &mut Criterion) {
    let rt = runtime();
    let db = std::env::temp_dir().join(format!("rocket-warrant-bench-{}.sqlite", std::process::id()));
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge((
            "cognito",
            json!({
                "user_pool_id": "eu-west-1_TestPool", "app_client_id": CLIENT, "jwks": JWKS,
                "endpoint_url": "http://127.0.0.1:9", "aws_access_key_id": "bench", "aws_secret_access_key": "bench",
                "create_unknown_users": false,
            }),
        ))
        .merge(("databases.users", json!({ "url": format!("sqlite://{}", db.display()) })));
    let client = rt.block_on(async {
        let rocket = rocket::custom(figment)
            .attach(Users::init())
            .attach(Cognito::fairing::<Users>())
            .mount("/", routes![bare, claims, user, maybe]);
        let client = Client::untracked(rocket).await.unwrap();
        let cognito = client.rocket().state::<Cognito>().unwrap();
        let mut profile = Profile { username: "alice".into(), sub: "sub-alice".into(), ..Default::default() };
        profile.fields.insert("email".into(), "alice@example.com".into());
        cognito.store().save(&profile, true).await.unwrap();
        client
    });
    let access = token("alice", "access");
    let id = token("alice", "id");
    let cookies = [
        Cookie::new("cognito_access", access.clone()),
        Cookie::new("cognito_id", id.clone()),
        Cookie::new("cognito_refresh", "YWxpY2U.opaque-refresh-token".to_owned()),
    ];
    let with_cookies = |path: &'static str| {
        let mut request = client.get(path);
        for cookie in &cookies {
            request = request.private_cookie(cookie.clone());
        }
        request
    };
    rt.block_on(async {
        assert_eq!(with_cookies("/user").dispatch().await.status(), Status::Ok);
        assert_eq!(with_cookies("/claims").dispatch().await.status(), Status::Ok);
    });

    let mut group = c.benchmark_group("request (local client, in process)");
    group.bench_function("baseline: bare route", |b| {
        b.to_async(&rt).iter(|| async { assert_eq!(client.get("/bare").dispatch().await.status(), Status::Ok) })
    });
    group.bench_function("bare route, three sealed cookies sent", |b| {
        b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/bare").dispatch().await.status(), Status::Ok) })
    });
    group.bench_function("CognitoClaims from cookies", |b| {
        b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/claims").dispatch().await.status(), Status::Ok) })
    });
    group.bench_function("CognitoUser from cookies (SQLite row)", |b| {
        b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/user").dispatch().await.status(), Status::Ok) })
    });
    let bearer = HttpHeader::new("Authorization", format!("Bearer {access}"));
    group.bench_function("CognitoUser from a Bearer token", |b| {
        b.to_async(&rt).iter(|| async {
            assert_eq!(client.get("/user").header(bearer.clone()).dispatch().await.status(), Status::Ok)
        })
    });
    group.bench_function("Option<CognitoUser>, anonymous", |b| {
        b.to_async(&rt).iter(|| async { assert_eq!(client.get("/maybe").dispatch().await.status(), Status::Ok) })
    });
    group.finish();

    let cognito: Arc<Cognito> = Arc::new(client.rocket().state::<Cognito>().unwrap().clone());
    let request = with_cookies("/user");
    let mut group = c.benchmark_group("cookies");
    group.bench_function("read the three token cookies (decrypt)", |b| {
        b.iter(|| black_box(cognito.cookies().get(request.inner().cookies())))
    });
    group.finish();
    let _ = std::fs::remove_file(db);
}

criterion_group!(benches, verification, srp_and_mapping, request_path);
criterion_main!(benches);
