ALTER TABLE cognito_users DROP COLUMN email_verified;
