//! Login: Cognito authentication, token verification, and the local user, in one call.

use crate::cognito::Tokens;
use crate::error::Error;
use crate::fairing::Cognito;
use crate::store::{Profile, User};
use crate::verify::{Claims, TokenUse};

/// Cognito's limits; longer input cannot be valid, so it is refused without a call.
const MAX_USERNAME: usize = 128;
const MAX_PASSWORD: usize = 256;

/// A successful login.
#[derive(Debug, Clone)]
pub struct Login {
    /// The local user, created or updated from Cognito's attributes.
    pub user: User,
    /// The ID, access and refresh tokens.
    pub tokens: Tokens,
    /// The verified claims of the ID token.
    pub id_claims: Claims,
    /// The verified claims of the access token.
    pub access_claims: Claims,
}

impl Cognito {
    /// Authenticates `username` and `password` with the configured flow, verifies the tokens,
    /// reads the user's attributes and creates or updates the local user.
    ///
    /// Wrong password and unknown user are the same [`Error::InvalidCredentials`].
    pub async fn login(&self, username: &str, password: &str) -> Result<Login, Error> {
        let username = username.trim();
        if username.is_empty()
            || password.is_empty()
            || username.len() > MAX_USERNAME
            || password.len() > MAX_PASSWORD
        {
            return Err(Error::InvalidCredentials);
        }
        let tokens = self.client().authenticate(username, password).await?;
        let (id_claims, access_claims) = self.verify_pair(&tokens).await?;
        let attributes = self.client().get_user(&tokens.access_token).await?;
        // Keyed by Cognito's canonical username, not what was typed (an email alias, say).
        let profile = Profile::from_attributes(
            &attributes.username,
            &attributes.attributes,
            &self.config().attr_mapping,
        );
        let user = self
            .store()
            .save(&profile, self.config().create_unknown_users)
            .await?
            .ok_or(Error::NotProvisioned)?;
        Ok(Login {
            user,
            tokens,
            id_claims,
            access_claims,
        })
    }

    /// Verifies an ID and access token pair, and that both belong to the same user.
    pub async fn verify_pair(&self, tokens: &Tokens) -> Result<(Claims, Claims), Error> {
        let verifier = self.verifier();
        let id = verifier.verify(&tokens.id_token, TokenUse::Id).await?;
        let access = verifier
            .verify(&tokens.access_token, TokenUse::Access)
            .await?;
        if id.sub != access.sub {
            return Err(Error::Cognito {
                code: "MismatchedTokens".into(),
                message: "the ID and access tokens belong to different users".into(),
            });
        }
        Ok((id, access))
    }
}
