//! Sign-in: the three login flows (SRP included), USER_AUTH's start, challenge answers,
//! TOTP association, and a remembered device's proof.

use std::collections::HashMap;
use tracing::Instrument;

use aws_sdk_cognitoidentityprovider as cip;
use cip::types::{AuthFlowType, ChallengeNameType};

use super::connection::{blocking, CognitoClient};
use super::errors::{challenge_error, device_unknown, initiate_error, srp_error};
use super::reply::{issued, Issued, Mapping, Reply};
use super::srp::{self, SrpClient};
use crate::challenge::{Answer, Challenge, PendingChallenge, TotpSetup};
use crate::config::AuthFlow;
use crate::context::Ctx;
use crate::context::KeptDevice;
use crate::error::{Error, ServiceError};

impl CognitoClient {
    /// Authenticates with the configured flow and returns the (not yet verified) tokens. A
    /// device this browser remembers is named, and proved when Cognito asks; one Cognito no
    /// longer knows (forgotten elsewhere) is dropped and the sign-in made again without it, as
    /// Amplify does ("Device does not exist.": amazon-cognito-identity-js#200, amplify-flutter#2621).
    pub(crate) async fn authenticate(&self, username: &str, password: &str, ctx: &Ctx) -> Result<Issued, Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return Err(offline.sign_in());
        }
        match self.authenticate_once(username, password, ctx).await {
            Err(e) if ctx.device_for(username).is_some() && device_unknown(&e) => {
                let without = Ctx { device: None, ..ctx.clone() };
                let mut issued = self.authenticate_once(username, password, &without).await?;
                issued.device_dropped = true;
                Ok(issued)
            }
            other => other,
        }
    }

    async fn authenticate_once(&self, username: &str, password: &str, ctx: &Ctx) -> Result<Issued, Error> {
        let mut parameters = self.password_parameters(username, password);
        if let Some(device) = ctx.device_for(username) {
            parameters.insert("DEVICE_KEY".to_owned(), device.key.clone());
        }
        let reply = match self.flow {
            AuthFlow::UserSrp | AuthFlow::UserAuth => return self.authenticate_srp(username, password, ctx).await,
            AuthFlow::UserPassword => (self.client.initiate_auth())
                .client_id(&self.client_id)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .set_auth_parameters(Some(parameters))
                .set_user_context_data(ctx.user_context())
                .set_client_metadata(ctx.metadata())
                .send()
                .instrument(super::observe::span("InitiateAuth"))
                .await
                .map(Reply::from)
                .map_err(initiate_error)?,
            AuthFlow::AdminUserPassword => (self.client.admin_initiate_auth())
                .user_pool_id(&self.pool_id)
                .client_id(&self.client_id)
                .auth_flow(AuthFlowType::AdminUserPasswordAuth)
                .set_auth_parameters(Some(parameters))
                .set_context_data(ctx.admin_context())
                .set_client_metadata(ctx.metadata())
                .send()
                .instrument(super::observe::span("AdminInitiateAuth"))
                .await
                .map(Reply::from)
                .map_err(initiate_error)?,
        };
        self.signed_in(reply, username, ctx).await
    }

    /// Starts a USER_AUTH sign-in without a password: Cognito answers with the first factors the
    /// user may choose (SELECT_CHALLENGE), or a code challenge at once.
    /// `preferred` names the first factor to start at once (`PREFERRED_CHALLENGE`: `WEB_AUTHN`
    /// for a passkey); without it Cognito answers with the choice of factors.
    pub(crate) async fn start_user_auth(
        &self,
        username: &str,
        preferred: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Issued, Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return Err(offline.sign_in());
        }
        if self.flow != AuthFlow::UserAuth {
            let message = "a sign-in without a password needs the USER_AUTH flow";
            return Err(Error::Misconfigured(ServiceError::new(message).about("auth_flow")));
        }
        let mut req = (self.client.initiate_auth())
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", username)
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata());
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(factor) = preferred {
            req = req.auth_parameters("PREFERRED_CHALLENGE", factor);
        }
        let reply = req
            .send()
            .instrument(super::observe::span("InitiateAuth"))
            .await
            .map(Reply::from)
            .map_err(initiate_error)?;
        self.signed_in(reply, username, ctx).await
    }

    /// What both password flows send: the username, the password, and the SECRET_HASH when the
    /// client has a secret.
    fn password_parameters(&self, username: &str, password: &str) -> HashMap<String, String> {
        let mut parameters =
            HashMap::from([("USERNAME".to_owned(), username.to_owned()), ("PASSWORD".to_owned(), password.to_owned())]);
        if let Some(hash) = self.secret_hash(username) {
            parameters.insert("SECRET_HASH".to_owned(), hash);
        }
        parameters
    }

    /// `InvalidCredentials`, after the arithmetic of a proof all the same, so that a refusal
    /// before the proof costs this server what a wrong password's does.
    async fn refuse_after_decoy_proof(&self, srp: SrpClient, username: &str, password: &str) -> Result<Issued, Error> {
        let (user, pass) = (username.to_owned(), password.to_owned());
        let decoy = srp.public_a();
        let proof =
            blocking(move || srp.claim(&user, &pass, DECOY_SALT, &decoy, DECOY_SECRET_BLOCK, &srp::timestamp()))
                .await?;
        // Counted once computed, so a test of equal work sees the arithmetic done.
        if proof.is_ok() {
            self.proofs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Err(Error::InvalidCredentials)
    }

    async fn authenticate_srp(&self, username: &str, password: &str, ctx: &Ctx) -> Result<Issued, Error> {
        let pool_id = self.pool_id.clone();
        // 3072-bit modular arithmetic: milliseconds of CPU, kept off the async workers.
        let srp = blocking(move || SrpClient::new(&pool_id)).await?.map_err(srp_error)?;
        let device = ctx.device_for(username);
        let mut req = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("SRP_A", srp.public_a())
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata());
        // USER_AUTH with the password proved by SRP, as USER_SRP_AUTH does.
        req = match self.flow {
            AuthFlow::UserAuth => {
                req.auth_flow(AuthFlowType::UserAuth).auth_parameters("PREFERRED_CHALLENGE", "PASSWORD_SRP")
            }
            _ => req.auth_flow(AuthFlowType::UserSrpAuth),
        };
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(device) = device {
            req = req.auth_parameters("DEVICE_KEY", &device.key);
        }
        let reply = match req.send().instrument(super::observe::span("InitiateAuth")).await.map_err(initiate_error) {
            Ok(out) => Reply::from(out),
            // An unknown user is refused here, a wrong password only after the proof.
            Err(Error::InvalidCredentials) => return self.refuse_after_decoy_proof(srp, username, password).await,
            Err(e) => return Err(e),
        };
        if reply.challenge.as_ref() != Some(&ChallengeNameType::PasswordVerifier) {
            // USER_AUTH asked for PASSWORD_SRP and got the choice of factor instead: the user has
            // no password factor here, or is unknown (Cognito's stand-in): a wrong password, as
            // the password flows have it, and the proof's work done all the same.
            if self.flow == AuthFlow::UserAuth && reply.challenge.as_ref() == Some(&ChallengeNameType::SelectChallenge)
            {
                return self.refuse_after_decoy_proof(srp, username, password).await;
            }
            return self.signed_in(reply, username, ctx).await;
        }
        let user_id = reply.param("USER_ID_FOR_SRP").to_owned();
        // The SECRET_HASH and USERNAME of the answer are Cognito's internal username, not what
        // the user typed (an email alias, say): the bug most Cognito SDKs shipped.
        let challenge_user = reply.parameters.get("USERNAME").cloned().unwrap_or_else(|| user_id.clone());
        let secret_block = reply.param("SECRET_BLOCK").to_owned();
        let (salt, srp_b) = (reply.param("SALT").to_owned(), reply.param("SRP_B").to_owned());
        let (uid, pass, block) = (user_id.clone(), password.to_owned(), secret_block.clone());
        let claim = blocking(move || srp.claim(&uid, &pass, &salt, &srp_b, &block, &srp::timestamp()))
            .await?
            .map_err(srp_error)?;
        self.proofs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut responses = self.responses(&challenge_user, device);
        responses.insert("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), secret_block);
        responses.insert("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature);
        responses.insert("TIMESTAMP".to_owned(), claim.timestamp);
        let session = reply.session.unwrap_or_default();
        let reply =
            self.send_answer(ChallengeNameType::PasswordVerifier, &session, responses, ctx, Mapping::Login).await?;
        self.signed_in(reply, &challenge_user, ctx).await
    }

    /// An answer's USERNAME, SECRET_HASH and DEVICE_KEY.
    fn responses(&self, username: &str, device: Option<&KeptDevice>) -> HashMap<String, String> {
        let mut responses = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        if let Some(hash) = self.secret_hash(username) {
            responses.insert("SECRET_HASH".to_owned(), hash);
        }
        if let Some(device) = device {
            responses.insert("DEVICE_KEY".to_owned(), device.key.clone());
        }
        responses
    }

    /// Answers a pending challenge and returns the (not yet verified) tokens, or the next
    /// challenge. An answer of the wrong kind is refused here, not left to Cognito: an emulator
    /// that let a new password answer an MFA challenge would let it skip the second factor.
    pub(crate) async fn answer(
        &self,
        pending: &PendingChallenge,
        answer: Answer<'_>,
        ctx: &Ctx,
    ) -> Result<Issued, Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return Err(offline.sign_in());
        }
        match (pending.challenge(), answer) {
            (Challenge::NewPasswordRequired, Answer::NewPassword(password)) => {
                self.respond(pending, ChallengeNameType::NewPasswordRequired, &[("NEW_PASSWORD", password)], ctx).await
            }
            (Challenge::SmsMfa, Answer::Code(code)) => {
                self.respond(pending, ChallengeNameType::SmsMfa, &[("SMS_MFA_CODE", code)], ctx).await
            }
            (Challenge::SoftwareTokenMfa, Answer::Code(code)) => {
                let answer = [("SOFTWARE_TOKEN_MFA_CODE", code)];
                self.respond(pending, ChallengeNameType::SoftwareTokenMfa, &answer, ctx).await
            }
            (Challenge::EmailOtp, Answer::Code(code)) => {
                self.respond(pending, ChallengeNameType::EmailOtp, &[("EMAIL_OTP_CODE", code)], ctx).await
            }
            // Only a factor the challenge offered: anything else is the application's mistake.
            (Challenge::SelectMfaType, Answer::Choose(factor)) if pending.offers(factor) => {
                self.respond(pending, ChallengeNameType::SelectMfaType, &[("ANSWER", factor)], ctx).await
            }
            // USER_AUTH's first factor: a code by email or text, a passkey, or the password.
            (Challenge::SelectChallenge, Answer::Choose(factor @ ("EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN")))
                if pending.offers(factor) =>
            {
                self.respond(pending, ChallengeNameType::SelectChallenge, &[("ANSWER", factor)], ctx).await
            }
            (Challenge::SelectChallenge, Answer::Password(password)) if pending.offers("PASSWORD") => {
                let answer = [("ANSWER", "PASSWORD"), ("PASSWORD", password)];
                let name = ChallengeNameType::SelectChallenge;
                self.respond_as(pending, name, &answer, ctx, Mapping::Password).await
            }
            (Challenge::SmsOtp, Answer::Code(code)) => {
                self.respond(pending, ChallengeNameType::SmsOtp, &[("SMS_OTP_CODE", code)], ctx).await
            }
            // A passkey's assertion; Cognito refuses a wrong one as a wrong password.
            (Challenge::WebAuthn, Answer::Passkey(credential)) => {
                let name = ChallengeNameType::WebAuthn;
                self.respond_as(pending, name, &[("CREDENTIAL", credential)], ctx, Mapping::Password).await
            }
            // The authenticator's first code proves the enrolment (VerifySoftwareToken on the
            // challenge's session), then the challenge is answered with the moved-on session.
            (Challenge::MfaSetup, Answer::Code(code)) if pending.is_enrolling() => {
                let out = self
                    .client
                    .verify_software_token()
                    .session(pending.session())
                    .user_code(code)
                    .send()
                    .instrument(super::observe::span("VerifySoftwareToken"))
                    .await
                    .map_err(challenge_error)?;
                let session = out.session().unwrap_or(pending.session()).to_owned();
                let verified = PendingChallenge::new(Challenge::MfaSetup, pending.username().to_owned(), session);
                self.respond(&verified, ChallengeNameType::MfaSetup, &[], ctx).await
            }
            (challenge, answer) => Err(Error::WrongAnswer { challenge: challenge.clone(), answer: answer.what() }),
        }
    }

    /// Starts enrolling an authenticator app for an `MFA_SETUP` challenge (AssociateSoftwareToken
    /// with the challenge's session): the secret to show, and the challenge that the app's
    /// first code answers.
    pub(crate) async fn associate_totp(&self, pending: &PendingChallenge) -> Result<TotpSetup, Error> {
        if *pending.challenge() != Challenge::MfaSetup {
            return Err(Error::WrongAnswer {
                challenge: pending.challenge().clone(),
                answer: "an authenticator enrolment",
            });
        }
        let out = self
            .client
            .associate_software_token()
            .session(pending.session())
            .send()
            .instrument(super::observe::span("AssociateSoftwareToken"))
            .await
            .map_err(challenge_error)?;
        let session = out.session().unwrap_or(pending.session()).to_owned();
        let next = PendingChallenge::new(Challenge::MfaSetup, pending.username().to_owned(), session).enrolling();
        Ok(TotpSetup::new(out.secret_code().unwrap_or_default().to_owned(), next))
    }

    async fn respond(
        &self,
        pending: &PendingChallenge,
        name: ChallengeNameType,
        answer: &[(&str, &str)],
        ctx: &Ctx,
    ) -> Result<Issued, Error> {
        self.respond_as(pending, name, answer, ctx, Mapping::Challenge).await
    }

    async fn respond_as(
        &self,
        pending: &PendingChallenge,
        name: ChallengeNameType,
        answer: &[(&str, &str)],
        ctx: &Ctx,
        mapping: Mapping,
    ) -> Result<Issued, Error> {
        let username = pending.username();
        let mut responses = self.responses(username, ctx.device_for(username));
        for (field, value) in answer {
            responses.insert((*field).to_owned(), (*value).to_owned());
        }
        let reply = self.send_answer(name, pending.session(), responses, ctx, mapping).await?;
        self.signed_in(reply, username, ctx).await
    }

    /// Sends a challenge's answer through the API that started the sign-in: a challenge
    /// AdminInitiateAuth started is answered through the admin API (its reference: "Pass this
    /// session ID in the Session parameter of AdminRespondToAuthChallenge"), the public flows'
    /// through RespondToAuthChallenge.
    async fn send_answer(
        &self,
        name: ChallengeNameType,
        session: &str,
        responses: HashMap<String, String>,
        ctx: &Ctx,
        mapping: Mapping,
    ) -> Result<Reply, Error> {
        if self.flow == AuthFlow::AdminUserPassword {
            return (self.client.admin_respond_to_auth_challenge())
                .user_pool_id(&self.pool_id)
                .client_id(&self.client_id)
                .challenge_name(name)
                .session(session)
                .set_challenge_responses(Some(responses))
                .set_context_data(ctx.admin_context())
                .set_client_metadata(ctx.metadata())
                .send()
                .instrument(super::observe::span("AdminRespondToAuthChallenge"))
                .await
                .map(Reply::from)
                .map_err(|e| mapping.map(e));
        }
        (self.client.respond_to_auth_challenge())
            .client_id(&self.client_id)
            .challenge_name(name)
            .session(session)
            .set_challenge_responses(Some(responses))
            .set_user_context_data(ctx.user_context())
            .set_client_metadata(ctx.metadata())
            .send()
            .instrument(super::observe::span("RespondToAuthChallenge"))
            .await
            .map(Reply::from)
            .map_err(|e| mapping.map(e))
    }

    /// The tokens of a sign-in's answer, or its next challenge; a remembered device's proof
    /// (DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER) is made here, never shown to the
    /// application.
    async fn signed_in(&self, reply: Reply, username: &str, ctx: &Ctx) -> Result<Issued, Error> {
        let (reply, device_proved) = match (&reply.challenge, ctx.device_for(username)) {
            (Some(ChallengeNameType::DeviceSrpAuth), Some(device)) => {
                (self.prove_device(reply, device, ctx).await?, true)
            }
            _ => (reply, false),
        };
        issued(reply, username).map(|issued| Issued { device_proved, ..issued })
    }

    /// Proves this browser's device to Cognito: SRP with the device's secret, the device group
    /// key standing for the pool's name and the device key for the user's.
    async fn prove_device(&self, reply: Reply, device: &KeptDevice, ctx: &Ctx) -> Result<Reply, Error> {
        let username = reply.parameters.get("USERNAME").cloned().unwrap_or_else(|| device.username.clone());
        let group = device.group_key.clone();
        let srp = blocking(move || SrpClient::for_device(&group)).await?.map_err(srp_error)?;
        let mut responses = self.responses(&username, Some(device));
        responses.insert("SRP_A".to_owned(), srp.public_a());
        let session = reply.session.unwrap_or_default();
        let verifier =
            self.send_answer(ChallengeNameType::DeviceSrpAuth, &session, responses, ctx, Mapping::Login).await?;
        if verifier.challenge.as_ref() != Some(&ChallengeNameType::DevicePasswordVerifier) {
            return Ok(verifier);
        }
        let (key, password) = (device.key.clone(), device.password.clone());
        let (salt, srp_b) = (verifier.param("SALT").to_owned(), verifier.param("SRP_B").to_owned());
        let block = verifier.param("SECRET_BLOCK").to_owned();
        let signed = block.clone();
        let claim = blocking(move || srp.claim(&key, &password, &salt, &srp_b, &signed, &srp::timestamp()))
            .await?
            .map_err(srp_error)?;
        let mut responses = self.responses(&username, Some(device));
        responses.insert("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), block);
        responses.insert("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature);
        responses.insert("TIMESTAMP".to_owned(), claim.timestamp);
        let session = verifier.session.unwrap_or_default();
        self.send_answer(ChallengeNameType::DevicePasswordVerifier, &session, responses, ctx, Mapping::Login).await
    }
}

#[cfg(feature = "testing")]
pub(crate) fn srp_login_work(pool_id: &str, username: &str, password: &str) {
    let srp = SrpClient::new(pool_id).expect("a pool id of the form region_id");
    let decoy = std::hint::black_box(srp.public_a());
    let claim = srp.claim(username, password, DECOY_SALT, &decoy, DECOY_SECRET_BLOCK, &srp::timestamp());
    std::hint::black_box(claim.expect("a well-formed challenge"));
}

/// SRP's client side, step by step, for a test that talks to Cognito itself (the emulator's
/// conformance tests): `SRP_A` for InitiateAuth, then the PASSWORD_VERIFIER answer.
#[doc(hidden)]
#[cfg(feature = "testing")]
pub struct SrpSteps(SrpClient);

#[cfg(feature = "testing")]
impl std::fmt::Debug for SrpSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpSteps(..)") // its secret `a` stays out of logs
    }
}

#[cfg(feature = "testing")]
impl SrpSteps {
    /// A fresh secret for the pool `pool_id`; `None` for a pool id without `_`.
    pub fn new(pool_id: &str) -> Option<SrpSteps> {
        SrpClient::new(pool_id).ok().map(SrpSteps)
    }

    /// `SRP_A`.
    pub fn srp_a(&self) -> String {
        self.0.public_a()
    }

    /// `PASSWORD_CLAIM_SIGNATURE` and `TIMESTAMP` for the challenge's `USER_ID_FOR_SRP`, `SALT`,
    /// `SRP_B` and `SECRET_BLOCK`; `None` when one of them is malformed.
    pub fn answer(&self, password: &str, params: &HashMap<String, String>) -> Option<(String, String)> {
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        let claim = self.0.claim(
            param("USER_ID_FOR_SRP"),
            password,
            param("SALT"),
            param("SRP_B"),
            param("SECRET_BLOCK"),
            &srp::timestamp(),
        );
        claim.ok().map(|c| (c.signature, c.timestamp))
    }
}

/// Stand-ins for the challenge of an unknown user (any well-formed values cost the same).
const DECOY_SECRET_BLOCK: &str = "cm9ja2V0X3dhcnJhbnQgZGVjb3kgc2VjcmV0IGJsb2NrIGZvciB1bmtub3duIHVzZXJz";
const DECOY_SALT: &str = "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c";
