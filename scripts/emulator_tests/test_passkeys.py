"""Conformance of the emulator's passkeys (WebAuthn) with Cognito's API reference, talking to a
running emulator with boto3 and a software authenticator (ES256, attestation "none").

Usage: PYTHONPATH=scripts .venv/bin/python scripts/emulator_tests/test_passkeys.py [--url URL]
(or COGNITO_EMULATOR_URL set, as scripts/test sets it). Exits nonzero on the first failure.

The software authenticator is written here with `cryptography` and `cbor2` (both come with
`webauthn`): the PyPI package soft-webauthn 0.1.4 needs fido2 < 2.0, whose releases cap
cryptography below 45, and webauthn 3.0.1 needs cryptography 49 or later, so pip cannot install
the two together.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
import sys
import urllib.request
import uuid

import boto3
import cbor2
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

PASSWORD = "Passkey-Passw0rd!"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A platform authenticator in software: ES256 keys, "none" attestation, a signature counter
    per credential. `uv` sets the user-verified flag; `rp_id` stands in for the RP ID the
    authenticator signs for (another one makes a credential for another relying party)."""

    def __init__(self, attachment="platform", transports=("internal",)):
        self.credentials = {}  # credential id (bytes) -> {"key", "rp_id", "user", "count"}
        self.attachment = attachment
        self.transports = list(transports)

    @staticmethod
    def flags(uv, attested=False):
        return 0x01 | (0x04 if uv else 0) | (0x40 if attested else 0)  # UP, UV, AT

    def create(self, options, origin, uv=True, rp_id=None):
        rp_id = rp_id or options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        credential_id = secrets.token_bytes(32)
        self.credentials[credential_id] = {"key": key, "rp_id": rp_id, "user": options["user"]["id"], "count": 0}
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([self.flags(uv, attested=True)])
                     + struct.pack(">I", 0) + bytes(16) + struct.pack(">H", len(credential_id)) + credential_id + cose)
        client_data = json.dumps({"type": "webauthn.create", "challenge": options["challenge"], "origin": origin,
                                  "crossOrigin": False}).encode()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                         "transports": self.transports},
            "authenticatorAttachment": self.attachment, "clientExtensionResults": {},
        }

    def get(self, options, origin, uv=True):
        allowed = [unb64url(c["id"]) for c in options.get("allowCredentials") or []]
        credential_id = next(c for c in allowed if c in self.credentials)
        credential = self.credentials[credential_id]
        credential["count"] += 1
        auth_data = (hashlib.sha256(options["rpId"].encode()).digest() + bytes([self.flags(uv)])
                     + struct.pack(">I", credential["count"]))
        client_data = json.dumps({"type": "webauthn.get", "challenge": options["challenge"], "origin": origin,
                                  "crossOrigin": False}).encode()
        signature = credential["key"].sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": credential["user"]},
            "authenticatorAttachment": self.attachment, "clientExtensionResults": {},
        }


class Emulator:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.idp = boto3.client("cognito-idp", endpoint_url=self.url, region_name="us-east-1",
                                aws_access_key_id="emulator", aws_secret_access_key="emulator")

    def advance_clock(self, pool_id, seconds):
        body = json.dumps({"pool": pool_id, "advance": seconds}).encode()
        request = urllib.request.Request(self.url + "/_emulator/clock", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()


def error_code(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("%s succeeded where an error was expected" % getattr(call, "__name__", call))


def policy(*factors):
    return {"SignInPolicy": {"AllowedFirstAuthFactors": list(factors)}}


class Pool:
    """A pool, an app client with a secret allowing USER_AUTH, and the client's sign-ins."""

    def __init__(self, emulator, tier="ESSENTIALS", factors=("PASSWORD", "WEB_AUTHN"), hide_users=False):
        self.idp = emulator.idp
        self.emulator = emulator
        name = "passkeys-" + uuid.uuid4().hex[:8]
        self.id = self.idp.create_user_pool(PoolName=name, UserPoolTier=tier, Policies=policy(*factors))["UserPool"]["Id"]
        self.client_id, self.secret = self.new_client(hide_users)

    def new_client(self, hide_users=False):
        client = self.idp.create_user_pool_client(
            UserPoolId=self.id, ClientName="web", GenerateSecret=True,
            ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED" if hide_users else "LEGACY",
        )["UserPoolClient"]
        return client["ClientId"], client["ClientSecret"]

    def secret_hash(self, username, client=None):
        client_id, secret = client or (self.client_id, self.secret)
        return base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()).decode()

    def add_user(self, username):
        self.idp.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)

    def password_token(self, username, client=None):
        client_id = (client or (self.client_id, None))[0]
        result = self.idp.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": self.secret_hash(username, client)},
        )
        return result["AuthenticationResult"]["AccessToken"]

    def user_auth(self, username, preferred=None):
        parameters = {"USERNAME": username, "SECRET_HASH": self.secret_hash(username)}
        if preferred:
            parameters["PREFERRED_CHALLENGE"] = preferred
        return self.idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_AUTH", AuthParameters=parameters)

    def answer(self, started, username, credential, challenge="WEB_AUTHN", **extra):
        responses = {"USERNAME": username, "SECRET_HASH": self.secret_hash(username), **extra}
        if credential is not None:
            responses["CREDENTIAL"] = json.dumps(credential)
        return self.idp.respond_to_auth_challenge(ClientId=self.client_id, ChallengeName=challenge,
                                                  Session=started["Session"], ChallengeResponses=responses)


def test_lite_plan_refuses_passkeys(emulator):
    idp = emulator.idp
    refused = error_code(idp.create_user_pool, PoolName="lite-passkeys", UserPoolTier="LITE",
                         Policies=policy("PASSWORD", "WEB_AUTHN"))
    assert refused == "FeatureUnavailableInTierException", refused
    lite = Pool(emulator, tier="LITE", factors=("PASSWORD",))
    refused = error_code(idp.set_user_pool_mfa_config, UserPoolId=lite.id,
                         WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    assert refused == "FeatureUnavailableInTierException", refused
    lite.add_user("lite")
    token = lite.password_token("lite")
    refused = error_code(idp.start_web_authn_registration, AccessToken=token)
    assert refused == "FeatureUnavailableInTierException", refused


def test_passkeys_need_to_be_on_and_a_relying_party(emulator):
    idp = emulator.idp
    off = Pool(emulator, factors=("PASSWORD",))
    off.add_user("off")
    refused = error_code(idp.start_web_authn_registration, AccessToken=off.password_token("off"))
    assert refused == "WebAuthnNotEnabledException", refused

    pool = Pool(emulator)
    pool.add_user("rp")
    token = pool.password_token("rp")
    refused = error_code(idp.start_web_authn_registration, AccessToken=token)
    assert refused == "WebAuthnConfigurationMissingException", refused
    # The prefix domain stands in for an unset relying party id.
    idp.create_user_pool_domain(UserPoolId=pool.id, Domain="passkeys-" + pool.id.split("_")[1].lower())
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    expected = "passkeys-%s.auth.us-east-1.amazoncognito.com" % pool.id.split("_")[1].lower()
    assert options["rp"]["id"] == expected, options["rp"]
    assert options["authenticatorSelection"]["userVerification"] == "preferred", options
    # The relying party id and user verification set, MFA left as it was.
    idp.set_user_pool_mfa_config(UserPoolId=pool.id,
                                 WebAuthnConfiguration={"RelyingPartyId": "example.com", "UserVerification": "required"})
    config = idp.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert config["WebAuthnConfiguration"] == {"RelyingPartyId": "example.com", "UserVerification": "required"}, config
    assert config["MfaConfiguration"] == "OFF", config
    refused = error_code(idp.set_user_pool_mfa_config, UserPoolId=pool.id,
                         WebAuthnConfiguration={"UserVerification": "sometimes"})
    assert refused in ("InvalidParameterException", "ValidationException"), refused
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"] == {"id": "example.com", "name": "example.com"}, options["rp"]


def registered_pool(emulator):
    pool = Pool(emulator)
    pool.emulator.idp.set_user_pool_mfa_config(
        UserPoolId=pool.id, WebAuthnConfiguration={"RelyingPartyId": "example.com", "UserVerification": "required"})
    return pool


def test_registration(emulator):
    idp = emulator.idp
    pool = registered_pool(emulator)
    pool.add_user("alice")
    token = pool.password_token("alice")
    sub = next(a["Value"] for a in idp.get_user(AccessToken=token)["UserAttributes"] if a["Name"] == "sub")
    phone = SoftAuthenticator()

    # No passkey yet: USER_AUTH offers none.
    choice = pool.user_auth("alice")
    assert choice["ChallengeName"] == "SELECT_CHALLENGE", choice
    assert "WEB_AUTHN" not in choice["AvailableChallenges"], choice

    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"] == {"id": "example.com", "name": "example.com"}, options
    assert options["user"]["id"] == b64url(sub.encode()) and options["user"]["name"] == "alice", options["user"]
    assert len(unb64url(options["challenge"])) == 16, options["challenge"]
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257], options
    assert options["excludeCredentials"] == [] and options["timeout"] == 60000, options
    assert options["authenticatorSelection"] == {"requireResidentKey": True, "residentKey": "required",
                                                 "userVerification": "required"}, options

    # Refusals, each spending the pending registration.
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(options, "https://evil.example.net"))
    assert code == "WebAuthnOriginNotAllowedException", code
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(options, "https://example.com"))
    assert code == "WebAuthnChallengeNotFoundException", "spent: %s" % code
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(options, "https://example.com", rp_id="example.org"))
    assert code == "WebAuthnRelyingPartyMismatchException", code
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(options, "https://example.com", uv=False))
    assert code == "WebAuthnCredentialNotSupportedException", code
    other_client = pool.new_client()
    other_token = pool.password_token("alice", other_client)
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    code = error_code(idp.complete_web_authn_registration, AccessToken=other_token,
                      Credential=phone.create(options, "https://example.com"))
    assert code == "WebAuthnClientMismatchException", code
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    emulator.advance_clock(pool.id, 61)
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(options, "https://example.com"))
    assert code == "WebAuthnChallengeNotFoundException", "lapsed: %s" % code
    # One registration at a time: a new Start replaces the pending one.
    first = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    code = error_code(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=phone.create(first, "https://example.com"))
    assert code == "WebAuthnChallengeNotFoundException", "replaced: %s" % code

    # From a subdomain of the relying party.
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=token, Credential=phone.create(options, "https://app.example.com"))
    listed = idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert len(listed) == 1, listed
    passkey = listed[0]
    assert passkey["CredentialId"] == b64url(list(phone.credentials)[-1]), passkey
    assert passkey["RelyingPartyId"] == "example.com" and passkey["AuthenticatorAttachment"] == "platform", passkey
    assert passkey["AuthenticatorTransports"] == ["internal"] and passkey["FriendlyCredentialName"], passkey
    assert passkey["CreatedAt"].year >= 2024, passkey

    # A security key as well: the first is excluded, the list pages.
    key = SoftAuthenticator("cross-platform", ("usb", "nfc"))
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["excludeCredentials"] == [{"type": "public-key", "id": passkey["CredentialId"]}], options
    idp.complete_web_authn_registration(AccessToken=token, Credential=key.create(options, "https://example.com"))
    page = idp.list_web_authn_credentials(AccessToken=token, MaxResults=1)
    assert [c["CredentialId"] for c in page["Credentials"]] == [passkey["CredentialId"]], page
    page = idp.list_web_authn_credentials(AccessToken=token, MaxResults=1, NextToken=page["NextToken"])
    assert page["Credentials"][0]["AuthenticatorTransports"] == ["usb", "nfc"] and "NextToken" not in page, page
    return pool, token, phone, key


def webauthn_challenge(started):
    assert started["ChallengeName"] == "WEB_AUTHN", started
    return json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def test_sign_in(emulator, pool, token, phone, key):
    idp = emulator.idp
    choice = pool.user_auth("alice")
    assert choice["ChallengeName"] == "SELECT_CHALLENGE" and "WEB_AUTHN" in choice["AvailableChallenges"], choice

    started = pool.user_auth("alice", preferred="WEB_AUTHN")
    options = webauthn_challenge(started)
    assert started["ChallengeParameters"]["USERNAME"] == "alice", started
    assert options["rpId"] == "example.com" and options["userVerification"] == "required", options
    assert len(options["allowCredentials"]) == 2 and options["timeout"] == 180000, options
    assertion = phone.get(options, "https://example.com")
    signed_in = pool.answer(started, "alice", assertion)
    tokens = signed_in["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    # The same assertion again: on its spent session, and on a new one.
    code = error_code(pool.answer, started, "alice", assertion)
    assert code == "NotAuthorizedException", code
    code = error_code(pool.answer, pool.user_auth("alice", preferred="WEB_AUTHN"), "alice", assertion)
    assert code == "NotAuthorizedException", code
    # Another origin, no user verification, or no SECRET_HASH: refused.
    started = pool.user_auth("alice", preferred="WEB_AUTHN")
    code = error_code(pool.answer, started, "alice", phone.get(webauthn_challenge(started), "https://example.org"))
    assert code == "NotAuthorizedException", code
    started = pool.user_auth("alice", preferred="WEB_AUTHN")
    code = error_code(pool.answer, started, "alice", phone.get(webauthn_challenge(started), "https://example.com", uv=False))
    assert code == "NotAuthorizedException", code
    started = pool.user_auth("alice", preferred="WEB_AUTHN")
    code = error_code(idp.respond_to_auth_challenge, ClientId=pool.client_id, ChallengeName="WEB_AUTHN",
                      Session=started["Session"], ChallengeResponses={
                          "USERNAME": "alice", "CREDENTIAL": json.dumps(phone.get(webauthn_challenge(started), "https://example.com"))})
    assert code == "NotAuthorizedException", code
    # Chosen in SELECT_CHALLENGE, answered by the security key.
    choice = pool.user_auth("alice")
    started = pool.answer(choice, "alice", None, challenge="SELECT_CHALLENGE", ANSWER="WEB_AUTHN")
    signed_in = pool.answer(started, "alice", key.get(webauthn_challenge(started), "https://example.com"))
    assert signed_in["AuthenticationResult"]["AccessToken"], signed_in

    # Deleted: an unknown id is not found; once both are gone WEB_AUTHN is neither offered nor answered.
    pending = pool.user_auth("alice", preferred="WEB_AUTHN")
    code = error_code(idp.delete_web_authn_credential, AccessToken=token, CredentialId=b64url(b"no such passkey"))
    assert code == "ResourceNotFoundException", code
    for passkey in idp.list_web_authn_credentials(AccessToken=token)["Credentials"]:
        idp.delete_web_authn_credential(AccessToken=token, CredentialId=passkey["CredentialId"])
    assert idp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []
    code = error_code(pool.answer, pending, "alice", phone.get(webauthn_challenge(pending), "https://example.com"))
    assert code == "NotAuthorizedException", code
    choice = pool.user_auth("alice")
    assert "WEB_AUTHN" not in choice["AvailableChallenges"], choice
    not_offered = pool.user_auth("alice", preferred="WEB_AUTHN")
    assert not_offered["ChallengeName"] == "SELECT_CHALLENGE", not_offered
    code = error_code(pool.answer, not_offered, "alice", None, challenge="SELECT_CHALLENGE", ANSWER="WEB_AUTHN")
    assert code == "InvalidParameterException", code


def test_unknown_users_look_like_password_only_users(emulator):
    pool = Pool(emulator, hide_users=True)
    pool.emulator.idp.set_user_pool_mfa_config(UserPoolId=pool.id, WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    pool.add_user("bob")
    known = pool.user_auth("bob", preferred="WEB_AUTHN")
    unknown = pool.user_auth("nobody", preferred="WEB_AUTHN")
    for answer in (known, unknown):
        assert answer["ChallengeName"] == "SELECT_CHALLENGE", answer
        assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], answer
    code = error_code(pool.answer, unknown, "nobody", None, challenge="SELECT_CHALLENGE", ANSWER="WEB_AUTHN")
    assert code == error_code(pool.answer, known, "bob", None, challenge="SELECT_CHALLENGE", ANSWER="WEB_AUTHN"), code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("COGNITO_EMULATOR_URL"))
    args = parser.parse_args()
    if not args.url:
        sys.exit("test_passkeys: give --url or set COGNITO_EMULATOR_URL")
    emulator = Emulator(args.url)
    passed = failed = 0
    steps = [
        ("test_lite_plan_refuses_passkeys", lambda: test_lite_plan_refuses_passkeys(emulator)),
        ("test_passkeys_need_to_be_on_and_a_relying_party", lambda: test_passkeys_need_to_be_on_and_a_relying_party(emulator)),
        ("test_registration_and_sign_in", lambda: test_sign_in(emulator, *test_registration(emulator))),
        ("test_unknown_users_look_like_password_only_users", lambda: test_unknown_users_look_like_password_only_users(emulator)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception:
            import traceback

            failed += 1
            print("FAIL %s" % name, file=sys.stderr)
            traceback.print_exc()
        else:
            passed += 1
            print("ok   %s" % name)
    print("passkeys: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
