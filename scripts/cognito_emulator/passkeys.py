"""Passkeys (WebAuthn): the pool's WebAuthnConfiguration, a user's registration and list of
passkeys, and the WEB_AUTHN first factor of USER_AUTH. moto has none of it. Each ceremony is
verified by py_webauthn (the PyPI package `webauthn`), not by hand."""

# moto is imported here at the top: server.patch_moto imports this module (and signin.py and
# challenges.py, which import it, are imported there too) once main has set moto's environment.

import hashlib
import json
import secrets
import time
from urllib.parse import urlsplit

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.core.exceptions import JsonRESTError

from .clock import pool_now
from .plans import pool_tier, refuse_below_tier
from .state import PASSKEY_ASSERTIONS, PASSKEY_LOCK, PASSKEY_REGISTRATIONS, PASSKEYS, WEBAUTHN_CONFIG

try:
    from webauthn import verify_authentication_response, verify_registration_response
    from webauthn.helpers import (
        bytes_to_base64url, parse_attestation_object, parse_authentication_credential_json,
        parse_client_data_json, parse_registration_credential_json,
    )
    from webauthn.helpers.decode_credential_public_key import decode_credential_public_key
    from webauthn.helpers.exceptions import InvalidRegistrationResponse
except ImportError:  # a .venv made before the pin: everything but the passkeys still runs
    verify_authentication_response = None


def refuse(error_type, message):
    raise JsonRESTError(error_type, message)


def need_webauthn():
    """The passkey ceremonies need py_webauthn, which scripts/lib.sh's ensure_venv installs; a
    .venv made before it was pinned (tests/common/emulator.rs starts the emulator from whatever
    .venv is there) serves everything else and says so here."""
    if verify_authentication_response is None:
        refuse("InternalErrorException",
               "the emulator's passkeys need the PyPI package webauthn in .venv: run ./scripts/test once")


# rule webauthn-config: SetUserPoolMfaConfig's WebAuthnConfiguration kept, GetUserPoolMfaConfig returns it.
# SetUserPoolMfaConfig's WebAuthnConfiguration (RelyingPartyId, UserVerification,
# FactorConfiguration; WebAuthnConfigurationType reference) is kept and returned by it and by
# GetUserPoolMfaConfig, the keys as botocore's model of cognito-idp names them; moto drops it.
# It needs the Essentials plan ("To activate this setting, your user pool must be in the
# Essentials tier or higher"): FeatureUnavailableInTierException below, a modeled error of
# SetUserPoolMfaConfig. UserVerification is `required` or `preferred` (UserVerificationType), a
# RelyingPartyId 1 to 127 characters (RelyingPartyIdType), else InvalidParameterException. Unset
# members read as Cognito's defaults where the references give one; a pool never given the
# setting answers without it (the references are silent on that answer: the emulator's choice).
# MfaConfiguration is not a required member of SetUserPoolMfaConfigRequest: a call that sets
# only the passkey settings keeps the pool's MFA as it is (moto refuses such a call). Passkeys as
# an MFA factor (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION) are not modelled
# beyond the user verification that setting requires (WebAuthnFactorConfigurationType: "your
# user pool requires passkey authenticators to perform user verification").
def webauthn_config(pool):
    return WEBAUTHN_CONFIG.get(pool.id)


def user_verification(pool):
    """`required` or `preferred` (UserVerificationType; `preferred` unless set)."""
    config = webauthn_config(pool) or {}
    if config.get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION":
        return "required"
    return config.get("UserVerification") or "preferred"


def described_config(pool):
    config = webauthn_config(pool)
    if config is None:
        return None
    return dict(config, UserVerification=config.get("UserVerification") or "preferred")


def patch_webauthn_config(responses):
    response_class = responses.CognitoIdpResponse
    original_set = response_class.set_user_pool_mfa_config
    original_get = response_class.get_user_pool_mfa_config
    from moto.core.responses import ActionResult

    def with_config(answer, pool):
        described = described_config(pool)
        if described is not None and isinstance(getattr(answer, "result", None), dict):
            answer.result["WebAuthnConfiguration"] = described
        return answer

    def set_user_pool_mfa_config(self):
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        given = self._get_param("WebAuthnConfiguration")
        if given is not None:
            if not isinstance(given, dict):
                raise InvalidParameterException("WebAuthnConfiguration must be an object")
            refuse_below_tier(pool, "ESSENTIALS", "Passkeys (WebAuthnConfiguration)")
            rp_id = given.get("RelyingPartyId")
            if rp_id is not None and not (isinstance(rp_id, str) and 1 <= len(rp_id) <= 127):
                raise InvalidParameterException("RelyingPartyId must be 1 to 127 characters")
            if given.get("UserVerification") not in (None, "required", "preferred"):
                raise InvalidParameterException("UserVerification must be one of: required, preferred")
            if given.get("FactorConfiguration") not in (None, "SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION"):
                raise InvalidParameterException(
                    "FactorConfiguration must be one of: SINGLE_FACTOR, MULTI_FACTOR_WITH_USER_VERIFICATION")
        others = ("MfaConfiguration", "SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
        if given is not None and all(self._get_param(k) is None for k in others):
            answer = ActionResult(self.backend.get_user_pool_mfa_config(pool.id))
        else:
            answer = original_set(self)
        if given is not None:
            WEBAUTHN_CONFIG[pool.id] = {k: v for k, v in given.items()
                                        if k in ("RelyingPartyId", "UserVerification", "FactorConfiguration")}
        return with_config(answer, pool)

    def get_user_pool_mfa_config(self):
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        return with_config(original_get(self), pool)

    response_class.set_user_pool_mfa_config = set_user_pool_mfa_config
    response_class.get_user_pool_mfa_config = get_user_pool_mfa_config


# rule webauthn-registration: StartWebAuthnRegistration and CompleteWebAuthnRegistration, verified by py_webauthn.
# Registering a passkey (StartWebAuthnRegistration and CompleteWebAuthnRegistration references;
# moto has neither). The access token's user (refused as the other calls with a token refuse
# it) on a pool of the Essentials plan or above (passkeys are an Essentials feature: the
# WebAuthnConfigurationType and SignInPolicyType references; below it
# FeatureUnavailableInTierException, which the exception's reference gives for "a request that
# uses a feature that requires a higher feature plan", though StartWebAuthnRegistration's list
# of errors does not name it), whose passkeys are on: WEB_AUTHN among its
# AllowedFirstAuthFactors, or passkey MFA set, else WebAuthnNotEnabledException ("the passkey
# feature isn't enabled for the user pool"). The relying party is the pool's RelyingPartyId,
# else its domain: the custom domain, else the prefix domain <prefix>.auth.<region>.amazoncognito.com
# (RelyingPartyId: "typically your user pool domain"; with neither,
# WebAuthnConfigurationMissingException: "a user pool doesn't have a configured relying party id
# or a user pool domain"). Start answers CredentialCreationOptions, the
# PublicKeyCredentialCreationOptionsJSON form, as Cognito's answer has it in Amplify's mock
# of it (aws-amplify/amplify-js packages/auth/__tests__/mockData.ts, passkeyCredentialCreateOptions):
# rp {id, name}, user {id (base64url of the sub), name (the username), displayName (the `name`
# attribute, else empty, as in the mock)}, a 16-byte challenge, ES256 and RS256, timeout 60000,
# excludeCredentials of the user's passkeys, authenticatorSelection {requireResidentKey true,
# residentKey required, userVerification as the pool sets it}. One registration at a time: a new
# Start replaces the pending one, which lapses after the options' timeout, 60 s on the pool's
# clock (the references are silent on its lifetime; a browser abandons the ceremony at the
# timeout). Complete spends it, and refuses: none pending or lapsed, or a credential for another
# challenge, WebAuthnChallengeNotFoundException ("the challenge from StartWebAuthn registration
# has expired"); a token of another app client than Start's, WebAuthnClientMismatchException; an
# origin that is not the relying party's, WebAuthnOriginNotAllowedException (see origin_allowed);
# authenticator data for another relying party, WebAuthnRelyingPartyMismatchException; a key
# algorithm other than ES256 and RS256, or no user verification where the pool requires it
# (UserVerification: "users can only register ... passkeys that are capable of user
# verification"), WebAuthnCredentialNotSupportedException; anything else py_webauthn refuses,
# or a credential already registered, InvalidParameterException (the references are silent on
# those). The passkey keeps its id, public key, sign count, transports, attachment, relying
# party, creation time, and a friendly name the emulator makes of the attachment (Cognito's is
# "automatically-generated", how is not said).
PENDING_SECONDS = 60
REGISTRATION_TIMEOUT_MS = PENDING_SECONDS * 1000
SUPPORTED_ALGS = [-7, -257]  # COSE: ES256, RS256


def passkeys_on(pool):
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    mfa = (webauthn_config(pool) or {}).get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION"
    return "WEB_AUTHN" in (policy.get("AllowedFirstAuthFactors") or []) or mfa


def pool_domain(pool):
    domain = pool.domain  # moto's: the pool's domain, if any
    if domain is None:
        return None
    if domain.custom_domain_config:
        return domain.domain
    return "%s.auth.%s.amazoncognito.com" % (domain.domain, pool.region)


def relying_party(pool):
    rp_id = (webauthn_config(pool) or {}).get("RelyingPartyId") or pool_domain(pool)
    if not rp_id:
        refuse("WebAuthnConfigurationMissingException",
               "User pool %s has no WebAuthn relying party id and no domain" % pool.id)
    return rp_id


# (Part of rule webauthn-registration.) The origins a relying party accepts: https on the
# relying party id itself or a subdomain of it (any port), and http://localhost for the RP id
# localhost. WebAuthn Level 2, 5.1.3 and 13.4.9 (the origin "matches an origin the Relying Party
# expects"; an RP ID is the origin's effective domain or a registrable suffix of it): the browser
# lets a page use an RP ID of its own host or a parent domain, so a passkey of example.com may be
# registered from https://app.example.com. Cognito's references say only that the origin must
# "align with the user pool relying party id" (WebAuthnOriginNotAllowedException); Amplify's mock
# of Cognito's options names the relying party localhost.
def origin_allowed(origin, rp_id):
    try:
        parts = urlsplit(origin or "")
        host = parts.hostname or ""
        parts.port  # a malformed port raises
    except ValueError:
        return False
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return False
    if parts.scheme == "http":
        return rp_id == "localhost" and host == "localhost"
    return parts.scheme == "https" and (host == rp_id or host.endswith("." + rp_id))


def user_key(pool, user):
    # By the user's sub: a user deleted and made again under the name has no passkeys.
    return (pool.id, user.id)


def user_handle(user):
    return bytes_to_base64url(user.id.encode("utf-8"))


def user_passkeys(pool, user):
    with PASSKEY_LOCK:
        return list(PASSKEYS.get(user_key(pool, user), []))


def has_passkey(pool, user):
    return bool(user_passkeys(pool, user))


def friendly_name(attachment):
    return {"platform": "Platform passkey", "cross-platform": "Security key"}.get(attachment or "", "Passkey")


def start_registration(pool, user, client_id):
    need_webauthn()
    if pool_tier(pool) == "LITE":
        refuse_below_tier(pool, "ESSENTIALS", "Passkeys")
    if not passkeys_on(pool):
        refuse("WebAuthnNotEnabledException", "Passkeys are not enabled for user pool %s" % pool.id)
    rp_id = relying_party(pool)
    challenge = secrets.token_bytes(16)
    verification = user_verification(pool)
    with PASSKEY_LOCK:
        PASSKEY_REGISTRATIONS[user_key(pool, user)] = {
            "challenge": challenge, "client": client_id, "rp_id": rp_id, "uv": verification,
            "until": pool_now(pool.id) + PENDING_SECONDS,
        }
    return {
        "rp": {"id": rp_id, "name": rp_id},
        "user": {"id": user_handle(user), "name": user.username,
                 "displayName": user.attribute_lookup.get("name") or ""},
        "challenge": bytes_to_base64url(challenge),
        "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in SUPPORTED_ALGS],
        "timeout": REGISTRATION_TIMEOUT_MS,
        "excludeCredentials": [{"type": "public-key", "id": p["id"]} for p in user_passkeys(pool, user)],
        "authenticatorSelection": {"requireResidentKey": True, "residentKey": "required",
                                   "userVerification": verification},
    }


def complete_registration(pool, user, client_id, credential):
    need_webauthn()
    if pool_tier(pool) == "LITE":
        refuse_below_tier(pool, "ESSENTIALS", "Passkeys")
    if not passkeys_on(pool):
        refuse("WebAuthnNotEnabledException", "Passkeys are not enabled for user pool %s" % pool.id)
    with PASSKEY_LOCK:
        pending = PASSKEY_REGISTRATIONS.pop(user_key(pool, user), None)
    if pending is None or pool_now(pool.id) > pending["until"]:
        refuse("WebAuthnChallengeNotFoundException", "No passkey registration is pending for the user, or it has expired")
    if pending["client"] != client_id:
        refuse("WebAuthnClientMismatchException",
               "The access token is for another app client than the one that started the registration")
    try:
        if isinstance(credential, str):
            credential = json.loads(credential)
        parsed = parse_registration_credential_json(credential)
        client_data = parse_client_data_json(bytes(parsed.response.client_data_json))
        attestation = parse_attestation_object(bytes(parsed.response.attestation_object))
    except Exception:
        raise InvalidParameterException("Credential is not a RegistrationResponseJSON document")
    if client_data.challenge != pending["challenge"]:
        refuse("WebAuthnChallengeNotFoundException", "The credential answers no pending registration challenge")
    if not origin_allowed(client_data.origin, pending["rp_id"]):
        refuse("WebAuthnOriginNotAllowedException",
               "Origin %s is not allowed for relying party %s" % (client_data.origin, pending["rp_id"]))
    auth_data = attestation.auth_data
    if auth_data.rp_id_hash != hashlib.sha256(pending["rp_id"].encode("utf-8")).digest():
        refuse("WebAuthnRelyingPartyMismatchException",
               "The credential is for another relying party than %s" % pending["rp_id"])
    if pending["uv"] == "required" and not auth_data.flags.uv:
        refuse("WebAuthnCredentialNotSupportedException", "The user pool requires user verification")
    attested = auth_data.attested_credential_data
    try:
        alg = decode_credential_public_key(attested.credential_public_key).alg if attested else None
    except Exception:
        alg = None
    if attested is not None and alg not in SUPPORTED_ALGS:
        refuse("WebAuthnCredentialNotSupportedException", "The credential's key algorithm is not supported")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=pending["challenge"], expected_rp_id=pending["rp_id"],
            expected_origin=client_data.origin, require_user_verification=pending["uv"] == "required",
            supported_pub_key_algs=SUPPORTED_ALGS,
        )
    except InvalidRegistrationResponse as e:
        raise InvalidParameterException("The passkey registration could not be verified: %s" % e)
    credential_id = bytes_to_base64url(verified.credential_id)
    attachment = credential.get("authenticatorAttachment") if isinstance(credential, dict) else None
    transports = [str(getattr(t, "value", t)) for t in (parsed.response.transports or [])]
    with PASSKEY_LOCK:
        if any(p["id"] == credential_id for key, passkeys in PASSKEYS.items() if key[0] == pool.id for p in passkeys):
            raise InvalidParameterException("The passkey is already registered")
        PASSKEYS.setdefault(user_key(pool, user), []).append({
            "id": credential_id, "public_key": verified.credential_public_key, "sign_count": verified.sign_count,
            "transports": transports, "attachment": attachment if attachment in ("platform", "cross-platform") else None,
            "name": friendly_name(attachment), "created": time.time(), "rp_id": pending["rp_id"],
        })


# rule webauthn-credentials: ListWebAuthnCredentials and DeleteWebAuthnCredential.
# The token's user's passkeys (ListWebAuthnCredentials and DeleteWebAuthnCredential references;
# moto has neither): each as a WebAuthnCredentialDescription (CredentialId,
# FriendlyCredentialName, RelyingPartyId, AuthenticatorAttachment when the browser named one,
# AuthenticatorTransports, CreatedAt in epoch seconds), in the order registered, MaxResults at
# a time (0 to 20, WebAuthnCredentialsQueryLimitType; 20 when unset or 0, the references being
# silent on a default) with an opaque NextToken, an unknown one InvalidParameterException.
# Deleting an id the user does not have is ResourceNotFoundException.
MAX_RESULTS = 20


def described(passkey):
    answer = {"CredentialId": passkey["id"], "FriendlyCredentialName": passkey["name"],
              "RelyingPartyId": passkey["rp_id"], "AuthenticatorTransports": list(passkey["transports"]),
              "CreatedAt": passkey["created"]}
    if passkey["attachment"]:
        answer["AuthenticatorAttachment"] = passkey["attachment"]
    return answer


def list_credentials(pool, user, max_results, next_token):
    try:
        limit = int(max_results or 0)
    except (TypeError, ValueError):
        raise InvalidParameterException("MaxResults must be a number from 0 to 20")
    if not 0 <= limit <= MAX_RESULTS:
        raise InvalidParameterException("MaxResults must be a number from 0 to 20")
    limit = limit or MAX_RESULTS
    passkeys = user_passkeys(pool, user)
    start = 0
    if next_token:
        ids = [p["id"] for p in passkeys]
        if next_token not in ids:
            raise InvalidParameterException("Invalid NextToken")
        start = ids.index(next_token)
    page = passkeys[start:start + limit]
    answer = {"Credentials": [described(p) for p in page]}
    if start + limit < len(passkeys):
        answer["NextToken"] = passkeys[start + limit]["id"]
    return answer


def delete_credential(pool, user, credential_id):
    with PASSKEY_LOCK:
        passkeys = PASSKEYS.get(user_key(pool, user), [])
        kept = [p for p in passkeys if p["id"] != credential_id]
        if len(kept) == len(passkeys):
            raise ResourceNotFoundError("No passkey %s for the user" % credential_id)
        PASSKEYS[user_key(pool, user)] = kept


def patch_passkey_calls(responses, token_user):
    """The four calls a user makes with their access token (token_user: codes.py's, which
    refuses an unknown or expired token)."""
    from moto.core.responses import ActionResult, EmptyResult

    def token_client(handler, pool):
        return pool.access_tokens.get(handler._get_param("AccessToken") or "", ("",))[0]

    def start_web_authn_registration(self):
        pool, user = token_user(self)
        return ActionResult({"CredentialCreationOptions": start_registration(pool, user, token_client(self, pool))})

    def complete_web_authn_registration(self):
        pool, user = token_user(self)
        credential = self._get_param("Credential")
        if credential is None:
            raise InvalidParameterException("Credential is required")
        complete_registration(pool, user, token_client(self, pool), credential)
        return EmptyResult()

    def list_web_authn_credentials(self):
        pool, user = token_user(self)
        return ActionResult(list_credentials(pool, user, self._get_param("MaxResults"), self._get_param("NextToken")))

    def delete_web_authn_credential(self):
        pool, user = token_user(self)
        delete_credential(pool, user, self._get_param("CredentialId") or "")
        return EmptyResult()

    for name, handler in [("start_web_authn_registration", start_web_authn_registration),
                          ("complete_web_authn_registration", complete_web_authn_registration),
                          ("list_web_authn_credentials", list_web_authn_credentials),
                          ("delete_web_authn_credential", delete_web_authn_credential)]:
        setattr(responses.CognitoIdpResponse, name, handler)


# rule webauthn-sign-in: WEB_AUTHN as a first factor of USER_AUTH, verified by py_webauthn.
# A passkey as a first factor of USER_AUTH (InitiateAuth and RespondToAuthChallenge references:
# ChallengeName WEB_AUTHN, answered with USERNAME and CREDENTIAL, "the results of a successful
# authentication with a WebAuthn authenticator", an AuthenticationResponseJSON). Offered when
# the pool's AllowedFirstAuthFactors include WEB_AUTHN and the user has a passkey (signin.py's
# first_factors: the factors "the user can use"). Its challenge parameters are USERNAME and
# CREDENTIAL_REQUEST_OPTIONS, a PublicKeyCredentialRequestOptionsJSON in a string as Amplify
# reads it (handleWebAuthnSignInResult) and as Amplify's mock of Cognito's answer has it
# (mockData.ts, passkeyCredentialRequestOptions: hints, attestation none, attestationFormats,
# a 16-byte challenge, timeout 180000, rpId, allowCredentials of the user's passkeys,
# userVerification). The answer is checked by py_webauthn's verify_authentication_response
# against the session's challenge, the relying party's origins (origin_allowed) and id, the
# passkey's public key and sign count, and user verification where the pool requires it; the
# userHandle, when sent, must be the user's. Any failure, a passkey the user does not have, a
# replayed assertion (a spent session, another session's challenge, or a sign count not above
# the last) is NotAuthorizedException "Incorrect username or password." (the references give no
# wording; the crate reads the type). The challenge is spent by the first answer, right or
# wrong (WebAuthn Level 2, 13.4.3: a challenge is used once). A verified assertion updates the
# sign count and signs the user in as a passwordless code does. A SELECT_CHALLENGE ANSWER of
# WEB_AUTHN starts the challenge; a CREDENTIAL sent with that ANSWER (the reference's example)
# is not taken, since no challenge was issued for it yet.
REQUEST_TIMEOUT_MS = 180000


def start_assertion(pool, user, session):
    need_webauthn()
    rp_id = relying_party(pool)
    challenge = secrets.token_bytes(16)
    verification = user_verification(pool)
    with PASSKEY_LOCK:
        PASSKEY_ASSERTIONS[session] = {"challenge": challenge, "rp_id": rp_id, "uv": verification,
                                      "pool": pool.id, "user": user.id}
    options = {
        "hints": [], "attestation": "none", "attestationFormats": [],
        "challenge": bytes_to_base64url(challenge), "timeout": REQUEST_TIMEOUT_MS, "rpId": rp_id,
        "allowCredentials": [{"id": p["id"], "type": "public-key"} for p in user_passkeys(pool, user)],
        "userVerification": verification,
    }
    return {"USERNAME": user.username, "CREDENTIAL_REQUEST_OPTIONS": json.dumps(options, separators=(",", ":"))}


def verify_assertion(pool, user, session, credential):
    need_webauthn()
    wrong = NotAuthorizedError("Incorrect username or password.")
    with PASSKEY_LOCK:
        pending = PASSKEY_ASSERTIONS.pop(session, None)
    if pending is None or pending["pool"] != pool.id or pending["user"] != user.id:
        raise wrong
    try:
        document = json.loads(credential) if isinstance(credential, str) else credential
        parsed = parse_authentication_credential_json(document)
        client_data = parse_client_data_json(bytes(parsed.response.client_data_json))
    except Exception:
        raise wrong
    if not origin_allowed(client_data.origin, pending["rp_id"]):
        raise wrong
    handle = parsed.response.user_handle
    if handle and bytes(handle) != user.id.encode("utf-8"):
        raise wrong
    credential_id = bytes_to_base64url(bytes(parsed.raw_id))
    with PASSKEY_LOCK:
        passkey = next((p for p in PASSKEYS.get(user_key(pool, user), []) if p["id"] == credential_id), None)
        if passkey is None:
            raise wrong
        try:
            verified = verify_authentication_response(
                credential=document, expected_challenge=pending["challenge"], expected_rp_id=pending["rp_id"],
                expected_origin=client_data.origin, credential_public_key=passkey["public_key"],
                credential_current_sign_count=passkey["sign_count"],
                require_user_verification=pending["uv"] == "required",
            )
        except Exception:  # InvalidAuthenticationResponse, or a key that no longer decodes
            raise wrong
        passkey["sign_count"] = verified.new_sign_count
