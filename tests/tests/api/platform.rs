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
    assert!(
        checks[0]["request"]["openid"]
            .as_str()
            .is_some_and(|o| key.contains(o)),
        "the uploader's openid"
    );
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

    // WeChat pushes again when unsure we got it: harmless.
    assert_eq!(deliver_push(&app, &pushes[0]).await, (200, "success".to_owned()));
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
    let signature = tools::fake_wechat::push_signature(PUSH_TOKEN, "1732500000", "4242", None);
    let good = format!("signature={signature}&timestamp=1732500000&nonce=4242&echostr=hello-wechat");
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
