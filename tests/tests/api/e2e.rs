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
            .json(&json!({"items": [{"productId": product_id, "quantity": 1}], "expectedTotalFen": product["data"]["priceFen"]})),
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
