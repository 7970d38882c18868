"""The emulator's launcher: patch_moto puts the rules into moto, main serves moto's app behind
the emulator's own routes (hooks.with_outbox)."""

import argparse
import os
import sys
import threading
import time

from .clients import patch_client_defaults, patch_client_updates
from .codes import patch_self_service
from .devices import patch_devices
from .hooks import with_outbox
from .plans import patch_pool_plans
from .refresh import patch_refresh_lifecycle
from .state import HOSTED_HOOKS, SIGN_IN_HOOKS, lock, srp_states
from .tokens import patch_get_user, patch_tokens


def patch_moto():
    from moto.cognitoidp import models
    from moto.cognitoidp.models import UserStatus

    # The sign-in's modules import moto at their top: imported here, as moto was, once main has
    # set moto's environment. Each takes moto's own methods as it is imported, before the
    # assignments below replace them.
    from .challenges import admin_respond_to_auth_challenge, respond_to_auth_challenge
    from .flows import find_client, hides_client, refuse_secret_hash
    from .mfa import associate_software_token, hosted_enrol, hosted_text, hosted_totp, mfa_due, verify_software_token
    from .signin import admin_initiate_auth, initiate_auth

    backend = models.CognitoIdpBackend

    patch_tokens(models)
    patch_pool_plans(models)
    patch_client_defaults(models)
    patch_client_updates(models)
    backend.initiate_auth = initiate_auth
    backend.admin_initiate_auth = admin_initiate_auth

    # rule global-sign-out: GlobalSignOut finds the pool in any region.
    # GlobalSignOut is unsigned, so moto cannot tell its region and looks in us-east-1 only;
    # find the pool by the access token, as moto does for GetUser.
    from moto.cognitoidp import responses
    from moto.core.responses import EmptyResult

    def global_sign_out(self):
        access_token = self._get_param("AccessToken")
        agnostic = self._get_region_agnostic_backend()
        agnostic._find_backend_by_access_token(access_token).global_sign_out(access_token)
        return EmptyResult()

    responses.CognitoIdpResponse.global_sign_out = global_sign_out
    patch_get_user(responses)
    patch_refresh_lifecycle(models, responses, find_client, refuse_secret_hash)
    mail_code, spend_mailed_code, token_user = patch_self_service(
        models, responses, find_client, refuse_secret_hash, lambda client: hides_client(client)
    )
    from .passkeys import patch_passkey_calls, patch_webauthn_config

    patch_passkey_calls(responses, token_user)
    patch_webauthn_config(responses)
    device_gate, answer_device = patch_devices(responses, token_user, srp_states, lock, refuse_secret_hash)
    SIGN_IN_HOOKS.update(
        mail_code=mail_code, spend_mailed_code=spend_mailed_code, device_gate=device_gate, answer_device=answer_device,
    )
    backend.respond_to_auth_challenge = respond_to_auth_challenge
    backend.admin_respond_to_auth_challenge = admin_respond_to_auth_challenge
    backend.verify_software_token = verify_software_token
    backend.associate_software_token = associate_software_token

    HOSTED_HOOKS.update(
        mfa_due=mfa_due, text=hosted_text, mail=mail_code, spend_mail=spend_mailed_code, totp=hosted_totp,
        enrol=hosted_enrol, confirmed=UserStatus.CONFIRMED,
        validate_password=lambda pool, password: pool.backend._validate_password(pool.id, password),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--parent-pid", type=int, help="exit when this process has")
    args = parser.parse_args()
    if args.parent_pid:
        # A test process that started the emulator for itself: it goes when the tests do.
        def watch(pid):
            while True:
                time.sleep(1)
                try:
                    os.kill(pid, 0)
                except OSError:
                    os._exit(0)
        threading.Thread(target=watch, args=(args.parent_pid,), daemon=True).start()

    # moto accepts any authenticator code unless told to check it, as Cognito does.
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
    patch_moto()
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.moto_server.threaded_moto_server import MotoRequestHandler

    app = with_outbox(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)
    url = "http://%s:%d" % (args.host, port)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(url)
        os.replace(tmp, args.port_file)
    print("listening on " + url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)
