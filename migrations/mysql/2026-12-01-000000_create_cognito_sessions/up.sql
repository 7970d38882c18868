-- Server-side sessions (session_store = "database"). `id` is the SHA-256 (hex) of the browser's
-- random session id; `tokens` are sealed with the application's secret key. Usernames compare
-- byte for byte, as in cognito_users.
CREATE TABLE cognito_sessions (
    id CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    username VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    tokens TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    version BIGINT NOT NULL
) CHARACTER SET utf8mb4;
CREATE INDEX cognito_sessions_username ON cognito_sessions (username);
CREATE INDEX cognito_sessions_expires_at ON cognito_sessions (expires_at);
