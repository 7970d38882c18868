//! The limits on attempts in front of Cognito (`limits`): each attempt that would reach
//! Cognito with what a user typed is counted first, per client address, per username tried and
//! per account, and refused past a limit without a call, so that guessing passwords or codes
//! is slow and cannot use up the pool's request quotas for everyone.

use std::net::IpAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{Limit, Limits as Settings};
use crate::context::Ctx;
use crate::error::Error;
use crate::store::AttemptStore;

/// What one attempt is counted against: the request's address (from its context), the
/// username typed, the account once known (the canonical username).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Attempt<'a> {
    pub(crate) username: Option<&'a str>,
    pub(crate) account: Option<&'a str>,
}

impl<'a> Attempt<'a> {
    /// An attempt naming the username a user typed.
    pub(crate) fn username(username: &'a str) -> Attempt<'a> {
        Attempt { username: Some(username), account: None }
    }

    /// An attempt on a known account.
    pub(crate) fn account(account: &'a str) -> Attempt<'a> {
        Attempt { username: None, account: Some(account) }
    }
}

/// The three limits, and where they count.
pub(crate) struct Limits {
    settings: Settings,
    store: Arc<dyn AttemptStore>,
    key: [u8; 32],
    /// When this instance last purged the ended windows (seconds).
    last_purge: std::sync::atomic::AtomicI64,
}

/// Ended windows are purged at most this often per instance (seconds).
const PURGE_EVERY: i64 = 3600;

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Which limit: the first two letters of a key in the store, and the label of its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Address,
    Username,
    Account,
}

impl Kind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Address => "address",
            Kind::Username => "username",
            Kind::Account => "account",
        }
    }
}

impl Limits {
    /// The limits of `settings`, counted in `store` under digests keyed with `key`.
    pub(crate) fn new(settings: Settings, store: Arc<dyn AttemptStore>, key: [u8; 32]) -> Limits {
        Limits { settings, store, key, last_purge: std::sync::atomic::AtomicI64::new(0) }
    }

    /// Counts `attempt` against each limit that applies, address first: `Ok` when every one
    /// allows it, [`Error::Limited`] from the first that does not (the later ones are not
    /// counted, so that an address already refused spends nothing of a username's allowance).
    pub(crate) async fn check(&self, ctx: &Ctx, attempt: Attempt<'_>, now: i64) -> Result<(), Error> {
        self.purge_now_and_then(now);
        let address = ctx.ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()).map(address_subject);
        let subjects = [
            (Kind::Address, self.settings.per_address, address),
            (Kind::Username, self.settings.per_username, attempt.username.map(normal_username)),
            (Kind::Account, self.settings.per_account, attempt.account.map(str::to_owned)),
        ];
        for (kind, limit, subject) in subjects {
            let Some(subject) = subject.filter(|_| limit.is_on()) else { continue };
            self.count(kind, limit, &subject, now).await?;
        }
        Ok(())
    }

    /// Purges the ended windows in the background, at most once per [`PURGE_EVERY`].
    fn purge_now_and_then(&self, now: i64) {
        use std::sync::atomic::Ordering::Relaxed;
        let last = self.last_purge.load(Relaxed);
        if now - last < PURGE_EVERY || self.last_purge.compare_exchange(last, now, Relaxed, Relaxed).is_err() {
            return;
        }
        let store = self.store.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.purge_attempts(now).await {
                    log::warn!("rocket_warrant: purging the limits' ended windows failed ({e})");
                }
            });
        }
    }

    async fn count(&self, kind: Kind, limit: Limit, subject: &str, now: i64) -> Result<(), Error> {
        let window = limit.window.as_secs().max(1) as i64;
        let start = now - now.rem_euclid(window);
        let end = start + window;
        let attempts = self.store.attempt(&self.digest(kind, subject), start, end).await?;
        if attempts <= u64::from(limit.attempts) {
            return Ok(());
        }
        log::warn!(
            "rocket_warrant: an attempt refused by the per-{} limit ({} in {window} s)",
            kind.label(),
            limit.attempts
        );
        crate::metrics::limit_reached(kind.label());
        Err(Error::Limited { retry_after_secs: (end - now).max(1) as u64 })
    }

    /// `<kind>:<hex>` (`ad`, `us`, `ac`): an HMAC of what is limited under the site's key, so that the
    /// store holds no address or username (a username field often holds a mistyped password).
    fn digest(&self, kind: Kind, subject: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(kind.label().as_bytes());
        mac.update(&[0]);
        mac.update(subject.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}:{hex}", &kind.label()[..2])
    }
}

/// The subject of an address: an IPv4 address itself (an IPv4-mapped IPv6 one as IPv4), an
/// IPv6 address's `/64`, which one host or home network is usually given whole.
fn address_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A username as typed, spaces around and case aside (Cognito's usernames are
/// case-insensitive unless the pool says otherwise, and the sign-in trims them).
fn normal_username(username: &str) -> String {
    username.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use std::time::Duration;

    fn limits(attempts: u32) -> Limits {
        let limit = Limit { attempts, window: Duration::from_secs(60) };
        let settings = Settings { per_address: limit, per_username: limit, per_account: limit };
        Limits::new(settings, Arc::new(MemoryStore::new()), [7; 32])
    }

    fn from(ip: &str) -> Ctx {
        Ctx { ip: Some(ip.to_owned()), ..Ctx::default() }
    }

    #[test]
    fn an_ipv6_64_is_one_address_and_a_mapped_ipv4_is_the_ipv4() {
        let a = address_subject("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, address_subject("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap()));
        assert_ne!(a, address_subject("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_subject("::ffff:203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(normal_username("  Ada "), "ada");
    }

    #[rocket::async_test]
    async fn the_attempt_past_a_limit_is_refused_until_its_window_ends() {
        let limits = limits(2);
        let ctx = from("203.0.113.9");
        let ada = Attempt::username("ada");
        assert!(limits.check(&ctx, ada, 120).await.is_ok());
        assert!(limits.check(&ctx, ada, 130).await.is_ok());
        match limits.check(&ctx, ada, 150).await {
            Err(Error::Limited { retry_after_secs }) => assert_eq!(retry_after_secs, 30, "the window ends at 180"),
            other => panic!("{other:?}"),
        }
        assert!(limits.check(&ctx, ada, 180).await.is_ok(), "a new window");
    }

    #[rocket::async_test]
    async fn each_limit_counts_its_own_subject_and_an_address_refused_spends_no_username() {
        let limits = limits(2);
        let here = from("203.0.113.9");
        let there = from("198.51.100.4");
        // Two usernames from one address use up the address.
        assert!(limits.check(&here, Attempt::username("ada"), 0).await.is_ok());
        assert!(limits.check(&here, Attempt::username("bob"), 0).await.is_ok());
        assert!(matches!(limits.check(&here, Attempt::username("cy"), 0).await, Err(Error::Limited { .. })));
        // `cy` was not counted: from elsewhere it has its whole allowance.
        assert!(limits.check(&there, Attempt::username("cy"), 0).await.is_ok());
        assert!(limits.check(&from("192.0.2.1"), Attempt::username("CY "), 0).await.is_ok());
        let refused = limits.check(&from("192.0.2.2"), Attempt::username("cy"), 0).await;
        assert!(matches!(refused, Err(Error::Limited { .. })), "one username from three addresses");
        // An account is counted apart from the usernames.
        assert!(limits.check(&Ctx::default(), Attempt::account("cy"), 0).await.is_ok());
    }

    #[rocket::async_test]
    async fn a_limit_of_zero_is_off() {
        let limits = limits(0);
        for _ in 0..5 {
            assert!(limits.check(&from("203.0.113.9"), Attempt::username("ada"), 0).await.is_ok());
        }
    }

    #[test]
    fn digests_name_no_subject_and_depend_on_the_key() {
        let a = limits(1);
        let digest = a.digest(Kind::Username, "ada");
        assert!(digest.starts_with("us:") && !digest.contains("ada") && digest.len() == 35);
        let b = Limits::new(Settings::default(), Arc::new(MemoryStore::new()), [8; 32]);
        assert_ne!(digest, b.digest(Kind::Username, "ada"));
        assert_ne!(digest, a.digest(Kind::Account, "ada"));
    }
}
