//! session_key, the app secret, the signing key, codes and tokens never reach a response or a log line.

use integration_tests::{captured_logs, request, signing_keys, spawn_app};
use lambda_http::http::Method;
use serde_json::json;
use shared::identity::GetUserInfo;
use shared::identity::Login;
use tools::fake_wechat::session_key_for;

#[tokio::test]
async fn secrets_appear_in_no_response_and_no_log_line() {
    let app = spawn_app().await;
    let name = app.new_user_name("secret");
    let code = format!("{name}.1");
    let login = app
        .call::<Login>(request(Method::POST, "/auth/login").json(&json!({ "code": code })))
        .await;
    assert_eq!(login.status, 200);
    let access = login.data()["accessToken"].as_str().unwrap().to_owned();
    let refresh = login.data()["refreshToken"].as_str().unwrap().to_owned();
    // Failures too: a reused code, a WeChat outage, a bad token.
    let reused = app
        .call::<Login>(request(Method::POST, "/auth/login").json(&json!({ "code": code })))
        .await;
    let busy_code = format!("{}.1", app.new_user_name("busy"));
    let busy = app
        .call::<Login>(request(Method::POST, "/auth/login").json(&json!({ "code": busy_code })))
        .await;
    let me = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(&access).build())
        .await;
    let bad = app
        .call::<GetUserInfo>(
            request(Method::GET, "/users/me")
                .bearer(&format!("{access}x"))
                .build(),
        )
        .await;
    assert_eq!(
        (reused.status, busy.status, me.status, bad.status),
        (400, 503, 200, 401)
    );

    let logs = captured_logs();
    let responses = [&login, &reused, &busy, &me, &bad]
        .map(|r| r.body.to_string())
        .join("\n");
    assert!(logs.contains(r#""function":"login""#), "the log capture works");
    assert!(logs.contains(r#""code":50301"#), "the outage was logged");
    let session_key = session_key_for(&code);
    for (what, secret) in [
        ("session_key", session_key.as_str()),
        ("app secret", app.wechat.secret.as_str()),
        ("JWT signing key", signing_keys().0.as_str()),
        ("login code", code.as_str()),
        ("busy login code", busy_code.as_str()),
        ("access token", access.as_str()),
        ("refresh token", refresh.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} is in a log line");
        if !what.ends_with("token") {
            assert!(!responses.contains(secret), "the {what} is in a response");
        }
    }
}

#[tokio::test]
async fn deployed_functions_read_their_secrets_from_ssm_at_cold_start() {
    let app = spawn_app().await;
    let ssm = aws_sdk_ssm::Client::new(&app.aws);
    let prefix = format!("/test/{}", shared::infra::crypto::random_id(6));
    for (name, value) in [
        ("jwt", signing_keys().0.as_str()),
        ("wechat", app.wechat.secret.as_str()),
    ] {
        ssm.put_parameter()
            .name(format!("{prefix}/{name}"))
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
    let env = app
        .env
        .clone()
        .without("JWT_SIGNING_KEY")
        .without("WECHAT_SECRET")
        .with("JWT_SIGNING_KEY_PARAMETER", format!("{prefix}/jwt"))
        .with("WECHAT_SECRET_PARAMETER", format!("{prefix}/wechat"));
    let startup = shared::runtime::startup::Startup::new(env.clone(), app.aws.clone())
        .with_dynamodb(app.dynamodb.clone());
    let login = shared::runtime::http::Adapter::<Login>::build(&startup)
        .await
        .expect("secrets load from SSM");

    let reply = integration_tests::call(
        &login,
        request(Method::POST, "/auth/login")
            .json(&json!({ "code": format!("{}.1", app.new_user_name("ssm")) })),
    )
    .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // The token was signed with the key from SSM: the test's copy of that key verifies it.
    let token = reply.data()["accessToken"].as_str().unwrap().to_owned();
    let me = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(&token).build())
        .await;
    assert_eq!(me.status, 200);

    let missing = env.with("JWT_SIGNING_KEY_PARAMETER", format!("{prefix}/absent"));
    let startup = shared::runtime::startup::Startup::new(missing, app.aws.clone());
    let err = shared::runtime::http::Adapter::<Login>::build(&startup)
        .await
        .err()
        .expect("a missing parameter stops the start");
    let message = err.to_string();
    assert!(
        message.contains("JWT_SIGNING_KEY") && message.contains(&format!("{prefix}/absent")),
        "{message}"
    );
}
