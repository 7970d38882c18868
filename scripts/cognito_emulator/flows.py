"""The sign-in's checks before moto answers: the app client and its secret hash, the flows it
allows, refresh-token rotation and devices, a reset password, and unknown users."""

# moto is imported here at the top: server.patch_moto imports this module, as it imported moto,
# only once main has set moto's environment; nothing imported before then imports it.

import base64
import secrets

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import UserStatus
from moto.cognitoidp.utils import check_secret_hash
from moto.core.exceptions import JsonRESTError

from .clients import refuse_disallowed_flow, rotation_of
from .devices import refuse_without_device
from .srp import N

class PasswordResetRequiredException(JsonRESTError):
    def __init__(self, message):
        super().__init__(error_type="PasswordResetRequiredException", message=message)


def find_client(self, client_id):
    for pool in self.user_pools.values():
        if client_id in pool.clients:
            return pool, pool.clients[client_id]
    return None, None


# rule secret-hash: SECRET_HASH checked on every flow and answer, missing and wrong told apart.
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
        # rule secret-hash-unexpected: a SECRET_HASH sent to a client without a secret is refused.
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
    # rule rotation-no-refresh-auth: under rotation REFRESH_TOKEN_AUTH is refused.
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
    # rule reset-required: after AdminResetUserPassword the old password gets PasswordResetRequiredException.
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


# rule hide-users: PreventUserExistenceErrors: an unknown user is answered as a wrong password.
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
