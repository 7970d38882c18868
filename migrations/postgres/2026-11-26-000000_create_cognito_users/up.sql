CREATE TABLE cognito_users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    sub TEXT NOT NULL,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cognito_users_sub ON cognito_users (sub);
