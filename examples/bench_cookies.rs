//! Prints the Cookie headers of N distinct signed-in cookie sessions of the benchmark pool
//! (`eu-west-1_BenchPool`, client `bench-client`, the `testing` feature's offline key), sealed
//! with `ROCKET_SECRET_KEY` as a release site with that key and the default cookie settings
//! seals them: `./scripts/bench` sends them to such a site, to see a guard's cost with many
//! sessions against one.
//!
//! `ROCKET_SECRET_KEY=... cargo run --release --example bench_cookies -- 100000 > cookies.txt`

use std::io::Write;

use rocket::figment::Figment;
use rocket_warrant::testing::{refresh_token, sign, start_session};
use rocket_warrant::tokens::Tokens;
use rocket_warrant::Cognito;

#[rocket::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let key = std::env::var("ROCKET_SECRET_KEY").expect("ROCKET_SECRET_KEY: the site's secret key");
    let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool";
    let figment = Figment::from(rocket::Config::release_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", key))
        .merge((
            "cognito",
            serde_json::json!({
                "user_pool_id": "eu-west-1_BenchPool", "app_client_id": "bench-client",
                "jwks": rocket_warrant::testing::JWKS, "endpoint_url": "http://127.0.0.1:9",
                "aws_access_key_id": "bench", "aws_secret_access_key": "bench", "cognito_timeout_secs": 0.2,
                "max_attempts": 1,
            }),
        ));
    let rocket = rocket::custom(figment).attach(Cognito::without_store()).ignite().await.expect("ignites");
    let cognito = rocket.state::<Cognito>().expect("the fairing's state");
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for i in 0..count {
        let username = format!("user{i}");
        let claims = serde_json::json!({
            "sub": format!("00000000-0000-4000-8000-{i:012}"), "iss": issuer, "token_use": "access",
            "client_id": "bench-client", "username": username, "exp": 4_102_444_800i64,
            "iat": 1_700_000_000i64, "auth_time": 1_700_000_000i64, "scope": "aws.cognito.signin.user.admin",
            "origin_jti": format!("{i:08x}-0000-4000-8000-000000000000"),
        });
        let tokens =
            Tokens { id_token: String::new(), access_token: sign(&claims), refresh_token: refresh_token(&username) };
        let cookies = start_session(cognito, &username, &tokens).await.expect("a session starts");
        let header: Vec<String> = cookies.iter().map(|c| format!("{}={}", c.name(), c.value())).collect();
        writeln!(out, "{}", header.join("; ")).expect("stdout");
    }
}
