//! Paying for an order: the prepay against a fake WeChat Pay that checks our signatures and signs
//! its answers, and the parameters of `wx.requestPayment`.

use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use integration_tests::{RequestBuilder, TestApp, product, request, spawn_app, variant_product};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::domain::ids::OrderId;
use shared::domain::orders::OrderStatus;
use shared::fulfilment::ShipOrder;
use shared::infra::store::keys;
use shared::orders::{CancelOrder, GetOrder, SubmitOrder};
use shared::payments::refunds::Refunds;
use shared::payments::{ExpireOrders, PayNotify, PayOrder, RefundNotify, RefundOrder};
use shared::runtime::events::EventAdapter;
use shared::runtime::startup::Build as _;
use shared::runtime::webhook::WebhookAdapter;
use shared::wechat::Subscribe;
use tools::fake_wechatpay::{self, FakePay, FakePayConfig, Notification, RsaKeys, rsa_keys};

pub(crate) const MCHID: &str = "1900000109";
const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112500000000000001";
const CERTIFICATE_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

pub(crate) struct Shop {
    pub(crate) app: TestApp,
    pub(crate) pay: FakePay,
    merchant: RsaKeys,
    pub(crate) token: String,
}

/// An app with a product, a buyer, and WeChat Pay configured against the fake.
pub(crate) async fn shop() -> Shop {
    shop_of(spawn_app().await).await
}

/// [`shop`] of `app` (whose clock the fake WeChat Pay shares).
pub(crate) async fn shop_of(mut app: TestApp) -> Shop {
    app.seed(&[product("tea", 1250, 10, true, "tea", 1)]).await;
    let (merchant, platform, certificate) = (rsa_keys(), rsa_keys(), rsa_keys());
    let pay = fake_wechatpay::spawn(FakePayConfig {
        mchid: MCHID.into(),
        appid: app.wechat.appid.clone(),
        merchant_public_der_base64: merchant.public_der_base64.clone(),
        platform_private_pem: platform.private_pem.clone(),
        platform_key_id: PLATFORM_KEY_ID.into(),
        api_v3_key: API_V3_KEY.into(),
        clock: app.clock.clone(),
        certificate: Some((CERTIFICATE_SERIAL.into(), certificate.private_pem.clone())),
        deliver_to: None,
    })
    .await
    .unwrap();
    app.env = app
        .env
        .clone()
        .with("WECHAT_PAY_MCHID", MCHID)
        .with("WECHAT_PAY_SERIAL_NO", "3775B6A45ACD588826D15E583A95F5DD2C7ED4B2")
        .with("WECHAT_PAY_MERCHANT_KEY", merchant.private_pem.clone())
        .with(
            "WECHAT_PAY_PLATFORM_KEYS",
            format!(
                "{PLATFORM_KEY_ID}:{},{CERTIFICATE_SERIAL}:{}",
                platform.public_der_base64, certificate.public_der_base64
            ),
        )
        .with("WECHAT_PAY_NOTIFY_URL", "https://api.example.com/pay/notify")
        .with("WECHAT_PAY_API_V3_KEY", API_V3_KEY)
        .with("WECHAT_PAY_API_BASE", pay.base_url.clone());
    let token = app.token_for("o_payer").await;
    Shop {
        app,
        pay,
        merchant,
        token,
    }
}

pub(crate) async fn place(shop: &Shop, key: &str) -> String {
    let reply = shop
        .app
        .call::<SubmitOrder>(
            request(Method::POST, "/orders")
                .bearer(&shop.token)
                .header("idempotency-key", key)
                .json(&json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 2}]})),
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
        .with("WECHAT_PAY_MERCHANT_KEY", other.private_pem.clone());
    let wrong_key = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;
    // WeChat Pay's answer does not verify under the configured platform key: not believed.
    shop.app.env = shop
        .app
        .env
        .clone()
        .with("WECHAT_PAY_MERCHANT_KEY", shop.merchant.private_pem.clone())
        .with(
            "WECHAT_PAY_PLATFORM_KEYS",
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

/// The transaction WeChat Pay reports for a paid order.
pub(crate) fn transaction(shop: &Shop, order_id: &str, total: i64, transaction_id: &str) -> Value {
    json!({
        "mchid": MCHID, "appid": shop.app.wechat.appid, "out_trade_no": order_id,
        "transaction_id": transaction_id, "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": "2026-11-25T18:00:00+08:00",
        "payer": {"openid": "o_payer"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}
    })
}

/// Posts `notification` to the notify function as API Gateway delivers it: (status, body).
pub(crate) async fn notify(shop: &Shop, notification: &Notification) -> (u16, Value) {
    let handler = WebhookAdapter::<PayNotify>::build(&shop.app.startup())
        .await
        .unwrap();
    let mut builder = request(Method::POST, "/pay/notify").header("content-type", "application/json");
    for (name, value) in &notification.headers {
        builder = builder.header(name, value);
    }
    let response = handler
        .handle(builder.raw_body(notification.body.clone()).build())
        .await;
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

pub(crate) async fn order_status(shop: &Shop, id: &str) -> Value {
    let reply = shop
        .app
        .call::<GetOrder>(
            request(Method::GET, "/orders/x")
                .bearer(&shop.token)
                .path_param("id", id)
                .build(),
        )
        .await;
    reply.data().clone()
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_signed_payment_notification_marks_the_order_paid_once_and_a_repeat_changes_nothing() {
    let shop = shop().await;
    let id = place(&shop, "notify-key-01").await;
    let paid = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000001"), now());

    let first = notify(&shop, &paid).await;
    let after_first = shop.app.table_snapshot().await;
    let repeat = notify(&shop, &paid).await;

    assert_eq!(first, (204, Value::Null));
    assert_eq!(repeat, (204, Value::Null), "a repeat answers success");
    assert_eq!(
        shop.app.table_snapshot().await,
        after_first,
        "and changes nothing"
    );
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "PAID");
    assert_eq!(order["transactionId"], "4200002026112500000001");
    assert_eq!(order["paidAt"], "2026-11-25T10:00:00.000Z");
    let holdings = shop.app.item(&keys::holdings("o_payer")).await.unwrap();
    assert_eq!(
        holdings[keys::field::holdings::PENDING_ORDERS].as_n().unwrap(),
        "0",
        "a paid order no longer counts as unpaid"
    );
    let refused = shop.app.call::<PayOrder>(pay_request(&shop.token, &id)).await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, 40907),
        "a paid order is not paid again"
    );
}

#[tokio::test]
async fn forged_stale_or_mismatched_notifications_change_nothing_and_are_logged() {
    let shop = shop().await;
    let id = place(&shop, "notify-key-02").await;
    let before = shop.app.table_snapshot().await;
    let good = transaction(&shop, &id, 2500, "4200002026112500000002");

    let mut tampered = shop.pay.notification(&good, now());
    tampered.body = tampered
        .body
        .replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
    let mut unknown_key = shop.pay.notification(&good, now());
    unknown_key.headers[0].1 = "PUB_KEY_ID_0000000000000000000000000000000000".into();
    let stale = shop.pay.notification(&good, now() - 301);
    let mut cheap = good.clone();
    cheap["amount"]["total"] = json!(1);
    let mut other_merchant = good.clone();
    other_merchant["mchid"] = json!("1900000999");
    let mut other_order = good.clone();
    other_order["out_trade_no"] = json!("2026112500000000000000");

    let statuses = [
        notify(&shop, &tampered).await.0,
        notify(&shop, &unknown_key).await.0,
        notify(&shop, &stale).await.0,
        notify(&shop, &shop.pay.notification(&cheap, now())).await.0,
        notify(&shop, &shop.pay.notification(&other_merchant, now()))
            .await
            .0,
        notify(&shop, &shop.pay.notification(&other_order, now())).await.0,
    ];

    assert_eq!(statuses, [401, 401, 401, 400, 400, 400]);
    let (_, body) = notify(&shop, &tampered).await;
    assert_eq!(body["code"], "FAIL");
    assert_eq!(shop.app.table_snapshot().await, before, "nothing was written");
    assert_eq!(order_status(&shop, &id).await["status"], "PENDING_PAYMENT");
    let logs = integration_tests::captured_logs();
    assert!(logs.contains("forged_payment_notification"));
    assert!(logs.contains("mismatched_payment_notification"));
}

#[tokio::test]
async fn a_payment_for_a_cancelled_order_is_refunded_once_and_the_order_stays_cancelled() {
    let shop = shop().await;
    let id = place(&shop, "notify-key-03").await;
    let cancelled = shop
        .app
        .call::<CancelOrder>(
            request(Method::POST, "/orders/x/cancel")
                .bearer(&shop.token)
                .path_param("id", &id)
                .build(),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    let late = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000003"), now());

    let first = notify(&shop, &late).await;
    let repeat = notify(&shop, &late).await;

    assert_eq!((first.0, repeat.0), (204, 204));
    assert_eq!(
        shop.pay.refunds(),
        ["RL4200002026112500000003"],
        "refunded, under one refund number"
    );
    assert_eq!(
        order_status(&shop, &id).await["status"],
        "CANCELLED",
        "never resurrected"
    );
    assert!(
        shop.app
            .item(&keys::refund("RL4200002026112500000003"))
            .await
            .is_some(),
        "the refund is recorded"
    );
    assert_eq!(
        shop.app.stock("tea").await,
        10,
        "the released stock stays released"
    );
}

/// Runs the expiry sweep once, as the schedule does.
pub(crate) async fn sweep(shop: &Shop) -> Value {
    let handler = EventAdapter::<ExpireOrders>::build(&shop.app.startup())
        .await
        .unwrap();
    let report = handler
        .handle("sweep", json!({"source": "aws.scheduler"}))
        .await
        .unwrap();
    serde_json::to_value(report).unwrap()
}

#[tokio::test]
async fn overdue_orders_are_closed_and_restocked_exactly_once_even_by_two_sweeps_at_once() {
    let shop = shop().await;
    let prepaid = place(&shop, "expire-key-01").await;
    assert_eq!(
        shop.app
            .call::<PayOrder>(pay_request(&shop.token, &prepaid))
            .await
            .status,
        200
    );
    let never_prepaid = place(&shop, "expire-key-02").await;
    assert_eq!(shop.app.stock("tea").await, 6);
    assert_eq!(sweep(&shop).await["examined"], 0, "nothing is overdue yet");

    shop.app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let (a, b) = tokio::join!(sweep(&shop), sweep(&shop));

    assert_eq!(
        a["cancelled"].as_u64().unwrap() + b["cancelled"].as_u64().unwrap(),
        2,
        "each order cancelled once: {a} {b}"
    );
    assert_eq!(shop.app.stock("tea").await, 10, "the stock came back once");
    assert_eq!(order_status(&shop, &prepaid).await["status"], "CANCELLED");
    assert_eq!(order_status(&shop, &never_prepaid).await["status"], "CANCELLED");
    assert!(
        shop.pay.closes(&prepaid) >= 1,
        "closed at WeChat Pay before the stock was released"
    );
    assert_eq!(
        shop.pay.closes(&never_prepaid),
        0,
        "nothing to close: WeChat Pay never saw it"
    );
    assert_eq!(
        sweep(&shop).await["examined"],
        0,
        "cancelled orders leave the index"
    );
}

#[tokio::test]
async fn one_order_that_fails_in_the_sweep_is_counted_and_left_for_the_next_while_the_others_expire() {
    let shop = shop().await;
    let broken = place(&shop, "expire-key-11").await;
    let healthy = place(&shop, "expire-key-12").await;
    shop.pay.break_queries(&broken, true);
    shop.app.clock.advance(Duration::from_secs(30 * 60 + 1));

    let first = sweep(&shop).await;

    assert_eq!(
        (
            first["examined"].as_u64(),
            first["cancelled"].as_u64(),
            first["failed"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{first}"
    );
    assert_eq!(order_status(&shop, &healthy).await["status"], "CANCELLED");
    assert_eq!(
        order_status(&shop, &broken).await["status"],
        "PENDING_PAYMENT",
        "left as it was"
    );
    assert!(
        integration_tests::captured_metrics()
            .iter()
            .any(|m| m["function"] == "expire-orders" && m["SweepFailures"] == 1.0),
        "the failure is a metric"
    );
    let logs = integration_tests::captured_logs();
    assert!(logs.contains(&broken) && logs.contains("the next sweep takes it again"));

    shop.pay.break_queries(&broken, false);
    let next = sweep(&shop).await;
    assert_eq!(
        (next["cancelled"].as_u64(), next["failed"].as_u64()),
        (Some(1), Some(0)),
        "{next}"
    );
    assert_eq!(order_status(&shop, &broken).await["status"], "CANCELLED");
    assert_eq!(
        shop.app.stock("tea").await,
        10,
        "both orders' units came back, once"
    );
}

#[tokio::test]
async fn a_payment_whose_notification_was_lost_is_found_by_the_sweep() {
    let shop = shop().await;
    let id = place(&shop, "expire-key-03").await;
    assert_eq!(
        shop.app
            .call::<PayOrder>(pay_request(&shop.token, &id))
            .await
            .status,
        200
    );
    shop.pay.pay(&id, "4200002026112500000009", 2500);

    shop.app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let report = sweep(&shop).await;

    assert_eq!(
        (report["paid"].as_u64(), report["cancelled"].as_u64()),
        (Some(1), Some(0))
    );
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "PAID");
    assert_eq!(order["transactionId"], "4200002026112500000009");
    assert_eq!(shop.app.stock("tea").await, 8, "a paid order keeps its stock");
    assert_eq!(shop.pay.closes(&id), 0);
}

#[tokio::test]
async fn notifications_signed_by_the_certificate_or_the_public_key_id_both_count_and_concurrent_ones_pay_once()
 {
    let shop = shop().await;
    let id = place(&shop, "notify-key-04").await;
    let paid = transaction(&shop, &id, 2500, "4200002026112500000004");
    let by_key_id = shop.pay.notification(&paid, now());
    let by_certificate = shop.pay.notification(&paid, now());
    assert_eq!(by_key_id.headers[0].1, PLATFORM_KEY_ID);
    assert_eq!(by_certificate.headers[0].1, CERTIFICATE_SERIAL);

    let (a, b) = tokio::join!(notify(&shop, &by_key_id), notify(&shop, &by_certificate));

    assert_eq!((a.0, b.0), (204, 204), "{a:?} {b:?}");
    assert_eq!(order_status(&shop, &id).await["status"], "PAID");
    let holdings = shop.app.item(&keys::holdings("o_payer")).await.unwrap();
    assert_eq!(
        holdings[keys::field::holdings::PENDING_ORDERS].as_n().unwrap(),
        "0",
        "released once, not twice"
    );
}

#[tokio::test]
async fn a_validly_signed_notification_whose_ciphertext_was_tampered_with_changes_nothing() {
    let shop = shop().await;
    let id = place(&shop, "notify-key-05").await;
    let genuine = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000005"), now());
    let mut body: Value = serde_json::from_str(&genuine.body).unwrap();
    let ciphertext = body["resource"]["ciphertext"].as_str().unwrap().to_owned();
    let mut bytes = STANDARD.decode(ciphertext).unwrap();
    bytes[0] ^= 1;
    body["resource"]["ciphertext"] = json!(STANDARD.encode(bytes));
    let before = shop.app.table_snapshot().await;

    let (status, reply) = notify(&shop, &shop.pay.sign_notification(body.to_string(), now())).await;

    assert_eq!((status, reply["code"].as_str()), (400, Some("FAIL")));
    assert_eq!(shop.app.table_snapshot().await, before);
}

/// A paid order of the shop's buyer.
pub(crate) async fn paid_order(shop: &Shop, key: &str, transaction_id: &str) -> String {
    let id = place(shop, key).await;
    let paid = shop
        .pay
        .notification(&transaction(shop, &id, 2500, transaction_id), now());
    assert_eq!(notify(shop, &paid).await.0, 204);
    id
}

pub(crate) fn refund_request(token: &str, id: &str) -> lambda_http::Request {
    request(Method::POST, "/orders/x/refund")
        .bearer(token)
        .path_param("id", id)
        .build()
}

/// WeChat Pay's `REFUND.SUCCESS` notification of the full refund of order `id` (2500 fen).
fn refund_succeeded(shop: &Shop, id: &str, transaction_id: &str) -> Notification {
    let refunded = json!({
        "mchid": MCHID, "out_trade_no": id, "transaction_id": transaction_id,
        "out_refund_no": format!("R{id}"), "refund_id": "50300000000000000000000000001",
        "refund_status": "SUCCESS", "success_time": "2026-11-25T18:30:00+08:00",
        "amount": {"total": 2500, "refund": 2500, "payer_total": 2500, "payer_refund": 2500}
    });
    shop.pay
        .notification_of("REFUND.SUCCESS", "refund", &refunded, now())
}

/// Posts a refund notification to the refund-notify function: (status, body).
pub(crate) async fn refund_notify(shop: &Shop, notification: &Notification) -> (u16, Value) {
    let handler = WebhookAdapter::<RefundNotify>::build(&shop.app.startup())
        .await
        .unwrap();
    let mut builder = request(Method::POST, "/pay/refund-notify").header("content-type", "application/json");
    for (name, value) in &notification.headers {
        builder = builder.header(name, value);
    }
    let response = handler
        .handle(builder.raw_body(notification.body.clone()).build())
        .await;
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn a_paid_order_is_refunded_once_and_its_notification_makes_it_refunded() {
    let shop = shop().await;
    let id = paid_order(&shop, "refund-key-01", "4200002026112500000010").await;

    let first = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    let again = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.data()["status"], "REFUNDING");
    assert_eq!(again.data()["status"], "REFUNDING");
    assert_eq!(
        shop.pay.refunds(),
        [format!("R{id}")],
        "one refund number, however often it is asked"
    );
    let notification = refund_succeeded(&shop, &id, "4200002026112500000010");
    assert_eq!(refund_notify(&shop, &notification).await.0, 204);
    assert_eq!(
        refund_notify(&shop, &notification).await.0,
        204,
        "a repeat answers success"
    );
    assert_eq!(order_status(&shop, &id).await["status"], "REFUNDED");
    assert_eq!(
        shop.app.stock("tea").await,
        10,
        "the stock of a refunded, unshipped order came back once"
    );
    let after = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    assert_eq!(after.data()["status"], "REFUNDED");
    assert_eq!(shop.pay.refunds().len(), 1);
}

#[tokio::test]
async fn an_abnormal_refund_is_recorded_on_its_order_and_a_later_success_still_ends_it() {
    let shop = shop().await;
    let id = paid_order(&shop, "refund-key-04", "4200002026112500000012").await;
    let asked = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    assert_eq!(asked.data()["status"], "REFUNDING", "{:?}", asked.body);
    let stock = shop.app.stock("tea").await;
    let refund = |status: &str| {
        json!({
            "mchid": MCHID, "out_trade_no": id, "transaction_id": "4200002026112500000012",
            "out_refund_no": format!("R{id}"), "refund_id": "50300000000000000000000000002",
            "refund_status": status,
            "amount": {"total": 2500, "refund": 2500, "payer_total": 2500, "payer_refund": 2500}
        })
    };

    let abnormal = shop
        .pay
        .notification_of("REFUND.ABNORMAL", "refund", &refund("ABNORMAL"), now());
    assert_eq!(refund_notify(&shop, &abnormal).await.0, 204);
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "REFUNDING", "{order}");
    assert_eq!(order["refundIssue"], "ABNORMAL", "an operator can see it");
    let issues: Vec<String> = shop
        .app
        .store()
        .refund_issues(100)
        .await
        .unwrap()
        .iter()
        .map(|o| o.order_id.to_string())
        .collect();
    assert!(issues.contains(&id), "listed for the operator: {issues:?}");
    assert_eq!(
        shop.app.stock("tea").await,
        stock,
        "no stock back for a refund not made"
    );

    // Settled in the merchant platform: WeChat Pay then reports the success.
    let settled = shop
        .pay
        .notification_of("REFUND.SUCCESS", "refund", &refund("SUCCESS"), now());
    assert_eq!(refund_notify(&shop, &settled).await.0, 204);
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "REFUNDED");
    assert!(order.get("refundIssue").is_none(), "{order}");
    let issues = shop.app.store().refund_issues(100).await.unwrap();
    assert!(
        issues.iter().all(|o| o.order_id.as_str() != id),
        "no longer an issue once refunded"
    );
    assert_eq!(shop.app.stock("tea").await, stock + 2);
    assert_eq!(
        refund_notify(&shop, &abnormal).await.0,
        204,
        "a late abnormal notice changes nothing"
    );
    assert!(order_status(&shop, &id).await.get("refundIssue").is_none());
}

#[tokio::test]
async fn refunds_whose_notification_was_lost_are_ended_by_the_sweep() {
    let shop = shop().await;
    let succeeded = paid_order(&shop, "refund-key-05", "4200002026112500000013").await;
    let failed = paid_order(&shop, "refund-key-06", "4200002026112500000014").await;
    let lost = paid_order(&shop, "refund-key-07", "4200002026112500000015").await;
    for id in [&succeeded, &failed, &lost] {
        let asked = shop
            .app
            .call::<RefundOrder>(refund_request(&shop.token, id))
            .await;
        assert_eq!(asked.data()["status"], "REFUNDING", "{:?}", asked.body);
    }
    assert_eq!(shop.app.stock("tea").await, 4);
    assert_eq!(
        sweep(&shop).await["refundsExamined"],
        0,
        "a fresh refund waits for its notification"
    );
    shop.pay.settle_refund(&format!("R{succeeded}"), "SUCCESS");
    shop.pay.settle_refund(&format!("R{failed}"), "ABNORMAL");
    shop.pay.lose_refund(&format!("R{lost}"));

    shop.app.clock.advance(Duration::from_secs(10 * 60 + 1));
    let report = sweep(&shop).await;

    assert_eq!(
        [
            &report["refundsExamined"],
            &report["refunded"],
            &report["refundsFlagged"],
            &report["refundsAskedAgain"]
        ],
        [3, 1, 1, 1],
        "{report}"
    );
    assert_eq!(order_status(&shop, &succeeded).await["status"], "REFUNDED");
    assert_eq!(
        shop.app.stock("tea").await,
        6,
        "the refunded order's stock came back once"
    );
    let flagged = order_status(&shop, &failed).await;
    assert_eq!(
        (&flagged["status"], &flagged["refundIssue"]),
        (&json!("REFUNDING"), &json!("ABNORMAL"))
    );
    assert!(
        shop.pay.refunds().contains(&format!("R{lost}")),
        "asked again, same number"
    );
    assert_eq!(order_status(&shop, &lost).await["status"], "REFUNDING");

    let again = sweep(&shop).await;
    assert_eq!(
        (
            &again["refundsExamined"],
            &again["refunded"],
            &again["refundsAskedAgain"]
        ),
        (&json!(1), &json!(0), &json!(0)),
        "only the refund still under way is asked about again: {again}"
    );
    assert_eq!(shop.app.stock("tea").await, 6);
}

#[tokio::test]
async fn only_the_owner_of_a_paid_order_can_ask_for_a_refund() {
    let shop = shop().await;
    let paid = paid_order(&shop, "refund-key-02", "4200002026112500000011").await;
    let unpaid = place(&shop, "refund-key-03").await;
    let stranger = shop.app.token_for("o_stranger").await;

    let foreign = shop
        .app
        .call::<RefundOrder>(refund_request(&stranger, &paid))
        .await;
    let early = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &unpaid))
        .await;

    assert_eq!((foreign.status, foreign.code()), (404, 40401));
    assert_eq!((early.status, early.code()), (409, 40908), "{:?}", early.body);
    assert_eq!(early.data()["status"], "PENDING_PAYMENT");
    assert!(shop.pay.refunds().is_empty());
    let mut forged = shop
        .pay
        .notification_of("REFUND.SUCCESS", "refund", &json!({}), now());
    forged.headers[3].1 = STANDARD.encode([0u8; 256]);
    assert_eq!(refund_notify(&shop, &forged).await.0, 401);
}

/// `make bench` runs this: the latency of `/pay/notify` in-process against the emulator (a debug
/// build; the emulator answers one request at a time), over 100 first notifications.
#[tokio::test]
#[ignore = "a measurement, run by make bench"]
async fn pay_notify_latency() {
    let mut shop = shop().await;
    shop.app.env = shop.app.env.clone().with("MAX_PENDING_ORDERS", "1000");
    shop.app
        .seed(&[product("tea", 1250, 100_000, true, "tea", 1)])
        .await;
    let handler = WebhookAdapter::<PayNotify>::build(&shop.app.startup())
        .await
        .unwrap();
    let mut latencies = Vec::new();
    for i in 0..100 {
        let id = place(&shop, &format!("latency-key-{i:04}")).await;
        let paid = shop.pay.notification(
            &transaction(&shop, &id, 2500, &format!("42000020261125{i:014}")),
            now(),
        );
        let mut builder = request(Method::POST, "/pay/notify");
        for (name, value) in &paid.headers {
            builder = builder.header(name, value);
        }
        let request = builder.raw_body(paid.body.clone()).build();
        let started = std::time::Instant::now();
        let response = handler.handle(request).await;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(response.status().as_u16(), 204);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "pay-notify: {} notifications, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms (debug build, in-process, local emulator)",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99)
    );
}

fn ship_request(id: &str, tracking_no: &str) -> RequestBuilder {
    request(Method::POST, "/admin/orders/x/ship")
        .path_param("id", id)
        .header("content-type", "application/json")
        .raw_body(json!({"carrier": "SF", "trackingNo": tracking_no}).to_string())
}

/// A session of the operators' role ([`integration_tests::OPERATOR_ROLE`]).
pub(crate) const OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/shop-shippers/alice";

#[tokio::test]
async fn only_sessions_of_the_named_operators_role_may_ship_not_any_principal_of_the_account() {
    let mut shop = shop().await;
    let _wechat = shop.app.own_wechat().await;
    let id = paid_order(&shop, "ship-key-09", "4200002026112500000029").await;

    let mut refused = Vec::new();
    for principal in [
        "arn:aws:iam::123456789012:user/intern",
        "arn:aws:sts::123456789012:assumed-role/developers/bob",
        "arn:aws:sts::999999999999:assumed-role/shop-shippers/mallory",
    ] {
        let reply = shop
            .app
            .call::<ShipOrder>(ship_request(&id, "SF9009").iam(principal).build())
            .await;
        refused.push((reply.status, reply.code()));
    }
    assert_eq!(refused, [(403, 40302); 3]);
    assert_eq!(
        order_status(&shop, &id).await["status"],
        "PAID",
        "nothing shipped"
    );
    assert!(integration_tests::captured_logs().contains("operator_refused"));

    // Without a role named, nobody may.
    shop.app.env = shop.app.env.clone().without("OPERATOR_ROLE_ARN");
    let unnamed = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF9009").iam(OPERATOR).build())
        .await;
    assert_eq!((unnamed.status, unnamed.code()), (403, 40302));
    shop.app.env = shop
        .app
        .env
        .clone()
        .with("OPERATOR_ROLE_ARN", integration_tests::OPERATOR_ROLE);
    let shipped = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF9009").iam(OPERATOR).build())
        .await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
}

#[tokio::test]
async fn an_operator_ships_a_paid_order_once_wechat_is_told_and_its_owner_can_no_longer_refund_it() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let id = paid_order(&shop, "ship-key-01", "4200002026112500000020").await;

    let with_user_token = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF1001").bearer(&shop.token).build())
        .await;
    assert_eq!(
        (with_user_token.status, with_user_token.code()),
        (403, 40302),
        "a user token never reaches the operators' route: {:?}",
        with_user_token.body
    );
    assert_eq!(order_status(&shop, &id).await["status"], "PAID");
    let unsigned = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF1001").build())
        .await;
    assert_eq!((unsigned.status, unsigned.code()), (401, 40108));

    let shipped = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF1001").iam(OPERATOR).build())
        .await;
    let again = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF1001").iam(OPERATOR).build())
        .await;
    let other_parcel = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF2002").iam(OPERATOR).build())
        .await;

    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    assert_eq!(shipped.data()["status"], "SHIPPED");
    assert_eq!(shipped.data()["shipment"]["carrier"], "SF");
    assert_eq!(shipped.data()["shipment"]["trackingNo"], "SF1001");
    assert!(shipped.data()["shipment"]["reportedAt"].is_string());
    assert_eq!(again.status, 200, "the same parcel again is harmless");
    assert_eq!((other_parcel.status, other_parcel.code()), (409, 40909));
    assert_eq!(other_parcel.data()["trackingNo"], "SF1001");
    let reports = wechat.shipments();
    assert_eq!(reports.len(), 1, "WeChat is told once: {reports:?}");
    assert_eq!(
        reports[0]["order_key"]["transaction_id"],
        "4200002026112500000020"
    );
    assert_eq!(reports[0]["payer"]["openid"], "o_payer");
    assert_eq!(reports[0]["shipping_list"][0]["tracking_no"], "SF1001");
    assert_eq!(reports[0]["shipping_list"][0]["express_company"], "SF");
    assert_eq!(
        reports[0]["shipping_list"][0]["contact"]["receiver_contact"], "138****8000",
        "SF Express gets the receiver's phone, masked as WeChat asks"
    );
    assert_eq!(wechat.stable_token_calls(), 1);

    let by_owner = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    assert_eq!((by_owner.status, by_owner.code()), (409, 40908));
    assert_eq!(by_owner.data()["status"], "SHIPPED");

    // The merchant refunds a shipped order (goods returned): no stock comes back by itself.
    let refunds = Refunds::build(&shop.app.startup()).await.unwrap();
    let order_id = OrderId::parse(&id).unwrap();
    assert_eq!(
        refunds.refund(None, &order_id).await.unwrap().status,
        OrderStatus::Refunding
    );
    let notification = refund_succeeded(&shop, &id, "4200002026112500000020");
    assert_eq!(refund_notify(&shop, &notification).await.0, 204);
    assert_eq!(order_status(&shop, &id).await["status"], "REFUNDED");
    assert_eq!(
        shop.app.stock("tea").await,
        8,
        "a shipped order's stock is not restored by its refund"
    );
}

#[tokio::test]
async fn sf_needs_the_receivers_phone_so_an_order_without_an_address_ships_with_another_carrier() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let mut card = product("card", 2500, 5, true, "digital", 2);
    card.fulfilment = shared::domain::catalog::Fulfilment::Virtual;
    shop.app.seed(&[card]).await;
    let placed = shop
        .app
        .call::<SubmitOrder>(
            request(Method::POST, "/orders")
                .bearer(&shop.token)
                .header("idempotency-key", "card-key-0001")
                .json(&json!({"items": [{"productId": "card", "quantity": 1}]})),
        )
        .await;
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();
    let paid = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000077"), now());
    assert_eq!(notify(&shop, &paid).await.0, 204);

    let by_sf = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF3003").iam(OPERATOR).build())
        .await;
    let by_zto = shop
        .app
        .call::<ShipOrder>(
            request(Method::POST, "/admin/orders/x/ship")
                .path_param("id", &id)
                .header("content-type", "application/json")
                .raw_body(json!({"carrier": "ZTO", "trackingNo": "ZTO3003"}).to_string())
                .iam(OPERATOR)
                .build(),
        )
        .await;

    assert_eq!((by_sf.status, by_sf.code()), (409, 40909), "{:?}", by_sf.body);
    assert_eq!(by_sf.data()["carrier"], "SF");
    assert_eq!(by_zto.status, 200, "{:?}", by_zto.body);
    let reports = wechat.shipments();
    assert_eq!(reports.len(), 1, "only the ZTO parcel was reported: {reports:?}");
    assert!(
        reports[0]["shipping_list"][0].get("contact").is_none(),
        "no contact where none is required"
    );
}

#[tokio::test]
async fn an_unpaid_order_does_not_ship_and_a_report_wechat_missed_is_sent_when_asked_again() {
    let mut shop = shop().await;
    let unpaid = place(&shop, "ship-key-02").await;
    let id = paid_order(&shop, "ship-key-03", "4200002026112500000021").await;

    let early = shop
        .app
        .call::<ShipOrder>(ship_request(&unpaid, "SF3003").iam(OPERATOR).build())
        .await;
    let unknown = shop
        .app
        .call::<ShipOrder>(ship_request("123", "SF3003").iam(OPERATOR).build())
        .await;
    let bad_carrier = shop
        .app
        .call::<ShipOrder>(
            request(Method::POST, "/admin/orders/x/ship")
                .path_param("id", &id)
                .iam(OPERATOR)
                .json(&json!({"carrier": "S F", "trackingNo": "1"})),
        )
        .await;
    assert_eq!((early.status, early.code()), (409, 40909), "{:?}", early.body);
    assert_eq!(early.data()["status"], "PENDING_PAYMENT");
    assert_eq!((unknown.status, unknown.code()), (404, 40401));
    assert_eq!((bad_carrier.status, bad_carrier.code()), (400, 40002));
    assert_eq!(order_status(&shop, &id).await["status"], "PAID");

    // WeChat unreachable: the order ships, the answer says WeChat was not told.
    shop.app.env = shop.app.env.clone().with("WECHAT_API_BASE", "http://127.0.0.1:9");
    let unreported = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF4004").iam(OPERATOR).build())
        .await;
    assert_eq!(
        (unreported.status, unreported.code()),
        (503, 50301),
        "{:?}",
        unreported.body
    );
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "SHIPPED");
    assert!(order["shipment"]["reportedAt"].is_null());

    let wechat = shop.app.own_wechat().await;
    let reported = shop
        .app
        .call::<ShipOrder>(ship_request(&id, "SF4004").iam(OPERATOR).build())
        .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    assert!(reported.data()["shipment"]["reportedAt"].is_string());
    assert_eq!(wechat.shipments().len(), 1);
}

const TEMPLATES: &str = r#"{
    "orderPaid": {"templateId": "TPL_PAID", "page": "pages/order/detail?id={orderId}",
                  "data": {"character_string1": "{orderId}", "amount2": "{total}", "thing3": "{items}", "time4": "{paidAt}"}},
    "orderShipped": {"templateId": "TPL_SHIP", "data": {"thing1": "{items}", "character_string2": "{trackingNo}"}},
    "orderExpiring": {"templateId": "TPL_EXP", "data": {"thing1": "{items}", "time2": "{payBy}"}}
}"#;

fn subscribe_request(token: &str, accepted: &[&str]) -> lambda_http::Request {
    request(Method::POST, "/users/me/subscriptions")
        .bearer(token)
        .json(&json!({ "accepted": accepted }))
}

pub(crate) async fn subscribe(shop: &Shop, accepted: &[&str]) -> Value {
    let reply = shop
        .app
        .call::<Subscribe>(subscribe_request(&shop.token, accepted))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data()["subscriptions"].clone()
}

#[tokio::test]
async fn subscribe_messages_go_out_once_per_acceptance_when_orders_are_paid_and_shipped() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    shop.app.env = shop.app.env.clone().with("SUBSCRIBE_TEMPLATES", TEMPLATES);

    let before = shop.app.table_snapshot().await;
    for bad in [
        &["TPL_OTHER"][..],
        &[],
        &["TPL_PAID", "TPL_PAID"],
        &["TPL_PAID", "TPL_SHIP", "TPL_EXP", "TPL_PAID"],
    ] {
        let reply = shop
            .app
            .call::<Subscribe>(subscribe_request(&shop.token, bad))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, 40002),
            "{bad:?}: {:?}",
            reply.body
        );
    }
    assert_eq!(
        shop.app.table_snapshot().await,
        before,
        "refused reports write nothing"
    );
    assert_eq!(
        subscribe(&shop, &["TPL_PAID", "TPL_SHIP"]).await,
        json!({"TPL_PAID": 1, "TPL_SHIP": 1})
    );

    let first = paid_order(&shop, "notice-key-01", "4200002026112500000041").await;
    let second = paid_order(&shop, "notice-key-02", "4200002026112500000042").await;
    let sends = wechat.subscribe_sends();
    assert_eq!(sends.len(), 1, "one acceptance, one message: {sends:?}");
    assert_eq!(sends[0]["touser"], "o_payer");
    assert_eq!(sends[0]["template_id"], "TPL_PAID");
    assert_eq!(sends[0]["page"], format!("pages/order/detail?id={first}"));
    assert_eq!(sends[0]["data"]["amount2"]["value"], "25.00");
    assert_eq!(sends[0]["data"]["character_string1"]["value"], first);
    assert_eq!(sends[0]["data"]["time4"]["value"], "2026-11-25 18:00");

    for (id, tracking_no) in [(&first, "SF3001"), (&second, "SF3002")] {
        let shipped = shop
            .app
            .call::<ShipOrder>(ship_request(id, tracking_no).iam(OPERATOR).build())
            .await;
        assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    }
    let sends = wechat.subscribe_sends();
    assert_eq!(sends.len(), 2, "{sends:?}");
    assert_eq!(sends[1]["template_id"], "TPL_SHIP");
    assert_eq!(sends[1]["data"]["character_string2"]["value"], "SF3001");

    // A user who withdrew in WeChat (43101): nothing is sent, and what we counted is forgotten.
    assert_eq!(subscribe(&shop, &["TPL_SHIP"]).await, json!({"TPL_SHIP": 1}));
    assert_eq!(subscribe(&shop, &["TPL_SHIP"]).await, json!({"TPL_SHIP": 2}));
    wechat.refuse_subscriptions("o_payer");
    let third = paid_order(&shop, "notice-key-03", "4200002026112500000043").await;
    let shipped = shop
        .app
        .call::<ShipOrder>(ship_request(&third, "SF3003").iam(OPERATOR).build())
        .await;
    assert_eq!(
        shipped.status, 200,
        "a refused message never fails the order flow"
    );
    assert_eq!(wechat.subscribe_sends().len(), 2);
    assert_eq!(subscribe(&shop, &["TPL_SHIP"]).await, json!({"TPL_SHIP": 1}));
}

#[tokio::test]
async fn a_message_wechat_could_not_take_gives_its_acceptance_back() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    shop.app.env = shop.app.env.clone().with("SUBSCRIBE_TEMPLATES", TEMPLATES);
    subscribe(&shop, &["TPL_PAID"]).await;
    // The token is in the table already; WeChat then goes away.
    wechat.refuse_subscriptions("nobody");
    let _ = paid_order(&shop, "notice-key-11", "4200002026112500000051").await;
    assert_eq!(wechat.subscribe_sends().len(), 1);
    subscribe(&shop, &["TPL_PAID"]).await;
    shop.app.env = shop.app.env.clone().with("WECHAT_API_BASE", "http://127.0.0.1:9");

    let started = std::time::Instant::now();
    let id = paid_order(&shop, "notice-key-12", "4200002026112500000052").await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the message is bounded in time (a refused connection, not a hang)"
    );
    assert_eq!(
        order_status(&shop, &id).await["status"],
        "PAID",
        "the order flow goes on"
    );
    assert_eq!(
        subscribe(&shop, &["TPL_SHIP"]).await,
        json!({"TPL_PAID": 1, "TPL_SHIP": 1}),
        "the acceptance of the message that failed is still there"
    );
}

#[tokio::test]
async fn an_unpaid_order_about_to_close_is_reminded_once() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    shop.app.env = shop.app.env.clone().with("SUBSCRIBE_TEMPLATES", TEMPLATES);
    subscribe(&shop, &["TPL_EXP"]).await;
    subscribe(&shop, &["TPL_EXP"]).await;
    let id = place(&shop, "remind-key-01").await;

    assert_eq!(sweep(&shop).await["reminded"], 0, "30 minutes left: too early");
    shop.app.clock.advance(Duration::from_secs(22 * 60));
    assert_eq!(sweep(&shop).await["reminded"], 1);
    assert_eq!(sweep(&shop).await["reminded"], 0, "once per order");
    let sends = wechat.subscribe_sends();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["template_id"], "TPL_EXP");
    assert_eq!(sends[0]["data"]["thing1"]["value"], "商品 tea");
    assert_eq!(order_status(&shop, &id).await["status"], "PENDING_PAYMENT");

    shop.app.clock.advance(Duration::from_secs(10 * 60));
    let report = sweep(&shop).await;
    assert_eq!(
        (report["cancelled"].as_u64(), report["reminded"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(wechat.subscribe_sends().len(), 1);
}

#[tokio::test]
async fn each_sku_comes_back_on_its_own_when_an_order_expires_and_when_one_is_refunded() {
    let shop = shop().await;
    shop.app
        .seed(&[variant_product(
            "cup",
            &[("small", "小杯", 1250, 5), ("large", "大杯", 2500, 5)],
        )])
        .await;
    let place_cups = |key: &'static str, items: Value| {
        let app = &shop.app;
        let token = &shop.token;
        async move {
            let reply = app
                .call::<SubmitOrder>(
                    request(Method::POST, "/orders")
                        .bearer(token)
                        .header("idempotency-key", key)
                        .json(&json!({"address": integration_tests::address(), "items": items})),
                )
                .await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            reply.data()["orderId"].as_str().unwrap().to_owned()
        }
    };
    let stocks = || async {
        (
            shop.app.sku_stock("cup", "small").await,
            shop.app.sku_stock("cup", "large").await,
            shop.app.stock("cup").await,
        )
    };

    // A paid order of the large size is refunded: the large size comes back, the small untouched.
    let id = place_cups(
        "sku-refund-01",
        json!([{"productId": "cup", "skuId": "large", "quantity": 1}]),
    )
    .await;
    let paid = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000090"), now());
    assert_eq!(notify(&shop, &paid).await.0, 204);
    assert_eq!(stocks().await, (5, 4, 9));
    let asked = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    assert_eq!(asked.data()["status"], "REFUNDING", "{:?}", asked.body);
    let refunded = refund_succeeded(&shop, &id, "4200002026112500000090");
    assert_eq!(refund_notify(&shop, &refunded).await.0, 204);
    assert_eq!(refund_notify(&shop, &refunded).await.0, 204, "a repeat");
    assert_eq!(order_status(&shop, &id).await["status"], "REFUNDED");
    assert_eq!(stocks().await, (5, 5, 10), "the refunded SKU came back once");

    // Then an unpaid order of both sizes expires: each size gets its own units back, once.
    place_cups(
        "sku-expire-01",
        json!([{"productId": "cup", "skuId": "small", "quantity": 2}, {"productId": "cup", "skuId": "large", "quantity": 1}]),
    )
    .await;
    assert_eq!(stocks().await, (3, 4, 7));
    shop.app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let (a, b) = tokio::join!(sweep(&shop), sweep(&shop));
    assert_eq!(
        a["cancelled"].as_u64().unwrap() + b["cancelled"].as_u64().unwrap(),
        1,
        "{a} {b}"
    );
    assert_eq!(stocks().await, (5, 5, 10));
}

/// An operator's shipping call with `body`.
pub(crate) async fn ship(shop: &Shop, id: &str, body: Value) -> integration_tests::Reply {
    shop.app
        .call::<ShipOrder>(
            request(Method::POST, "/admin/orders/x/ship")
                .path_param("id", id)
                .header("content-type", "application/json")
                .raw_body(body.to_string())
                .iam(OPERATOR)
                .build(),
        )
        .await
}

#[tokio::test]
async fn an_order_shipped_in_two_calls_is_reported_split_and_all_delivered_only_on_the_last() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let id = paid_order(&shop, "split-key-01", "4200002026112500000030").await;

    let first_body = json!({"logisticsType": 1, "parcels": [
        {"carrier": "ZTO", "trackingNo": "ZTO100", "items": [{"productId": "tea", "quantity": 1}]}
    ]});
    let first = ship(&shop, &id, first_body.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.data()["status"], "PARTIALLY_SHIPPED");
    assert_eq!(
        first.data()["deliveries"][0]["items"],
        json!([{"productId": "tea", "skuId": "default", "quantity": 1}])
    );
    let owner_refund = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, &id))
        .await;
    assert_eq!(
        owner_refund.status, 409,
        "part of it left: {:?}",
        owner_refund.body
    );
    let repeat = ship(&shop, &id, first_body).await;
    assert_eq!(
        repeat.data()["status"],
        "PARTIALLY_SHIPPED",
        "the same parcels again add nothing"
    );
    let too_many = ship(
        &shop,
        &id,
        json!({"logisticsType": 1, "parcels": [{"carrier": "ZTO", "trackingNo": "ZTO300", "items": [{"productId": "tea", "quantity": 2}]}]}),
    )
    .await;
    assert_eq!(
        (too_many.status, too_many.code()),
        (400, 40002),
        "{:?}",
        too_many.body
    );

    let rest = ship(
        &shop,
        &id,
        json!({"logisticsType": 1, "parcels": [{"carrier": "YTO", "trackingNo": "YTO200"}]}),
    )
    .await;
    assert_eq!(rest.status, 200, "{:?}", rest.body);
    assert_eq!(rest.data()["status"], "SHIPPED");
    let deliveries = rest.data()["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d["reportedAt"].is_string()));
    assert_eq!(
        rest.data()["shipment"]["trackingNo"],
        "ZTO100",
        "the first parcel, as before"
    );

    let reports = wechat.shipments();
    assert_eq!(reports.len(), 2, "one report per delivery: {reports:?}");
    assert_eq!(
        (
            reports[0]["delivery_mode"].as_i64(),
            reports[0]["is_all_delivered"].as_bool()
        ),
        (Some(2), Some(false))
    );
    assert_eq!(
        (
            reports[1]["delivery_mode"].as_i64(),
            reports[1]["is_all_delivered"].as_bool()
        ),
        (Some(2), Some(true))
    );
    assert_eq!(reports[1]["shipping_list"][0]["express_company"], "YTO");
    assert_eq!(
        reports[1]["shipping_list"][0]["item_desc"], "商品 tea×1",
        "what the parcel holds, by name and count"
    );
    let after = ship(
        &shop,
        &id,
        json!({"logisticsType": 1, "parcels": [{"carrier": "YTO", "trackingNo": "YTO999"}]}),
    )
    .await;
    assert_eq!((after.status, after.code()), (409, 40909), "{:?}", after.body);
    assert_eq!(wechat.shipments().len(), 2);
    assert_eq!(shop.app.stock("tea").await, 8, "shipped goods stay out of stock");
}

#[tokio::test]
async fn virtual_goods_ship_as_virtual_with_no_parcel_and_one_report() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let mut card = product("card", 1250, 10, true, "digital", 2);
    card.fulfilment = shared::domain::catalog::Fulfilment::Virtual;
    shop.app.seed(&[card]).await;
    let placed = shop
        .app
        .call::<SubmitOrder>(
            request(Method::POST, "/orders")
                .bearer(&shop.token)
                .header("idempotency-key", "virtual-key-01")
                .json(&json!({"items": [{"productId": "card", "quantity": 2}]})),
        )
        .await;
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();
    let paid = shop
        .pay
        .notification(&transaction(&shop, &id, 2500, "4200002026112500000031"), now());
    assert_eq!(notify(&shop, &paid).await.0, 204);

    let with_parcel = ship(
        &shop,
        &id,
        json!({"logisticsType": 3, "parcels": [{"carrier": "ZTO", "trackingNo": "Z1"}]}),
    )
    .await;
    assert_eq!(
        (with_parcel.status, with_parcel.code()),
        (400, 40002),
        "{:?}",
        with_parcel.body
    );
    let shipped = ship(&shop, &id, json!({"logisticsType": 3})).await;
    let again = ship(&shop, &id, json!({"logisticsType": 3})).await;

    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    assert_eq!(shipped.data()["status"], "SHIPPED");
    assert!(shipped.data().get("shipment").is_none(), "no parcel to show");
    assert_eq!(again.status, 200, "asking again is harmless: {:?}", again.body);
    let reports = wechat.shipments();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["logistics_type"], 3);
    assert_eq!(reports[0]["delivery_mode"], 1);
    assert!(reports[0]["shipping_list"][0].get("tracking_no").is_none());
    assert_eq!(reports[0]["shipping_list"][0]["item_desc"], "商品 card×2");
}

#[tokio::test]
async fn a_carrier_outside_wechats_list_is_refused_by_name_and_the_list_is_fetched_once() {
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let id = paid_order(&shop, "carrier-key-01", "4200002026112500000040").await;

    let unknown = ship(
        &shop,
        &id,
        json!({"logisticsType": 1, "parcels": [{"carrier": "NOSUCH", "trackingNo": "N1"}]}),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (400, 40002),
        "{:?}",
        unknown.body
    );
    let message = unknown.body["message"].as_str().unwrap();
    assert!(
        message.contains("parcels[0].carrier")
            && message.contains("NOSUCH")
            && message.contains("SF 顺丰速运"),
        "{message}"
    );
    assert_eq!(
        order_status(&shop, &id).await["status"],
        "PAID",
        "nothing written"
    );
    assert!(wechat.shipments().is_empty());

    let known = ship(
        &shop,
        &id,
        json!({"logisticsType": 1, "parcels": [{"carrier": "JD", "trackingNo": "JD1"}]}),
    )
    .await;
    assert_eq!(known.status, 200, "{:?}", known.body);
    assert_eq!(
        wechat.delivery_list_calls(),
        1,
        "fetched once, then read from the table"
    );
}

/// WeChat's settlement push for order `id`, in plaintext mode, signed with the test's push token.
pub(crate) async fn settlement_push(
    shop: &Shop,
    id: &str,
    transaction_id: &str,
    received_at: i64,
) -> (u16, String) {
    use shared::runtime::webhook::WebhookAdapter;
    use shared::wechat::WechatPush;
    let event = json!({
        "ToUserName": "gh_0000000000", "FromUserName": "o_wechat_system", "CreateTime": received_at,
        "MsgType": "event", "Event": "trade_manage_order_settlement",
        "transaction_id": transaction_id, "merchant_id": MCHID, "merchant_trade_no": id,
        "pay_time": received_at - 86_400, "shipped_time": received_at - 3_600,
        "confirm_receive_method": 2, "confirm_receive_time": received_at, "settlement_time": 0
    });
    // Signed now (a push is refused five minutes away from the clock), under a nonce of its own
    // (a nonce seen in that window is a replay).
    static NONCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(5151);
    let nonce = NONCES
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    let timestamp = shop.app.clock.now().epoch_secs().to_string();
    let nonce = nonce.as_str();
    let signature = tools::fake_wechat::push_signature(SETTLEMENT_PUSH_TOKEN, &timestamp, nonce, None);
    let handler = WebhookAdapter::<WechatPush>::build(&shop.app.startup())
        .await
        .unwrap();
    let response = handler
        .handle(
            request(Method::POST, "/wechat/push")
                .header("content-type", "application/json")
                .query("signature", &signature)
                .query("timestamp", &timestamp)
                .query("nonce", nonce)
                .raw_body(event.to_string())
                .build(),
        )
        .await;
    (
        response.status().as_u16(),
        String::from_utf8_lossy(response.body()).into_owned(),
    )
}

pub(crate) const SETTLEMENT_PUSH_TOKEN: &str = "settlementPushToken";

#[tokio::test]
async fn the_buyers_receipt_pushed_by_wechat_completes_a_shipped_order_once() {
    let mut shop = shop().await;
    let _wechat = shop.app.own_wechat().await;
    shop.app.env = shop.app.env.clone().with(
        shared::wechat::settings::vars::WECHAT_PUSH_TOKEN,
        SETTLEMENT_PUSH_TOKEN,
    );
    let id = paid_order(&shop, "receipt-key-01", "4200002026112500000050").await;
    let received_at = 1_795_600_000;

    let early = settlement_push(&shop, &id, "4200002026112500000050", received_at).await;
    assert_eq!(
        early,
        (200, "success".to_owned()),
        "acknowledged, but a paid order is not completed"
    );
    assert_eq!(order_status(&shop, &id).await["status"], "PAID");

    let shipped = ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO555"})).await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    let other_payment = settlement_push(&shop, &id, "4200002026112500099999", received_at).await;
    assert_eq!(other_payment.0, 200);
    assert_eq!(
        order_status(&shop, &id).await["status"],
        "SHIPPED",
        "another payment's push changes nothing"
    );

    let first = settlement_push(&shop, &id, "4200002026112500000050", received_at).await;
    let repeat = settlement_push(&shop, &id, "4200002026112500000050", received_at + 60).await;

    assert_eq!(first, (200, "success".to_owned()));
    assert_eq!(repeat, (200, "success".to_owned()), "a repeat is acknowledged");
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "COMPLETED");
    let completed_at = shared::domain::time::Timestamp::from_epoch_secs(received_at).unwrap();
    assert_eq!(
        order["completedAt"],
        completed_at.to_string(),
        "the first push's time, once"
    );
}

#[tokio::test]
async fn a_payment_takes_several_refunds_up_to_its_total_each_under_its_own_number() {
    let shop = shop().await;
    let pay = shop.app.startup().wechat_pay(false).await.unwrap();
    let refund = |number: &'static str, fen: i64| {
        let pay = pay.clone();
        async move { pay.refund("20261125000042", number, 2500, fen, "一罐破损").await }
    };
    let refused = |result: Result<(), shared::infra::wechatpay::client::PayError>| match result {
        Err(shared::infra::wechatpay::client::PayError::Rejected { status, code, .. }) => {
            (status, code) == (400, "INVALID_REQUEST".to_owned())
        }
        other => panic!("expected WeChat Pay's refusal, got {other:?}"),
    };

    assert!(refund("R20261125000042-1", 1000).await.is_ok(), "a first part");
    assert!(
        refund("R20261125000042-1", 1000).await.is_ok(),
        "the same refund again"
    );
    assert!(refund("R20261125000042-2", 1500).await.is_ok(), "the rest");
    assert!(
        refused(refund("R20261125000042-3", 1).await),
        "past the payment's total"
    );
    assert!(
        refused(refund("R20261125000042-1", 900).await),
        "a number reused for another amount"
    );
    assert_eq!(
        shop.pay.refunds(),
        ["R20261125000042-1", "R20261125000042-2"],
        "two refunds, each once"
    );
}
