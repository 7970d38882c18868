//! Login against the Cognito emulator, on each real store: django-warrant's suite, ported, and
//! what it never tested (each flow, SRP refusing a wrong password, client secrets, concurrency).

mod common;

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types as cip_types;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType};
use common::{dw_attributes, ignite, with, Pool, StoreKind};
use rocket_warrant::sign_in::{Answer, Challenge};
use rocket_warrant::Error;
use serde_json::json;

const PASSWORD: &str = "Corr3ct-Horse!";

#[rocket::get("/whoami")]
fn whoami(user: rocket_warrant::CognitoUser) -> String {
    format!("{} {}", user.user().id, user.sub())
}

async fn pool_with_testuser(secret: bool) -> Pool {
    let pool = Pool::new(secret).await;
    pool.add_user("testuser", PASSWORD, &dw_attributes()).await;
    pool
}

store_tests! {
    a_username_taken_again_after_a_deletion_never_inherits_the_old_local_user => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        let first = cognito.login("testuser", PASSWORD).await.expect("the first testuser signs in");
        let old = first.user.clone().expect("a local row");
        // Cognito deletes the user; another person signs up with the same username.
        pool.admin.admin_delete_user().user_pool_id(&pool.pool_id).username("testuser").send().await.unwrap();
        pool.add_user("testuser", PASSWORD, &[("email", "someone.else@example.com")]).await;

        let err = cognito.login("testuser", PASSWORD).await.unwrap_err();
        assert!(matches!(&err, Error::UsernameReused { username } if username == "testuser"), "{err:?}");
        assert_eq!(err.status(), rocket::http::Status::Forbidden);
        let row = cognito.store().unwrap().find("testuser").await.unwrap().unwrap();
        assert_eq!((row.id, &row.sub, &row.email), (old.id, &old.sub, &old.email), "the old row is untouched");
        assert_eq!(row.field("api_key"), old.field("api_key"));

        // The new person's token as a Bearer client: no row of theirs, so not the old one either.
        let tokens = pool
            .admin
            .admin_initiate_auth()
            .user_pool_id(&pool.pool_id)
            .client_id(&pool.client_id)
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "testuser")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        let access = tokens.authentication_result.unwrap().access_token.unwrap();
        let claims = cognito.verify(&access, rocket_warrant::tokens::TokenUse::Access).await.unwrap();
        assert_ne!(claims.sub, old.sub, "a new sub");
        let rocket = common::rocket(kind, &url, pool.settings()).mount("/", rocket::routes![whoami]);
        let client = rocket::local::asynchronous::Client::untracked(rocket).await.unwrap();
        let header = rocket::http::Header::new("Authorization", format!("Bearer {access}"));
        let response = client.get("/whoami").header(header).dispatch().await;
        assert_eq!(response.status(), rocket::http::Status::Forbidden, "refused, not handed the old row");
    };

    the_row_says_whether_cognito_verified_the_email => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(false).await;
        pool.add_user("unverified", PASSWORD, &[("email", "u@example.com"), ("email_verified", "false")]).await;
        pool.add_user("verified", PASSWORD, &[("email", "v@example.com"), ("email_verified", "true")]).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        for (username, verified) in [("unverified", false), ("verified", true)] {
            let user = cognito.login(username, PASSWORD).await.expect("login").user.expect("a row");
            assert_eq!(user.email_verified, verified, "{username}");
            let stored = cognito.store().unwrap().find(username).await.unwrap().expect("stored");
            assert_eq!(stored.email_verified, verified, "{username}, as stored");
        }
        // Verified later at Cognito: the next sign-in says so.
        let attribute = aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("email_verified").value("true").build().unwrap();
        pool.admin.admin_update_user_attributes().user_pool_id(&pool.pool_id).username("unverified").user_attributes(attribute).send().await.unwrap();
        assert!(cognito.login("unverified", PASSWORD).await.unwrap().user.unwrap().email_verified);
    };

    // django-warrant: test_user_authentication, test_new_user_created
    new_user_created_with_mapped_attributes => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        assert_eq!(cognito.store().unwrap().find("testuser").await.unwrap(), None);

        let login = cognito.login("testuser", PASSWORD).await.expect("login");
        assert_eq!(login.user.as_ref().unwrap().username, "testuser");
        assert_eq!(login.user.as_ref().unwrap().email.as_deref(), Some("test@email.com"));
        assert_eq!(login.user.as_ref().unwrap().first_name.as_deref(), Some("FirstName"));
        assert_eq!(login.user.as_ref().unwrap().last_name.as_deref(), Some("LastName"));
        assert_eq!(login.user.as_ref().unwrap().sub, login.id_claims.sub);
        // Unmapped attributes are dropped, as django-warrant drops them.
        assert_eq!(login.user.as_ref().unwrap().field("gender"), None);
        let stored = cognito.store().unwrap().find("testuser").await.unwrap().expect("row created");
        assert_eq!(Some(stored), login.user);
        assert!(!login.tokens.refresh_token.is_empty());
        assert_eq!(login.access_claims.client_id.as_deref(), Some(pool.client_id.as_str()));
    };

    // django-warrant: the mapped custom attribute that is not a model field (a crash on master).
    custom_attribute_not_a_column_is_readable => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        let login = cognito.login("testuser", PASSWORD).await.expect("login");
        assert_eq!(login.user.as_ref().unwrap().field("api_key"), Some("abcdefg"));
        assert_eq!(login.user.as_ref().unwrap().attributes.get("api_key_id").map(String::as_str), Some("ab-1234"));
        let stored = cognito.store().unwrap().find("testuser").await.unwrap().unwrap();
        assert_eq!(stored.field("api_key"), Some("abcdefg"), "kept across requests, unlike django-warrant");
    };

    // django-warrant: test_user_authentication_wrong_password / _wrong_username
    wrong_password_and_unknown_user_are_the_same_error => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        for flow in ["user_srp", "user_password", "admin_user_password"] {
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            let wrong = cognito.login("testuser", "Wr0ng-Password!").await.unwrap_err();
            let unknown = cognito.login("nobody", PASSWORD).await.unwrap_err();
            assert!(matches!(wrong, Error::InvalidCredentials), "{flow}: {wrong:?}");
            assert!(matches!(unknown, Error::InvalidCredentials), "{flow}: {unknown:?}");
            assert_eq!(wrong.to_string(), unknown.to_string());
            assert_eq!(wrong.status(), unknown.status());
        }
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        assert_eq!(cognito.store().unwrap().find("testuser").await.unwrap(), None, "no row for a failed login");
    };

    // django-warrant: test_boto_error_raised. A challenge and a misconfigured client are typed errors.
    other_cognito_errors_reach_the_caller => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(false).await;
        pool.add_user_with_temporary_password("newbie", "Temp-Passw0rd!").await;
        for flow in ["user_srp", "user_password"] {
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            let err = cognito.login("newbie", "Temp-Passw0rd!").await.unwrap_err();
            assert!(
                matches!(&err, Error::ChallengeRequired(p) if *p.challenge() == Challenge::NewPasswordRequired),
                "{flow}: {err:?}"
            );
        }
        // An app client that does not exist: launch reads it (DescribeUserPoolClient) and stops,
        // in the Cognito fairing (its message, naming cognito.app_client_id, is asserted in
        // tests/fairing.rs).
        let settings = with(pool.settings(), json!({ "app_client_id": "no-such-client" }));
        let err = common::rocket(kind, &url, settings).ignite().await.expect_err("launch stops");
        assert!(common::cognito_fairing_failed(&err), "{:?}", err.kind());
    };

    // Beyond django-warrant, which stopped at the challenge: an administrator-created user
    // chooses a password and is signed in, in every flow, with and without a client secret.
    a_temporary_password_is_replaced_and_the_user_signed_in => |kind: StoreKind, url: String| async move {
        for secret in [false, true] {
            let pool = Pool::new(secret).await;
            for flow in ["user_srp", "user_password", "admin_user_password"] {
                let name = format!("new.{flow}.{secret}@example.com");
                pool.add_user_with_temporary_password(&name, "Temp-Passw0rd!").await;
                let settings = with(pool.settings(), json!({ "auth_flow": flow }));
                let (_rocket, cognito) = ignite(kind, &url, settings).await;
                let case = format!("{flow}, secret {secret}");

                let pending = match cognito.login(&name, "Temp-Passw0rd!").await {
                    Err(Error::ChallengeRequired(pending)) => pending,
                    other => panic!("{case}: {other:?}"),
                };
                assert_eq!(pending.challenge(), &Challenge::NewPasswordRequired, "{case}");
                assert_eq!(pending.username(), name, "{case}");
                assert_eq!(cognito.store().unwrap().find(&name).await.unwrap(), None, "{case}: no row before the password");
                // The challenge survives being kept between requests.
                let kept: rocket_warrant::PendingChallenge =
                    serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
                assert_eq!(kept, pending, "{case}");

                let crossed = cognito.answer(&kept, Answer::Code("123456")).await.unwrap_err();
                assert!(matches!(&crossed, Error::WrongAnswer { .. }), "{case}: {crossed:?}");
                // A password the policy refuses can be answered again with a better one.
                let weak = cognito.answer(&kept, Answer::NewPassword("weak")).await.unwrap_err();
                assert!(matches!(weak, Error::PasswordRejected(_)), "{case}: {weak:?}");
                assert_eq!(weak.status(), rocket::http::Status::UnprocessableEntity);
                let login = cognito.answer(&kept, Answer::NewPassword("Chosen-Passw0rd!")).await.expect(&case);
                assert_eq!(login.user.as_ref().unwrap().username, name, "{case}");
                assert_eq!(login.user.as_ref().unwrap().sub, login.access_claims.sub, "{case}");
                assert_eq!(cognito.store().unwrap().find(&name).await.unwrap(), login.user, "{case}");

                // The challenge is spent; the temporary password is dead, the new one works.
                let again = cognito.answer(&kept, Answer::NewPassword("Other-Passw0rd!")).await.unwrap_err();
                assert!(matches!(again, Error::SessionExpired), "{case}: {again:?}");
                let old = cognito.login(&name, "Temp-Passw0rd!").await.unwrap_err();
                assert!(matches!(old, Error::InvalidCredentials), "{case}: {old:?}");
                cognito.login(&name, "Chosen-Passw0rd!").await.expect(&case);
            }
        }
    };

    // Beyond django-warrant: a user with an authenticator app answers the code and is signed in.
    an_authenticator_code_completes_the_login => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(true).await;
        let flows = ["user_srp", "user_password", "admin_user_password"];
        let mut apps = Vec::new();
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        for flow in flows {
            let name = format!("mfa.{flow}");
            pool.add_user(&name, PASSWORD, &[("email", "mfa@example.com")]).await;
            let first = cognito.login(&name, PASSWORD).await.expect("no MFA yet");
            apps.push(pool.enable_totp(&first.tokens.access_token).await);
        }
        for (flow, app) in flows.into_iter().zip(&apps) {
            let name = format!("mfa.{flow}");
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            let pending = match cognito.login(&name, PASSWORD).await {
                Err(Error::ChallengeRequired(pending)) => pending,
                other => panic!("{flow}: {other:?}"),
            };
            assert_eq!(pending.challenge(), &Challenge::SoftwareTokenMfa, "{flow}");
            assert_eq!(pending.destination(), None, "an authenticator app is not texted");
            // A code is not a new password, and a new password is not a code.
            let crossed = cognito.answer(&pending, Answer::NewPassword("Chosen-Passw0rd!")).await.unwrap_err();
            assert!(matches!(&crossed, Error::WrongAnswer { .. }), "{flow}: {crossed:?}");
            for malformed in ["", "12345", "abcdef", "123456789"] {
                let err = cognito.answer(&pending, Answer::Code(malformed)).await.unwrap_err();
                assert!(matches!(err, Error::WrongCode), "{flow} {malformed:?}: {err:?}");
            }
            // A wrong code may be followed by the right one (Cognito locks out after five).
            let err = cognito.answer(&pending, Answer::Code(&app.wrong_code())).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{flow}: {err:?}");
            assert_eq!(err.status(), rocket::http::Status::UnprocessableEntity);

            let code = app.code().await;
            let login = cognito.answer(&pending, Answer::Code(&code)).await.expect(flow);
            assert_eq!(login.user.as_ref().unwrap().username, name);
            assert_eq!(login.user.as_ref().unwrap().email.as_deref(), Some("mfa@example.com"));
            let spent = cognito.answer(&pending, Answer::Code(&app.wrong_code())).await.unwrap_err();
            assert!(matches!(spent, Error::SessionExpired), "{flow}: {spent:?}");
            // The emulator spends a code once used, as RFC 6238 asks (Cognito's reference is
            // silent): the same code does not sign in again within its step.
            let again = match cognito.login(&name, PASSWORD).await {
                Err(Error::ChallengeRequired(pending)) => pending,
                other => panic!("{flow}: {other:?}"),
            };
            let reused = cognito.answer(&again, Answer::Code(&code)).await.unwrap_err();
            assert!(matches!(reused, Error::WrongCode), "{flow}: {reused:?}");
        }
    };

    // A pool that requires MFA: a user without an authenticator enrols one while signing in,
    // in every flow (Cognito asks whichever flow proved the password).
    an_authenticator_is_enrolled_while_signing_in => |kind: StoreKind, url: String| async move {
        let pool = Pool::new(true).await;
        pool.require_totp().await;
        for flow in ["user_srp", "user_password", "admin_user_password"] {
            let name = format!("enrolling.{flow}");
            pool.add_user(&name, PASSWORD, &[("email", "enrol@example.com")]).await;
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            let pending = match cognito.login(&name, PASSWORD).await {
                Err(Error::ChallengeRequired(pending)) => pending,
                other => panic!("{flow}: {other:?}"),
            };
            assert_eq!(pending.challenge(), &Challenge::MfaSetup, "{flow}");
            let crossed = cognito.answer(&pending, Answer::Code("123456")).await.unwrap_err();
            assert!(matches!(&crossed, Error::WrongAnswer { .. }), "{flow}: {crossed:?}");

            let setup = cognito.setup_totp(&pending).await.expect("an authenticator secret");
            assert!(!setup.secret().is_empty());
            let expected = format!("otpauth://totp/Site:{name}?secret=");
            assert!(setup.otpauth_uri("Site").starts_with(&expected), "{flow}");
            assert_eq!(setup.pending().username(), name);
            assert_eq!(cognito.store().unwrap().find(&name).await.unwrap(), None, "{flow}: not signed in yet");
            let app = common::Authenticator::new(setup.secret());
            let err = cognito.answer(setup.pending(), Answer::Code(&app.wrong_code())).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{flow}: {err:?}");
            let login = cognito.answer(setup.pending(), Answer::Code(&app.code().await)).await.expect(flow);
            assert_eq!(login.user.as_ref().unwrap().email.as_deref(), Some("enrol@example.com"));

            // From now on the login asks for a code from the enrolled app.
            let next = match cognito.login(&name, PASSWORD).await {
                Err(Error::ChallengeRequired(pending)) => pending,
                other => panic!("{flow}: {other:?}"),
            };
            assert_eq!(next.challenge(), &Challenge::SoftwareTokenMfa, "{flow}");
            if flow == "user_srp" {
                // (the enrolment spent this step's code: the app's next one signs in; once, as
                // waiting for the next step takes up to 30 seconds)
                cognito.answer(&next, Answer::Code(&app.code().await)).await.expect("signed in with a code");
            }
        }
    };

    // django-warrant: test_existing_user_updated
    existing_user_is_updated_and_keeps_its_id => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        let first = cognito.login("testuser", PASSWORD).await.unwrap().user.unwrap();
        pool.admin
            .admin_update_user_attributes()
            .user_pool_id(&pool.pool_id)
            .username("testuser")
            .user_attributes(aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("email").value("new@email.com").build().unwrap())
            .send().await.unwrap();
        let second = cognito.login("testuser", PASSWORD).await.unwrap().user.unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!(second.email.as_deref(), Some("new@email.com"));
        assert_eq!(second.created_at, first.created_at);
    };

    // django-warrant: test_existing_user_updated_disabled_create_unknown_user and
    // test_user_not_found_disabled_create_unknown_user
    create_unknown_users_off_updates_existing_and_refuses_unknown => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        pool.add_user("stranger", PASSWORD, &[("email", "s@example.com")]).await;
        // testuser has a local row, provisioned ahead by an administrator who knew the username
        // only (no sub yet), with a stale email.
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        let mut profile = rocket_warrant::stores::Profile { username: "testuser".into(), sub: String::new(), ..Default::default() };
        profile.fields.insert("email".into(), "None".into());
        let existing = cognito.store().unwrap().save(&profile, true).await.unwrap().unwrap();

        let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "create_unknown_users": false }))).await;
        let updated = cognito.login("testuser", PASSWORD).await.unwrap().user.unwrap();
        assert_eq!(updated.id, existing.id);
        assert_eq!(updated.email.as_deref(), Some("test@email.com"));
        assert!(!updated.sub.is_empty(), "the sign-in binds the row to the user's sub");

        let err = cognito.login("stranger", PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::NotProvisioned), "{err:?}");
        assert_eq!(cognito.store().unwrap().find("stranger").await.unwrap(), None);
    };

    each_flow_logs_in => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        for flow in ["user_srp", "user_password", "admin_user_password"] {
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            let login = cognito.login("testuser", PASSWORD).await.unwrap_or_else(|e| panic!("{flow}: {e}"));
            assert_eq!(login.user.as_ref().unwrap().username, "testuser", "{flow}");
            assert_eq!(login.id_claims.cognito_username(), Some("testuser"));
        }
    };

    client_with_secret_logs_in_with_every_flow => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(true).await;
        assert!(pool.client_secret.is_some());
        for flow in ["user_srp", "user_password", "admin_user_password"] {
            let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
            cognito.login("testuser", PASSWORD).await.unwrap_or_else(|e| panic!("{flow}: {e}"));
        }
        // A wrong secret is the application's mistake: launch compares it with the app client's
        // (DescribeUserPoolClient's ClientSecret) and stops, so that no sign-in or refresh
        // depends on Cognito's words for it (issue 42, item 13: the refresh's have no source).
        let settings = with(pool.settings(), json!({ "app_client_secret": "not-the-secret" }));
        assert!(common::launch_stops(kind, &url, settings).await, "a wrong secret stops launch");
    };

    user_cache_serves_rows_from_memory_within_its_ttl => |kind: StoreKind, url: String| async move {
        use rocket_warrant::stores::{CachedStore, Profile, UserStore};
        use std::sync::Arc;
        let pool = Pool::new(false).await;
        let (_rocket, cognito) = ignite(kind, &url, pool.settings()).await;
        let mut profile = Profile { username: "carol".into(), sub: "s".into(), ..Default::default() };
        profile.fields.insert("email".into(), "old@example.com".into());
        cognito.store().unwrap().save(&profile, true).await.unwrap();
        assert_eq!(cognito.store().unwrap().find("carol").await.unwrap().unwrap().email.as_deref(), Some("old@example.com"));
        // Another writer (another instance, say) changes the row behind the cache's back.
        let other = Arc::new(CachedStore::new(raw_store(kind, &url).await, std::time::Duration::ZERO, 0));
        profile.fields.insert("email".into(), "new@example.com".into());
        other.save(&profile, true).await.unwrap();
        assert_eq!(cognito.store().unwrap().find("carol").await.unwrap().unwrap().email.as_deref(), Some("old@example.com"), "within the TTL");
        assert_eq!(other.find("carol").await.unwrap().unwrap().email.as_deref(), Some("new@example.com"), "uncached");
        let (_rocket, fresh) = ignite(kind, &url, with(pool.settings(), json!({ "user_cache_ttl_secs": 0 }))).await;
        assert_eq!(fresh.store().unwrap().find("carol").await.unwrap().unwrap().email.as_deref(), Some("new@example.com"));
    };

    // Each pool migrates when it is created: four instances starting on one empty database at
    // once must all come up (the migration lock), and find one table.
    instances_starting_together_all_migrate => |kind: StoreKind, url: String| async move {
        use rocket_warrant::stores::UserStore;
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { raw_store(kind, &url).await })
            })
            .collect();
        let mut stores = Vec::new();
        for start in starts {
            stores.push(start.await.expect("every instance migrates and starts"));
        }
        let profile = rocket_warrant::stores::Profile { username: "first".into(), sub: "s".into(), ..Default::default() };
        stores[0].save(&profile, true).await.unwrap();
        for store in &stores {
            assert_eq!(store.find("first").await.unwrap().map(|u| u.username), Some("first".into()));
        }
    };

    concurrent_first_logins_give_one_row => |kind: StoreKind, url: String| async move {
        let pool = pool_with_testuser(false).await;
        let (_rocket, cognito) = ignite(kind, &url, with(pool.settings(), json!({ "auth_flow": "user_password" }))).await;
        let logins = (0..8).map(|_| {
            let cognito = cognito.clone();
            tokio::spawn(async move { cognito.login("testuser", PASSWORD).await })
        });
        let results = futures_join(logins).await;
        let ids: Vec<i64> = results.into_iter().map(|r| r.expect("every login succeeds").user.unwrap().id).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    };
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_refuses_a_wrong_password_and_accepts_the_right_one() {
    need_emulator!();
    // The emulator's SRP is patched to check the proof; this is the proof that it does.
    let pool = pool_with_testuser(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    assert_eq!(cognito.config().auth_flow, rocket_warrant::config::AuthFlow::UserSrp);
    let near_miss = format!("{}x", PASSWORD);
    assert!(matches!(cognito.login("testuser", &near_miss).await, Err(Error::InvalidCredentials)));
    assert!(cognito.login("testuser", PASSWORD).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cognito_is_unavailable_not_invalid_credentials() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    // A port nothing listens on (9, discard: closed here), rather than one bound and released,
    // which another test may take in between.
    let dead = "http://127.0.0.1:9";
    let settings = with(pool.settings(), json!({ "endpoint_url": dead, "cognito_timeout_secs": 2 }));
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings).await;
    for flow_user in ["testuser", "nobody"] {
        let err = cognito.login(flow_user, PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
        assert_eq!(err.status(), rocket::http::Status::ServiceUnavailable);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_or_oversized_input_is_invalid_credentials_without_a_call() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    // Cognito is unreachable: an answer other than InvalidCredentials would mean a call was made.
    let settings = with(pool.settings(), json!({ "endpoint_url": "http://127.0.0.1:9" }));
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings).await;
    let long = "a".repeat(10_000);
    for (user, pass) in
        [("", PASSWORD), ("testuser", ""), ("   ", PASSWORD), (long.as_str(), PASSWORD), ("testuser", long.as_str())]
    {
        assert!(matches!(cognito.login(user, pass).await, Err(Error::InvalidCredentials)), "{}", user.len());
    }
}

/// The store of `url` itself, without the fairing's cache.
async fn raw_store(kind: StoreKind, url: &str) -> std::sync::Arc<dyn rocket_warrant::stores::UserStore> {
    use rocket_db_pools::Pool as _;
    let figment =
        rocket::figment::Figment::from(("url", url)).merge(("max_connections", 2)).merge(("connect_timeout", 5));
    match kind {
        StoreKind::Sqlite => std::sync::Arc::new(rocket_warrant::stores::SqlitePool::init(&figment).await.unwrap()),
        StoreKind::Postgres => std::sync::Arc::new(rocket_warrant::stores::PgPool::init(&figment).await.unwrap()),
        StoreKind::Mysql => std::sync::Arc::new(rocket_warrant::stores::MysqlPool::init(&figment).await.unwrap()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_and_wrong_password_cost_the_same_srp_work() {
    need_emulator!();
    // Cognito refuses an unknown user at the first step and a wrong password only after the
    // proof; the crate computes a proof for both, so the two take the same work here.
    let pool = pool_with_testuser(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    assert_eq!(cognito.counters().srp_proofs, 0);
    assert!(matches!(cognito.login("nobody-at-all", PASSWORD).await, Err(Error::InvalidCredentials)));
    assert_eq!(cognito.counters().srp_proofs, 1, "the unknown user's login computed a proof");
    assert!(matches!(cognito.login("testuser", "Wr0ng-Password!").await, Err(Error::InvalidCredentials)));
    assert_eq!(cognito.counters().srp_proofs, 2, "so did the wrong password's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_free_and_memory_store_logins() {
    need_emulator!();
    use rocket_warrant::stores::MemoryStore;
    use rocket_warrant::Cognito;
    let pool = pool_with_testuser(false).await;
    let launch = |fairing: rocket_warrant::CognitoFairing| {
        let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("log_level", "off"))
            .merge(("cognito", pool.settings()));
        rocket::custom(figment).attach(fairing).ignite()
    };

    // No store: the login gives the mapped profile, and nothing is kept.
    let rocket = launch(Cognito::without_store()).await.expect("ignites");
    let cognito = rocket.state::<Cognito>().unwrap();
    let login = cognito.login("testuser", PASSWORD).await.expect("login");
    assert!(login.user.is_none());
    assert_eq!(login.profile.username, "testuser");
    assert_eq!(login.profile.sub, login.id_claims.sub);
    assert_eq!(login.profile.fields["email"], "test@email.com");
    assert_eq!(login.profile.fields["api_key"], "abcdefg", "custom attributes mapped");
    assert!(!login.profile.fields.contains_key("gender"), "unmapped attributes dropped");
    assert_eq!(cognito.sync_user(&login.tokens.access_token).await.unwrap(), None);

    // In memory: the row is created, kept and updated like a database's.
    let rocket = launch(Cognito::custom(MemoryStore::new())).await.expect("ignites");
    let cognito = rocket.state::<Cognito>().unwrap();
    let first = cognito.login("testuser", PASSWORD).await.expect("login").user.expect("a row");
    assert_eq!((first.id, first.field("api_key")), (1, Some("abcdefg")));
    let again = cognito.login("testuser", PASSWORD).await.expect("login").user.expect("a row");
    assert_eq!(again.id, first.id);
    assert_eq!(cognito.store().unwrap().find("testuser").await.unwrap(), Some(again));
}

/// Cognito's limits are characters, not bytes: a long password of non-ASCII characters, within
/// 256 characters, is sent to Cognito (here unreachable: the call's error shows it was made),
/// and one past the limit is refused without a call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_limits_count_characters_as_cognito_does() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "endpoint_url": "http://127.0.0.1:9" }));
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings).await;
    let within = "é".repeat(200); // 200 characters, 400 bytes
    let err = cognito.login("testuser", &within).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "sent to Cognito: {err:?}");
    let user = "ü".repeat(100); // 100 characters, 200 bytes
    assert!(matches!(cognito.login(&user, PASSWORD).await.unwrap_err(), Error::Unavailable(_)), "username too");
    let past = "é".repeat(257);
    assert!(matches!(cognito.login("testuser", &past).await.unwrap_err(), Error::InvalidCredentials), "refused here");
}

/// An application that left `app_client_secret` out of its settings would send no SECRET_HASH
/// and every sign-in would be refused: launch reads the app client (DescribeUserPoolClient) and
/// stops. Where it cannot read it, the sign-in's refusal ("Client ... is configured with secret
/// but SECRET_HASH was not received", as the emulator answers here, in every flow) is the
/// crate's misconfiguration naming the setting, not a wrong password (unit-tested on each wording).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_client_secret_is_misconfiguration_not_invalid_credentials() {
    need_emulator!();
    let pool = pool_with_testuser(true).await;
    // Launch stops, in every flow, naming cognito.app_client_secret (what it says is asserted in
    // tests/fairing.rs, whose binary captures the log).
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let settings = with(pool.settings(), json!({ "auth_flow": flow, "app_client_secret": null }));
        let err = common::rocket(StoreKind::Sqlite, &url, settings).ignite().await.expect_err("launch stops");
        assert!(common::cognito_fairing_failed(&err), "{flow}: the Cognito fairing stopped it: {:?}", err.kind());
    }
    let missing = initiate(
        &pool,
        &pool.client_id,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", "testuser"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap_err();
    let missing = missing.as_service_error().unwrap();
    assert_eq!(missing.code(), Some("NotAuthorizedException"));
    let expected = format!("Client {} is configured with secret but SECRET_HASH was not received", pool.client_id);
    assert_eq!(missing.message(), Some(expected.as_str()));
}

/// A user who signed up and never confirmed is told so ([`Error::UserNotConfirmed`], 403), and
/// a disabled user is refused like a wrong password, in every flow that reaches them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfirmed_and_disabled_users_are_refused_as_cognito_says() {
    need_emulator!();
    let pool = pool_with_testuser(false).await;
    pool.admin
        .sign_up()
        .client_id(&pool.client_id)
        .username("pending")
        .password(PASSWORD)
        .send()
        .await
        .expect("sign_up");
    pool.admin.admin_disable_user().user_pool_id(&pool.pool_id).username("testuser").send().await.unwrap();
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let err = cognito.login("pending", PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::UserNotConfirmed), "{flow}: {err:?}");
        assert_eq!(err.status(), rocket::http::Status::Forbidden);
        let err = cognito.login("testuser", PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials), "{flow}: disabled: {err:?}");
    }
    let (_rocket, cognito) =
        ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": "admin_user_password" }))).await;
    assert!(
        matches!(cognito.login("testuser", PASSWORD).await, Err(Error::InvalidCredentials)),
        "admin flow: disabled"
    );
}

/// After an administrator resets a password (AdminResetUserPassword), the old one no longer
/// signs the user in: Cognito answers PasswordResetRequiredException, which the crate reports
/// as [`Error::PasswordResetRequired`] (403), in both password flows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_password_must_be_reset_before_signing_in() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("resetme", PASSWORD, &[("email", "r@example.com"), ("email_verified", "true")]).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) =
        ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": "user_password" }))).await;
    cognito.login("resetme", PASSWORD).await.expect("signs in before the reset");
    pool.admin.admin_reset_user_password().user_pool_id(&pool.pool_id).username("resetme").send().await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let err = cognito.login("resetme", PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::PasswordResetRequired), "{flow}: {err:?}");
        assert_eq!(err.status(), rocket::http::Status::Forbidden);
        let wrong = cognito.login("resetme", "Wr0ng-Password!").await.unwrap_err();
        assert!(matches!(wrong, Error::InvalidCredentials), "{flow}: a wrong password is still just wrong: {wrong:?}");
    }
}

/// Conformance: the emulator answers MFA_SETUP as RespondToAuthChallenge's reference has it:
/// only on the session VerifySoftwareToken returned after a code that verified, with the
/// SECRET_HASH, and once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_mfa_setup_needs_a_verified_session_and_the_secret_hash_and_spends_the_session() {
    need_emulator!();
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    let pool = pool_with_testuser(true).await;
    pool.require_totp().await;
    let secret = pool.client_secret.clone().unwrap();
    let hash = common::secret_hash(&secret, "testuser", &pool.client_id);
    // The crate's SRP sign-in reaches MFA_SETUP; its session is what the calls below carry.
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let pending = match cognito.login("testuser", PASSWORD).await {
        Err(Error::ChallengeRequired(pending)) if pending.challenge() == &Challenge::MfaSetup => pending,
        other => panic!("{other:?}"),
    };
    let first_session = serde_json::to_value(&pending).unwrap()["session"].as_str().unwrap().to_owned();
    let respond = |session: String, with_hash: bool| {
        let mut call = pool
            .admin
            .respond_to_auth_challenge()
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(session)
            .challenge_responses("USERNAME", "testuser");
        if with_hash {
            call = call.challenge_responses("SECRET_HASH", &hash);
        }
        async move { call.send().await }
    };
    let code_of = |e: &aws_sdk_cognitoidentityprovider::error::SdkError<_>| {
        use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
        e.as_service_error().and_then(|e: &aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError| e.code()).map(str::to_owned)
    };
    let unverified = respond(first_session.clone(), true).await.unwrap_err();
    assert_eq!(code_of(&unverified).as_deref(), Some("NotAuthorizedException"), "no VerifySoftwareToken yet");

    let associated = pool.admin.associate_software_token().session(first_session).send().await.unwrap();
    let code = common::Authenticator::new(associated.secret_code().unwrap()).code().await;
    let verified =
        pool.admin.verify_software_token().session(associated.session.unwrap()).user_code(code).send().await.unwrap();
    let session = verified.session.unwrap();
    let no_hash = respond(session.clone(), false).await.unwrap_err();
    assert_eq!(code_of(&no_hash).as_deref(), Some("NotAuthorizedException"), "the SECRET_HASH is checked");
    let done = respond(session.clone(), true).await.expect("the verified session answers MFA_SETUP");
    assert!(done.authentication_result.and_then(|r| r.access_token).is_some());
    let again = respond(session, true).await.unwrap_err();
    assert_eq!(code_of(&again).as_deref(), Some("NotAuthorizedException"), "the session is spent");
}

/// A pool whose usernames are email addresses (`UsernameAttributes`): the user signs in with the
/// email, in each flow, and the local row is keyed by Cognito's canonical username (the sub, as
/// Cognito makes it for such pools), the email mapped as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_by_email_on_a_pool_whose_usernames_are_emails() {
    need_emulator!();
    use aws_sdk_cognitoidentityprovider::types::{
        AttributeType, ExplicitAuthFlowsType, MessageActionType, UsernameAttributeType,
    };
    let admin = common::admin().await;
    let pool = admin
        .create_user_pool()
        .pool_name(format!("emails-{}", common::unique()))
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool.unwrap().id.unwrap();
    let mut client = admin.create_user_pool_client().user_pool_id(&pool_id).client_name("app");
    for flow in [
        ExplicitAuthFlowsType::AllowUserSrpAuth,
        ExplicitAuthFlowsType::AllowUserPasswordAuth,
        ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ] {
        client = client.explicit_auth_flows(flow);
    }
    let client_id = client.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let email = "erin@example.com";
    admin
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(email)
        .user_attributes(AttributeType::builder().name("email").value(email).build().unwrap())
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    admin
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username(email)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let pool = Pool { admin, pool_id, client_id, client_secret: None };
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let login = cognito.login(email, PASSWORD).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));
        let user = login.user.expect("a local row");
        assert_eq!(user.email.as_deref(), Some(email), "{flow}");
        assert_eq!(user.sub, login.access_claims.sub, "{flow}");
        // Cognito's canonical username for such a pool is not the email typed.
        assert_eq!(Some(user.username.as_str()), login.access_claims.cognito_username(), "{flow}");
        let err = cognito.login(email, "Wr0ng-Passw0rd!").await.unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials), "{flow}: {err:?}");
    }
    // A reset password, signed in with by alias: reset required in every flow too.
    let verified = cip_types::AttributeType::builder().name("email_verified").value("true").build().unwrap();
    (pool.admin.admin_update_user_attributes())
        .user_pool_id(&pool.pool_id)
        .username(email)
        .user_attributes(verified)
        .send()
        .await
        .unwrap();
    pool.admin.admin_reset_user_password().user_pool_id(&pool.pool_id).username(email).send().await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let err = cognito.login(email, PASSWORD).await.unwrap_err();
        assert!(matches!(err, Error::PasswordResetRequired), "{flow}, by alias: {err:?}");
    }
}

/// SMS MFA: Cognito texts a code and says where, the number masked; a wrong code may be
/// followed by the right one, and a code answers once. The codes are read from the emulator's
/// outbox, as from the user's phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_texted_code_completes_the_login() {
    need_emulator!();
    let pool = Pool::new(true).await;
    pool.add_user("texted", PASSWORD, &[("email", "texted@example.com"), ("phone_number", "+15555550123")]).await;
    pool.enable_sms_mfa("texted").await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let sent_before = pool.texts("texted").await.len();
        let pending = match cognito.login("texted", PASSWORD).await {
            Err(Error::ChallengeRequired(pending)) => pending,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(pending.challenge(), &Challenge::SmsMfa, "{flow}");
        assert_eq!(pending.destination(), Some("+*******0123"), "{flow}");
        let texts = pool.texts("texted").await;
        assert_eq!(texts.len(), sent_before + 1, "{flow}: one text per sign-in");
        let code = texts.last().unwrap();
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        let err = cognito.answer(&pending, Answer::Code(&wrong)).await.unwrap_err();
        assert!(matches!(err, Error::WrongCode), "{flow}: {err:?}");
        // A code texted for an earlier sign-in answers nothing either.
        if let Some(earlier) = texts.iter().rev().nth(1).filter(|earlier| *earlier != code) {
            let err = cognito.answer(&pending, Answer::Code(earlier)).await.unwrap_err();
            assert!(matches!(err, Error::WrongCode), "{flow}: {err:?}");
        }
        let login = cognito.answer(&pending, Answer::Code(code)).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));
        assert_eq!(login.user.as_ref().unwrap().username, "texted", "{flow}");
        assert_eq!(login.access_claims.cognito_username(), Some("texted"), "{flow}");
        let spent = cognito.answer(&pending, Answer::Code(code)).await.unwrap_err();
        assert!(matches!(spent, Error::SessionExpired), "{flow}: {spent:?}");
    }
}

/// The app client's allowed flows (its ExplicitAuthFlows): a client created without any allows
/// SRP and refresh only, as Cognito's reference says, and Cognito refuses the other flows with
/// InvalidParameterException. Launch reads the client's flows and stops for `auth_flow` the
/// client does not allow (issue 42, item 12); where the client changed after launch, the crate
/// reports the refusal as misconfiguration naming the flow, not as a wrong password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_the_app_client_does_not_allow_is_misconfiguration() {
    need_emulator!();
    let admin = common::admin().await;
    let pool_id = admin
        .create_user_pool()
        .pool_name(format!("flows-{}", common::unique()))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = admin.create_user_pool_client().user_pool_id(&pool_id).client_name("defaults").send().await;
    let client_id = client.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let pool = Pool { admin, pool_id, client_id, client_secret: None };
    pool.add_user("flows", PASSWORD, &[("email", "flows@example.com")]).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    // Launch reads the client's flows (DescribeUserPoolClient) and stops: before, each of these
    // launched and answered every sign-in with an error (the demo on "user_auth": a 500).
    for flow in ["user_password", "admin_user_password", "user_auth"] {
        let settings = with(pool.settings(), json!({ "auth_flow": flow }));
        assert!(common::launch_stops(StoreKind::Sqlite, &url, settings).await, "{flow}: launch stops");
    }
    // SRP, the default flow, on a client that allows the password flow only.
    let password_only = (pool.admin.create_user_pool_client())
        .user_pool_id(&pool.pool_id)
        .client_name("password-only")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let password_only = password_only.user_pool_client.unwrap().client_id.unwrap();
    let settings = with(pool.settings(), json!({ "app_client_id": password_only }));
    assert!(common::launch_stops(StoreKind::Sqlite, &url, settings).await, "SRP on a password-only client");
    // A client whose flows change after launch: each refusal read by its type (then Cognito's
    // words, where its users report them), the setting to check named.
    let changing = Pool::new(false).await;
    changing.add_user("flows", PASSWORD, &[]).await;
    let mailed = cip_types::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip_types::AuthFactorType::Password)
        .allowed_first_auth_factors(cip_types::AuthFactorType::EmailOtp)
        .build();
    let policies = cip_types::UserPoolPolicyType::builder().sign_in_policy(mailed).build();
    changing.admin.update_user_pool().user_pool_id(&changing.pool_id).policies(policies).send().await.unwrap();
    for flow in ["user_password", "admin_user_password", "user_auth"] {
        changing.update_client(|u| u.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)).await;
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(changing.settings(), json!({ "auth_flow": flow }))).await;
        let srp_only = (changing.admin.update_user_pool_client())
            .user_pool_id(&changing.pool_id)
            .client_id(&changing.client_id)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth);
        srp_only.send().await.unwrap();
        let err = match flow {
            "user_auth" => cognito.start_sign_in("flows").await.unwrap_err(),
            _ => cognito.login("flows", PASSWORD).await.unwrap_err(),
        };
        let Error::Misconfigured(service) = &err else { panic!("{flow}: {err:?}") };
        assert_eq!((service.code(), service.setting()), (Some("InvalidParameterException"), Some("auth_flow")));
        assert!(err.to_string().contains("cognito.auth_flow"), "{err}");
    }
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let login = cognito.login("flows", PASSWORD).await.expect("SRP is a default flow");
    // Refresh is a default flow too: the emulator answers REFRESH_TOKEN_AUTH for this client.
    let refreshed = pool
        .admin
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &login.tokens.refresh_token)
        .send()
        .await;
    assert!(refreshed.is_ok(), "{refreshed:?}");
}

/// Conformance: the emulator refuses a flow the app client does not allow, and a SECRET_HASH sent
/// to a client without a secret, with InvalidParameterException in the words Cognito's users
/// report: "USER_SRP_AUTH is not enabled for the client." (aws-samples/aws-serverless-workshops#277),
/// "USER_PASSWORD_AUTH flow not enabled for this client", from AdminInitiateAuth "Auth flow not
/// enabled for this client", and "App client <id> is not configured for secret but secret hash was
/// received" (pmill/aws-cognito#23). moto allows every flow and ignores the hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_flow_wordings_follow_cognitos_users_reports() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("words", PASSWORD, &[]).await;
    let password_only = (pool.admin.create_user_pool_client())
        .user_pool_id(&pool.pool_id)
        .client_name("password-only")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let defaults = (pool.admin.create_user_pool_client())
        .user_pool_id(&pool.pool_id)
        .client_name("defaults")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let refusal = |e: &dyn ProvideErrorMetadata| (e.code().map(str::to_owned), e.message().map(str::to_owned));
    let invalid = |message: &str| (Some("InvalidParameterException".to_owned()), Some(message.to_owned()));

    let srp = initiate(&pool, &password_only, AuthFlowType::UserSrpAuth, &[("USERNAME", "words"), ("SRP_A", "abc123")])
        .await
        .unwrap_err();
    assert_eq!(refusal(srp.as_service_error().unwrap()), invalid("USER_SRP_AUTH is not enabled for the client."));

    let password =
        initiate(&pool, &defaults, AuthFlowType::UserPasswordAuth, &[("USERNAME", "words"), ("PASSWORD", PASSWORD)])
            .await
            .unwrap_err();
    let expected = invalid("USER_PASSWORD_AUTH flow not enabled for this client");
    assert_eq!(refusal(password.as_service_error().unwrap()), expected);

    let admin = admin_initiate(
        &pool,
        &defaults,
        AuthFlowType::AdminUserPasswordAuth,
        &[("USERNAME", "words"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(admin.as_service_error().unwrap()), invalid("Auth flow not enabled for this client"));

    let hash = initiate(
        &pool,
        &password_only,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", "words"), ("PASSWORD", PASSWORD), ("SECRET_HASH", "bm90IGEgaGFzaA==")],
    )
    .await
    .unwrap_err();
    let expected =
        invalid(&format!("App client {password_only} is not configured for secret but secret hash was received"));
    assert_eq!(refusal(hash.as_service_error().unwrap()), expected);
}

/// Conformance: a challenge session is answered through the API that started it (AdminInitiateAuth
/// reference, Session: "Pass this session ID in the Session parameter of
/// AdminRespondToAuthChallenge"); the other API's answer is refused (NotAuthorizedException: the
/// reference gives no wording, and the crate reads only the type). moto shares the sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_admin_sessions_are_answered_by_the_admin_api() {
    need_emulator!();
    let pool = Pool::new(false).await;
    for name in ["admin-started", "public-started"] {
        pool.add_user_with_temporary_password(name, "Temp-Passw0rd!").await;
    }
    let admin_started = admin_initiate(
        &pool,
        &pool.client_id,
        AuthFlowType::AdminUserPasswordAuth,
        &[("USERNAME", "admin-started"), ("PASSWORD", "Temp-Passw0rd!")],
    )
    .await
    .unwrap();
    let public_started = initiate(
        &pool,
        &pool.client_id,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", "public-started"), ("PASSWORD", "Temp-Passw0rd!")],
    )
    .await
    .unwrap();
    let public = |session: &str, user: &str| {
        (pool.admin.respond_to_auth_challenge())
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", user)
            .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
            .send()
    };
    let admin = |session: &str, user: &str| {
        (pool.admin.admin_respond_to_auth_challenge())
            .user_pool_id(&pool.pool_id)
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", user)
            .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
            .send()
    };
    let (admin_session, public_session) = (admin_started.session().unwrap(), public_started.session().unwrap());
    let refused = public(admin_session, "admin-started").await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.code()), Some("NotAuthorizedException"));
    let refused = admin(public_session, "public-started").await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.code()), Some("NotAuthorizedException"));
    let signed_in = admin(admin_session, "admin-started").await.expect("its own API answers it");
    assert!(signed_in.authentication_result().is_some());
    let signed_in = public(public_session, "public-started").await.expect("its own API answers it");
    assert!(signed_in.authentication_result().is_some());
}

/// Conformance: a challenge session answers the challenge it was issued for, for the user it was
/// issued to (RespondToAuthChallenge reference: the Session is the previous call's, with its
/// ChallengeName). moto signs in whoever the answer's USERNAME names, under any challenge name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_challenge_sessions_are_bound_to_their_user_and_challenge() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user_with_temporary_password("bound", "Temp-Passw0rd!").await;
    pool.add_user("bystander", PASSWORD, &[]).await;
    let started = initiate(
        &pool,
        &pool.client_id,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", "bound"), ("PASSWORD", "Temp-Passw0rd!")],
    )
    .await
    .unwrap();
    let session = started.session().unwrap();
    let answer = |name: ChallengeNameType, user: &str, field: &str, value: &str| {
        (pool.admin.respond_to_auth_challenge())
            .client_id(&pool.client_id)
            .challenge_name(name)
            .session(session)
            .challenge_responses("USERNAME", user)
            .challenge_responses(field, value)
            .send()
    };
    let code = |e: &aws_sdk_cognitoidentityprovider::error::SdkError<_, _>| {
        e.as_service_error().and_then(ProvideErrorMetadata::code).map(str::to_owned)
    };
    let other_challenge = answer(ChallengeNameType::SoftwareTokenMfa, "bound", "SOFTWARE_TOKEN_MFA_CODE", "123456");
    let refused = other_challenge.await.unwrap_err();
    assert_eq!(code(&refused).as_deref(), Some("NotAuthorizedException"), "another challenge name");
    let other_user = answer(ChallengeNameType::NewPasswordRequired, "bystander", "NEW_PASSWORD", "N3w-Passw0rd!");
    let refused = other_user.await.unwrap_err();
    assert_eq!(code(&refused).as_deref(), Some("NotAuthorizedException"), "another user");
    let right = answer(ChallengeNameType::NewPasswordRequired, "bound", "NEW_PASSWORD", "N3w-Passw0rd!");
    let signed_in = right.await.expect("the challenge it was issued for, by its user");
    let access = signed_in.authentication_result().and_then(|r| r.access_token()).unwrap();
    let me = pool.admin.get_user().access_token(access).send().await.unwrap();
    assert_eq!(me.username(), "bound");
}

/// Conformance: with PreventUserExistenceErrors ENABLED (developer guide, "Managing error
/// responses") an unknown user is answered as a wrong password: NotAuthorizedException in the
/// password flows, and in SRP a simulated PASSWORD_VERIFIER challenge whose answer is refused.
/// moto answers UserNotFoundException whatever the setting. The crate reads both as
/// InvalidCredentials, in every flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_hides_unknown_users_when_told_to() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("known", PASSWORD, &[]).await;
    pool.update_client(|u| u.prevent_user_existence_errors(cip_types::PreventUserExistenceErrorTypes::Enabled)).await;

    let password = initiate(
        &pool,
        &pool.client_id,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", "nobody"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap_err();
    assert_eq!(password.as_service_error().and_then(ProvideErrorMetadata::code), Some("NotAuthorizedException"));
    let srp =
        initiate(&pool, &pool.client_id, AuthFlowType::UserSrpAuth, &[("USERNAME", "nobody"), ("SRP_A", "abc123")])
            .await
            .expect("a simulated challenge, as for a known user");
    assert_eq!(srp.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
    let params = srp.challenge_parameters().unwrap();
    for name in ["SALT", "SECRET_BLOCK", "SRP_B", "USER_ID_FOR_SRP"] {
        assert!(params.get(name).is_some_and(|v| !v.is_empty()), "{name}: {params:?}");
    }

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let unknown = cognito.login("nobody", PASSWORD).await.unwrap_err();
        assert!(matches!(unknown, Error::InvalidCredentials), "{flow}: {unknown:?}");
        let wrong = cognito.login("known", "Wr0ng-Passw0rd!").await.unwrap_err();
        assert!(matches!(wrong, Error::InvalidCredentials), "{flow}: {wrong:?}");
        cognito.login("known", PASSWORD).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));
    }
}

/// Conformance: AssociateSoftwareToken gives every user a secret of their own (its reference: it
/// "generates a secret key for the user"; Cognito's are 32 base32 characters), and a code of one
/// user's secret does not enrol another. moto gives every user the same secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticators_secret_is_the_users_own() {
    need_emulator!();
    let pool = Pool::new(false).await;
    let mut access = Vec::new();
    for name in ["ann", "ben"] {
        pool.add_user(name, PASSWORD, &[]).await;
        let signed_in = admin_initiate(
            &pool,
            &pool.client_id,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", name), ("PASSWORD", PASSWORD)],
        )
        .await
        .unwrap();
        access.push(signed_in.authentication_result().unwrap().access_token().unwrap().to_owned());
    }
    let ann = pool.enable_totp(&access[0]).await;
    let associated = pool.admin.associate_software_token().access_token(&access[1]).send().await.unwrap();
    let ben_secret = associated.secret_code().unwrap().to_owned();
    assert_eq!(ben_secret.len(), 32, "{ben_secret}");
    assert_ne!(ann.secret(), ben_secret, "a secret of their own");
    let anns_code = common::Authenticator::new(ann.secret()).code().await;
    let verify = |code: String| pool.admin.verify_software_token().access_token(&access[1]).user_code(code).send();
    let refused = verify(anns_code).await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(ProvideErrorMetadata::code), Some("CodeMismatchException"));
    let bens_code = common::Authenticator::new(&ben_secret).code().await;
    verify(bens_code).await.expect("the user's own code enrols them");
}

/// Conformance: with MFA required (MfaConfiguration ON) a password flow asks a user without a
/// factor to enrol one (MFA_SETUP), as SRP does, and hands out no tokens (developer guide,
/// "Adding MFA to a user pool"; InitiateAuth and AdminInitiateAuth reference, ChallengeName
/// MFA_SETUP). moto hands out tokens in the password flows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_requires_mfa_in_every_flow() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("unenrolled", PASSWORD, &[]).await;
    pool.require_totp().await;
    let credentials = [("USERNAME", "unenrolled"), ("PASSWORD", PASSWORD)];
    let public = initiate(&pool, &pool.client_id, AuthFlowType::UserPasswordAuth, &credentials).await.unwrap();
    let admin =
        admin_initiate(&pool, &pool.client_id, AuthFlowType::AdminUserPasswordAuth, &credentials).await.unwrap();
    for (flow, challenge, tokens, params) in [
        ("USER_PASSWORD_AUTH", public.challenge_name(), public.authentication_result(), public.challenge_parameters()),
        (
            "ADMIN_USER_PASSWORD_AUTH",
            admin.challenge_name(),
            admin.authentication_result(),
            admin.challenge_parameters(),
        ),
    ] {
        assert_eq!(challenge, Some(&ChallengeNameType::MfaSetup), "{flow}");
        assert!(tokens.is_none(), "{flow}: no tokens before the enrolment");
        assert_eq!(params.and_then(|p| p.get("MFAS_CAN_SETUP")).map(String::as_str), Some(r#"["SOFTWARE_TOKEN_MFA"]"#));
    }
}

/// Conformance: a challenge session lapses AuthSessionValidity after it was issued (3 minutes
/// unless the app client sets it; CreateUserPoolClient reference), the PASSWORD_VERIFIER's
/// included: an answer after it is NotAuthorizedException, however right. moto's sessions never
/// lapse. The pool's clock is moved on (the emulator's POST /_emulator/clock). The crate reads
/// the refusal as an expired session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_challenge_sessions_lapse_after_their_validity() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("prover", PASSWORD, &[]).await;
    for name in ["early", "late", "crate"] {
        pool.add_user_with_temporary_password(name, "Temp-Passw0rd!").await;
    }
    let temporary = |name: &'static str| {
        let pool = &pool;
        async move {
            let parameters = [("USERNAME", name), ("PASSWORD", "Temp-Passw0rd!")];
            initiate(pool, &pool.client_id, AuthFlowType::UserPasswordAuth, &parameters).await
        }
    };
    let new_password = |session: String, name: &'static str| {
        let call = pool.admin.respond_to_auth_challenge().client_id(&pool.client_id).session(session);
        let call = call.challenge_name(ChallengeNameType::NewPasswordRequired).challenge_responses("USERNAME", name);
        call.challenge_responses("NEW_PASSWORD", "Chosen-Passw0rd!").send()
    };
    let prove = |srp: &rocket_warrant::testing::SrpSteps, verifier: &InitiateAuthOutput| {
        let params = verifier.challenge_parameters().unwrap();
        let (signature, timestamp) = srp.answer(PASSWORD, params).expect("a well-formed challenge");
        let call = pool.admin.respond_to_auth_challenge().client_id(&pool.client_id);
        let call = call.challenge_name(ChallengeNameType::PasswordVerifier).session(verifier.session().unwrap());
        let call = call.challenge_responses("USERNAME", "prover").challenge_responses("TIMESTAMP", timestamp);
        let call = call.challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", params["SECRET_BLOCK"].clone());
        call.challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature).send()
    };
    let verify = |srp: &rocket_warrant::testing::SrpSteps| {
        let srp_a = srp.srp_a();
        let pool = &pool;
        async move {
            let parameters = [("USERNAME", "prover"), ("SRP_A", srp_a.as_str())];
            initiate(pool, &pool.client_id, AuthFlowType::UserSrpAuth, &parameters).await.unwrap()
        }
    };
    let early = temporary("early").await.unwrap().session.unwrap();
    let late = temporary("late").await.unwrap().session.unwrap();
    let srp = rocket_warrant::testing::SrpSteps::new(&pool.pool_id).unwrap();
    let verifier = verify(&srp).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let pending = match cognito.login("crate", "Temp-Passw0rd!").await {
        Err(Error::ChallengeRequired(pending)) => pending,
        other => panic!("{other:?}"),
    };

    pool.advance_clock(170).await;
    new_password(early, "early").await.expect("within three minutes");
    pool.advance_clock(11).await;
    let lapsed = new_password(late, "late").await.unwrap_err();
    assert_eq!(lapsed.as_service_error().and_then(ProvideErrorMetadata::code), Some("NotAuthorizedException"));
    let lapsed = prove(&srp, &verifier).await.unwrap_err();
    assert_eq!(lapsed.as_service_error().and_then(ProvideErrorMetadata::code), Some("NotAuthorizedException"));
    let err = cognito.answer(&pending, Answer::NewPassword("Chosen-Passw0rd!")).await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired), "{err:?}");
    // The same proof on a fresh challenge signs in: the refusal was the deadline's.
    let srp = rocket_warrant::testing::SrpSteps::new(&pool.pool_id).unwrap();
    let fresh = verify(&srp).await;
    assert!(prove(&srp, &fresh).await.expect("a fresh challenge").authentication_result.is_some());
}

/// Conformance: GetUser and the ID token carry the attributes the app client may read
/// (CreateUserPoolClient reference, ReadAttributes: without them "the Standard attributes",
/// email_verified and phone_number_verified; with them, those listed). moto gives every client
/// every custom attribute. The crate signed in through a client that may not read
/// custom:api_key leaves its column empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_reads_only_what_the_client_may() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("reader", PASSWORD, &dw_attributes()).await;
    let plain = (pool.admin.create_user_pool_client())
        .user_pool_id(&pool.pool_id)
        .client_name("no-read-attributes")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let credentials = [("USERNAME", "reader"), ("PASSWORD", PASSWORD)];
    for (client_id, reads_custom) in [(pool.client_id.as_str(), true), (plain.as_str(), false)] {
        let signed_in = initiate(&pool, client_id, AuthFlowType::UserPasswordAuth, &credentials).await.unwrap();
        let tokens = signed_in.authentication_result().unwrap();
        let claims = common::claims_of(tokens.id_token().unwrap());
        assert_eq!(claims["email"], "test@email.com", "{client_id}");
        assert_eq!(claims.get("custom:api_key").is_some(), reads_custom, "{client_id}: {claims}");
        let user = pool.admin.get_user().access_token(tokens.access_token().unwrap()).send().await.unwrap();
        let names: Vec<&str> = user.user_attributes().iter().map(|a| a.name()).collect();
        assert!(names.contains(&"email") && names.contains(&"sub"), "{client_id}: {names:?}");
        assert_eq!(names.contains(&"custom:api_key"), reads_custom, "{client_id}: {names:?}");
    }

    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) =
        ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "app_client_id": plain }))).await;
    let user = cognito.login("reader", PASSWORD).await.unwrap().user.unwrap();
    assert_eq!(user.email.as_deref(), Some("test@email.com"));
    assert_eq!(user.field("api_key"), None, "the client may not read it");
}

/// InitiateAuth straight to the emulator, for its conformance tests.
async fn initiate(
    pool: &Pool,
    client_id: &str,
    flow: AuthFlowType,
    parameters: &[(&str, &str)],
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    let mut call = pool.admin.initiate_auth().client_id(client_id).auth_flow(flow);
    for (name, value) in parameters {
        call = call.auth_parameters(*name, *value);
    }
    call.send().await
}

/// AdminInitiateAuth straight to the emulator, for its conformance tests.
async fn admin_initiate(
    pool: &Pool,
    client_id: &str,
    flow: AuthFlowType,
    parameters: &[(&str, &str)],
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthError,
    >,
> {
    let mut call = pool.admin.admin_initiate_auth().user_pool_id(&pool.pool_id).client_id(client_id).auth_flow(flow);
    for (name, value) in parameters {
        call = call.auth_parameters(*name, *value);
    }
    call.send().await
}

/// EMAIL_OTP as a second factor, and SELECT_MFA_TYPE when a user has several and prefers none,
/// in every flow. Conformance as well: the emulator mails the code (CODE_DELIVERY_DESTINATION
/// masked) and offers the factors in MFAS_CAN_CHOOSE, as the RespondToAuthChallenge reference
/// has them; moto knows neither (its pools drop EmailMfaConfiguration).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_code_and_a_choice_of_factor_complete_the_login() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.offer_email_mfa().await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let (mailed, chooser) = (format!("mailed.{flow}"), format!("chooser.{flow}"));
        let verified = [("email", "me@example.com"), ("email_verified", "true"), ("phone_number", "+15555550199")];
        for (name, sms) in [(&mailed, false), (&chooser, true)] {
            pool.add_user(name, PASSWORD, &verified).await;
            pool.set_factors(name, sms, true).await;
        }

        let pending = match cognito.login(&mailed, PASSWORD).await {
            Err(Error::ChallengeRequired(pending)) => pending,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(pending.challenge(), &Challenge::EmailOtp, "{flow}");
        assert_eq!(pending.destination(), Some("m***@e***"), "{flow}");
        let code = pool.newest_code(&mailed, "mfa").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(matches!(cognito.answer(&pending, Answer::Code(wrong)).await, Err(Error::WrongCode)), "{flow}");
        cognito.answer(&pending, Answer::Code(&code)).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));

        let pending = match cognito.login(&chooser, PASSWORD).await {
            Err(Error::ChallengeRequired(pending)) => pending,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(pending.challenge(), &Challenge::SelectMfaType, "{flow}");
        assert_eq!(pending.options(), ["SMS_MFA", "EMAIL_OTP"], "{flow}");
        for not_offered in [Answer::Code("123456"), Answer::Choose("SOFTWARE_TOKEN_MFA")] {
            let err = cognito.answer(&pending, not_offered).await.unwrap_err();
            assert!(matches!(err, Error::WrongAnswer { .. }), "{flow}: {err:?}");
        }
        let next = match cognito.answer(&pending, Answer::Choose("EMAIL_OTP")).await {
            Err(Error::ChallengeRequired(next)) => next,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(next.challenge(), &Challenge::EmailOtp, "{flow}");
        let login = cognito.answer(&next, Answer::Code(&pool.newest_code(&chooser, "mfa").await)).await.unwrap();
        assert_eq!(login.user.unwrap().username, chooser, "{flow}");

        // A temporary password replaced: the second factor is asked for next, not skipped.
        let newcomer = format!("newcomer.{flow}");
        pool.add_user_with_temporary_password(&newcomer, "Temp-Passw0rd!").await;
        pool.set_factors(&newcomer, false, true).await;
        let update = pool.admin.admin_update_user_attributes().user_pool_id(&pool.pool_id).username(&newcomer);
        let email =
            |name: &str, value: &str| cip_types::AttributeType::builder().name(name).value(value).build().unwrap();
        update
            .user_attributes(email("email", "new@example.com"))
            .user_attributes(email("email_verified", "true"))
            .send()
            .await
            .unwrap();
        let pending = match cognito.login(&newcomer, "Temp-Passw0rd!").await {
            Err(Error::ChallengeRequired(pending)) => pending,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(pending.challenge(), &Challenge::NewPasswordRequired, "{flow}");
        let next = match cognito.answer(&pending, Answer::NewPassword("Chosen-Passw0rd!")).await {
            Err(Error::ChallengeRequired(next)) => next,
            other => panic!("{flow}: the email code is still due: {other:?}"),
        };
        assert_eq!(next.challenge(), &Challenge::EmailOtp, "{flow}");
        let code = pool.newest_code(&newcomer, "mfa").await;
        cognito.answer(&next, Answer::Code(&code)).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));
    }
}

/// USER_AUTH, choice-based sign-in: a password proved by SRP, and without one a choice among
/// the first factors the pool allows: a mailed code, a texted code, or the password. With and
/// without a client secret. Conformance as well: SELECT_CHALLENGE lists the factors in the
/// answer's AvailableChallenges and each answer starts its factor, as the InitiateAuth and RespondToAuthChallenge references have
/// them; moto has no USER_AUTH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_auth_signs_in_with_each_first_factor() {
    need_emulator!();
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for secret in [false, true] {
        let pool = Pool::new(secret).await;
        pool.update_client(|u| u.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)).await;
        let factors = cip_types::SignInPolicyType::builder()
            .allowed_first_auth_factors(cip_types::AuthFactorType::Password)
            .allowed_first_auth_factors(cip_types::AuthFactorType::EmailOtp)
            .allowed_first_auth_factors(cip_types::AuthFactorType::SmsOtp)
            .build();
        let policies = cip_types::UserPoolPolicyType::builder().sign_in_policy(factors).build();
        pool.admin.update_user_pool().user_pool_id(&pool.pool_id).policies(policies).send().await.unwrap();
        let contact = [
            ("email", "free@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15555550177"),
            ("phone_number_verified", "true"),
        ];
        let name = format!("passwordless-{secret}");
        pool.add_user(&name, PASSWORD, &contact).await;
        let (_rocket, srp) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
        let refused = srp.start_sign_in(&name).await.unwrap_err();
        assert!(matches!(&refused, Error::Misconfigured(e) if e.setting() == Some("auth_flow")), "{refused:?}");
        let settings = with(pool.settings(), json!({ "auth_flow": "user_auth" }));
        let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings).await;

        // A password, proved by SRP within USER_AUTH.
        cognito.login(&name, PASSWORD).await.unwrap_or_else(|e| panic!("{secret}: {e:?}"));
        assert!(matches!(cognito.login(&name, "Wr0ng-Passw0rd!").await, Err(Error::InvalidCredentials)));

        let choice = || async {
            match cognito.start_sign_in(&name).await {
                Err(Error::ChallengeRequired(pending)) => pending,
                other => panic!("{secret}: {other:?}"),
            }
        };
        let pending = choice().await;
        assert_eq!(pending.challenge(), &Challenge::SelectChallenge);
        assert_eq!(pending.options(), ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"], "{secret}");
        let err = cognito.answer(&pending, Answer::Choose("WEB_AUTHN")).await.unwrap_err();
        assert!(matches!(err, Error::WrongAnswer { .. }), "not offered: {err:?}");
        // A mailed code.
        let code_step = match cognito.answer(&pending, Answer::Choose("EMAIL_OTP")).await {
            Err(Error::ChallengeRequired(next)) => next,
            other => panic!("{secret}: {other:?}"),
        };
        assert_eq!((code_step.challenge(), code_step.destination()), (&Challenge::EmailOtp, Some("f***@e***")));
        let code = pool.newest_code(&name, "mfa").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(matches!(cognito.answer(&code_step, Answer::Code(wrong)).await, Err(Error::WrongCode)));
        let login = cognito.answer(&code_step, Answer::Code(&code)).await.expect("the mailed code signs in");
        assert_eq!(login.user.unwrap().username, name);
        // A texted code.
        let code_step = match cognito.answer(&choice().await, Answer::Choose("SMS_OTP")).await {
            Err(Error::ChallengeRequired(next)) => next,
            other => panic!("{secret}: {other:?}"),
        };
        assert_eq!((code_step.challenge(), code_step.destination()), (&Challenge::SmsOtp, Some("+*******0177")));
        let text = pool.texts(&name).await.pop().expect("a text");
        cognito.answer(&code_step, Answer::Code(&text)).await.expect("the texted code signs in");
        // The password, chosen.
        let wrong = cognito.answer(&choice().await, Answer::Password("Wr0ng-Passw0rd!")).await.unwrap_err();
        assert!(matches!(wrong, Error::InvalidCredentials), "{wrong:?}");
        cognito.answer(&choice().await, Answer::Password(PASSWORD)).await.expect("the password signs in");
        // A choice left past the session's three minutes has lapsed: not a wrong password.
        let late = choice().await;
        pool.advance_clock(181).await;
        let lapsed = cognito.answer(&late, Answer::Password(PASSWORD)).await.unwrap_err();
        assert!(matches!(lapsed, Error::SessionExpired), "{lapsed:?}");
    }
    // A passkey challenge takes a passkey's answer, nothing else (tests/passkeys.rs signs in).
    let passkey: rocket_warrant::PendingChallenge =
        serde_json::from_str(r#"{"challenge":"WEB_AUTHN","username":"p","session":"s"}"#).unwrap();
    assert_eq!(passkey.challenge(), &Challenge::WebAuthn);
    let url2 = common::database_url(StoreKind::Sqlite).await.unwrap();
    let pool = Pool::new(false).await;
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url2, pool.settings()).await;
    let err = cognito.answer(&passkey, Answer::Code("123456")).await.unwrap_err();
    assert!(matches!(err, Error::WrongAnswer { challenge: Challenge::WebAuthn, .. }), "{err:?}");
}

/// A USER_AUTH choice through the admin client: InitiateAuth without a preferred factor.
async fn choose_first_factor(pool: &Pool, username: &str) -> InitiateAuthOutput {
    initiate(pool, &pool.client_id, AuthFlowType::UserAuth, &[("USERNAME", username)])
        .await
        .unwrap_or_else(|e| panic!("{username}: {:?}", e.as_service_error()))
}

/// Conformance (review B8, B14): SELECT_CHALLENGE lists the first factors in the answer's
/// top-level `AvailableChallenges` (InitiateAuth reference: "Amazon Cognito responds with the
/// AvailableChallenges parameter"; Amplify's signInWithUserAuth reads
/// `response.AvailableChallenges`), and no challenge parameter of another name. With
/// PreventUserExistenceErrors an unknown user's choice looks like a known user's with a password
/// alone (developer guide, "Managing error responses"): the same parameters and factors, and
/// the password refused in the same words. The emulator of before listed an invented
/// `AVAILABLE_CHALLENGES` parameter, and told an unknown user apart (no USERNAME, an
/// unregistered session: "Invalid session").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_lists_first_factors_in_available_challenges_and_hides_unknown_users_alike() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.update_client(|u| {
        u.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .prevent_user_existence_errors(cip_types::PreventUserExistenceErrorTypes::Enabled)
    })
    .await;
    pool.add_user("known", PASSWORD, &[]).await;

    let known = choose_first_factor(&pool, "known").await;
    assert_eq!(known.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert_eq!(known.available_challenges(), [ChallengeNameType::Password, ChallengeNameType::PasswordSrp]);
    let params = known.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(params.keys().collect::<Vec<_>>(), ["USERNAME"], "{params:?}");

    let unknown = choose_first_factor(&pool, "nobody").await;
    assert_eq!(unknown.challenge_name(), known.challenge_name());
    assert_eq!(unknown.available_challenges(), known.available_challenges());
    let unknown_params = unknown.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(unknown_params.keys().collect::<Vec<_>>(), ["USERNAME"], "{unknown_params:?}");

    // The password chosen: refused in the same words for both.
    for (name, answer) in [("known", &known), ("nobody", &unknown)] {
        let refused = (pool.admin.respond_to_auth_challenge())
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::SelectChallenge)
            .session(answer.session().unwrap())
            .challenge_responses("USERNAME", name)
            .challenge_responses("ANSWER", "PASSWORD")
            .challenge_responses("PASSWORD", "Wr0ng-Passw0rd!")
            .send()
            .await
            .unwrap_err();
        let refused = refused.as_service_error().unwrap();
        assert_eq!(refused.code(), Some("NotAuthorizedException"), "{name}");
        assert_eq!(refused.message(), Some("Incorrect username or password."), "{name}");
    }
    // SRP chosen at once: a PASSWORD_VERIFIER for both.
    for name in ["known", "nobody"] {
        let srp = rocket_warrant::testing::SrpSteps::new(&pool.pool_id).unwrap();
        let parameters = [("USERNAME", name), ("PREFERRED_CHALLENGE", "PASSWORD_SRP"), ("SRP_A", &srp.srp_a())];
        let verifier = initiate(&pool, &pool.client_id, AuthFlowType::UserAuth, &parameters).await.unwrap();
        assert_eq!(verifier.challenge_name(), Some(&ChallengeNameType::PasswordVerifier), "{name}");
    }
}

/// SMS MFA in a pool that requires MFA, after SRP as after a password (issue 42, item 5): a user
/// with a verified phone and SMS MFA enabled and preferred is asked for the texted code in every
/// flow, SRP (the crate's default) included, and signs in with it. The emulator of before
/// answered SRP's PASSWORD_VERIFIER with MFA_SETUP (`MFAS_CAN_SETUP: ["SMS_MFA"]`), as moto
/// does, which no client can get past; Cognito asks every flow for the user's factor
/// (developer guide, "Adding MFA to a user pool").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_mfa_follows_srp_as_every_flow() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.require_sms_mfa().await;
    let phone = [("phone_number", "+15555550142"), ("phone_number_verified", "true")];
    pool.add_user("texted", PASSWORD, &phone).await;
    pool.enable_sms_mfa("texted").await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    for flow in ["user_srp", "user_password", "admin_user_password"] {
        let (_rocket, cognito) =
            ignite(StoreKind::Sqlite, &url, with(pool.settings(), json!({ "auth_flow": flow }))).await;
        let pending = match cognito.login("texted", PASSWORD).await {
            Err(Error::ChallengeRequired(pending)) => pending,
            other => panic!("{flow}: {other:?}"),
        };
        assert_eq!(pending.challenge(), &Challenge::SmsMfa, "{flow}");
        assert_eq!(pending.destination(), Some("+*******0142"), "{flow}");
        let code = pool.texts("texted").await.pop().expect("a text");
        let login = cognito.answer(&pending, Answer::Code(&code)).await.unwrap_or_else(|e| panic!("{flow}: {e:?}"));
        assert_eq!(login.user.unwrap().username, "texted", "{flow}");
    }
}

/// Conformance (review B4, B7, B11): a pool's feature plan. A new pool is on Essentials and its
/// only first factor is the password (CreateUserPool reference, UserPoolTier "Defaults to
/// ESSENTIALS"); the password is always among the first factors (CDK's AllowedFirstAuthFactors:
/// "must be true"). On Lite, USER_AUTH, other first factors and email MFA are refused with
/// FeatureUnavailableInTierException (InitiateAuth, SignInPolicyType and EmailMfaConfigType
/// references), and email MFA needs the pool's email sent by Amazon SES
/// (aws-amplify/amplify-js#14067). The emulator of before had no plans and kept any setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_models_the_feature_plan() {
    need_emulator!();
    let code = |e: &dyn ProvideErrorMetadata| e.code().map(str::to_owned);
    let pool = Pool::new(false).await;
    let described = pool.admin.describe_user_pool().user_pool_id(&pool.pool_id).send().await.unwrap();
    let described = described.user_pool.unwrap();
    assert_eq!(described.user_pool_tier, Some(cip_types::UserPoolTierType::Essentials));
    let factors = described.policies.and_then(|p| p.sign_in_policy).and_then(|p| p.allowed_first_auth_factors);
    assert_eq!(factors, Some(vec![cip_types::AuthFactorType::Password]));

    let policy = |factors: &[cip_types::AuthFactorType]| {
        let mut policy = cip_types::SignInPolicyType::builder();
        for factor in factors {
            policy = policy.allowed_first_auth_factors(factor.clone());
        }
        cip_types::UserPoolPolicyType::builder().sign_in_policy(policy.build()).build()
    };
    let update = || pool.admin.update_user_pool().user_pool_id(&pool.pool_id);
    let no_password = update().policies(policy(&[cip_types::AuthFactorType::EmailOtp])).send().await.unwrap_err();
    assert_eq!(code(no_password.as_service_error().unwrap()).as_deref(), Some("InvalidParameterException"));
    // Email MFA without SES.
    let email = cip_types::EmailMfaConfigType::builder().message("{####}").build();
    let mfa = || {
        let token = cip_types::SoftwareTokenMfaConfigType::builder().enabled(true).build();
        (pool.admin.set_user_pool_mfa_config())
            .user_pool_id(&pool.pool_id)
            .mfa_configuration(cip_types::UserPoolMfaType::Optional)
            .software_token_mfa_configuration(token)
            .email_mfa_configuration(email.clone())
    };
    let no_ses = mfa().send().await.unwrap_err();
    assert_eq!(code(no_ses.as_service_error().unwrap()).as_deref(), Some("InvalidParameterException"));

    // On Lite.
    update().user_pool_tier(cip_types::UserPoolTierType::Lite).send().await.unwrap();
    let mailed = policy(&[cip_types::AuthFactorType::Password, cip_types::AuthFactorType::EmailOtp]);
    let refused = update().user_pool_tier(cip_types::UserPoolTierType::Lite).policies(mailed).send().await;
    let refused = refused.unwrap_err();
    assert_eq!(code(refused.as_service_error().unwrap()).as_deref(), Some("FeatureUnavailableInTierException"));
    let refused = mfa().send().await.unwrap_err();
    assert_eq!(code(refused.as_service_error().unwrap()).as_deref(), Some("FeatureUnavailableInTierException"));
    pool.update_client(|u| u.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)).await;
    pool.add_user("lite", PASSWORD, &[]).await;
    let refused = initiate(&pool, &pool.client_id, AuthFlowType::UserAuth, &[("USERNAME", "lite")]).await;
    let refused = refused.unwrap_err();
    assert_eq!(code(refused.as_service_error().unwrap()).as_deref(), Some("FeatureUnavailableInTierException"));
}

/// `auth_flow = "user_auth"` needs the Essentials plan (review B7; issue 42, item 6): launch
/// reads the pool's plan (DescribeUserPool's UserPoolTier) and stops on Lite; a pool moved to
/// Lite after launch gets FeatureUnavailableInTierException at the sign-in, which the crate reads
/// by its type as misconfiguration naming the setting and the plan (before: a generic Cognito
/// error, a 502).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_auth_on_a_pool_below_essentials_is_misconfiguration_naming_the_plan() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.update_client(|u| u.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)).await;
    pool.add_user("planned", PASSWORD, &[("email", "planned@example.com"), ("email_verified", "true")]).await;
    let mailed = cip_types::SignInPolicyType::builder()
        .allowed_first_auth_factors(cip_types::AuthFactorType::Password)
        .allowed_first_auth_factors(cip_types::AuthFactorType::EmailOtp)
        .build();
    let policies = cip_types::UserPoolPolicyType::builder().sign_in_policy(mailed).build();
    pool.admin.update_user_pool().user_pool_id(&pool.pool_id).policies(policies).send().await.unwrap();
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let settings = with(pool.settings(), json!({ "auth_flow": "user_auth" }));
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, settings.clone()).await;

    let lite =
        pool.admin.update_user_pool().user_pool_id(&pool.pool_id).user_pool_tier(cip_types::UserPoolTierType::Lite);
    lite.send().await.unwrap();
    let err = cognito.start_sign_in("planned").await.unwrap_err();
    let Error::Misconfigured(service) = &err else { panic!("{err:?}") };
    assert_eq!(service.code(), Some("FeatureUnavailableInTierException"));
    assert_eq!(service.setting(), Some("auth_flow"));
    assert!(err.to_string().contains("Essentials"), "{err}");
    assert!(common::launch_stops(StoreKind::Sqlite, &url, settings).await, "launch stops on Lite");
}

/// Conformance (review B3): an email MFA code lives as long as its sign-in's session, the app
/// client's AuthSessionValidity (developer guide: the code "is valid for the Authentication flow
/// session duration", 3 to 15 minutes): with ten minutes, a code entered after five signs in.
/// The emulator of before let it lapse after three minutes whatever the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_code_lives_as_long_as_its_session() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.offer_email_mfa().await;
    pool.update_client(|u| u.auth_session_validity(10)).await;
    pool.add_user("patient", PASSWORD, &[("email", "patient@example.com"), ("email_verified", "true")]).await;
    pool.set_factors("patient", false, true).await;
    let url = common::database_url(StoreKind::Sqlite).await.unwrap();
    let (_rocket, cognito) = ignite(StoreKind::Sqlite, &url, pool.settings()).await;
    let pending = match cognito.login("patient", PASSWORD).await {
        Err(Error::ChallengeRequired(pending)) => pending,
        other => panic!("{other:?}"),
    };
    assert_eq!(pending.challenge(), &Challenge::EmailOtp);
    pool.advance_clock(5 * 60).await;
    let code = pool.newest_code("patient", "mfa").await;
    cognito.answer(&pending, Answer::Code(&code)).await.expect("within the session's ten minutes");
    let late = match cognito.login("patient", PASSWORD).await {
        Err(Error::ChallengeRequired(pending)) => pending,
        other => panic!("{other:?}"),
    };
    pool.advance_clock(10 * 60 + 1).await;
    let code = pool.newest_code("patient", "mfa").await;
    let lapsed = cognito.answer(&late, Answer::Code(&code)).await.unwrap_err();
    assert!(matches!(lapsed, Error::SessionExpired), "past the session: {lapsed:?}");
}
