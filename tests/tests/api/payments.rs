//! Paying for an order: the prepay against a fake WeChat Pay that checks our signatures and signs
//! its answers, and the parameters of `wx.requestPayment`.

use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use integration_tests::{TestApp, product, request, spawn_app};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::api::orders::{CancelOrder, PayOrder, SubmitOrder};
use tools::fake_wechatpay::{self, FakePay, FakePayConfig, RsaKeys, rsa_keys};

const MCHID: &str = "1900000109";
const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112500000000000001";

struct Shop {
    app: TestApp,
    pay: FakePay,
    merchant: RsaKeys,
    token: String,
}

/// An app with a product, a buyer, and WeChat Pay configured against the fake.
async fn shop() -> Shop {
    let mut app = spawn_app().await;
    app.seed(&[product("tea", 1250, 10, true, "tea", 1)]).await;
    let (merchant, platform) = (rsa_keys(), rsa_keys());
    let pay = fake_wechatpay::spawn(FakePayConfig {
        mchid: MCHID.into(),
        appid: app.wechat.appid.clone(),
        merchant_public_der_base64: merchant.public_der_base64.clone(),
        platform_private_pem: platform.private_pem.clone(),
        platform_key_id: PLATFORM_KEY_ID.into(),
    })
    .await
    .unwrap();
    app.env = app
        .env
        .clone()
        .with("WECHATPAY_MCHID", MCHID)
        .with("WECHATPAY_SERIAL_NO", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
        .with("WECHATPAY_MERCHANT_KEY", merchant.private_pem.clone())
        .with(
            "WECHATPAY_PLATFORM_KEYS",
            format!("{PLATFORM_KEY_ID}:{}", platform.public_der_base64),
        )
        .with("WECHATPAY_NOTIFY_URL", "https://api.example.com/pay/notify")
        .with("WECHATPAY_API_BASE", pay.base_url.clone());
    let token = app.token_for("o_payer").await;
    Shop {
        app,
        pay,
        merchant,
        token,
    }
}

async fn place(shop: &Shop, key: &str) -> String {
    let reply = shop
        .app
        .call::<SubmitOrder>(
            request(Method::POST, "/orders")
                .bearer(&shop.token)
                .header("idempotency-key", key)
                .json(&json!({"items": [{"productId": "tea", "quantity": 2}]})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data()["orderId"].as_str().unwrap().to_owned()
}

fn pay_request(token: &str, id: &str) -> lambda_http::Request {
    request(Method::POST, "/orders/x/pay")
        .bearer(token)
        .path_param("id", id)
        .build()
}

#[tokio::test]
async fn paying_answers_request_payment_parameters_signed_by_the_merchant_and_reuses_the_prepay() {
    let shop = shop().await;
    let id = place(&shop, "pay-key-0001").await;

    let first = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;
    let second = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    let params = first.data();
    let keys: Vec<&str> = params.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "exactly wx.requestPayment's parameters: {keys:?}");
    assert_eq!(params["signType"], "RSA");
    let package = params["package"].as_str().unwrap();
    assert!(package.starts_with("prepay_id=wx"), "{package}");
    assert!(params["timeStamp"].as_str().unwrap().parse::<i64>().is_ok());
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        shop.app.wechat.appid,
        params["timeStamp"].as_str().unwrap(),
        params["nonceStr"].as_str().unwrap(),
        package
    );
    let signature = STANDARD.decode(params["paySign"].as_str().unwrap()).unwrap();
    let merchant = STANDARD.decode(&shop.merchant.public_der_base64).unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, merchant)
        .verify(message.as_bytes(), &signature)
        .expect("paySign is SHA256withRSA over appId, timeStamp, nonceStr and package");
    assert_eq!(second.status, 200);
    assert_eq!(second.data()["package"], package, "the stored prepay is reused");
    assert_eq!(
        shop.pay.prepays(&id),
        1,
        "one prepay, however often the buyer taps pay"
    );
}

#[tokio::test]
async fn only_the_owner_can_pay_and_only_an_order_awaiting_payment_before_its_deadline() {
    let shop = shop().await;
    let id = place(&shop, "pay-key-0002").await;
    let stranger = shop.app.token_for("o_stranger").await;
    let cancelled = place(&shop, "pay-key-0003").await;
    shop.app
        .call::<CancelOrder>(
            request(Method::POST, "/orders/x/cancel")
                .bearer(&shop.token)
                .path_param("id", &cancelled)
                .build(),
        )
        .await;

    let foreign = shop.app.call::<PayOrder>(pay_request(&stranger, &id)).await;
    let garbage = shop
        .app
        .call::<PayOrder>(pay_request(&shop.token, "not-an-id"))
        .await;
    let refused = shop
        .app
        .call::<PayOrder>(pay_request(&shop.token, &cancelled))
        .await;
    shop.app.clock.advance(Duration::from_secs(29 * 60 + 1));
    let late = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;

    assert_eq!((foreign.status, foreign.code()), (404, 40401));
    assert_eq!((garbage.status, garbage.code()), (404, 40401));
    assert_eq!(
        (refused.status, refused.code()),
        (409, 40907),
        "{:?}",
        refused.body
    );
    assert_eq!(refused.data()["status"], "CANCELLED");
    assert_eq!((late.status, late.code()), (409, 40907), "{:?}", late.body);
    assert_eq!(late.data()["status"], "EXPIRED");
    assert_eq!(
        shop.pay.prepays(&id) + shop.pay.prepays(&cancelled),
        0,
        "WeChat Pay was never asked"
    );
}

#[tokio::test]
async fn a_wrong_merchant_key_or_an_unsigned_answer_never_yields_payment_parameters() {
    let mut shop = shop().await;
    let id = place(&shop, "pay-key-0004").await;
    let other = rsa_keys();

    // Our signature does not verify at WeChat Pay: a configuration error, a 500 with the request id.
    shop.app.env = shop
        .app
        .env
        .clone()
        .with("WECHATPAY_MERCHANT_KEY", other.private_pem.clone());
    let wrong_key = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;
    // WeChat Pay's answer does not verify under the configured platform key: not believed.
    shop.app.env = shop
        .app
        .env
        .clone()
        .with("WECHATPAY_MERCHANT_KEY", shop.merchant.private_pem.clone())
        .with(
            "WECHATPAY_PLATFORM_KEYS",
            format!("{PLATFORM_KEY_ID}:{}", other.public_der_base64),
        );
    let forged = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;

    assert_eq!(
        (wrong_key.status, wrong_key.code()),
        (500, 50001),
        "{:?}",
        wrong_key.body
    );
    assert_eq!((forged.status, forged.code()), (503, 50303), "{:?}", forged.body);
    assert!(forged.body.get("data").is_none());
    let order: Value = shop
        .app
        .item(&shared::infra::store::keys::order(&id))
        .await
        .map_or(Value::Null, |item| {
            json!(item.contains_key(shared::infra::store::keys::field::order::PREPAY_ID))
        });
    assert_eq!(order, json!(false), "an unverified prepay is not kept");
}
