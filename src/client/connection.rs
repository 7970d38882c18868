//! The SDK client bound to one app client: its settings, SECRET_HASH, the SDK's configuration
//! (region, endpoint, credentials, timeouts) and the one place SRP's arithmetic leaves the
//! async runtime.

use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider as cip;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[cfg(feature = "testing")]
use super::offline;
use crate::config::{AuthFlow, Config, Secret};
use crate::error::{Error, ServiceError};

/// A Cognito user-pool client bound to one app client.
#[derive(Clone)]
pub(crate) struct CognitoClient {
    pub(super) client: cip::Client,
    pub(super) pool_id: String,
    pub(super) client_id: String,
    pub(super) client_secret: Option<Secret>,
    pub(super) flow: AuthFlow,
    pub(super) proofs: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub(super) refreshes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub(super) refresh_calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Counts and times every call (metrics, and the tests' count of calls made).
    pub(super) observe: super::observe::Observe,
    /// The test pool's Cognito, in the process, when the settings name it.
    #[cfg(feature = "testing")]
    pub(super) offline: Option<offline::OfflineCognito>,
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
pub(super) fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
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
        let observe = super::observe::Observe::default();
        let conf = cip::config::Builder::from(sdk_config).interceptor(observe.clone()).build();
        CognitoClient {
            client: cip::Client::from_conf(conf),
            observe,
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

    /// Calls made to Cognito through the SDK (any answer, retries apart).
    #[cfg(feature = "testing")]
    pub(crate) fn calls(&self) -> u64 {
        self.observe.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The SDK client, for calls this crate does not wrap.
    pub(crate) fn sdk(&self) -> &cip::Client {
        &self.client
    }

    pub(super) fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|s| secret_hash(s.expose(), username, &self.client_id))
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
}

pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Unavailable(ServiceError::new("the SRP computation failed").caused_by(e)))
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
}
