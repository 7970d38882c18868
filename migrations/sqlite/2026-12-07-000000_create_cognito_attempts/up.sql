-- Attempts counted by the limits in front of Cognito (`limits`): `attempt_key` is a keyed digest
-- of what is limited (an address, a username, an account), never the thing itself; the count is
-- of the fixed window from `window_start` to `window_end`, after which a purge deletes the row.
CREATE TABLE cognito_attempts (
    attempt_key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX cognito_attempts_window_end ON cognito_attempts (window_end);
