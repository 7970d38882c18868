"""RespondToAuthChallenge and AdminRespondToAuthChallenge: every challenge's answer."""

# moto is imported here at the top: server.patch_moto imports this module, as it imported moto,
# only once main has set moto's environment; nothing imported before then imports it.

import hmac
import json

from moto.cognitoidp import models
from moto.cognitoidp.exceptions import (
    CodeMismatchException, ExpiredCodeException, InvalidParameterException, NotAuthorizedError,
)
from moto.cognitoidp.models import UserStatus

from .devices import attach_device, device_config
from .flows import PasswordResetRequiredException, find_client, refuse_secret_hash
from .mfa import as_moto_code, deliver_codes, mfa_due, refuse_spent_code, require_mfa, spend_code
from .passkeys import verify_assertion
from .sessions import (
    live_session, note_admin, note_challenge, refuse_lapsed, refuse_other_answer, refuse_wrong_text,
)
from .signin import decoy_factor, gate_tokens, start_factor
from .srp import expected_signature
from .state import (
    DEVICE_LOCK, SESSION_DEVICES, SIGN_IN_HOOKS, admin_sessions, answering, choices, decoys, issued_to, lock,
    offered_first, sms_codes, srp_states, verified_sessions,
)

# moto's own, taken when server.patch_moto imports this module, before it replaces it.
original_respond = models.CognitoIdpBackend.respond_to_auth_challenge

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


def answer_challenge(self, session, client_id, challenge_name, challenge_responses):
    if challenge_name == "MFA_SETUP":
        # rule mfa-setup-session: MFA_SETUP only on the session VerifySoftwareToken verified.
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
            # rule device-replaces-mfa: a remembered device replaces MFA only where the pool says so.
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
        return SIGN_IN_HOOKS["answer_device"](self, session, client_id, challenge_name, challenge_responses, finish)
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
    if challenge_name == "WEB_AUTHN":
        # A passkey's assertion (passkeys.py, rule webauthn-sign-in): verified, then the tokens.
        username, pool = live_session(self, session, client_id, challenge_responses)
        verify_assertion(pool, pool.users[username], session, challenge_responses.get("CREDENTIAL"))
        self.sessions.pop(session, None)
        return self._log_user_in(pool, pool.clients[client_id], username)
    if challenge_name in ("EMAIL_OTP", "SELECT_MFA_TYPE"):
        # moto knows neither: answered here. The session as for SMS_MFA, then the mailed code
        # (spent once right; wrong ones counted), or the choice among the offered factors,
        # which moves the sign-in on to that factor's challenge under a new session.
        username, pool = live_session(self, session, client_id, challenge_responses)
        if challenge_name == "EMAIL_OTP":
            try:
                SIGN_IN_HOOKS["spend_mailed_code"](pool, username, "mfa:" + session, challenge_responses.get("EMAIL_OTP_CODE"))
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
    # rule string-params: challenge parameters are strings.
    # Cognito's challenge parameters are strings (MFAS_CAN_SETUP is a JSON list in a
    # string); moto puts the list itself, which the SDKs cannot read.
    params = result.get("ChallengeParameters") if isinstance(result, dict) else None
    if params:
        result["ChallengeParameters"] = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()
        }
    return result
