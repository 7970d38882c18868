DROP TABLE cognito_users;
