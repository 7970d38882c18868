//! Calls on a signed-in user's tokens: refresh, revocation, GetUser and global sign-out.

use super::connection::CognitoClient;
use super::errors::{misconfigured, sdk_error, sdk_error_by_type, session_error};
use crate::error::{Error, ServiceError};
use crate::tokens::Tokens;
use tracing::Instrument;

/// A user's attributes as GetUser returns them ([`Cognito::user_attributes`](crate::Cognito::user_attributes)).
///
/// ```
/// use rocket_warrant::account::UserAttributes;
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

impl CognitoClient {
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
        let span = tracing::info_span!("rocket_warrant.refresh");
        let result = self.refresh_once(refresh_token, cognito_username, device_key).instrument(span).await;
        crate::metrics::refresh(match &result {
            Ok(_) => "answered",
            Err(Error::SessionExpired | Error::RefreshTokenReused) => "refused",
            Err(_) => "failed",
        });
        result
    }

    async fn refresh_once(
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
        let out = req.send().instrument(super::observe::span("GetTokensFromRefreshToken")).await.map_err(|e| {
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
        req.send().instrument(super::observe::span("RevokeToken")).await.map_err(|e| {
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
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .instrument(super::observe::span("GetUser"))
            .await
            .map_err(session_error)?;
        Ok(UserAttributes {
            username: out.username().to_owned(),
            attributes: out
                .user_attributes()
                .iter()
                .map(|a| (a.name().to_owned(), a.value().unwrap_or_default().to_owned()))
                .collect(),
        })
    }

    /// Signs the user out everywhere: the access and refresh tokens stop working at Cognito.
    pub(crate) async fn global_sign_out(&self, access_token: &str) -> Result<(), Error> {
        #[cfg(feature = "testing")]
        if let Some(offline) = &self.offline {
            return offline.global_sign_out(access_token);
        }
        self.client
            .global_sign_out()
            .access_token(access_token)
            .send()
            .instrument(super::observe::span("GlobalSignOut"))
            .await
            .map_err(session_error)?;
        Ok(())
    }
}
