DROP TABLE cognito_sessions;
