"""App clients' settings: what DescribeUserPoolClient fills in, what UpdateUserPoolClient resets
and refuses, refresh-token rotation, and the flows a client allows."""

# rule client-defaults: DescribeUserPoolClient fills in Cognito's defaults.
# What DescribeUserPoolClient answers for settings a client was created without, as Cognito
# fills them in (CreateUserPoolClient reference: RefreshTokenValidity 30 days, access and ID
# tokens an hour, TokenValidityUnits, EnableTokenRevocation, AuthSessionValidity 3 minutes).
# moto answers only what it was given.
CLIENT_DEFAULTS = {
    "RefreshTokenValidity": 30,
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "EnableTokenRevocation": True,
    "AuthSessionValidity": 3,
    # CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
    # ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH,
    # and ALLOW_CUSTOM_AUTH" (the same set as DEFAULT_FLOWS below).
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"],
}


def patch_client_defaults(models):
    client_class = models.CognitoIdpUserPoolClient
    original_to_json = client_class.to_json

    def to_json(self, extended=False):
        described = original_to_json(self, extended)
        if extended:
            for key, value in CLIENT_DEFAULTS.items():
                if not described.get(key) and described.get(key) is not False:
                    described[key] = value
        return described

    client_class.to_json = to_json


# rule client-update-resets: UpdateUserPoolClient resets what it is not given.
def patch_client_updates(models):
    """UpdateUserPoolClient replaces the app client's settings, and rotation excludes
    REFRESH_TOKEN_AUTH.

    UpdateUserPoolClient reference: "If you don't provide a value for an attribute, Amazon
    Cognito sets it to its default value." moto merges the update into what the client had, so
    a test that updates one setting keeps the others it would lose on Cognito. The client's id,
    secret and name stay (the name is kept when the update does not give one).

    Refresh-token rotation (developer guide, "Refresh tokens": "Refresh token rotation isn't
    compatible with the authentication flow REFRESH_TOKEN_AUTH. To implement refresh token
    rotation, you must disable this authentication flow in your app client"): a client whose
    ExplicitAuthFlows list ALLOW_REFRESH_TOKEN_AUTH beside rotation ENABLED is refused with
    InvalidParameterException. No public source gives Cognito's wording; the message here is the
    emulator's own and the crate never reads it (it refreshes only with GetTokensFromRefreshToken).
    A client given no ExplicitAuthFlows is accepted, and its REFRESH_TOKEN_AUTH refused at sign-in
    (refuse_refresh_under_rotation). moto has no rotation."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    backend = models.CognitoIdpBackend
    original_create = backend.create_user_pool_client

    # rule rotation-with-refresh-flow: rotation beside ALLOW_REFRESH_TOKEN_AUTH is refused.
    def refuse_rotation_with_refresh_flow(config):
        rotation = config.get("RefreshTokenRotation") or {}
        if rotation.get("Feature") == "ENABLED" and "ALLOW_REFRESH_TOKEN_AUTH" in (config.get("ExplicitAuthFlows") or ()):
            raise InvalidParameterException(
                "Refresh token rotation cannot be enabled while ALLOW_REFRESH_TOKEN_AUTH is allowed"
            )

    def refuse_impossible_client(config, has_secret):
        # rule client-credentials-only: client_credentials is a client's only OAuth flow, and needs a secret.
        # CreateUserPoolClient reference, AllowedOAuthFlows: client_credentials "must be the only
        # allowed OAuth flow", for a client "authorized by a combination of the client ID and
        # client secret". No public source gives Cognito's wording: the emulator's own, which
        # the crate never reads (it creates no clients). moto accepts any combination.
        flows = config.get("AllowedOAuthFlows") or []
        if "client_credentials" in flows and len(flows) > 1:
            raise InvalidParameterException("client_credentials must be the only allowed OAuth flow of the app client")
        if "client_credentials" in flows and not has_secret:
            raise InvalidParameterException("client_credentials needs an app client with a client secret")
        # rule context-ip-needs-secret: EnablePropagateAdditionalUserContextData needs a client secret.
        # CreateUserPoolClient reference: "You can only activate
        # EnablePropagateAdditionalUserContextData in an app client that has a client secret."
        if config.get("EnablePropagateAdditionalUserContextData") and not has_secret:
            raise InvalidParameterException(
                "EnablePropagateAdditionalUserContextData needs an app client with a client secret")

    def create_user_pool_client(self, user_pool_id, generate_secret, extended_config):
        refuse_rotation_with_refresh_flow(extended_config or {})
        refuse_impossible_client(extended_config or {}, bool(generate_secret))
        return original_create(self, user_pool_id, generate_secret, extended_config)

    def update_user_pool_client(self, user_pool_id, client_id, extended_config):
        client = self.describe_user_pool(user_pool_id).clients.get(client_id)
        if client is None:
            raise models.ResourceNotFoundError(client_id)
        refuse_rotation_with_refresh_flow(extended_config)
        refuse_impossible_client(extended_config, bool(client.generate_secret))
        name = extended_config.get("ClientName") or client.extended_config.get("ClientName")
        # moto's defaults for a new client, then the update, as Cognito resets the rest.
        fresh = models.CognitoIdpUserPoolClient(user_pool_id, client.generate_secret, None).extended_config
        client.extended_config = dict(fresh, **extended_config)
        if name is not None:
            client.extended_config["ClientName"] = name
        return client

    backend.create_user_pool_client = create_user_pool_client
    backend.update_user_pool_client = update_user_pool_client


def rotation_of(client):
    """(enabled, grace seconds) of an app client's RefreshTokenRotation (CreateUserPoolClient
    reference, RefreshTokenRotationType: Feature ENABLED or DISABLED, RetryGracePeriodSeconds
    0 to 60)."""
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    enabled = rotation.get("Feature") == "ENABLED"
    return enabled, max(0, min(60, int(rotation.get("RetryGracePeriodSeconds") or 0)))


# The ExplicitAuthFlows value that allows each flow (the legacy names too: ADMIN_NO_SRP_AUTH and
# USER_PASSWORD_AUTH may not be mixed with ALLOW_ names, but a client may list either kind).
FLOW_SETTINGS = {
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH",),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}
# CreateUserPoolClient reference, ExplicitAuthFlows: "If you don't specify a value for
# ExplicitAuthFlows, your app client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and
# ALLOW_CUSTOM_AUTH."
DEFAULT_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")


# rule client-flows: a client signs in only with the flows its ExplicitAuthFlows allow.
def refuse_disallowed_flow(client, auth_flow, admin=False):
    """Cognito signs in only with the flows the app client allows (its ExplicitAuthFlows, or the
    default set), and refuses the rest with InvalidParameterException, in the words its users
    report for each: "USER_SRP_AUTH is not enabled for the client." (aws-samples/
    aws-serverless-workshops#277), "USER_PASSWORD_AUTH flow not enabled for this client", and
    from AdminInitiateAuth "Auth flow not enabled for this client". moto allows every flow. The
    crate reads the type first and only then these words (test
    a_flow_the_app_client_does_not_allow_is_misconfiguration, emulator_flow_wordings_*)."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    flow = str(getattr(auth_flow, "value", auth_flow))
    allowed = client.extended_config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
    if not any(setting in allowed for setting in FLOW_SETTINGS.get(flow, (flow,))):
        if admin:
            raise InvalidParameterException("Auth flow not enabled for this client")
        if flow == "USER_SRP_AUTH":
            raise InvalidParameterException("USER_SRP_AUTH is not enabled for the client.")
        raise InvalidParameterException("%s flow not enabled for this client" % flow)
