"""Creates the demo's user pool, app client, users, API Gateway usage plans and API key on the
emulator, and prints the
ROCKET_COGNITO value that points the example site at them.

Usage: python demo_setup.py ENDPOINT_URL
       python demo_setup.py --code SECRET    (an authenticator code for SECRET, as scripts/totp)
"""

import os
import sys

import boto3

REGION = "eu-west-1"
PLANS = [
    ("Basic", "1,000 requests a day"),
    ("Pro", "100,000 requests a day"),
    ("Enterprise", "Unlimited requests, priority support"),
]
USERS = {
    "demo": {
        "password": "Demo-Passw0rd!",
        "attributes": {
            "given_name": "Demo",
            "family_name": "User",
            "email": "demo@example.com",
            "email_verified": "true",
            "address": "1 Example Street, Springfield",
            "phone_number": "+15555550100",
            "gender": "female",
            "preferred_username": "demo",
        },
        "groups": [],
    },
    "admin": {
        "password": "Admin-Passw0rd!",
        "attributes": {
            "given_name": "Ada",
            "family_name": "Admin",
            "email": "admin@example.com",
            "email_verified": "true",
            "preferred_username": "admin",
        },
        "groups": ["admin"],
    },
    # Signs in with a code from an authenticator app (the secret is printed; scripts/totp prints codes).
    "mfa": {
        "password": "Mfa-Passw0rd!",
        "totp": True,
        "attributes": {"given_name": "Max", "family_name": "Factor", "email": "mfa@example.com", "email_verified": "true"},
        "groups": [],
    },
    # Created by an administrator with a temporary password: the first login asks for a new one.
    "newcomer": {
        "password": "Temp-Passw0rd!",
        "temporary": True,
        "attributes": {"given_name": "Nora", "family_name": "Newcomer", "email": "newcomer@example.com", "email_verified": "true"},
        "groups": [],
    },
}


def totp_code(secret):
    """The authenticator app's current code, away from the end of its 30 s step."""
    import base64
    import time

    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    if time.time() % 30 >= 26:
        time.sleep(31 - time.time() % 30)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(time.time()).decode()


def enable_totp(idp, pool_id, client_id, username, password):
    """Turns on authenticator MFA for a user, as the user would; returns the secret."""
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    access = auth["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=totp_code(secret))
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return secret


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--code":
        print(totp_code(sys.argv[2]))
        return
    endpoint = sys.argv[1]
    idp = boto3.client(
        "cognito-idp", region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="demo", aws_secret_access_key="demo",
    )
    pool = idp.create_user_pool(
        PoolName="rocket-warrant-demo",
        # Sign-ups confirm their email with a mailed code, and a changed email takes effect
        # once its code is given.
        AutoVerifiedAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        # For the demo (DEMO_DEVICES=1), browsers are remembered when the user says so (the
        # Devices page asks after a sign-in), and a remembered one skips the authenticator code.
        # The benchmarks' pool remembers none, so that a login costs what it always did.
        **({"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}}
           if os.environ.get("DEMO_DEVICES") == "1" else {}),
        # A code by email may be the first factor, so that the demo also runs with
        # auth_flow = "user_auth" (launch refuses that flow where the pool allows no such factor).
        Policies={
            "PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                               "RequireNumbers": True, "RequireSymbols": True, "TemporaryPasswordValidityDays": 7},
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]},
        },
        Schema=[
            {"Name": "api_key", "AttributeDataType": "String", "Mutable": True},
            {"Name": "api_key_id", "AttributeDataType": "String", "Mutable": True},
        ],
    )["UserPool"]
    pool_id = pool["Id"]
    # For the demo (DEMO_SITE=<its URL>), managed login too: the emulator's hosted pages, the
    # pool's users and a stand-in Google.
    site = os.environ.get("DEMO_SITE")
    hosted = {}
    if site:
        idp.create_identity_provider(
            UserPoolId=pool_id, ProviderName="Google", ProviderType="Google",
            ProviderDetails={"client_id": "demo", "client_secret": "demo", "authorize_scopes": "openid email"},
            AttributeMapping={"email": "email"},
        )
        hosted = {
            "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "CallbackURLs": [site + "/accounts/hosted/callback"], "LogoutURLs": [site + "/accounts/login/"],
            "SupportedIdentityProviders": ["COGNITO", "Google"],
        }
    client = idp.create_user_pool_client(
        **hosted,
        UserPoolId=pool_id,
        ClientName="cdu",
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
        ],
        # Without ReadAttributes an app client reads no custom attribute (CreateUserPoolClient
        # reference): the demo maps custom:api_key and custom:api_key_id.
        ReadAttributes=[
            "email", "email_verified", "phone_number", "phone_number_verified", "name", "address",
            "gender", "given_name", "family_name", "preferred_username", "custom:api_key",
            "custom:api_key_id",
        ],
        # And writes the profile's (WriteAttributes: without, only the standard ones), but the
        # _verified flags and the API key's, which only an administrator sets: the site decides
        # access by the key (its `authorization_attributes`), and a user who could write it
        # through Cognito's public API could take another user's.
        WriteAttributes=[
            "email", "phone_number", "name", "address", "gender", "given_name", "family_name",
            "preferred_username",
        ],
    )["UserPoolClient"]
    idp.create_group(UserPoolId=pool_id, GroupName="admin", Description="Site administrators")

    # API Gateway: three usage plans and an API key for the demo user, subscribed to one plan.
    apigw = boto3.client(
        "apigateway", region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="demo", aws_secret_access_key="demo",
    )
    plans = {}
    for name, description in PLANS:
        plans[name] = apigw.create_usage_plan(name=name, description=description)["id"]
    key = apigw.create_api_key(name="demo-key", enabled=True, value="demo-api-key-0123456789abcdef")
    apigw.create_usage_plan_key(usagePlanId=plans["Basic"], keyId=key["id"], keyType="API_KEY")
    USERS["demo"]["attributes"]["custom:api_key"] = key["value"]
    USERS["demo"]["attributes"]["custom:api_key_id"] = key["id"]
    for username, user in USERS.items():
        attributes = [{"Name": k, "Value": v} for k, v in user["attributes"].items()]
        if user.get("temporary"):
            idp.admin_create_user(
                UserPoolId=pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS",
                TemporaryPassword=user["password"],
            )
        else:
            idp.admin_create_user(
                UserPoolId=pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS",
            )
            idp.admin_set_user_password(
                UserPoolId=pool_id, Username=username, Password=user["password"], Permanent=True,
            )
        for group in user["groups"]:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        if user.get("totp"):
            secret = enable_totp(idp, pool_id, client["ClientId"], username, user["password"])
            print("authenticator secret of %s: %s" % (username, secret), file=sys.stderr)

    settings = {
        "user_pool_id": pool_id,
        "app_client_id": client["ClientId"],
        "endpoint_url": endpoint,
        "aws_access_key_id": "demo",
        "aws_secret_access_key": "demo",
    }
    own = dict(settings)  # managed login's settings name the example's pages: not for another site
    if site:
        settings.update(domain=endpoint.rstrip("/"), redirect_uri=site + "/accounts/hosted/callback",
                        logout_uri=site + "/accounts/login/")
    print("{" + ",".join('%s="%s"' % (k, v) for k, v in settings.items()) + "}")
    # What an application of one's own needs to sign in against this pool, as Rocket.toml reads it.
    target = os.environ.get("DEMO_SETTINGS_FILE")
    if target:
        with open(target, "w") as out:
            out.write("# The demo's user pool in the emulator; any AWS credentials do for the emulator.\n")
            out.write("# Paste into your Rocket.toml (the debug profile, plain http: cookie_secure = false).\n")
            out.write("[default.cognito]\n")
            out.write("".join('%s = "%s"\n' % (k, v) for k, v in own.items()))
            out.write("cookie_secure = false\n")


if __name__ == "__main__":
    main()
