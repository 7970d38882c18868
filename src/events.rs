//! What happened to an account, as typed events for a listener the application registers
//! ([`CognitoFairing::events_to`](crate::CognitoFairing::events_to)): sign-ins and refused
//! ones, sign-outs, sessions ended, password and attribute changes, devices and passkeys. An
//! event names the user and, for a sign-in, how and from where; it never holds a token, a
//! password or a code given as such (a refused sign-in's username is what was typed:
//! [`Event::SignInRefused`]).

use crate::proof::Factors;

/// One thing that happened to an account.
///
/// ```
/// use rocket_warrant::events::Event;
///
/// let event = Event::PasswordChanged { username: "ada".into() };
/// assert_eq!((event.username(), event.kind()), ("ada", "password_changed"));
/// assert_eq!(event.to_string(), "The password was changed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A sign-in started a session: how the user proved who they are, and from where.
    SignedIn {
        /// Cognito's canonical username.
        username: String,
        /// The factors proved.
        factors: Factors,
        /// The browser's `User-Agent`, when the sign-in came through a request.
        browser: Option<String>,
        /// The user's address, when it came through a request.
        address: Option<String>,
    },
    /// A sign-in refused: a wrong password (or an unknown username), a wrong code or passkey at
    /// a later step. `username` is then what was typed in the username field, which may be no
    /// one's name or even a password typed in the wrong field: keep such events only for
    /// users the site knows (the example does).
    SignInRefused {
        /// The username typed, or the account's at a later step.
        username: String,
        /// Why, in a few words: `invalid credentials`, `wrong code`.
        reason: &'static str,
        /// The user's address, when the attempt came through a request.
        address: Option<String>,
    },
    /// This browser's session signed out.
    SignedOut {
        /// Cognito's canonical username.
        username: String,
    },
    /// The user signed out everywhere.
    SignedOutEverywhere {
        /// Cognito's canonical username.
        username: String,
    },
    /// The user ended other sessions of theirs (one, or all but this one).
    SessionsEnded {
        /// Cognito's canonical username.
        username: String,
        /// How many.
        count: u64,
    },
    /// The user changed their password.
    PasswordChanged {
        /// Cognito's canonical username.
        username: String,
    },
    /// A forgotten password was reset with its code.
    PasswordReset {
        /// The username the reset named.
        username: String,
    },
    /// Attributes were changed (an email waiting for its code is not changed yet).
    AttributesChanged {
        /// Cognito's canonical username.
        username: String,
        /// The attributes, by Cognito's names.
        attributes: Vec<String>,
    },
    /// An attribute (an email, a phone number) was verified with its code.
    AttributeVerified {
        /// Cognito's canonical username.
        username: String,
        /// The attribute, by Cognito's name.
        attribute: String,
    },
    /// A device was remembered, or no longer remembered, or forgotten.
    DeviceChanged {
        /// Cognito's canonical username.
        username: String,
        /// `remembered`, `not_remembered` or `forgotten`.
        change: &'static str,
    },
    /// A passkey was added.
    PasskeyAdded {
        /// Cognito's canonical username.
        username: String,
    },
    /// A passkey was deleted.
    PasskeyDeleted {
        /// Cognito's canonical username.
        username: String,
    },
}

impl Event {
    /// The user it happened to.
    pub fn username(&self) -> &str {
        match self {
            Event::SignedIn { username, .. }
            | Event::SignInRefused { username, .. }
            | Event::SignedOut { username }
            | Event::SignedOutEverywhere { username }
            | Event::SessionsEnded { username, .. }
            | Event::PasswordChanged { username }
            | Event::PasswordReset { username }
            | Event::AttributesChanged { username, .. }
            | Event::AttributeVerified { username, .. }
            | Event::DeviceChanged { username, .. }
            | Event::PasskeyAdded { username }
            | Event::PasskeyDeleted { username } => username,
        }
    }

    /// Its kind, in snake case (`signed_in`, `password_changed`...), as it serializes.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SignedIn { .. } => "signed_in",
            Event::SignInRefused { .. } => "sign_in_refused",
            Event::SignedOut { .. } => "signed_out",
            Event::SignedOutEverywhere { .. } => "signed_out_everywhere",
            Event::SessionsEnded { .. } => "sessions_ended",
            Event::PasswordChanged { .. } => "password_changed",
            Event::PasswordReset { .. } => "password_reset",
            Event::AttributesChanged { .. } => "attributes_changed",
            Event::AttributeVerified { .. } => "attribute_verified",
            Event::DeviceChanged { .. } => "device_changed",
            Event::PasskeyAdded { .. } => "passkey_added",
            Event::PasskeyDeleted { .. } => "passkey_deleted",
        }
    }
}

/// The event in words, for the user's page.
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let from = |address: &Option<String>| address.as_ref().map(|a| format!(" from {a}")).unwrap_or_default();
        match self {
            Event::SignedIn { factors, address, .. } => {
                let how: Vec<&str> = factors.iter().map(|f| f.name()).collect();
                write!(f, "Signed in with {}{}", how.join(" and "), from(address))
            }
            Event::SignInRefused { reason, address, .. } => {
                write!(f, "A sign-in was refused ({reason}){}", from(address))
            }
            Event::SignedOut { .. } => f.write_str("Signed out"),
            Event::SignedOutEverywhere { .. } => f.write_str("Signed out everywhere"),
            Event::SessionsEnded { count, .. } => write!(f, "Ended {count} other session(s)"),
            Event::PasswordChanged { .. } => f.write_str("The password was changed"),
            Event::PasswordReset { .. } => f.write_str("The password was reset with a mailed code"),
            Event::AttributesChanged { attributes, .. } => write!(f, "Changed {}", attributes.join(", ")),
            Event::AttributeVerified { attribute, .. } => write!(f, "Verified {attribute}"),
            Event::DeviceChanged { change, .. } => write!(f, "A device was {}", change.replace('_', " ")),
            Event::PasskeyAdded { .. } => f.write_str("A passkey was added"),
            Event::PasskeyDeleted { .. } => f.write_str("A passkey was deleted"),
        }
    }
}

/// Where the crate's [`Event`]s go. One method, called once per event on the request that
/// caused it (keep it quick, or hand the event to a task of its own); the default listener
/// drops every event.
///
/// ```
/// use std::sync::Mutex;
/// use rocket_warrant::events::{Event, EventListener};
///
/// /// The last events, in memory.
/// #[derive(Default)]
/// struct Recent(Mutex<Vec<Event>>);
///
/// #[rocket::async_trait]
/// impl EventListener for Recent {
///     async fn event(&self, event: Event) {
///         self.0.lock().unwrap().push(event);
///     }
/// }
///
/// let fairing = rocket_warrant::Cognito::without_store().events_to(Recent::default());
/// ```
#[rocket::async_trait]
pub trait EventListener: Send + Sync + 'static {
    /// Called with each event.
    async fn event(&self, event: Event);
}

/// The listener that drops every event (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ignore;

#[rocket::async_trait]
impl EventListener for Ignore {
    async fn event(&self, _event: Event) {}
}

#[rocket::async_trait]
impl<L: EventListener + ?Sized> EventListener for std::sync::Arc<L> {
    async fn event(&self, event: Event) {
        (**self).event(event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::Factor;

    #[test]
    fn an_event_says_what_happened_and_serializes_by_kind() {
        let factors = Factors::default().with(Factor::Password).with(Factor::SecondFactor);
        let event = Event::SignedIn {
            username: "ada".into(),
            factors,
            browser: Some("Firefox".into()),
            address: Some("203.0.113.9".into()),
        };
        assert_eq!(
            event.to_string(),
            format!("Signed in with {} and {} from 203.0.113.9", Factor::Password.name(), Factor::SecondFactor.name())
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!((json["kind"].as_str(), json["username"].as_str()), (Some("signed_in"), Some("ada")));
        assert_eq!(event.kind(), "signed_in");
    }
}
