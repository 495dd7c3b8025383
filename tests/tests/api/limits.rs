//! Limits per caller: the N-th request passes and the N+1-th is a 429 with `Retry-After`; repeated
//! refusals earn a ban with a longer `Retry-After`; windows and bans end with the (injected) clock.

use std::time::Duration;

use integration_tests::{TestApp, request, spawn_app};
use lambda_http::Request;
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::files::UploadToken;
use shared::identity::UpdateUserInfo;
use shared::identity::{Login, Refresh};
use shared::orders::SubmitOrder;
use shared::runtime::http::Adapter;

/// An app whose rates are `limits` and whose ban comes after `ban` (`VIOLATIONS/WINDOW/BAN`),
/// on a frozen clock.
async fn app_with(limits: &str, ban: &str) -> TestApp {
    let mut app = spawn_app().await;
    app.env = app.env.clone().with("RATE_LIMITS", limits).with("RATE_BAN", ban);
    // Windows are counted on the clock: a frozen one keeps a test in one window however slowly
    // it runs; a test moves to the next window by advancing it.
    app.freeze_clock();
    app
}

/// A login request as API Gateway delivers it, from `ip`.
fn login_from(ip: &str, code: &str) -> Request {
    let event = json!({
        "version": "2.0",
        "routeKey": "POST /auth/login",
        "rawPath": "/auth/login",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": format!("req-{code}"), "routeKey": "POST /auth/login",
            "stage": "$default", "time": "24/Nov/2026:05:13:21 +0000", "timeEpoch": 1795497201000_i64,
            "http": {"method": "POST", "path": "/auth/login", "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "test"}
        },
        "isBase64Encoded": false,
        "body": json!({ "code": code }).to_string(),
    });
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
}

fn retry_after(response: &lambda_http::Response<lambda_http::Body>) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn code_of(response: &lambda_http::Response<lambda_http::Body>) -> i64 {
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    body["code"].as_i64().unwrap()
}

#[tokio::test]
async fn logins_per_ip_pass_up_to_the_limit_then_429_until_the_window_ends() {
    let app = app_with("login=3/60", "100/600/900").await;
    let login = Adapter::<Login>::build(&app.startup()).await.unwrap();
    let name = app.new_user_name("ip");

    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(
            login
                .handle(login_from("198.51.100.7", &format!("{name}.{i}")))
                .await
                .status()
                .as_u16(),
        );
    }
    let refused = login
        .handle(login_from("198.51.100.7", &format!("{name}.3")))
        .await;
    let other_ip = login
        .handle(login_from("198.51.100.8", &format!("{name}.4")))
        .await;

    assert_eq!(statuses, [200, 200, 200]);
    assert_eq!((refused.status().as_u16(), code_of(&refused)), (429, 42902));
    assert!(
        (1..=60).contains(&retry_after(&refused)),
        "{}",
        retry_after(&refused)
    );
    assert_eq!(other_ip.status(), 200, "another address has its own count");
    app.clock.advance(Duration::from_secs(60));
    let next_window = login
        .handle(login_from("198.51.100.7", &format!("{name}.5")))
        .await;
    assert_eq!(next_window.status(), 200, "a new window, a new count");
}

#[tokio::test]
async fn a_refused_login_never_reaches_wechat() {
    let app = app_with("login=1/60", "100/600/900").await;
    let login = Adapter::<Login>::build(&app.startup()).await.unwrap();
    let name = app.new_user_name("spare");
    assert_eq!(
        login
            .handle(login_from("203.0.113.9", &format!("{name}.1")))
            .await
            .status(),
        200
    );

    let code = format!("{name}.2");
    let refused = login.handle(login_from("203.0.113.9", &code)).await;
    let later = {
        app.clock.advance(Duration::from_secs(60));
        login.handle(login_from("203.0.113.9", &code)).await
    };

    assert_eq!(refused.status(), 429);
    assert_eq!(
        later.status(),
        200,
        "the code was not spent by the refused request"
    );
}

#[tokio::test]
async fn repeated_refusals_earn_a_ban_with_a_longer_retry_after_that_ends() {
    let app = app_with("order=2/60", "3/600/900").await;
    app.seed(&[integration_tests::product("tea", 100, 100, true, "tea", 1)])
        .await;
    let token = app.token_for("o_spammer").await;
    let submit = Adapter::<SubmitOrder>::build(&app.startup()).await.unwrap();
    let order = |key: String| {
        request(Method::POST, "/orders")
            .bearer(&token)
            .header("idempotency-key", &key)
            .json(&json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}]}))
    };

    let mut outcomes = Vec::new();
    for i in 0..6 {
        let response = submit.handle(order(format!("spam-key-{i:04}"))).await;
        outcomes.push((
            response.status().as_u16(),
            code_of(&response),
            retry_after_or_zero(&response),
        ));
    }

    let codes: Vec<(u16, i64)> = outcomes.iter().map(|(s, c, _)| (*s, *c)).collect();
    assert_eq!(
        codes,
        [
            (200, 0),
            (200, 0),
            (429, 42902),
            (429, 42902),
            (429, 42903),
            (429, 42903)
        ],
        "two pass, two are refused, the third refusal bans, the ban holds"
    );
    assert!(outcomes[2].2 <= 60);
    assert_eq!(outcomes[4].2, 900);
    assert!(outcomes[5].2 > 60 && outcomes[5].2 <= 900);
    assert_eq!(app.stock("tea").await, 98, "refused requests write no order");

    app.clock.advance(Duration::from_secs(901));
    let after = submit.handle(order("spam-key-after".into())).await;
    assert_eq!(after.status(), 200, "the ban ended");
}

fn retry_after_or_zero(response: &lambda_http::Response<lambda_http::Body>) -> u64 {
    response
        .headers()
        .get("retry-after")
        .map_or(0, |v| v.to_str().unwrap().parse().unwrap())
}

#[tokio::test]
async fn each_limited_function_counts_per_user_and_users_do_not_share_a_count() {
    let app = app_with("upload=2/3600,profile=2/60,order=2/60", "100/600/900").await;
    let login = app.login(&app.new_user_name("quota")).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let other = app.login(&app.new_user_name("quota2")).await;
    let other = other["accessToken"].as_str().unwrap().to_owned();
    let upload = || {
        request(Method::POST, "/uploads/token")
            .bearer(&token)
            .json(&json!({"contentType": "image/png", "size": 10}))
    };
    let patch = |token: &str| {
        request(Method::PATCH, "/users/me")
            .bearer(token)
            .json(&json!({"nickname": "小明"}))
    };

    let uploads = [
        app.call::<UploadToken>(upload()).await.status,
        app.call::<UploadToken>(upload()).await.status,
        app.call::<UploadToken>(upload()).await.status,
    ];
    let patches = [
        app.call::<UpdateUserInfo>(patch(&token)).await.status,
        app.call::<UpdateUserInfo>(patch(&token)).await.status,
        app.call::<UpdateUserInfo>(patch(&token)).await.status,
        app.call::<UpdateUserInfo>(patch(&other)).await.status,
    ];

    assert_eq!(uploads, [200, 200, 429], "upload tokens per user per hour");
    assert_eq!(
        patches,
        [200, 200, 429, 200],
        "profile changes per user; another user is not affected"
    );
}

#[tokio::test]
async fn refreshes_are_counted_per_session() {
    let app = app_with("refresh-session=2/60", "100/600/900").await;
    let login = app.login(&app.new_user_name("fresh")).await;
    let mut token = login["refreshToken"].as_str().unwrap().to_owned();

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let reply = app
            .call::<Refresh>(request(Method::POST, "/auth/refresh").json(&json!({ "refreshToken": token })))
            .await;
        statuses.push((reply.status, reply.code()));
        if reply.status == 200 {
            token = reply.data()["refreshToken"].as_str().unwrap().to_owned();
        }
    }

    assert_eq!(statuses, [(200, 0), (200, 0), (429, 42902)]);
}

/// The app with every limit at its default.
async fn app_with_defaults() -> TestApp {
    let mut app = spawn_app().await;
    app.env = app.env.clone().without("RATE_LIMITS").without("RATE_BAN");
    app.freeze_clock();
    app
}

#[tokio::test]
async fn three_hundred_users_behind_one_address_all_log_in_within_a_minute_with_the_defaults() {
    use futures::StreamExt as _;
    let app = app_with_defaults().await;
    let login = Adapter::<Login>::build(&app.startup()).await.unwrap();
    let name = app.new_user_name("nat");

    let statuses: Vec<u16> = futures::stream::iter(0..300)
        .map(|i| {
            let login = &login;
            let code = format!("{name}x{i}.1");
            async move {
                login
                    .handle(login_from("100.64.0.1", &code))
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let after = login
        .handle(login_from("100.64.0.1", &format!("{name}x300.1")))
        .await;

    assert_eq!(statuses.len(), 300);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(after.status(), 200, "successes never ban the address");
}

#[tokio::test]
async fn a_hundred_bad_codes_from_one_address_are_limited_and_its_good_users_keep_their_own_count() {
    let app = app_with_defaults().await;
    let login = Adapter::<Login>::build(&app.startup()).await.unwrap();
    let name = app.new_user_name("bad");
    let mut codes = Vec::new();
    for i in 0..100 {
        let response = login
            .handle(login_from("198.51.100.66", &format!("{name}.{i}")))
            .await;
        codes.push((response.status().as_u16(), code_of(&response)));
    }
    let rejected = codes.iter().filter(|(status, _)| *status != 429).count();
    let limited = codes.iter().filter(|(status, _)| *status == 429).count();
    let elsewhere = login
        .handle(login_from(
            "198.51.100.67",
            &format!("{}.1", app.new_user_name("good")),
        ))
        .await;

    assert_eq!(codes[0].1, 40010, "WeChat refused the first ones: {:?}", codes[0]);
    assert!(
        rejected <= 30,
        "at most the failure limit reached WeChat: {rejected}"
    );
    assert_eq!(rejected + limited, 100);
    assert_eq!(codes[99], (429, 42903), "the refusals went on: banned");
    assert_eq!(elsewhere.status(), 200, "another address is not affected");
}

#[tokio::test]
async fn one_user_logging_in_again_and_again_is_limited_as_a_user_not_as_an_address() {
    let app = app_with("login-user=2/60", "100/600/900").await;
    let login = Adapter::<Login>::build(&app.startup()).await.unwrap();
    let (same, other) = (app.new_user_name("again"), app.new_user_name("next"));

    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(
            login
                .handle(login_from("203.0.113.50", &format!("{same}.{i}")))
                .await
                .status()
                .as_u16(),
        );
    }
    let neighbour = login
        .handle(login_from("203.0.113.50", &format!("{other}.1")))
        .await;

    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(neighbour.status(), 200, "the address is not limited");
}

#[tokio::test]
async fn a_revoked_token_spends_nothing_of_its_users_budget() {
    let app = app_with("profile=2/60", "100/600/900").await;
    let name = app.new_user_name("gone");
    let old = app.login(&name).await;
    let old = old["accessToken"].as_str().unwrap().to_owned();
    let fresh = app.login(&name).await;
    let fresh = fresh["accessToken"].as_str().unwrap().to_owned();
    let logout = request(Method::POST, "/auth/logout")
        .bearer(&old)
        .json(&json!({}));
    assert_eq!(app.call::<shared::identity::Logout>(logout).await.status, 200);
    let patch = |token: &str| {
        request(Method::PATCH, "/users/me")
            .bearer(token)
            .json(&json!({"nickname": "小明"}))
    };

    let mut revoked = Vec::new();
    for _ in 0..5 {
        revoked.push(app.call::<UpdateUserInfo>(patch(&old)).await.code());
    }
    let live = [
        app.call::<UpdateUserInfo>(patch(&fresh)).await.status,
        app.call::<UpdateUserInfo>(patch(&fresh)).await.status,
    ];

    assert_eq!(revoked, [40105; 5], "the ended session is refused, not counted");
    assert_eq!(live, [200, 200], "the user's budget is whole");
}
