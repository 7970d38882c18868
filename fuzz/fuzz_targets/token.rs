//! The token parser and verifier on arbitrary input: no panic, no hang, whatever the bytes.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rocket_warrant::jwks::Jwks;
use rocket_warrant::verify::{TokenUse, Verifier};

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().unwrap());

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let jwks = Jwks::from_json(include_str!("../../tests/fixtures/test-jwks.json")).unwrap();
    Verifier::new("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool", "test-client", jwks)
});

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    for kind in [TokenUse::Access, TokenUse::Id] {
        let _ = RUNTIME.block_on(VERIFIER.verify(&token, kind));
    }
});
