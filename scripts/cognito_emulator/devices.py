"""Remembered devices."""

import base64
import hmac
import secrets
import uuid

from .clock import pool_now
from .srp import G, K, N, expected_signature
from .state import DEVICE_BOUND, DEVICE_LOCK, DEVICES, SESSION_DEVICES

# rule devices: remembered devices: NewDeviceMetadata, ConfirmDevice, the device's SRP.
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
# (DEVICES, SESSION_DEVICES, DEVICE_LOCK and DEVICE_BOUND in state.py.)
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


# rule device-refresh: refresh tokens are bound to their confirmed device.
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
