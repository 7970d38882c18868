//! Micro-benchmarks of the request path and the login's local work (`cargo bench`).
//!
//! Each group has a baseline measured in the same run, so the figures read as ratios:
//! a bare Rocket request against the guarded ones, SHA-256 of a token against the cache hit,
//! one RS256 verification against everything else.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rocket::figment::Figment;
use rocket::http::{Header as HttpHeader, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_db_pools::Database;
use rocket_warrant::stores::{Profile, SqlitePool};
use rocket_warrant::testing::{self, TestPool};
use rocket_warrant::tokens::TokenUse;
use rocket_warrant::{Cognito, CognitoClaims, CognitoUser};
use serde_json::json;
use sha2::Digest;

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool";
const CLIENT: &str = "test-client";

fn token(username: &str, kind: &str) -> String {
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
    testing::sign(&claims)
}

/// An offline `Cognito` for the test pool (keys inline, no store), its settings changed by `extra`.
fn offline(rt: &tokio::runtime::Runtime, extra: serde_json::Value) -> Cognito {
    let pool = TestPool::new();
    let figment = pool.figment().merge(("cognito", extra));
    let rocket = rt.block_on(rocket::custom(figment).attach(Cognito::without_store()).ignite()).unwrap();
    rocket.state::<Cognito>().unwrap().clone()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

fn verification(c: &mut Criterion) {
    let rt = runtime();
    let access = token("alice", "access");
    let cold = offline(&rt, json!({ "token_cache_capacity": 0 }));
    let warm = offline(&rt, json!({}));
    rt.block_on(warm.verify(&access, TokenUse::Access)).unwrap();
    let mut group = c.benchmark_group("verify");
    group.bench_function("baseline: sha256 of the token", |b| {
        b.iter(|| black_box(<[u8; 32]>::from(sha2::Sha256::digest(black_box(&access).as_bytes()))))
    });
    group.bench_function("cold: RS256 signature and claims", |b| {
        b.to_async(&rt).iter(|| async { cold.verify(black_box(&access), TokenUse::Access).await.unwrap() })
    });
    group.bench_function("cached: digest, lookup, claims", |b| {
        b.to_async(&rt).iter(|| async { warm.verify(black_box(&access), TokenUse::Access).await.unwrap() })
    });
    group.finish();
}

fn srp(c: &mut Criterion) {
    let mut group = c.benchmark_group("login local work");
    group.sample_size(20);
    group.bench_function("SRP: a, A, then the password proof", |b| {
        b.iter(|| testing::srp_login_work(black_box("eu-west-1_TestPool"), "alice", "Corr3ct-Horse!"))
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

/// A local client of a site whose users are in a SQLite file, alice among them, keeping
/// sessions in `session_store`; and alice's session cookies on it.
fn site(
    rt: &tokio::runtime::Runtime,
    session_store: &str,
) -> (Client, Vec<rocket::http::Cookie<'static>>, std::path::PathBuf) {
    let db = std::env::temp_dir().join(format!("rocket-warrant-bench-{}-{session_store}.sqlite", std::process::id()));
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge((
            "secret_key",
            rocket_warrant::testing::TestPool::new().figment().extract_inner::<String>("secret_key").unwrap(),
        ))
        .merge((
            "cognito",
            json!({
                "user_pool_id": "eu-west-1_TestPool", "app_client_id": CLIENT, "jwks": testing::JWKS,
                "endpoint_url": "http://127.0.0.1:9", "aws_access_key_id": "bench", "aws_secret_access_key": "bench",
                "create_unknown_users": false, "session_store": session_store,
                // TestPool's cookies are named for plain http, as the local client speaks.
                "cookie_secure": false,
            }),
        ))
        .merge(("databases.users", json!({ "url": format!("sqlite://{}", db.display()) })));
    rt.block_on(async {
        let rocket = rocket::custom(figment)
            .attach(Users::init())
            .attach(Cognito::fairing::<Users>())
            .mount("/", routes![bare, claims, user, maybe]);
        let client = Client::untracked(rocket).await.unwrap();
        let cognito = client.rocket().state::<Cognito>().unwrap();
        let mut profile = Profile { username: "alice".into(), sub: "sub-alice".into(), ..Default::default() };
        profile.fields.insert("email".into(), "alice@example.com".into());
        cognito.store().unwrap().save(&profile, true).await.unwrap();
        // Alice signed in: real-size tokens, sealed in cookies or saved as a session.
        let alice = TestPool::new().user("alice").expires_in(24 * 3600);
        let cookies = alice.session_on(cognito).await.unwrap();
        (client, cookies, db)
    })
}

fn request_path(c: &mut Criterion) {
    let rt = runtime();
    let access = token("alice", "access");
    let mut group = c.benchmark_group("request (local client, in process)");
    for store in ["cookies", "database"] {
        let (client, cookies, db) = site(&rt, store);
        let with_cookies = |path: &'static str| {
            let mut request = client.get(path);
            for cookie in &cookies {
                request = request.cookie(cookie.clone());
            }
            request
        };
        rt.block_on(async {
            assert_eq!(with_cookies("/user").dispatch().await.status(), Status::Ok);
            assert_eq!(with_cookies("/claims").dispatch().await.status(), Status::Ok);
        });
        let name = |what: &str| format!("session_store = {store}: {what}");
        group.bench_function(name("baseline: bare route"), |b| {
            b.to_async(&rt).iter(|| async { assert_eq!(client.get("/bare").dispatch().await.status(), Status::Ok) })
        });
        group.bench_function(name("bare route, the session cookies sent"), |b| {
            b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/bare").dispatch().await.status(), Status::Ok) })
        });
        group.bench_function(name("CognitoClaims from the session"), |b| {
            b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/claims").dispatch().await.status(), Status::Ok) })
        });
        group.bench_function(name("CognitoUser from the session (SQLite row)"), |b| {
            b.to_async(&rt).iter(|| async { assert_eq!(with_cookies("/user").dispatch().await.status(), Status::Ok) })
        });
        if store == "cookies" {
            let bearer = HttpHeader::new("Authorization", format!("Bearer {access}"));
            group.bench_function("CognitoUser from a Bearer token", |b| {
                b.to_async(&rt).iter(|| async {
                    assert_eq!(client.get("/user").header(bearer.clone()).dispatch().await.status(), Status::Ok)
                })
            });
            group.bench_function("Option<CognitoUser>, anonymous", |b| {
                b.to_async(&rt)
                    .iter(|| async { assert_eq!(client.get("/maybe").dispatch().await.status(), Status::Ok) })
            });
        }
        let _ = std::fs::remove_file(db);
    }
    group.finish();
}

criterion_group!(benches, verification, srp, request_path);
criterion_main!(benches);
