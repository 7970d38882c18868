//! Calls to the user pool: the three login flows (SRP included), challenge answers,
//! SECRET_HASH, refresh, GetUser and sign-out, with Cognito's errors mapped onto [`Error`].
//! Every SDK call of the crate is here.

mod account;
mod devices;
mod facts;
mod modexp;
#[cfg(feature = "testing")]
pub(crate) mod offline;
mod srp;

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider as cip;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use base64::Engine;
use cip::config::http::HttpResponse;
use cip::error::SdkError;
use cip::types::{AuthFlowType, ChallengeNameType};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub(crate) use self::facts::{ClientFacts, Tier};
pub(crate) use self::srp::device_secret;
use self::srp::SrpClient;
use crate::config::{AuthFlow, Config, Secret};
use crate::device::KeptDevice;
use crate::error::{Error, ServiceError};
use crate::signin::{Answer, Challenge, Ctx, PendingChallenge, TotpSetup};
use crate::tokens::Tokens;

/// A user's attributes as GetUser returns them ([`Cognito::user_attributes`](crate::Cognito::user_attributes)).
///
/// ```
/// use rocket_warrant::UserAttributes;
///
/// let attrs = UserAttributes {
///     username: "alice".into(),
///     attributes: vec![("email".into(), "alice@example.com".into())],
/// };
/// assert_eq!(attrs.get("email"), Some("alice@example.com"));
/// assert_eq!(attrs.get("phone_number"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAttributes {
    /// The canonical Cognito username (never the alias the user typed).
    pub username: String,
    /// Attribute name (`email`, `custom:api_key`, ...) to value.
    pub attributes: Vec<(String, String)>,
}

impl UserAttributes {
    /// The value of one attribute.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A Cognito user-pool client bound to one app client.
#[derive(Clone)]
pub(crate) struct CognitoClient {
    client: cip::Client,
    pool_id: String,
    client_id: String,
    client_secret: Option<Secret>,
    flow: AuthFlow,
    proofs: std::sync::Arc<std::sync::atomic::AtomicU64>,
    refreshes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    refresh_calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The test pool's Cognito, in the process, when the settings name it.
    #[cfg(feature = "testing")]
    offline: Option<offline::OfflineCognito>,
}

impl fmt::Debug for CognitoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoClient")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field("flow", &self.flow)
            .finish_non_exhaustive()
    }
}

/// `Base64(HMAC-SHA256(secret, username + client_id))`, the SECRET_HASH Cognito expects.
fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The AWS SDK configuration the settings describe: region, endpoint (an emulator), explicit
/// keys or else the default credential chain, timeouts and retries.
pub(crate) async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(cip::config::Region::new(config.region().to_owned()))
        .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(config.cognito_timeout)
                .connect_timeout(config.cognito_timeout.min(Duration::from_secs(3)))
                .build(),
        );
    if let (Some(id), Some(secret)) = (&config.aws_access_key_id, &config.aws_secret_access_key) {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            id,
            secret.expose(),
            None,
            None,
            "rocket_warrant settings",
        ));
    }
    if let Some(url) = &config.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

impl CognitoClient {
    /// The client for the settings, on `sdk_config` (see [`sdk_config`]). Nothing is sent
    /// until the first call.
    pub(crate) fn new(config: &Config, sdk_config: &aws_config::SdkConfig) -> CognitoClient {
        CognitoClient {
            client: cip::Client::new(sdk_config),
            pool_id: config.user_pool_id.clone(),
            client_id: config.app_client_id.clone(),
            client_secret: config.app_client_secret.clone(),
            flow: config.auth_flow,
            proofs: Default::default(),
            refreshes: Default::default(),
            refresh_calls: Default::default(),
            #[cfg(feature = "testing")]
            offline: (config.endpoint_url.as_deref() == Some(offline::ENDPOINT))
                .then(|| offline::OfflineCognito::new(&config.user_pool_id, &config.app_client_id)),
        }
    }

    /// SRP password proofs this client completed. A login of an unknown user computes one too,
    /// so that it costs this server what a wrong password costs.
    #[cfg(feature = "testing")]
    pub(crate) fn srp_proofs(&self) -> u64 {
        self.proofs.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Refreshes Cognito answered with tokens, and refresh calls made (any answer).
    #[cfg(feature = "testing")]
    pub(crate) fn refreshes(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.refreshes.load(Relaxed), self.refresh_calls.load(Relaxed))
    }

    /// The SDK client, for calls this crate does not wrap.
    pub(crate) fn sdk(&self) -> &cip::Client {
        &self.client
    }

    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|s| secret_hash(s.expose(), username, &self.client_id))
    }

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
                .await
                .map(Reply::from)
                .map_err(initiate_error)?,
        };
        self.signed_in(reply, username, ctx).await
    }

    /// Starts a USER_AUTH sign-in without a password: Cognito answers with the first factors the
    /// user may choose (SELECT_CHALLENGE), or a code challenge at once.
    pub(crate) async fn start_user_auth(&self, username: &str, ctx: &Ctx) -> Result<Issued, Error> {
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
        let reply = req.send().await.map(Reply::from).map_err(initiate_error)?;
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
        let reply = match req.send().await.map_err(initiate_error) {
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
            // USER_AUTH's first factor: a code by email or text, or the password.
            (Challenge::SelectChallenge, Answer::Choose("WEB_AUTHN")) if pending.offers("WEB_AUTHN") => {
                Err(Error::Unsupported("passkeys (WEB_AUTHN)"))
            }
            (Challenge::SelectChallenge, Answer::Choose(factor @ ("EMAIL_OTP" | "SMS_OTP")))
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
            (Challenge::WebAuthn, _) => Err(Error::Unsupported("passkeys (WEB_AUTHN)")),
            // The authenticator's first code proves the enrolment (VerifySoftwareToken on the
            // challenge's session), then the challenge is answered with the moved-on session.
            (Challenge::MfaSetup, Answer::Code(code)) if pending.is_enrolling() => {
                let out = self
                    .client
                    .verify_software_token()
                    .session(pending.session())
                    .user_code(code)
                    .send()
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
        let out =
            self.client.associate_software_token().session(pending.session()).send().await.map_err(challenge_error)?;
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

    /// New tokens for a refresh token (GetTokensFromRefreshToken, which works with refresh-token
    /// rotation on or off, where `REFRESH_TOKEN_AUTH` is refused with it on). With rotation a new
    /// refresh token comes back and replaces the old one; without, the old one stays valid.
    /// `cognito_username` is the token's `cognito:username`.
    pub(crate) async fn refresh(
        &self,
        refresh_token: &str,
        cognito_username: &str,
        device_key: Option<&str>,
    ) -> Result<Tokens, Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            self.refresh_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tokens = offline.refresh(refresh_token)?;
            self.refreshes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(tokens);
        }
        // "You must provide the confirmed device key in this request if device remembering is
        // enabled" (GetTokensFromRefreshToken reference, DeviceKey).
        let mut req = (self.client.get_tokens_from_refresh_token())
            .client_id(&self.client_id)
            .refresh_token(refresh_token)
            .set_device_key(device_key.map(str::to_owned));
        if let Some(secret) = &self.client_secret {
            // This call takes the client secret itself, not a SECRET_HASH.
            req = req.client_secret(secret.expose());
        }
        self.refresh_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let with_secret = self.client_secret.is_some();
        // By type alone: no public source gives Cognito's words for a wrong ClientSecret here
        // (launch compares the secret with the app client's, so a wrong one does not get here).
        let out = req.send().await.map_err(|e| {
            sdk_error_by_type(e, |code, message| match code {
                // Rotated out past its grace period: by another refresh of the session, which
                // may live on (GetTokensFromRefreshToken reference, Errors).
                "RefreshTokenReuseException" => Some(Error::RefreshTokenReused),
                // Revoked, expired, signed out, its device forgotten. No public source gives
                // Cognito's wording for a wrong ClientSecret in this call: should it be this same
                // type, every session would end here, so the log names the setting to check.
                "NotAuthorizedException" if with_secret => {
                    log::warn!(
                        "rocket_warrant: Cognito refused a refresh ({code}: {message}); the session ends. \
                         Should every refresh be refused, check cognito.app_client_secret"
                    );
                    Some(Error::SessionExpired)
                }
                // The device was forgotten ("Device does not exist.").
                "NotAuthorizedException" | "UserNotFoundException" | "ResourceNotFoundException" => {
                    Some(Error::SessionExpired)
                }
                _ => None,
            })
        })?;
        self.refreshes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = out
            .authentication_result()
            .ok_or_else(|| Error::Cognito(ServiceError::new("Cognito's refresh answered no tokens")))?;
        match (result.id_token(), result.access_token(), result.refresh_token().unwrap_or(refresh_token)) {
            (Some(id), Some(access), refresh) if !refresh.is_empty() => Ok(Tokens {
                id_token: id.to_owned(),
                access_token: access.to_owned(),
                refresh_token: refresh.to_owned(),
            }),
            _ => Err(Error::Cognito(ServiceError::new(format!(
                "Cognito's refresh answer for {cognito_username:?} lacks a token"
            )))),
        }
    }

    /// [`refresh`](CognitoClient::refresh), naming this browser's device; refused with it, once
    /// more without: the browser's device need not be the one the token was issued to (a
    /// device cookie left by an earlier sign-in, a sign-in through the hosted pages).
    pub(crate) async fn refresh_naming(
        &self,
        refresh_token: &str,
        cognito_username: &str,
        device_key: Option<&str>,
    ) -> Result<Tokens, Error> {
        match self.refresh(refresh_token, cognito_username, device_key).await {
            Err(Error::SessionExpired) if device_key.is_some() => {
                self.refresh(refresh_token, cognito_username, None).await
            }
            other => other,
        }
    }

    /// Revokes a refresh token (RevokeToken): it, and every access token issued from it, stop
    /// working at Cognito, whether or not the access token has expired.
    pub(crate) async fn revoke(&self, refresh_token: &str) -> Result<(), Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return offline.revoke(refresh_token);
        }
        let mut req = self.client.revoke_token().client_id(&self.client_id).token(refresh_token);
        if let Some(secret) = &self.client_secret {
            req = req.client_secret(secret.expose());
        }
        req.send().await.map_err(|e| {
            sdk_error(e, |code, message| match code {
                // Not one of this client's live refresh tokens: nothing left to revoke.
                "UnsupportedTokenTypeException" => Some(Error::SessionExpired),
                // Token revocation is off on the app client (EnableTokenRevocation), or the
                // client secret is wrong: the application's settings.
                "UnsupportedOperationException" => Some(misconfigured(code, message, "app_client_id")),
                "UnauthorizedException" => Some(misconfigured(code, message, "app_client_secret")),
                _ => None,
            })
        })?;
        Ok(())
    }

    /// The user's attributes (GetUser with the access token).
    pub(crate) async fn get_user(&self, access_token: &str) -> Result<UserAttributes, Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return offline.get_user(access_token);
        }
        let out = self.client.get_user().access_token(access_token).send().await.map_err(session_error)?;
        Ok(UserAttributes {
            username: out.username().to_owned(),
            attributes: out
                .user_attributes()
                .iter()
                .map(|a| (a.name().to_owned(), a.value().unwrap_or_default().to_owned()))
                .collect(),
        })
    }

    /// What the app client's settings mean for this site (DescribeUserPoolClient, which needs
    /// AWS credentials allowed to call it).
    pub(crate) async fn describe(&self) -> Result<ClientFacts, Error> {
        use cip::types::{PreventUserExistenceErrorTypes as Prevent, TimeUnitsType as Unit};
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return Ok(offline.describe());
        }
        let out = (self.client.describe_user_pool_client())
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .send()
            .await
            .map_err(|e| sdk_error(e, |_, _| None))?;
        let Some(client) = out.user_pool_client else {
            return Ok(ClientFacts::default());
        };
        // RefreshTokenValidity counts the unit TokenValidityUnits gives (days when it gives none:
        // CreateUserPoolClient reference).
        let unit = client.token_validity_units.as_ref().and_then(|u| u.refresh_token.clone());
        let seconds = match unit {
            Some(Unit::Seconds) => 1,
            Some(Unit::Minutes) => 60,
            Some(Unit::Hours) => 3600,
            _ => 24 * 3600,
        };
        let refresh_token_validity = (client.refresh_token_validity > 0)
            .then(|| Duration::from_secs(u64::try_from(client.refresh_token_validity).unwrap_or(0) * seconds));
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
        // ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH,
        // ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH."
        let auth_flows = match client.explicit_auth_flows.as_deref() {
            Some(flows) if !flows.is_empty() => flows.iter().map(|f| f.as_str().to_owned()).collect(),
            _ => strings(&["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]),
        };
        let oauth_flows = match client.allowed_o_auth_flows_user_pool_client {
            Some(true) => {
                client.allowed_o_auth_flows.unwrap_or_default().iter().map(|f| f.as_str().to_owned()).collect()
            }
            _ => Vec::new(),
        };
        let secret_matches = match (&client.client_secret, &self.client_secret) {
            (Some(theirs), Some(ours)) => {
                Some(bool::from(subtle::ConstantTimeEq::ct_eq(theirs.as_bytes(), ours.expose().as_bytes())))
            }
            _ => None,
        };
        let mut facts = ClientFacts {
            prevents_user_existence_errors: client.prevent_user_existence_errors.map(|p| p == Prevent::Enabled),
            token_revocation: client.enable_token_revocation,
            refresh_token_validity,
            has_secret: Some(client.client_secret.is_some()),
            secret_matches,
            read_attributes: Some(client.read_attributes.unwrap_or_default()),
            write_attributes: Some(client.write_attributes.unwrap_or_default()),
            auth_flows: Some(auth_flows),
            oauth_flows: Some(oauth_flows),
            oauth_scopes: Some(client.allowed_o_auth_scopes.unwrap_or_default()),
            propagates_ip: Some(client.enable_propagate_additional_user_context_data.unwrap_or(false)),
            ..ClientFacts::default()
        };
        // Without the permission, or from a Cognito that does not say: the settings stand.
        let pool = self.client.describe_user_pool().user_pool_id(&self.pool_id).send().await.ok();
        if let Some(pool) = pool.and_then(|out| out.user_pool) {
            facts.issuer = pool.issuer_configuration.and_then(|c| c.r#type).map(|kind| match kind {
                cip::types::IssuerType::Updated => crate::config::Issuer::Updated,
                _ => crate::config::Issuer::Original,
            });
            facts.tier = pool.user_pool_tier.and_then(|tier| match tier {
                cip::types::UserPoolTierType::Lite => Some(Tier::Lite),
                cip::types::UserPoolTierType::Essentials => Some(Tier::Essentials),
                cip::types::UserPoolTierType::Plus => Some(Tier::Plus),
                _ => None,
            });
            facts.first_factors = (pool.policies.and_then(|p| p.sign_in_policy))
                .and_then(|p| p.allowed_first_auth_factors)
                .map(|factors| factors.iter().map(|f| f.as_str().to_owned()).collect());
            facts.threat_protection = (pool.user_pool_add_ons)
                .map(|add_ons| add_ons.advanced_security_mode != cip::types::AdvancedSecurityModeType::Off);
        }
        Ok(facts)
    }

    /// Why no AWS credentials can be had, when none can. The SDK reports a failed credential
    /// lookup as a failed dispatch ("Cognito could not be reached"), so launch asks directly.
    pub(crate) async fn missing_credentials(sdk_config: &aws_config::SdkConfig) -> Option<String> {
        use aws_credential_types::provider::ProvideCredentials;
        let Some(provider) = sdk_config.credentials_provider() else {
            return Some("no credentials provider is configured".to_owned());
        };
        match tokio::time::timeout(Duration::from_secs(2), provider.provide_credentials()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some("the credentials provider did not answer in 2 s".to_owned()),
        }
    }

    /// Signs the user out everywhere: the access and refresh tokens stop working at Cognito.
    pub(crate) async fn global_sign_out(&self, access_token: &str) -> Result<(), Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return offline.global_sign_out(access_token);
        }
        self.client.global_sign_out().access_token(access_token).send().await.map_err(session_error)?;
        Ok(())
    }
}

/// One SRP login's client arithmetic, as an unknown user's login does it against the decoy
/// challenge (`testing::srp_login_work`): `a` and `A`, then the proof (`g^x` and `S`).
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
pub struct SrpSteps(SrpClient);

impl std::fmt::Debug for SrpSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpSteps(..)") // its secret `a` stays out of logs
    }
}

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

/// Maps an error of a call that answers a challenge.
fn challenge_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, message| match code {
        "InvalidPasswordException" => Some(Error::PasswordRejected(message.to_owned())),
        "CodeMismatchException" | "ExpiredCodeException" | "EnableSoftwareTokenMFAException" => Some(Error::WrongCode),
        // The challenge's session expired (three minutes) or was already used.
        "NotAuthorizedException" => Some(Error::SessionExpired),
        _ => None,
    })
}

fn srp_error(e: srp::SrpError) -> Error {
    match e {
        srp::SrpError::NoRandomness | srp::SrpError::Arithmetic => {
            Error::Unavailable(ServiceError::new("the SRP computation failed").caused_by(e))
        }
        // Cognito's challenge could not be answered: an answer of Cognito's we cannot use.
        other => Error::Cognito(ServiceError::new("Cognito's SRP challenge could not be answered").caused_by(other)),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Unavailable(ServiceError::new("the SRP computation failed").caused_by(e)))
}

/// What a sign-in call answered: tokens, or a challenge with its session and parameters.
struct Reply {
    challenge: Option<ChallengeNameType>,
    session: Option<String>,
    parameters: HashMap<String, String>,
    /// USER_AUTH's first factors: the answer's top-level `AvailableChallenges` (InitiateAuth
    /// reference), not a challenge parameter.
    available: Vec<String>,
    result: Option<cip::types::AuthenticationResultType>,
}

impl Reply {
    /// A challenge parameter, empty when absent.
    fn param(&self, name: &str) -> &str {
        self.parameters.get(name).map_or("", String::as_str)
    }
}

macro_rules! reply_from {
    ($($output:ty),*) => {$(
        impl From<$output> for Reply {
            fn from(out: $output) -> Reply {
                Reply {
                    challenge: out.challenge_name,
                    session: out.session,
                    parameters: out.challenge_parameters.unwrap_or_default(),
                    available: out
                        .available_challenges
                        .unwrap_or_default()
                        .iter()
                        .map(|c| c.as_str().to_owned())
                        .collect(),
                    result: out.authentication_result,
                }
            }
        }
    )*};
}

reply_from!(
    cip::operation::initiate_auth::InitiateAuthOutput,
    cip::operation::admin_initiate_auth::AdminInitiateAuthOutput,
    cip::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cip::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeOutput
);

/// What a sign-in gave: the (not yet verified) tokens, the device Cognito began to track with
/// them (`NewDeviceMetadata`: its key and group key), and whether the browser's device was
/// dropped because Cognito no longer knows it.
pub(crate) struct Issued {
    pub(crate) tokens: Tokens,
    pub(crate) new_device: Option<(String, String)>,
    pub(crate) device_dropped: bool,
    /// The browser's remembered device was proved (in place of a second factor, where the pool
    /// lets it).
    pub(crate) device_proved: bool,
}

/// How an answer's errors read: as a sign-in's (a refusal is wrong credentials), a
/// challenge's (a refusal is a spent or lapsed session), or a password given at a challenge
/// (either, told apart by Cognito's words).
#[derive(Clone, Copy)]
enum Mapping {
    Login,
    Challenge,
    Password,
}

impl Mapping {
    fn map<E>(self, err: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self {
            Mapping::Login => login_error(err),
            Mapping::Challenge => challenge_error(err),
            // A lapsed session, "Invalid session for the user, session is expired." (as
            // Cognito's users report it), or else the password refused: an unknown user and a
            // wrong password alike.
            Mapping::Password => sdk_error(err, |code, message| match code {
                "NotAuthorizedException" if message.to_ascii_lowercase().contains("session") => {
                    Some(Error::SessionExpired)
                }
                "NotAuthorizedException" | "UserNotFoundException" => Some(Error::InvalidCredentials),
                _ => None,
            }),
        }
    }
}

/// Whether a sign-in that named a device was refused for the device: ResourceNotFoundException
/// "Device does not exist." (amazon-cognito-identity-js#200). The pool and client were found at
/// launch, so by type it can be nothing else here.
fn device_unknown(e: &Error) -> bool {
    matches!(e, Error::Misconfigured(s) if s.code() == Some("ResourceNotFoundException"))
}

/// The tokens of an answer, or the challenge it asks for. `username` answers the challenge
/// unless Cognito names the user itself (its canonical username, for alias sign-in).
fn issued(reply: Reply, username: &str) -> Result<Issued, Error> {
    if let Some(challenge) = &reply.challenge {
        let param = |name: &str| reply.parameters.get(name).filter(|v| !v.is_empty());
        let username = param("USER_ID_FOR_SRP").or_else(|| param("USERNAME")).map_or(username, String::as_str);
        return Err(Error::ChallengeRequired(
            PendingChallenge::new(
                Challenge::from_name(challenge.as_str()),
                username.to_owned(),
                reply.session.clone().unwrap_or_default(),
            )
            .sent_to(param("CODE_DELIVERY_DESTINATION").cloned())
            // SELECT_MFA_TYPE's factors are MFAS_CAN_CHOOSE, a JSON list in a string, as
            // Cognito's challenge parameters are (RespondToAuthChallenge reference);
            // SELECT_CHALLENGE's are the answer's own AvailableChallenges list.
            .offering(match param("MFAS_CAN_CHOOSE") {
                Some(list) => serde_json::from_str(list).unwrap_or_default(),
                None => reply.available.clone(),
            }),
        ));
    }
    let result = reply
        .result
        .ok_or_else(|| Error::Cognito(ServiceError::new("Cognito answered neither tokens nor a challenge")))?;
    let new_device =
        result.new_device_metadata.as_ref().and_then(|d| Some((d.device_key.clone()?, d.device_group_key.clone()?)));
    match (result.id_token, result.access_token, result.refresh_token) {
        (Some(id_token), Some(access_token), Some(refresh_token)) => Ok(Issued {
            tokens: Tokens { id_token, access_token, refresh_token },
            new_device,
            device_dropped: false,
            device_proved: false,
        }),
        _ => Err(Error::Cognito(ServiceError::new("Cognito's answer lacks a token"))),
    }
}

/// Maps an error of InitiateAuth or AdminInitiateAuth: as [`login_error`], and a refusal of the
/// parameters, which the crate makes well-formed, as the flow's settings, by its type: Cognito's
/// words for a flow the app client does not allow are reported for some flows only (USER_AUTH's
/// have no public source), and launch has checked the client's flows already where it could.
fn initiate_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match login_error(err) {
        Error::Cognito(service) if service.code() == Some("InvalidParameterException") => {
            Error::Misconfigured(service.about("auth_flow"))
        }
        Error::Misconfigured(service) if service.code() == Some("FeatureUnavailableInTierException") => {
            Error::Misconfigured(service.about("auth_flow"))
        }
        other => other,
    }
}

/// Maps an error of a login or refresh call. Wrong password and unknown user become the same
/// [`Error::InvalidCredentials`].
fn login_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, _| match code {
        "UserNotFoundException" => Some(Error::InvalidCredentials),
        // (A bad or missing SECRET_HASH is NotAuthorized too, read before: see `misconfiguration`.)
        "NotAuthorizedException" => Some(Error::InvalidCredentials),
        _ => None,
    })
}

/// Maps an error of a call made with the user's access token.
fn session_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    sdk_error(err, |code, _| match code {
        "NotAuthorizedException" | "UserNotFoundException" => Some(Error::SessionExpired),
        _ => None,
    })
}

/// The setting an answer of Cognito's is about, when it is about the application's settings and
/// its type alone does not say so: read by type first, then by Cognito's own wording (as its
/// users report it; the emulator sends the same, and no test depends on its choice of words).
fn misconfiguration(code: &str, message: &str) -> Option<&'static str> {
    let message = message.to_ascii_lowercase();
    match code {
        // A wrong SECRET_HASH, "Unable to verify secret hash for client <id>" (aws-amplify/amplify-js#277),
        // or none, "Client <id> is configured with secret but SECRET_HASH was not received"
        // (aws-amplify/amplify-android#2504), where NotAuthorized otherwise means a wrong password.
        "NotAuthorizedException" if message.contains("secret hash") || message.contains("secret_hash") => {
            Some("app_client_secret")
        }
        // A SECRET_HASH sent for a client without a secret: "App client <id> is not configured
        // for secret but secret hash was received" (pmill/aws-cognito#23).
        "InvalidParameterException" if message.contains("not configured for secret") => Some("app_client_secret"),
        // A flow the app client does not allow: "USER_SRP_AUTH is not enabled for the client."
        // (aws-samples/aws-serverless-workshops#277), "USER_PASSWORD_AUTH flow not enabled for this
        // client", and for AdminInitiateAuth "Auth flow not enabled for this client".
        "InvalidParameterException" if message.contains("not enabled for") => Some("auth_flow"),
        // An access token without the scope aws.cognito.signin.user.admin, as a managed-login
        // sign-in's is when `scopes` leaves it out: "Access Token does not have required scopes"
        // (aws-amplify/amplify-js#1906), where NotAuthorized otherwise means a token Cognito no
        // longer takes.
        "NotAuthorizedException" if message.contains("does not have required scopes") => Some("scopes"),
        _ => None,
    }
}

fn misconfigured(code: &str, message: &str, setting: &'static str) -> Error {
    Error::Misconfigured(ServiceError::coded(code, message).about(setting))
}

fn sdk_error<E>(err: SdkError<E, HttpResponse>, specific: impl Fn(&str, &str) -> Option<Error>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(err, true, specific)
}

/// [`sdk_error`] without reading Cognito's words: for a call whose wordings no public source
/// gives.
fn sdk_error_by_type<E>(err: SdkError<E, HttpResponse>, specific: impl Fn(&str, &str) -> Option<Error>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(err, false, specific)
}

fn classify<E>(err: SdkError<E, HttpResponse>, wordings: bool, specific: impl Fn(&str, &str) -> Option<Error>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message, status) = match &err {
        SdkError::ServiceError(service) => (
            service.err().code().unwrap_or("Unknown").to_owned(),
            service.err().message().unwrap_or_default().to_owned(),
            service.raw().status(),
        ),
        SdkError::TimeoutError(_) => {
            return Error::Unavailable(ServiceError::new("the call to Cognito timed out").caused_by(err))
        }
        SdkError::DispatchFailure(_) => {
            return Error::Unavailable(ServiceError::new("Cognito could not be reached").caused_by(err))
        }
        SdkError::ResponseError(_) => {
            return Error::Unavailable(ServiceError::new("Cognito's answer could not be read").caused_by(err))
        }
        _ => return Error::Unavailable(ServiceError::new("the call to Cognito failed").caused_by(err)),
    };
    if let Some(setting) = misconfiguration(&code, &message).filter(|_| wordings) {
        return misconfigured(&code, &message, setting);
    }
    // An attribute the app client may not write, "A client attempted to write unauthorized
    // attribute" (aws/aws-sdk-js#1319): the application's settings at Cognito, where this type
    // otherwise means a token Cognito no longer takes.
    if wordings && code == "NotAuthorizedException" && message.to_ascii_lowercase().contains("unauthorized attribute") {
        let why = format!("{message} (the app client's WriteAttributes at Cognito do not include it)");
        return Error::Misconfigured(ServiceError::coded(&code, &why));
    }
    if let Some(mapped) = specific(&code, &message) {
        return mapped;
    }
    let service = || ServiceError::coded(&code, &message);
    if status.is_server_error() {
        return Error::Unavailable(service());
    }
    match code.as_str() {
        "UserNotConfirmedException" => Error::UserNotConfirmed,
        "PasswordResetRequiredException" => Error::PasswordResetRequired,
        "TooManyRequestsException"
        | "LimitExceededException"
        | "TooManyFailedAttemptsException"
        | "ThrottlingException" => Error::Throttled,
        "InternalErrorException" | "InternalFailure" | "ServiceUnavailable" => Error::Unavailable(service()),
        // A feature of a higher plan than the pool's (USER_AUTH, sign-in policies and email MFA
        // need Essentials: the InitiateAuth, SignInPolicyType and EmailMfaConfigType references).
        "FeatureUnavailableInTierException" => {
            let why = format!(
                "{message} (a feature of a higher feature plan than the user pool's: USER_AUTH, passwordless sign-in \
                 and email MFA need Essentials or Plus; see the pool's UserPoolTier)"
            );
            Error::Misconfigured(ServiceError::coded(&code, &why))
        }
        "ResourceNotFoundException"
        | "InvalidUserPoolConfigurationException"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "AccessDeniedException"
        | "MissingAuthenticationToken" => Error::Misconfigured(service()),
        _ => Error::Cognito(service()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_is_hmac_sha256_of_username_and_client() {
        // HMAC-SHA256("secret", "aliceclient"), base64.
        let hash = secret_hash("secret", "alice", "client");
        assert_eq!(hash.len(), 44);
        assert_ne!(hash, secret_hash("secret", "bob", "client"));
        assert_ne!(hash, secret_hash("other", "alice", "client"));
    }

    #[test]
    fn each_known_wording_of_a_misconfiguration_names_its_setting() {
        let cases = [
            (
                "NotAuthorizedException",
                "Unable to verify secret hash for client 1example23456789",
                Some("app_client_secret"),
            ),
            (
                "NotAuthorizedException",
                "Client 1example23456789 is configured with secret but SECRET_HASH was not received",
                Some("app_client_secret"),
            ),
            (
                "InvalidParameterException",
                "App client 1example23456789 is not configured for secret but secret hash was received",
                Some("app_client_secret"),
            ),
            ("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.", Some("auth_flow")),
            ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", Some("auth_flow")),
            ("InvalidParameterException", "Auth flow not enabled for this client", Some("auth_flow")),
            ("NotAuthorizedException", "Access Token does not have required scopes", Some("scopes")),
            // The same words under another type, and the types' other meanings, are not.
            ("NotAuthorizedException", "Incorrect username or password.", None),
            ("NotAuthorizedException", "Refresh Token has been revoked", None),
            ("InvalidParameterException", "Missing required parameter USERNAME", None),
            ("UserNotFoundException", "USER_SRP_AUTH is not enabled for the client.", None),
        ];
        for (code, message, setting) in cases {
            assert_eq!(misconfiguration(code, message), setting, "{code}: {message}");
        }
    }

    fn refused(code: &str, message: &str) -> SdkError<cip::operation::initiate_auth::InitiateAuthError, HttpResponse> {
        let meta = aws_smithy_types::error::ErrorMetadata::builder().code(code).message(message).build();
        let err = cip::operation::initiate_auth::InitiateAuthError::generic(meta);
        let status = 400u16.try_into().expect("a status");
        SdkError::service_error(err, HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty()))
    }

    #[test]
    fn initiate_auth_reads_a_refused_flow_or_plan_by_type_whatever_the_words() {
        // No public source gives Cognito's words for USER_AUTH on a client without it.
        for (code, message) in [
            ("InvalidParameterException", "some wording nobody reported"),
            ("FeatureUnavailableInTierException", "Feature unavailable in the current tier"),
        ] {
            let err = initiate_error(refused(code, message));
            let Error::Misconfigured(service) = &err else { panic!("{code}: {err:?}") };
            assert_eq!(service.setting(), Some("auth_flow"), "{code}");
        }
        let plan = login_error(refused("FeatureUnavailableInTierException", "x")).to_string();
        assert!(plan.contains("Essentials"), "{plan}");
        assert!(matches!(initiate_error(refused("NotAuthorizedException", "x")), Error::InvalidCredentials));
    }

    #[test]
    fn the_refresh_reads_no_wording() {
        // No public source gives GetTokensFromRefreshToken's words for a wrong ClientSecret:
        // read by type, its "secret hash" words (InitiateAuth's) are not taken to name a setting.
        let message = "Unable to verify secret hash for client 1example23456789";
        let by_type = sdk_error_by_type(refused("NotAuthorizedException", message), |_, _| None);
        assert!(matches!(&by_type, Error::Cognito(s) if s.setting().is_none()), "{by_type:?}");
        let worded = sdk_error(refused("NotAuthorizedException", message), |_, _| None);
        assert!(matches!(&worded, Error::Misconfigured(s) if s.setting() == Some("app_client_secret")));
    }

    #[test]
    fn a_misconfiguration_says_which_setting_to_check() {
        let err =
            misconfigured("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.", "auth_flow");
        let Error::Misconfigured(service) = &err else { panic!("{err:?}") };
        assert_eq!(service.setting(), Some("auth_flow"));
        assert!(err.to_string().contains("cognito.auth_flow"), "{err}");
    }
}
