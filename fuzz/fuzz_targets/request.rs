//! A request through the guards with arbitrary credentials: the Authorization header, the token
//! cookies (raw, and sealed so that their contents reach the parsers) and the API key header.
//! No panic, and never a 500.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rocket::figment::Figment;
use rocket::http::{Cookie, Header, Status};
use rocket::local::blocking::Client;
use rocket::{get, routes};
use rocket_db_pools::Database;
use rocket_warrant::{testing, ApiKey, Cognito, CognitoUser, SqlitePool};

#[derive(Database)]
#[database("users")]
struct Users(SqlitePool);

#[get("/")]
fn page(user: Option<CognitoUser>, key: Option<ApiKey>) -> String {
    format!("{:?} {:?}", user.map(|u| u.username().to_owned()), key.is_some())
}

fn client() -> Client {
    let db = std::env::temp_dir().join(format!("rocket-warrant-fuzz-{}.sqlite", std::process::id()));
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge((
            "cognito",
            serde_json::json!({
                "user_pool_id": "eu-west-1_TestPool",
                "app_client_id": "test-client",
                "jwks": testing::JWKS,
                "endpoint_url": "http://127.0.0.1:9",
                "aws_access_key_id": "fuzz",
                "aws_secret_access_key": "fuzz",
                "create_unknown_users": false,
                "max_attempts": 1,
                "cognito_timeout_secs": 0.2,
            }),
        ))
        .merge(("databases.users", serde_json::json!({ "url": format!("sqlite://{}", db.display()) })));
    let rocket =
        rocket::custom(figment).attach(Users::init()).attach(Cognito::fairing::<Users>()).mount("/", routes![page]);
    Client::untracked(rocket).expect("the fuzz site ignites")
}

thread_local! {
    // libFuzzer runs the target on one thread; the blocking client is not Sync.
    static CLIENT: Client = client();
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let value = String::from_utf8_lossy(rest).into_owned();
    CLIENT.with(|client| run(client, selector, value));
});

fn run(client: &Client, selector: u8, value: String) {
    let request = client.get("/");
    let request = match selector % 7 {
        0 => request.header(Header::new("Authorization", value)),
        1 => request.header(Header::new("Authorization", format!("Bearer {value}"))),
        2 => request.private_cookie(Cookie::new("cognito_access", value)),
        3 => request.private_cookie(Cookie::new("cognito_refresh", value)),
        4 => request.header(Header::new("Cookie", value)),
        5 => request.cookie(Cookie::new("cognito_access", value)),
        _ => request.header(Header::new("Authorization-Id", value)),
    };
    let status = request.dispatch().status();
    assert_ne!(status, Status::InternalServerError);
}
