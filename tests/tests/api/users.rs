use integration_tests::{request, spawn_app};
use lambda_http::http::Method;
use serde_json::json;
use shared::identity::{BindPhone, GetUserInfo, UpdateUserInfo};

#[tokio::test]
async fn get_user_info_answers_the_callers_profile_in_one_round_trip_beside_the_session_check() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("dave")).await;
    let token = login["accessToken"].as_str().unwrap();
    app.take_round_trips();

    let reply = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data(), &login["user"]);
    assert_eq!(
        app.take_round_trips(),
        2,
        "the session read beside the profile read"
    );
}

#[tokio::test]
async fn update_user_info_changes_the_profile_in_one_write_after_the_session_check() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("erin")).await;
    let token = login["accessToken"].as_str().unwrap();
    // The first nickname check of the app fetches the shared WeChat access token.
    let first = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(token)
                .json(&json!({"nickname": "first"})),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    app.take_round_trips();

    let reply = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(token)
                .json(&json!({"nickname": " 小红 ", "avatarUrl": "https://thirdwx.qlogo.cn/mmopen/a/132"})),
        )
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        app.take_round_trips(),
        4,
        "the session read and the per-user count together, the shared token (a cold instance), \
         then one conditional update"
    );
    assert_eq!(reply.data()["nickname"], "小红");
    assert_eq!(reply.data()["avatarUrl"], "https://thirdwx.qlogo.cn/mmopen/a/132");
    let fetched = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;
    assert_eq!(fetched.data(), reply.data());
}

#[tokio::test]
async fn bad_profile_updates_are_rejected_naming_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("frank")).await;
    let token = login["accessToken"].as_str().unwrap();
    let before = app.table_snapshot().await;
    let cases = [
        (json!({"nickname": "x", "isAdmin": true}), "isAdmin"),
        (json!({"openid": "o_someone_else"}), "openid"),
        (json!({"nickname": 5}), "nickname"),
        (json!({"nickname": "名".repeat(33)}), "nickname"),
        (json!({"nickname": ""}), "nickname"),
        (json!({"nickname": "admin\u{202E}nimda"}), "nickname"),
        (json!({"nickname": "a\u{200B}b"}), "nickname"),
        (json!({"nickname": "\u{2066}x"}), "nickname"),
        (json!({"avatarUrl": "http://insecure.example/a.png"}), "avatarUrl"),
        // Any https URL would let a profile track whoever views it: WeChat's avatar hosts only.
        (
            json!({"avatarUrl": "https://tracker.example/pixel.png"}),
            "avatarUrl",
        ),
        (json!({"avatarUrl": ["https://a"]}), "avatarUrl"),
        (json!({}), "body"),
    ];
    for (body, field) in cases {
        let reply = app
            .call::<UpdateUserInfo>(request(Method::PATCH, "/users/me").bearer(token).json(&body))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, 40002),
            "{body}: {:?}",
            reply.body
        );
        assert!(
            reply.body["message"].as_str().unwrap().contains(field),
            "{body}: {:?}",
            reply.body
        );
    }
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn malformed_and_oversize_bodies_are_rejected_and_write_nothing() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("gina")).await;
    let token = login["accessToken"].as_str().unwrap();
    let before = app.table_snapshot().await;
    let oversize = format!(r#"{{"nickname":"{}"}}"#, "a".repeat(65 * 1024));
    let cases: [(&[u8], u16, i64); 4] = [
        (b"{\"nickname\": ", 400, 40001),
        (b"nickname=x", 400, 40001),
        (b"[\"nickname\"]", 400, 40002),
        (oversize.as_bytes(), 413, 41301),
    ];
    for (body, status, code) in cases {
        let reply = app
            .call::<UpdateUserInfo>(
                request(Method::PATCH, "/users/me")
                    .bearer(token)
                    .raw_body(body.to_vec())
                    .build(),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (status, code), "{:?}", reply.body);
    }
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn login_input_of_the_wrong_type_or_shape_is_rejected_and_writes_nothing() {
    let app = spawn_app().await;
    let cases = [
        json!({"code": 123}),
        json!({}),
        json!({"code": "alice.1", "openid": "o_forged"}),
        json!({"code": "has space"}),
        json!({"code": "x".repeat(200)}),
    ];
    for body in cases {
        let reply = app
            .call::<shared::identity::Login>(request(Method::POST, "/auth/login").json(&body))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, 40002),
            "{body}: {:?}",
            reply.body
        );
    }
    assert!(app.table_snapshot().await.is_empty());
}

fn bind_phone_request(token: &str, code: &str) -> lambda_http::Request {
    request(Method::POST, "/users/me/phone")
        .bearer(token)
        .json(&json!({ "code": code }))
}

#[tokio::test]
async fn the_getphonenumber_code_binds_the_number_which_profiles_show_masked_and_works_once() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    let login = app.login(&app.new_user_name("phoebe")).await;
    let token = login["accessToken"].as_str().unwrap();
    let openid = login["user"]["openid"].as_str().unwrap();
    let number = tools::fake_wechat::phone_for("phoebe");
    let masked = format!("{}****{}", &number[..3], &number[7..]);

    let bound = app
        .call::<BindPhone>(bind_phone_request(token, "phone.phoebe.1"))
        .await;
    let reused = app
        .call::<BindPhone>(bind_phone_request(token, "phone.phoebe.1"))
        .await;
    let invalid = app
        .call::<BindPhone>(bind_phone_request(token, "not-a-phone-code"))
        .await;
    let malformed = app
        .call::<BindPhone>(bind_phone_request(token, "has space"))
        .await;

    assert_eq!(bound.status, 200, "{:?}", bound.body);
    assert_eq!(bound.data(), &json!({"phone": masked, "countryCode": "86"}));
    assert_eq!((reused.status, reused.code()), (400, 40012));
    assert_eq!((invalid.status, invalid.code()), (400, 40012));
    assert_eq!((malformed.status, malformed.code()), (400, 40002));
    assert_eq!(
        wechat.stable_token_calls(),
        1,
        "one token for the three exchanges"
    );
    let profile = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;
    assert_eq!(profile.data()["phone"], masked.as_str());
    assert!(
        !profile.body.to_string().contains(&number),
        "the full number is never answered"
    );
    let stored = app.item(&shared::infra::store::keys::user(openid)).await.unwrap();
    assert_eq!(
        stored["phone"].as_s().unwrap(),
        &number,
        "the full number is kept for the shop"
    );
    assert!(
        !integration_tests::captured_logs().contains(&number),
        "nor logged"
    );
}

fn nickname_request(token: &str, nickname: &str) -> lambda_http::Request {
    request(Method::PATCH, "/users/me")
        .bearer(token)
        .json(&json!({ "nickname": nickname }))
}

#[tokio::test]
async fn a_nickname_wechat_refuses_is_refused_and_nothing_is_written() {
    let mut app = spawn_app().await;
    app.own_wechat().await;
    let login = app.login(&app.new_user_name("nina")).await;
    let token = login["accessToken"].as_str().unwrap();
    let before = app.table_snapshot().await;

    let risky = app
        .call::<UpdateUserInfo>(nickname_request(token, "a forbidden name"))
        .await;
    let doubtful = app
        .call::<UpdateUserInfo>(nickname_request(token, "doubtful"))
        .await;

    assert_eq!((risky.status, risky.code()), (400, 40013), "{:?}", risky.body);
    assert_eq!((doubtful.status, doubtful.code()), (400, 40013));
    let profile = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;
    assert_eq!(profile.data()["nickname"], login["user"]["nickname"]);
    let after: Vec<String> = app
        .table_snapshot()
        .await
        .into_iter()
        .filter(|item| !item.contains("ACCESS_TOKEN"))
        .collect();
    assert_eq!(after, before, "nothing but the shared access token was written");
}

#[tokio::test]
async fn without_wechat_a_new_nickname_is_refused_by_default_and_accepted_when_configured() {
    let mut app = spawn_app().await;
    let login = app.login(&app.new_user_name("otto")).await;
    let token = login["accessToken"].as_str().unwrap();
    app.env = app.env.clone().with("WECHAT_API_BASE", "http://127.0.0.1:9");

    let refused = app
        .call::<UpdateUserInfo>(nickname_request(token, "unchecked"))
        .await;
    app.env = app.env.clone().with("NICKNAME_CHECK_FALLBACK", "accept");
    let accepted = app
        .call::<UpdateUserInfo>(nickname_request(token, "unchecked"))
        .await;

    assert_eq!(
        (refused.status, refused.code()),
        (503, 50301),
        "{:?}",
        refused.body
    );
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    assert_eq!(accepted.data()["nickname"], "unchecked");
}

#[tokio::test]
async fn the_access_log_line_says_how_long_the_request_spent_in_dynamodb_and_in_how_many_calls() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("timed")).await;
    let token = login["accessToken"].as_str().unwrap();

    let reply = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(token).build())
        .await;

    let request_id = reply.body["requestId"].as_str().unwrap();
    let line: serde_json::Value = integration_tests::captured_logs()
        .lines()
        .filter(|line| line.contains(request_id))
        .map(|line| serde_json::from_str(line).unwrap())
        .find(|line: &serde_json::Value| line["message"] == "request")
        .expect("the request's access log line");
    assert_eq!(line["dynamodb_calls"], 2, "the session and the profile: {line}");
    assert!(line["dynamodb_ms"].as_f64().unwrap() > 0.0, "{line}");
    assert!(
        line["dynamodb_ms"].as_f64().unwrap() <= 2.0 * line["latency_ms"].as_f64().unwrap(),
        "two reads at once, each at most the whole request: {line}"
    );
    assert_eq!(
        (line["wechat_ms"].as_f64(), line["wechatpay_ms"].as_f64()),
        (Some(0.0), Some(0.0))
    );
}
