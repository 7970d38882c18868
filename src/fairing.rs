//! The fairing alone: the settings read and the store chosen at ignite, `Cognito` built and
//! managed, and the response hook that sends cleared cookies with error responses.

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Request, Response, Rocket};
use rocket_db_pools::Database;

use crate::client::CognitoClient;
use crate::cognito::{self, Cognito};
use crate::config::{Config, SessionMode};
use crate::cookies::Sealer;
use crate::error::Error;
use crate::events::EventListener;
use crate::session::Sessions;
use crate::store::{AttemptStore, CachedStore, SessionStore, UserStore};
use crate::tokens::clock::Clock;

/// A database's two stores: its users (behind the cache) and its server-side sessions.
type Stores = (Arc<dyn UserStore>, Arc<dyn SessionStore>, Arc<dyn AttemptStore>);

/// Fetches a rocket_db_pools database's stores at ignite, or says why it cannot.
type FetchStore = fn(&Rocket<Build>, &Config) -> Result<Stores, String>;

/// Where the fairing finds the local users.
enum StoreSource {
    /// A rocket_db_pools database, fetched at ignite, behind the in-memory cache.
    Database(FetchStore),
    /// The application's own store, as given.
    Custom(Arc<dyn UserStore>),
    /// No local users: claims guards only.
    None,
}

/// The fairing that builds [`Cognito`] at ignite: [`Cognito::fairing`], [`Cognito::custom`] or
/// [`Cognito::without_store`].
///
/// It reads `[default.cognito]` (or `ROCKET_COGNITO`); a missing or malformed setting stops
/// launch with a message naming it. It builds the Cognito client and the verifier once, and
/// fetches the pool's signing keys ahead of the first request (a failure is logged, not fatal:
/// they are fetched again on first use).
///
/// ```
/// use rocket::fairing::Fairing;
/// use rocket_warrant::Cognito;
///
/// let fairing = Cognito::without_store();
/// assert_eq!(fairing.info().name, "Cognito authentication");
/// ```
pub struct CognitoFairing {
    store: StoreSource,
    sessions: Option<Arc<dyn SessionStore>>,
    attempts: Option<Arc<dyn AttemptStore>>,
    events: Option<Arc<dyn EventListener>>,
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for CognitoFairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = match self.store {
            StoreSource::Database(_) => "database",
            StoreSource::Custom(_) => "custom",
            StoreSource::None => "none",
        };
        f.debug_struct("CognitoFairing").field("store", &store).finish_non_exhaustive()
    }
}

impl Cognito {
    /// The fairing, keeping local users in the rocket_db_pools database `D` (a
    /// [`SqlitePool`](crate::store::SqlitePool), [`PgPool`](crate::store::PgPool) or
    /// [`MysqlPool`](crate::store::MysqlPool)), behind an in-memory cache (`user_cache_ttl_secs`);
    /// with `session_store = "database"`, the sessions too. Attach `D::init()` first.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_db_pools::Database;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::stores::SqlitePool;
    ///
    /// #[derive(Database)]
    /// #[database("users")]
    /// struct Users(SqlitePool);
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     rocket::build().attach(Users::init()).attach(Cognito::fairing::<Users>())
    /// }
    /// ```
    pub fn fairing<D>() -> CognitoFairing
    where
        D: Database,
        D::Pool: UserStore + SessionStore + AttemptStore + Clone,
    {
        fn fetch<D>(rocket: &Rocket<Build>, config: &Config) -> Result<Stores, String>
        where
            D: Database,
            D::Pool: UserStore + SessionStore + AttemptStore + Clone,
        {
            // `state`, not `D::fetch`: its message assumes the fairing is missing, when more
            // often it is attached and failed (a URL of the wrong kind, an unreachable server).
            match rocket.state::<D>() {
                // The users behind the in-memory cache that `user_cache_ttl_secs` sets; the
                // sessions have their own (`session_cache_ttl_secs`).
                Some(db) => {
                    let pool: D::Pool = (**db).clone();
                    let users = CachedStore::new(pool.clone(), config.user_cache_ttl, config.token_cache_capacity);
                    Ok((Arc::new(users), Arc::new(pool.clone()), Arc::new(pool)))
                }
                None => Err(format!(
                    "the user database `{}` is not available: either its fairing failed (its error, \
                     logged above, says why: a URL of the wrong kind, say) or {}::init() is not \
                     attached before the Cognito fairing",
                    D::NAME,
                    std::any::type_name::<D>()
                )),
            }
        }
        CognitoFairing {
            store: StoreSource::Database(fetch::<D>),
            sessions: None,
            attempts: None,
            events: None,
            clock: None,
        }
    }

    /// The fairing, keeping local users in `store`: the application's own
    /// [`UserStore`], a [`MemoryStore`](crate::store::MemoryStore), or any store behind a
    /// [`CachedStore`](crate::store::CachedStore). The store is used as given (no cache is added).
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::stores::MemoryStore;
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     rocket::build().attach(Cognito::custom(MemoryStore::new()))
    /// }
    /// ```
    pub fn custom(store: impl UserStore) -> CognitoFairing {
        CognitoFairing {
            store: StoreSource::Custom(Arc::new(store)),
            sessions: None,
            attempts: None,
            events: None,
            clock: None,
        }
    }

    /// The fairing, keeping no local users: a login gives the mapped profile
    /// ([`Login::profile`](crate::signin::Login::profile)), and only the guards that need no row work
    /// ([`CognitoClaims`](crate::CognitoClaims), [`Member`](crate::Member)). A route that takes
    /// [`CognitoUser`](crate::CognitoUser) stops launch with a message saying so.
    ///
    /// For an application that keeps its own user model: its own guard built on
    /// `CognitoClaims`, reading its own table (see the crate's documentation).
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_warrant::{Cognito, CognitoClaims};
    ///
    /// #[get("/whoami")]
    /// fn whoami(claims: CognitoClaims) -> String {
    ///     claims.username().to_owned()
    /// }
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     rocket::build().attach(Cognito::without_store()).mount("/", routes![whoami])
    /// }
    /// ```
    pub fn without_store() -> CognitoFairing {
        CognitoFairing { store: StoreSource::None, sessions: None, attempts: None, events: None, clock: None }
    }
}

impl CognitoFairing {
    /// Keeps server-side sessions (`session_store = "database"`) in `store` instead of the
    /// database's: for [`Cognito::custom`] and [`Cognito::without_store`], which have none, or
    /// to keep them apart from the users.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use std::sync::Arc;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::stores::MemoryStore;
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     // One instance: users and sessions in memory (Rocket.toml: session_store = "database").
    ///     let store = Arc::new(MemoryStore::new());
    ///     rocket::build().attach(Cognito::custom(store.clone()).sessions_in(store))
    /// }
    /// ```
    pub fn sessions_in(mut self, store: impl SessionStore) -> Self {
        self.sessions = Some(Arc::new(store));
        self
    }

    /// Counts the attempts the limits ([`Limits`](crate::config::Limits)) see in `store`
    /// instead of where the sessions are kept (the database with `session_store = "database"`,
    /// memory otherwise): a store every instance shares, such as Redis, for a site that keeps
    /// its sessions in cookies and runs several instances.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use std::sync::Arc;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::stores::MemoryStore;
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     let store = Arc::new(MemoryStore::new());
    ///     rocket::build().attach(Cognito::custom(store.clone()).attempts_in(store))
    /// }
    /// ```
    pub fn attempts_in(mut self, store: impl AttemptStore) -> Self {
        self.attempts = Some(Arc::new(store));
        self
    }

    /// Sends the account's [`Event`](crate::events::Event)s (sign-ins and refused ones,
    /// sign-outs, password and attribute changes, devices, passkeys, sessions ended) to
    /// `listener`, for a security page or an audit log. None are sent by default.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_warrant::Cognito;
    /// use rocket_warrant::events::{Event, EventListener};
    ///
    /// struct Log;
    ///
    /// #[rocket::async_trait]
    /// impl EventListener for Log {
    ///     async fn event(&self, event: Event) {
    ///         println!("{}: {event}", event.username());
    ///     }
    /// }
    ///
    /// #[launch]
    /// fn rocket() -> _ {
    ///     rocket::build().attach(Cognito::without_store().events_to(Log))
    /// }
    /// ```
    pub fn events_to(mut self, listener: impl EventListener) -> Self {
        self.events = Some(Arc::new(listener));
        self
    }

    /// Checks token times against `clock` instead of the system clock, so that a test sees a
    /// token expire (and the session refresh) without waiting an hour.
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
}

/// Whether the site may seal its sessions with the key it has: outside the debug profile (as
/// Rocket decides it) only a key of its own, with how to make one; in it, a missing or
/// published key is replaced by a random key of the process, said in the log.
fn seal_key_check(figment: &rocket::figment::Figment, config: &Config) -> Result<(), String> {
    let Err(why) = crate::cookies::site_key(figment) else {
        return Ok(());
    };
    let generate = "generate one with `openssl rand -base64 32` and set it as `secret_key` in Rocket.toml \
                    (or ROCKET_SECRET_KEY)";
    let profile = figment.profile();
    if profile != rocket::Config::DEBUG_PROFILE {
        return Err(format!(
            "{why}: anyone could open the session cookies{} of this `{profile}` profile; {generate}",
            if config.session_store == SessionMode::Database { " and the stored sessions" } else { "" },
        ));
    }
    let stored = match config.session_store {
        SessionMode::Database => ", and the sessions stored in the database become unreadable after one",
        SessionMode::Cookies => "",
    };
    log::warn!(
        "rocket_warrant: {why}: sessions are sealed under a random key of this process and will not \
         survive a restart{stored}; {generate}"
    );
    Ok(())
}

/// A warning for cookies without `Secure` outside the debug profile: `cookie_secure = false` is
/// for a local site on plain http, and a setting in `[default]` reaches a release build too.
fn plain_cookies_warning(figment: &rocket::figment::Figment, config: &Config) -> Option<String> {
    let profile = figment.profile();
    (config.cookie_secure == Some(false) && profile != rocket::Config::DEBUG_PROFILE).then(|| {
        format!(
            "rocket_warrant: cognito.cookie_secure = false in the `{profile}` profile: the session cookies go \
             over plain http too, where anyone on the way can take them; set it under [debug.cognito] \
             only, for a local site"
        )
    })
}

#[rocket::async_trait]
impl Fairing for CognitoFairing {
    fn info(&self) -> Info {
        Info { name: "Cognito authentication", kind: Kind::Ignite | Kind::Response }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let config = match Config::from_figment(rocket.figment()) {
            Ok(config) => config,
            Err(e) => {
                log::error!("rocket_warrant: {e}");
                return Err(rocket);
            }
        };
        // A session remembers its row as long as the store's cache would (a custom store is
        // used as given: no memory).
        let (store, sessions, attempts, row_ttl) = match &self.store {
            StoreSource::Database(fetch) => match fetch(&rocket, &config) {
                Ok((users, sessions, attempts)) => (Some(users), Some(sessions), Some(attempts), config.user_cache_ttl),
                Err(e) => {
                    log::error!("rocket_warrant: {e}");
                    return Err(rocket);
                }
            },
            StoreSource::Custom(store) => (Some(store.clone()), None, None, std::time::Duration::ZERO),
            StoreSource::None => (None, None, None, std::time::Duration::ZERO),
        };
        let sessions = self.sessions.clone().or(sessions);
        // The counts live where the sessions do: the database's only when it keeps them.
        let attempts = self.attempts.clone().or(attempts.filter(|_| config.session_store == SessionMode::Database));
        if attempts.is_none() && config.session_store == SessionMode::Database {
            log::warn!(
                "rocket_warrant: the sessions are kept in a store of the application's, and the limits count in this \
                 instance's memory: instances do not share their counts; give the fairing .attempts_in(store)"
            );
        }
        if let Err(why) = seal_key_check(rocket.figment(), &config) {
            log::error!("rocket_warrant: {why}");
            return Err(rocket);
        }
        if let Some(warning) = plain_cookies_warning(rocket.figment(), &config) {
            log::warn!("{warning}");
        }
        let sealer = Sealer::from_figment(rocket.figment());
        let clock = self.clock.clone();
        let events = self.events.clone().unwrap_or_else(|| Arc::new(crate::events::Ignore));
        let build = cognito::Build { config, sealer, users: store, row_ttl, sessions, attempts, events, clock };
        crate::metrics::describe();
        let cognito = match Cognito::build(build).await {
            Ok(cognito) => cognito,
            Err(e) => {
                log::error!("rocket_warrant: {e}");
                return Err(rocket);
            }
        };
        // Fetch the keys now so the first request does not wait; a failure is not fatal, the
        // keys are fetched again on first use.
        match cognito.load_keys().await {
            Ok(n) => log::info!("rocket_warrant: {n} signing key(s) loaded"),
            Err(e) => log::warn!("rocket_warrant: signing keys not loaded at ignite ({e}); retrying on first use"),
        }
        // Revocations the other instances recorded, before the first request.
        let shared = cognito.shared();
        shared.revocations.first_read(shared.instant()).await;
        // What the app client's settings mean here; launch waits on Cognito two seconds at most.
        let describe = shared.client.describe(shared.config.passkey_origin.is_some());
        let config = &shared.config;
        match tokio::time::timeout(std::time::Duration::from_secs(2), describe).await {
            Ok(Ok(facts)) => {
                if let Some(refusal) = facts.refusal(config) {
                    log::error!("rocket_warrant: {refusal}");
                    return Err(rocket);
                }
                facts.log(config);
                shared.learn(&facts);
            }
            // By its type: the pool, or the app client in it, does not exist (every sign-in
            // would be refused as if the password were wrong).
            Ok(Err(Error::Misconfigured(e))) if e.code() == Some("ResourceNotFoundException") => {
                log::error!(
                    "rocket_warrant: cognito.user_pool_id {} or cognito.app_client_id {} names nothing in region {} \
                     ({e}); check both, and the region",
                    config.user_pool_id,
                    config.app_client_id,
                    config.region()
                );
                return Err(rocket);
            }
            Ok(Err(e)) => match CognitoClient::missing_credentials(&shared.sdk_config).await {
                Some(why) => log::warn!(
                    "rocket_warrant: no AWS credentials ({why}), so the app client's settings could not be read at \
                     launch and auth_flow = \"admin_user_password\" cannot sign anyone in; the other flows, \
                     refresh, sign-out and GetUser need none. Set cognito.aws_access_key_id and \
                     cognito.aws_secret_access_key, or credentials the default chain finds (AWS_PROFILE, the \
                     environment, an instance role)"
                ),
                None => log::info!(
                    "rocket_warrant: the app client's settings could not be read ({e}); unless its \
                     PreventUserExistenceErrors is ENABLED, response times tell which usernames exist"
                ),
            },
            Err(_) => log::info!("rocket_warrant: the app client's settings could not be read in time"),
        }
        Ok(rocket.manage(cognito))
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // A guard that refused the session cleared the cookies, but Rocket sends only the
        // catcher's cookie changes with an error response: send the removals here.
        if !Sessions::cleared(req) {
            return;
        }
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return;
        };
        // Removals only for the session cookies the request carried.
        for removal in cognito.shared().cookies.removals() {
            if req.cookies().get(removal.name()).is_none() {
                continue;
            }
            let prefix = format!("{}=", removal.name());
            if !res.headers().get("Set-Cookie").any(|c| c.starts_with(&prefix)) {
                res.adjoin_header(removal);
            }
        }
    }
}
