"""Second factors: authenticator apps (their secrets and codes), texted and mailed codes, and the
factor each flow asks for; and what managed login's pages need of them."""

# moto is imported here at the top: server.patch_moto imports this module, as it imported moto,
# only once main has set moto's environment; nothing imported before then imports it.

import base64
import json
import secrets
import time

from cryptography.hazmat.primitives.twofactor import InvalidToken
from moto.cognitoidp import models
from moto.cognitoidp.exceptions import CodeMismatchException, InvalidParameterException

from .codes import keep_text, mask_phone
from .flows import discard_tokens, find_client
from .sessions import refuse_lapsed
from .state import (
    SIGN_IN_HOOKS, admin_sessions, choices, deadlines, issued_as, lock, sms_codes, spent_codes, user_secrets,
    verified_sessions,
)

# moto's own, taken when server.patch_moto imports this module, before it replaces them.
original_verify = models.CognitoIdpBackend.verify_software_token
original_associate = models.CognitoIdpBackend.associate_software_token

# Sessions VerifySoftwareToken answered SUCCESS for: the only ones MFA_SETUP accepts
# (verified_sessions, in state.py).
#
# rule totp-once: an authenticator code is checked and used once.
# Authenticator codes: Cognito's reference does not say whether a code may be used twice in
# its 30-second step; RFC 6238 (section 5.2) says a verifier must not accept it again. The
# emulator follows the RFC, so that no test passes by reusing a code. (moto gives every user
# the same secret, so a code is spent per user: (pool id, username) -> (step, code).)
# (spent_codes in state.py.)
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


# rule user-totp-secret: every user an authenticator secret of their own.
# A secret of their own for every user (AssociateSoftwareToken reference: it "generates a
# secret key for the user"; Cognito's are 32 base32 characters); moto gives every user the
# same one. Codes are checked against the user's secret here, then handed to moto as a code
# of its one secret, which it checks next (test an_authenticators_secret_is_the_users_own).
# (user_secrets in state.py.)
from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET
from moto.cognitoidp.utils import cognito_totp, verify_totp


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


# rule sms-mfa: SMS MFA texts a code, the only one that answers.
# SMS_MFA: moto sends no text and accepts any code. Cognito texts a code to the user's
# phone_number and says where in the challenge parameters CODE_DELIVERY_DELIVERY_MEDIUM and
# CODE_DELIVERY_DESTINATION, the number masked (InitiateAuth and RespondToAuthChallenge
# reference, ChallengeParameters; developer guide, "SMS message MFA"); a wrong code is
# CodeMismatchException and may be tried again (the guide: lockout begins after five
# unsuccessful attempts). The emulator keeps each text it "sends" in an outbox that tests
# read as a phone would (GET /_emulator/sms).
# (sms_codes in state.py.)
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


# rule mfa-every-flow: with MFA required every flow asks for it alike.
# MFA in every flow. With MFA required (MfaConfiguration ON) a user without a factor enrols one
# at sign-in, and a user with one answers it, whichever flow proved the password (developer
# guide, "Adding MFA to a user pool": "MFA is required for all users"; InitiateAuth and
# AdminInitiateAuth reference, ChallengeName: MFA_SETUP "if MFA is required, users who don't
# have at least one of the MFA methods set up are prompted"). moto asks only after SRP, and
# in the password flows hands out tokens unless the user prefers a factor. The tokens it
# made are withdrawn and the challenge answered in their place, as its SRP branch decides it.
#
# rule mfa-choice: the preferred factor, the only one, or SELECT_MFA_TYPE.
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


# (choices, SELECT_MFA_TYPE session -> the factors it offered, in state.py.)


def deliver_email(self, result):
    """EMAIL_OTP: a code mailed to the user's email, where the challenge says (masked)."""
    if not isinstance(result, dict) or result.get("ChallengeName") != "EMAIL_OTP":
        return result
    username, pool = self.sessions[result["Session"]]
    user = self.admin_get_user(pool.id, username)
    params = result.setdefault("ChallengeParameters", {})
    # One code per challenge session: another sign-in's code answers nothing here.
    delivered = SIGN_IN_HOOKS["mail_code"](pool, user, "mfa:" + result["Session"], "email")
    params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "EMAIL"
    params["CODE_DELIVERY_DESTINATION"] = delivered["Destination"]
    return result


def deliver_codes(self, result):
    return deliver_email(self, deliver_sms(self, result))


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
