"""What the tokens carry, and which attributes an app client reads and writes."""

import threading
import time

from .clock import pool_now
from .keys import pool_issuer, real_refresh_token, sign
from .state import GRANTING, ID_TOKEN_EXTRA, REFRESH_ISSUED, REFRESH_SCOPES

# rule read-attributes: GetUser and the ID token carry what the client may read.
def readable(client, name):
    """Whether an app client may read a user attribute (CreateUserPoolClient reference,
    ReadAttributes: "When you don't specify the ReadAttributes for your app client, your app can
    read the values of email_verified, phone_number_verified, and the Standard attributes of your
    user pool"; with them, those listed). `sub` is always read."""
    listed = client.get_readable_fields() if client is not None else []
    if not listed:
        return ":" not in name
    return name == "sub" or name in listed


# rule write-attributes: an app client writes only the attributes its WriteAttributes list.
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


# rule federated-get-user: GetUser answers for a federated user.
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


# rule token-scopes: access tokens carry the scopes granted.
# The scopes a managed-login sign-in was granted, by its refresh token (and so by every refresh
# of it): the access tokens' `scope` claim is the granted scopes (developer guide, authorization
# endpoint; aws/aws-cli#6661: API sign-ins carry aws.cognito.signin.user.admin alone). moto
# puts aws.cognito.signin.user.admin in every access token. GRANTING holds the scopes of the
# code being exchanged while its tokens are made.
# (REFRESH_SCOPES, GRANTING in state.py.)
# rule token-claims: tokens carry Cognito's claim set.
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
        # rule revocation-off: without EnableTokenRevocation, no origin_jti nor jti; RevokeToken unsupported.
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
