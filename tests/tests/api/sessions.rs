//! Sessions: refresh with rotation and reuse detection, logout and logout-everywhere, the
//! per-request session check of every token-protected function, and private answers.

use std::time::Duration;

use integration_tests::{TestApp, request, spawn_app};
use lambda_http::Request;
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::Endpoint;
use shared::catalog::ListProducts;
use shared::files::{GetFileUrl, UploadToken};
use shared::identity::{GetUserInfo, UpdateUserInfo};
use shared::identity::{Login, Logout, Refresh};
use shared::orders::{CancelOrder, GetOrder, ListOrders, SubmitOrder};

fn refresh_request(token: &str) -> Request {
    request(Method::POST, "/auth/refresh").json(&json!({ "refreshToken": token }))
}

fn logout_request(token: &str, body: Value) -> Request {
    request(Method::POST, "/auth/logout").bearer(token).json(&body)
}

fn access(data: &Value) -> String {
    data["accessToken"].as_str().unwrap().to_owned()
}

fn refresh_token(data: &Value) -> String {
    data["refreshToken"].as_str().unwrap().to_owned()
}

async fn me(app: &TestApp, token: &str) -> (u16, i64) {
    let reply = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;
    (reply.status, reply.code())
}

/// Calls `E` with `token` and a body it would accept; answers (status, code).
async fn call_with<E: Endpoint>(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, i64) {
    let mut builder = request(E::METHOD, path)
        .bearer(token)
        .header("idempotency-key", "session-check-01");
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        builder = builder.path_param("id", id);
    }
    let body = if E::METHOD == Method::GET {
        for (name, value) in body.as_object().unwrap() {
            if name != "id" {
                builder = builder.query(name, value.as_str().unwrap());
            }
        }
        builder.build()
    } else {
        let mut body = body;
        body.as_object_mut().unwrap().remove("id");
        builder.json(&body)
    };
    let reply = app.call::<E>(body).await;
    (reply.status, reply.code())
}

/// Every token-protected function, called with `token`.
async fn every_protected_function(app: &TestApp, token: &str) -> Vec<(&'static str, (u16, i64))> {
    let order = json!({"id": "2026112400000000000001"});
    vec![
        (
            GetUserInfo::NAME,
            call_with::<GetUserInfo>(app, token, "/users/me", json!({})).await,
        ),
        (
            UpdateUserInfo::NAME,
            call_with::<UpdateUserInfo>(app, token, "/users/me", json!({"nickname": "x"})).await,
        ),
        (
            SubmitOrder::NAME,
            call_with::<SubmitOrder>(
                app,
                token,
                "/orders",
                json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}]}),
            )
            .await,
        ),
        (
            ListOrders::NAME,
            call_with::<ListOrders>(app, token, "/orders", json!({})).await,
        ),
        (
            GetOrder::NAME,
            call_with::<GetOrder>(app, token, "/orders/x", order.clone()).await,
        ),
        (
            CancelOrder::NAME,
            call_with::<CancelOrder>(app, token, "/orders/x/cancel", order).await,
        ),
        (
            UploadToken::NAME,
            call_with::<UploadToken>(
                app,
                token,
                "/uploads/token",
                json!({"contentType": "image/png", "size": 1}),
            )
            .await,
        ),
        (
            GetFileUrl::NAME,
            call_with::<GetFileUrl>(
                app,
                token,
                "/files/url",
                json!({"keys": "uploads/x/2026/11/a.png"}),
            )
            .await,
        ),
        (
            Logout::NAME,
            call_with::<Logout>(app, token, "/auth/logout", json!({})).await,
        ),
    ]
}

#[tokio::test]
async fn refresh_rotates_both_tokens_and_answers_the_login_shape() {
    let app = spawn_app().await;
    let name = app.new_user_name("rota");
    let login = app.login(&name).await;

    let reply = app.call::<Refresh>(refresh_request(&refresh_token(&login))).await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let data = reply.data();
    assert_ne!(refresh_token(data), refresh_token(&login), "a new refresh token");
    assert_ne!(access(data), access(&login), "a new access token");
    assert_eq!(data["isNewUser"], false);
    assert_eq!(data["user"]["openid"], login["user"]["openid"]);
    assert_eq!(data["expiresIn"], 7200);
    assert_eq!(me(&app, &access(data)).await, (200, 0));
    // The new refresh token rotates in turn.
    let again = app.call::<Refresh>(refresh_request(&refresh_token(data))).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
}

#[tokio::test]
async fn a_spent_refresh_token_presented_again_ends_the_whole_session() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("reuse")).await;
    let stolen = refresh_token(&login);
    let rotated = app.call::<Refresh>(refresh_request(&stolen)).await;
    assert_eq!(rotated.status, 200);

    let replay = app.call::<Refresh>(refresh_request(&stolen)).await;

    assert_eq!((replay.status, replay.code()), (401, 40107), "{:?}", replay.body);
    // Every token of that login fails from the next call on.
    assert_eq!(me(&app, &access(rotated.data())).await, (401, 40105));
    assert_eq!(me(&app, &access(&login)).await, (401, 40105));
    let next = app
        .call::<Refresh>(refresh_request(&refresh_token(rotated.data())))
        .await;
    assert_eq!((next.status, next.code()), (401, 40105));
    assert!(integration_tests::captured_logs().contains("refresh_token_reuse"));
}

#[tokio::test]
async fn a_session_id_with_a_wrong_secret_is_refused_and_ends_nothing() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("probe")).await;
    let spent = refresh_token(&login);
    let rotated = app.call::<Refresh>(refresh_request(&spent)).await;
    assert_eq!(rotated.status, 200);
    // The session id is no secret: it is in every access token and before the refresh token's dot.
    let session_id = spent.split_once('.').unwrap().0;
    let guessed = format!("{session_id}.{}", "A".repeat(43));

    let probes = [
        app.call::<Refresh>(refresh_request(&guessed)).await,
        app.call::<Refresh>(refresh_request(&guessed)).await,
    ];

    for probe in &probes {
        assert_eq!((probe.status, probe.code()), (401, 40106), "{:?}", probe.body);
    }
    assert_eq!(
        me(&app, &access(rotated.data())).await,
        (200, 0),
        "the session is open"
    );
    let next = app
        .call::<Refresh>(refresh_request(&refresh_token(rotated.data())))
        .await;
    assert_eq!(next.status, 200, "and its refresh token still works");
    // The token the current one replaced is still reuse, and still ends the session.
    let replay = app
        .call::<Refresh>(refresh_request(&refresh_token(rotated.data())))
        .await;
    assert_eq!((replay.status, replay.code()), (401, 40107));
}

#[tokio::test]
async fn of_two_concurrent_refreshes_with_one_token_exactly_one_wins_and_the_session_ends() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("race")).await;
    let token = refresh_token(&login);
    let function = app.function::<Refresh>().await;

    let (a, b) = tokio::join!(
        integration_tests::call(&function, refresh_request(&token)),
        integration_tests::call(&function, refresh_request(&token)),
    );

    let mut outcomes = [(a.status, a.code()), (b.status, b.code())];
    outcomes.sort();
    assert_eq!(outcomes, [(200, 0), (401, 40107)], "{:?} {:?}", a.body, b.body);
    let winner = if a.status == 200 { a } else { b };
    assert_eq!(me(&app, &access(winner.data())).await, (401, 40105));
}

#[tokio::test]
async fn expired_invalid_and_unknown_refresh_tokens_have_their_own_codes_and_write_nothing() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("expiry")).await;
    let unknown = format!("{}.{}", "s".repeat(22), "A".repeat(43));
    let before = app.table_snapshot().await;

    let mut codes = Vec::new();
    for token in [
        "",
        "garbage",
        "s1.short",
        "a/b.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        unknown.as_str(),
    ] {
        let reply = app.call::<Refresh>(refresh_request(token)).await;
        codes.push((reply.status, reply.code()));
    }
    assert_eq!(codes, vec![(401, 40106); 5]);
    assert_eq!(app.table_snapshot().await, before);

    app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    let late = app.call::<Refresh>(refresh_request(&refresh_token(&login))).await;
    assert_eq!((late.status, late.code()), (401, 40104), "{:?}", late.body);
    assert_eq!(
        me(&app, &access(&login)).await,
        (401, 40103),
        "the access token expired long before"
    );
}

#[tokio::test]
async fn logout_ends_this_session_for_every_function_on_the_next_call_and_only_this_one() {
    let app = spawn_app().await;
    let name = app.new_user_name("bye");
    let phone = app.login(&name).await;
    let laptop = app.login(&name).await;

    let reply = app
        .call::<Logout>(logout_request(&access(&phone), json!({})))
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["revoked"], 1);
    for (function, outcome) in every_protected_function(&app, &access(&phone)).await {
        assert_eq!(outcome, (401, 40105), "{function} accepted a logged-out token");
    }
    let refreshed = app.call::<Refresh>(refresh_request(&refresh_token(&phone))).await;
    assert_eq!((refreshed.status, refreshed.code()), (401, 40105));
    assert_eq!(
        me(&app, &access(&laptop)).await,
        (200, 0),
        "the other session stays open"
    );
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_user_and_no_one_elses() {
    let app = spawn_app().await;
    let name = app.new_user_name("all");
    let sessions = [
        app.login(&name).await,
        app.login(&name).await,
        app.login(&name).await,
    ];
    let bystander = app.login(&app.new_user_name("other")).await;

    let reply = app
        .call::<Logout>(logout_request(&access(&sessions[0]), json!({"all": true})))
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["revoked"], 3);
    for session in &sessions {
        assert_eq!(me(&app, &access(session)).await, (401, 40105));
        let refreshed = app
            .call::<Refresh>(refresh_request(&refresh_token(session)))
            .await;
        assert_eq!(refreshed.code(), 40105);
    }
    for (function, outcome) in every_protected_function(&app, &access(&sessions[2])).await {
        assert_eq!(outcome, (401, 40105), "{function} accepted a logged-out token");
    }
    assert_eq!(me(&app, &access(&bystander)).await, (200, 0));
}

#[tokio::test]
async fn the_session_check_is_one_read_and_runs_beside_a_get() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("cost")).await;
    let function = app.function::<GetUserInfo>().await;
    app.take_round_trips();

    let reply = integration_tests::call(
        &function,
        request(Method::GET, "/users/me").bearer(&access(&login)).build(),
    )
    .await;

    assert_eq!(reply.status, 200);
    assert_eq!(app.take_round_trips(), 2, "the session read and the profile read");
}

#[tokio::test]
async fn answers_with_tokens_profiles_or_urls_are_never_cached_and_the_catalog_may_be() {
    let app = spawn_app().await;
    let code = format!("{}.1", app.new_user_name("cache"));
    let login = app.function::<Login>().await;
    let response = login
        .handle(request(Method::POST, "/auth/login").json(&json!({ "code": code })))
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    let token = body["data"]["accessToken"].as_str().unwrap();

    let profile = app.function::<GetUserInfo>().await;
    let response = profile
        .handle(request(Method::GET, "/users/me").bearer(token).build())
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let refused = profile.handle(request(Method::GET, "/users/me").build()).await;
    assert_eq!(refused.headers()["cache-control"], "no-store");

    let catalog = app.function::<ListProducts>().await;
    let response = catalog.handle(request(Method::GET, "/products").build()).await;
    assert!(response.headers().get("cache-control").is_none());
}
