//! The offline key set, tokens signed with it, and the sizes of the tokens Cognito issues.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

/// The offline key set's private key (RSA 2048, PKCS#1 DER). For tests only: it is public.
const KEY_DER: &[u8] = include_bytes!("offline-key.der");

/// The offline key set's public half, as a JWKS document.
pub const JWKS: &str = include_str!("offline-jwks.json");

/// The `kid` of the offline key.
#[doc(hidden)]
pub const KID: &str = "test-key";

/// The sizes, in characters, of the tokens Cognito issues in production, as its users report
/// them (amazon-cognito-identity-js#688, next-auth#2213): the figures the emulator's tokens,
/// the tests and the benchmarks are held to. The ID token grows with the user's attributes,
/// and both JWTs with `cognito:groups`.
///
/// ```
/// use rocket_warrant::testing::COGNITO_TOKEN_SIZES;
/// assert_eq!(COGNITO_TOKEN_SIZES.refresh, 1852);
/// ```
#[doc(hidden)]
pub const COGNITO_TOKEN_SIZES: TokenSizes = TokenSizes { access: 1077, id: 1745, refresh: 1852 };

/// Token sizes in characters: [`COGNITO_TOKEN_SIZES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub struct TokenSizes {
    /// The access token.
    pub access: usize,
    /// The ID token.
    pub id: usize,
    /// The refresh token (a JWE).
    pub refresh: usize,
}

/// A refresh token of Cognito's shape (a compact JWE: header `{"cty":"JWT","enc":"A256GCM",
/// "alg":"RSA-OAEP"}`, a 256-byte wrapped key, a 12-byte IV, the ciphertext and a 16-byte tag)
/// and of [`COGNITO_TOKEN_SIZES`]`.refresh` characters; its bytes follow from `seed`.
///
/// ```
/// use rocket_warrant::testing::{refresh_token, COGNITO_TOKEN_SIZES};
///
/// let token = refresh_token("alice");
/// assert_eq!(token.split('.').count(), 5);
/// assert!(token.len().abs_diff(COGNITO_TOKEN_SIZES.refresh) <= 2, "{}", token.len());
/// assert_eq!(token, refresh_token("alice"));
/// ```
#[doc(hidden)]
pub fn refresh_token(seed: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut stream = Vec::new();
    let mut block: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
    while stream.len() < 2048 {
        stream.extend_from_slice(&block);
        block = Sha256::digest(block).into();
    }
    let header = URL_SAFE_NO_PAD.encode(r#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    let fixed = header.len() + 342 + 16 + 22 + 4;
    // base64url of n bytes is ceil(4n/3) characters: the ciphertext fills the rest.
    let ciphertext = (COGNITO_TOKEN_SIZES.refresh - fixed) * 3 / 4;
    let (key, rest) = stream.split_at(256);
    let (iv, rest) = rest.split_at(12);
    let (tag, rest) = rest.split_at(16);
    [
        header,
        URL_SAFE_NO_PAD.encode(key),
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&rest[..ciphertext]),
        URL_SAFE_NO_PAD.encode(tag),
    ]
    .join(".")
}

/// Any claims as a token signed by the offline key (`kid` [`KID`]): for tokens of every shape,
/// broken ones included.
pub fn sign(claims: &Value) -> String {
    sign_with_kid(claims, KID)
}

/// Any claims signed by the offline key, under another `kid` in the header.
#[doc(hidden)]
pub fn sign_with_kid(claims: &Value, kid: &str) -> String {
    // As the verifier does: choose aws-lc explicitly, in case both backends are enabled.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(KEY_DER))
        .expect("claims that serialize sign with the offline key")
}
