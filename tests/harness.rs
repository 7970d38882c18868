//! The emulator's own test hooks, which stand in for what no API call shows (a user's phone and
//! mailbox, a clock to move on): not Cognito's rules (those are the conformance tests beside the
//! crate's, named `emulator_*`) nor the crate's behaviour.

#[macro_use]
mod common;

use common::Pool;

const PASSWORD: &str = "Corr3ct-Horse!";

/// The emulator's own SMS outbox (not a Cognito rule: it stands in for the user's phone) keeps
/// the newest 256 texts, a phone's inbox, not a log that grows as long as a demo runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_sms_outbox_keeps_the_newest_texts_only() {
    need_emulator!();
    let pool = Pool::new(false).await;
    pool.add_user("chatty", PASSWORD, &[("phone_number", "+15555550199")]).await;
    pool.enable_sms_mfa("chatty").await;
    let sign_in = || {
        pool.admin
            .initiate_auth()
            .client_id(&pool.client_id)
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "chatty")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
    };
    for _ in 0..30 {
        let batch = futures::future::join_all((0..10).map(|_| sign_in())).await;
        assert!(batch.iter().all(|r| r.as_ref().is_ok_and(|out| out.challenge_name().is_some())), "{batch:?}");
    }
    let texts = pool.texts("chatty").await;
    assert_eq!(texts.len(), 256, "300 texts sent, the newest 256 kept");
    // The newest is the last sign-in's: it answers its challenge.
    let last = sign_in().await.unwrap();
    let code = pool.texts("chatty").await.pop().unwrap();
    pool.admin
        .respond_to_auth_challenge()
        .client_id(&pool.client_id)
        .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::SmsMfa)
        .set_session(last.session().map(str::to_owned))
        .challenge_responses("USERNAME", "chatty")
        .challenge_responses("SMS_MFA_CODE", code)
        .send()
        .await
        .expect("the newest text answers the newest challenge");
}
