//! The token parser and verifier on arbitrary input: no panic, no hang, whatever the bytes.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rocket_warrant::testing::TestPool;
use rocket_warrant::Cognito;
use rocket_warrant::tokens::TokenUse;

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());

/// The test pool's `Cognito`: its keys inline, nothing fetched.
static COGNITO: LazyLock<Cognito> = LazyLock::new(|| {
    let rocket = rocket::custom(TestPool::new().figment()).attach(Cognito::without_store());
    let rocket = RUNTIME.block_on(rocket.ignite()).expect("the test pool ignites");
    rocket.state::<Cognito>().expect("managed").clone()
});

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    for kind in [TokenUse::Access, TokenUse::Id] {
        let _ = RUNTIME.block_on(COGNITO.verify(&token, kind));
    }
});
