//! End to end over HTTP: the real function binaries behind `cargo lambda watch`, called like a
//! mini-program would. `make test` starts the stack and runs these with `--ignored`.

use reqwest::StatusCode;
use serde_json::{Value, json};

fn base_url() -> String {
    std::env::var("E2E_BASE_URL").expect("E2E_BASE_URL: run through `make test`")
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the function answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON envelope"))
}

#[tokio::test]
#[ignore = "needs the stack that `make test` starts"]
async fn e2e_login_then_profile_over_http() {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap();
    let base = base_url();
    let name = format!(
        "e2e{}",
        shared::infra::crypto::random_id(6).replace(['-', '_'], "0")
    );

    let (status, login) = send(
        http.post(format!("{base}/auth/login"))
            .json(&json!({"code": format!("{name}.1")})),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["data"]["isNewUser"], true);
    let token = login["data"]["accessToken"].as_str().unwrap().to_owned();

    let (status, me) = send(http.get(format!("{base}/users/me")).bearer_auth(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["data"]["openid"], login["data"]["user"]["openid"]);

    let (status, updated) = send(
        http.patch(format!("{base}/users/me"))
            .bearer_auth(&token)
            .json(&json!({"nickname": "端到端"})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["data"]["nickname"], "端到端");

    // The same function through its function URL.
    let (status, me) = send(
        http.get(format!("{base}/lambda-url/get-user-info/"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["data"]["nickname"], "端到端");

    let (status, denied) = send(http.get(format!("{base}/users/me"))).await;
    assert_eq!((status.as_u16(), denied["code"].as_i64()), (401, Some(40101)));

    // Catalog and an order, through the REST routes with path parameters.
    let (status, page) = send(http.get(format!("{base}/products?limit=3&category=tea"))).await;
    assert_eq!(status, 200, "{page}");
    let product_id = page["data"]["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, product) = send(http.get(format!("{base}/products/{product_id}"))).await;
    assert_eq!(status, 200, "{product}");
    let (status, order) = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("{name}-order-1"))
            .json(&json!({"address": integration_tests::address(), "items": [{"productId": product_id, "quantity": 1}], "expectedTotalFen": product["data"]["priceFen"]})),
    )
    .await;
    assert_eq!(status, 200, "{order}");
    let order_id = order["data"]["orderId"].as_str().unwrap().to_owned();
    let (status, fetched) = send(http.get(format!("{base}/orders/{order_id}")).bearer_auth(&token)).await;
    assert_eq!((status, &fetched["data"]), (StatusCode::OK, &order["data"]));
    let (status, cancelled) = send(
        http.post(format!("{base}/orders/{order_id}/cancel"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["data"]["status"], "CANCELLED");

    // An upload token through its route, then the upload itself, as wx.uploadFile sends it.
    let (status, grant) = send(
        http.post(format!("{base}/uploads/token"))
            .bearer_auth(&token)
            .json(&json!({"contentType": "image/png", "size": 4})),
    )
    .await;
    assert_eq!(status, 200, "{grant}");
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in grant["data"]["fields"].as_object().unwrap() {
        form = form.text(name.clone(), value.as_str().unwrap().to_owned());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(b"\x89PNG".to_vec())
            .file_name("a.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let uploaded = http
        .post(grant["data"]["url"].as_str().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status().as_u16(), 201);
    let key = grant["data"]["key"].as_str().unwrap();
    let (status, urls) = send(
        http.get(format!("{base}/files/url?keys={key}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{urls}");
    let file = http
        .get(urls["data"]["files"][0]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"\x89PNG");
}

/// Polls the order until its status is `want` (notifications arrive asynchronously).
async fn wait_for_status(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    order_id: &str,
    want: &str,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, order) = send(http.get(format!("{base}/orders/{order_id}")).bearer_auth(token)).await;
        assert_eq!(status, 200, "{order}");
        if order["data"]["status"] == want {
            return order;
        }
        last = order;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("order {order_id} never became {want}: {last}");
}

#[tokio::test]
#[ignore = "needs the stack that `make test` starts"]
async fn e2e_pay_notify_refund_over_http_with_the_fake_wechat_pay_posting_its_notifications() {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap();
    let base = base_url();
    let pay_base = std::env::var("E2E_WECHATPAY_URL").expect("E2E_WECHATPAY_URL: run through `make test`");
    let name = format!(
        "e2epay{}",
        shared::infra::crypto::random_id(6).replace(['-', '_'], "0")
    );
    let (_, login) = send(
        http.post(format!("{base}/auth/login"))
            .json(&json!({"code": format!("{name}.1")})),
    )
    .await;
    let token = login["data"]["accessToken"].as_str().unwrap().to_owned();
    let (_, page) = send(http.get(format!("{base}/products?limit=1"))).await;
    let product_id = page["data"]["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, order) = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("{name}-order-1"))
            .json(&json!({"address": integration_tests::address(), "items": [{"productId": product_id, "quantity": 1}]})),
    )
    .await;
    assert_eq!(status, 200, "{order}");
    let order_id = order["data"]["orderId"].as_str().unwrap().to_owned();

    let (status, params) = send(
        http.post(format!("{base}/orders/{order_id}/pay"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{params}");
    assert!(
        params["data"]["package"]
            .as_str()
            .unwrap()
            .starts_with("prepay_id=")
    );

    // The payer pays: the fake posts a signed, encrypted notification to /pay/notify.
    let paid = http
        .post(format!("{pay_base}/dev/pay/{order_id}"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(paid["notified"], 204, "{paid}");
    let order = wait_for_status(&http, &base, &token, &order_id, "PAID").await;
    assert_eq!(order["data"]["transactionId"], paid["transaction_id"]);

    // A forged notification over HTTP changes nothing.
    let forged = http
        .post(format!("{base}/pay/notify"))
        .header("wechatpay-serial", "PUB_KEY_ID_0000")
        .header("wechatpay-timestamp", chrono::Utc::now().timestamp().to_string())
        .header("wechatpay-nonce", "nonce")
        .header("wechatpay-signature", "AAAA")
        .body(r#"{"id":"x","resource":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    assert_eq!(forged.json::<Value>().await.unwrap()["code"], "FAIL");

    // The operators' route refuses a user token: the gateway's IAM identity is required.
    let (status, denied) = send(
        http.post(format!("{base}/admin/orders/{order_id}/ship"))
            .bearer_auth(&token)
            .json(&json!({"carrier": "SF", "trackingNo": "SF1"})),
    )
    .await;
    assert_eq!((status.as_u16(), denied["code"].as_i64()), (403, Some(40302)));

    // A refund: the fake settles it and posts REFUND.SUCCESS to /pay/refund-notify.
    let (status, refunding) = send(
        http.post(format!("{base}/orders/{order_id}/refund"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{refunding}");
    wait_for_status(&http, &base, &token, &order_id, "REFUNDED").await;
}
