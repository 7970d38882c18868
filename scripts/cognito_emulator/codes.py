"""Codes and mail: the SMS outbox and the mailbox, the codes' lifetimes, wrong-code limits and
hourly quotas, and the self-service calls that send them (sign-up, password reset, attribute
verification, ChangePassword, DeleteUser)."""

import collections
import hmac
import json
import secrets
import threading

from .clock import pool_now
from .keys import claims_of
from .plans import patch_mfa_settings
from .state import MAILBOX, QUOTA_LOCK, QUOTA_USES, SMS_OUTBOX, SMS_OUTBOX_LOCK
from .tokens import refuse_unwritable

def mask_phone(phone):
    """A phone number as Cognito shows it in CODE_DELIVERY_DESTINATION: all but its last four
    digits starred (e.g. +*******1234)."""
    return phone[:1] + "*" * max(0, len(phone) - 5) + phone[-4:]


# The texts the emulator "sent" (SMS_MFA codes), newest last, by user pool: GET /_emulator/sms
# answers them. Bounded, as a phone's inbox is, so that a long-running demo does not grow: the
# newest 256 texts of a pool, for the 64 pools that texted last.
# (SMS_OUTBOX and its lock in state.py.)
SMS_OUTBOX_SIZE = 256
SMS_OUTBOX_POOLS = 64


def keep_text(text, outbox=None):
    outbox = SMS_OUTBOX if outbox is None else outbox
    with SMS_OUTBOX_LOCK:
        box = outbox.pop(text["pool"], None) or collections.deque(maxlen=SMS_OUTBOX_SIZE)
        box.append(text)
        outbox[text["pool"]] = box
        while len(outbox) > SMS_OUTBOX_POOLS:
            outbox.popitem(last=False)


# The messages with codes the emulator "sent" for sign-up, password reset and attribute
# verification, as a mailbox shows them (the address, the purpose and the code), bounded as the
# SMS outbox is: GET /_emulator/mail. Each is also printed on one line, "mailbox: ...", for a
# person trying the demo.
# (MAILBOX in state.py.)


def outbox_json(outbox):
    with SMS_OUTBOX_LOCK:
        return json.dumps([t for box in outbox.values() for t in box]).encode()


# rule code-lifetimes: codes lapse (24 hours, one hour) and five wrong ones are the limit.
# How long a code lives (developer guide, "Signing up and confirming user accounts": a
# confirmation code "remains valid for 24 hours"; ForgotPassword's reference: the code "is valid
# for one hour"; attribute verification codes as sign-up's), and how many wrong codes are
# allowed before LimitExceededException (the guide's five failed attempts).
# rule email-code-lifetime: an email MFA code lives as long as its session.
# An email MFA code "is valid for the Authentication flow session duration" (developer guide,
# "SMS and email message MFA"; "Quotas": 3 to 15 minutes, the app client's AuthSessionValidity):
# its session's deadline bounds it (refuse_lapsed; a managed-login step's own), so the code
# itself lives the longest a session can. The emulator of before gave it three minutes
# whatever the session's validity.
CODE_LIFETIMES = {"signup": 24 * 3600, "reset": 3600, "verify": 24 * 3600, "mfa": 15 * 60}  # by purpose, before its ":"
MAX_WRONG_CODES = 5
# rule hourly-quotas: per-user hourly quotas on asking for and entering codes.
# Per-user hourly quotas on asking for and entering codes (developer guide, "Quotas": the code
# security quotas; "between 5 and 20 attempts for a user to request or enter a password reset
# code" an hour, "How to recover a user account"; ChangePassword 5 an hour, users' reports:
# dev.classmethod.jp, amazon-cognito-identity-js#548, aws-amplify/amplify-js#13225), counted on
# the pool's clock over the last hour and not reset by a new code; past one,
# LimitExceededException. The reset quota is taken at its low end, so no test passes by
# Cognito's leniency. moto has no quota at all.
HOURLY_QUOTAS = {"ConfirmSignUp": 15, "ResendConfirmationCode": 5, "reset": 5, "ChangePassword": 5,
                 "GetUserAttributeVerificationCode": 5}
# (QUOTA_USES and QUOTA_LOCK in state.py.)


def spend_quota(pool, username, quota):
    """Counts one call against the user's hourly quota, or refuses it once the quota is used."""
    from moto.core.exceptions import JsonRESTError

    now = pool_now(pool.id)
    with QUOTA_LOCK:
        uses = [t for t in QUOTA_USES.get((pool.id, username, quota), []) if now - t < 3600]
        if len(uses) >= HOURLY_QUOTAS[quota]:
            QUOTA_USES[(pool.id, username, quota)] = uses
            raise JsonRESTError("LimitExceededException", "Attempt limit exceeded, please try after some time.")
        QUOTA_USES[(pool.id, username, quota)] = uses + [now]


def mask_email(address):
    """An address as Cognito shows it in CodeDeliveryDetails: a***@e***."""
    local, _, domain = address.partition("@")
    return "%s***@%s***" % (local[:1], domain[:1])


# rule self-service: sign-up, confirmation, reset: codes sent, checked, SecretHash checked.
def patch_self_service(models, responses, find_client, refuse_secret_hash, hides_users):
    """Sign-up, its confirmation, ForgotPassword, ChangePassword and DeleteUser as Cognito's API
    reference has them; moto confirms a sign-up with any code, checks reset codes only of a
    format of its own, and lacks ResendConfirmationCode and DeleteUser.

    Codes are random six digits, sent to the attribute Cognito would use (the pool's
    AutoVerifiedAttributes for a sign-up; the verified email, else phone, for a reset), kept in
    the mailbox, and refused with Cognito's errors, in the words its users report: a wrong one
    CodeMismatchException "Invalid verification code provided, please try again.", an expired or
    spent one ExpiredCodeException "Invalid code provided, please request a code again.", after
    five wrong ones LimitExceededException "Attempt limit exceeded, please try after some time."
    (the crate reads only the types). Every call with a client checks SecretHash as InitiateAuth
    checks SECRET_HASH."""
    from moto.cognitoidp.exceptions import (
        CodeMismatchException, ExpiredCodeException, InvalidParameterException, NotAuthorizedError,
        UserNotFoundError, UsernameExistsException,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult, EmptyResult

    class LimitExceededException(JsonRESTError):
        def __init__(self, message):
            super().__init__(error_type="LimitExceededException", message=message)

    codes = {}  # (pool id, username, purpose) -> {"code", "until", "wrong", "attribute"}
    lock = threading.Lock()
    unknown = "Username/client id combination not found."

    def client_of(handler, username):
        client_id = handler._get_param("ClientId") or ""
        backend = handler._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool, client = find_client(backend, client_id)
        if client is None:
            raise models.ResourceNotFoundError(client_id)
        given = handler._get_param("SecretHash")
        if client.generate_secret:
            refuse_secret_hash(client, username, given)
        elif given:
            raise InvalidParameterException(
                "App client %s is not configured for secret but secret hash was received" % client.id
            )
        return backend, pool, client

    def send_code(pool, user, purpose, attribute, to=None):
        destination = to or user.attribute_lookup.get(attribute) or ""
        code = "%06d" % secrets.randbelow(1_000_000)
        lifetime = CODE_LIFETIMES[purpose.split(":")[0]]
        with lock:
            codes[(pool.id, user.username, purpose)] = {
                "code": code, "until": pool_now(pool.id) + lifetime, "wrong": 0, "attribute": attribute, "to": to,
            }
        medium = "EMAIL" if attribute == "email" else "SMS"
        keep_text({"pool": pool.id, "username": user.username, "to": destination, "medium": medium,
                   "purpose": purpose, "code": code}, MAILBOX)
        print("mailbox: %s to %s, %s code %s" % (medium, destination, purpose, code), flush=True)
        shown = mask_email(destination) if medium == "EMAIL" else mask_phone(destination)
        return {"Destination": shown, "DeliveryMedium": medium, "AttributeName": attribute}

    def spend_code(pool, username, purpose, given):
        key = (pool.id, username, purpose)
        with lock:
            entry = codes.get(key)
            if entry is None or pool_now(pool.id) > entry["until"]:
                codes.pop(key, None)
                raise ExpiredCodeException("Invalid code provided, please request a code again.")
            if entry["wrong"] >= MAX_WRONG_CODES:
                raise LimitExceededException("Attempt limit exceeded, please try after some time.")
            if not hmac.compare_digest(entry["code"], str(given or "")):
                entry["wrong"] += 1
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            return codes.pop(key)

    def verified(user, attribute):
        return bool(user.attribute_lookup.get(attribute)) and str(
            user.attribute_lookup.get(attribute + "_verified", "")).lower() == "true"

    def sign_up(self):
        username = self._get_param("Username") or ""
        backend, pool, client = client_of(self, username)
        refuse_unwritable(client, self._get_param("UserAttributes", []))
        try:
            user, _ = backend.sign_up(client.id, username, self._get_param("Password"),
                                      self._get_param("UserAttributes", []))
        except UsernameExistsException:
            raise UsernameExistsException("User already exists")
        answer = {"UserConfirmed": False, "UserSub": user.id}
        auto = pool.extended_config.get("AutoVerifiedAttributes") or []
        attribute = next((a for a in ("email", "phone_number") if a in auto and user.attribute_lookup.get(a)), None)
        if attribute:
            answer["CodeDeliveryDetails"] = send_code(pool, user, "signup", attribute)
        return ActionResult(answer)

    def confirm_sign_up(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            # rule self-service-hides-users: PreventUserExistenceErrors in self-service.
            # With PreventUserExistenceErrors, ConfirmSignUp answers only ExpiredCodeException,
            # NotAuthorizedException or CodeMismatchException (developer guide, "Managing error
            # responses"); which one for an unknown user is not said: a wrong code, as
            # ConfirmForgotPassword answers it.
            if hides_users(client):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            raise UserNotFoundError(unknown)
        if user.status is not UserStatus.UNCONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is %s" % user.status.value)
        spend_quota(pool, user.username, "ConfirmSignUp")
        entry = spend_code(pool, user.username, "signup", self._get_param("ConfirmationCode"))
        user.status = UserStatus.CONFIRMED
        # The code reached the address: it is verified.
        user.update_attributes([{"Name": entry["attribute"] + "_verified", "Value": "true"}])
        return EmptyResult()

    def simulated_delivery(client, username):
        # PreventUserExistenceErrors: "a simulated destination" for an unknown user (developer
        # guide, "Managing error responses"); otherwise UserNotFoundException.
        if not hides_users(client):
            raise UserNotFoundError(unknown)
        return ActionResult({"CodeDeliveryDetails": {"Destination": "%s***@e***" % username[:1],
                                                     "DeliveryMedium": "EMAIL", "AttributeName": "email"}})

    def resend_confirmation_code(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            return simulated_delivery(client, username)
        if user.status is not UserStatus.UNCONFIRMED:
            # With PreventUserExistenceErrors no error tells a confirmed user apart
            # (aws-amplify/amplify-js#14762: no error for a confirmed user); without it, "User is
            # already confirmed." (aws-amplify/amplify-ui#219).
            if hides_users(client):
                return simulated_delivery(client, username)
            raise InvalidParameterException("User is already confirmed.")
        spend_quota(pool, user.username, "ResendConfirmationCode")
        attribute = "email" if user.attribute_lookup.get("email") else "phone_number"
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "signup", attribute)})

    def forgot_password(self):
        username = self._get_param("Username") or ""
        _, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            return simulated_delivery(client, username)
        # rule reset-refusals: ForgotPassword refuses disabled and temporary-password users.
        # As Cognito's users report it: a disabled user, "User is disabled."; one who has not yet
        # replaced an administrator's temporary password, "User password cannot be reset in the
        # current state." (aws-amplify/amplify-flutter#3048, aws-amplify/amplify-js#1340).
        attribute = next((a for a in ("email", "phone_number") if verified(user, a)), None)
        # With PreventUserExistenceErrors, "When a user isn't found, is deactivated, or doesn't
        # have a verified delivery mechanism ... returns CodeDeliveryDetails with a simulated
        # delivery medium" (developer guide, "Managing error responses", ForgotPassword).
        if hides_users(client) and (not user.enabled or attribute is None):
            return simulated_delivery(client, username)
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status is UserStatus.FORCE_CHANGE_PASSWORD:
            raise NotAuthorizedError("User password cannot be reset in the current state.")
        if attribute is None:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email or phone_number"
            )
        spend_quota(pool, user.username, "reset")
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "reset", attribute)})

    def confirm_forgot_password(self):
        username = self._get_param("Username") or ""
        backend, pool, client = client_of(self, username)
        user = pool._get_user(username)
        if user is None:
            if hides_users(client):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
            raise UserNotFoundError(unknown)
        # The policy first, so that a refused password does not spend the code.
        password = self._get_param("Password") or ""
        backend._validate_password(pool.id, password)
        spend_quota(pool, user.username, "reset")
        spend_code(pool, user.username, "reset", self._get_param("ConfirmationCode"))
        user.password = password
        if user.status is UserStatus.RESET_REQUIRED:
            user.status = UserStatus.CONFIRMED
        return EmptyResult()

    def delete_user(self):
        # rule delete-user: DeleteUser deletes the token's user and ends their tokens.
        # DeleteUser (its reference): the user of the access token deletes their own profile;
        # their tokens stop working. moto lacks the call.
        access_token = self._get_param("AccessToken") or ""
        backend = self._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                username = pool.access_tokens[access_token][1]
                pool.sign_out(username)
                pool.users.pop(username, None)
                # rule delete-user-codes: DeleteUser takes the user's pending codes with it.
                # Its codes die with it: a user signing up again under the name gets new ones.
                with lock:
                    for key in [k for k in list(codes) + list(pending) if k[:2] == (pool.id, username)]:
                        codes.pop(key, None)
                        pending.pop(key, None)
                return EmptyResult()
        raise NotAuthorizedError("Invalid Access Token")

    # rule attribute-verification: a changed verified attribute is mailed a code, held until verified where set.
    # Attribute changes (UpdateUserAttributes reference; developer guide, "Verifying updates to
    # email addresses and phone numbers"): a change of an attribute the pool verifies
    # (AutoVerifiedAttributes) sends a code to the new value. With the attribute in
    # UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate the old value stays
    # until the code is given (VerifyUserAttribute); without, the new value replaces it at once,
    # unverified. GetUserAttributeVerificationCode sends a code again. moto changes every
    # attribute at once, sends nothing and lacks the two verification calls.
    pending = {}  # (pool id, username, attribute) -> the value waiting for its code

    def refuse_expired(access_token, pool):
        # rule token-expiry: an access token past its exp is refused.
        # An access token past its `exp` (on the pool's clock) is refused, as every call with
        # one is (moto never looks): NotAuthorizedException (the type the references give for an
        # expired token; "Access Token has expired" is its users' reports, and the crate reads
        # only the type). Test emulator_refuses_expired_access_tokens.
        try:
            expired = float(claims_of(access_token).get("exp") or 0) < pool_now(pool.id)
        except (ValueError, IndexError):
            expired = False
        if expired:
            raise NotAuthorizedError("Access Token has expired")

    def token_user(handler):
        access_token = handler._get_param("AccessToken") or ""
        backend = handler._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                user = pool.users.get(pool.access_tokens[access_token][1])
                if user is not None:
                    return pool, user
        raise NotAuthorizedError("Invalid Access Token")

    def token_client(handler, pool):
        return pool.clients.get(pool.access_tokens.get(handler._get_param("AccessToken") or "", ("",))[0])

    def update_user_attributes(self):
        pool, user = token_user(self)
        refuse_unwritable(token_client(self, pool), self._get_param("UserAttributes", []))
        verified_ones = pool.extended_config.get("AutoVerifiedAttributes") or []
        held = (pool.extended_config.get("UserAttributeUpdateSettings") or {}).get(
            "AttributesRequireVerificationBeforeUpdate") or []
        now, deliveries = [], []
        for attribute in self._get_param("UserAttributes", []):
            name, value = attribute["Name"], attribute.get("Value", "")
            if name in verified_ones and value and value != user.attribute_lookup.get(name):
                deliveries.append(send_code(pool, user, "verify:" + name, name, to=value))
                if name in held:
                    with lock:
                        pending[(pool.id, user.username, name)] = value
                    continue
                now.append({"Name": name + "_verified", "Value": "false"})
            now.append(attribute)
        if now:
            user.update_attributes(now)
        return ActionResult({"CodeDeliveryDetailsList": deliveries})

    def get_user_attribute_verification_code(self):
        pool, user = token_user(self)
        spend_quota(pool, user.username, "GetUserAttributeVerificationCode")
        name = self._get_param("AttributeName") or ""
        with lock:
            value = pending.get((pool.id, user.username, name))
        value = value or user.attribute_lookup.get(name)
        if not value:
            raise InvalidParameterException("The user has no %s to verify" % name)
        return ActionResult({"CodeDeliveryDetails": send_code(pool, user, "verify:" + name, name, to=value)})

    def verify_user_attribute(self):
        pool, user = token_user(self)
        name = self._get_param("AttributeName") or ""
        spend_code(pool, user.username, "verify:" + name, self._get_param("Code"))
        with lock:
            value = pending.pop((pool.id, user.username, name), None)
        changes = [{"Name": name + "_verified", "Value": "true"}]
        if value is not None:
            changes.insert(0, {"Name": name, "Value": value})
        user.update_attributes(changes)
        return EmptyResult()

    # rule change-password-words: ChangePassword's words for a wrong password and an unknown token.
    # ChangePassword: a wrong previous password is NotAuthorizedException "Incorrect username or
    # password." (moto puts the username as the message) and an unknown token "Invalid Access
    # Token" (its users' reports); the crate reads the type, then these words for the type they
    # share (which of the two the user must fix).
    original_change = models.CognitoIdpBackend.change_password

    def change_password(self, access_token, previous_password, proposed_password):
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                refuse_expired(access_token, pool)
                user = pool.users.get(pool.access_tokens[access_token][1])
                if user is not None:
                    spend_quota(pool, user.username, "ChangePassword")
                if user is not None and user.password != previous_password:
                    raise NotAuthorizedError("Incorrect username or password.")
                return original_change(self, access_token, previous_password, proposed_password)
        raise NotAuthorizedError("Invalid Access Token")

    models.CognitoIdpBackend.change_password = change_password
    patch_mfa_settings(models, responses)
    for name, handler in [("sign_up", sign_up), ("confirm_sign_up", confirm_sign_up),
                          ("resend_confirmation_code", resend_confirmation_code),
                          ("forgot_password", forgot_password), ("confirm_forgot_password", confirm_forgot_password),
                          ("delete_user", delete_user), ("update_user_attributes", update_user_attributes),
                          ("get_user_attribute_verification_code", get_user_attribute_verification_code),
                          ("verify_user_attribute", verify_user_attribute)]:
        setattr(responses.CognitoIdpResponse, name, handler)
    return send_code, spend_code, token_user
