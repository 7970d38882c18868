"""The emulator's shared state: every dict, set and lock that more than one module touches, or
that a request changes, lives here, and the others import it from here (nothing here imports the
rest of the package). The rules these serve, and their sources, are beside the code that
applies them; each entry names that module. None of these names is ever rebound, only mutated.
"""

import collections
import threading

# Each pool's two signing keys (keys.py): pool id -> {"access": (kid, key), "id": (kid, key)}.
POOL_KEYS = {}  # pool id -> {"access": (kid, key), "id": (kid, key)}
POOL_KEYS_LOCK = threading.Lock()


# When each refresh token was issued, on its pool's clock (for RefreshTokenValidity).
REFRESH_ISSUED = {}


# Refresh tokens issued to a device of a pool that remembers devices: token -> its device key.
DEVICE_BOUND = {}


# Remembered devices (devices.py).
DEVICES = {}  # device key -> {"pool", "user", "group", "verifier", "salt", "remembered", ...}
SESSION_DEVICES = {}  # challenge session -> the confirmed device the sign-in named
DEVICE_LOCK = threading.Lock()


# The scopes a managed-login sign-in was granted, by its refresh token, and those of the code
# being exchanged while its tokens are made (tokens.py).
REFRESH_SCOPES = {}
GRANTING = threading.local()


# The texts the emulator "sent", by user pool, and the lock of every outbox (codes.py).
SMS_OUTBOX = collections.OrderedDict()
SMS_OUTBOX_LOCK = threading.Lock()


# The messages with codes the emulator "sent" for sign-up, password reset and attribute
# verification, as a mailbox shows them (the address, the purpose and the code), bounded as the
# SMS outbox is: GET /_emulator/mail. Each is also printed on one line, "mailbox: ...", for a
# person trying the demo.
MAILBOX = collections.OrderedDict()


# What POST /_emulator/clock moved each pool's clock on by, in seconds (clock.py).
CLOCK_OFFSETS = {}


# What each call brought of context and client metadata, newest last (hooks.py).
CONTEXTS = collections.deque(maxlen=512)


# Managed login (hosted.py, oauth.py): the codes of /oauth2/authorize, the claims the next ID
# token carries, the steps after the password, and the hooks server.patch_moto and
# refresh.patch_refresh_lifecycle fill in.
AUTH_CODES = {}  # code -> what its token request must match
ID_TOKEN_EXTRA = threading.local()  # claims the next ID token carries (the authorize request's nonce)
HOSTED_HOOKS = {}
HOSTED_STEPS = {}  # step token -> {"pool", "client_id", "username", "challenge", "code", "secret", "until", ...}
REFRESH_HOOKS = {}


# The per-user hourly quotas' uses (codes.py).
QUOTA_USES = {}  # (pool id, username, quota) -> the instants of the last hour's calls
QUOTA_LOCK = threading.Lock()


# Passkeys (passkeys.py): each pool's WebAuthnConfiguration, each user's passkeys and pending
# registration (by pool id and the user's sub), and the WEB_AUTHN challenges issued, by session.
WEBAUTHN_CONFIG = {}  # pool id -> {"RelyingPartyId", "UserVerification", "FactorConfiguration"} as set
PASSKEYS = {}  # (pool id, sub) -> [{"id", "public_key", "sign_count", "transports", "attachment", "name", "created", "rp_id"}]
PASSKEY_REGISTRATIONS = {}  # (pool id, sub) -> {"challenge", "client", "rp_id", "uv", "until"}
PASSKEY_ASSERTIONS = {}  # challenge session -> {"challenge", "rp_id", "uv", "pool", "user"}
PASSKEY_LOCK = threading.Lock()


# The sign-in's state (flows.py, signin.py, mfa.py, sessions.py, challenges.py; patch_moto's
# locals before the emulator was a package), under one lock.
srp_states = {}  # SECRET_BLOCK -> the SRP state of its PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER)
lock = threading.Lock()
offered_first = {}  # SELECT_CHALLENGE session -> the factors it offered
decoys = {}  # an unknown user's SELECT_CHALLENGE session -> the name given
verified_sessions = set()  # sessions VerifySoftwareToken answered SUCCESS for
spent_codes = {}  # (pool id, username) -> (step, code) of the last authenticator code used
user_secrets = {}  # (pool id, username) -> the secret AssociateSoftwareToken gave them
sms_codes = {}  # challenge session -> code
choices = {}  # SELECT_MFA_TYPE session -> the factors it offered
admin_sessions = set()  # the sessions AdminInitiateAuth started
answering = threading.local()  # .admin: an AdminRespondToAuthChallenge is being answered
issued_as = {}  # session -> the challenge it was issued for
issued_to = {}  # session -> the app client id
deadlines = {}  # session -> (pool id, the instant it lapses)
# What the sign-in modules call of closures that server.patch_moto gets back from
# codes.patch_self_service (mail_code, spend_mailed_code) and devices.patch_devices
# (device_gate, answer_device): filled before the first request.
SIGN_IN_HOOKS = {}
