//! `Cognito`, the managed state, and the index of its calls, each in its capability's module.

mod sessions;

use std::sync::Arc;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::client::CognitoClient;
use crate::config::{Config, ConfigError, SessionMode};
use crate::cookies::{Sealer, TokenCookies};
use crate::limits::Limits;
use crate::revocation::Revocations;
use crate::session::{CookieSessions, ServerSessions, Sessions};
use crate::state::{Parts, Shared};
use crate::store::{AttemptStore, MemoryStore, SessionStore, UserStore};
use crate::tokens::clock::Clock;
use crate::tokens::{Jwks, Verifier};
use crate::users::Users;

/// Cognito authentication for a Rocket application: built at ignite by the fairing
/// ([`Cognito::fairing`], [`Cognito::custom`] or [`Cognito::without_store`]), managed by
/// Rocket, and taken in a route as `&Cognito`.
///
/// Signing in is [`login`](Cognito::login), then [`answer`](Cognito::answer) for any step
/// Cognito puts in between (a new password, an MFA code), each result handed to
/// [`keep`](Cognito::keep), which puts the tokens in the session cookies or the pending
/// challenge in a cookie of its own. [`sign_out`](Cognito::sign_out) ends the session.
///
/// ```no_run
/// # use rocket::{post, form::Form, FromForm, http::CookieJar, response::Redirect};
/// use rocket_warrant::{Cognito, Error};
///
/// #[derive(FromForm)]
/// struct Credentials { username: String, password: String }
///
/// #[post("/login", data = "<form>")]
/// async fn login(cognito: &Cognito, jar: &CookieJar<'_>, form: Form<Credentials>) -> Result<Redirect, Error> {
///     match cognito.keep(jar, cognito.login(&form.username, &form.password).await).await {
///         Ok(_) => Ok(Redirect::to("/")),
///         // A new password or an MFA code first; the challenge is kept for that page.
///         Err(Error::ChallengeRequired(_)) => Ok(Redirect::to("/login/step")),
///         Err(e) => Err(e),
///     }
/// }
/// ```
///
/// A route that takes `&Cognito` (or any of the crate's guards) when the fairing is not
/// attached stops launch with a message saying so.
#[derive(Clone)]
pub struct Cognito {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Shared,
    sessions: Sessions,
}

impl std::fmt::Debug for Cognito {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cognito")
            .field("config", &self.inner.shared.config)
            .field("keeps_users", &self.store().is_some())
            .finish_non_exhaustive()
    }
}

/// What the fairing hands [`Cognito::build`] besides the settings.
pub(crate) struct Build {
    pub(crate) config: Config,
    pub(crate) sealer: Sealer,
    /// The local users' store, and how long a session may remember a row it read.
    pub(crate) users: Option<Arc<dyn UserStore>>,
    pub(crate) row_ttl: std::time::Duration,
    /// Where server-side sessions and revocations are kept.
    pub(crate) sessions: Option<Arc<dyn SessionStore>>,
    /// Where the limits count attempts (memory when none).
    pub(crate) attempts: Option<Arc<dyn AttemptStore>>,
    /// Where the account's events go.
    pub(crate) events: Arc<dyn crate::events::EventListener>,
    /// The clock the tests set (the system clock otherwise).
    pub(crate) clock: Option<Arc<dyn Clock>>,
}

impl Cognito {
    /// Builds everything from validated-here settings: keys, verifier, client, sessions. The
    /// fairing calls it at ignite.
    pub(crate) async fn build(build: Build) -> Result<Cognito, ConfigError> {
        let Build { config, sealer, users, row_ttl, sessions: session_store, attempts, events, clock } = build;
        config.validate()?;
        let refuse_revoked = config.refuse_revoked_tokens.unwrap_or(session_store.is_some());
        let revocations = Revocations::new(refuse_revoked, session_store.clone(), config.revocation_sync);
        let sessions = match (config.session_store, session_store) {
            (SessionMode::Cookies, _) => Sessions::Cookies(CookieSessions::new(config.token_cache_capacity)),
            (SessionMode::Database, Some(store)) => Sessions::Server(Box::new(ServerSessions::new(
                store,
                sealer.clone(),
                config.session_cache_ttl,
                config.session_cache_capacity,
                // Validated at launch to fit an i64.
                config.cookie_max_age.as_secs() as i64,
            ))),
            (SessionMode::Database, None) => {
                return Err(ConfigError::Invalid {
                    key: "session_store",
                    reason: "\"database\" keeps sessions in the users' database, and this fairing has none: \
                             attach Cognito::fairing::<Db>(), or give Cognito::custom(store) one with \
                             .sessions_in(store)"
                        .into(),
                })
            }
        };
        let jwks = match &config.jwks {
            Some(json) => Jwks::from_json(json).map_err(|reason| ConfigError::Invalid { key: "jwks", reason })?,
            None => Jwks::from_url(
                config.jwks_url(),
                config.jwks_timeout,
                config.jwks_refetch_interval,
                config.jwks_refresh_interval,
            ),
        };
        let settle = |verifier: Verifier| {
            let verifier =
                verifier.with_leeway(config.leeway.as_secs()).with_cache_capacity(config.token_cache_capacity);
            match &clock {
                Some(clock) => verifier.with_clock(clock.clone()),
                None => verifier,
            }
        };
        let verifier = settle(
            Verifier::new(config.issuer(), config.app_client_id.clone(), jwks)
                .with_other_clients(&config.app_client_ids),
        );
        // Each other pool with its own keys and clients.
        let other_pools = (config.other_pools.iter())
            .map(|pool| {
                let jwks = Jwks::from_url(
                    config.other_jwks_url(pool),
                    config.jwks_timeout,
                    config.jwks_refetch_interval,
                    config.jwks_refresh_interval,
                );
                let (first, rest) = pool.app_client_ids.split_first().map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
                settle(Verifier::new(pool.issuer_url(), first, jwks).with_other_clients(rest))
            })
            .collect();
        let sdk_config = crate::client::sdk_config(&config).await;
        let client = CognitoClient::new(&config, &sdk_config);
        let users = Users::new(users, config.attr_mapping.clone(), config.create_unknown_users, row_ttl);
        let attempts = attempts.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let limits = Limits::new(config.limits.clone(), attempts, *sealer.attempt_key());
        let cookies = TokenCookies::new(&config, sealer);
        let parts =
            Parts { config, sdk_config, verifier, other_pools, client, users, revocations, cookies, limits, events };
        let shared = Shared::new(parts);
        Ok(Cognito { inner: Arc::new(Inner { shared, sessions }) })
    }

    /// Fetches the signing keys now, whatever the rate limit (the fairing, at ignite): the
    /// count loaded, or why they could not be had (the cached keys stay).
    pub(crate) async fn load_keys(&self) -> Result<usize, String> {
        for other in self.shared().other_pools.iter() {
            // Another pool's keys can be fetched later, on its first token: said, not fatal.
            if let Err(why) = other.jwks().refresh().await {
                log::warn!("rocket_warrant: the signing keys of {} could not be fetched: {why}", other.issuer());
            }
        }
        self.shared().verifier.jwks().refresh().await
    }

    /// What every part borrows.
    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The session layer.
    pub(crate) fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.shared.config
    }

    /// The local user store; `None` for [`Cognito::without_store`].
    pub fn store(&self) -> Option<&dyn UserStore> {
        self.shared().users.store.as_deref()
    }

    /// The AWS SDK client of the user pool, for calls this crate does not wrap
    /// (UpdateUserAttributes, ListUsers, ...); it follows the settings (region, endpoint,
    /// credentials, timeouts, retries).
    pub fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        self.shared().client.sdk()
    }

    /// The AWS SDK configuration the settings describe, to build other AWS clients (API
    /// Gateway, say) that follow the same region, endpoint, credentials and timeouts.
    pub fn sdk_config(&self) -> &aws_config::SdkConfig {
        &self.inner.shared.sdk_config
    }

    /// What the crate counted since launch (the crate's own tests and benches read it).
    #[doc(hidden)]
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn counters(&self) -> Counters {
        let shared = self.shared();
        let (refreshes, refresh_calls) = shared.client.refreshes();
        Counters {
            refreshes,
            refresh_calls,
            srp_proofs: shared.client.srp_proofs(),
            cognito_calls: shared.client.calls(),
            key_fetches: shared.verifier.jwks().fetch_count(),
            cached_kids: shared.verifier.jwks().cached_kids(),
            cached_tokens: shared.verifier.cache().len(),
            remembered_sessions: self.sessions().remembered_sessions(),
            revocations: shared.revocations.len(),
        }
    }
}

/// What the crate counted since launch ([`Cognito::counters`](crate::Cognito::counters)).
///
/// ```
/// # rocket::async_test(async {
/// use rocket_warrant::{testing::TestPool, Cognito};
///
/// let rocket = rocket::custom(TestPool::new().figment()).attach(Cognito::without_store());
/// let rocket = rocket.ignite().await.unwrap();
/// let counters = rocket.state::<Cognito>().unwrap().counters();
/// assert_eq!((counters.refreshes, counters.key_fetches), (0, 0), "inline keys are never fetched");
/// assert_eq!(counters.cached_kids, ["test-key"]);
/// # });
/// ```
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Refreshes Cognito answered with new tokens (concurrent requests of one session share
    /// one; a refresh another instance already made is read from the row, not counted).
    pub refreshes: u64,
    /// Refresh calls made to Cognito, whatever it answered (a refused refresh counts here, not
    /// in `refreshes`).
    pub refresh_calls: u64,
    /// SRP password proofs computed (an unknown user's login computes one too).
    pub srp_proofs: u64,
    /// Calls made to Cognito through the SDK, whatever it answered (the offline test pool's
    /// are not counted).
    pub cognito_calls: u64,
    /// Signing-key fetches attempted.
    pub key_fetches: u64,
    /// The `kid`s of the signing keys now cached.
    pub cached_kids: Vec<String>,
    /// Verified tokens now cached.
    pub cached_tokens: usize,
    /// Server-side sessions this instance remembers now.
    pub remembered_sessions: usize,
    /// Revocations (of a sign-in, or of a user everywhere) this instance refuses now.
    pub revocations: usize,
}

/// `&Cognito` in a route: the managed state. Never fails once launched (the Sentinel stops a
/// launch without the fairing).
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
    log::error!(
        "rocket_warrant: a route uses Cognito authentication but no Cognito fairing is attached: \
         attach Cognito::fairing::<Db>(), Cognito::custom(store) or Cognito::without_store()"
    );
    true
}

/// True (and logged) when a route needs local users but the site keeps none.
pub(crate) fn missing_store(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    if missing_fairing(rocket) {
        return true;
    }
    let keeps_users = rocket.state::<Cognito>().is_some_and(|c| c.store().is_some());
    if !keeps_users {
        log::error!(
            "rocket_warrant: a route uses {guard}, which reads the local user, but the fairing is \
             Cognito::without_store(): take CognitoClaims (or Member) instead, or attach a store \
             with Cognito::fairing::<Db>() or Cognito::custom(store)"
        );
    }
    !keeps_users
}
