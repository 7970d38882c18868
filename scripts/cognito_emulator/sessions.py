"""Challenge sessions: bound to the API, the challenge, the user and the app client that started
them, lapsing after the client's AuthSessionValidity."""

# moto is imported here at the top: server.patch_moto imports this module, as it imported moto,
# only once main has set moto's environment; nothing imported before then imports it.

import hmac

from moto.cognitoidp.exceptions import CodeMismatchException, NotAuthorizedError

from .clock import pool_now
from .flows import find_client, refuse_secret_hash
from .state import admin_sessions, deadlines, issued_as, issued_to, lock, sms_codes

# rule admin-sessions: a session is answered only through the API that started it.
# Cognito binds a challenge session to the API that started it: AdminInitiateAuth's are
# answered with AdminRespondToAuthChallenge (AdminInitiateAuth reference, Session: "Pass this
# session ID in the Session parameter of AdminRespondToAuthChallenge"), InitiateAuth's with
# RespondToAuthChallenge (its reference, the same of RespondToAuthChallenge). moto shares the
# sessions and its admin call runs the public one. The reference gives no wording for the
# other API's session: NotAuthorizedException, as for any session that is not the user's,
# and the crate reads only the type (test emulator_admin_sessions_are_answered_by_the_admin_api).
# (admin_sessions and answering in state.py.)
def note_admin(result):
    if isinstance(result, dict) and result.get("Session"):
        with lock:
            admin_sessions.add(result["Session"])
    return result


# rule session-binding: a session answers its challenge, for its user.
# A challenge session answers the challenge it was issued for, for the user it was issued to
# (RespondToAuthChallenge reference: the Session "is returned by the previous call", with its
# ChallengeName; USERNAME is the user's). moto signs in whoever the answer's USERNAME names,
# under any challenge name. Refused as any session not the user's: NotAuthorizedException.
# rule session-client: a session is answered only by the app client that started it.
# ... and to the app client that started the sign-in (RespondToAuthChallenge reference:
# ClientId is "the app client ID"; a session is the answer to that client's call). moto
# looks the answering client up in the session's pool and fails (500) on another pool's.
# (issued_as, issued_to in state.py.)
#
# rule session-lapse: a session lapses after the client's AuthSessionValidity.
# A challenge session lapses after the app client's AuthSessionValidity, 3 minutes unless set
# (CreateUserPoolClient reference: "The session token ... is valid for" 3 to 15 minutes); an
# answer after it, the PASSWORD_VERIFIER's included, is NotAuthorizedException "Invalid
# session for the user, session is expired." (the wording Cognito's users report for a spent
# or lapsed session). moto's sessions never lapse. On the pool's clock (POST /_emulator/clock).
# (deadlines in state.py.)
def note_challenge(self, client_id, result):
    if isinstance(result, dict) and result.get("Session") and result.get("ChallengeName"):
        pool, client = find_client(self, client_id)
        minutes = float((client.extended_config.get("AuthSessionValidity") if client else None) or 3)
        with lock:
            issued_as[result["Session"]] = result["ChallengeName"]
            issued_to[result["Session"]] = client_id
            if pool is not None:
                deadlines[result["Session"]] = (pool.id, pool_now(pool.id) + minutes * 60)
    return result


def refuse_lapsed(session):
    with lock:
        deadline = deadlines.get(session)
    if deadline is not None and pool_now(deadline[0]) > deadline[1]:
        raise NotAuthorizedError("Invalid session for the user, session is expired.")


def refuse_other_answer(self, session, challenge_name, challenge_responses):
    with lock:
        issued = issued_as.get(session)
    if issued is not None and issued != challenge_name:
        raise NotAuthorizedError("Invalid session for the user.")
    owner = self.sessions.get(session)
    if owner is not None and challenge_responses.get("USERNAME") not in (None, owner[0]):
        raise NotAuthorizedError("Invalid session for the user.")


# rule session-unknown: an unknown or spent challenge session is NotAuthorizedException.
def live_session(self, session, client_id, challenge_responses):
    """The user and pool of a challenge session Cognito would still answer: an unknown or spent
    one is NotAuthorized (moto: ResourceNotFound, which reads as a misconfigured app), and
    SECRET_HASH is checked (moto: not)."""
    if session not in self.sessions:
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    _, client = find_client(self, client_id)
    if client is not None and client.generate_secret:
        refuse_secret_hash(client, challenge_responses.get("USERNAME") or "", challenge_responses.get("SECRET_HASH"))
    return self.sessions[session]


def refuse_wrong_text(session, given):
    with lock:
        sent = sms_codes.get(session)
    if sent is None or not hmac.compare_digest(sent, given or ""):
        raise CodeMismatchException("Invalid code or auth state for the user.")
