//! The user's own security page, through the crate against the emulator: every server-side
//! session of the user with how and from where it signed in, this one marked; ending another
//! (refused at once), and the account's events as a listener receives them, without a token,
//! password or code in any.

mod common;

use std::sync::{Arc, Mutex};

use common::{with, Pool};
use rocket::http::{ContentType, CookieJar, Header, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{get, post, routes};
use rocket_warrant::events::{Event, EventListener};
use rocket_warrant::sessions::SessionInfo;
use rocket_warrant::stores::MemoryStore;
use rocket_warrant::{Cognito, CognitoClaims, Error};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";

use common::routes::sign_in as login;

#[get("/sessions")]
async fn sessions(
    cognito: &Cognito,
    jar: &CookieJar<'_>,
    user: CognitoClaims,
) -> Result<Json<Vec<SessionInfo>>, Error> {
    Ok(Json(cognito.my_sessions(jar, user.access_token()).await?))
}

#[post("/sessions/end", data = "<id>")]
async fn end(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoClaims, id: String) -> Result<String, Error> {
    Ok(cognito.end_my_session(jar, user.access_token(), &id).await?.to_string())
}

#[post("/logout")]
async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> &'static str {
    cognito.sign_out(jar).await;
    "signed out"
}

#[derive(Default)]
struct Recorded(Mutex<Vec<Event>>);

#[rocket::async_trait]
impl EventListener for Recorded {
    async fn event(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

async fn sign_in(client: &Client, from: &str, browser: &str, password: &str) -> Status {
    let form = format!("username=ada&password={password}");
    let request = client.post("/login").header(ContentType::Form).header(Header::new("User-Agent", browser.to_owned()));
    request.remote(format!("{from}:4000").parse().unwrap()).body(form).dispatch().await.status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sees_each_session_with_how_and_where_ends_one_and_the_events_name_no_secret() {
    let Some(_) = common::emulator() else { return common::skip("no emulator") };
    let pool = Pool::new(false).await;
    pool.add_user("ada", PASSWORD, &[("email", "ada@example.com")]).await;
    let recorded = Arc::new(Recorded::default());
    let store = Arc::new(MemoryStore::new());
    let build = || {
        let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "critical"))
            .merge(("secret_key", common::secret_key()))
            .merge((
                "cognito",
                with(pool.settings(), json!({ "session_store": "database", "session_cache_ttl_secs": 0 })),
            ));
        let fairing = Cognito::custom(store.clone()).sessions_in(store.clone()).events_to(recorded.clone());
        rocket::custom(figment).attach(fairing).mount("/", routes![login, sessions, end, logout])
    };
    let laptop = Client::tracked(build()).await.unwrap();
    let phone = Client::tracked(build()).await.unwrap();
    assert_eq!(sign_in(&laptop, "203.0.113.9", "Laptop/1.0", "Wr0ng-Passw0rd!").await, Status::Unauthorized);
    assert_eq!(sign_in(&laptop, "203.0.113.9", "Laptop/1.0", PASSWORD).await, Status::Ok);
    assert_eq!(sign_in(&phone, "198.51.100.4", "Phone/2.0", PASSWORD).await, Status::Ok);

    let listed: Vec<SessionInfo> = laptop.get("/sessions").dispatch().await.into_json().await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let this = listed.iter().find(|s| s.current).expect("this browser's session is marked");
    assert_eq!((this.browser.as_deref(), this.address.as_deref()), (Some("Laptop/1.0"), Some("203.0.113.9")));
    assert!(this.factors.contains(rocket_warrant::sign_in::Factor::Password));
    let other = listed.iter().find(|s| !s.current).unwrap();
    assert_eq!((other.browser.as_deref(), other.address.as_deref()), (Some("Phone/2.0"), Some("198.51.100.4")));

    // This browser's own session is not ended by id (that is a sign-out); another user's id
    // ends nothing; the phone's ends, refused at once.
    let ended = laptop.post("/sessions/end").body(this.id.clone()).dispatch().await;
    assert_eq!(ended.into_string().await.as_deref(), Some("false"));
    pool.add_user("bob", PASSWORD, &[]).await;
    let bobs = Client::tracked(build()).await.unwrap();
    let form = format!("username=bob&password={PASSWORD}");
    assert_eq!(bobs.post("/login").header(ContentType::Form).body(form).dispatch().await.status(), Status::Ok);
    let bob: Vec<SessionInfo> = bobs.get("/sessions").dispatch().await.into_json().await.unwrap();
    let ended = laptop.post("/sessions/end").body(bob[0].id.clone()).dispatch().await;
    assert_eq!(ended.into_string().await.as_deref(), Some("false"), "another user's session");
    assert_eq!(bobs.get("/sessions").dispatch().await.status(), Status::Ok, "bob is still signed in");
    let ended = laptop.post("/sessions/end").body(other.id.clone()).dispatch().await;
    assert_eq!(ended.into_string().await.as_deref(), Some("true"));
    // Another instance (no memory of sessions here: session_cache_ttl_secs = 0) reads the row.
    assert_eq!(phone.get("/sessions").dispatch().await.status(), Status::Unauthorized, "the phone is signed out");
    let listed: Vec<SessionInfo> = laptop.get("/sessions").dispatch().await.into_json().await.unwrap();
    assert_eq!(listed.len(), 1);
    laptop.post("/logout").dispatch().await;

    let events: Vec<Event> = recorded.0.lock().unwrap().iter().filter(|e| e.username() == "ada").cloned().collect();
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(kinds, ["sign_in_refused", "signed_in", "signed_in", "sessions_ended", "signed_out"], "{events:?}");
    assert!(
        matches!(&events[0], Event::SignInRefused { reason: "invalid credentials", address: Some(a), .. } if a == "203.0.113.9")
    );
    assert!(matches!(&events[3], Event::SessionsEnded { count: 1, .. }));
    for event in &events {
        let text = format!("{event:?} {event} {}", serde_json::to_string(event).unwrap());
        assert!(!text.contains("eyJ") && !text.contains(PASSWORD) && !text.contains("Wr0ng"), "{text}");
    }
}
