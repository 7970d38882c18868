ALTER TABLE cognito_sessions DROP COLUMN address;
ALTER TABLE cognito_sessions DROP COLUMN browser;
ALTER TABLE cognito_sessions DROP COLUMN factors;
