DROP TABLE cognito_attempts;
