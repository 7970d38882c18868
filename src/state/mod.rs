//! The state every part of the crate borrows: the settings, the verifier, the Cognito client,
//! the local users, the revocations, the session cookies and the refreshes in flight. The
//! fairing builds it once; [`Cognito`](crate::Cognito) holds it, and each part (sign-in, the
//! session modes, the guards) takes `&Shared`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::client::{ClientFacts, CognitoClient};
use crate::config::Config;
use crate::cookies::TokenCookies;
use crate::error::Error;
use crate::events::{Event, EventListener};
use crate::limits::Limits;
use crate::revocation::Revocations;

mod refresh;

pub(crate) use self::refresh::{RefreshFlights, Refreshed};
use crate::tokens::{digest, Claims, Now, TokenUse, Tokens, Verifier, VerifyError};
use crate::users::Users;

/// What every part of the crate borrows.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) sdk_config: aws_config::SdkConfig,
    pub(crate) verifier: Verifier,
    /// The verifiers of `other_pools`, whose Bearer tokens are accepted too.
    pub(crate) other_pools: Box<[Verifier]>,
    pub(crate) client: CognitoClient,
    pub(crate) users: Users,
    pub(crate) revocations: Revocations,
    pub(crate) cookies: TokenCookies,
    pub(crate) refreshes: RefreshFlights,
    pub(crate) limits: Limits,
    pub(crate) events: Arc<dyn EventListener>,
    /// The app client's refresh-token validity in seconds, once launch has read it (until then,
    /// and when it cannot, the session's maximum age stands for it).
    refresh_validity: AtomicI64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The parts [`Shared`] is made of (the fairing makes them from the settings).
pub(crate) struct Parts {
    pub(crate) config: Config,
    pub(crate) sdk_config: aws_config::SdkConfig,
    pub(crate) verifier: Verifier,
    pub(crate) other_pools: Box<[Verifier]>,
    pub(crate) client: CognitoClient,
    pub(crate) users: Users,
    pub(crate) revocations: Revocations,
    pub(crate) cookies: TokenCookies,
    pub(crate) limits: Limits,
    pub(crate) events: Arc<dyn EventListener>,
}

impl Shared {
    pub(crate) fn new(parts: Parts) -> Shared {
        let Parts { config, sdk_config, verifier, other_pools, client, users, revocations, cookies, limits, events } =
            parts;
        Shared {
            config,
            sdk_config,
            verifier,
            other_pools,
            client,
            users,
            revocations,
            cookies,
            refreshes: RefreshFlights::default(),
            limits,
            events,
            refresh_validity: AtomicI64::new(i64::MAX),
        }
    }

    /// Verifies `token` as a token of kind `token_use`: every rule of the verifier, then the
    /// revocations.
    /// Only the site's own tokens: the home pool's, of `app_client_id` (and, for access
    /// tokens, `app_client_ids`). Sign-in, sessions and the account calls take no other.
    pub(crate) async fn verify(&self, token: &str, token_use: TokenUse) -> Result<Arc<Claims>, VerifyError> {
        let claims = self.verifier.verify(token, token_use).await?;
        self.revocations.check(&claims)?;
        Ok(claims)
    }

    /// An access token a request or an application hands over: the home pool's, or one of
    /// `other_pools`, each verified by its own pool's verifier, chosen by the token's `iss`
    /// (never the first that accepts it, and never hanging on another pool's keys).
    pub(crate) async fn verify_bearer(&self, token: &str) -> Result<Arc<Claims>, VerifyError> {
        if !self.other_pools.is_empty() {
            let iss = crate::tokens::unverified_claims(token).map(|c| c.iss);
            if let Some(other) = self.other_pools.iter().find(|v| iss.as_deref() == Some(v.issuer())) {
                let claims = other.verify(token, TokenUse::Access).await?;
                self.revocations.check(&claims)?;
                return Ok(claims);
            }
        }
        self.verify(token, TokenUse::Access).await
    }

    /// Whether claims are the home pool's (not one of `other_pools`').
    pub(crate) fn is_home(&self, claims: &Claims) -> bool {
        claims.iss == self.verifier.issuer()
    }

    /// Checks again claims verified before (kept by a session), at the request's `now`.
    pub(crate) fn recheck(&self, claims: &Claims, token_use: TokenUse, now: Now) -> Result<(), VerifyError> {
        self.verifier.recheck(claims, token_use, now)?;
        self.revocations.check(claims)
    }

    /// Verifies an ID and access token pair, and that both belong to the same user.
    pub(crate) async fn verify_pair(&self, tokens: &Tokens) -> Result<(Arc<Claims>, Arc<Claims>), Error> {
        let id = self.verify(&tokens.id_token, TokenUse::Id).await?;
        let access = self.verify(&tokens.access_token, TokenUse::Access).await?;
        if id.sub != access.sub {
            return Err(Error::Token(VerifyError::Mismatched));
        }
        Ok((id, access))
    }

    /// Tells the application's listener of `event`.
    pub(crate) async fn tell(&self, event: Event) {
        self.events.event(event).await;
    }

    /// Counts an attempt that is about to reach Cognito with what a user typed against the
    /// limits: [`Error::Limited`] when one is reached (and then no call may follow).
    pub(crate) async fn limit(
        &self,
        ctx: &crate::context::Ctx,
        attempt: crate::limits::Attempt<'_>,
    ) -> Result<(), Error> {
        self.limits.check(ctx, attempt, self.now()).await
    }

    /// The account of an access token, for its limit: `None` when the token does not verify
    /// (Cognito then refuses it as before; only the address is counted).
    pub(crate) async fn account_of(&self, access_token: &str) -> Option<String> {
        let claims = self.verify(access_token, TokenUse::Access).await.ok()?;
        claims.cognito_username().map(str::to_owned)
    }

    /// The verifier's time (the clock tests may replace), seconds since the epoch.
    pub(crate) fn now(&self) -> i64 {
        self.verifier.now()
    }

    /// Both clocks, read once for a request.
    pub(crate) fn instant(&self) -> Now {
        self.verifier.instant()
    }

    /// The clock skew allowed, seconds.
    pub(crate) fn leeway(&self) -> i64 {
        self.verifier.leeway()
    }

    /// New tokens for a refresh token (GetTokensFromRefreshToken, naming the device it was
    /// issued to in a pool that remembers devices), verified; concurrent calls with the same refresh token make one call, and
    /// whatever is handed out, made now or shared, is checked like any credential.
    pub(crate) async fn refresh(
        &self,
        refresh_token: &str,
        username: &str,
        device_key: Option<&str>,
    ) -> Result<Refreshed, Error> {
        // Signed out here while Cognito could not revoke it: not sent.
        if self.revocations.refuses_token(&digest(refresh_token)) {
            return Err(Error::SessionExpired);
        }
        let refreshed = self
            .refreshes
            .run(refresh_token, async {
                let tokens = self.client.refresh_naming(refresh_token, username, device_key).await?;
                let (_, access_claims) = self.verify_pair(&tokens).await?;
                Ok(Refreshed { tokens, access_claims })
            })
            .await?;
        self.recheck_refreshed(&refreshed)?;
        Ok(refreshed)
    }

    /// What a refresh hands out passes the checks any credential passes at this moment (the
    /// deny-list, withdrawn keys, times), whether it was made for this request or shared.
    pub(crate) fn recheck_refreshed(&self, refreshed: &Refreshed) -> Result<(), Error> {
        Ok(self.recheck(&refreshed.access_claims, TokenUse::Access, self.instant())?)
    }

    /// Takes what launch read of the app client: how long its refresh tokens live.
    pub(crate) fn learn(&self, facts: &ClientFacts) {
        if let Some(validity) = facts.refresh_token_validity {
            self.refresh_validity.store(i64::try_from(validity.as_secs()).unwrap_or(i64::MAX), Ordering::Relaxed);
        }
    }

    /// When a refresh token of a sign-in at `started` dies at the latest: the app client's
    /// refresh-token validity, or the session's maximum age when sooner.
    pub(crate) fn refresh_token_ends(&self, started: i64) -> i64 {
        let validity = self.refresh_validity.load(Ordering::Relaxed);
        started.saturating_add(validity.min(self.max_age()))
    }

    /// `cookie_max_age_secs`, validated at launch to fit an i64.
    pub(crate) fn max_age(&self) -> i64 {
        self.config.cookie_max_age.as_secs() as i64
    }
}
