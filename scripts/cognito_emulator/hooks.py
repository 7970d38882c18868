"""The HTTP wrapper around moto's app: the emulator's test hooks (/_emulator/...), managed
login's routes, the context record and the admin-scope check before moto sees a call."""

import io
import json

from .codes import outbox_json
from .hosted import federated_sign_in, hosted_logout, hosted_sign_in, oauth_authorize
from .keys import claims_of, pool_jwks
from .oauth import find_pool_client, oauth_revoke, oauth_token, oauth_user_info
from .state import CLOCK_OFFSETS, CONTEXTS, MAILBOX, SMS_OUTBOX, SMS_OUTBOX_LOCK

# What each call brought of threat protection's context and the client metadata, as received
# (UserContextData on the public calls, ContextData on the admin ones, ClientMetadata): GET
# /_emulator/context, newest last, bounded. Cognito keeps them for its risk scores and shows
# them nowhere; the tests read here that the crate sends them.
# (CONTEXTS in state.py.)
CONTEXT_KEYS = ("UserContextData", "ContextData", "ClientMetadata")


# rule context-record: the context each call brought; the IP only with the client setting.
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


# rule admin-scope: calls with an access token need aws.cognito.signin.user.admin.
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
