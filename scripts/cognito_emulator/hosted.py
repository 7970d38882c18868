"""Managed login's pages: authorize, the sign-in form and the steps after it, the stand-in
identity provider, and logout."""

import base64
import hashlib
import hmac
import html
import json
import secrets
import urllib.parse
import uuid

from .clock import pool_now
from .oauth import OPENID_ONLY, find_pool_client
from .state import AUTH_CODES, HOSTED_HOOKS, HOSTED_STEPS, SMS_OUTBOX_LOCK

# rule managed-login: managed login's authorize, login, stand-in provider and logout.
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
# (AUTH_CODES and ID_TOKEN_EXTRA in state.py.)


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


# rule hosted-steps: managed login asks for a new password and the second factor before the code.
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
# (HOSTED_HOOKS and HOSTED_STEPS in state.py.)
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


def hosted_logout(environ, start_response):
    given = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING") or "").items()}
    _, _, client = find_pool_client(given.get("client_id") or "")
    logout_uri = given.get("logout_uri") or ""
    if client is None or logout_uri not in (client.extended_config.get("LogoutURLs") or []):
        return html_page(start_response, "400 Bad Request", "<p id='error'>invalid logout_uri</p>")
    return redirect(start_response, logout_uri)
