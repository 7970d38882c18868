"""The Cognito emulator for rocket_warrant's tests and demo: moto's server with real SRP.

moto 5.2's GlobalSignOut only finds pools of us-east-1. Its USER_SRP_AUTH answers with random SRP_B and SALT, returns the `sub` as
USER_ID_FOR_SRP (and then looks the challenge's USERNAME up by username only), and accepts any
PASSWORD_CLAIM_SIGNATURE. This launcher patches those points inside the emulator process so that
an SRP login really proves the password (SRP-6a, the 3072-bit group, g = 2, HKDF info
"Caldera Derived Key", as Cognito does), and so that the challenge response's SECRET_HASH is
checked against the challenge's USERNAME, as Cognito checks it. Authenticator (TOTP) codes are
checked and spent once used, SMS MFA texts a real code (kept in an outbox, GET /_emulator/sms),
app clients allow only their ExplicitAuthFlows, and an unknown or spent challenge session is
NotAuthorized, as in Cognito. CONTRIBUTING.md lists every change.

Usage: python cognito_emulator.py [--host 127.0.0.1] [--port 0] [--port-file FILE]
It prints "listening on http://HOST:PORT" once it accepts connections.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import html
import io
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
import uuid

from cryptography.hazmat.primitives.twofactor import InvalidToken

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2


def pad_hex(value):
    """Hex of an integer or hex string, padded as Cognito pads it (even length, no sign bit)."""
    h = value if isinstance(value, str) else "%x" % value
    if len(h) % 2 == 1:
        h = "0" + h
    elif h[0] in "89abcdefABCDEF":
        h = "00" + h
    return h


def hash_hex(hex_str):
    return hashlib.sha256(bytes.fromhex(hex_str)).hexdigest()


K = int(hash_hex("00" + N_HEX + "0" + "2"), 16)


def verifier(pool_name, user_id, password, salt_hex):
    inner = hashlib.sha256((pool_name + user_id + ":" + password).encode("utf-8")).hexdigest()
    x = int(hash_hex(pad_hex(salt_hex) + inner), 16)
    return pow(G, x, N)


def expected_signature(state, secret_block, timestamp):
    a_pub, b_pub, b, v = state["A"], state["B"], state["b"], state["v"]
    u = int(hash_hex(pad_hex(a_pub) + pad_hex(b_pub)), 16)
    s = pow(a_pub * pow(v, u, N) % N, b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    msg = (
        state["pool_name"].encode("utf-8")
        + state["user_id"].encode("utf-8")
        + base64.b64decode(secret_block)
        + timestamp.encode("utf-8")
    )
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


# Cognito "generates two pairs of RSA cryptographic keys for each user pool" (developer guide,
# "Verifying a JSON web token"), and its users report one signing ID tokens and the other access
# tokens (stackoverflow.com/questions/43978673): each pool's JWKS holds its own two, under kids
# of Cognito's shape (the base64 of a SHA-256; moto's is "dummy"). moto signs every pool's
# tokens of both kinds with one key it ships. Made at a pool's first token or key fetch.
POOL_KEYS = {}  # pool id -> {"access": (kid, key), "id": (kid, key)}
POOL_KEYS_LOCK = threading.Lock()


def pool_keys(pool_id):
    from joserfc import jwk

    with POOL_KEYS_LOCK:
        keys = POOL_KEYS.get(pool_id)
        if keys is None:
            kid = lambda use: base64.b64encode(hashlib.sha256(("%s %s" % (pool_id, use)).encode()).digest()).decode()
            keys = {use: (kid(use), jwk.RSAKey.generate_key(2048)) for use in ("access", "id")}
            POOL_KEYS[pool_id] = keys
        return keys


def pool_issuer(pool):
    """The `iss` of the pool's tokens (IssuerConfigurationType reference): ORIGINAL,
    https://cognito-idp.<region>.amazonaws.com/<pool>, unless the pool's IssuerConfiguration
    is UPDATED, https://issuer-cognito-idp.<region>.amazonaws.com/<pool>. moto knows only the first."""
    updated = (pool.extended_config.get("IssuerConfiguration") or {}).get("Type") == "UPDATED"
    return "https://%s.%s.amazonaws.com/%s" % ("issuer-cognito-idp" if updated else "cognito-idp", pool.region, pool.id)


def pool_jwks(pool_id):
    """The pool's JWKS document: its two public keys."""
    listed = []
    for kid, key in pool_keys(pool_id).values():
        public = key.as_dict(private=False)
        listed.append({"alg": "RS256", "e": public["e"], "kid": kid, "kty": "RSA", "n": public["n"], "use": "sig"})
    return json.dumps({"keys": listed}).encode()


def sign(pool_id, use, payload):
    from moto.cognitoidp import models

    kid, key = pool_keys(pool_id)[use]
    return models.jwt.encode({"kid": kid, "alg": "RS256"}, payload, key)

# The header of Cognito's refresh tokens, a compact JWE (RFC 7516), and the size of its
# ciphertext: Cognito's refresh tokens are about 1,780 characters (moto's are 36-byte UUIDs).
JWE_HEADER = json.dumps({"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}, separators=(",", ":"))
JWE_CIPHERTEXT_BYTES = 1000


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def real_refresh_token():
    """A refresh token of Cognito's shape: header, RSA-OAEP key (256 bytes), IV (12), AES-GCM
    ciphertext and tag (16), five base64url parts. Opaque to clients, as Cognito's is; the
    emulator looks it up as moto looks up its UUIDs."""
    parts = [JWE_HEADER.encode(), secrets.token_bytes(256), secrets.token_bytes(12),
             secrets.token_bytes(JWE_CIPHERTEXT_BYTES), secrets.token_bytes(16)]
    return ".".join(b64url(p) for p in parts)


# When each refresh token was issued, on its pool's clock (for RefreshTokenValidity).
REFRESH_ISSUED = {}
VALIDITY_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def refresh_lifetime(client):
    """An app client's RefreshTokenValidity in seconds (CreateUserPoolClient reference: in
    TokenValidityUnits.RefreshToken, days by default; 30 days when not set)."""
    config = client.extended_config if client is not None else {}
    units = (config.get("TokenValidityUnits") or {}).get("RefreshToken") or "days"
    return float(config.get("RefreshTokenValidity") or 30) * VALIDITY_UNITS.get(units, 86400)


def readable(client, name):
    """Whether an app client may read a user attribute (CreateUserPoolClient reference,
    ReadAttributes: "When you don't specify the ReadAttributes for your app client, your app can
    read the values of email_verified, phone_number_verified, and the Standard attributes of your
    user pool"; with them, those listed). `sub` is always read."""
    listed = client.get_readable_fields() if client is not None else []
    if not listed:
        return ":" not in name
    return name == "sub" or name in listed


def writable(client, name):
    """Whether an app client may write a user attribute (CreateUserPoolClient reference,
    WriteAttributes: "When you don't specify the WriteAttributes for your app client, your app can
    write the values of the Standard attributes of your user pool"; with them, those listed). An
    attribute it may not write is refused, in SignUp and UpdateUserAttributes, with
    NotAuthorizedException "A client attempted to write unauthorized attribute" (the words its
    users report: aws/aws-sdk-js#1319, padok-team/cognito-scanner#6)."""
    listed = (client.extended_config.get("WriteAttributes") or []) if client is not None else []
    if not listed:
        return ":" not in name and not name.endswith("_verified")
    return name in listed


def refuse_unwritable(client, attributes):
    from moto.cognitoidp.exceptions import NotAuthorizedError

    if any(not writable(client, a.get("Name") or "") for a in attributes):
        raise NotAuthorizedError("A client attempted to write unauthorized attribute")


def federated_user(backend, access_token):
    """The federated user of an access token (status EXTERNAL_PROVIDER), whom Cognito answers
    GetUser for as for any signed-in user; moto answers only CONFIRMED users."""
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            user = pool.users.get(pool.access_tokens[access_token][1])
            if user is not None and user.enabled and str(user.status) == "EXTERNAL_PROVIDER":
                return user
    return None


def patch_get_user(responses):
    """GetUser answers the attributes the access token's app client may read (readable());
    moto answers them all, custom ones included. (Test emulator_reads_only_what_the_client_may.)"""
    from moto.core.responses import ActionResult

    def get_user(self):
        access_token = self._get_param("AccessToken")
        backend = self._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        user = federated_user(backend, access_token) or backend.get_user(access_token)
        answer = user.to_json(extended=True, attributes_key="UserAttributes")
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                client = pool.clients.get(pool.access_tokens[access_token][0])
                answer["UserAttributes"] = [a for a in answer["UserAttributes"] if readable(client, a["Name"])]
        return ActionResult(answer)

    responses.CognitoIdpResponse.get_user = get_user


# Refresh tokens issued to a device of a pool that remembers devices: token -> its device key.
DEVICE_BOUND = {}


# Remembered devices (developer guide, "Working with user devices in your user pool"; the
# ConfirmDevice, UpdateDeviceStatus, ListDevices, ForgetDevice and RespondToAuthChallenge
# references). In a pool with a DeviceConfiguration a sign-in that names no device gets a new
# one (NewDeviceMetadata), which ConfirmDevice confirms with the verifier of a secret the client
# made. A later sign-in that names a confirmed device (DEVICE_KEY) is asked, once the password is
# proved, to prove the device by SRP (DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER, the device
# group key standing for the pool's name and the device key for the user's); a remembered
# device then skips the second factor, a device not remembered is asked for it. A device key
# the user does not have is refused with ResourceNotFoundException "Device does not exist." (as
# Cognito's users report it: amazon-cognito-identity-js#200, aws-amplify/amplify-android#2605).
# The refresh tokens of a sign-in are bound to its device (refuse_without_device). moto has no
# devices at all.
DEVICES = {}  # device key -> {"pool", "user", "group", "verifier", "salt", "remembered", ...}
SESSION_DEVICES = {}  # challenge session -> the confirmed device the sign-in named
DEVICE_LOCK = threading.Lock()


def device_config(pool):
    return pool.extended_config.get("DeviceConfiguration") if pool is not None else None


def user_device(pool, username, key):
    """The device `key` of the user, or ResourceNotFoundException as Cognito answers."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError

    with DEVICE_LOCK:
        device = DEVICES.get(key or "")
    if device is None or device["pool"] != pool.id or device["user"] != username:
        raise ResourceNotFoundError("Device does not exist.")
    return device


def new_device(pool, username):
    key = "%s_%s" % (pool.region, uuid.uuid4())
    now = pool_now(pool.id)
    with DEVICE_LOCK:
        DEVICES[key] = {"pool": pool.id, "user": username, "group": "-" + secrets.token_urlsafe(9),
                        "verifier": None, "salt": None, "remembered": False, "name": None,
                        "created": now, "last": now}
    return key


def bind_device(pool, tokens, key):
    """Binds a sign-in's refresh token to its device: the one it proved, or a new one."""
    found = pool.refresh_tokens.get(tokens.get("RefreshToken"))
    if key is None:
        key = new_device(pool, found[1] if found else "")
        tokens["NewDeviceMetadata"] = {"DeviceKey": key, "DeviceGroupKey": DEVICES[key]["group"]}
    else:
        with DEVICE_LOCK:
            DEVICES[key]["last"] = pool_now(pool.id)
    DEVICE_BOUND[tokens["RefreshToken"]] = key


def attach_device(pool, result, session=None):
    """A sign-in's tokens in a pool that remembers devices: bound to the device the sign-in
    proved (its session's), or to a new one, named in NewDeviceMetadata (InitiateAuth reference,
    AuthenticationResult; CreateUserPool reference, DeviceConfiguration: "A null value indicates
    that you have deactivated device remembering")."""
    tokens = result.get("AuthenticationResult") if isinstance(result, dict) else None
    if not tokens or not tokens.get("RefreshToken") or not device_config(pool):
        return result
    with DEVICE_LOCK:
        key = SESSION_DEVICES.pop(session, None) if session else None
    bind_device(pool, tokens, key)
    return result


def refuse_without_device(refresh_token, device_key):
    """GetTokensFromRefreshToken reference, DeviceKey: "You must provide the confirmed device key
    in this request if device remembering is enabled"; InitiateAuth's REFRESH_TOKEN_AUTH takes it
    as DEVICE_KEY. Refused as users report it, NotAuthorizedException "Invalid Refresh Token."
    (aws/aws-sdk-java-v2#3418, a pool with device tracking on); the refresh of a forgotten
    device as its sign-in, "Device does not exist."."""
    from moto.cognitoidp.exceptions import NotAuthorizedError, ResourceNotFoundError

    bound = DEVICE_BOUND.get(refresh_token)
    if bound is None:
        return
    if bound != device_key:
        raise NotAuthorizedError("Invalid Refresh Token.")
    with DEVICE_LOCK:
        if bound not in DEVICES:
            raise ResourceNotFoundError("Device does not exist.")
        # Only a confirmed device's key refreshes (the reference: "the confirmed device key";
        # aws-amplify/amplify-android#2506: Cognito "mandates all new devices ... to be confirmed
        # ... otherwise they will not let the refresh token refresh"). The emulator of before
        # refreshed with an unconfirmed one.
        if DEVICES[bound]["verifier"] is None:
            raise NotAuthorizedError("Invalid Refresh Token.")


def patch_devices(responses, token_user, srp_states, lock, refuse_secret_hash):
    """ConfirmDevice, UpdateDeviceStatus, ListDevices and ForgetDevice, and the device's proof at
    sign-in (device_gate, answer_device). Returns the two sign-in hooks."""
    from moto.cognitoidp.exceptions import NotAuthorizedError, ResourceNotFoundError
    from moto.core.responses import ActionResult, EmptyResult

    def own_device(handler):
        pool, user = token_user(handler)
        return pool, user, user_device(pool, user.username, handler._get_param("DeviceKey"))

    def confirm_device(self):
        pool, user, device = own_device(self)
        config = self._get_param("DeviceSecretVerifierConfig") or {}
        try:
            verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
            salt = base64.b64decode(config["Salt"]).hex()
        except (KeyError, ValueError, TypeError):
            from moto.cognitoidp.exceptions import InvalidParameterException
            raise InvalidParameterException("DeviceSecretVerifierConfig needs PasswordVerifier and Salt.")
        # DeviceOnlyRememberedOnUserPrompt: the user is asked (UserConfirmationNecessary) and
        # the device is remembered only by UpdateDeviceStatus; otherwise it is remembered now.
        asks = bool((device_config(pool) or {}).get("DeviceOnlyRememberedOnUserPrompt"))
        with DEVICE_LOCK:
            device.update(verifier=verifier, salt=salt, remembered=not asks, name=self._get_param("DeviceName"))
        return ActionResult({"UserConfirmationNecessary": asks})

    def update_device_status(self):
        _, _, device = own_device(self)
        with DEVICE_LOCK:
            device["remembered"] = self._get_param("DeviceRememberedStatus") == "remembered"
        return EmptyResult()

    def forget_device(self):
        _, _, device = own_device(self)
        with DEVICE_LOCK:
            DEVICES.pop(self._get_param("DeviceKey"), None)
        return EmptyResult()

    def list_devices(self):
        pool, user = token_user(self)
        with DEVICE_LOCK:
            mine = [(k, dict(d)) for k, d in DEVICES.items()
                    if d["pool"] == pool.id and d["user"] == user.username and d["verifier"] is not None]
        listed = []
        for key, d in mine:
            attributes = [{"Name": "device_status", "Value": "remembered" if d["remembered"] else "not_remembered"}]
            if d["name"]:
                attributes.append({"Name": "device_name", "Value": d["name"]})
            listed.append({"DeviceKey": key, "DeviceAttributes": attributes, "DeviceCreateDate": d["created"],
                           "DeviceLastModifiedDate": d["last"], "DeviceLastAuthenticatedDate": d["last"]})
        limit = int(self._get_param("Limit") or 60)
        start = int(self._get_param("PaginationToken") or 0)
        page = {"Devices": listed[start:start + limit]}
        if start + limit < len(listed):
            page["PaginationToken"] = str(start + limit)
        return ActionResult(page)

    for name, handler in [("confirm_device", confirm_device), ("update_device_status", update_device_status),
                          ("forget_device", forget_device), ("list_devices", list_devices)]:
        setattr(responses.CognitoIdpResponse, name, handler)

    def device_gate(backend, pool, username, key, result, discard):
        """After a password is proved by a sign-in that named a device: the device's own proof
        (DEVICE_SRP_AUTH) in place of the tokens or the second factor, when it is confirmed."""
        if key is None or not device_config(pool):
            return None
        device = user_device(pool, username, key)
        if device["verifier"] is None:
            return None
        discard(result)
        session = str(uuid.uuid4())
        backend.sessions[session] = (username, pool)
        with DEVICE_LOCK:
            SESSION_DEVICES[session] = key
        return {"ChallengeName": "DEVICE_SRP_AUTH", "Session": session, "ChallengeParameters": {"USERNAME": username}}

    def answer_device(backend, session, client_id, challenge_name, responses_given, finish):
        """DEVICE_SRP_AUTH (SRP_A in, the device's B, salt and secret block out) and
        DEVICE_PASSWORD_VERIFIER (the proof, checked as the user's is), under the sign-in's
        session; `finish(pool, username, session)` hands out what a proved device gets."""
        if session not in backend.sessions:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        username, pool = backend.sessions[session]
        client = pool.clients.get(client_id)
        if client is not None and client.generate_secret:
            refuse_secret_hash(client, responses_given.get("USERNAME") or "", responses_given.get("SECRET_HASH"))
        with DEVICE_LOCK:
            key = SESSION_DEVICES.get(session)
        if key is None or responses_given.get("DEVICE_KEY") != key:
            raise NotAuthorizedError("Invalid session for the user.")
        device = user_device(pool, username, key)
        if challenge_name == "DEVICE_SRP_AUTH":
            try:
                a_pub = int(responses_given.get("SRP_A") or "", 16)
            except ValueError:
                raise NotAuthorizedError("Invalid SRP_A.")
            if a_pub % N == 0:
                raise NotAuthorizedError("Invalid SRP_A.")
            b = secrets.randbelow(N - 1) + 1
            b_pub = (K * device["verifier"] + pow(G, b, N)) % N
            block = base64.b64encode(secrets.token_bytes(64)).decode()
            with lock:
                srp_states[block] = {"A": a_pub, "B": b_pub, "b": b, "v": device["verifier"], "session": session,
                                     "pool_name": device["group"], "user_id": key}
            return {"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": session, "ChallengeParameters": {
                "SRP_B": "%x" % b_pub, "SALT": device["salt"], "SECRET_BLOCK": block, "USERNAME": username}}
        block = responses_given.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        with lock:
            state = srp_states.pop(block, None)
        if state is None or state["session"] != session:
            raise NotAuthorizedError("Incorrect username or password.")
        want = expected_signature(state, block, responses_given.get("TIMESTAMP") or "")
        if not hmac.compare_digest(want, responses_given.get("PASSWORD_CLAIM_SIGNATURE") or ""):
            raise NotAuthorizedError("Incorrect username or password.")
        return finish(pool, username, session, device["remembered"])

    return device_gate, answer_device


# The scopes a managed-login sign-in was granted, by its refresh token (and so by every refresh
# of it): the access tokens' `scope` claim is the granted scopes (developer guide, authorization
# endpoint; aws/aws-cli#6661: API sign-ins carry aws.cognito.signin.user.admin alone). moto
# puts aws.cognito.signin.user.admin in every access token. GRANTING holds the scopes of the
# code being exchanged while its tokens are made.
REFRESH_SCOPES = {}
GRANTING = threading.local()


def patch_tokens(models):
    """Tokens of Cognito's size and claim set, as the user-pool token reference lists them
    ("Understanding user pool JSON web tokens": the ID token's and access token's payloads):
    access tokens carry sub, cognito:groups, iss, version 2, client_id, origin_jti, event_id,
    token_use, scope, auth_time, exp, iat, jti, username; ID tokens carry sub, cognito:groups,
    email_verified (a boolean), iss, cognito:username, origin_jti, aud, event_id, token_use,
    auth_time, exp, iat, jti and every attribute the app client may read (the standard ones
    when the client sets no ReadAttributes). Refresh tokens are JWEs of Cognito's size."""
    pool_class = models.CognitoIdpUserPool
    local = threading.local()
    # A sign-in's event: its tokens share one event_id (moto makes a login's tokens outside
    # create_tokens_from_refresh_token, so it is found by the sign-in's origin_jti).
    events = {}
    original_refresh = pool_class.create_tokens_from_refresh_token

    def create_jwt(self, client_id, username, token_use, expires_in=60 * 60, extra_data=None):
        # moto's create_jwt, with Cognito's kid, event_id (one per authentication event: set
        # by create_tokens_from_refresh_token) and the access token's version.
        now = int(time.time())
        sub = self._get_user(username).id
        payload = {
            "sub": sub,
            "iss": pool_issuer(self),
            "client_id" if token_use == "access" else "aud": client_id,
            "event_id": getattr(local, "event_id", None) or events.get((extra_data or {}).get("origin_jti"))
            or str(models.random.uuid4()),
            "token_use": token_use,
            "auth_time": now,
            "exp": now + expires_in,
            "iat": now,
            "jti": str(models.random.uuid4()),
        }
        username_is_email = "email" in self.extended_config.get("UsernameAttributes", [])
        if token_use == "access":
            payload["version"] = 2
            payload["username"] = sub if username_is_email else username
        else:
            payload["cognito:username"] = sub if username_is_email else username
            if username_is_email:
                payload["email"] = username
        payload.update(extra_data or {})
        if token_use == "access" and getattr(local, "scope", None) is not None:
            payload["scope"] = local.scope
        # "When you turn on token revocation settings, the origin_jti and jti claims are added to
        # the access and ID tokens" (AWS knowledge center, "Revoke refresh tokens"): without
        # EnableTokenRevocation a token carries neither.
        if not revocation_enabled(self.clients.get(client_id)):
            payload.pop("origin_jti", None)
            payload.pop("jti", None)
        return sign(self.id, "id" if token_use == "id" else "access", payload), expires_in

    def create_tokens_from_refresh_token(self, refresh_token):
        local.event_id = str(models.random.uuid4())
        local.scope = REFRESH_SCOPES.get(refresh_token)
        try:
            return original_refresh(self, refresh_token)
        finally:
            local.event_id = None
            local.scope = None

    def create_refresh_token(self, client_id, username):
        token = real_refresh_token()
        granted = getattr(GRANTING, "scope", None)
        if granted is not None:
            REFRESH_SCOPES[token] = granted
        origin_jti = str(models.random.uuid4())
        events[origin_jti] = str(models.random.uuid4())
        self.refresh_tokens[token] = (client_id, username, origin_jti)
        REFRESH_ISSUED[token] = pool_now(self.id)
        return token, origin_jti

    def extra_data(self, client_id, username):
        # The attributes the app client may read (readable(): without ReadAttributes the
        # standard ones; moto puts none in the ID token then, and every custom one always).
        client = self.clients.get(client_id)
        data = {
            a["Name"]: a["Value"]
            for a in self._get_user(username).attributes
            if a["Name"] != "sub" and readable(client, a["Name"])
        }
        for name in ("email_verified", "phone_number_verified"):
            if name in data:
                data[name] = str(data[name]).lower() == "true"
        return data

    def create_id_token(self, client_id, username, origin_jti):
        # moto's, without the custom attributes it adds whatever the client may read: they come
        # through extra_data only where ReadAttributes lists them (readable() below).
        data = self.get_user_extra_data_by_client_id(client_id, username)
        data["origin_jti"] = origin_jti
        data.update(getattr(ID_TOKEN_EXTRA, "claims", None) or {})
        user = self._get_user(username)
        if user.groups:
            data["cognito:groups"] = [group.group_name for group in user.groups]
        id_token, expires_in = self.create_jwt(client_id, username, "id", extra_data=data)
        self.id_tokens[id_token] = (client_id, username)
        return id_token, expires_in

    pool_class.create_jwt = create_jwt
    pool_class.create_id_token = create_id_token
    pool_class.create_tokens_from_refresh_token = create_tokens_from_refresh_token
    pool_class.create_refresh_token = create_refresh_token
    pool_class.get_user_extra_data_by_client_id = extra_data



def revocation_enabled(client):
    """An app client's EnableTokenRevocation (CreateUserPoolClient reference: "If you don't
    include this parameter, token revocation is automatically activated for the new user pool
    client")."""
    if client is None:
        return True
    return client.extended_config.get("EnableTokenRevocation", True) is not False


# What DescribeUserPoolClient answers for settings a client was created without, as Cognito
# fills them in (CreateUserPoolClient reference: RefreshTokenValidity 30 days, access and ID
# tokens an hour, TokenValidityUnits, EnableTokenRevocation, AuthSessionValidity 3 minutes).
# moto answers only what it was given.
CLIENT_DEFAULTS = {
    "RefreshTokenValidity": 30,
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "EnableTokenRevocation": True,
    "AuthSessionValidity": 3,
    # CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
    # ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH,
    # and ALLOW_CUSTOM_AUTH" (the same set as DEFAULT_FLOWS below).
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"],
}


def patch_client_defaults(models):
    client_class = models.CognitoIdpUserPoolClient
    original_to_json = client_class.to_json

    def to_json(self, extended=False):
        described = original_to_json(self, extended)
        if extended:
            for key, value in CLIENT_DEFAULTS.items():
                if not described.get(key) and described.get(key) is not False:
                    described[key] = value
        return described

    client_class.to_json = to_json


def patch_client_updates(models):
    """UpdateUserPoolClient replaces the app client's settings, and rotation excludes
    REFRESH_TOKEN_AUTH.

    UpdateUserPoolClient reference: "If you don't provide a value for an attribute, Amazon
    Cognito sets it to its default value." moto merges the update into what the client had, so
    a test that updates one setting keeps the others it would lose on Cognito. The client's id,
    secret and name stay (the name is kept when the update does not give one).

    Refresh-token rotation (developer guide, "Refresh tokens": "Refresh token rotation isn't
    compatible with the authentication flow REFRESH_TOKEN_AUTH. To implement refresh token
    rotation, you must disable this authentication flow in your app client"): a client whose
    ExplicitAuthFlows list ALLOW_REFRESH_TOKEN_AUTH beside rotation ENABLED is refused with
    InvalidParameterException. No public source gives Cognito's wording; the message here is the
    emulator's own and the crate never reads it (it refreshes only with GetTokensFromRefreshToken).
    A client given no ExplicitAuthFlows is accepted, and its REFRESH_TOKEN_AUTH refused at sign-in
    (refuse_refresh_under_rotation). moto has no rotation."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    backend = models.CognitoIdpBackend
    original_create = backend.create_user_pool_client

    def refuse_rotation_with_refresh_flow(config):
        rotation = config.get("RefreshTokenRotation") or {}
        if rotation.get("Feature") == "ENABLED" and "ALLOW_REFRESH_TOKEN_AUTH" in (config.get("ExplicitAuthFlows") or ()):
            raise InvalidParameterException(
                "Refresh token rotation cannot be enabled while ALLOW_REFRESH_TOKEN_AUTH is allowed"
            )

    def refuse_impossible_client(config, has_secret):
        # CreateUserPoolClient reference, AllowedOAuthFlows: client_credentials "must be the only
        # allowed OAuth flow", for a client "authorized by a combination of the client ID and
        # client secret". No public source gives Cognito's wording: the emulator's own, which
        # the crate never reads (it creates no clients). moto accepts any combination.
        flows = config.get("AllowedOAuthFlows") or []
        if "client_credentials" in flows and len(flows) > 1:
            raise InvalidParameterException("client_credentials must be the only allowed OAuth flow of the app client")
        if "client_credentials" in flows and not has_secret:
            raise InvalidParameterException("client_credentials needs an app client with a client secret")
        # CreateUserPoolClient reference: "You can only activate
        # EnablePropagateAdditionalUserContextData in an app client that has a client secret."
        if config.get("EnablePropagateAdditionalUserContextData") and not has_secret:
            raise InvalidParameterException(
                "EnablePropagateAdditionalUserContextData needs an app client with a client secret")

    def create_user_pool_client(self, user_pool_id, generate_secret, extended_config):
        refuse_rotation_with_refresh_flow(extended_config or {})
        refuse_impossible_client(extended_config or {}, bool(generate_secret))
        return original_create(self, user_pool_id, generate_secret, extended_config)

    def update_user_pool_client(self, user_pool_id, client_id, extended_config):
        client = self.describe_user_pool(user_pool_id).clients.get(client_id)
        if client is None:
            raise models.ResourceNotFoundError(client_id)
        refuse_rotation_with_refresh_flow(extended_config)
        refuse_impossible_client(extended_config, bool(client.generate_secret))
        name = extended_config.get("ClientName") or client.extended_config.get("ClientName")
        # moto's defaults for a new client, then the update, as Cognito resets the rest.
        fresh = models.CognitoIdpUserPoolClient(user_pool_id, client.generate_secret, None).extended_config
        client.extended_config = dict(fresh, **extended_config)
        if name is not None:
            client.extended_config["ClientName"] = name
        return client

    backend.create_user_pool_client = create_user_pool_client
    backend.update_user_pool_client = update_user_pool_client


def rotation_of(client):
    """(enabled, grace seconds) of an app client's RefreshTokenRotation (CreateUserPoolClient
    reference, RefreshTokenRotationType: Feature ENABLED or DISABLED, RetryGracePeriodSeconds
    0 to 60)."""
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    enabled = rotation.get("Feature") == "ENABLED"
    return enabled, max(0, min(60, int(rotation.get("RetryGracePeriodSeconds") or 0)))


def claims_of(jwt):
    """The payload of a compact JWT the emulator signed (no check: it made it)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def patch_refresh_lifecycle(models, responses, find_client, refuse_secret_hash):
    """GetTokensFromRefreshToken and RevokeToken, which moto lacks, as the API reference has them.

    GetTokensFromRefreshToken (API reference): new ID and access tokens for a refresh token;
    with rotation ENABLED on the app client also a new refresh token, the submitted one staying
    valid for RetryGracePeriodSeconds (0 to 60) and refused after with
    RefreshTokenReuseException. The client's secret comes as ClientSecret (not SECRET_HASH).

    RevokeToken (API reference): revokes a refresh token "and all of the access tokens generated
    by, and at the same time as" it; afterwards both are refused. UnsupportedTokenTypeException
    for anything that is not one of the pool's refresh tokens of this client."""
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import EmptyResult

    class RefreshTokenReuseException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="RefreshTokenReuseException", message=message)

    class UnsupportedTokenTypeException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="UnsupportedTokenTypeException", message=message)

    # A rotated-out refresh token: the instant its grace period ends.
    rotated_out = {}
    lock = threading.Lock()

    class UnsupportedOperationException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="UnsupportedOperationException", message=message)

    class UnauthorizedException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="UnauthorizedException", message=message)

    def pool_and_client(handler, client_id, secret, refused=NotAuthorizedError):
        agnostic = handler._get_region_agnostic_backend()
        backend = agnostic._find_backend_for_clientid(client_id)
        pool, client = find_client(backend, client_id)
        if client is None:
            raise models.ResourceNotFoundError(client_id)
        if client.generate_secret and not secret_matches(client, secret):
            raise refused("Unable to verify secret hash for client " + client_id)
        return pool, client

    def secret_matches(client, secret):
        return bool(secret) and hmac.compare_digest(str(client.secret), str(secret))

    def revoke_access_tokens(pool, origin_jti):
        for token in list(pool.access_tokens):
            try:
                if claims_of(token).get("origin_jti") == origin_jti:
                    pool.access_tokens.pop(token, None)
            except ValueError:
                continue

    REFRESH_HOOKS["revoke_access_tokens"] = revoke_access_tokens

    def get_tokens_from_refresh_token(self):
        refresh_token = self._get_param("RefreshToken") or ""
        client_id = self._get_param("ClientId") or ""
        pool, client = pool_and_client(self, client_id, self._get_param("ClientSecret"))
        result = refreshed(pool, client, refresh_token, self._get_param("DeviceKey"))
        return json.dumps({"AuthenticationResult": result})

    def refreshed(pool, client, refresh_token, device_key):
        """New tokens for one of the client's live refresh tokens, rotated as the client says;
        GetTokensFromRefreshToken's and the token endpoint's refresh_token grant's alike."""
        client_id = client.id
        found = pool.refresh_tokens.get(refresh_token)
        if not found or found[0] != client_id:
            raise NotAuthorizedError("Invalid Refresh Token")
        refuse_without_device(refresh_token, device_key)
        enabled, grace = rotation_of(client)
        # The check and the rotation under one lock: with a grace period of 0, of two calls at
        # the same moment with one token exactly one rotates it (the reference: "a successful
        # request immediately invalidates the submitted refresh token").
        with lock:
            ends = rotated_out.get(refresh_token)
            if ends is not None and time.time() >= ends:
                pool.refresh_tokens[refresh_token] = None
                raise RefreshTokenReuseException("Refresh token has been invalidated by rotation")
            if enabled:
                rotated_out.setdefault(refresh_token, time.time() + grace)
        # Rotated, the new tokens are "generated by, and at the same time as" the new refresh
        # token: revoking it revokes them (and they share its origin_jti).
        source = refresh_token
        if enabled:
            source, _ = pool.create_refresh_token(client_id, found[1])
            if refresh_token in REFRESH_SCOPES:
                REFRESH_SCOPES[source] = REFRESH_SCOPES[refresh_token]
        access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(source)
        result = {"AccessToken": access_token, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}
        if enabled:
            result["RefreshToken"] = source
            if refresh_token in DEVICE_BOUND:
                DEVICE_BOUND[source] = DEVICE_BOUND[refresh_token]
        return result

    REFRESH_HOOKS["refresh"] = refreshed
    REFRESH_HOOKS["refused"] = (NotAuthorizedError, RefreshTokenReuseException, models.ResourceNotFoundError)

    def revoke_token(self):
        token = self._get_param("Token") or ""
        client_id = self._get_param("ClientId") or ""
        # RevokeToken's errors (API reference) have no NotAuthorizedException: a client secret
        # that is wrong or missing is UnauthorizedException.
        pool, client = pool_and_client(self, client_id, self._get_param("ClientSecret"), UnauthorizedException)
        # RevokeToken reference, Errors: UnsupportedOperationException, "an operation that isn't
        # enabled for the user pool client" (EnableTokenRevocation off).
        if not revocation_enabled(client):
            raise UnsupportedOperationException("Token revocation is not enabled for this app client.")
        found = pool.refresh_tokens.get(token)
        if token not in pool.refresh_tokens:
            raise UnsupportedTokenTypeException("Unsupported token type")
        if found is not None:
            if found[0] != client_id:
                raise UnsupportedTokenTypeException("Unsupported token type")
            pool.refresh_tokens[token] = None
            revoke_access_tokens(pool, found[2])
        return EmptyResult()

    responses.CognitoIdpResponse.get_tokens_from_refresh_token = get_tokens_from_refresh_token

    # A disabled user cannot refresh, in either refresh call (AdminDisableUser reference:
    # "Deactivates a user profile and revokes all access tokens for the user. A deactivated user
    # can't sign in"). NotAuthorizedException, the type of every refused refresh; the wording,
    # "User is disabled.", is a disabled user's sign-in's, and the crate reads only the type.
    # moto refreshes them.
    original_from_refresh = models.CognitoIdpUserPool.create_tokens_from_refresh_token

    def create_tokens_from_refresh_token(pool, refresh_token):
        found = pool.refresh_tokens.get(refresh_token)
        user = pool.users.get(found[1]) if found and found[1] else None
        if user is not None and not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        # A refresh token lapses RefreshTokenValidity after it was issued (CreateUserPoolClient
        # reference, RefreshTokenValidity: "users can't use a refresh token that's older than"
        # it, and must sign in again). NotAuthorizedException, the type of every refused refresh
        # (GetTokensFromRefreshToken and InitiateAuth references); the wording is the emulator's
        # and the crate reads only the type. moto's refresh tokens never lapse.
        issued = REFRESH_ISSUED.get(refresh_token)
        client = pool.clients.get(found[0]) if found else None
        if issued is not None and pool_now(pool.id) > issued + refresh_lifetime(client):
            raise NotAuthorizedError("Refresh Token has expired")
        return original_from_refresh(pool, refresh_token)

    models.CognitoIdpUserPool.create_tokens_from_refresh_token = create_tokens_from_refresh_token
    responses.CognitoIdpResponse.revoke_token = revoke_token


# The ExplicitAuthFlows value that allows each flow (the legacy names too: ADMIN_NO_SRP_AUTH and
# USER_PASSWORD_AUTH may not be mixed with ALLOW_ names, but a client may list either kind).
FLOW_SETTINGS = {
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH",),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}
# CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
# ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and
# ALLOW_CUSTOM_AUTH."
DEFAULT_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")


def refuse_disallowed_flow(client, auth_flow, admin=False):
    """Cognito signs in only with the flows the app client allows (its ExplicitAuthFlows, or the
    default set), and refuses the rest with InvalidParameterException, in the words its users
    report for each: "USER_SRP_AUTH is not enabled for the client." (aws-samples/
    aws-serverless-workshops#277), "USER_PASSWORD_AUTH flow not enabled for this client", and
    from AdminInitiateAuth "Auth flow not enabled for this client". moto allows every flow. The
    crate reads the type first and only then these words (test
    a_flow_the_app_client_does_not_allow_is_misconfiguration, emulator_flow_wordings_*)."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    flow = str(getattr(auth_flow, "value", auth_flow))
    allowed = client.extended_config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
    if not any(setting in allowed for setting in FLOW_SETTINGS.get(flow, (flow,))):
        if admin:
            raise InvalidParameterException("Auth flow not enabled for this client")
        if flow == "USER_SRP_AUTH":
            raise InvalidParameterException("USER_SRP_AUTH is not enabled for the client.")
        raise InvalidParameterException("%s flow not enabled for this client" % flow)


def mask_phone(phone):
    """A phone number as Cognito shows it in CODE_DELIVERY_DESTINATION: all but its last four
    digits starred (e.g. +*******1234)."""
    return phone[:1] + "*" * max(0, len(phone) - 5) + phone[-4:]


# The texts the emulator "sent" (SMS_MFA codes), newest last, by user pool: GET /_emulator/sms
# answers them. Bounded, as a phone's inbox is, so that a long-running demo does not grow: the
# newest 256 texts of a pool, for the 64 pools that texted last.
SMS_OUTBOX_SIZE = 256
SMS_OUTBOX_POOLS = 64
SMS_OUTBOX = collections.OrderedDict()
SMS_OUTBOX_LOCK = threading.Lock()


def keep_text(text, outbox=None):
    outbox = SMS_OUTBOX if outbox is None else outbox
    with SMS_OUTBOX_LOCK:
        box = outbox.pop(text["pool"], None) or collections.deque(maxlen=SMS_OUTBOX_SIZE)
        box.append(text)
        outbox[text["pool"]] = box
        while len(outbox) > SMS_OUTBOX_POOLS:
            outbox.popitem(last=False)


# The messages with codes the emulator "sent" for sign-up, password reset and attribute
# verification, as a mailbox shows them (the address, the purpose and the code), bounded as the
# SMS outbox is: GET /_emulator/mail. Each is also printed on one line, "mailbox: ...", for a
# person trying the demo.
MAILBOX = collections.OrderedDict()


def outbox_json(outbox):
    with SMS_OUTBOX_LOCK:
        return json.dumps([t for box in outbox.values() for t in box]).encode()


# Time as each user pool sees it: the real clock plus what POST /_emulator/clock moved it on by.
# It stands in for time passing, so that what lapses after minutes or days (a challenge
# session's AuthSessionValidity, a refresh token's RefreshTokenValidity) is tested at once, one
# pool at a time. Only the emulator's own deadlines read it: tokens are minted on the real clock.
CLOCK_OFFSETS = {}


def pool_now(pool_id):
    return time.time() + CLOCK_OFFSETS.get(pool_id, 0)


# What each call brought of threat protection's context and the client metadata, as received
# (UserContextData on the public calls, ContextData on the admin ones, ClientMetadata): GET
# /_emulator/context, newest last, bounded. Cognito keeps them for its risk scores and shows
# them nowhere; the tests read here that the crate sends them.
CONTEXTS = collections.deque(maxlen=512)
CONTEXT_KEYS = ("UserContextData", "ContextData", "ClientMetadata")


def record_context(environ):
    """Notes the context a Cognito call carries, as Cognito takes it, and puts its body back
    for moto. The user's address in UserContextData (the public calls) is taken only from an app
    client with EnablePropagateAdditionalUserContextData (CreateUserPoolClient reference: "When
    EnablePropagateAdditionalUserContextData is false, you can't send your user's source IP
    address to Amazon Cognito threat protection with unauthenticated API operations"; the admin
    calls' ContextData is not affected): else it is dropped, and the entry says so
    (`IpAddressIgnored`). Whether Cognito drops it silently or refuses the call is undocumented;
    the emulator drops it. Test context_data_ip_needs_the_client_setting."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if environ.get("REQUEST_METHOD") != "POST" or not target:
        return
    given = peek_json(environ)
    if any(k in given for k in CONTEXT_KEYS):
        entry = {k: given[k] for k in CONTEXT_KEYS if k in given}
        user_context = entry.get("UserContextData")
        if isinstance(user_context, dict) and "IpAddress" in user_context:
            client = find_pool_client(str(given.get("ClientId") or ""))[2]
            if client is not None and not client.extended_config.get("EnablePropagateAdditionalUserContextData"):
                entry["UserContextData"] = {k: v for k, v in user_context.items() if k != "IpAddress"}
                entry["IpAddressIgnored"] = True
        entry["Action"] = target.rsplit(".", 1)[-1]
        with SMS_OUTBOX_LOCK:
            CONTEXTS.append(entry)


# The calls a user authorizes with their access token, whose reference each says: "It must
# include the scope aws.cognito.signin.user.admin" (GetUser, ChangePassword,
# UpdateUserAttributes, VerifyUserAttribute, GetUserAttributeVerificationCode, DeleteUser, the
# device calls, GlobalSignOut, ...; the developer guide's authorization endpoint: "The access
# token can be only used against Amazon Cognito user pools if aws.cognito.signin.user.admin
# scope is requested"). Without it: NotAuthorizedException "Access Token does not have required
# scopes" (the words users report: aws-amplify/amplify-js#1906, qiita.com/free-honda/items/
# 47e8424699f460b737e0). moto checks no scope, and every token it mints has this one; the
# emulator's managed-login tokens carry the scopes granted (test
# emulator_calls_with_an_access_token_need_the_admin_scope).
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
ADMIN_SCOPE_CALLS = {
    "AssociateSoftwareToken", "ChangePassword", "CompleteWebAuthnRegistration", "ConfirmDevice", "DeleteUser",
    "DeleteUserAttributes", "DeleteWebAuthnCredential", "ForgetDevice", "GetDevice", "GetUser",
    "GetUserAttributeVerificationCode", "GetUserAuthFactors", "GlobalSignOut", "ListDevices",
    "ListWebAuthnCredentials", "SetUserMFAPreference", "SetUserSettings", "StartWebAuthnRegistration",
    "UpdateDeviceStatus", "UpdateUserAttributes", "VerifyUserAttribute",
}


def peek_json(environ):
    """The JSON body of an API call, its bytes put back for moto; {} when it has none."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        given = json.loads(body or b"{}")
    except ValueError:
        return {}
    return given if isinstance(given, dict) else {}


def api_error(start_response, error_type, message):
    body = json.dumps({"__type": error_type, "message": message}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                       ("x-amzn-ErrorType", error_type), ("Content-Length", str(len(body)))])
    return [body]


def refuse_unscoped_token(environ, start_response):
    """A call of ADMIN_SCOPE_CALLS with an access token (a JWT) without the admin scope: its
    refusal; None otherwise (tokens that are not JWTs are moto's to refuse)."""
    action = (environ.get("HTTP_X_AMZ_TARGET") or "").rsplit(".", 1)[-1]
    if environ.get("REQUEST_METHOD") != "POST" or action not in ADMIN_SCOPE_CALLS:
        return None
    token = peek_json(environ).get("AccessToken")
    if not token:
        return None
    try:
        scopes = str(claims_of(token).get("scope") or "").split()
    except (ValueError, IndexError, TypeError):
        return None
    if ADMIN_SCOPE in scopes:
        return None
    return api_error(start_response, "NotAuthorizedException", "Access Token does not have required scopes")


# Managed login's token endpoint, POST /oauth2/token (developer guide, "The token endpoint";
# "Scopes, M2M, and resource servers"), for the client-credentials grant: a machine client (an
# app client with a secret, AllowedOAuthFlows client_credentials, AllowedOAuthFlowsUserPoolClient)
# authenticates with HTTP Basic (or client_id and client_secret in the form) and gets an access
# token with the resource-server scopes it asks for among its AllowedOAuthScopes (all of them
# when it asks for none), signed with the pool's access-token key: sub and client_id the client,
# no username, token_use access, scope, auth_time, iss, exp, iat, version 2, jti. Errors are
# HTTP 400 with {"error": ...}: invalid_request, invalid_client (unknown client, wrong secret),
# unauthorized_client (the grant not allowed), invalid_scope, unsupported_grant_type. moto has
# no managed login at all.
def oauth_error(start_response, error, status="400 Bad Request"):
    body = json.dumps({"error": error}).encode()
    start_response(status, [("Content-Type", "application/json;charset=UTF-8"),
                                       ("Content-Length", str(len(body)))])
    return [body]


def oauth_client(environ, form):
    """The client id and secret of a token request: HTTP Basic, else the form's."""
    header = environ.get("HTTP_AUTHORIZATION") or ""
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
        except (ValueError, UnicodeDecodeError):
            return None, None
    return (form.get("client_id") or [None])[0], (form.get("client_secret") or [None])[0]


def find_pool_client(client_id):
    """The backend, pool and app client of a client id, or Nones."""
    from moto.cognitoidp.models import cognitoidp_backends

    for account in cognitoidp_backends.values():
        for region, backend in account.items():
            if region == "global":
                continue
            for pool in backend.user_pools.values():
                if client_id in pool.clients:
                    return backend, pool, pool.clients[client_id]
    return None, None, None


def oauth_token(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(environ["wsgi.input"].read(length).decode("utf-8", "replace"))
    grant = (form.get("grant_type") or [""])[0]
    client_id, secret = oauth_client(environ, form)
    if not grant or not client_id:
        return oauth_error(start_response, "invalid_request")
    backend, pool, client = find_pool_client(client_id)
    if client is None or (client.generate_secret and not hmac.compare_digest(client.secret, secret or "")):
        return oauth_error(start_response, "invalid_client")
    config = client.extended_config
    if grant == "authorization_code":
        return oauth_code_grant(start_response, {k: v[0] for k, v in form.items()}, pool, client, backend)
    if grant == "refresh_token":
        return oauth_refresh_grant(start_response, {k: v[0] for k, v in form.items()}, pool, client)
    if grant != "client_credentials":
        return oauth_error(start_response, "unsupported_grant_type")
    if not client.generate_secret or "client_credentials" not in (config.get("AllowedOAuthFlows") or []) \
            or not config.get("AllowedOAuthFlowsUserPoolClient"):
        return oauth_error(start_response, "unauthorized_client")
    allowed = [s for s in (config.get("AllowedOAuthScopes") or []) if "/" in s]
    asked = (form.get("scope") or [""])[0].split()
    if any(s not in allowed for s in asked) or not (asked or allowed):
        return oauth_error(start_response, "invalid_scope")
    now = int(time.time())
    units = (config.get("TokenValidityUnits") or {}).get("AccessToken") or "minutes"
    lifetime = int(float(config.get("AccessTokenValidity") or 60) * VALIDITY_UNITS.get(units, 60))
    payload = {
        "sub": client_id, "token_use": "access", "scope": " ".join(asked or allowed), "auth_time": now,
        "iss": pool_issuer(pool), "exp": now + lifetime, "iat": now,
        "version": 2, "jti": str(uuid.uuid4()), "client_id": client_id,
    }
    token = sign(pool.id, "access", payload)
    body = json.dumps({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}).encode()
    start_response("200 OK", [("Content-Type", "application/json;charset=UTF-8"), ("Content-Length", str(len(body)))])
    return [body]


# Managed login's pages (developer guide, "User pool endpoints and managed login reference":
# the authorize, login, token and logout endpoints; moto has none), enough for an application's
# authorization-code round trip: GET /oauth2/authorize checks the client (its CallbackURLs hold
# redirect_uri exactly, it allows the code grant and the scopes asked for, S256 the only PKCE
# method) and shows a plain sign-in form, POSTed to /login and checked against the pool's
# users; with identity_provider (one of the client's SupportedIdentityProviders) a stand-in
# provider page instead, whose sign-in creates the federated user as Cognito names them
# (`<provider>_<id>`, status EXTERNAL_PROVIDER, the provider's email). Either redirects to
# redirect_uri with a code (one use, five minutes) and the state. An error the client can be
# told of goes to redirect_uri as `error=`; one it cannot (unknown client, a redirect_uri not
# registered) is a 400 page, as Cognito's "redirect_mismatch". GET /logout checks logout_uri
# against the client's LogoutURLs and redirects there.
AUTH_CODES = {}  # code -> what its token request must match
ID_TOKEN_EXTRA = threading.local()  # claims the next ID token carries (the authorize request's nonce)


def html_page(start_response, status, body):
    data = ("<!doctype html><html><head><title>Sign in</title></head><body>%s</body></html>" % body).encode()
    start_response(status, [("Content-Type", "text/html;charset=UTF-8"), ("Content-Length", str(len(data)))])
    return [data]


def redirect(start_response, location):
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


def with_query(url, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


def read_form(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(environ["wsgi.input"].read(length).decode("utf-8", "replace"))
    return {k: v[0] for k, v in form.items()}


# The OIDC scopes that come only with openid, and the attributes the app client must be able to
# read for each (CDK's OAuthScope, after the developer guide: email "Grants access to the 'email'
# and 'email_verified' claims", phone to 'phone_number' and 'phone_number_verified'; profile to
# "all user attributes that are readable by the client").
OPENID_ONLY = ("email", "phone", "profile")
SCOPE_ATTRIBUTES = {"email": ("email", "email_verified"), "phone": ("phone_number", "phone_number_verified")}


def granted_scopes(client, given):
    """The scopes of an authorize request: those asked for, or without any all the client's
    (developer guide, authorization endpoint: "If you don't request any scopes, the
    authorization server uses all scopes that are associated with the client")."""
    asked = (given.get("scope") or "").split()
    return " ".join(asked or (client.extended_config.get("AllowedOAuthScopes") or []))


AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "state", "scope", "nonce", "code_challenge",
                    "code_challenge_method", "identity_provider", "response_type")


def check_authorize(given):
    """The authorize request's client and its answer for a refusal: (pool, client, None), or
    (None, None, the WSGI answer to give)."""
    pool, client = find_pool_client(given.get("client_id") or "")[1:]
    redirect_uri = given.get("redirect_uri") or ""
    config = client.extended_config if client is not None else {}
    if client is None or redirect_uri not in (config.get("CallbackURLs") or []):
        return None, None, lambda sr: html_page(sr, "400 Bad Request", "<p id='error'>redirect_mismatch</p>")
    refuse = lambda error: (None, None, lambda sr: redirect(sr, with_query(redirect_uri, error=error,
                                                                          state=given.get("state"))))
    if given.get("response_type") != "code" or "code" not in (config.get("AllowedOAuthFlows") or []) \
            or not config.get("AllowedOAuthFlowsUserPoolClient"):
        return refuse("unauthorized_client")
    asked = (given.get("scope") or "").split()
    if any(s not in (config.get("AllowedOAuthScopes") or []) for s in asked):
        return refuse("invalid_scope")
    # "The phone, email, and profile scopes can only be requested if openid is also requested"
    # (developer guide, authorization endpoint, scope).
    if any(s in OPENID_ONLY for s in asked) and "openid" not in asked:
        return refuse("invalid_scope")
    if given.get("code_challenge") and given.get("code_challenge_method") != "S256":
        return refuse("invalid_request")
    provider = given.get("identity_provider")
    if provider and provider not in (config.get("SupportedIdentityProviders") or []):
        return refuse("invalid_request")
    return pool, client, None


def sign_in_form(given, action, fields, error=None, step=None, shown_before=""):
    hidden = "".join("<input type='hidden' name='%s' value='%s'>" % (k, html.escape(given[k], quote=True))
                     for k in AUTHORIZE_FIELDS if given.get(k))
    if step:
        hidden += "<input type='hidden' name='step' value='%s'>" % html.escape(step, quote=True)
    inputs = "".join("<label>%s <input name='%s' type='%s'></label>" % (label, name, kind) for name, label, kind in fields)
    shown = shown_before + ("<p id='error'>%s</p>" % html.escape(error) if error else "")
    return "%s<form method='post' action='%s' id='signin'>%s%s<button type='submit'>Sign in</button></form>" % (
        shown, action, hidden, inputs)


def issue_code(start_response, pool, given, username):
    code = str(uuid.uuid4())
    client = pool.clients.get(given["client_id"])
    with SMS_OUTBOX_LOCK:
        AUTH_CODES[code] = {"pool": pool.id, "client_id": given["client_id"], "redirect_uri": given["redirect_uri"],
                            "username": username, "nonce": given.get("nonce"), "until": pool_now(pool.id) + 300,
                            "challenge": given.get("code_challenge"), "scope": granted_scopes(client, given)}
    return redirect(start_response, with_query(given["redirect_uri"], code=code, state=given.get("state")))


def oauth_authorize(environ, start_response):
    given = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING") or "").items()}
    pool, client, refusal = check_authorize(given)
    if refusal:
        return refusal(start_response)
    provider = given.get("identity_provider")
    if provider:
        fields = [("email", "Your %s email" % html.escape(provider), "email")]
        return html_page(start_response, "200 OK", "<h1>%s (stand-in)</h1>" % html.escape(provider)
                         + sign_in_form(given, "/_emulator/idp", fields))
    fields = [("username", "Username", "text"), ("password", "Password", "password")]
    return html_page(start_response, "200 OK", sign_in_form(given, "/login", fields))


def hosted_sign_in(environ, start_response):
    """POST /login: the sign-in form's answer, or the answer of a step after it (`step`)."""
    given = read_form(environ)
    pool, client, refusal = check_authorize(given)
    if refusal:
        return refusal(start_response)
    if given.get("step"):
        return hosted_step(start_response, pool, client, given)
    user = pool._get_user(given.get("username") or "")
    password = given.get("password") or ""
    status = str(getattr(user.status, "value", user.status)) if user is not None else ""
    if user is None or not user.enabled or not hmac.compare_digest(user.password or "", password) \
            or status not in ("CONFIRMED", "FORCE_CHANGE_PASSWORD"):
        fields = [("username", "Username", "text"), ("password", "Password", "password")]
        return html_page(start_response, "200 OK", sign_in_form(given, "/login", fields,
                                                                "Incorrect username or password."))
    return hosted_next(start_response, pool, client, given, user)


# Managed login asks, after the password, for what the user still owes, as the API flows do
# (developer guide, "Adding MFA to a user pool": "Managed login prompts users to set up MFA when
# you set MFA to be required"; "After a user with MFA signs in ... in the managed login pages,
# they're automatically prompted for the MFA code"; a temporary password is replaced first):
# a new password, then the factor mfa_due names (an authenticator code, a texted or mailed
# code, the choice among several, or an authenticator's enrolment), each a page of its own
# whose answer comes back to /login with the step's token. Only then is a code issued. The
# emulator of before issued a code after the password alone (test
# managed_login_asks_for_a_new_password_and_the_second_factor_before_the_code). HOSTED_HOOKS
# is filled by patch_moto, where the factors are kept.
HOSTED_HOOKS = {}
HOSTED_STEPS = {}  # step token -> {"pool", "client_id", "username", "challenge", "code", "secret", "until", ...}
STEP_FIELDS = {
    "NEW_PASSWORD_REQUIRED": [("new_password", "New password", "password")],
    "SOFTWARE_TOKEN_MFA": [("code", "Authenticator code", "text")],
    "SMS_MFA": [("code", "Texted code", "text")],
    "EMAIL_OTP": [("code", "Mailed code", "text")],
    "MFA_SETUP": [("code", "The authenticator's first code", "text")],
    "SELECT_MFA_TYPE": [("factor", "Factor", "text")],
}


def hosted_next(start_response, pool, client, given, user, after_new_password=False):
    """What the user owes after the password (or the new one): a step's page, or the code."""
    if not after_new_password and str(getattr(user.status, "value", user.status)) == "FORCE_CHANGE_PASSWORD":
        return hosted_page(start_response, pool, client, given, user, "NEW_PASSWORD_REQUIRED", {})
    challenge, params = HOSTED_HOOKS["mfa_due"](pool, user)
    if challenge is None:
        return issue_code(start_response, pool, given, user.username)
    return hosted_page(start_response, pool, client, given, user, challenge, params or {})


def hosted_page(start_response, pool, client, given, user, challenge, params, error=None, token=None):
    """The page of a step (a new one, or again after a wrong answer with `token`)."""
    if token is None:
        minutes = float(client.extended_config.get("AuthSessionValidity") or 3)
        token = secrets.token_urlsafe(24)
        step = {"pool": pool.id, "client_id": client.id, "username": user.username, "challenge": challenge,
                "until": pool_now(pool.id) + minutes * 60, "offered": json.loads(params.get("MFAS_CAN_CHOOSE") or "[]")}
        if challenge == "SMS_MFA":
            step["code"] = HOSTED_HOOKS["text"](pool, user)
        if challenge == "EMAIL_OTP":
            HOSTED_HOOKS["mail"](pool, user, "mfa:hosted:" + token, "email")
        if challenge == "MFA_SETUP":
            step["secret"] = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
        with SMS_OUTBOX_LOCK:
            HOSTED_STEPS[token] = step
    with SMS_OUTBOX_LOCK:
        step = HOSTED_STEPS.get(token) or {}
    shown = "<p id='step'>%s</p>" % challenge
    if step.get("secret"):
        shown += "<p id='secret'>%s</p>" % step["secret"]
    if step.get("offered"):
        shown += "<p id='factors'>%s</p>" % html.escape(" ".join(step["offered"]))
    page = sign_in_form(given, "/login", STEP_FIELDS[challenge], error, step=token, shown_before=shown)
    return html_page(start_response, "200 OK", page)


def hosted_step(start_response, pool, client, given):
    from cryptography.hazmat.primitives.twofactor import InvalidToken

    token = given.get("step") or ""
    with SMS_OUTBOX_LOCK:
        step = HOSTED_STEPS.get(token)
    user = pool.users.get(step["username"]) if step else None
    if step is None or step["client_id"] != client.id or user is None or pool_now(pool.id) > step["until"]:
        with SMS_OUTBOX_LOCK:
            HOSTED_STEPS.pop(token, None)
        fields = [("username", "Username", "text"), ("password", "Password", "password")]
        return html_page(start_response, "200 OK", sign_in_form(given, "/login", fields,
                                                                "Your session has expired; sign in again."))
    challenge = step["challenge"]
    again = lambda error: hosted_page(start_response, pool, client, given, user, challenge, {}, error, token)
    done = lambda: HOSTED_STEPS.pop(token, None)
    code = given.get("code") or ""
    if challenge == "NEW_PASSWORD_REQUIRED":
        password = given.get("new_password") or ""
        try:
            HOSTED_HOOKS["validate_password"](pool, password)
        except Exception as refused:  # the pool's policy, in moto's words
            return again(getattr(refused, "message", None) or "The password does not meet the policy.")
        user.password = password
        user.status = HOSTED_HOOKS["confirmed"]
        done()
        return hosted_next(start_response, pool, client, given, user, after_new_password=True)
    if challenge == "SELECT_MFA_TYPE":
        factor = given.get("factor") or ""
        if factor not in step["offered"]:
            return again("Choose one of the factors offered.")
        done()
        return hosted_page(start_response, pool, client, given, user, factor, {})
    if challenge in ("SMS_MFA",):
        right = hmac.compare_digest(step.get("code") or "", code)
    elif challenge == "EMAIL_OTP":
        try:
            HOSTED_HOOKS["spend_mail"](pool, user.username, "mfa:hosted:" + token, code)
            right = True
        except Exception:  # wrong, spent or too many: a wrong code on this page
            right = False
    elif challenge == "SOFTWARE_TOKEN_MFA":
        right = HOSTED_HOOKS["totp"](pool.id, user.username, code)
    else:  # MFA_SETUP: the new authenticator's first code, then it is the user's factor
        from moto.cognitoidp.utils import cognito_totp, verify_totp
        try:
            verify_totp(cognito_totp(step["secret"]), code.encode("utf-8"))
            right = True
        except InvalidToken:
            right = False
        if right:
            HOSTED_HOOKS["enrol"](pool, user, step["secret"], code)
    if not right:
        return again("Invalid code received for user")
    done()
    return issue_code(start_response, pool, given, user.username)


def federated_sign_in(environ, start_response):
    """POST /_emulator/idp: the stand-in identity provider's answer; the first sign-in creates
    the federated user as Cognito does (named `<provider>_<the provider's id>`)."""
    from moto.cognitoidp.models import CognitoIdpUser

    given = read_form(environ)
    pool, client, refusal = check_authorize(given)
    if refusal:
        return refusal(start_response)
    email = (given.get("email") or "").strip().lower()
    provider = given.get("identity_provider") or ""
    if not email or not provider:
        return redirect(start_response, with_query(given["redirect_uri"], error="access_denied",
                                                   error_description="the provider refused", state=given.get("state")))
    username = "%s_%s" % (provider, hashlib.sha256(email.encode()).hexdigest()[:21])
    if pool._get_user(username) is None:
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                      {"Name": "identities", "Value": json.dumps([{"providerName": provider, "userId": email}])}]
        user = CognitoIdpUser(pool.id, username, None, "EXTERNAL_PROVIDER", attributes)
        pool.users[username] = user
    return issue_code(start_response, pool, given, username)


def oauth_code_grant(start_response, form, pool, client, backend):
    """grant_type=authorization_code: the code of this client, for this redirect_uri, proved by
    its PKCE verifier (RFC 7636: BASE64URL(SHA256(verifier)) is the challenge); else invalid_grant."""
    with SMS_OUTBOX_LOCK:
        issued = AUTH_CODES.pop(form.get("code") or "", None)
    if issued is None or issued["client_id"] != client.id or pool_now(pool.id) > issued["until"] \
            or issued["redirect_uri"] != (form.get("redirect_uri") or ""):
        return oauth_error(start_response, "invalid_grant")
    if issued["challenge"]:
        proof = base64.urlsafe_b64encode(hashlib.sha256((form.get("code_verifier") or "").encode()).digest())
        if not hmac.compare_digest(proof.rstrip(b"=").decode(), issued["challenge"]):
            return oauth_error(start_response, "invalid_grant")
    # "unauthorized_client: Client is not allowed for code grant flow" (developer guide, token
    # endpoint): the client's grants are read again here, not only at /oauth2/authorize.
    config = client.extended_config
    if "code" not in (config.get("AllowedOAuthFlows") or []) or not config.get("AllowedOAuthFlowsUserPoolClient"):
        return oauth_error(start_response, "unauthorized_client")
    # "invalid_grant: App client doesn't have read access to all attributes in the requested
    # scope. For example, your app requests the email scope and your app client can read the
    # email attribute, but not email_verified" (developer guide, token endpoint).
    scopes = issued["scope"].split()
    if any(not readable(client, a) for scope in scopes for a in SCOPE_ATTRIBUTES.get(scope, ())):
        return oauth_error(start_response, "invalid_grant")
    ID_TOKEN_EXTRA.claims = {"nonce": issued["nonce"]} if issued["nonce"] else {}
    GRANTING.scope = issued["scope"]
    try:
        tokens = backend._log_user_in(pool, client, issued["username"])["AuthenticationResult"]
    finally:
        ID_TOKEN_EXTRA.claims = {}
        GRANTING.scope = None
    answer = {"access_token": tokens["AccessToken"], "refresh_token": tokens["RefreshToken"],
              "expires_in": tokens["ExpiresIn"], "token_type": "Bearer"}
    # "An ID token is only returned if openid scope is requested" (developer guide,
    # authorization endpoint).
    if "openid" in scopes:
        answer["id_token"] = tokens["IdToken"]
    body = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json;charset=UTF-8"), ("Content-Length", str(len(body)))])
    return [body]


def hosted_logout(environ, start_response):
    given = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING") or "").items()}
    _, _, client = find_pool_client(given.get("client_id") or "")
    logout_uri = given.get("logout_uri") or ""
    if client is None or logout_uri not in (client.extended_config.get("LogoutURLs") or []):
        return html_page(start_response, "400 Bad Request", "<p id='error'>invalid logout_uri</p>")
    return redirect(start_response, logout_uri)


# The rest of managed login's endpoints (developer guide, "The revoke endpoint", "The userInfo
# endpoint", "The token endpoint": the refresh_token grant). REFRESH_HOOKS is filled by
# patch_refresh_lifecycle, which keeps the refresh tokens' rules.
REFRESH_HOOKS = {}


def oauth_refresh_grant(start_response, form, pool, client):
    """grant_type=refresh_token (developer guide, token endpoint): new ID and access tokens for
    one of this client's live refresh tokens, and with the client's refresh-token rotation a new
    refresh token, the old one refused after its grace period (RefreshTokenRotationType
    reference; tricksumo.com/amazon-cognito-refresh-token-rotation: "A new refresh token is
    returned on every /oauth2/token call"), as GetTokensFromRefreshToken does (one rule for
    both). A revoked, lapsed, rotated-out or disabled user's token is invalid_grant (the
    emulator of before answered a disabled user with a 500); a client not allowed to refresh
    (neither ALLOW_REFRESH_TOKEN_AUTH nor rotation) unauthorized_client ("Client is not allowed
    ... for refreshing tokens"). The ID token only for a sign-in granted openid."""
    config = client.extended_config
    flows = config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
    if "ALLOW_REFRESH_TOKEN_AUTH" not in flows and not rotation_of(client)[0]:
        return oauth_error(start_response, "unauthorized_client")
    token = form.get("refresh_token") or ""
    if not token:
        return oauth_error(start_response, "invalid_request")
    issued = REFRESH_ISSUED.get(token)
    if issued is not None and pool_now(pool.id) > issued + refresh_lifetime(client):
        return oauth_error(start_response, "invalid_grant")
    try:
        tokens = REFRESH_HOOKS["refresh"](pool, client, token, None)
    except REFRESH_HOOKS["refused"]:
        return oauth_error(start_response, "invalid_grant")
    answer = {"access_token": tokens["AccessToken"], "expires_in": tokens["ExpiresIn"], "token_type": "Bearer"}
    if "openid" in (REFRESH_SCOPES.get(token) or "openid").split():
        answer["id_token"] = tokens["IdToken"]
    if tokens.get("RefreshToken"):
        answer["refresh_token"] = tokens["RefreshToken"]
    body = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json;charset=UTF-8"), ("Content-Length", str(len(body)))])
    return [body]


def oauth_revoke(environ, start_response):
    """POST /oauth2/revoke (developer guide, "The revoke endpoint", its error table): the refresh
    token, and the access tokens issued with it, stop working (as RevokeToken); HTTP 200 with an
    empty body, also for a token already revoked or unknown; 400 invalid_request without a token
    or when the client's token revocation is off; 400 unsupported_token_type for a token that is
    not a refresh token (an access or ID token); 401 invalid_client for a wrong client or
    secret. Another client's refresh token is unsupported_token_type, as RevokeToken has it."""
    form = {k: v[0] for k, v in urllib.parse.parse_qs(read_body(environ)).items()}
    client_id, secret = oauth_client(environ, {k: [v] for k, v in form.items()})
    _, pool, client = find_pool_client(client_id or "")
    if client is None or (client.generate_secret and not hmac.compare_digest(client.secret, secret or "")):
        return oauth_error(start_response, "invalid_client", "401 Unauthorized")
    token = form.get("token") or ""
    if not token or not revocation_enabled(client):
        return oauth_error(start_response, "invalid_request")
    if token in pool.access_tokens or token in pool.id_tokens:
        return oauth_error(start_response, "unsupported_token_type")
    found = pool.refresh_tokens.get(token)
    if found is not None:
        if found[0] != client.id:
            return oauth_error(start_response, "unsupported_token_type")
        pool.refresh_tokens[token] = None
        REFRESH_HOOKS["revoke_access_tokens"](pool, found[2])
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def oauth_user_info(environ, start_response):
    """GET /oauth2/userInfo with `Authorization: Bearer <access token>` (developer guide, "The
    userInfo endpoint"): for an access token of the token endpoint with the openid scope ("The
    openid scope must be one of the access token claims"; API sign-ins' tokens are not
    accepted), the attributes its scopes cover among those the client may read (openid: sub;
    email: email, email_verified; phone: phone_number, phone_number_verified; profile: every
    readable one) and `username`. A missing header is 400 invalid_request, any other token 401
    invalid_token, each in a WWW-Authenticate header as the page shows them (no body)."""
    header = environ.get("HTTP_AUTHORIZATION") or ""
    if not header.startswith("Bearer ") or not header[7:].strip():
        challenge = 'error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"'
        start_response("400 Bad Request", [("WWW-Authenticate", challenge), ("Content-Length", "0")])
        return [b""]
    token = header[7:].strip()
    from moto.cognitoidp.models import cognitoidp_backends

    for account in cognitoidp_backends.values():
        for region, backend in account.items():
            if region == "global":
                continue
            for pool in backend.user_pools.values():
                if token in pool.access_tokens:
                    client_id, username = pool.access_tokens[token]
                    user = pool.users.get(username)
                    try:
                        scopes = str(claims_of(token).get("scope") or "").split()
                    except (ValueError, IndexError):
                        scopes = []
                    if user is None or not user.enabled or "openid" not in scopes:
                        break
                    client = pool.clients.get(client_id)
                    covered = lambda name: "profile" in scopes or any(
                        name in SCOPE_ATTRIBUTES.get(scope, ()) for scope in scopes)
                    info = {a["Name"]: a["Value"] for a in user.attributes
                            if readable(client, a["Name"]) and covered(a["Name"])}
                    info.update(sub=user.id, username=user.username)
                    body = json.dumps(info).encode()
                    start_response("200 OK", [("Content-Type", "application/json;charset=UTF-8"),
                                              ("Content-Length", str(len(body)))])
                    return [body]
    challenge = ('error="invalid_token", error_description="Access token is expired, disabled, or deleted, '
                 'or the user has globally signed out."')
    start_response("401 Unauthorized", [("WWW-Authenticate", challenge), ("Content-Length", "0")])
    return [b""]


def read_body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length).decode("utf-8", "replace")


def with_outbox(app):
    """Serves GET /_emulator/sms and GET /_emulator/mail (the outboxes as JSON), GET
    /_emulator/context (what the calls brought of context), and POST /_emulator/clock
    ({"pool": id, "advance": seconds}) beside moto's own routes. Not Cognito calls: they stand in
    for the user's phone and mailbox, Cognito's risk records, and for time passing."""
    def answer(start_response, body):
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def serve(environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/_emulator/sms" and method == "GET":
            return answer(start_response, outbox_json(SMS_OUTBOX))
        if path == "/_emulator/mail" and method == "GET":
            return answer(start_response, outbox_json(MAILBOX))
        if path == "/_emulator/context" and method == "GET":
            with SMS_OUTBOX_LOCK:
                return answer(start_response, json.dumps(list(CONTEXTS)).encode())
        if path == "/_emulator/clock" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                asked = json.loads(environ["wsgi.input"].read(length) or b"{}")
                pool, advance = str(asked["pool"]), float(asked["advance"])
            except (ValueError, KeyError, TypeError):
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b'POST /_emulator/clock wants {"pool": id, "advance": seconds}']
            CLOCK_OFFSETS[pool] = CLOCK_OFFSETS.get(pool, 0) + advance
            return answer(start_response, json.dumps({"pool": pool, "offset": CLOCK_OFFSETS[pool]}).encode())
        if path == "/oauth2/token" and method == "POST":
            return oauth_token(environ, start_response)
        if path == "/oauth2/authorize" and method == "GET":
            return oauth_authorize(environ, start_response)
        if path == "/login" and method == "POST":
            return hosted_sign_in(environ, start_response)
        if path == "/_emulator/idp" and method == "POST":
            return federated_sign_in(environ, start_response)
        if path == "/logout" and method == "GET":
            return hosted_logout(environ, start_response)
        if path == "/oauth2/revoke" and method == "POST":
            return oauth_revoke(environ, start_response)
        if path == "/oauth2/userInfo" and method == "GET":
            return oauth_user_info(environ, start_response)
        if path and path.endswith("/.well-known/jwks.json") and method == "GET" and path.count("/") == 3:
            return answer(start_response, pool_jwks(path.split("/")[1]))
        refused = refuse_unscoped_token(environ, start_response)
        if refused is not None:
            return refused
        record_context(environ)
        return app(environ, start_response)
    return serve


# How long a code lives (developer guide, "Signing up and confirming user accounts": a
# confirmation code "remains valid for 24 hours"; ForgotPassword's reference: the code "is valid
# for one hour"; attribute verification codes as sign-up's), and how many wrong codes are
# allowed before LimitExceededException (the guide's five failed attempts).
# An email MFA code "is valid for the Authentication flow session duration" (developer guide,
# "SMS and email message MFA"; "Quotas": 3 to 15 minutes, the app client's AuthSessionValidity):
# its session's deadline bounds it (refuse_lapsed; a managed-login step's own), so the code
# itself lives the longest a session can. The emulator of before gave it three minutes
# whatever the session's validity.
CODE_LIFETIMES = {"signup": 24 * 3600, "reset": 3600, "verify": 24 * 3600, "mfa": 15 * 60}  # by purpose, before its ":"
MAX_WRONG_CODES = 5
# Per-user hourly quotas on asking for and entering codes (developer guide, "Quotas": the code
# security quotas; "between 5 and 20 attempts for a user to request or enter a password reset
# code" an hour, "How to recover a user account"; ChangePassword 5 an hour, users' reports:
# dev.classmethod.jp, amazon-cognito-identity-js#548, aws-amplify/amplify-js#13225), counted on
# the pool's clock over the last hour and not reset by a new code; past one,
# LimitExceededException. The reset quota is taken at its low end, so no test passes by
# Cognito's leniency. moto has no quota at all.
HOURLY_QUOTAS = {"ConfirmSignUp": 15, "ResendConfirmationCode": 5, "reset": 5, "ChangePassword": 5,
                 "GetUserAttributeVerificationCode": 5}
QUOTA_USES = {}  # (pool id, username, quota) -> the instants of the last hour's calls
QUOTA_LOCK = threading.Lock()


def spend_quota(pool, username, quota):
    """Counts one call against the user's hourly quota, or refuses it once the quota is used."""
    from moto.core.exceptions import JsonRESTError

    now = pool_now(pool.id)
    with QUOTA_LOCK:
        uses = [t for t in QUOTA_USES.get((pool.id, username, quota), []) if now - t < 3600]
        if len(uses) >= HOURLY_QUOTAS[quota]:
            QUOTA_USES[(pool.id, username, quota)] = uses
            raise JsonRESTError("LimitExceededException", "Attempt limit exceeded, please try after some time.")
        QUOTA_USES[(pool.id, username, quota)] = uses + [now]


def mask_email(address):
    """An address as Cognito shows it in CodeDeliveryDetails: a***@e***."""
    local, _, domain = address.partition("@")
    return "%s***@%s***" % (local[:1], domain[:1])


def patch_self_service(models, responses, find_client, refuse_secret_hash, hides_users):
    """Sign-up, its confirmation, ForgotPassword, ChangePassword and DeleteUser as Cognito's API
    reference has them; moto confirms a sign-up with any code, checks reset codes only of a
    format of its own, and lacks ResendConfirmationCode and DeleteUser.

    Codes are random six digits, sent to the attribute Cognito would use (the pool's
    AutoVerifiedAttributes for a sign-up; the verified email, else phone, for a reset), kept in
    the mailbox, and refused with Cognito's errors, in the words its users report: a wrong one
    CodeMismatchException "Invalid verification code provided, please try again.", an expired or
    spent one ExpiredCodeException "Invalid code provided, please request a code again.", after
    five wrong ones LimitExceededException "Attempt limit exceeded, please try after some time."
    (the crate reads only the types). Every call with a client checks SecretHash as InitiateAuth
    checks SECRET_HASH."""
    from moto.cognitoidp.exceptions import (
        CodeMismatchException, ExpiredCodeException, InvalidParameterException, NotAuthorizedError,
        UserNotFoundError, UsernameExistsException,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult, EmptyResult

    class LimitExceededException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="LimitExceededException", message=message)

    codes = {}  # (pool id, username, purpose) -> {"code", "until", "wrong", "attribute"}
    lock = threading.Lock()
    unknown = "Username/client id combination not found."

    def client_of(handler, username):
        client_id = handler._get_param("ClientId") or ""
        backend = handler._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool, client = find_client(backend, client_id)
        if client is None:
            raise models.ResourceNotFoundError(client_id)
        given = handler._get_param("SecretHash")
        if client.generate_secret:
            refuse_secret_hash(client, username, given)
        elif given:
            raise InvalidParameterException(
                "App client %s is not configured for secret but secret hash was received" % client.id
            )
        return backend, pool, client

    def send_code(pool, user, purpose, attribute, to=None):
        destination = to or user.attribute_lookup.get(attribute) or ""
        code = "%06d" % secrets.randbelow(1_000_000)
        lifetime = CODE_LIFETIMES[purpose.split(":")[0]]
        with lock:
            codes[(pool.id, user.username, purpose)] = {
                "code": code, "until": pool_now(pool.id) + lifetime, "wrong": 0, "attribute": attribute, "to": to,
            }
        medium = "EMAIL" if attribute == "email" else "SMS"
        keep_text({"pool": pool.id, "username": user.username, "to": destination, "medium": medium,
                   "purpose": purpose, "code": code}, MAILBOX)
        print("mailbox: %s to %s, %s code %s" % (medium, destination, purpose, code), flush=True)
        shown = mask_email(destination) if medium == "EMAIL" else mask_phone(destination)
        return {"Destination": shown, "DeliveryMedium": medium, "AttributeName": attribute}

    def spend_code(pool, username, purpose, given):
        key = (pool.id, username, purpose)
        with lock:
            entry = codes.get(key)
            if entry is None or pool_now(pool.id) > entry["until"]:
                codes.pop(key, None)
                raise ExpiredCodeException("Invalid code provided, please request a code again.")
            if entry["wrong"] >= MAX_WRONG_CODES:
                raise LimitExceededException("Attempt limit exceeded, please try after some time.")
            if not hmac.compare_digest(entry["code"], str(given or "")):
                entry["wrong"] += 1
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            return codes.pop(key)

    def verified(user, attribute):
        return bool(user.attribute_lookup.get(attribute)) and str(
            user.attribute_lookup.get(attribute + "_verified", "")).lower() == "true"

    def sign_up(self):
        username = self._get_param("Username") or ""
        backend, pool, client = client_of(self, username)
        refuse_unwritable(client, self._get_param("UserAttributes", []))
        try:
            user, _ = backend.sign_up(client.id, username, self._get_param("Password"),
                                      self._get_param("UserAttributes", []))
        except UsernameExistsException:
            raise UsernameExistsException("User already exists")
        answer = {"UserConfirmed": False, "UserSub": user.id}
        auto = pool.extended_config.get("AutoVerifiedAttributes") or []
        attribute = next((a for a in ("email", "phone_number") if a in auto and user.attribute_lookup.get(a)), None)
        if attribute:
            answer["CodeDeliveryDetails"] = send_code(pool, user, "signup", attribute)
        return ActionResult(answer)

    def confirm_sign_up(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            # With PreventUserExistenceErrors, ConfirmSignUp answers only ExpiredCodeException,
            # NotAuthorizedException or CodeMismatchException (developer guide, "Managing error
            # responses"); which one for an unknown user is not said: a wrong code, as
            # ConfirmForgotPassword answers it.
            if hides_users(client):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            raise UserNotFoundError(unknown)
        if user.status is not UserStatus.UNCONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is %s" % user.status.value)
        spend_quota(pool, user.username, "ConfirmSignUp")
        entry = spend_code(pool, user.username, "signup", self._get_param("ConfirmationCode"))
        user.status = UserStatus.CONFIRMED
        # The code reached the address: it is verified.
        user.update_attributes([{"Name": entry["attribute"] + "_verified", "Value": "true"}])
        return EmptyResult()

    def simulated_delivery(client, username):
        # PreventUserExistenceErrors: "a simulated destination" for an unknown user (developer
        # guide, "Managing error responses"); otherwise UserNotFoundException.
        if not hides_users(client):
            raise UserNotFoundError(unknown)
        return ActionResult({"CodeDeliveryDetails": {"Destination": "%s***@e***" % username[:1],
                                                     "DeliveryMedium": "EMAIL", "AttributeName": "email"}})

    def resend_confirmation_code(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            return simulated_delivery(client, username)
        if user.status is not UserStatus.UNCONFIRMED:
            # With PreventUserExistenceErrors no error tells a confirmed user apart
            # (aws-amplify/amplify-js#14762: no error for a confirmed user); without it, "User is
            # already confirmed." (aws-amplify/amplify-ui#219).
            if hides_users(client):
                return simulated_delivery(client, username)
            raise InvalidParameterException("User is already confirmed.")
        spend_quota(pool, user.username, "ResendConfirmationCode")
        attribute = "email" if user.attribute_lookup.get("email") else "phone_number"
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "signup", attribute)})

    def forgot_password(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            return simulated_delivery(client, username)
        # As Cognito's users report it: a disabled user, "User is disabled."; one who has not yet
        # replaced an administrator's temporary password, "User password cannot be reset in the
        # current state." (aws-amplify/amplify-flutter#3048, aws-amplify/amplify-js#1340).
        attribute = next((a for a in ("email", "phone_number") if verified(user, a)), None)
        # With PreventUserExistenceErrors, "When a user isn't found, is deactivated, or doesn't
        # have a verified delivery mechanism ... returns CodeDeliveryDetails with a simulated
        # delivery medium" (developer guide, "Managing error responses", ForgotPassword).
        if hides_users(client) and (not user.enabled or attribute is None):
            return simulated_delivery(client, username)
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status is UserStatus.FORCE_CHANGE_PASSWORD:
            raise NotAuthorizedError("User password cannot be reset in the current state.")
        if attribute is None:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email or phone_number"
            )
        spend_quota(pool, user.username, "reset")
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "reset", attribute)})

    def confirm_forgot_password(self):
        username = self._get_param("Username") or ""
        backend, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            if hides_users(client):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            raise UserNotFoundError(unknown)
        # The policy first, so that a refused password does not spend the code.
        password = self._get_param("Password") or ""
        backend._validate_password(pool.id, password)
        spend_quota(pool, user.username, "reset")
        spend_code(pool, user.username, "reset", self._get_param("ConfirmationCode"))
        user.password = password
        if user.status is UserStatus.RESET_REQUIRED:
            user.status = UserStatus.CONFIRMED
        return EmptyResult()

    def delete_user(self):
        # DeleteUser (its reference): the user of the access token deletes their own profile;
        # their tokens stop working. moto lacks the call.
        access_token = self._get_param("AccessToken") or ""
        backend = self._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                username = pool.access_tokens[access_token][1]
                pool.sign_out(username)
                pool.users.pop(username, None)
                # Its codes die with it: a user signing up again under the name gets new ones.
                with lock:
                    for key in [k for k in list(codes) + list(pending) if k[:2] == (pool.id, username)]:
                        codes.pop(key, None)
                        pending.pop(key, None)
                return EmptyResult()
        raise NotAuthorizedError("Invalid Access Token")

    # Attribute changes (UpdateUserAttributes reference; developer guide, "Verifying updates to
    # email addresses and phone numbers"): a change of an attribute the pool verifies
    # (AutoVerifiedAttributes) sends a code to the new value. With the attribute in
    # UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate the old value stays
    # until the code is given (VerifyUserAttribute); without, the new value replaces it at once,
    # unverified. GetUserAttributeVerificationCode sends a code again. moto changes every
    # attribute at once, sends nothing and lacks the two verification calls.
    pending = {}  # (pool id, username, attribute) -> the value waiting for its code

    def refuse_expired(access_token, pool):
        # An access token past its `exp` (on the pool's clock) is refused, as every call with
        # one is (moto never looks): NotAuthorizedException (the type the references give for an
        # expired token; "Access Token has expired" is its users' reports, and the crate reads
        # only the type). Test emulator_refuses_expired_access_tokens.
        try:
            expired = float(claims_of(access_token).get("exp") or 0) < pool_now(pool.id)
        except (ValueError, IndexError):
            expired = False
        if expired:
            raise NotAuthorizedError("Access Token has expired")

    def token_user(handler):
        access_token = handler._get_param("AccessToken") or ""
        backend = handler._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                user = pool.users.get(pool.access_tokens[access_token][1])
                if user is not None:
                    return pool, user
        raise NotAuthorizedError("Invalid Access Token")

    def token_client(handler, pool):
        return pool.clients.get(pool.access_tokens.get(handler._get_param("AccessToken") or "", ("",))[0])

    def update_user_attributes(self):
        pool, user = token_user(self)
        refuse_unwritable(token_client(self, pool), self._get_param("UserAttributes", []))
        verified_ones = pool.extended_config.get("AutoVerifiedAttributes") or []
        held = (pool.extended_config.get("UserAttributeUpdateSettings") or {}).get(
            "AttributesRequireVerificationBeforeUpdate") or []
        now, deliveries = [], []
        for attribute in self._get_param("UserAttributes", []):
            name, value = attribute["Name"], attribute.get("Value", "")
            if name in verified_ones and value and value != user.attribute_lookup.get(name):
                deliveries.append(send_code(pool, user, "verify:" + name, name, to=value))
                if name in held:
                    with lock:
                        pending[(pool.id, user.username, name)] = value
                    continue
                now.append({"Name": name + "_verified", "Value": "false"})
            now.append(attribute)
        if now:
            user.update_attributes(now)
        return ActionResult({"CodeDeliveryDetailsList": deliveries})

    def get_user_attribute_verification_code(self):
        pool, user = token_user(self)
        spend_quota(pool, user.username, "GetUserAttributeVerificationCode")
        name = self._get_param("AttributeName") or ""
        with lock:
            value = pending.get((pool.id, user.username, name))
        value = value or user.attribute_lookup.get(name)
        if not value:
            raise InvalidParameterException("The user has no %s to verify" % name)
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "verify:" + name, name, to=value)})

    def verify_user_attribute(self):
        pool, user = token_user(self)
        name = self._get_param("AttributeName") or ""
        spend_code(pool, user.username, "verify:" + name, self._get_param("Code"))
        with lock:
            value = pending.pop((pool.id, user.username, name), None)
        changes = [{"Name": name + "_verified", "Value": "true"}]
        if value is not None:
            changes.insert(0, {"Name": name, "Value": value})
        user.update_attributes(changes)
        return EmptyResult()

    # ChangePassword: a wrong previous password is NotAuthorizedException "Incorrect username or
    # password." (moto puts the username as the message) and an unknown token "Invalid Access
    # Token" (its users' reports); the crate reads the type, then these words for the type they
    # share (which of the two the user must fix).
    original_change = models.CognitoIdpBackend.change_password

    def change_password(self, access_token, previous_password, proposed_password):
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                user = pool.users.get(pool.access_tokens[access_token][1])
                if user is not None:
                    spend_quota(pool, user.username, "ChangePassword")
                if user is not None and user.password != previous_password:
                    raise NotAuthorizedError("Incorrect username or password.")
                return original_change(self, access_token, previous_password, proposed_password)
        raise NotAuthorizedError("Invalid Access Token")

    models.CognitoIdpBackend.change_password = change_password
    patch_mfa_settings(models, responses)
    for name, handler in [("sign_up", sign_up), ("confirm_sign_up", confirm_sign_up),
                          ("resend_confirmation_code", resend_confirmation_code),
                          ("forgot_password", forgot_password), ("confirm_forgot_password", confirm_forgot_password),
                          ("delete_user", delete_user), ("update_user_attributes", update_user_attributes),
                          ("get_user_attribute_verification_code", get_user_attribute_verification_code),
                          ("verify_user_attribute", verify_user_attribute)]:
        setattr(responses.CognitoIdpResponse, name, handler)
    return send_code, spend_code, token_user


# A user pool's feature plan (CreateUserPool reference, UserPoolTier: LITE, ESSENTIALS or PLUS,
# "Defaults to ESSENTIALS"). USER_AUTH (InitiateAuth reference: "your user pool must be in the
# Essentials tier or higher"), a sign-in policy with other first factors than the password
# (SignInPolicyType reference) and email MFA (EmailMfaConfigType reference) need Essentials; below
# it Cognito answers FeatureUnavailableInTierException, a modeled error of InitiateAuth,
# CreateUserPool, UpdateUserPool and SetUserPoolMfaConfig. moto knows no plans. The wording is the
# emulator's (no public source); the crate reads the type (test emulator_models_the_feature_plan).
TIERS = ("LITE", "ESSENTIALS", "PLUS")


def pool_tier(pool):
    return pool.extended_config.get("UserPoolTier") or "ESSENTIALS"


def refuse_below_tier(pool, needed, feature):
    from moto.core.exceptions import JsonRESTError

    tier = pool_tier(pool)
    if TIERS.index(tier) < TIERS.index(needed):
        raise JsonRESTError("FeatureUnavailableInTierException",
                            "%s needs the %s feature plan or higher; user pool %s is on %s" % (feature, needed, pool.id, tier))


def refuse_sign_in_policy(pool_config, pool_for_tier):
    """A pool's SignInPolicy: PASSWORD always among its first factors (CDK's
    AllowedFirstAuthFactors: password "must be true"; developer guide, "Authentication flows":
    the password is always an available first factor), and others only from Essentials up."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    factors = ((pool_config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    if factors is None:
        return
    if "PASSWORD" not in factors:
        raise InvalidParameterException("AllowedFirstAuthFactors must include PASSWORD")
    if any(f != "PASSWORD" for f in factors):
        refuse_below_tier(pool_for_tier, "ESSENTIALS", "A sign-in policy with %s" % ", ".join(factors))


def patch_pool_plans(models):
    """The feature plan at CreateUserPool and UpdateUserPool (refuse_sign_in_policy), and what
    DescribeUserPool answers for settings a pool was made without, as Cognito fills them in: the
    ESSENTIALS plan and the password as the only first factor."""
    backend = models.CognitoIdpBackend
    original_create, original_update = backend.create_user_pool, backend.update_user_pool
    pool_class = models.CognitoIdpUserPool
    original_to_json = pool_class.to_json

    class Planned:  # the plan a pool being made or updated will have
        def __init__(self, config, pool_id):
            self.extended_config, self.id = config, pool_id

    def create_user_pool(self, name, extended_config):
        refuse_sign_in_policy(extended_config or {}, Planned(extended_config or {}, name))
        return original_create(self, name, extended_config)

    def update_user_pool(self, user_pool_id, extended_config):
        refuse_sign_in_policy(extended_config or {}, Planned(extended_config or {}, user_pool_id))
        return original_update(self, user_pool_id, extended_config)

    def to_json(self, extended=False):
        described = original_to_json(self, extended)
        if extended:
            described.setdefault("UserPoolTier", "ESSENTIALS")
            policies = dict(described.get("Policies") or {})
            policies.setdefault("SignInPolicy", {"AllowedFirstAuthFactors": ["PASSWORD"]})
            described["Policies"] = policies
        return described

    backend.create_user_pool, backend.update_user_pool = create_user_pool, update_user_pool
    pool_class.to_json = to_json


def patch_mfa_settings(models, responses):
    """Email MFA's settings, which moto drops: the pool's EmailMfaConfiguration
    (SetUserPoolMfaConfig) and a user's EmailMfaSettings (AdminSetUserMFAPreference,
    SetUserMFAPreference), Enabled and PreferredMfa as for the other factors."""
    response_class = responses.CognitoIdpResponse
    original_pool = response_class.set_user_pool_mfa_config
    original_admin = response_class.admin_set_user_mfa_preference
    original_own = response_class.set_user_mfa_preference

    def note(user, settings):
        if settings is None:
            return
        user.email_mfa_enabled = bool(settings.get("Enabled"))
        if settings.get("PreferredMfa"):
            user.preferred_mfa_setting = "EMAIL_OTP"
        elif user.preferred_mfa_setting == "EMAIL_OTP":
            user.preferred_mfa_setting = ""

    def set_user_pool_mfa_config(self):
        from moto.cognitoidp.exceptions import InvalidParameterException

        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        email = self._get_param("EmailMfaConfiguration")
        if email is not None:
            # Email MFA needs the Essentials plan (EmailMfaConfigType reference) and the pool's
            # email sent by Amazon SES (aws-amplify/amplify-js#14067, the Amplify team: "SES must
            # be enabled as the email provider to toggle on Email MFA"; CDK's MfaSecondFactor:
            # email "requires ... Amazon SES"). The wording is the emulator's.
            refuse_below_tier(pool, "ESSENTIALS", "Email MFA")
            sending = (pool.extended_config.get("EmailConfiguration") or {}).get("EmailSendingAccount")
            if sending != "DEVELOPER":
                raise InvalidParameterException(
                    "Email MFA needs the user pool's email sent by Amazon SES (EmailSendingAccount DEVELOPER)")
        answer = original_pool(self)
        pool.email_mfa_config = email
        return answer

    def admin_set_user_mfa_preference(self):
        answer = original_admin(self)
        user = self.backend.admin_get_user(self._get_param("UserPoolId"), self._get_param("Username"))
        note(user, self._get_param("EmailMfaSettings"))
        return answer

    def set_user_mfa_preference(self):
        answer = original_own(self)
        access_token = self._get_param("AccessToken")
        backend = self._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                note(pool.users[pool.access_tokens[access_token][1]], self._get_param("EmailMfaSettings"))
        return answer

    response_class.set_user_pool_mfa_config = set_user_pool_mfa_config
    response_class.admin_set_user_mfa_preference = admin_set_user_mfa_preference
    response_class.set_user_mfa_preference = set_user_mfa_preference


def patch_moto():
    from moto.cognitoidp import models
    from moto.cognitoidp.exceptions import (
        CodeMismatchException, ExpiredCodeException, InvalidParameterException, NotAuthorizedError,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.exceptions import JsonRESTError

    class PasswordResetRequiredException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="PasswordResetRequiredException", message=message)
    from moto.cognitoidp.utils import check_secret_hash

    backend = models.CognitoIdpBackend
    srp_states = {}
    lock = threading.Lock()
    original_initiate = backend.initiate_auth
    original_respond = backend.respond_to_auth_challenge

    def find_client(self, client_id):
        for pool in self.user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        return None, None

    def refuse_secret_hash(client, username, given):
        # Cognito tells a missing SECRET_HASH from a wrong one (InitiateAuth reference: SECRET_HASH
        # is required when the app client has a secret). The messages, as Cognito sends them
        # (the first quoted in aws-amplify/amplify-android#2504); moto uses the second for both.
        if not given:
            raise NotAuthorizedError(
                "Client %s is configured with secret but SECRET_HASH was not received" % client.id
            )
        if not check_secret_hash(client.secret, client.id, username, given):
            raise NotAuthorizedError("Unable to verify secret hash for client " + client.id)

    def check_secret(self, client_id, auth_flow, auth_parameters):
        # Cognito checks SECRET_HASH on every flow (of the USERNAME as sent; for a refresh, of the
        # token's user), and says so when it is wrong; moto checks only some flows, with the hash
        # itself as the message.
        pool, client = find_client(self, client_id)
        if client is None:
            return
        if not client.generate_secret:
            # A SECRET_HASH sent to a client without a secret: InvalidParameterException, as
            # Cognito's users report it ("App client <id> is not configured for secret but secret
            # hash was received", pmill/aws-cognito#23). moto ignores the hash.
            if auth_parameters.get("SECRET_HASH"):
                from moto.cognitoidp.exceptions import InvalidParameterException

                raise InvalidParameterException(
                    "App client %s is not configured for secret but secret hash was received" % client.id
                )
            return
        username = auth_parameters.get("USERNAME")
        if str(auth_flow) in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            found = pool.refresh_tokens.get(auth_parameters.get("REFRESH_TOKEN"))
            if not found:
                return
            username = found[1]
        if username is None:
            return
        refuse_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))

    def refuse_refresh_under_rotation(self, client_id, auth_flow):
        # Cognito: an app client with refresh-token rotation refuses REFRESH_TOKEN_AUTH; only
        # GetTokensFromRefreshToken refreshes its sessions ("Refresh tokens", user pools guide:
        # "Refresh token rotation"). moto knows no rotation.
        if str(getattr(auth_flow, "value", auth_flow)) not in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return
        _, client = find_client(self, client_id)
        if client is not None and rotation_of(client)[0]:
            raise NotAuthorizedError(
                "Refresh token rotation is enabled for this app client: use GetTokensFromRefreshToken"
            )

    def refuse_reset_required(self, client_id, auth_flow, auth_parameters):
        # Cognito: after AdminResetUserPassword, signing in with the old password ends in
        # PasswordResetRequiredException until the user resets it (InitiateAuth and
        # AdminInitiateAuth API reference, Errors). moto signs the user in (USER_PASSWORD_AUTH)
        # or asks for a new password (ADMIN_USER_PASSWORD_AUTH). By username or alias (moto's
        # _get_user). SRP: at PASSWORD_VERIFIER, once the proof shows the old password.
        flow = getattr(auth_flow, "value", auth_flow)
        if flow not in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            return
        pool, _ = find_client(self, client_id)
        user = pool._get_user(auth_parameters.get("USERNAME") or "") if pool else None
        if user is None or user.status is not UserStatus.RESET_REQUIRED:
            return
        if user.password == auth_parameters.get("PASSWORD"):
            raise PasswordResetRequiredException("Password reset required for the user")

    original_admin_initiate = backend.admin_initiate_auth

    def refuse_flow(self, client_id, auth_flow, admin=False):
        _, client = find_client(self, client_id)
        if client is not None:
            refuse_disallowed_flow(client, auth_flow, admin)

    def refuse_refresh_without_device(auth_flow, auth_parameters):
        if str(getattr(auth_flow, "value", auth_flow)) in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            refuse_without_device(auth_parameters.get("REFRESH_TOKEN"), auth_parameters.get("DEVICE_KEY"))

    def discard_tokens(pool, tokens):
        pool.refresh_tokens.pop(tokens.get("RefreshToken"), None)
        pool.access_tokens.pop(tokens.get("AccessToken"), None)
        pool.id_tokens.pop(tokens.get("IdToken"), None)

    def gate_tokens(self, client_id, result, key):
        """A password proved by a sign-in that named a confirmed device: the device's proof next,
        in place of the tokens or of the second factor moto asks for."""
        pool, _ = find_client(self, client_id)
        if key is None or pool is None or not isinstance(result, dict):
            return None
        tokens = result.get("AuthenticationResult")
        if tokens:
            found = pool.refresh_tokens.get(tokens.get("RefreshToken"))
            username = found[1] if found else None
        elif result.get("ChallengeName") in ("SMS_MFA", "SOFTWARE_TOKEN_MFA"):
            username = self.sessions.get(result.get("Session"), (None, None))[0]
        else:
            return None
        if username is None:
            return None

        def discard(r):
            if tokens:
                discard_tokens(pool, tokens)
            self.sessions.pop(r.get("Session"), None)

        gated = device_gate(self, pool, username, key, result, discard)
        return note_challenge(self, client_id, gated) if gated else None

    def with_device(self, client_id, auth_flow, result):
        if str(getattr(auth_flow, "value", auth_flow)) in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return result
        return attach_device(find_client(self, client_id)[0], result)

    def admin_initiate_auth(self, user_pool_id, client_id, auth_flow, auth_parameters):
        refuse_flow(self, client_id, auth_flow, admin=True)
        refuse_refresh_under_rotation(self, client_id, auth_flow)
        check_secret(self, client_id, auth_flow, auth_parameters)
        refuse_reset_required(self, client_id, auth_flow, auth_parameters)
        refuse_unknown_as_wrong_password(self, client_id, auth_flow, auth_parameters)
        refuse_refresh_without_device(auth_flow, auth_parameters)
        result = original_admin_initiate(self, user_pool_id, client_id, auth_flow, auth_parameters)
        result = gate_tokens(self, client_id, result, auth_parameters.get("DEVICE_KEY")) or with_device(
            self, client_id, auth_flow, require_mfa(self, client_id, auth_flow, result))
        return note_challenge(self, client_id, note_admin(deliver_codes(self, result)))

    # PreventUserExistenceErrors = ENABLED (developer guide, "Managing error responses"): an
    # unknown user gets what a wrong password gets. In the password flows NotAuthorizedException
    # "Incorrect username or password." for UserNotFoundException; in SRP a simulated
    # PASSWORD_VERIFIER challenge, whose answer is refused as a wrong password. moto answers
    # UserNotFoundException whatever the setting. (Test emulator_hides_unknown_users_when_told_to.)
    def hides_client(client):
        return client is not None and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def hides_users(self, client_id):
        return hides_client(find_client(self, client_id)[1])

    def unknown_user(self, client_id, auth_parameters):
        pool, _ = find_client(self, client_id)
        return pool is not None and pool._get_user(auth_parameters.get("USERNAME") or "") is None

    def simulated_srp_challenge(auth_parameters):
        username = auth_parameters.get("USERNAME") or ""
        # No state is kept for its secret block: the answer is refused as a wrong password.
        params = {
            "SALT": secrets.token_hex(16),
            "SECRET_BLOCK": base64.b64encode(secrets.token_bytes(64)).decode(),
            "SRP_B": "%x" % (secrets.randbelow(N - 2) + 2),
            "USERNAME": username,
            "USER_ID_FOR_SRP": username,
        }
        return {"ChallengeName": "PASSWORD_VERIFIER", "Session": secrets.token_urlsafe(32), "ChallengeParameters": params}

    def refuse_unknown_as_wrong_password(self, client_id, auth_flow, auth_parameters):
        flow = str(getattr(auth_flow, "value", auth_flow))
        if flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            if hides_users(self, client_id) and unknown_user(self, client_id, auth_parameters):
                raise NotAuthorizedError("Incorrect username or password.")

    def initiate_auth(self, client_id, auth_flow, auth_parameters):
        refuse_flow(self, client_id, auth_flow)
        refuse_refresh_under_rotation(self, client_id, auth_flow)
        check_secret(self, client_id, auth_flow, auth_parameters)
        if str(getattr(auth_flow, "value", auth_flow)) == "USER_AUTH":
            return note_challenge(self, client_id, deliver_codes(self, user_auth(self, client_id, auth_parameters)))
        refuse_reset_required(self, client_id, auth_flow, auth_parameters)
        refuse_unknown_as_wrong_password(self, client_id, auth_flow, auth_parameters)
        if str(getattr(auth_flow, "value", auth_flow)) == "USER_SRP_AUTH" and hides_users(self, client_id):
            if unknown_user(self, client_id, auth_parameters):
                return simulated_srp_challenge(auth_parameters)
        refuse_refresh_without_device(auth_flow, auth_parameters)
        result = original_initiate(self, client_id, auth_flow, auth_parameters)
        result = gate_tokens(self, client_id, result, auth_parameters.get("DEVICE_KEY")) or with_device(
            self, client_id, auth_flow, require_mfa(self, client_id, auth_flow, result))
        result = note_challenge(self, client_id, deliver_codes(self, result))
        if str(auth_flow) != "USER_SRP_AUTH" or result.get("ChallengeName") != "PASSWORD_VERIFIER":
            return result
        username, pool = self.sessions[result["Session"]]
        return srp_verifier(self, pool, self.admin_get_user(pool.id, username), auth_parameters.get("SRP_A"), result)

    def srp_verifier(self, pool, user, srp_a, result):
        """The PASSWORD_VERIFIER challenge of real SRP for `user`, in `result` (its session kept)."""
        session = result["Session"]
        try:
            a_pub = int(srp_a or "", 16)
        except ValueError:
            raise NotAuthorizedError("Invalid SRP_A.")
        if a_pub % N == 0:
            raise NotAuthorizedError("Invalid SRP_A.")
        salt = secrets.token_hex(16)
        pool_name = pool.id.split("_", 1)[1]
        v = verifier(pool_name, user.username, user.password or "", salt)
        b = secrets.randbelow(N - 1) + 1
        b_pub = (K * v + pow(G, b, N)) % N
        # Cognito's SECRET_BLOCK is an opaque base64 blob (moto sends its session id instead).
        secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
        with lock:
            srp_states[secret_block] = {
                "A": a_pub, "B": b_pub, "b": b, "v": v, "session": session,
                "pool_name": pool_name, "user_id": user.username,
            }
        params = result.setdefault("ChallengeParameters", {})
        params["SECRET_BLOCK"] = secret_block
        params["SALT"] = salt
        params["SRP_B"] = "%x" % b_pub
        # Cognito answers the canonical username here (an internal id for alias sign-in).
        params["USER_ID_FOR_SRP"] = user.username
        params["USERNAME"] = user.username
        return result

    # USER_AUTH, choice-based sign-in (InitiateAuth reference, AuthFlow USER_AUTH; developer
    # guide, "Authentication flows: choice-based"): the first factors the pool allows
    # (Policies.SignInPolicy.AllowedFirstAuthFactors, PASSWORD alone unless set) that the user
    # can use: PASSWORD and PASSWORD_SRP, EMAIL_OTP with a verified email, SMS_OTP with a
    # verified phone. PREFERRED_CHALLENGE starts one at once; without it SELECT_CHALLENGE lists
    # them in the response's top-level AvailableChallenges (InitiateAuth reference: "Amazon
    # Cognito responds with the AvailableChallenges parameter"; RespondToAuthChallenge reference,
    # ANSWER: "one of the challenge types in the AvailableChallenges response parameter";
    # Amplify's signInWithUserAuth reads response.AvailableChallenges), never in the challenge
    # parameters, and its ANSWER starts one (with PASSWORD, or SRP_A). A passwordless factor's
    # code signs the user in. moto has no USER_AUTH.
    offered_first = {}  # SELECT_CHALLENGE session -> the factors it offered
    # An unknown user's SELECT_CHALLENGE under PreventUserExistenceErrors (developer guide,
    # "Managing error responses": choice-based authentication answers an unknown user as a
    # known one): session -> the name given. Answered as a user with a password alone is, the
    # password refused where it is checked.
    decoys = {}

    def first_factors(pool, user):
        policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
        allowed = policy.get("AllowedFirstAuthFactors") or ["PASSWORD"]
        lookup = user.attribute_lookup
        available = ["PASSWORD", "PASSWORD_SRP"] if "PASSWORD" in allowed else []
        if "EMAIL_OTP" in allowed and lookup.get("email") and str(lookup.get("email_verified")).lower() == "true":
            available.append("EMAIL_OTP")
        if "SMS_OTP" in allowed and lookup.get("phone_number") and str(lookup.get("phone_number_verified")).lower() == "true":
            available.append("SMS_OTP")
        return available

    def select_challenge(session, available, username):
        return {"ChallengeName": "SELECT_CHALLENGE", "Session": session,
                "ChallengeParameters": {"USERNAME": username}, "AvailableChallenges": list(available)}

    def decoy_factor(username, factor, given):
        """An unknown user's first factor, as a known user with a password alone gets it: the
        password refused as a wrong one, SRP's PASSWORD_VERIFIER whose answer is refused."""
        if factor == "PASSWORD":
            raise NotAuthorizedError("Incorrect username or password.")
        if factor == "PASSWORD_SRP":
            return simulated_srp_challenge({"USERNAME": username})
        raise InvalidParameterException("%s is not a challenge available to the user" % factor)

    def user_auth(self, client_id, auth_parameters):
        from moto.cognitoidp.exceptions import UserNotConfirmedException, UserNotFoundError

        pool, _ = find_client(self, client_id)
        if pool is None:
            raise models.ResourceNotFoundError(client_id)
        refuse_below_tier(pool, "ESSENTIALS", "USER_AUTH")
        username = auth_parameters.get("USERNAME") or ""
        user = pool._get_user(username)
        preferred = auth_parameters.get("PREFERRED_CHALLENGE")
        if user is None:
            if hides_users(self, client_id):
                if preferred in ("PASSWORD", "PASSWORD_SRP"):
                    return decoy_factor(username, preferred, auth_parameters)
                session = str(models.random.uuid4())
                with lock:
                    decoys[session] = username
                return select_challenge(session, ["PASSWORD", "PASSWORD_SRP"], username)
            raise UserNotFoundError("User does not exist.")
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status is UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        available = first_factors(pool, user)
        session = str(models.random.uuid4())
        self.sessions[session] = (user.username, pool)
        if preferred in available:
            return start_factor(self, client_id, pool, user, session, preferred, auth_parameters)
        with lock:
            offered_first[session] = available
        return select_challenge(session, available, user.username)

    def start_factor(self, client_id, pool, user, session, factor, given):
        if factor == "PASSWORD":
            if user.password != given.get("PASSWORD"):
                raise NotAuthorizedError("Incorrect username or password.")
            if user.status is UserStatus.RESET_REQUIRED:
                raise PasswordResetRequiredException("Password reset required for the user")
            if user.status is UserStatus.FORCE_CHANGE_PASSWORD:
                return {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
                        "ChallengeParameters": {"USERNAME": user.username}}
            self.sessions.pop(session, None)
            tokens = self._log_user_in(pool, pool.clients[client_id], user.username)
            return require_mfa(self, client_id, "USER_PASSWORD_AUTH", tokens)
        if factor == "PASSWORD_SRP":
            challenge = {"ChallengeName": "PASSWORD_VERIFIER", "Session": session, "ChallengeParameters": {}}
            return srp_verifier(self, pool, user, given.get("SRP_A"), challenge)
        return {"ChallengeName": factor, "Session": session, "ChallengeParameters": {"USERNAME": user.username}}

    # Sessions VerifySoftwareToken answered SUCCESS for: the only ones MFA_SETUP accepts.
    verified_sessions = set()
    original_verify = backend.verify_software_token

    # Authenticator codes: Cognito's reference does not say whether a code may be used twice in
    # its 30-second step; RFC 6238 (section 5.2) says a verifier must not accept it again. The
    # emulator follows the RFC, so that no test passes by reusing a code. (moto gives every user
    # the same secret, so a code is spent per user: (pool id, username) -> (step, code).)
    spent_codes = {}

    def refuse_spent_code(pool_id, username, code):
        with lock:
            if spent_codes.get((pool_id, username)) == (int(time.time()) // 30, code):
                raise CodeMismatchException("Invalid code or auth state for the user.")

    def spend_code(pool_id, username, code):
        with lock:
            spent_codes[(pool_id, username)] = (int(time.time()) // 30, code)

    def token_owner(self, access_token, session):
        if session:
            username, pool = self.sessions.get(session, (None, None))
            return (pool.id, username) if pool else (None, None)
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                return pool.id, pool.access_tokens[access_token][1]
        return None, None

    # A secret of their own for every user (AssociateSoftwareToken reference: it "generates a
    # secret key for the user"; Cognito's are 32 base32 characters); moto gives every user the
    # same one. Codes are checked against the user's secret here, then handed to moto as a code
    # of its one secret, which it checks next (test an_authenticators_secret_is_the_users_own).
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET
    from moto.cognitoidp.utils import cognito_totp, verify_totp

    user_secrets = {}  # (pool id, username) -> the secret AssociateSoftwareToken gave them
    original_associate = backend.associate_software_token

    def associate_software_token(self, access_token, session):
        if session:
            refuse_lapsed(session)
        pool_id, username = token_owner(self, access_token, session)
        result = original_associate(self, access_token, session)
        if username is not None:
            secret = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
            with lock:
                user_secrets[(pool_id, username)] = secret
            result = dict(result, SecretCode=secret)
        return result

    def as_moto_code(pool_id, username, code):
        """The user's code checked against their own secret, as a code of moto's one secret."""
        with lock:
            secret = user_secrets.get((pool_id, username))
        if secret is None:
            return code
        try:
            verify_totp(cognito_totp(secret), (code or "").encode("utf-8"))
        except InvalidToken:
            raise CodeMismatchException("Invalid code received for user")
        return cognito_totp(COGNITO_TOTP_MFA_SECRET).generate(time.time()).decode()

    def verify_software_token(self, access_token, session, user_code, friendly_device_name):
        if session:
            refuse_lapsed(session)
        pool_id, username = token_owner(self, access_token, session)
        if username is not None:
            refuse_spent_code(pool_id, username, user_code)
        moto_code = as_moto_code(pool_id, username, user_code) if username is not None else user_code
        result = original_verify(self, access_token, session, moto_code, friendly_device_name)
        if username is not None:
            spend_code(pool_id, username, user_code)
        if session and result.get("Status") == "SUCCESS":
            with lock:
                verified_sessions.add(result["Session"])
                if session in admin_sessions:
                    admin_sessions.add(result["Session"])
                if session in issued_as:
                    issued_as[result["Session"]] = issued_as[session]
                if session in deadlines:
                    deadlines[result["Session"]] = deadlines[session]
        return result

    # SMS_MFA: moto sends no text and accepts any code. Cognito texts a code to the user's
    # phone_number and says where in the challenge parameters CODE_DELIVERY_DELIVERY_MEDIUM and
    # CODE_DELIVERY_DESTINATION, the number masked (InitiateAuth and RespondToAuthChallenge
    # reference, ChallengeParameters; developer guide, "SMS message MFA"); a wrong code is
    # CodeMismatchException and may be tried again (the guide: lockout begins after five
    # unsuccessful attempts). The emulator keeps each text it "sends" in an outbox that tests
    # read as a phone would (GET /_emulator/sms).
    sms_codes = {}  # challenge session -> code

    def deliver_sms(self, result):
        if not isinstance(result, dict) or result.get("ChallengeName") not in ("SMS_MFA", "SMS_OTP"):
            return result
        session = result["Session"]
        username, pool = self.sessions[session]
        user = self.admin_get_user(pool.id, username)
        phone = user.attribute_lookup.get("phone_number")
        if not phone:
            raise InvalidParameterException("SMS MFA needs a phone_number for the user")
        code = "%06d" % secrets.randbelow(1_000_000)
        with lock:
            sms_codes[session] = code
            keep_text({"pool": pool.id, "username": user.username, "phone": phone, "code": code})
        params = result.setdefault("ChallengeParameters", {})
        params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "SMS"
        params["CODE_DELIVERY_DESTINATION"] = mask_phone(phone)
        return result

    # MFA in every flow. With MFA required (MfaConfiguration ON) a user without a factor enrols one
    # at sign-in, and a user with one answers it, whichever flow proved the password (developer
    # guide, "Adding MFA to a user pool": "MFA is required for all users"; InitiateAuth and
    # AdminInitiateAuth reference, ChallengeName: MFA_SETUP "if MFA is required, users who don't
    # have at least one of the MFA methods set up are prompted"). moto asks only after SRP, and
    # in the password flows hands out tokens unless the user prefers a factor. The tokens it
    # made are withdrawn and the challenge answered in their place, as its SRP branch decides it.
    #
    # With several factors and none preferred, Cognito asks which (SELECT_MFA_TYPE, MFAS_CAN_CHOOSE:
    # RespondToAuthChallenge reference), and a preferred one is asked for at once. Email MFA
    # (EMAIL_OTP) counts where the pool has EmailMfaConfiguration and the user EmailMfaSettings
    # enabled (SetUserPoolMfaConfig, AdminSetUserMFAPreference references); moto knows neither.
    def mfa_due(pool, user):
        mfa = pool.mfa_config
        if mfa not in ("ON", "OPTIONAL"):
            return None, None
        factors = []
        if user.software_token_mfa_enabled or (
            mfa == "ON" and pool.token_mfa_config == {"Enabled": True} and user.token_verified
        ):
            factors.append("SOFTWARE_TOKEN_MFA")
        if user.sms_mfa_enabled:
            factors.append("SMS_MFA")
        if getattr(user, "email_mfa_enabled", False) and getattr(pool, "email_mfa_config", None):
            factors.append("EMAIL_OTP")
        if not factors:
            if mfa == "OPTIONAL":
                return None, None
            can = (["SOFTWARE_TOKEN_MFA"] if pool.token_mfa_config == {"Enabled": True} else []) + (
                ["SMS_MFA"] if pool.sms_mfa_config else []
            )
            return "MFA_SETUP", {"MFAS_CAN_SETUP": json.dumps(can)}
        if user.preferred_mfa_setting in factors:
            return user.preferred_mfa_setting, {}
        if len(factors) == 1:
            return factors[0], {}
        return "SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": json.dumps(factors)}

    def require_mfa(self, client_id, auth_flow, result):
        """The second factor Cognito asks for once a password is proved (in a password flow, or
        at PASSWORD_VERIFIER), in place of moto's tokens or challenge where they differ. Every
        flow decides it alike (mfa_due): moto's SRP answers MFA_SETUP to a user with SMS MFA
        whenever the pool requires MFA and no authenticator was verified, which a real client
        cannot get past (tried with pycognito's SRP; test sms_mfa_follows_srp_as_every_flow)."""
        flow = str(getattr(auth_flow, "value", auth_flow))
        if flow not in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "PASSWORD_VERIFIER",
                        "NEW_PASSWORD_REQUIRED"):
            return result
        if not isinstance(result, dict):
            return result
        pool, _ = find_client(self, client_id)
        tokens = result.get("AuthenticationResult")
        if tokens and pool is not None:
            found = pool.refresh_tokens.get(tokens.get("RefreshToken"))
            username = found[1] if found else None
        elif result.get("ChallengeName") in ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "MFA_SETUP") and pool is not None:
            username = self.sessions.get(result.get("Session"), (None, None))[0]
        else:
            return result
        user = pool.users.get(username) if username else None
        challenge, params = mfa_due(pool, user) if user is not None else (None, None)
        if challenge is None or challenge == result.get("ChallengeName"):
            return result
        session = result.get("Session")
        if tokens:
            discard_tokens(pool, tokens)
            session = str(models.random.uuid4())
        self.sessions[session] = (user.username, pool)
        params = dict(params, USER_ID_FOR_SRP=user.username)
        if challenge == "SELECT_MFA_TYPE":
            with lock:
                choices[session] = json.loads(params["MFAS_CAN_CHOOSE"])
        return {"ChallengeName": challenge, "ChallengeParameters": params, "Session": session}

    choices = {}  # SELECT_MFA_TYPE session -> the factors it offered

    def deliver_email(self, result):
        """EMAIL_OTP: a code mailed to the user's email, where the challenge says (masked)."""
        if not isinstance(result, dict) or result.get("ChallengeName") != "EMAIL_OTP":
            return result
        username, pool = self.sessions[result["Session"]]
        user = self.admin_get_user(pool.id, username)
        params = result.setdefault("ChallengeParameters", {})
        # One code per challenge session: another sign-in's code answers nothing here.
        delivered = mail_code(pool, user, "mfa:" + result["Session"], "email")
        params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "EMAIL"
        params["CODE_DELIVERY_DESTINATION"] = delivered["Destination"]
        return result

    def deliver_codes(self, result):
        return deliver_email(self, deliver_sms(self, result))

    # Cognito binds a challenge session to the API that started it: AdminInitiateAuth's are
    # answered with AdminRespondToAuthChallenge (AdminInitiateAuth reference, Session: "Pass this
    # session ID in the Session parameter of AdminRespondToAuthChallenge"), InitiateAuth's with
    # RespondToAuthChallenge (its reference, the same of RespondToAuthChallenge). moto shares the
    # sessions and its admin call runs the public one. The reference gives no wording for the
    # other API's session: NotAuthorizedException, as for any session that is not the user's,
    # and the crate reads only the type (test emulator_admin_sessions_are_answered_by_the_admin_api).
    admin_sessions = set()
    answering = threading.local()

    def note_admin(result):
        if isinstance(result, dict) and result.get("Session"):
            with lock:
                admin_sessions.add(result["Session"])
        return result

    # A challenge session answers the challenge it was issued for, for the user it was issued to
    # (RespondToAuthChallenge reference: the Session "is returned by the previous call", with its
    # ChallengeName; USERNAME is the user's). moto signs in whoever the answer's USERNAME names,
    # under any challenge name. Refused as any session not the user's: NotAuthorizedException.
    issued_as = {}  # session -> the challenge it was issued for
    # ... and to the app client that started the sign-in (RespondToAuthChallenge reference:
    # ClientId is "the app client ID"; a session is the answer to that client's call). moto
    # looks the answering client up in the session's pool and fails (500) on another pool's.
    issued_to = {}  # session -> the app client id

    # A challenge session lapses after the app client's AuthSessionValidity, 3 minutes unless set
    # (CreateUserPoolClient reference: "The session token ... is valid for" 3 to 15 minutes); an
    # answer after it, the PASSWORD_VERIFIER's included, is NotAuthorizedException "Invalid
    # session for the user, session is expired." (the wording Cognito's users report for a spent
    # or lapsed session). moto's sessions never lapse. On the pool's clock (POST /_emulator/clock).
    deadlines = {}  # session -> (pool id, the instant it lapses)

    def note_challenge(self, client_id, result):
        if isinstance(result, dict) and result.get("Session") and result.get("ChallengeName"):
            pool, client = find_client(self, client_id)
            minutes = float((client.extended_config.get("AuthSessionValidity") if client else None) or 3)
            with lock:
                issued_as[result["Session"]] = result["ChallengeName"]
                issued_to[result["Session"]] = client_id
                if pool is not None:
                    deadlines[result["Session"]] = (pool.id, pool_now(pool.id) + minutes * 60)
        return result

    def refuse_lapsed(session):
        with lock:
            deadline = deadlines.get(session)
        if deadline is not None and pool_now(deadline[0]) > deadline[1]:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")

    def refuse_other_answer(self, session, challenge_name, challenge_responses):
        with lock:
            issued = issued_as.get(session)
        if issued is not None and issued != challenge_name:
            raise NotAuthorizedError("Invalid session for the user.")
        owner = self.sessions.get(session)
        if owner is not None and challenge_responses.get("USERNAME") not in (None, owner[0]):
            raise NotAuthorizedError("Invalid session for the user.")

    def admin_respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses):
        with lock:
            admin = session in admin_sessions
        if not admin:
            raise NotAuthorizedError("Invalid session for the user.")
        answering.admin = True
        try:
            return note_admin(self.respond_to_auth_challenge(session, client_id, challenge_name, challenge_responses))
        finally:
            answering.admin = False

    def respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses):
        if not getattr(answering, "admin", False):
            with lock:
                admin = session in admin_sessions
            if admin:
                raise NotAuthorizedError("Invalid session for the user.")
        with lock:
            started_by = issued_to.get(session)
        if started_by is not None and started_by != client_id:
            raise NotAuthorizedError("Invalid session for the user.")
        if challenge_name == "PASSWORD_VERIFIER":
            with lock:
                state = srp_states.get(challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "")
            refuse_lapsed(state["session"] if state else session)
        else:
            refuse_lapsed(session)
            refuse_other_answer(self, session, challenge_name, challenge_responses)
        result = answer_challenge(self, session, client_id, challenge_name, challenge_responses)
        return note_challenge(self, client_id, attach_device(find_client(self, client_id)[0], result, session))

    def live_session(self, session, client_id, challenge_responses):
        """The user and pool of a challenge session Cognito would still answer: an unknown or spent
        one is NotAuthorized (moto: ResourceNotFound, which reads as a misconfigured app), and
        SECRET_HASH is checked (moto: not)."""
        if session not in self.sessions:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        _, client = find_client(self, client_id)
        if client is not None and client.generate_secret:
            refuse_secret_hash(client, challenge_responses.get("USERNAME") or "", challenge_responses.get("SECRET_HASH"))
        return self.sessions[session]

    def refuse_wrong_text(session, given):
        with lock:
            sent = sms_codes.get(session)
        if sent is None or not hmac.compare_digest(sent, given or ""):
            raise CodeMismatchException("Invalid code or auth state for the user.")

    def answer_challenge(self, session, client_id, challenge_name, challenge_responses):
        if challenge_name == "MFA_SETUP":
            # Cognito (RespondToAuthChallenge reference, MFA_SETUP): the session is the one
            # VerifySoftwareToken returned after a code that verified, the SECRET_HASH is checked,
            # and the session is spent by the answer. moto accepts any live session, checks no
            # hash and never spends it.
            with lock:
                verified = session in verified_sessions
            if session not in self.sessions or not verified:
                raise NotAuthorizedError("Invalid session for the user, session is expired.")
            _, client = find_client(self, client_id)
            if client is not None and client.generate_secret:
                refuse_secret_hash(
                    client, challenge_responses.get("USERNAME") or "", challenge_responses.get("SECRET_HASH")
                )
            result = original_respond(self, session, client_id, challenge_name, challenge_responses)
            with lock:
                verified_sessions.discard(session)
            self.sessions.pop(session, None)
            return result
        if challenge_name in ("NEW_PASSWORD_REQUIRED", "SMS_MFA", "SOFTWARE_TOKEN_MFA"):
            username, pool = live_session(self, session, client_id, challenge_responses)
            if challenge_name == "SMS_MFA":
                refuse_wrong_text(session, challenge_responses.get("SMS_MFA_CODE"))
            if challenge_name == "SOFTWARE_TOKEN_MFA":
                code = challenge_responses.get("SOFTWARE_TOKEN_MFA_CODE") or ""
                refuse_spent_code(pool.id, username, code)
                moto_responses = dict(challenge_responses, SOFTWARE_TOKEN_MFA_CODE=as_moto_code(pool.id, username, code))
                result = original_respond(self, session, client_id, challenge_name, moto_responses)
                spend_code(pool.id, username, code)
                return result
            if challenge_name == "SMS_MFA":
                result = original_respond(self, session, client_id, challenge_name, challenge_responses)
                with lock:
                    sms_codes.pop(session, None)
                return result
        if challenge_name in ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"):
            def finish(pool, username, session, remembered):
                # A remembered device skips the second factor only in a pool whose
                # ChallengeRequiredOnNewDevice is true (DeviceConfigurationType reference: "When
                # true, a remembered device can sign in with device authentication instead of SMS
                # and TOTP factors"); otherwise, and for a device not remembered, the factor is
                # asked for under a session that keeps the device for the tokens. The emulator
                # of before skipped it for any remembered device.
                replaces = bool((device_config(pool) or {}).get("ChallengeRequiredOnNewDevice"))
                challenge, params = (None, None) if remembered and replaces else mfa_due(pool, pool.users[username])
                if challenge is None:
                    self.sessions.pop(session, None)
                    return self._log_user_in(pool, pool.clients[client_id], username)
                moved = str(models.random.uuid4())
                self.sessions.pop(session, None)
                self.sessions[moved] = (username, pool)
                with DEVICE_LOCK:
                    SESSION_DEVICES[moved] = SESSION_DEVICES.pop(session, None)
                if challenge == "SELECT_MFA_TYPE":
                    with lock:
                        choices[moved] = json.loads(params["MFAS_CAN_CHOOSE"])
                params = dict(params, USER_ID_FOR_SRP=username)
                return deliver_codes(self, {"ChallengeName": challenge, "Session": moved, "ChallengeParameters": params})
            return answer_device(self, session, client_id, challenge_name, challenge_responses, finish)
        if challenge_name == "SELECT_CHALLENGE":
            with lock:
                decoy = decoys.pop(session, None)
            if decoy is not None:
                _, client = find_client(self, client_id)
                if client is not None and client.generate_secret:
                    refuse_secret_hash(client, challenge_responses.get("USERNAME") or "",
                                       challenge_responses.get("SECRET_HASH"))
                return decoy_factor(decoy, challenge_responses.get("ANSWER") or "", challenge_responses)
        if challenge_name in ("SELECT_CHALLENGE", "SMS_OTP"):
            username, pool = live_session(self, session, client_id, challenge_responses)
            if challenge_name == "SMS_OTP":
                refuse_wrong_text(session, challenge_responses.get("SMS_OTP_CODE"))
                with lock:
                    sms_codes.pop(session, None)
                self.sessions.pop(session, None)
                return self._log_user_in(pool, pool.clients[client_id], username)
            with lock:
                offered = offered_first.pop(session, None) or []
            chosen = challenge_responses.get("ANSWER") or ""
            if chosen not in offered:
                raise InvalidParameterException("%s is not a challenge available to the user" % chosen)
            user = pool.users[username]
            return deliver_codes(self, start_factor(self, client_id, pool, user, session, chosen, challenge_responses))
        if challenge_name in ("EMAIL_OTP", "SELECT_MFA_TYPE"):
            # moto knows neither: answered here. The session as for SMS_MFA, then the mailed code
            # (spent once right; wrong ones counted), or the choice among the offered factors,
            # which moves the sign-in on to that factor's challenge under a new session.
            username, pool = live_session(self, session, client_id, challenge_responses)
            if challenge_name == "EMAIL_OTP":
                try:
                    spend_mailed_code(pool, username, "mfa:" + session, challenge_responses.get("EMAIL_OTP_CODE"))
                except ExpiredCodeException:
                    raise CodeMismatchException("Invalid code or auth state for the user.")
                self.sessions.pop(session, None)
                return self._log_user_in(pool, pool.clients[client_id], username)
            with lock:
                offered = choices.get(session) or []
            chosen = challenge_responses.get("ANSWER") or ""
            if chosen not in offered:
                raise InvalidParameterException("%s is not a factor offered to the user" % chosen)
            self.sessions.pop(session, None)
            moved = str(models.random.uuid4())
            self.sessions[moved] = (username, pool)
            return deliver_codes(self, {"ChallengeName": chosen, "Session": moved,
                                        "ChallengeParameters": {"USER_ID_FOR_SRP": username}})
        if challenge_name == "PASSWORD_VERIFIER":
            block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
            with lock:
                state = srp_states.pop(block, None)
            if state is None:
                raise NotAuthorizedError("Incorrect username or password.")
            if challenge_responses.get("USERNAME") != state["user_id"]:
                raise NotAuthorizedError("Incorrect username or password.")
            _, pool = self.sessions.get(state["session"], (None, None))
            client = pool.clients.get(client_id) if pool else None
            if client is not None and client.generate_secret:
                refuse_secret_hash(client, state["user_id"], challenge_responses.get("SECRET_HASH"))
            want = expected_signature(
                state, block, challenge_responses.get("TIMESTAMP") or ""
            )
            got = challenge_responses.get("PASSWORD_CLAIM_SIGNATURE") or ""
            if not hmac.compare_digest(want, got):
                raise NotAuthorizedError("Incorrect username or password.")
            # The old password after AdminResetUserPassword, proved: as in the password flows.
            reset = pool.users.get(state["user_id"]) if pool else None
            if reset is not None and reset.status is UserStatus.RESET_REQUIRED:
                raise PasswordResetRequiredException("Password reset required for the user")
            # moto finds its session under the secret block it sent.
            challenge_responses = dict(challenge_responses)
            challenge_responses["PASSWORD_CLAIM_SECRET_BLOCK"] = state["session"]
        result = original_respond(self, session, client_id, challenge_name, challenge_responses)
        gated = None
        if challenge_name == "PASSWORD_VERIFIER":
            gated = gate_tokens(self, client_id, result, challenge_responses.get("DEVICE_KEY"))
        if gated:
            return gated
        if challenge_name in ("PASSWORD_VERIFIER", "NEW_PASSWORD_REQUIRED"):
            result = require_mfa(self, client_id, challenge_name, result)
        result = deliver_codes(self, result)
        # Cognito's challenge parameters are strings (MFAS_CAN_SETUP is a JSON list in a
        # string); moto puts the list itself, which the SDKs cannot read.
        params = result.get("ChallengeParameters") if isinstance(result, dict) else None
        if params:
            result["ChallengeParameters"] = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()
            }
        return result

    patch_tokens(models)
    patch_pool_plans(models)
    patch_client_defaults(models)
    patch_client_updates(models)
    backend.initiate_auth = initiate_auth
    backend.admin_initiate_auth = admin_initiate_auth

    # GlobalSignOut is unsigned, so moto cannot tell its region and looks in us-east-1 only;
    # find the pool by the access token, as moto does for GetUser.
    from moto.cognitoidp import responses
    from moto.core.responses import EmptyResult

    def global_sign_out(self):
        access_token = self._get_param("AccessToken")
        agnostic = self._get_region_agnostic_backend()
        agnostic._find_backend_by_access_token(access_token).global_sign_out(access_token)
        return EmptyResult()

    responses.CognitoIdpResponse.global_sign_out = global_sign_out
    patch_get_user(responses)
    patch_refresh_lifecycle(models, responses, find_client, refuse_secret_hash)
    mail_code, spend_mailed_code, token_user = patch_self_service(
        models, responses, find_client, refuse_secret_hash, lambda client: hides_client(client)
    )
    device_gate, answer_device = patch_devices(responses, token_user, srp_states, lock, refuse_secret_hash)
    backend.respond_to_auth_challenge = respond_to_auth_challenge
    backend.admin_respond_to_auth_challenge = admin_respond_to_auth_challenge
    backend.verify_software_token = verify_software_token
    backend.associate_software_token = associate_software_token

    # What managed login's pages need of the factors kept here (hosted_next, hosted_step).
    def hosted_text(pool, user):
        phone = user.attribute_lookup.get("phone_number") or ""
        code = "%06d" % secrets.randbelow(1_000_000)
        keep_text({"pool": pool.id, "username": user.username, "phone": phone, "code": code})
        return code

    def hosted_totp(pool_id, username, code):
        with lock:
            secret = user_secrets.get((pool_id, username))
        if secret is None:
            return False
        try:
            refuse_spent_code(pool_id, username, code)
            verify_totp(cognito_totp(secret), (code or "").encode("utf-8"))
        except (InvalidToken, CodeMismatchException):
            return False
        spend_code(pool_id, username, code)
        return True

    def hosted_enrol(pool, user, secret, code):
        with lock:
            user_secrets[(pool.id, user.username)] = secret
        spend_code(pool.id, user.username, code)
        user.token_verified = True
        user.software_token_mfa_enabled = True
        user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"

    HOSTED_HOOKS.update(
        mfa_due=mfa_due, text=hosted_text, mail=mail_code, spend_mail=spend_mailed_code, totp=hosted_totp,
        enrol=hosted_enrol, confirmed=UserStatus.CONFIRMED,
        validate_password=lambda pool, password: pool.backend._validate_password(pool.id, password),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--parent-pid", type=int, help="exit when this process has")
    args = parser.parse_args()
    if args.parent_pid:
        # A test process that started the emulator for itself: it goes when the tests do.
        def watch(pid):
            while True:
                time.sleep(1)
                try:
                    os.kill(pid, 0)
                except OSError:
                    os._exit(0)
        threading.Thread(target=watch, args=(args.parent_pid,), daemon=True).start()

    # moto accepts any authenticator code unless told to check it, as Cognito does.
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
    patch_moto()
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.moto_server.threaded_moto_server import MotoRequestHandler

    app = with_outbox(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)
    url = "http://%s:%d" % (args.host, port)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(url)
        os.replace(tmp, args.port_file)
    print("listening on " + url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
