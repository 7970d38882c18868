-- Whether Cognito verified the user's email (its `email_verified` attribute), kept with the row.
ALTER TABLE cognito_users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT 0;
