//! After-sales: a buyer asks for units of an order back; units that never left are refunded at
//! once, each refund under its own number, never past what was paid, applied once.

use std::sync::Arc;

use integration_tests::{call, request};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::after_sales::{ListAfterSales, RequestAfterSales};

use crate::payments::{MCHID, Shop, now, order_status, paid_order, refund_notify, shop};

fn ask(token: &str, id: &str, body: Value) -> lambda_http::Request {
    request(Method::POST, "/orders/x/after-sales")
        .bearer(token)
        .path_param("id", id)
        .json(&body)
}

fn refund(quantity: i64) -> Value {
    json!({"type": "refund", "lines": [{"productId": "tea", "quantity": quantity}], "reason": "一罐破损"})
}

/// WeChat Pay's REFUND.SUCCESS of request `number` of order `id`, refunding `fen` of its 2500.
fn refunded(
    shop: &Shop,
    id: &str,
    number: u32,
    fen: i64,
    transaction_id: &str,
) -> tools::fake_wechatpay::Notification {
    let resource = json!({
        "mchid": MCHID, "out_trade_no": id, "transaction_id": transaction_id,
        "out_refund_no": format!("R{id}-{number}"), "refund_id": format!("5030000000000000000000000{number:04}"),
        "refund_status": "SUCCESS", "success_time": "2026-11-25T18:30:00+08:00",
        "amount": {"total": 2500, "refund": fen, "payer_total": 2500, "payer_refund": fen}
    });
    shop.pay
        .notification_of("REFUND.SUCCESS", "refund", &resource, now())
}

async fn requests_of(shop: &Shop, token: &str, id: &str) -> integration_tests::Reply {
    shop.app
        .call::<ListAfterSales>(
            request(Method::GET, "/orders/x/after-sales")
                .bearer(token)
                .path_param("id", id)
                .build(),
        )
        .await
}

#[tokio::test]
async fn units_that_never_left_are_refunded_at_once_one_request_at_a_time_until_the_order_is_refunded() {
    let shop = shop().await;
    let id = paid_order(&shop, "after-sales-01", "4200002026112500000070").await;
    assert_eq!(shop.app.stock("tea").await, 8);

    let first = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let entry = first.data();
    assert_eq!(
        (entry["number"].as_u64(), entry["status"].as_str()),
        (Some(1), Some("REFUNDING"))
    );
    assert_eq!(entry["amountFen"], 1250);
    assert_eq!(entry["lines"][0]["restock"], true);
    assert_eq!(
        shop.pay.refunds(),
        [format!("R{id}-1")],
        "asked of WeChat Pay under its own number"
    );
    assert_eq!(order_status(&shop, &id).await["refundedFen"], 1250);
    assert_eq!(
        shop.app.stock("tea").await,
        8,
        "stock comes back when the refund succeeds"
    );

    let notice = refunded(&shop, &id, 1, 1250, "4200002026112500000070");
    assert_eq!(refund_notify(&shop, &notice).await.0, 204);
    assert_eq!(refund_notify(&shop, &notice).await.0, 204, "a repeat is harmless");
    assert_eq!(shop.app.stock("tea").await, 9, "the refunded unit is back, once");
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "PAID", "half refunded");
    let listed = requests_of(&shop, &shop.token, &id).await;
    assert_eq!(
        listed.data()["items"][0]["status"],
        "REFUNDED",
        "{:?}",
        listed.body
    );
    assert!(listed.data()["items"][0]["refundedAt"].is_string());

    let over = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &id, refund(2)))
        .await;
    assert_eq!(
        (over.status, over.code()),
        (400, 40002),
        "only one unit is left: {:?}",
        over.body
    );
    assert!(
        over.body["message"]
            .as_str()
            .unwrap()
            .contains("lines[0].quantity")
    );

    let second = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
        .await;
    assert_eq!(second.data()["number"], 2, "{:?}", second.body);
    assert_eq!(shop.pay.refunds(), [format!("R{id}-1"), format!("R{id}-2")]);
    let last = refunded(&shop, &id, 2, 1250, "4200002026112500000070");
    assert_eq!(refund_notify(&shop, &last).await.0, 204);
    let order = order_status(&shop, &id).await;
    assert_eq!(order["status"], "REFUNDED", "everything paid came back: {order}");
    assert_eq!(order["refundedFen"], 2500);
    assert_eq!(shop.app.stock("tea").await, 10);
}

#[tokio::test]
async fn two_requests_racing_for_the_same_units_leave_exactly_one_refund() {
    let shop = shop().await;
    let id = paid_order(&shop, "after-sales-02", "4200002026112500000071").await;
    let function = Arc::new(shop.app.function::<RequestAfterSales>().await);

    let replies = futures::future::join_all((0..2).map(|_| {
        let function = function.clone();
        let asked = ask(&shop.token, &id, refund(2));
        async move {
            tokio::spawn(async move { call(&function, asked).await })
                .await
                .unwrap()
        }
    }))
    .await;

    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    let loser = replies.iter().find(|r| r.status != 200).unwrap();
    assert_eq!((loser.status, loser.code()), (400, 40002), "{:?}", loser.body);
    assert_eq!(shop.pay.refunds().len(), 1, "one refund of the whole");
    assert_eq!(order_status(&shop, &id).await["refundedFen"], 2500);
}

#[tokio::test]
async fn requests_that_cannot_be_made_are_refused_clearly_and_write_nothing() {
    let shop = shop().await;
    let unpaid = crate::payments::place(&shop, "after-sales-03").await;
    let id = paid_order(&shop, "after-sales-04", "4200002026112500000072").await;
    let stranger = shop.app.token_for("o_stranger").await;
    // The reason's content check fetches the shared access token: that is no write of the request.
    let own_writes = |snapshot: Vec<String>| -> Vec<String> {
        snapshot
            .into_iter()
            .filter(|item| !item.contains("WECHAT#ACCESS_TOKEN"))
            .collect()
    };
    let before = own_writes(shop.app.table_snapshot().await);

    let not_paid = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &unpaid, refund(1)))
        .await;
    let someone_elses = shop
        .app
        .call::<RequestAfterSales>(ask(&stranger, &id, refund(1)))
        .await;
    let risky = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "refund", "lines": [{"productId": "tea", "quantity": 1}], "reason": "forbidden words"}),
        ))
        .await;
    let no_reason = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "refund", "lines": [{"productId": "tea", "quantity": 1}], "reason": "  "}),
        ))
        .await;
    let not_a_line = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "refund", "lines": [{"productId": "pen", "quantity": 1}], "reason": "x"}),
        ))
        .await;
    let others_photo = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "refund", "lines": [{"skuId": "default", "quantity": 1}], "reason": "破损",
                   "photos": ["uploads/o_stranger/2026/11/dent.png"]}),
        ))
        .await;
    let listed_by_stranger = requests_of(&shop, &stranger, &id).await;

    assert_eq!(
        (not_paid.status, not_paid.code()),
        (409, 40910),
        "{:?}",
        not_paid.body
    );
    assert_eq!(not_paid.data()["reason"], "status");
    assert_eq!((someone_elses.status, someone_elses.code()), (404, 40401));
    assert_eq!((risky.status, risky.code()), (400, 40013), "{:?}", risky.body);
    assert_eq!((no_reason.status, no_reason.code()), (400, 40002));
    assert_eq!((not_a_line.status, not_a_line.code()), (400, 40002));
    assert_eq!(
        (others_photo.status, others_photo.code()),
        (400, 40002),
        "{:?}",
        others_photo.body
    );
    assert!(
        others_photo.body["message"]
            .as_str()
            .unwrap()
            .contains("photos[0]")
    );
    assert_eq!(listed_by_stranger.status, 404);
    assert_eq!(
        own_writes(shop.app.table_snapshot().await),
        before,
        "nothing written"
    );
    assert!(shop.pay.refunds().is_empty());
}

#[tokio::test]
async fn units_that_left_wait_for_an_operator_one_open_request_at_a_time() {
    let shop = shop().await;
    let id = paid_order(&shop, "after-sales-05", "4200002026112500000073").await;
    let shipped = crate::payments::ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO777"})).await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);

    let asked = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
        .await;
    let again = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
        .await;

    assert_eq!(asked.data()["status"], "REQUESTED", "{:?}", asked.body);
    assert_eq!(asked.data()["lines"][0]["restock"], false);
    assert!(
        shop.pay.refunds().is_empty(),
        "no money moves before an operator decides"
    );
    assert_eq!((again.status, again.code()), (409, 40910), "{:?}", again.body);
    assert_eq!(
        (again.data()["reason"].as_str(), again.data()["number"].as_u64()),
        (Some("open"), Some(1))
    );
}

#[tokio::test]
async fn the_window_closes_days_after_the_order_completed() {
    let mut shop = shop().await;
    let _wechat = shop.app.own_wechat().await;
    shop.app.env = shop
        .app
        .env
        .clone()
        .with(
            shared::wechat::settings::vars::WECHAT_PUSH_TOKEN,
            crate::payments::SETTLEMENT_PUSH_TOKEN,
        )
        .with("AFTER_SALES_WINDOW_DAYS", "7");
    let completed = |key: &'static str, transaction: &'static str, days_ago: i64| {
        let shop = &shop;
        async move {
            let id = paid_order(shop, key, transaction).await;
            crate::payments::ship(
                shop,
                &id,
                json!({"carrier": "ZTO", "trackingNo": format!("Z{key}")}),
            )
            .await;
            let received = shop.app.clock.now().epoch_secs() - days_ago * 86_400;
            crate::payments::settlement_push(shop, &id, transaction, received).await;
            assert_eq!(order_status(shop, &id).await["status"], "COMPLETED");
            id
        }
    };
    let six_days_ago = completed("after-sales-06", "4200002026112500000074", 6).await;
    let eight_days_ago = completed("after-sales-07", "4200002026112500000075", 8).await;

    let inside = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &six_days_ago, refund(1)))
        .await;
    let outside = shop
        .app
        .call::<RequestAfterSales>(ask(&shop.token, &eight_days_ago, refund(1)))
        .await;

    assert_eq!(inside.status, 200, "{:?}", inside.body);
    assert_eq!(
        (outside.status, outside.code()),
        (409, 40910),
        "{:?}",
        outside.body
    );
    assert_eq!(outside.data()["reason"], "window");
}

#[tokio::test]
async fn the_sweep_ends_a_refund_whose_notification_was_lost_and_asks_again_one_wechat_pay_never_got() {
    let shop = shop().await;
    let lost_notice = paid_order(&shop, "after-sales-08", "4200002026112500000076").await;
    let lost_request = paid_order(&shop, "after-sales-09", "4200002026112500000077").await;
    for id in [&lost_notice, &lost_request] {
        let asked = shop
            .app
            .call::<RequestAfterSales>(ask(&shop.token, id, refund(1)))
            .await;
        assert_eq!(asked.data()["status"], "REFUNDING", "{:?}", asked.body);
    }
    shop.pay.settle_refund(&format!("R{lost_notice}-1"), "SUCCESS");
    shop.pay.lose_refund(&format!("R{lost_request}-1"));
    assert_eq!(shop.app.stock("tea").await, 6);

    assert_eq!(
        crate::payments::sweep(&shop).await["refundsExamined"],
        0,
        "too early to ask"
    );
    shop.app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let report = crate::payments::sweep(&shop).await;

    assert_eq!(
        (report["refunded"].as_u64(), report["refundsAskedAgain"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let listed = requests_of(&shop, &shop.token, &lost_notice).await;
    assert_eq!(listed.data()["items"][0]["status"], "REFUNDED");
    assert_eq!(shop.app.stock("tea").await, 7, "the refunded unit came back once");
    assert!(
        shop.pay.refunds().contains(&format!("R{lost_request}-1")),
        "asked again, same number"
    );
    let again = crate::payments::sweep(&shop).await;
    assert_eq!(again["refunded"], 0, "nothing twice: {again}");
}

fn decide(
    manager: &integration_tests::console::ConsoleLogin,
    action: &str,
    id: &str,
    number: u32,
    body: Value,
) -> lambda_http::Request {
    request(
        Method::POST,
        &format!("/admin/orders/x/after-sales/{number}/{action}"),
    )
    .path_param("id", id)
    .path_param("number", &number.to_string())
    .console(manager)
    .json(&body)
}

#[tokio::test]
async fn an_operator_approves_or_rejects_what_left_and_the_buyer_may_withdraw_while_it_waits() {
    use shared::after_sales::{ApproveAfterSales, CancelAfterSales, RejectAfterSales};
    let shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let id = paid_order(&shop, "after-sales-10", "4200002026112500000078").await;
    crate::payments::ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO999"})).await;
    let stock = shop.app.stock("tea").await;
    let requested = |expected: u64| {
        let shop = &shop;
        let id = &id;
        async move {
            let reply = shop
                .app
                .call::<RequestAfterSales>(ask(&shop.token, id, refund(2)))
                .await;
            assert_eq!(
                (reply.data()["status"].as_str(), reply.data()["number"].as_u64()),
                (Some("REQUESTED"), Some(expected)),
                "{:?}",
                reply.body
            );
        }
    };

    requested(1).await;
    let withdrawn = shop
        .app
        .call::<CancelAfterSales>(
            request(Method::POST, "/orders/x/after-sales/1/cancel")
                .bearer(&shop.token)
                .path_param("id", &id)
                .path_param("number", "1")
                .build(),
        )
        .await;
    assert_eq!(withdrawn.data()["status"], "CANCELLED", "{:?}", withdrawn.body);

    requested(2).await;
    let rejected = shop
        .app
        .call::<RejectAfterSales>(decide(
            &manager,
            "reject",
            &id,
            2,
            json!({"reason": "商品完好，不支持退款"}),
        ))
        .await;
    assert_eq!(rejected.data()["status"], "REJECTED", "{:?}", rejected.body);
    assert_eq!(rejected.data()["rejectReason"], "商品完好，不支持退款");

    requested(3).await;
    let too_much = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 3, json!({"amountFen": 2501})))
        .await;
    assert_eq!(
        (too_much.status, too_much.code()),
        (400, 40002),
        "{:?}",
        too_much.body
    );
    let approved = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 3, json!({"amountFen": 2000})))
        .await;
    let twice = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 3, json!({})))
        .await;

    assert_eq!(
        (
            approved.data()["status"].as_str(),
            approved.data()["amountFen"].as_i64()
        ),
        (Some("REFUNDING"), Some(2000)),
        "{:?}",
        approved.body
    );
    assert_eq!((twice.status, twice.code()), (409, 40910), "{:?}", twice.body);
    assert_eq!(twice.data()["reason"], "state");
    assert_eq!(
        shop.pay.refunds(),
        [format!("R{id}-3")],
        "only the approved request was refunded"
    );
    let notice = refunded(&shop, &id, 3, 2000, "4200002026112500000078");
    assert_eq!(refund_notify(&shop, &notice).await.0, 204);
    let order = order_status(&shop, &id).await;
    assert_eq!(
        (order["status"].as_str(), order["refundedFen"].as_i64()),
        (Some("SHIPPED"), Some(2000)),
        "{order}"
    );
    assert_eq!(
        shop.app.stock("tea").await,
        stock,
        "goods that left are not restocked by a refund"
    );
    let user_token = shop
        .app
        .call::<ApproveAfterSales>({
            request(Method::POST, "/admin/orders/x/after-sales/3/approve")
                .path_param("id", &id)
                .path_param("number", "3")
                .bearer(&shop.token)
                .build()
        })
        .await;
    assert_eq!(user_token.code(), 40109, "a buyer cannot approve");
    let user_reject = shop
        .app
        .call::<RejectAfterSales>({
            request(Method::POST, "/admin/orders/x/after-sales/3/reject")
                .path_param("id", &id)
                .path_param("number", "3")
                .bearer(&shop.token)
                .build()
        })
        .await;
    assert_eq!(user_reject.code(), 40109, "nor reject");
}

#[tokio::test]
async fn a_return_is_approved_sent_back_received_into_stock_once_and_refunded() {
    use shared::after_sales::{ApproveAfterSales, ReceiveAfterSales, ReturnAfterSales};
    let shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let id = paid_order(&shop, "after-sales-11", "4200002026112500000079").await;
    crate::payments::ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO111"})).await;
    let stock = shop.app.stock("tea").await;
    let asked = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "return_refund", "lines": [{"skuId": "default", "quantity": 1}], "reason": "尺寸不合适"}),
        ))
        .await;
    assert_eq!(asked.data()["status"], "REQUESTED", "{:?}", asked.body);
    let send_back = |token: String| {
        request(Method::POST, "/orders/x/after-sales/1/return")
            .bearer(&token)
            .path_param("id", &id)
            .path_param("number", "1")
            .json(&json!({"carrier": "SF", "trackingNo": "SF123456"}))
    };

    let too_early = shop
        .app
        .call::<ReturnAfterSales>(send_back(shop.token.clone()))
        .await;
    assert_eq!(
        (too_early.status, too_early.code()),
        (409, 40910),
        "not approved yet: {:?}",
        too_early.body
    );
    let approved = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 1, json!({})))
        .await;
    assert_eq!(approved.data()["status"], "APPROVED", "{:?}", approved.body);
    assert!(
        shop.pay.refunds().is_empty(),
        "no money before the goods are back"
    );
    let sent = shop
        .app
        .call::<ReturnAfterSales>(send_back(shop.token.clone()))
        .await;
    assert_eq!(sent.data()["status"], "RETURNING", "{:?}", sent.body);
    assert_eq!(
        sent.data()["returnParcel"],
        json!({"carrier": "SF", "trackingNo": "SF123456"})
    );

    let received = shop
        .app
        .call::<ReceiveAfterSales>(decide(&manager, "receive", &id, 1, json!({})))
        .await;
    let again = shop
        .app
        .call::<ReceiveAfterSales>(decide(&manager, "receive", &id, 1, json!({})))
        .await;

    assert_eq!(received.data()["status"], "REFUNDING", "{:?}", received.body);
    assert_eq!(
        (again.status, again.code()),
        (409, 40910),
        "received once: {:?}",
        again.body
    );
    assert_eq!(
        shop.app.stock("tea").await,
        stock + 1,
        "the returned unit is back, once"
    );
    assert_eq!(shop.pay.refunds(), [format!("R{id}-1")]);
    let notice = refunded(&shop, &id, 1, 1250, "4200002026112500000079");
    assert_eq!(refund_notify(&shop, &notice).await.0, 204);
    assert_eq!(
        shop.app.stock("tea").await,
        stock + 1,
        "and not again when refunded"
    );
    assert_eq!(order_status(&shop, &id).await["refundedFen"], 1250);
}

#[tokio::test]
async fn a_return_of_a_product_deleted_since_is_received_and_refunded_without_restocking() {
    use shared::after_sales::{ApproveAfterSales, ReceiveAfterSales, ReturnAfterSales};
    let shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let id = paid_order(&shop, "after-sales-15", "4200002026112500000089").await;
    crate::payments::ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO115"})).await;
    let asked = shop
        .app
        .call::<RequestAfterSales>(ask(
            &shop.token,
            &id,
            json!({"type": "return_refund", "lines": [{"skuId": "default", "quantity": 2}], "reason": "不想要了"}),
        ))
        .await;
    assert_eq!(asked.data()["status"], "REQUESTED", "{:?}", asked.body);
    let approved = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 1, json!({})))
        .await;
    assert_eq!(approved.data()["status"], "APPROVED", "{:?}", approved.body);
    let sent = shop
        .app
        .call::<ReturnAfterSales>(
            request(Method::POST, "/orders/x/after-sales/1/return")
                .bearer(&shop.token)
                .path_param("id", &id)
                .path_param("number", "1")
                .json(&json!({"carrier": "SF", "trackingNo": "SF654321"})),
        )
        .await;
    assert_eq!(sent.data()["status"], "RETURNING", "{:?}", sent.body);
    shop.app.delete_product("tea").await;

    let received = shop
        .app
        .call::<ReceiveAfterSales>(decide(&manager, "receive", &id, 1, json!({})))
        .await;

    assert_eq!(received.data()["status"], "REFUNDING", "{:?}", received.body);
    assert_eq!(shop.pay.refunds(), [format!("R{id}-1")]);
    assert!(
        shop.app
            .item(&shared::infra::store::keys::product("tea"))
            .await
            .is_none(),
        "a deleted product is not brought back by a restock"
    );
}

#[tokio::test]
async fn operators_work_through_a_queue_oldest_first_and_two_approvals_at_once_refund_once() {
    use shared::after_sales::{ApproveAfterSales, ListAfterSalesQueue};
    let shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let mut ids = Vec::new();
    for (i, key) in ["after-sales-12", "after-sales-13", "after-sales-14"]
        .into_iter()
        .enumerate()
    {
        let id = paid_order(&shop, key, &format!("42000020261125000001{i:02}")).await;
        crate::payments::ship(
            &shop,
            &id,
            json!({"carrier": "ZTO", "trackingNo": format!("ZQ{i}")}),
        )
        .await;
        let asked = shop
            .app
            .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
            .await;
        assert_eq!(asked.data()["status"], "REQUESTED", "{:?}", asked.body);
        shop.app.clock.advance(std::time::Duration::from_secs(1));
        ids.push(id);
    }
    let queue = |after: Option<&str>| {
        let mut builder = request(Method::GET, "/admin/after-sales")
            .query("limit", "2")
            .console(&manager);
        if let Some(after) = after {
            builder = builder.query("after", after);
        }
        builder.build()
    };

    let first = shop.app.call::<ListAfterSalesQueue>(queue(None)).await;
    let next = first.data()["next"].as_str().expect("more to come").to_owned();
    let second = shop.app.call::<ListAfterSalesQueue>(queue(Some(&next))).await;
    let order_ids = |page: &integration_tests::Reply| -> Vec<String> {
        page.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["orderId"].as_str().unwrap().to_owned())
            .collect()
    };
    let mine: Vec<String> = order_ids(&first)
        .into_iter()
        .chain(order_ids(&second))
        .filter(|id| ids.contains(id))
        .collect();
    assert_eq!(mine, ids, "oldest first, across pages");

    let function = Arc::new(shop.app.function::<ApproveAfterSales>().await);
    let replies = futures::future::join_all((0..2).map(|_| {
        let function = function.clone();
        let asked = decide(&manager, "approve", &ids[0], 1, json!({}));
        async move {
            tokio::spawn(async move { call(&function, asked).await })
                .await
                .unwrap()
        }
    }))
    .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.contains(&409), "{statuses:?}");
    assert_eq!(shop.pay.refunds(), [format!("R{}-1", ids[0])], "refunded once");
    assert_eq!(order_status(&shop, &ids[0]).await["refundedFen"], 1250);
}

#[tokio::test]
async fn an_operator_refunds_part_of_an_order_of_their_own_accord_within_what_is_left() {
    use shared::after_sales::RefundOrderPart;
    let shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let id = paid_order(&shop, "after-sales-15", "4200002026112500000090").await;
    let refund_part = |body: Value| {
        request(Method::POST, "/admin/orders/x/refunds")
            .path_param("id", &id)
            .console(&manager)
            .header("content-type", "application/json")
            .raw_body(body.to_string())
            .build()
    };

    let goodwill = shop
        .app
        .call::<RefundOrderPart>(refund_part(json!({"amountFen": 500, "reason": "物流延误补偿"})))
        .await;
    let too_much = shop
        .app
        .call::<RefundOrderPart>(refund_part(json!({"amountFen": 2001, "reason": "再补偿"})))
        .await;
    let a_unit = shop
        .app
        .call::<RefundOrderPart>(refund_part(
            json!({"lines": [{"productId": "tea", "quantity": 1}], "reason": "缺货少发"}),
        ))
        .await;

    assert_eq!(goodwill.status, 200, "{:?}", goodwill.body);
    assert_eq!(
        (
            goodwill.data()["status"].as_str(),
            goodwill.data()["byOperator"].as_bool(),
            goodwill.data()["amountFen"].as_i64()
        ),
        (Some("REFUNDING"), Some(true), Some(500))
    );
    assert_eq!(
        (too_much.status, too_much.code()),
        (400, 40002),
        "2000 is left: {:?}",
        too_much.body
    );
    assert_eq!(a_unit.data()["amountFen"], 1250, "{:?}", a_unit.body);
    assert_eq!(a_unit.data()["lines"][0]["restock"], true);
    assert_eq!(shop.pay.refunds(), [format!("R{id}-1"), format!("R{id}-2")]);
    assert_eq!(order_status(&shop, &id).await["refundedFen"], 1750);
}

#[tokio::test]
async fn refund_notifications_apply_in_any_order_and_a_failed_refund_that_later_succeeds_still_ends() {
    let shop = shop().await;
    let id = paid_order(&shop, "after-sales-16", "4200002026112500000091").await;
    for number in 1..=2 {
        let asked = shop
            .app
            .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
            .await;
        assert_eq!(asked.data()["number"], number, "{:?}", asked.body);
    }

    // The second refund's notification comes first; the first one's refund WeChat Pay ends ABNORMAL.
    let second = refunded(&shop, &id, 2, 1250, "4200002026112500000091");
    assert_eq!(refund_notify(&shop, &second).await.0, 204);
    let mut abnormal: Value = json!({
        "mchid": MCHID, "out_trade_no": id, "transaction_id": "4200002026112500000091",
        "out_refund_no": format!("R{id}-1"), "refund_id": "50300000000000000000000000001",
        "refund_status": "ABNORMAL", "amount": {"total": 2500, "refund": 1250, "payer_total": 2500, "payer_refund": 1250}
    });
    let failed = shop
        .pay
        .notification_of("REFUND.ABNORMAL", "refund", &abnormal, now());
    assert_eq!(refund_notify(&shop, &failed).await.0, 204);
    let listed = requests_of(&shop, &shop.token, &id).await;
    let statuses: Vec<&str> = listed.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["FAILED", "REFUNDED"]);
    assert_eq!(listed.data()["items"][0]["refundIssue"], "ABNORMAL");
    assert_eq!(order_status(&shop, &id).await["status"], "PAID");

    // The merchant settles it in the merchant platform: WeChat Pay reports success after all.
    abnormal["refund_status"] = json!("SUCCESS");
    let settled = shop
        .pay
        .notification_of("REFUND.SUCCESS", "refund", &abnormal, now());
    assert_eq!(refund_notify(&shop, &settled).await.0, 204);
    assert_eq!(refund_notify(&shop, &settled).await.0, 204, "a repeat");
    let order = order_status(&shop, &id).await;
    assert_eq!(
        (order["status"].as_str(), order["refundedFen"].as_i64()),
        (Some("REFUNDED"), Some(2500)),
        "{order}"
    );
    assert_eq!(shop.app.stock("tea").await, 10, "both units back, once each");
}

#[tokio::test]
async fn the_buyer_is_told_each_decision_on_their_request_once_per_acceptance() {
    use shared::after_sales::{ApproveAfterSales, RejectAfterSales};
    let mut shop = shop().await;
    let manager = shop.app.operator_session("manager").await;
    let wechat = shop.app.own_wechat().await;
    shop.app.env = shop.app.env.clone().with(
        "SUBSCRIBE_TEMPLATES",
        r#"{"afterSalesDecided": {"templateId": "TPL_AS", "page": "pages/after-sales/index?id={orderId}",
            "data": {"character_string1": "{orderId}", "phrase2": "{decision}", "amount3": "{refund}", "thing4": "{rejectReason}"}}}"#,
    );
    let id = paid_order(&shop, "after-sales-40", "4200002026112500000090").await;
    crate::payments::ship(&shop, &id, json!({"carrier": "ZTO", "trackingNo": "ZTO940"})).await;
    assert_eq!(
        crate::payments::subscribe(&shop, &["TPL_AS"]).await,
        json!({"TPL_AS": 1})
    );
    assert_eq!(
        crate::payments::subscribe(&shop, &["TPL_AS"]).await,
        json!({"TPL_AS": 2})
    );

    let ask_one = || {
        shop.app
            .call::<RequestAfterSales>(ask(&shop.token, &id, refund(1)))
    };
    assert_eq!(ask_one().await.data()["status"], "REQUESTED");
    assert!(wechat.subscribe_sends().is_empty(), "a request is not a decision");
    let rejected = shop
        .app
        .call::<RejectAfterSales>(decide(&manager, "reject", &id, 1, json!({"reason": "商品完好"})))
        .await;
    assert_eq!(rejected.data()["status"], "REJECTED", "{:?}", rejected.body);
    assert_eq!(ask_one().await.data()["status"], "REQUESTED");
    let approved = shop
        .app
        .call::<ApproveAfterSales>(decide(&manager, "approve", &id, 2, json!({"amountFen": 1000})))
        .await;
    assert_eq!(approved.data()["status"], "REFUNDING", "{:?}", approved.body);

    let sends = wechat.subscribe_sends();
    assert_eq!(sends.len(), 2, "{sends:?}");
    assert!(
        sends
            .iter()
            .all(|s| s["template_id"] == "TPL_AS" && s["touser"] == "o_payer")
    );
    assert_eq!(sends[0]["page"], format!("pages/after-sales/index?id={id}"));
    assert_eq!(sends[0]["data"]["phrase2"]["value"], "已拒绝");
    assert_eq!(sends[0]["data"]["thing4"]["value"], "商品完好");
    assert_eq!(sends[1]["data"]["phrase2"]["value"], "退款中");
    assert_eq!(sends[1]["data"]["amount3"]["value"], "10.00");
    assert_eq!(
        sends[1]["data"]["thing4"]["value"], "-",
        "no reason to give: never empty"
    );

    // No acceptance left: the next decision is made all the same, and nothing is sent.
    assert_eq!(ask_one().await.data()["status"], "REQUESTED");
    let again = shop
        .app
        .call::<RejectAfterSales>(decide(&manager, "reject", &id, 3, json!({"reason": "已退过款"})))
        .await;
    assert_eq!(again.data()["status"], "REJECTED", "{:?}", again.body);
    assert_eq!(wechat.subscribe_sends().len(), 2);
}
