//! A request through the guards with arbitrary credentials: the Authorization header, the token
//! cookies (raw, and sealed so that their contents reach the parsers: the binary token packing,
//! the refresh cookie's username and JWE), the server-side session cookie (raw and sealed, on a
//! site with `session_store = "database"`) and the API key header. No panic, and never a 500.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rocket::figment::Figment;
use rocket::http::{Cookie, Header, Status};
use rocket::local::blocking::Client;
use rocket::{get, routes};
use rocket_db_pools::Database;
use rocket_warrant::{testing, ApiKey, Cognito, CognitoUser};
use rocket_warrant::stores::SqlitePool;

#[derive(Database)]
#[database("users")]
struct Users(SqlitePool);

#[get("/")]
fn page(user: Option<CognitoUser>, key: Option<ApiKey>) -> String {
    format!("{:?} {:?}", user.map(|u| u.username().to_owned()), key.is_some())
}

fn client(session_store: &str) -> Client {
    let db = std::env::temp_dir().join(format!("rocket-warrant-fuzz-{session_store}-{}.sqlite", std::process::id()));
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        // TestPool's key: its sealed cookies open here.
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
                "cookie_secure": false,
                "session_store": session_store,
            }),
        ))
        .merge(("databases.users", serde_json::json!({ "url": format!("sqlite://{}", db.display()) })));
    let rocket =
        rocket::custom(figment).attach(Users::init()).attach(Cognito::fairing::<Users>()).mount("/", routes![page]);
    Client::untracked(rocket).expect("the fuzz site ignites")
}

thread_local! {
    // libFuzzer runs the target on one thread; the blocking client is not Sync.
    static COOKIES: Client = client("cookies");
    static SERVER: Client = client("database");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    if selector % 10 >= 7 {
        SERVER.with(|client| run(client, selector, rest));
    } else {
        COOKIES.with(|client| run(client, selector, rest));
    }
});

fn run(client: &Client, selector: u8, bytes: &[u8]) {
    let value = String::from_utf8_lossy(bytes).into_owned();
    // Sealed as the crate seals, so that the bytes reach what opens a cookie's contents.
    let sealed = |name: &str| testing::TestPool::new().sealed_cookie(name, bytes);
    let request = client.get("/");
    let request = match selector % 10 {
        0 => request.header(Header::new("Authorization", value)),
        1 => request.header(Header::new("Authorization", format!("Bearer {value}"))),
        2 => request.cookie(sealed("cognito_access")),
        3 => request.cookie(sealed("cognito_refresh")),
        4 => request.header(Header::new("Cookie", value)),
        5 => request.cookie(Cookie::new("cognito_access", value)),
        6 => request.header(Header::new("Authorization-Id", value)),
        // The server-side session cookie: sealed arbitrary bytes (a wrong length, or an id of
        // no session), raw, and a raw Cookie header, on the database site.
        7 => request.cookie(sealed("cognito_session")),
        8 => request.cookie(Cookie::new("cognito_session", value)),
        _ => request.header(Header::new("Cookie", value)),
    };
    let status = request.dispatch().status();
    assert_ne!(status, Status::InternalServerError);
}
