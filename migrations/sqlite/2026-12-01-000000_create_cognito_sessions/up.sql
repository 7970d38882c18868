-- Server-side sessions (session_store = "database"). `id` is the SHA-256 (hex) of the browser's
-- random session id; `tokens` are sealed with the application's secret key.
CREATE TABLE cognito_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    tokens TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX cognito_sessions_username ON cognito_sessions (username);
CREATE INDEX cognito_sessions_expires_at ON cognito_sessions (expires_at);
