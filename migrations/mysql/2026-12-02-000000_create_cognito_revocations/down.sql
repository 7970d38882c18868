DROP TABLE cognito_revocations;
