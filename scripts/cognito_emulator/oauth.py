"""Managed login's token, revoke and userInfo endpoints."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid

from .clients import DEFAULT_FLOWS, rotation_of
from .clock import pool_now
from .keys import VALIDITY_UNITS, claims_of, pool_issuer, refresh_lifetime, sign
from .state import (
    AUTH_CODES, GRANTING, ID_TOKEN_EXTRA, REFRESH_HOOKS, REFRESH_ISSUED, REFRESH_SCOPES, SMS_OUTBOX_LOCK,
)
from .tokens import readable, revocation_enabled

# rule client-credentials: the token endpoint's client-credentials grant.
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


# rule oauth-scopes: the scopes granted; email, phone, profile only with openid; readable attributes.
# The OIDC scopes that come only with openid, and the attributes the app client must be able to
# read for each (CDK's OAuthScope, after the developer guide: email "Grants access to the 'email'
# and 'email_verified' claims", phone to 'phone_number' and 'phone_number_verified'; profile to
# "all user attributes that are readable by the client").
OPENID_ONLY = ("email", "phone", "profile")
SCOPE_ATTRIBUTES = {"email": ("email", "email_verified"), "phone": ("phone_number", "phone_number_verified")}


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
    # rule code-grant-recheck: the code grant re-reads the client's grants.
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


# The rest of managed login's endpoints (developer guide, "The revoke endpoint", "The userInfo
# endpoint", "The token endpoint": the refresh_token grant). REFRESH_HOOKS is filled by
# patch_refresh_lifecycle, which keeps the refresh tokens' rules.
# (REFRESH_HOOKS in state.py.)


# rule refresh-grant: the token endpoint's refresh_token grant, as GetTokensFromRefreshToken.
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


# rule revoke-endpoint: POST /oauth2/revoke, its error table.
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


# rule userinfo: GET /oauth2/userInfo: an openid token's attributes its scopes cover.
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
