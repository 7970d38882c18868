//! Prints N distinct access tokens for the benchmark pool (`eu-west-1_BenchPool`, client
//! `bench-client`), signed with the offline key of the `testing` feature; `./scripts/bench` feeds them to
//! the site to measure memory under many distinct tokens.
//!
//! `cargo run --release --example bench_tokens -- 100000 > tokens.txt`

use std::io::Write;

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool";
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for i in 0..count {
        let claims = serde_json::json!({
            "sub": format!("00000000-0000-4000-8000-{i:012}"), "iss": issuer, "token_use": "access",
            "client_id": "bench-client", "username": format!("user{i}"), "exp": 4_102_444_800i64,
            "iat": 1_700_000_000i64, "auth_time": 1_700_000_000i64, "scope": "aws.cognito.signin.user.admin",
            "jti": format!("{i:08x}-1111-4222-8333-444455556666"),
        });
        let token = rocket_warrant::testing::sign(&claims);
        writeln!(out, "{token}").expect("stdout");
    }
}
