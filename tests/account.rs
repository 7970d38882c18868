//! Account self-service against the emulator, on each real store, with and without a client
//! secret: sign-up and its confirmation, the codes (wrong, expired, spent, too many), a
//! forgotten password reset, an email change verified by its code, a changed password, and an
//! account deleted with its local row.

mod common;

use common::routes::{access, me};
use common::{ignite, with, Pool, StoreKind};
use rocket::http::{ContentType, CookieJar, Header, Status};
use rocket::local::asynchronous::Client;
use rocket_warrant::{Cognito, CognitoUser, Error};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";
const NEW_PASSWORD: &str = "Brand-N3w-Horse!";

/// A pool whose sign-ups are confirmed by a code mailed to the user's email.
async fn pool(secret: bool) -> Pool {
    let pool = Pool::new(secret).await;
    pool.verify_emails().await;
    pool
}

#[rocket::post("/delete")]
async fn delete(cognito: &Cognito, jar: &CookieJar<'_>, user: CognitoUser) -> Result<&'static str, Error> {
    cognito.delete_account(jar, user.access_token()).await?;
    Ok("deleted")
}

store_tests! {
    a_sign_up_is_confirmed_by_its_code_and_then_signs_in => |kind: StoreKind, url: String| async move {
        for secret in [false, true] {
            let pool = pool(secret).await;
            let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
            let name = format!("newbie-{secret}");
            // Local names of attr_mapping go to Cognito under its names (custom: included).
            let attributes = [("email", "newbie@example.com"), ("first_name", "New"), ("api_key", "k-1")];
            let signed_up = cognito.sign_up(&name, PASSWORD, &attributes).await.expect("signed up");
            assert!(!signed_up.confirmed);
            let sent = signed_up.delivery.expect("a code was mailed");
            assert_eq!((sent.medium.as_str(), sent.destination.as_str()), ("EMAIL", "n***@e***"));
            let err = cognito.login(&name, PASSWORD).await.unwrap_err();
            assert!(matches!(err, Error::UserNotConfirmed), "{secret}: {err:?}");

            let taken = cognito.sign_up(&name, PASSWORD, &attributes).await.unwrap_err();
            assert!(matches!(taken, Error::UsernameExists), "{taken:?}");
            assert_eq!(taken.status(), Status::Conflict);
            let weak = cognito.sign_up(&format!("weak-{secret}"), "short", &attributes).await.unwrap_err();
            assert!(matches!(&weak, Error::PasswordRejected(m) if !m.is_empty()), "{weak:?}");

            let code = pool.newest_code(&name, "signup").await;
            let wrong = if code == "000000" { "111111" } else { "000000" };
            let err = cognito.confirm_sign_up(&name, wrong).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{err:?}");
            // A new code replaces the old one.
            let resent = cognito.resend_confirmation_code(&name).await.unwrap().expect("sent again");
            assert_eq!(resent.destination, "n***@e***");
            let newer = pool.newest_code(&name, "signup").await;
            if newer != code {
                assert!(matches!(cognito.confirm_sign_up(&name, &code).await, Err(Error::WrongCode)));
            }
            cognito.confirm_sign_up(&name, &newer).await.expect("the newest code confirms");
            let again = cognito.confirm_sign_up(&name, &newer).await.unwrap_err();
            assert!(matches!(again, Error::AlreadyConfirmed), "{again:?}");
            assert!(matches!(cognito.resend_confirmation_code(&name).await, Err(Error::AlreadyConfirmed)));

            let user = cognito.login(&name, PASSWORD).await.expect("signs in").user.unwrap();
            assert_eq!(user.email.as_deref(), Some("newbie@example.com"));
            assert!(user.email_verified, "the code proved the address");
            assert_eq!(user.first_name.as_deref(), Some("New"));
            assert_eq!(user.field("api_key"), Some("k-1"));
            // An unknown username answers as a wrong code, and a resend as for anyone.
            assert!(matches!(cognito.confirm_sign_up("nobody-at-all", "123456").await, Err(Error::WrongCode)));
            assert_eq!(cognito.resend_confirmation_code("nobody-at-all").await.unwrap(), None);
        }
    };

    a_forgotten_password_is_reset_with_its_code_and_the_old_one_dies => |kind: StoreKind, url: String| async move {
        for secret in [false, true] {
            let pool = pool(secret).await;
            let name = format!("forgetful-{secret}");
            pool.add_user(&name, PASSWORD, &[("email", "forgetful@example.com"), ("email_verified", "true")]).await;
            let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
            let sent = cognito.forgot_password(&name).await.unwrap().expect("a code for a known user");
            assert_eq!((sent.medium.as_str(), sent.destination.as_str()), ("EMAIL", "f***@e***"));
            // An unknown user: the same Ok, nothing that tells the two apart but the delivery,
            // which a page does not show.
            assert_eq!(cognito.forgot_password("nobody-at-all").await.unwrap(), None);
            let err = cognito.confirm_forgot_password("nobody-at-all", "123456", NEW_PASSWORD).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{err:?}");

            let code = pool.newest_code(&name, "reset").await;
            let wrong = if code == "000000" { "111111" } else { "000000" };
            let err = cognito.confirm_forgot_password(&name, wrong, NEW_PASSWORD).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{err:?}");
            // A password the policy refuses does not spend the code.
            let err = cognito.confirm_forgot_password(&name, &code, "short").await.unwrap_err();
            assert!(matches!(err, Error::PasswordRejected(_)), "{err:?}");
            cognito.confirm_forgot_password(&name, &code, NEW_PASSWORD).await.expect("reset");
            let spent = cognito.confirm_forgot_password(&name, &code, "Another-Passw0rd!").await.unwrap_err();
            assert!(matches!(spent, Error::CodeExpired), "{spent:?}");

            let old = cognito.login(&name, PASSWORD).await.unwrap_err();
            assert!(matches!(old, Error::InvalidCredentials), "the old password is dead: {old:?}");
            cognito.login(&name, NEW_PASSWORD).await.expect("the new password signs in");
        }
    };

    an_email_change_takes_effect_only_after_its_code => |kind: StoreKind, url: String| async move {
        for secret in [false, true] {
            let pool = pool(secret).await;
            let name = format!("mover-{secret}");
            pool.add_user(&name, PASSWORD, &[("email", "old@example.com"), ("email_verified", "true")]).await;
            let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
            let token = cognito.login(&name, PASSWORD).await.unwrap().tokens.access_token;
            let changes = [("email", "new@example.com"), ("first_name", "Moved")];
            let sent = cognito.update_attributes(&token, &changes).await.expect("changed");
            assert_eq!(sent.len(), 1, "{sent:?}");
            assert_eq!((sent[0].attribute.as_str(), sent[0].destination.as_str()), ("email", "n***@e***"));
            let row = cognito.store().unwrap().find(&name).await.unwrap().unwrap();
            assert_eq!(row.email.as_deref(), Some("old@example.com"), "the old address until the code");
            assert!(row.email_verified);
            assert_eq!(row.first_name.as_deref(), Some("Moved"), "an attribute without a code at once");

            let purpose = "verify:email";
            let code = pool.newest_code(&name, purpose).await;
            let wrong = if code == "000000" { "111111" } else { "000000" };
            let err = cognito.verify_attribute(&token, "email", wrong).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{err:?}");
            let again = cognito.send_verification_code(&token, "email").await.expect("sent again");
            assert_eq!(again.destination, "n***@e***", "to the new address");
            let code = pool.newest_code(&name, purpose).await;
            let row = cognito.verify_attribute(&token, "email", &code).await.expect("verified").unwrap();
            assert_eq!(row.email.as_deref(), Some("new@example.com"));
            assert!(row.email_verified);
            let spent = cognito.verify_attribute(&token, "email", &code).await.unwrap_err();
            assert!(matches!(spent, Error::CodeExpired), "{spent:?}");
        }
    };

    a_signed_in_user_changes_their_password_and_deletes_their_account => |kind: StoreKind, url: String| async move {
        for secret in [false, true] {
            let pool = pool(secret).await;
            let name = format!("leaving-{secret}");
            pool.add_user(&name, PASSWORD, &[("email", "leaving@example.com")]).await;
            let settings = with(pool.settings(), json!({}));
            let rocket = common::rocket(kind, &url, settings)
                .mount("/", rocket::routes![common::routes::login, me, access, delete]);
            let client = Client::tracked(rocket).await.unwrap();
            let cognito = client.rocket().state::<Cognito>().unwrap();
            let body = format!("username={name}&password={PASSWORD}");
            let signed_in = client.post("/login").header(ContentType::Form).body(body).dispatch().await;
            assert_eq!(signed_in.status(), Status::Ok);
            let token = client.get("/access").dispatch().await.into_string().await.unwrap();

            let err = cognito.change_password(&token, "Wr0ng-Passw0rd!", NEW_PASSWORD).await.unwrap_err();
            assert!(matches!(err, Error::InvalidCredentials), "a wrong current password: {err:?}");
            let err = cognito.change_password(&token, PASSWORD, "short").await.unwrap_err();
            assert!(matches!(err, Error::PasswordRejected(_)), "{err:?}");
            cognito.change_password(&token, PASSWORD, NEW_PASSWORD).await.expect("changed");
            assert!(matches!(cognito.login(&name, PASSWORD).await, Err(Error::InvalidCredentials)));
            cognito.login(&name, NEW_PASSWORD).await.expect("the new password signs in");
            assert!(cognito.store().unwrap().find(&name).await.unwrap().is_some());

            assert_eq!(client.post("/delete").dispatch().await.status(), Status::Ok);
            assert_eq!(cognito.store().unwrap().find(&name).await.unwrap(), None, "the local row is gone");
            assert!(client.cookies().get("cognito_access").is_none(), "the session ended");
            let bearer = Header::new("Authorization", format!("Bearer {token}"));
            assert_eq!(client.get("/me").header(bearer).dispatch().await.status(), Status::Unauthorized);
            let gone = cognito.login(&name, NEW_PASSWORD).await.unwrap_err();
            assert!(matches!(gone, Error::InvalidCredentials), "deleted at Cognito: {gone:?}");
        }
    };
}

/// Conformance: codes as Cognito's API reference and guide have them: a code lapses (a sign-up's
/// after 24 hours: "Signing up and confirming user accounts"), and after five wrong codes even
/// the right one is refused for a while (LimitExceededException). moto confirms with any code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_codes_lapse_and_wrong_ones_are_limited() {
    need_emulator!();
    let pool = pool(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    for name in ["late", "guesser"] {
        cognito.sign_up(name, PASSWORD, &[("email", "someone@example.com")]).await.unwrap();
    }
    let code = pool.newest_code("guesser", "signup").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert!(matches!(cognito.confirm_sign_up("guesser", wrong).await, Err(Error::WrongCode)));
    }
    let err = cognito.confirm_sign_up("guesser", &code).await.unwrap_err();
    assert!(matches!(err, Error::TooManyAttempts), "{err:?}");
    assert_eq!(err.status(), Status::TooManyRequests);

    let code = pool.newest_code("late", "signup").await;
    pool.advance_clock(24 * 3600 + 1).await;
    let err = cognito.confirm_sign_up("late", &code).await.unwrap_err();
    assert!(matches!(err, Error::CodeExpired), "{err:?}");
    cognito.resend_confirmation_code("late").await.unwrap();
    cognito.confirm_sign_up("late", &pool.newest_code("late", "signup").await).await.expect("a new code works");
}

/// A store of the application's own that cannot delete users: the account is not deleted at
/// Cognito either, so that no row outlives its account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_whose_row_cannot_be_deleted_is_not_deleted() {
    need_emulator!();
    struct Keeper(rocket_warrant::stores::MemoryStore);
    #[rocket::async_trait]
    impl rocket_warrant::stores::UserStore for Keeper {
        async fn save(
            &self,
            profile: &rocket_warrant::stores::Profile,
            create: bool,
        ) -> Result<Option<rocket_warrant::stores::User>, rocket_warrant::stores::StoreError> {
            self.0.save(profile, create).await
        }
        async fn find(
            &self,
            username: &str,
        ) -> Result<Option<rocket_warrant::stores::User>, rocket_warrant::stores::StoreError> {
            self.0.find(username).await
        }
    }
    let pool = pool(false).await;
    pool.add_user("kept", PASSWORD, &[("email", "kept@example.com")]).await;
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", pool.settings()));
    let rocket = rocket::custom(figment)
        .attach(Cognito::custom(Keeper(rocket_warrant::stores::MemoryStore::new())))
        .mount("/", rocket::routes![common::routes::login, access, delete]);
    let client = Client::tracked(rocket).await.unwrap();
    let body = format!("username=kept&password={PASSWORD}");
    assert_eq!(client.post("/login").header(ContentType::Form).body(body).dispatch().await.status(), Status::Ok);
    assert_eq!(client.post("/delete").dispatch().await.status(), Status::ServiceUnavailable);
    let cognito = client.rocket().state::<Cognito>().unwrap();
    cognito.login("kept", PASSWORD).await.expect("the account lives on at Cognito");
    assert!(cognito.store().unwrap().find("kept").await.unwrap().is_some(), "and here");
}

/// Conformance: an access token past its `exp` is refused by the calls made with it
/// (NotAuthorizedException, the type every reference gives for a token Cognito no longer
/// takes); moto never looks. The pool's clock is moved on past the hour. The crate reads the
/// refusal as an ended session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refuses_expired_access_tokens() {
    need_emulator!();
    let pool = pool(false).await;
    pool.add_user("expiring", PASSWORD, &[("email", "expiring@example.com")]).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let token = cognito.login("expiring", PASSWORD).await.unwrap().tokens.access_token;
    pool.advance_clock(3601).await;
    let err = cognito.change_password(&token, PASSWORD, NEW_PASSWORD).await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired), "{err:?}");
    let err = cognito.update_attributes(&token, &[("first_name", "Late")]).await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired), "{err:?}");
    let deleted = pool.admin.delete_user().access_token(&token).send().await.unwrap_err();
    assert_eq!(deleted.as_service_error().and_then(|e| e.meta().code()), Some("NotAuthorizedException"));
    cognito.login("expiring", PASSWORD).await.expect("nothing changed or deleted");
}

/// The service's error code of an SDK call's failure.
fn code_of<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(
    err: &aws_sdk_cognitoidentityprovider::error::SdkError<E>,
) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// Conformance: an app client writes only the attributes its WriteAttributes list (without any,
/// the standard ones: CreateUserPoolClient reference), else NotAuthorizedException "A client
/// attempted to write unauthorized attribute" (aws/aws-sdk-js#1319); moto lets every client write
/// everything. The crate reads it as the application's misconfiguration, never as an ended
/// session: the user stays signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refuses_attributes_the_client_may_not_write_and_the_crate_says_whose_setting() {
    need_emulator!();
    let pool = pool(false).await;
    let mut plain = pool.admin.create_user_pool_client().user_pool_id(&pool.pool_id).client_name("plain");
    for attribute in common::READ_ATTRIBUTES {
        plain = plain.read_attributes(attribute);
    }
    let plain = plain.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let custom = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name("custom:api_key")
        .value("k")
        .build()
        .unwrap();
    let call = pool.admin.sign_up().client_id(&plain).username("writer").password(PASSWORD).user_attributes(custom);
    assert_eq!(code_of(&call.send().await.unwrap_err()), Some("NotAuthorizedException"));

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "app_client_id": plain }));
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings).await;
    let err = cognito.sign_up("writer", PASSWORD, &[("email", "w@example.com"), ("api_key", "k")]).await.unwrap_err();
    assert!(matches!(&err, Error::Misconfigured(s) if s.message().contains("WriteAttributes")), "{err:?}");
    cognito.sign_up("writer", PASSWORD, &[("email", "w@example.com"), ("first_name", "W")]).await.expect("standard");

    pool.add_user("profiled", PASSWORD, &[("email", "profiled@example.com")]).await;
    let token = cognito.login("profiled", PASSWORD).await.unwrap().tokens.access_token;
    let err = cognito.update_attributes(&token, &[("api_key", "mine")]).await.unwrap_err();
    assert!(matches!(err, Error::Misconfigured(_)), "not an ended session: {err:?}");
    cognito.update_attributes(&token, &[("first_name", "Pro")]).await.expect("the token still works");
}

/// Conformance: ForgotPassword refuses a disabled user and one who has not yet replaced an
/// administrator's temporary password (NotAuthorizedException, "User is disabled." and "User
/// password cannot be reset in the current state.": aws-amplify/amplify-js#1340); moto sends them
/// a code. The crate answers as for an unknown user: no code went, nothing told apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_refuses_a_reset_for_disabled_and_temporary_password_users() {
    need_emulator!();
    let pool = pool(false).await;
    pool.add_user_with_temporary_password("fresh", PASSWORD).await;
    pool.add_user("gone", PASSWORD, &[("email", "gone@example.com")]).await;
    pool.verify_emails().await;
    pool.admin.admin_disable_user().user_pool_id(&pool.pool_id).username("gone").send().await.unwrap();
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    for name in ["fresh", "gone"] {
        let call = pool.admin.forgot_password().client_id(&pool.client_id).username(name);
        assert_eq!(code_of(&call.send().await.unwrap_err()), Some("NotAuthorizedException"), "{name}");
        assert_eq!(cognito.forgot_password(name).await.unwrap(), None, "{name}");
        assert!(pool.mail(name, "reset").await.is_empty(), "{name}: no code went");
    }
}

/// Conformance: a challenge session is answered by the app client that started the sign-in
/// (RespondToAuthChallenge reference: ClientId, the session of that client's call): another
/// client of the pool, or of another pool, is refused as a session not the user's
/// (NotAuthorizedException); moto answered another pool's client with a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_answers_a_challenge_only_from_the_client_that_started_it() {
    need_emulator!();
    let pool = pool(false).await;
    let other_pool = Pool::new(false).await;
    pool.add_user_with_temporary_password("starter", PASSWORD).await;
    let start = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "starter")
        .auth_parameters("PASSWORD", PASSWORD);
    let session = start.send().await.unwrap().session.expect("NEW_PASSWORD_REQUIRED");
    let sibling = pool.admin.create_user_pool_client().user_pool_id(&pool.pool_id).client_name("sibling");
    let sibling = sibling.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    for client in [sibling.as_str(), other_pool.client_id.as_str(), pool.client_id.as_str()] {
        let answer = pool
            .admin
            .respond_to_auth_challenge()
            .client_id(client)
            .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "starter")
            .challenge_responses("NEW_PASSWORD", NEW_PASSWORD)
            .send()
            .await;
        match client == pool.client_id {
            true => assert!(answer.unwrap().authentication_result.is_some(), "its own client"),
            false => assert_eq!(code_of(&answer.unwrap_err()), Some("NotAuthorizedException"), "{client}"),
        }
    }
}

/// Conformance: DeleteUser takes the user's codes with it (DeleteUser reference: the user's
/// profile is deleted); moto keeps nothing, the emulator kept them. A user of the same name
/// created afterwards cannot verify an attribute with the code mailed to the deleted one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_forgets_a_deleted_users_codes() {
    need_emulator!();
    let pool = pool(false).await;
    pool.add_user("twice", PASSWORD, &[("email", "twice@example.com")]).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let token = cognito.login("twice", PASSWORD).await.unwrap().tokens.access_token;
    cognito.update_attributes(&token, &[("email", "new@example.com")]).await.unwrap();
    let old_code = pool.newest_code("twice", "verify:email").await;
    pool.admin.delete_user().access_token(&token).send().await.unwrap();

    // (Through the SDK: the site's row of the deleted user refuses the new one's sign-in.)
    pool.add_user("twice", PASSWORD, &[("email", "twice@example.com")]).await;
    let sign_in = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "twice")
        .auth_parameters("PASSWORD", PASSWORD);
    let token = sign_in.send().await.unwrap().authentication_result.unwrap().access_token.unwrap();
    let verify = pool.admin.verify_user_attribute().access_token(&token).attribute_name("email").code(&old_code);
    assert_eq!(code_of(&verify.send().await.unwrap_err()), Some("ExpiredCodeException"));
}

/// Conformance (review A8): per-user hourly quotas on asking for and entering codes (developer
/// guide, "Quotas", the code security quotas; "between 5 and 20 attempts for a user to request
/// or enter a password reset code"; ChangePassword 5 an hour), not reset by a new code: past
/// one, LimitExceededException, which the crate reads as TooManyAttempts (429, "try again in an
/// hour"); an hour later the user may try again. The emulator of before counted only wrong
/// entries of one code, and a new code started the count again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_limits_code_requests_and_entries_per_user_and_hour() {
    need_emulator!();
    let pool = pool(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let too_many = |result: Result<(), Error>, what: &str| match result {
        Err(err @ Error::TooManyAttempts) => {
            assert_eq!(err.status(), Status::TooManyRequests);
            assert!(err.to_string().contains("in an hour"), "{err}");
        }
        other => panic!("{what}: {other:?}"),
    };

    // Asking for a sign-up's code again: five an hour.
    cognito.sign_up("asker", PASSWORD, &[("email", "asker@example.com")]).await.unwrap();
    for _ in 0..5 {
        cognito.resend_confirmation_code("asker").await.expect("within the quota");
    }
    too_many(cognito.resend_confirmation_code("asker").await.map(|_| ()), "the sixth resend");

    // Changing the password: five tries an hour; asking for an attribute's code: five an hour.
    pool.add_user("changer", PASSWORD, &[("email", "changer@example.com"), ("email_verified", "true")]).await;
    let token = cognito.login("changer", PASSWORD).await.unwrap().tokens.access_token;
    for _ in 0..5 {
        let err = cognito.change_password(&token, "Wr0ng-Passw0rd!", NEW_PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
    }
    too_many(cognito.change_password(&token, PASSWORD, NEW_PASSWORD).await, "the sixth change");
    for _ in 0..5 {
        cognito.send_verification_code(&token, "email").await.expect("within the quota");
    }
    too_many(cognito.send_verification_code(&token, "email").await.map(|_| ()), "the sixth verification code");

    // A password reset, asked for and entered: five an hour together, a new code resetting nothing.
    pool.add_user("resetter", PASSWORD, &[("email", "resetter@example.com"), ("email_verified", "true")]).await;
    for _ in 0..3 {
        cognito.forgot_password("resetter").await.unwrap().expect("a code went");
    }
    let code = pool.newest_code("resetter", "reset").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..2 {
        let err = cognito.confirm_forgot_password("resetter", wrong, NEW_PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::WrongCode), "{err:?}");
    }
    too_many(cognito.confirm_forgot_password("resetter", &code, NEW_PASSWORD).await, "the right code, past the quota");
    too_many(cognito.forgot_password("resetter").await.map(|_| ()), "a new code");
    // An hour later (the pool's clock; tokens issued before it count as expired there).
    pool.advance_clock(3601).await;
    cognito.forgot_password("resetter").await.unwrap().expect("an hour later");
    let code = pool.newest_code("resetter", "reset").await;
    cognito.confirm_forgot_password("resetter", &code, NEW_PASSWORD).await.expect("reset");
}

/// Conformance (review A11, A13, A15): with PreventUserExistenceErrors nothing in self-service
/// tells a user apart (developer guide, "Managing error responses"): ConfirmSignUp of an unknown
/// user answers one of its three listed errors (a wrong code here); ResendConfirmationCode of a
/// confirmed user answers no error (aws-amplify/amplify-js#14762); ForgotPassword of a disabled
/// user, or one without a verified email or phone, answers a simulated delivery. The crate reads
/// each as for any user. The emulator of before told them apart (UserNotFoundException, "User is
/// already confirmed.", "User is disabled.", "no registered/verified email").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_tells_no_user_apart_in_self_service_when_told_to() {
    use aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes;
    need_emulator!();
    let pool = pool(false).await;
    pool.update_client(|u| u.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)).await;
    pool.add_user("confirmed", PASSWORD, &[("email", "confirmed@example.com"), ("email_verified", "true")]).await;
    pool.add_user("unverified", PASSWORD, &[("email", "unverified@example.com")]).await;
    pool.add_user("disabled", PASSWORD, &[("email", "disabled@example.com"), ("email_verified", "true")]).await;
    pool.admin.admin_disable_user().user_pool_id(&pool.pool_id).username("disabled").send().await.unwrap();

    let unknown =
        pool.admin.confirm_sign_up().client_id(&pool.client_id).username("nobody").confirmation_code("123456");
    assert_eq!(code_of(&unknown.send().await.unwrap_err()), Some("CodeMismatchException"));
    let resend = pool.admin.resend_confirmation_code().client_id(&pool.client_id).username("confirmed");
    assert!(resend.send().await.unwrap().code_delivery_details().is_some(), "no error for a confirmed user");
    for name in ["unverified", "disabled"] {
        let forgot = pool.admin.forgot_password().client_id(&pool.client_id).username(name).send().await;
        assert!(forgot.unwrap().code_delivery_details().is_some(), "{name}: a simulated delivery");
        assert!(pool.mail(name, "reset").await.is_empty(), "{name}: no code went");
    }

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    assert!(matches!(cognito.confirm_sign_up("nobody", "123456").await, Err(Error::WrongCode)));
    assert!(cognito.resend_confirmation_code("confirmed").await.unwrap().is_some(), "as for any user");
    for name in ["unverified", "disabled", "nobody"] {
        assert!(cognito.forgot_password(name).await.unwrap().is_some(), "{name}: as for any user");
    }
}

/// The account deleted at Cognito, and the sessions' store failing to end them: the local row
/// goes all the same (it must not outlive its account), the user's tokens are refused, and the
/// failure is told (503).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_accounts_row_goes_even_when_its_sessions_cannot_be_ended() {
    need_emulator!();
    use rocket_warrant::sessions::{Revocation, SessionRecord, SessionStore};
    use rocket_warrant::stores::{MemoryStore, StoreError};
    struct Stuck(MemoryStore);
    #[rocket::async_trait]
    impl SessionStore for Stuck {
        async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError> {
            self.0.insert(session).await
        }
        async fn find(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
            self.0.find(id).await
        }
        async fn update(&self, session: &SessionRecord) -> Result<bool, StoreError> {
            self.0.update(session).await
        }
        async fn remove(&self, id: &str) -> Result<bool, StoreError> {
            self.0.remove(id).await
        }
        async fn list(&self, username: &str) -> Result<Vec<SessionRecord>, StoreError> {
            self.0.list(username).await
        }
        async fn remove_user(&self, _username: &str) -> Result<u64, StoreError> {
            Err(StoreError::Query("the sessions' table is locked".into()))
        }
        async fn purge(&self, now: i64) -> Result<u64, StoreError> {
            self.0.purge(now).await
        }
        async fn revoke(&self, revocation: &Revocation) -> Result<bool, StoreError> {
            self.0.revoke(revocation).await
        }
        async fn revocations(&self, since: i64, now: i64) -> Result<Vec<Revocation>, StoreError> {
            self.0.revocations(since, now).await
        }
    }
    let pool = pool(false).await;
    pool.add_user("leaving", PASSWORD, &[("email", "leaving@example.com")]).await;
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", common::secret_key()))
        .merge(("cognito", with(pool.settings(), json!({ "session_store": "database" }))));
    let sessions = std::sync::Arc::new(Stuck(MemoryStore::new()));
    let rocket = rocket::custom(figment)
        .attach(Cognito::custom(MemoryStore::new()).sessions_in(sessions))
        .mount("/", rocket::routes![common::routes::login, access, delete]);
    let client = Client::tracked(rocket).await.unwrap();
    let body = format!("username=leaving&password={PASSWORD}");
    assert_eq!(client.post("/login").header(ContentType::Form).body(body).dispatch().await.status(), Status::Ok);
    let token = client.get("/access").dispatch().await.into_string().await.unwrap();
    let cognito = client.rocket().state::<Cognito>().unwrap();
    assert!(cognito.store().unwrap().find("leaving").await.unwrap().is_some());

    assert_eq!(client.post("/delete").dispatch().await.status(), Status::ServiceUnavailable, "the failure is told");
    assert!(cognito.store().unwrap().find("leaving").await.unwrap().is_none(), "the row went with the account");
    assert!(matches!(cognito.login("leaving", PASSWORD).await, Err(Error::InvalidCredentials)), "gone at Cognito");
    let bearer = Header::new("Authorization", format!("Bearer {token}"));
    assert_eq!(client.get("/access").header(bearer).dispatch().await.status(), Status::Unauthorized, "refused");
}
