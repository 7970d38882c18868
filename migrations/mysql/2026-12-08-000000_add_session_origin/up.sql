-- How and from where each server-side session signed in, for the user's own list of sessions:
-- the factors proved (the bits of `Factors`), the browser's User-Agent and the user's address.
ALTER TABLE cognito_sessions ADD COLUMN factors BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cognito_sessions ADD COLUMN browser VARCHAR(1024);
ALTER TABLE cognito_sessions ADD COLUMN address VARCHAR(64);
