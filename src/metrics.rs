//! The crate's metrics, through the `metrics` facade: each name written once, with its labels.
//! The application installs the exporter (Prometheus, StatsD, ...); without one every call here
//! is a no-op. No label ever holds a username, a token or an address: each is one of a few
//! fixed words, or the name of a Cognito operation or error type.

use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};

/// Sign-ins by `method` and `outcome`.
pub(crate) const SIGN_INS: &str = "rocket_warrant_sign_ins_total";
/// Answers to a sign-in's steps by `challenge` and `outcome`.
pub(crate) const CHALLENGE_ANSWERS: &str = "rocket_warrant_challenge_answers_total";
/// Refreshes by `outcome`: `answered`, `refused`, `failed`.
pub(crate) const REFRESHES: &str = "rocket_warrant_refreshes_total";
/// Revocations by `kind`: `sign_in`, `everywhere`, `token`.
pub(crate) const REVOCATIONS: &str = "rocket_warrant_revocations_total";
/// Signing-key fetches by `outcome`: `ok`, `failed`.
pub(crate) const KEY_FETCHES: &str = "rocket_warrant_key_fetches_total";
/// Guard outcomes by `guard` and `outcome`: `accepted`, `refused`, `unavailable`.
pub(crate) const GUARDS: &str = "rocket_warrant_guard_outcomes_total";
/// Cognito calls by `operation` and `outcome` (`ok`, or Cognito's error type).
pub(crate) const COGNITO_CALLS: &str = "rocket_warrant_cognito_calls_total";
/// Cognito calls' latency by `operation`, in seconds.
pub(crate) const COGNITO_SECONDS: &str = "rocket_warrant_cognito_call_seconds";
/// Attempts refused by a limit, by `limit`: `address`, `username`, `account`.
pub(crate) const LIMITS: &str = "rocket_warrant_limits_reached_total";
/// Cache lookups by `cache` (`tokens`) and `outcome` (`hit`, `miss`).
pub(crate) const CACHE: &str = "rocket_warrant_cache_lookups_total";
/// Server-side sessions written by `event`: `stored` (a sign-in), `ended`.
pub(crate) const SESSIONS: &str = "rocket_warrant_sessions_total";
/// Signing keys held, by the launch's fetch and each later one.
pub(crate) const KEYS_HELD: &str = "rocket_warrant_signing_keys";

/// Describes every metric to the installed recorder (its help text and unit), once at launch.
pub(crate) fn describe() {
    describe_counter!(SIGN_INS, "Sign-ins, by method and outcome");
    describe_counter!(CHALLENGE_ANSWERS, "Answers to a sign-in's steps, by challenge and outcome");
    describe_counter!(REFRESHES, "Token refreshes: answered, refused by Cognito, failed");
    describe_counter!(REVOCATIONS, "Revocations: of one sign-in, of a user everywhere");
    describe_counter!(KEY_FETCHES, "Fetches of the pool's signing keys, by outcome");
    describe_counter!(GUARDS, "Request guards' outcomes: accepted, refused, unavailable");
    describe_counter!(COGNITO_CALLS, "Calls to Cognito, by operation and outcome (ok or the error type)");
    describe_histogram!(COGNITO_SECONDS, Unit::Seconds, "Latency of the calls to Cognito, by operation");
    describe_counter!(LIMITS, "Attempts refused by a limit in front of Cognito, by limit");
    describe_counter!(CACHE, "Lookups in the verified-token and session caches, by outcome");
    describe_counter!(SESSIONS, "Server-side sessions stored and ended");
    describe_gauge!(KEYS_HELD, "Signing keys of the pool held now");
}

pub(crate) fn sign_in(method: &'static str, outcome: &'static str) {
    counter!(SIGN_INS, "method" => method, "outcome" => outcome).increment(1);
}

pub(crate) fn challenge_answer(challenge: &'static str, outcome: &'static str) {
    counter!(CHALLENGE_ANSWERS, "challenge" => challenge, "outcome" => outcome).increment(1);
}

pub(crate) fn refresh(outcome: &'static str) {
    counter!(REFRESHES, "outcome" => outcome).increment(1);
}

pub(crate) fn revocation(kind: &'static str) {
    counter!(REVOCATIONS, "kind" => kind).increment(1);
}

pub(crate) fn key_fetch(ok: bool, held: usize) {
    counter!(KEY_FETCHES, "outcome" => if ok { "ok" } else { "failed" }).increment(1);
    if ok {
        gauge!(KEYS_HELD).set(held as f64);
    }
}

pub(crate) fn guard(guard: &'static str, outcome: &'static str) {
    counter!(GUARDS, "guard" => guard, "outcome" => outcome).increment(1);
}

/// One Cognito call: `outcome` is `ok` or Cognito's error type, kept to the characters an
/// error type has and 64 of them (a label must stay one of few values).
pub(crate) fn cognito_call(operation: String, outcome: &str, took: Duration) {
    let outcome: String = outcome.chars().filter(char::is_ascii_alphanumeric).take(64).collect();
    counter!(COGNITO_CALLS, "operation" => operation.clone(), "outcome" => outcome).increment(1);
    histogram!(COGNITO_SECONDS, "operation" => operation).record(took.as_secs_f64());
}

pub(crate) fn limit_reached(limit: &'static str) {
    counter!(LIMITS, "limit" => limit).increment(1);
}

pub(crate) fn cache_lookup(cache: &'static str, hit: bool) {
    counter!(CACHE, "cache" => cache, "outcome" => if hit { "hit" } else { "miss" }).increment(1);
}

pub(crate) fn sessions(event: &'static str, n: u64) {
    counter!(SESSIONS, "event" => event).increment(n);
}
