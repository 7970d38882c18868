//! The fairing: reads the settings, builds the Cognito client, verifier and store at ignite, and
//! manages them as [`Cognito`]; the Sentinel that stops launch when it is missing.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::Response;
use rocket::{Build, Ignite, Rocket, Sentinel};
use rocket_db_pools::Database;

use crate::cognito::CognitoClient;
use crate::config::{Config, ConfigError};
use crate::cookies::TokenCookies;
use crate::guards::RequestAuth;
use crate::jwks::Jwks;
use crate::refresh::RefreshFlights;
use crate::store::{CachedStore, UserStore};
use crate::verify::{Clock, Verifier};

/// Everything the crate needs at request time, built once at ignite and managed by Rocket.
///
/// Take it in a route as `&Cognito` to log users in:
///
/// ```no_run
/// # use rocket::{post, form::Form, FromForm};
/// use rocket_warrant::{Cognito, Error};
///
/// #[derive(FromForm)]
/// struct Credentials { username: String, password: String }
///
/// #[post("/login", data = "<form>")]
/// async fn login(cognito: &Cognito, form: Form<Credentials>) -> Result<String, Error> {
///     let login = cognito.login(&form.username, &form.password).await?;
///     Ok(format!("hello {}", login.user.username))
/// }
/// ```
#[derive(Clone)]
pub struct Cognito {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) client: CognitoClient,
    pub(crate) verifier: Verifier,
    pub(crate) store: Arc<dyn UserStore>,
    pub(crate) cookies: TokenCookies,
    pub(crate) refreshes: RefreshFlights,
}

impl std::fmt::Debug for Cognito {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cognito")
            .field("config", &self.inner.config)
            .field("verifier", &self.inner.verifier)
            .finish_non_exhaustive()
    }
}

impl Cognito {
    /// The fairing that builds a `Cognito` at ignite, keeping local users in the database `D`.
    /// Attach `D::init()` first.
    ///
    /// ```no_run
    /// # #[macro_use] extern crate rocket;
    /// use rocket_db_pools::Database;
    /// use rocket_warrant::{db::SqlitePool, Cognito};
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
    pub fn fairing<D>() -> CognitoFairing<D>
    where
        D: Database,
        D::Pool: UserStore + Clone,
    {
        CognitoFairing { clock: None, _db: PhantomData }
    }

    /// Builds a `Cognito` outside Rocket's ignite (a CLI, a test) from settings and a store.
    pub async fn new(config: Config, store: Arc<dyn UserStore>) -> Result<Cognito, ConfigError> {
        Cognito::build(config, store, None).await
    }

    async fn build(
        config: Config,
        store: Arc<dyn UserStore>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Cognito, ConfigError> {
        config.validate()?;
        let jwks = match &config.jwks {
            Some(json) => Jwks::from_json(json).map_err(|reason| ConfigError::Invalid { key: "jwks", reason })?,
            None => Jwks::from_url(
                config.jwks_url(),
                Duration::from_millis(config.jwks_timeout_ms),
                Duration::from_secs(config.jwks_refetch_interval_secs),
            ),
        };
        let mut verifier = Verifier::new(config.issuer(), config.app_client_id.clone(), jwks)
            .with_leeway(config.leeway_secs)
            .with_cache_capacity(config.token_cache_capacity);
        if let Some(clock) = clock {
            verifier = verifier.with_clock(clock);
        }
        let client = CognitoClient::from_config(&config).await;
        let cookies = TokenCookies::new(&config);
        let refreshes = RefreshFlights::default();
        let ttl = Duration::from_secs(config.user_cache_ttl_secs);
        let store: Arc<dyn UserStore> = Arc::new(CachedStore::new(store, ttl, config.token_cache_capacity));
        Ok(Cognito { inner: Arc::new(Inner { config, client, verifier, store, cookies, refreshes }) })
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The Cognito client (for calls such as UpdateUserAttributes with a user's access token).
    pub fn client(&self) -> &CognitoClient {
        &self.inner.client
    }

    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The local user store.
    pub fn store(&self) -> &dyn UserStore {
        &*self.inner.store
    }

    /// The token cookies' names and attributes.
    pub fn cookies(&self) -> &TokenCookies {
        &self.inner.cookies
    }
}

/// The fairing returned by [`Cognito::fairing`].
pub struct CognitoFairing<D> {
    clock: Option<Arc<dyn Clock>>,
    _db: PhantomData<fn() -> D>,
}

impl<D> CognitoFairing<D> {
    /// Checks token times against `clock` instead of the system clock (tests simulate expiry).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
}

#[rocket::async_trait]
impl<D> Fairing for CognitoFairing<D>
where
    D: Database,
    D::Pool: UserStore + Clone,
{
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
        let Some(db) = D::fetch(&rocket) else {
            log::error!(
                "rocket_warrant: the user database `{}` is not ready: attach {}::init() before Cognito::fairing()",
                D::NAME,
                std::any::type_name::<D>()
            );
            return Err(rocket);
        };
        let store: Arc<dyn UserStore> = Arc::new((**db).clone());
        let cognito = match Cognito::build(config, store, self.clock.clone()).await {
            Ok(cognito) => cognito,
            Err(e) => {
                log::error!("rocket_warrant: {e}");
                return Err(rocket);
            }
        };
        // Fetch the keys now so the first request does not wait; a failure is not fatal, the
        // keys are fetched again on first use.
        match cognito.verifier().jwks().refresh().await {
            Ok(n) => log::info!("rocket_warrant: {n} signing key(s) loaded"),
            Err(e) => log::warn!("rocket_warrant: signing keys not loaded at ignite ({e}); retrying on first use"),
        }
        Ok(rocket.manage(cognito))
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // A guard that refused the session cleared the cookies, but Rocket sends only the
        // catcher's cookie changes with an error response: send the removals here.
        if !req.local_cache(RequestAuth::untouched).cleared {
            return;
        }
        let Some(cognito) = req.rocket().state::<Cognito>() else {
            return;
        };
        for removal in cognito.cookies().removals() {
            let prefix = format!("{}=", removal.name());
            if !res.headers().get("Set-Cookie").any(|c| c.starts_with(&prefix)) {
                res.adjoin_header(removal);
            }
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r Cognito {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.rocket().state::<Cognito>() {
            Some(cognito) => Outcome::Success(cognito),
            // Unreachable when the Sentinel ran; a clear status rather than a panic otherwise.
            None => Outcome::Forward(Status::InternalServerError),
        }
    }
}

impl Sentinel for &Cognito {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        missing_fairing(rocket)
    }
}

/// True (and logged) when a route uses the crate but the fairing was not attached.
pub(crate) fn missing_fairing(rocket: &Rocket<Ignite>) -> bool {
    if rocket.state::<Cognito>().is_some() {
        return false;
    }
    log::error!("rocket_warrant: a route uses Cognito authentication but `Cognito::fairing::<Db>()` is not attached");
    true
}
