"""InitiateAuth and AdminInitiateAuth: the checks, moto's answer, real SRP's PASSWORD_VERIFIER,
the device's proof in place of the tokens, and USER_AUTH (choice-based sign-in)."""

# moto is imported here at the top: server.patch_moto imports this module, as it imported moto,
# only once main has set moto's environment; nothing imported before then imports it.

import base64
import secrets

from moto.cognitoidp import models
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import UserStatus

from .devices import attach_device
from .flows import (
    PasswordResetRequiredException, check_secret, discard_tokens, find_client, hides_users, refuse_flow,
    refuse_refresh_under_rotation, refuse_refresh_without_device, refuse_reset_required,
    refuse_unknown_as_wrong_password, simulated_srp_challenge, unknown_user,
)
from .mfa import deliver_codes, require_mfa
from .passkeys import has_passkey, start_assertion
from .plans import refuse_below_tier
from .sessions import note_admin, note_challenge
from .srp import G, K, N, verifier
from .state import SIGN_IN_HOOKS, decoys, lock, offered_first, srp_states

# moto's own, taken when server.patch_moto imports this module, before it replaces them.
original_initiate = models.CognitoIdpBackend.initiate_auth
original_admin_initiate = models.CognitoIdpBackend.admin_initiate_auth

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

    gated = SIGN_IN_HOOKS["device_gate"](self, pool, username, key, result, discard)
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


# rule srp-proof: SRP really proves the password (SRP-6a as Cognito does it; see srp.py).
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


# rule user-auth: USER_AUTH: the first factors the pool allows and the user can use.
# USER_AUTH, choice-based sign-in (InitiateAuth reference, AuthFlow USER_AUTH; developer
# guide, "Authentication flows: choice-based"): the first factors the pool allows
# (Policies.SignInPolicy.AllowedFirstAuthFactors, PASSWORD alone unless set) that the user
# can use: PASSWORD and PASSWORD_SRP, EMAIL_OTP with a verified email, SMS_OTP with a
# verified phone, WEB_AUTHN with a passkey (passkeys.py, rule webauthn-sign-in). PREFERRED_CHALLENGE starts one at once; without it SELECT_CHALLENGE lists
# them in the response's top-level AvailableChallenges (InitiateAuth reference: "Amazon
# Cognito responds with the AvailableChallenges parameter"; RespondToAuthChallenge reference,
# ANSWER: "one of the challenge types in the AvailableChallenges response parameter";
# Amplify's signInWithUserAuth reads response.AvailableChallenges), never in the challenge
# parameters, and its ANSWER starts one (with PASSWORD, or SRP_A). A passwordless factor's
# code signs the user in. moto has no USER_AUTH.
# (offered_first in state.py.)
#
# rule user-auth-hides-users: USER_AUTH answers an unknown user as a password-only one.
# An unknown user's SELECT_CHALLENGE under PreventUserExistenceErrors (developer guide,
# "Managing error responses": choice-based authentication answers an unknown user as a
# known one): session -> the name given. Answered as a user with a password alone is, the
# password refused where it is checked. (decoys, in state.py.) The reference is silent on
# passkeys here: an unknown user is never offered WEB_AUTHN, as a known user without a passkey
# is not, and answering it is refused alike (decoy_factor: InvalidParameterException).
def first_factors(pool, user):
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    allowed = policy.get("AllowedFirstAuthFactors") or ["PASSWORD"]
    lookup = user.attribute_lookup
    available = ["PASSWORD", "PASSWORD_SRP"] if "PASSWORD" in allowed else []
    if "EMAIL_OTP" in allowed and lookup.get("email") and str(lookup.get("email_verified")).lower() == "true":
        available.append("EMAIL_OTP")
    if "SMS_OTP" in allowed and lookup.get("phone_number") and str(lookup.get("phone_number_verified")).lower() == "true":
        available.append("SMS_OTP")
    if "WEB_AUTHN" in allowed and has_passkey(pool, user):
        available.append("WEB_AUTHN")
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
    # A PREFERRED_CHALLENGE the user cannot use (a passkey they have not registered) falls back to
    # the choice: the InitiateAuth reference says nothing of this case. The crate reads the choice
    # after a passkey start as "no passkey" (SignIn::start_passkey_sign_in); a refusal would reach
    # the application by its type.
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
    if factor == "WEB_AUTHN":
        return {"ChallengeName": factor, "Session": session, "ChallengeParameters": start_assertion(pool, user, session)}
    return {"ChallengeName": factor, "Session": session, "ChallengeParameters": {"USERNAME": user.username}}
