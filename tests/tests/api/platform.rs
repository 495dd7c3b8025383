//! WeChat's message push and the image check: an avatar WeChat finds risky disappears from the
//! profile and the bucket once the fake pushes its verdict; forged pushes change nothing.

use std::time::Duration;

use integration_tests::{TestApp, request, spawn_app};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::catalog::GetProductCode;
use shared::identity::{GetUserInfo, UpdateUserInfo};
use shared::runtime::webhook::WebhookAdapter;
use shared::wechat::WechatPush;
use tools::fake_wechat::{FakeWeChat, Push, PushConfig};

use crate::uploads::{PNG, object_exists, on_upload, post_upload, token_for_upload};

/// WeChat's own sample EncodingAESKey (its last character carries spare bits).
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const PUSH_TOKEN: &str = "pushToken2026";

/// Delivers `push` to the wechat-push function as API Gateway would: (status, body).
async fn deliver(app: &TestApp, method: Method, query: &str, body: &str) -> (u16, String) {
    let handler = WebhookAdapter::<WechatPush>::build(&app.startup()).await.unwrap();
    let mut builder = request(method, "/wechat/push").header("content-type", "application/json");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    for (name, value) in &pairs {
        builder = builder.query(name, value);
    }
    let response = handler.handle(builder.raw_body(body.to_owned()).build()).await;
    let text = String::from_utf8_lossy(response.body()).into_owned();
    (response.status().as_u16(), text)
}

async fn deliver_push(app: &TestApp, push: &Push) -> (u16, String) {
    deliver(app, Method::POST, &push.query, &push.body).await
}

/// Uploads `bytes` as `token`'s avatar, runs on-upload on it and sets it on the profile.
async fn set_uploaded_avatar(app: &TestApp, token: &str, bytes: &[u8], sequencer: &str) -> String {
    let grant = token_for_upload(
        app,
        token,
        json!({"contentType": "image/png", "size": bytes.len(), "purpose": "avatar"}),
    )
    .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    assert_eq!(
        post_upload(grant.data(), bytes, "image/png")
            .await
            .status()
            .as_u16(),
        201
    );
    let key = grant.data()["key"].as_str().unwrap().to_owned();
    assert_eq!(on_upload(app, &app.bucket, &key, sequencer).await.recorded, 1);
    let updated = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(token)
                .json(&json!({"avatarKey": key})),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    key
}

async fn profile(app: &TestApp, token: &str) -> Value {
    app.call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await
        .data()
        .clone()
}

async fn pushing_app(aes_key: Option<&str>) -> (TestApp, FakeWeChat) {
    let mut app = spawn_app().await;
    let wechat = app
        .own_wechat_pushing(PushConfig {
            url: None,
            token: PUSH_TOKEN.into(),
            aes_key: aes_key.map(str::to_owned),
        })
        .await;
    (app, wechat)
}

#[tokio::test]
async fn a_risky_avatar_pushed_by_the_fake_disappears_from_the_profile_and_the_bucket() {
    let (app, wechat) = pushing_app(Some(AES_KEY)).await;
    let login = app.login(&app.new_user_name("rita")).await;
    let token = login["accessToken"].as_str().unwrap();
    let risky: Vec<u8> = [PNG, b" forbidden pixels"].concat();

    let key = set_uploaded_avatar(&app, token, &risky, "0000000000000001").await;
    let checks = wechat.media_checks();
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0]["request"]["version"], 2);
    assert_eq!(checks[0]["request"]["media_type"], 2);
    assert_eq!(
        checks[0]["request"]["scene"], 1,
        "an avatar is shown on a profile"
    );
    assert_eq!(
        checks[0]["request"]["openid"], login["user"]["openid"],
        "the uploader's openid, from the object's tag: the key does not carry it"
    );
    assert!(!key.contains(login["user"]["openid"].as_str().unwrap()));
    assert_eq!(
        profile(&app, token).await["avatarKey"],
        key,
        "shown until WeChat answers"
    );

    let pushes = wechat.wait_for_pushes(1, Duration::from_secs(10)).await;
    assert_eq!(pushes.len(), 1);
    assert!(pushes[0].query.contains("encrypt_type=aes"), "safe mode");

    // A push whose signature does not match changes nothing.
    let forged_body = pushes[0].body.replace('A', "B");
    assert_eq!(
        deliver(&app, Method::POST, &pushes[0].query, &forged_body)
            .await
            .0,
        401
    );
    assert_eq!(profile(&app, token).await["avatarKey"], key);

    assert_eq!(deliver_push(&app, &pushes[0]).await, (200, "success".to_owned()));
    let after = profile(&app, token).await;
    assert!(after.get("avatarKey").is_none(), "{after:?}");
    assert_eq!(after["avatarUrl"], "");
    assert!(!object_exists(&app, &key).await, "the image is deleted");

    // The same push again (its nonce seen within five minutes) is a replay: refused, and the
    // verdict was applied once anyway.
    assert_eq!(deliver_push(&app, &pushes[0]).await.0, 401);
    let logs = integration_tests::captured_logs();
    assert!(logs.contains("image_refused"));
    assert!(
        !logs.contains(AES_KEY) && !logs.contains(PUSH_TOKEN),
        "push secrets reached the logs"
    );
}

#[tokio::test]
async fn a_clean_avatar_stays_and_plaintext_pushes_are_verified_too() {
    let (app, wechat) = pushing_app(None).await;
    let login = app.login(&app.new_user_name("clara")).await;
    let token = login["accessToken"].as_str().unwrap();

    let key = set_uploaded_avatar(&app, token, PNG, "0000000000000002").await;
    let pushes = wechat.wait_for_pushes(1, Duration::from_secs(10)).await;
    assert_eq!(pushes.len(), 1);
    assert!(!pushes[0].query.contains("encrypt_type"), "plaintext mode");
    assert_eq!(deliver_push(&app, &pushes[0]).await, (200, "success".to_owned()));
    assert_eq!(profile(&app, token).await["avatarKey"], key);
    assert!(object_exists(&app, &key).await);

    // A review photo is checked too; a general upload is not.
    let general = token_for_upload(
        &app,
        token,
        json!({"contentType": "image/png", "size": PNG.len()}),
    )
    .await;
    post_upload(general.data(), PNG, "image/png").await;
    let general_key = general.data()["key"].as_str().unwrap();
    on_upload(&app, &app.bucket, general_key, "0000000000000003").await;
    assert_eq!(
        wechat.media_checks().len(),
        1,
        "private uploads are not sent to WeChat"
    );

    // WeChat's URL verification (GET): echostr back only with the right signature.
    let now = app.clock.now().epoch_secs();
    let good = format!("{}&echostr=hello-wechat", signed_push_query(now, "4242"));
    assert_eq!(
        deliver(&app, Method::GET, &good, "").await,
        (200, "hello-wechat".to_owned())
    );
    let bad = good.replace("nonce=4242", "nonce=4243");
    assert_eq!(deliver(&app, Method::GET, &bad, "").await.0, 401);
    assert_eq!(deliver(&app, Method::PUT, &good, "").await.0, 405);
}

fn code_request(token: &str, id: &str) -> lambda_http::Request {
    request(Method::GET, "/products/x/code")
        .bearer(token)
        .path_param("id", id)
        .build()
}

#[tokio::test]
async fn a_products_share_code_is_generated_once_and_served_from_the_bucket() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    app.seed(&[integration_tests::product("tea", 1250, 10, true, "tea", 1)])
        .await;
    let token = app.token_for("o_sharer").await;

    let first = app.call::<GetProductCode>(code_request(&token, "tea")).await;
    let second = app.call::<GetProductCode>(code_request(&token, "tea")).await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(
        wechat.wxacode_calls(),
        1,
        "generated once, then served from the bucket"
    );
    assert_eq!(first.data()["productId"], "tea");
    assert!(first.data()["expiresAt"].is_string());
    let url = second.data()["url"].as_str().unwrap();
    let image = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let text = String::from_utf8_lossy(&image);
    assert!(
        text.contains("scene=tea;page=pages/product/detail"),
        "the code opens the product page"
    );

    let unknown = app
        .call::<GetProductCode>(code_request(&token, "no-such-tea"))
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, 40401));
    let long = app
        .call::<GetProductCode>(code_request(&token, &"t".repeat(33)))
        .await;
    assert_eq!((long.status, long.code()), (400, 40002));
    let anonymous = app
        .call::<GetProductCode>(
            request(Method::GET, "/products/x/code")
                .path_param("id", "tea")
                .build(),
        )
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(wechat.wxacode_calls(), 1);
}

/// A plaintext push of an event nothing acts on, signed with the test's token at `timestamp`.
fn signed_push_query(timestamp: i64, nonce: &str) -> String {
    let timestamp = timestamp.to_string();
    let signature = tools::fake_wechat::push_signature(PUSH_TOKEN, &timestamp, nonce, None);
    format!("signature={signature}&timestamp={timestamp}&nonce={nonce}&openid=o_push")
}

#[tokio::test]
async fn a_signed_push_out_of_its_five_minutes_or_with_a_nonce_seen_in_them_is_refused() {
    let (mut app, _wechat) = pushing_app(None).await;
    app.freeze_clock();
    let now = app.clock.now().epoch_secs();
    let body =
        json!({"ToUserName": "gh_0", "MsgType": "event", "Event": "user_enter_tempsession"}).to_string();
    let push = |timestamp: i64, nonce: &'static str| {
        let app = &app;
        let body = body.clone();
        async move {
            deliver(app, Method::POST, &signed_push_query(timestamp, nonce), &body)
                .await
                .0
        }
    };

    let fresh = push(now, "1001").await;
    let replayed = push(now, "1001").await;
    let replayed_later = push(now + 60, "1001").await;
    let stale = push(now - 301, "1002").await;
    let early = push(now + 301, "1003").await;
    let just_in_time = push(now - 299, "1004").await;
    let verification = deliver(
        &app,
        Method::GET,
        &format!("{}&echostr=hello", signed_push_query(now - 600, "1005")),
        "",
    )
    .await;

    assert_eq!(fresh, 200);
    assert_eq!((replayed, replayed_later), (401, 401), "a nonce is used once");
    assert_eq!((stale, early), (401, 401), "five minutes either way, no more");
    assert_eq!(just_in_time, 200);
    assert_eq!(verification.0, 401, "the URL verification is timed too");
    app.clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(
        push(now + 20 * 60, "1001").await,
        200,
        "a nonce is remembered for the window, not for ever"
    );
}
