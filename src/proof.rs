//! When and how a user proved who they are: the factors of a sign-in, and the proof a session
//! keeps of its last one (plain data; the session keeps it in a cookie, `cookies/proof.rs`).

use std::fmt;

/// A way a user proves who they are.
///
/// ```
/// use rocket_warrant::sign_in::Factor;
/// assert_eq!(Factor::SecondFactor.name(), "second factor");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Factor {
    /// The password (any flow: SRP, password, admin, or chosen in `user_auth`).
    Password,
    /// A second factor after the password: an authenticator code, a texted or mailed code.
    SecondFactor,
    /// A device Cognito remembers, proved in place of the second factor.
    RememberedDevice,
    /// A code mailed as the first factor, with no password (`user_auth`).
    EmailCode,
    /// A code texted as the first factor, with no password (`user_auth`).
    SmsCode,
    /// A passkey.
    Passkey,
    /// Cognito's hosted pages (managed login, its identity providers included): what they
    /// asked for is theirs to know.
    Hosted,
}

const ALL: [Factor; 7] = [
    Factor::Password,
    Factor::SecondFactor,
    Factor::RememberedDevice,
    Factor::EmailCode,
    Factor::SmsCode,
    Factor::Passkey,
    Factor::Hosted,
];

impl Factor {
    /// The factor in words, for a page.
    pub fn name(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::SecondFactor => "second factor",
            Factor::RememberedDevice => "remembered device",
            Factor::EmailCode => "code by email",
            Factor::SmsCode => "code by text message",
            Factor::Passkey => "passkey",
            Factor::Hosted => "hosted sign-in",
        }
    }

    fn bit(self) -> u8 {
        1 << ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

/// The factors a sign-in proved.
///
/// ```
/// use rocket_warrant::sign_in::{Factor, Factors};
///
/// let factors = Factors::default().with(Factor::Password).with(Factor::SecondFactor);
/// assert!(factors.contains(Factor::SecondFactor) && !factors.contains(Factor::Passkey));
/// assert_eq!(factors.iter().collect::<Vec<_>>(), [Factor::Password, Factor::SecondFactor]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Factors(pub(crate) u8);

impl Factors {
    /// These factors and `factor`.
    #[must_use]
    pub fn with(self, factor: Factor) -> Factors {
        Factors(self.0 | factor.bit())
    }

    /// Whether `factor` is among them.
    pub fn contains(self, factor: Factor) -> bool {
        self.0 & factor.bit() != 0
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The bits a store keeps.
    pub(crate) fn bits(self) -> u8 {
        self.0
    }

    /// Factors from a store's bits; bits of no factor this version knows are dropped.
    pub(crate) fn from_bits(bits: i64) -> Factors {
        let known = ALL.iter().fold(0u8, |all, f| all | f.bit());
        Factors(u8::try_from(bits & 0xff).unwrap_or(0) & known)
    }

    /// Each factor, in the order of [`Factor`].
    pub fn iter(self) -> impl Iterator<Item = Factor> {
        ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl fmt::Debug for Factors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// When and how the session's user last proved who they are: their sign-in, or a later
/// re-authentication ([`SignIn::reauthenticate`](crate::SignIn::reauthenticate)).
///
/// ```
/// use rocket_warrant::sign_in::{Factor, Factors, Proof};
///
/// let proof = Proof::new(1_700_000_000, Factors::default().with(Factor::Password));
/// assert_eq!(proof.age(1_700_000_060), 60);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Proof {
    /// When, in seconds since the epoch.
    pub at: i64,
    /// With what.
    pub factors: Factors,
}

impl Proof {
    /// A proof made at `at` with `factors`.
    pub fn new(at: i64, factors: Factors) -> Proof {
        Proof { at, factors }
    }

    /// Its age at `now` (0 for one from the future, a clock's skew).
    pub fn age(&self, now: i64) -> i64 {
        now.saturating_sub(self.at).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_are_a_set() {
        let none = Factors::default();
        assert!(none.is_empty() && none.iter().next().is_none());
        let both = none.with(Factor::Hosted).with(Factor::Password).with(Factor::Password);
        assert_eq!(both.iter().collect::<Vec<_>>(), [Factor::Password, Factor::Hosted]);
        assert_eq!(format!("{both:?}"), "{Password, Hosted}");
        for factor in ALL {
            assert!(none.with(factor).contains(factor));
            assert_eq!(none.with(factor).iter().count(), 1, "{factor:?} has a bit of its own");
        }
    }
}
