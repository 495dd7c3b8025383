use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::{request, spawn_app};
use lambda_http::http::Method;
use serde_json::json;
use shared::identity::Login;
use shared::infra::store::keys;
use shared::infra::tokens::TokenVerifier;
use shared::runtime::config::{public_keys, token_settings};
use tools::fake_wechat::{openid_for, unionid_for};

fn login_request(code: &str) -> lambda_http::Request {
    request(Method::POST, "/auth/login").json(&json!({ "code": code }))
}

#[tokio::test]
async fn a_new_user_logs_in_and_gets_tokens_a_profile_and_a_session() {
    let app = spawn_app().await;
    let name = app.new_user_name("alice");

    let reply = app.call::<Login>(login_request(&format!("{name}.1"))).await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.code(), 0);
    assert_eq!(reply.body["message"], "ok");
    assert!(reply.body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    let data = reply.data();
    assert_eq!(data["isNewUser"], true);
    assert_eq!(data["expiresIn"], 7200);
    assert_eq!(data["refreshExpiresIn"], 7 * 24 * 3600);
    assert_eq!(data["user"]["openid"], openid_for(&name));
    assert!(data["user"].get("unionid").is_none());
    assert!(data["user"]["createdAt"].as_str().is_some());
    // The access token is ours: it verifies and names the user.
    let tokens = TokenVerifier::new(
        public_keys(&app.env).unwrap(),
        &token_settings(&app.env).unwrap(),
        app.clock.clone(),
    );
    let caller = tokens.verify(data["accessToken"].as_str().unwrap()).unwrap();
    assert_eq!(caller.openid.as_str(), openid_for(&name));
    // The session stores only the refresh token's hash.
    let refresh = data["refreshToken"].as_str().unwrap();
    let (session_id, secret) = refresh.split_once('.').unwrap();
    assert_eq!(session_id, caller.session_id.as_str());
    let session = app
        .dynamodb
        .get_item()
        .table_name(&app.table)
        .key(keys::attr::PK, AttributeValue::S(keys::session(session_id).pk))
        .key(keys::attr::SK, AttributeValue::S(keys::session(session_id).sk))
        .send()
        .await
        .unwrap()
        .item
        .expect("the session item exists");
    let stored = format!("{session:?}");
    assert!(!stored.contains(secret), "the refresh secret itself is stored");
    assert_eq!(
        session[keys::field::session::REFRESH_HASH].as_s().unwrap(),
        &shared::infra::tokens::hash_refresh_secret(secret)
    );
    assert!(session[keys::attr::TTL].as_n().is_ok());
}

#[tokio::test]
async fn login_costs_five_dynamodb_calls_in_three_round_trips_the_rate_counts_included() {
    let app = spawn_app().await;
    let function = app.function::<Login>().await;
    app.take_round_trips();

    let reply = integration_tests::call(
        &function,
        login_request(&format!("{}.1", app.new_user_name("rt"))),
    )
    .await;

    assert_eq!(reply.status, 200);
    assert_eq!(
        app.take_round_trips(),
        5,
        "the per-IP count, the address's failures read, then the user's count, the user upsert \
         and the session put together"
    );
}

#[tokio::test]
async fn a_returning_user_with_a_fresh_code_gets_the_same_openid_and_is_not_new() {
    let app = spawn_app().await;
    let name = app.new_user_name("bob");
    let first = app.call::<Login>(login_request(&format!("{name}.1"))).await;

    let second = app.call::<Login>(login_request(&format!("{name}.2"))).await;

    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(second.data()["isNewUser"], false);
    assert_eq!(second.data()["user"]["openid"], first.data()["user"]["openid"]);
    assert_eq!(
        second.data()["user"]["createdAt"],
        first.data()["user"]["createdAt"]
    );
    assert_ne!(second.data()["refreshToken"], first.data()["refreshToken"]);
}

#[tokio::test]
async fn a_bound_app_answers_the_unionid() {
    let app = spawn_app().await;
    let name = app.new_user_name("union");

    let reply = app.call::<Login>(login_request(&format!("{name}.1"))).await;

    assert_eq!(reply.data()["user"]["unionid"], unionid_for(&name));
}

#[tokio::test]
async fn a_reused_code_is_rejected_and_writes_nothing_more() {
    let app = spawn_app().await;
    let code = format!("{}.1", app.new_user_name("carol"));
    assert_eq!(app.call::<Login>(login_request(&code)).await.status, 200);
    let before = app.table_snapshot().await;

    let reply = app.call::<Login>(login_request(&code)).await;

    assert_eq!((reply.status, reply.code()), (400, 40011), "{:?}", reply.body);
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn each_wechat_error_has_its_own_client_error_and_writes_nothing() {
    let app = spawn_app().await;
    let cases = [
        ("bad", 400, 40010),
        ("blocked", 403, 40301),
        ("limited", 429, 42901),
        ("busy", 503, 50301),
    ];
    for (prefix, status, code) in cases {
        let reply = app
            .call::<Login>(login_request(&format!("{}.1", app.new_user_name(prefix))))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{prefix}: {:?}",
            reply.body
        );
        assert!(reply.body.get("data").is_none());
    }
    assert!(app.table_snapshot().await.is_empty());
}

#[tokio::test]
async fn a_flaky_wechat_succeeds_through_the_retry() {
    let app = spawn_app().await;

    let reply = app
        .call::<Login>(login_request(&format!("{}.1", app.new_user_name("flaky"))))
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[tokio::test]
async fn a_slow_wechat_fails_within_the_timeout_as_unavailable() {
    let app = spawn_app().await;
    let login = app.function::<Login>().await;
    let started = Instant::now();

    let reply =
        integration_tests::call(&login, login_request(&format!("{}.1", app.new_user_name("slow")))).await;

    let elapsed = started.elapsed();
    assert_eq!((reply.status, reply.code()), (503, 50301), "{:?}", reply.body);
    // The fake answers after SLOW_DELAY (10 s); the client gave up at its 5 s timeout.
    assert!(
        elapsed < tools::fake_wechat::SLOW_DELAY - Duration::from_secs(1),
        "took {elapsed:?}"
    );
    assert!(reply.body["message"].as_str().unwrap().contains("WeChat"));
    assert!(app.table_snapshot().await.is_empty());
}

#[tokio::test]
async fn wechat_down_is_a_503_with_the_request_id() {
    let mut app = spawn_app().await;
    // The discard port: nothing listens there, and no test's fake can be given it.
    let port = 9;
    app.env = app
        .env
        .clone()
        .with("WECHAT_API_BASE", format!("http://127.0.0.1:{port}"));

    let reply = app.call::<Login>(login_request("alice.down")).await;

    assert_eq!((reply.status, reply.code()), (503, 50301));
    assert!(reply.body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    let response = app
        .function::<Login>()
        .await
        .handle(login_request("alice.down2"))
        .await;
    assert_eq!(response.headers()["retry-after"], "1");
}

#[tokio::test]
async fn a_wrong_app_secret_is_an_internal_error_not_a_client_error() {
    let mut app = spawn_app().await;
    app.env = app.env.clone().with("WECHAT_SECRET", "not-the-secret");

    let reply = app
        .call::<Login>(login_request(&format!("{}.1", app.new_user_name("x"))))
        .await;

    assert_eq!((reply.status, reply.code()), (500, 50001));
    assert_eq!(reply.body["message"], "internal error");
}
