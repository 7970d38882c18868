-- Usernames compare byte for byte (utf8mb4_bin), as in SQLite and PostgreSQL: MySQL's default
-- collation would make `Alice` and `alice` one row. 128 characters is Cognito's limit.
CREATE TABLE cognito_users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL UNIQUE,
    sub VARCHAR(128) NOT NULL,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
) CHARACTER SET utf8mb4;
CREATE INDEX cognito_users_sub ON cognito_users (sub);
