//! Signing in, in one place: the password (any of the three flows), the steps Cognito can put
//! before the tokens (a new password, an MFA code, enrolling an authenticator) and the cookie
//! that keeps a pending one, then the tokens verified and the local user saved, and the result
//! kept by the session. [`Cognito`](crate::Cognito)'s sign-in methods are these.

mod cognito;
mod kept;

use std::sync::Arc;

use rocket::http::CookieJar;

pub(crate) use self::kept::kept;
pub(crate) use crate::challenge::{Answer, Challenge, PendingChallenge, TotpSetup};
use crate::client::Issued;
use crate::config::AuthFlow;
pub(crate) use crate::context::Ctx;
use crate::context::KeptDevice;
use crate::cookies;
use crate::cookies::device::{self, NewDevice};
use crate::error::Error;
use crate::events::Event;
use crate::limits::Attempt;
use crate::proof::{Factor, Factors, Proof};
use crate::session::{Origin, Sessions};
use crate::state::Shared;
use crate::store::{Profile, User};
use crate::tokens::{unverified_claims, Claims, Tokens, VerifyError};

/// Cognito's limits on what a user types, in characters; longer input cannot be valid, so it
/// is refused without a call.
const MAX_USERNAME: usize = 128;
const MAX_PASSWORD: usize = 256;

/// A successful login: the verified tokens, what Cognito says of the user, and the local user.
///
/// Keep it in the session cookies with [`Cognito::keep`](crate::Cognito::keep).
///
/// ```no_run
/// # use rocket::post;
/// use rocket_warrant::{Cognito, Error};
///
/// #[post("/login")]
/// async fn login(cognito: &Cognito) -> Result<String, Error> {
///     let login = cognito.login("alice", "Corr3ct-Horse!").await?;
///     // The local row, when the site keeps users (it does unless `Cognito::without_store`).
///     let id = login.user.as_ref().map(|u| u.id);
///     Ok(format!("{} ({id:?}) is in {:?}", login.profile.username, login.access_claims.groups))
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// The user's attributes after `attr_mapping`, keyed by Cognito's canonical username.
    pub profile: Profile,
    /// The local user, created or updated from the profile; `None` when the site keeps no
    /// users ([`Cognito::without_store`](crate::Cognito::without_store)).
    pub user: Option<User>,
    /// The ID, access and refresh tokens.
    pub tokens: Tokens,
    /// The verified claims of the ID token.
    pub id_claims: Arc<Claims>,
    /// The verified claims of the access token.
    pub access_claims: Arc<Claims>,
    /// The device Cognito began to track with this sign-in, confirmed here.
    pub(crate) device: Option<NewDevice>,
    /// The browser's device, which Cognito no longer knew, was left out.
    pub(crate) device_dropped: bool,
    /// Where a managed-login sign-in goes next (a local path only).
    pub(crate) next: Option<String>,
    /// What the sign-in proved: the password, a second factor, a remembered device...
    pub(crate) proved: Factors,
    /// The `sub` of the signed-in user this sign-in re-authenticates, for a re-authentication.
    pub(crate) reauthenticates: Option<String>,
    /// The browser and address the sign-in came from (none outside a request).
    pub(crate) browser: Option<String>,
    pub(crate) address: Option<String>,
}

impl Login {
    /// Where a sign-in through the hosted pages goes next: the local `next` its start was
    /// given, kept through the round trip ([`safe_next`](crate::next::safe_next) applied).
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// The key of the device Cognito began to track with this sign-in (a pool that remembers
    /// devices), which [`Cognito::keep`](crate::Cognito::keep) keeps in this browser.
    pub fn new_device(&self) -> Option<&str> {
        self.device.as_ref().map(|d| d.device.key.as_str())
    }

    /// How the user proved who they are in this sign-in.
    pub fn factors(&self) -> Factors {
        self.proved
    }

    /// Whether this was a re-authentication of the signed-in user
    /// ([`SignIn::reauthenticate`](crate::SignIn::reauthenticate)): kept, it renews the
    /// session's proof and starts no session.
    pub fn is_reauthentication(&self) -> bool {
        self.reauthenticates.is_some()
    }

    /// Whether the pool remembers the new device only when the user says so (its
    /// `DeviceOnlyRememberedOnUserPrompt`): ask them, then call
    /// [`SignIn::remember_device`](crate::SignIn::remember_device).
    pub fn asks_to_remember_device(&self) -> bool {
        self.device.as_ref().is_some_and(|d| d.asks_to_remember)
    }
}

/// Authenticates with the configured flow; see [`Cognito::login`](crate::Cognito::login).
pub(crate) async fn login(shared: &Shared, username: &str, password: &str, ctx: &Ctx) -> Result<Login, Error> {
    password_sign_in(shared, username, password, ctx, false).await
}

/// A sign-in with a password, counted against the limits on the username typed, or with
/// `account` on the account (a re-authentication's).
async fn password_sign_in(
    shared: &Shared,
    username: &str,
    password: &str,
    ctx: &Ctx,
    account: bool,
) -> Result<Login, Error> {
    let username = username.trim();
    let too_long = |s: &str, max| s.chars().count() > max;
    if username.is_empty()
        || password.is_empty()
        || too_long(username, MAX_USERNAME)
        || too_long(password, MAX_PASSWORD)
    {
        return Err(Error::InvalidCredentials);
    }
    let result = async {
        shared.limit(ctx, if account { Attempt::account(username) } else { Attempt::username(username) }).await?;
        let proved = Factors::default().with(Factor::Password);
        let issued = shared.client.authenticate(username, password, ctx).await.map_err(|e| after(e, proved, None))?;
        finish(shared, issued, Some(username), ctx, proved).await
    }
    .await;
    let method = match shared.config.auth_flow {
        AuthFlow::UserSrp => "srp",
        AuthFlow::UserPassword => "password",
        AuthFlow::AdminUserPassword => "admin",
        AuthFlow::UserAuth => "user_auth_srp",
    };
    crate::metrics::sign_in(method, outcome(&result));
    refused(shared, username, ctx, &result).await;
    result
}

/// Tells the listener of a sign-in step refused for what was typed (a wrong password, code or
/// passkey, a limit); the service's own failures are no event of the account's.
async fn refused<T>(shared: &Shared, username: &str, ctx: &Ctx, result: &Result<T, Error>) {
    let reason = match result {
        Err(Error::InvalidCredentials) => "invalid credentials",
        Err(Error::WrongCode) => "wrong code",
        // A limit's refusals are counted by the limit, not told one by one: a flood of them
        // would be a flood of events.
        _ => return,
    };
    let (username, address) = (username.to_owned(), ctx.ip.clone());
    shared.tell(Event::SignInRefused { username, reason, address }).await;
}

/// A sign-in step's outcome, as its metric's label says it.
pub(crate) fn outcome<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "signed_in",
        Err(Error::ChallengeRequired(_)) => "challenge",
        Err(Error::InvalidCredentials) => "invalid_credentials",
        Err(Error::WrongCode | Error::CodeExpired | Error::PasswordRejected(_) | Error::WrongAnswer { .. }) => {
            "wrong_answer"
        }
        Err(Error::Limited { .. }) => "limited",
        Err(e) if e.status().code >= 500 => "failed",
        Err(_) => "refused",
    }
}

/// Re-authenticates the signed-in user `claims` with their password; see
/// [`SignIn::reauthenticate`](crate::SignIn::reauthenticate).
pub(crate) async fn reauthenticate(
    shared: &Shared,
    claims: &Claims,
    password: &str,
    ctx: &Ctx,
) -> Result<Login, Error> {
    let username = claims.cognito_username().ok_or(Error::MachineClient)?;
    let sub = Some(claims.sub.clone());
    let reauth = |e| match e {
        Error::ChallengeRequired(pending) => {
            let proved = pending.proved();
            Error::ChallengeRequired(pending.after(proved, sub.clone()))
        }
        e => e,
    };
    let mut login = password_sign_in(shared, username, password, ctx, true).await.map_err(reauth)?;
    login.reauthenticates = Some(claims.sub.clone());
    Ok(login)
}

/// Starts re-authenticating the signed-in user `claims` without a password (`user_auth`); see
/// [`SignIn::start_reauthentication`](crate::SignIn::start_reauthentication).
pub(crate) async fn start_reauthentication(shared: &Shared, claims: &Claims, ctx: &Ctx) -> Result<Login, Error> {
    let username = claims.cognito_username().ok_or(Error::MachineClient)?;
    let mut login = start_counted(shared, username, None, ctx, true).await.map_err(|e| match e {
        Error::ChallengeRequired(pending) => {
            let proved = pending.proved();
            Error::ChallengeRequired(pending.after(proved, Some(claims.sub.clone())))
        }
        e => e,
    })?;
    login.reauthenticates = Some(claims.sub.clone());
    Ok(login)
}

/// What a sign-in has proved once `answer` answers `challenge`, `proved` proved before.
fn proved_by(proved: Factors, challenge: &Challenge, answer: &Answer<'_>) -> Factors {
    match (challenge, answer) {
        // A new password stands for the temporary one that was proved first.
        (_, Answer::NewPassword(_) | Answer::Password(_)) => proved.with(Factor::Password),
        (_, Answer::Choose(_)) => proved,
        (_, Answer::Passkey(_)) => proved.with(Factor::Passkey),
        // After the password a code is a second factor; without one, it is the first.
        (Challenge::EmailOtp, Answer::Code(_)) if !proved.contains(Factor::Password) => proved.with(Factor::EmailCode),
        (Challenge::SmsOtp, Answer::Code(_)) if !proved.contains(Factor::Password) => proved.with(Factor::SmsCode),
        (_, Answer::Code(_)) => proved.with(Factor::SecondFactor),
    }
}

/// A sign-in's next step remembers what was proved before it, and whose re-authentication it is.
fn after(e: Error, proved: Factors, reauthenticates: Option<String>) -> Error {
    match e {
        Error::ChallengeRequired(pending) => Error::ChallengeRequired(pending.after(proved, reauthenticates)),
        e => e,
    }
}

/// Starts a sign-in without a password; see [`Cognito::start_sign_in`](crate::Cognito::start_sign_in).
pub(crate) async fn start(shared: &Shared, username: &str, ctx: &Ctx) -> Result<Login, Error> {
    start_counted(shared, username, None, ctx, false).await
}

/// Starts a sign-in with a passkey; see [`SignIn::start_passkey_sign_in`](crate::SignIn::start_passkey_sign_in).
/// A user with no passkey (or none Cognito knows) gets the choice of factors instead of the
/// passkey step (InitiateAuth reference: PREFERRED_CHALLENGE is a preference): refused as a
/// wrong password is, alike for an unknown user.
pub(crate) async fn start_passkey(shared: &Shared, username: &str, ctx: &Ctx) -> Result<Login, Error> {
    match start_counted(shared, username, Some("WEB_AUTHN"), ctx, false).await {
        Err(Error::ChallengeRequired(step)) if *step.challenge() != Challenge::WebAuthn => {
            Err(Error::InvalidCredentials)
        }
        other => other,
    }
}

/// [`start`], counted on the username typed, or with `account` on the account.
async fn start_counted(
    shared: &Shared,
    username: &str,
    preferred: Option<&'static str>,
    ctx: &Ctx,
    account: bool,
) -> Result<Login, Error> {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > MAX_USERNAME {
        return Err(Error::InvalidCredentials);
    }
    let result = async {
        shared.limit(ctx, if account { Attempt::account(username) } else { Attempt::username(username) }).await?;
        let issued = shared.client.start_user_auth(username, preferred, ctx).await?;
        finish(shared, issued, Some(username), ctx, Factors::default()).await
    }
    .await;
    crate::metrics::sign_in(if preferred.is_some() { "passkey" } else { "user_auth" }, outcome(&result));
    result
}

/// Starts a sign-in with a code as the first factor (`factor`: `EMAIL_OTP` or `SMS_OTP`), through
/// the `user_auth` flow; see [`SignIn::start_code_sign_in`](crate::SignIn::start_code_sign_in).
/// Every username gets a code step: a real one, or for a user who cannot get a code (unknown,
/// no verified address) a stand-in that no code answers. The step names no address.
pub(crate) async fn start_with_code(
    shared: &Shared,
    username: &str,
    factor: &str,
    ctx: &Ctx,
) -> Result<PendingChallenge, Error> {
    let stand_in = || PendingChallenge::decoy(Challenge::from_name(factor), username.trim());
    // The service's own trouble and the site's settings are told; nothing about the user is.
    // A limit refuses known and unknown usernames alike, so it is told too.
    let told = |e: &Error| {
        matches!(e, Error::Unavailable(_) | Error::Throttled | Error::Misconfigured(_) | Error::Limited { .. })
    };
    let choice = match start(shared, username, ctx).await {
        Err(Error::ChallengeRequired(choice)) if *choice.challenge() == Challenge::SelectChallenge => choice,
        Err(e) if told(&e) => return Err(e),
        _ => return Ok(stand_in()),
    };
    // The crate's own choice, not the user's answer: not counted, so that a real user's code
    // step and an unknown user's stand-in spend the same allowance.
    match answer_with(shared, &choice, Answer::Choose(factor), ctx, false).await {
        Err(Error::ChallengeRequired(code)) if code.challenge().name() == factor => Ok(code.sent_to(None)),
        Err(e) if told(&e) => Err(e),
        _ => Ok(stand_in()),
    }
}

/// Answers a pending challenge; see [`Cognito::answer`](crate::Cognito::answer).
pub(crate) async fn answer(
    shared: &Shared,
    pending: &PendingChallenge,
    answer: Answer<'_>,
    ctx: &Ctx,
) -> Result<Login, Error> {
    answer_with(shared, pending, answer, ctx, true).await
}

/// [`answer`], counted against the account's limit when `counted` (a user's answer).
async fn answer_with(
    shared: &Shared,
    pending: &PendingChallenge,
    answer: Answer<'_>,
    ctx: &Ctx,
    counted: bool,
) -> Result<Login, Error> {
    let answer = match answer {
        Answer::NewPassword(p) if p.is_empty() || p.chars().count() > MAX_PASSWORD => {
            return Err(Error::PasswordRejected(format!("a password has 1 to {MAX_PASSWORD} characters")));
        }
        Answer::Code(code) => Answer::Code(well_formed_code(code)?),
        Answer::Password(p) if p.is_empty() || p.chars().count() > MAX_PASSWORD => {
            return Err(Error::InvalidCredentials);
        }
        other => other,
    };
    let result = answer_counted(shared, pending, answer, ctx, counted).await;
    crate::metrics::challenge_answer(pending.challenge().label(), outcome(&result));
    refused(shared, pending.username(), ctx, &result).await;
    result
}

async fn answer_counted(
    shared: &Shared,
    pending: &PendingChallenge,
    answer: Answer<'_>,
    ctx: &Ctx,
    counted: bool,
) -> Result<Login, Error> {
    // A stand-in's username is the one typed, a real step's the account's: counted alike.
    if counted {
        shared.limit(ctx, Attempt::account(pending.username())).await?;
    }
    if pending.is_decoy() {
        // As much work as a real answer (Cognito refuses the stand-in's session), and the
        // answer a wrong code gets.
        let _ = shared.client.answer(pending, answer, ctx).await;
        return Err(Error::WrongCode);
    }
    let proved = proved_by(pending.proved(), pending.challenge(), &answer);
    let reauthenticates = pending.reauthenticates().map(str::to_owned);
    let issued =
        (shared.client.answer(pending, answer, ctx).await).map_err(|e| after(e, proved, reauthenticates.clone()))?;
    let mut login = finish(shared, issued, None, ctx, proved).await?;
    login.reauthenticates = reauthenticates;
    Ok(login)
}

/// Starts an authenticator enrolment; see [`Cognito::setup_totp`](crate::Cognito::setup_totp).
pub(crate) async fn setup_totp(shared: &Shared, pending: &PendingChallenge) -> Result<TotpSetup, Error> {
    shared.client.associate_totp(pending).await
}

/// The last step of every sign-in: the tokens verified, the attributes read, the local user
/// saved, and a new device confirmed. `typed` is the name the user signed in with, when known.
pub(crate) async fn finish(
    shared: &Shared,
    issued: Issued,
    typed: Option<&str>,
    ctx: &Ctx,
    proved: Factors,
) -> Result<Login, Error> {
    let Issued { tokens, new_device, device_dropped, device_proved } = issued;
    let proved = if device_proved { proved.with(Factor::RememberedDevice) } else { proved };
    let (id_claims, access_claims) = match shared.verify_pair(&tokens).await {
        Ok(pair) => pair,
        // Cognito issued these tokens for this sign-in, after the user's sign-out everywhere;
        // only its cut-off, covering the leeway, refuses them: say when to sign in again.
        Err(Error::Token(VerifyError::Revoked)) => {
            let wait = unverified_claims(&tokens.access_token).and_then(|c| shared.revocations.wait_after_sign_out(&c));
            return Err(wait.map_or(Error::Token(VerifyError::Revoked), |retry_after_secs| {
                Error::SignedOutEverywhereMomentsAgo { retry_after_secs }
            }));
        }
        Err(e) => return Err(e),
    };
    let (profile, user) =
        shared.users.sync(&shared.client, &tokens.access_token, shared.users.creates_unknown()).await?;
    let device = match new_device {
        Some((key, group_key)) => {
            let name = ctx.device_name.clone();
            match shared.client.confirm_device(&tokens.access_token, &key, &group_key, name).await {
                Ok((password, asks_to_remember)) => {
                    let aliases = [typed, id_claims.email.as_deref(), claim(&id_claims, "phone_number")]
                        .into_iter()
                        .chain([claim(&id_claims, "preferred_username")])
                        .flatten()
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty())
                        .collect();
                    let username = profile.username.clone();
                    let device = KeptDevice { username, aliases, key, group_key, password };
                    Some(NewDevice { device, asks_to_remember })
                }
                // The sign-in stands; the next one gets a device again.
                Err(e) => {
                    log::warn!("rocket_warrant: the new device could not be confirmed at Cognito: {e}");
                    None
                }
            }
        }
        None => None,
    };
    Ok(Login {
        profile,
        user,
        tokens,
        id_claims,
        access_claims,
        device,
        device_dropped,
        next: None,
        proved,
        reauthenticates: None,
        browser: ctx.device_name.clone(),
        address: ctx.ip.clone(),
    })
}

/// A string claim of the ID token outside the named ones.
fn claim<'a>(claims: &'a Claims, name: &str) -> Option<&'a str> {
    claims.extra.get(name).and_then(|v| v.as_str())
}

/// Keeps what a sign-in step returned; see [`Cognito::keep`](crate::Cognito::keep).
pub(crate) async fn keep<T: Step>(
    shared: &Shared,
    sessions: &Sessions,
    jar: &CookieJar<'_>,
    result: Result<T, Error>,
) -> Result<T, Error> {
    match &result {
        Ok(step) => {
            if let Some(login) = step.login() {
                let proof = Proof::new(shared.now(), login.proved);
                match &login.reauthenticates {
                    Some(sub) => reauthenticated(shared, jar, login, sub, proof).await?,
                    None => {
                        let origin = Origin {
                            factors: login.proved,
                            browser: login.browser.clone(),
                            address: login.address.clone(),
                        };
                        sessions.keep(shared, jar, &login.profile.username, &login.tokens, &origin).await?;
                        let Origin { factors, browser, address } = origin;
                        let username = login.profile.username.clone();
                        shared.tell(Event::SignedIn { username, factors, browser, address }).await;
                        cookies::keep_proof(&shared.cookies, jar, &login.access_claims.sub, proof);
                        // A new session, a new CSRF secret: a token planted before is worth nothing.
                        cookies::csrf::rotate(&shared.cookies, jar);
                    }
                }
                kept::forget(&shared.cookies, jar);
                match &login.device {
                    Some(new) => device::keep(&shared.cookies, jar, &new.device),
                    None if login.device_dropped => device::forget(&shared.cookies, jar),
                    None => {}
                }
            }
            if let Some(pending) = step.challenge() {
                kept::keep(&shared.cookies, jar, pending, shared.now());
            }
        }
        Err(Error::ChallengeRequired(pending)) => kept::keep(&shared.cookies, jar, pending, shared.now()),
        // The same challenge may be answered again; and a refused managed-login callback is no
        // answer to it at all.
        Err(
            Error::WrongCode
            | Error::PasswordRejected(_)
            | Error::WrongAnswer { .. }
            | Error::Throttled
            | Error::Unavailable(_)
            | Error::HostedLogin(_),
        ) => {}
        Err(_) => kept::forget(&shared.cookies, jar),
    }
    result
}

/// A re-authentication's end: the signed-in user proved who they are again. The session's
/// proof is renewed; its tokens stay, and the new ones are revoked at once (no second session
/// is left behind at Cognito).
async fn reauthenticated(
    shared: &Shared,
    jar: &CookieJar<'_>,
    login: &Login,
    sub: &str,
    proof: Proof,
) -> Result<(), Error> {
    let refresh = &login.tokens.refresh_token;
    let revoked = shared.client.revoke(refresh).await;
    if let Err(e) = &revoked {
        log::warn!("rocket_warrant: the tokens of a re-authentication could not be revoked at Cognito ({e})");
        shared.revocations.token(refresh, shared.now(), shared.refresh_token_ends(shared.now())).await;
    }
    // Cognito signed in the user of that name; a proof of another user vouches for nobody here.
    if login.access_claims.sub != sub {
        return Err(Error::InvalidCredentials);
    }
    cookies::keep_proof(&shared.cookies, jar, sub, proof);
    Ok(())
}

/// What [`Cognito::keep`](crate::Cognito::keep) keeps: a [`Login`] (its tokens, in the session
/// cookies), a [`TotpSetup`] (its moved-on challenge), or a [`PendingChallenge`] (a code sign-in's
/// step, [`SignIn::start_code_sign_in`](crate::SignIn::start_code_sign_in)). Sealed: the crate's
/// sign-in results only.
///
/// ```
/// use rocket_warrant::Step;
/// use rocket_warrant::sign_in::{Login, TotpSetup};
///
/// fn keepable<T: Step>() {}
/// keepable::<Login>();
/// keepable::<TotpSetup>();
/// keepable::<rocket_warrant::PendingChallenge>();
/// ```
pub trait Step: sealed::Sealed {}

impl Step for Login {}
impl Step for TotpSetup {}
impl Step for PendingChallenge {}

mod sealed {
    use super::{Login, PendingChallenge, TotpSetup};

    impl Sealed for PendingChallenge {
        fn challenge(&self) -> Option<&PendingChallenge> {
            Some(self)
        }
    }

    pub trait Sealed {
        fn login(&self) -> Option<&Login> {
            None
        }
        fn challenge(&self) -> Option<&PendingChallenge> {
            None
        }
    }

    impl Sealed for Login {
        fn login(&self) -> Option<&Login> {
            Some(self)
        }
    }

    impl Sealed for TotpSetup {
        fn challenge(&self) -> Option<&PendingChallenge> {
            Some(self.pending())
        }
    }
}

/// A code as typed, trimmed, if it can be one: Cognito's codes are 6 digits (SMS codes up to
/// 8); anything else cannot match, so it is refused without a call.
fn well_formed_code(code: &str) -> Result<&str, Error> {
    let code = code.trim();
    let digits = code.bytes().all(|b| b.is_ascii_digit());
    if (6..=8).contains(&code.len()) && digits {
        Ok(code)
    } else {
        Err(Error::WrongCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_to_eight_digits() {
        assert_eq!(well_formed_code(" 123456 ").unwrap(), "123456");
        assert_eq!(well_formed_code("12345678").unwrap(), "12345678");
        for bad in ["12345", "123456789", "12345a", "", "１２３４５６"] {
            assert!(matches!(well_formed_code(bad), Err(Error::WrongCode)), "{bad}");
        }
    }
}
