"""Feature plans (user pool tiers), the sign-in policy, and email MFA's settings."""

# rule feature-plans: feature plans: ESSENTIALS by default, FeatureUnavailableInTierException below.
# A user pool's feature plan (CreateUserPool reference, UserPoolTier: LITE, ESSENTIALS or PLUS,
# "Defaults to ESSENTIALS"). USER_AUTH (InitiateAuth reference: "your user pool must be in the
# Essentials tier or higher"), a sign-in policy with other first factors than the password
# (SignInPolicyType reference) and email MFA (EmailMfaConfigType reference) need Essentials; below
# it Cognito answers FeatureUnavailableInTierException, a modeled error of InitiateAuth,
# CreateUserPool, UpdateUserPool and SetUserPoolMfaConfig. moto knows no plans. The wording is the
# emulator's (no public source); the crate reads the type (test emulator_models_the_feature_plan).
TIERS = ("LITE", "ESSENTIALS", "PLUS")


def pool_tier(pool):
    return pool.extended_config.get("UserPoolTier") or "ESSENTIALS"


def refuse_below_tier(pool, needed, feature):
    from moto.core.exceptions import JsonRESTError

    tier = pool_tier(pool)
    if TIERS.index(tier) < TIERS.index(needed):
        raise JsonRESTError("FeatureUnavailableInTierException",
                            "%s needs the %s feature plan or higher; user pool %s is on %s" % (feature, needed, pool.id, tier))


# rule sign-in-policy: AllowedFirstAuthFactors must include PASSWORD.
def refuse_sign_in_policy(pool_config, pool_for_tier):
    """A pool's SignInPolicy: PASSWORD always among its first factors (CDK's
    AllowedFirstAuthFactors: password "must be true"; developer guide, "Authentication flows":
    the password is always an available first factor), and others only from Essentials up."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    factors = ((pool_config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    if factors is None:
        return
    if "PASSWORD" not in factors:
        raise InvalidParameterException("AllowedFirstAuthFactors must include PASSWORD")
    if any(f != "PASSWORD" for f in factors):
        refuse_below_tier(pool_for_tier, "ESSENTIALS", "A sign-in policy with %s" % ", ".join(factors))


def patch_pool_plans(models):
    """The feature plan at CreateUserPool and UpdateUserPool (refuse_sign_in_policy), and what
    DescribeUserPool answers for settings a pool was made without, as Cognito fills them in: the
    ESSENTIALS plan and the password as the only first factor."""
    backend = models.CognitoIdpBackend
    original_create, original_update = backend.create_user_pool, backend.update_user_pool
    pool_class = models.CognitoIdpUserPool
    original_to_json = pool_class.to_json

    class Planned:  # the plan a pool being made or updated will have
        def __init__(self, config, pool_id):
            self.extended_config, self.id = config, pool_id

    def create_user_pool(self, name, extended_config):
        refuse_sign_in_policy(extended_config or {}, Planned(extended_config or {}, name))
        return original_create(self, name, extended_config)

    def update_user_pool(self, user_pool_id, extended_config):
        refuse_sign_in_policy(extended_config or {}, Planned(extended_config or {}, user_pool_id))
        return original_update(self, user_pool_id, extended_config)

    def to_json(self, extended=False):
        described = original_to_json(self, extended)
        if extended:
            described.setdefault("UserPoolTier", "ESSENTIALS")
            policies = dict(described.get("Policies") or {})
            policies.setdefault("SignInPolicy", {"AllowedFirstAuthFactors": ["PASSWORD"]})
            described["Policies"] = policies
        return described

    backend.create_user_pool, backend.update_user_pool = create_user_pool, update_user_pool
    pool_class.to_json = to_json


def patch_mfa_settings(models, responses):
    """Email MFA's settings, which moto drops: the pool's EmailMfaConfiguration
    (SetUserPoolMfaConfig) and a user's EmailMfaSettings (AdminSetUserMFAPreference,
    SetUserMFAPreference), Enabled and PreferredMfa as for the other factors."""
    response_class = responses.CognitoIdpResponse
    original_pool = response_class.set_user_pool_mfa_config
    original_admin = response_class.admin_set_user_mfa_preference
    original_own = response_class.set_user_mfa_preference

    def note(user, settings):
        if settings is None:
            return
        user.email_mfa_enabled = bool(settings.get("Enabled"))
        if settings.get("PreferredMfa"):
            user.preferred_mfa_setting = "EMAIL_OTP"
        elif user.preferred_mfa_setting == "EMAIL_OTP":
            user.preferred_mfa_setting = ""

    def set_user_pool_mfa_config(self):
        from moto.cognitoidp.exceptions import InvalidParameterException

        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        email = self._get_param("EmailMfaConfiguration")
        if email is not None:
            # rule email-mfa: email MFA's settings kept; it needs Essentials and SES.
            # Email MFA needs the Essentials plan (EmailMfaConfigType reference) and the pool's
            # email sent by Amazon SES (aws-amplify/amplify-js#14067, the Amplify team: "SES must
            # be enabled as the email provider to toggle on Email MFA"; CDK's MfaSecondFactor:
            # email "requires ... Amazon SES"). The wording is the emulator's.
            refuse_below_tier(pool, "ESSENTIALS", "Email MFA")
            sending = (pool.extended_config.get("EmailConfiguration") or {}).get("EmailSendingAccount")
            if sending != "DEVELOPER":
                raise InvalidParameterException(
                    "Email MFA needs the user pool's email sent by Amazon SES (EmailSendingAccount DEVELOPER)")
        answer = original_pool(self)
        pool.email_mfa_config = email
        return answer

    def admin_set_user_mfa_preference(self):
        answer = original_admin(self)
        user = self.backend.admin_get_user(self._get_param("UserPoolId"), self._get_param("Username"))
        note(user, self._get_param("EmailMfaSettings"))
        return answer

    def set_user_mfa_preference(self):
        answer = original_own(self)
        access_token = self._get_param("AccessToken")
        backend = self._get_region_agnostic_backend()._find_backend_by_access_token(access_token)
        for pool in backend.user_pools.values():
            if access_token in pool.access_tokens:
                note(pool.users[pool.access_tokens[access_token][1]], self._get_param("EmailMfaSettings"))
        return answer

    response_class.set_user_pool_mfa_config = set_user_pool_mfa_config
    response_class.admin_set_user_mfa_preference = admin_set_user_mfa_preference
    response_class.set_user_mfa_preference = set_user_mfa_preference
