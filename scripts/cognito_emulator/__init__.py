"""The Cognito emulator for rocket_warrant's tests and demo: moto's server with real SRP.

moto 5.2's GlobalSignOut only finds pools of us-east-1. Its USER_SRP_AUTH answers with random SRP_B and SALT, returns the `sub` as
USER_ID_FOR_SRP (and then looks the challenge's USERNAME up by username only), and accepts any
PASSWORD_CLAIM_SIGNATURE. This launcher patches those points inside the emulator process so that
an SRP login really proves the password (SRP-6a, the 3072-bit group, g = 2, HKDF info
"Caldera Derived Key", as Cognito does), and so that the challenge response's SECRET_HASH is
checked against the challenge's USERNAME, as Cognito checks it. Authenticator (TOTP) codes are
checked and spent once used, SMS MFA texts a real code (kept in an outbox, GET /_emulator/sms),
app clients allow only their ExplicitAuthFlows, and an unknown or spent challenge session is
NotAuthorized, as in Cognito. CONTRIBUTING.md lists every change, each with the id of its rule
(`# rule <id>:` in the code); scripts/emulator_rules.py --check holds the two lists together.

Usage: PYTHONPATH=scripts python -m cognito_emulator [--host 127.0.0.1] [--port 0] [--port-file FILE]
It prints "listening on http://HOST:PORT" once it accepts connections.

The modules, by area (each rule's source comment is beside it):
  state.py       every shared dict, set and lock (imports nothing of the package)
  srp.py         SRP-6a maths                    keys.py     signing keys, JWKS, token shapes
  clock.py       each pool's clock               tokens.py   claims, readable/writable attributes
  clients.py     app client settings and flows   plans.py    feature plans, email MFA settings
  devices.py     remembered devices              refresh.py  refresh tokens' lifecycle, RevokeToken
  codes.py       outbox, mailbox, codes, quotas, self-service calls
  oauth.py       managed login's token, revoke and userInfo endpoints
  hosted.py      managed login's pages           hooks.py    the HTTP wrapper, /_emulator/ routes
  flows.py       sign-in checks (secret hash, flows, unknown users)
  sessions.py    challenge sessions              mfa.py      second factors
  signin.py      InitiateAuth, SRP, USER_AUTH    challenges.py  RespondToAuthChallenge
  passkeys.py    WebAuthn: settings, registration, the passkeys, the WEB_AUTHN factor
  server.py      patch_moto (assembles the patches) and main; __main__.py runs main
"""
