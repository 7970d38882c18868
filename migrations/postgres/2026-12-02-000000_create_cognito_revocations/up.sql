-- Tokens this site revoked (refuse_revoked_tokens): `token_key` is "origin_jti:<origin_jti>" (the
-- access tokens of one sign-in, after its logout) or "sub:<sub>" (every token of the user issued
-- up to `revoked_at`, after a sign-out everywhere). Kept until `expires_at`, when every token it
-- covers has expired.
CREATE TABLE cognito_revocations (
    token_key TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX cognito_revocations_revoked_at ON cognito_revocations (revoked_at);
