use std::collections::HashSet;
use std::sync::Arc;

use futures::future::join_all;
use integration_tests::{TestApp, call, product, request, spawn_app};
use lambda_http::Request;
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::orders::{CancelOrder, GetOrder, ListOrders, SubmitOrder};

fn submit(token: &str, key: &str, body: &Value) -> Request {
    request(Method::POST, "/orders")
        .bearer(token)
        .header("idempotency-key", key)
        .json(body)
}

fn one(product_id: &str, quantity: i64) -> Value {
    json!({"address": integration_tests::address(), "items": [{"productId": product_id, "quantity": quantity}]})
}

fn order_request(method: Method, path: &str, token: &str, id: &str) -> Request {
    request(method, path).bearer(token).path_param("id", id).build()
}

async fn app_with_stock() -> TestApp {
    let app = spawn_app().await;
    app.seed(&[
        product("tea", 1250, 10, true, "tea", 1),
        product("pen", 300, 5, true, "stationery", 2),
        product("retired", 100, 50, false, "tea", 3),
    ])
    .await;
    app
}

#[tokio::test]
async fn an_order_is_priced_from_the_products_and_costs_two_round_trips() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let function = app.function::<SubmitOrder>().await;
    app.take_round_trips();

    let reply = call(
        &function,
        submit(
            &token,
            "order-key-0001",
            &json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 2}, {"productId": "pen", "quantity": 3}], "expectedTotalFen": 3400}),
        ),
    )
    .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        app.take_round_trips(),
        4,
        "the session read and the per-user count together, a batch read and one transaction"
    );
    let order = reply.data();
    assert_eq!(order["status"], "PENDING_PAYMENT");
    assert_eq!(order["totalFen"], 2 * 1250 + 3 * 300);
    assert_eq!(order["items"][0]["name"], "商品 tea");
    assert_eq!(order["items"][0]["priceFen"], 1250);
    assert_eq!(order["items"][1]["subtotalFen"], 900);
    assert!(order.get("openid").is_none());
    let created = chrono::DateTime::parse_from_rfc3339(order["createdAt"].as_str().unwrap()).unwrap();
    let pay_by = chrono::DateTime::parse_from_rfc3339(order["payBy"].as_str().unwrap()).unwrap();
    assert_eq!((pay_by - created).num_minutes(), 30);
    assert_eq!((app.stock("tea").await, app.stock("pen").await), (8, 2));
    let get_order = app.function::<GetOrder>().await;
    app.take_round_trips();
    let id = order["orderId"].as_str().unwrap();
    let fetched = call(&get_order, order_request(Method::GET, "/orders/x", &token, id)).await;
    assert_eq!(
        app.take_round_trips(),
        2,
        "the session read beside the order read"
    );
    assert_eq!(fetched.data(), order);
}

fn order_item_key(order: &Value) -> shared::infra::store::keys::Key {
    shared::infra::store::keys::order(order["orderId"].as_str().unwrap())
}

#[tokio::test]
async fn remarks_pass_wechats_content_check_before_anything_is_written() {
    let mut app = app_with_stock().await;
    let wechat = app.own_wechat().await;
    let token = app.token_for("o_remarker").await;
    let with_remark = |remark: &str| json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}], "remark": remark});

    let passed = app
        .call::<SubmitOrder>(submit(&token, "remark-key-0001", &with_remark("不要辣")))
        .await;
    assert_eq!(passed.status, 200, "{:?}", passed.body);
    assert_eq!(passed.data()["remark"], "不要辣");
    let item = app.item(&order_item_key(passed.data())).await.unwrap();
    assert!(!item.contains_key("remarkUnchecked"));
    assert_eq!(wechat.stable_token_calls(), 1);

    let before = app.table_snapshot().await;
    let risky = app
        .call::<SubmitOrder>(submit(
            &token,
            "remark-key-0002",
            &with_remark("a forbidden remark"),
        ))
        .await;
    assert_eq!((risky.status, risky.code()), (400, 40013), "{:?}", risky.body);
    assert!(
        risky.body["message"].as_str().unwrap().contains("remark"),
        "{:?}",
        risky.body
    );
    assert_eq!(
        app.table_snapshot().await,
        before,
        "a refused remark writes nothing"
    );
    assert_eq!(app.stock("tea").await, 9);

    // WeChat unreachable: by default the order is taken and its remark flagged for review...
    app.env = app.env.clone().with("WECHAT_API_BASE", "http://127.0.0.1:9");
    app.clock.advance(std::time::Duration::from_secs(7200));
    let flagged = app
        .call::<SubmitOrder>(submit(&token, "remark-key-0003", &with_remark("少放糖")))
        .await;
    assert_eq!(flagged.status, 200, "{:?}", flagged.body);
    assert!(
        flagged.data().get("remarkUnchecked").is_none(),
        "the flag is the merchant's"
    );
    let item = app.item(&order_item_key(flagged.data())).await.unwrap();
    assert_eq!(
        item["remarkUnchecked"],
        aws_sdk_dynamodb::types::AttributeValue::Bool(true)
    );
    // ...and an order without a remark never waits for WeChat.
    let plain = app
        .call::<SubmitOrder>(submit(&token, "remark-key-0004", &one("pen", 1)))
        .await;
    assert_eq!(plain.status, 200, "{:?}", plain.body);

    // ...or refused with a 503 when configured so, writing nothing.
    app.env = app.env.clone().with("REMARK_CHECK_FALLBACK", "refuse");
    let before = app.table_snapshot().await;
    let refused = app
        .call::<SubmitOrder>(submit(&token, "remark-key-0005", &with_remark("少放糖")))
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (503, 50301),
        "{:?}",
        refused.body
    );
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn a_hundred_buyers_racing_for_ten_items_get_exactly_ten_orders() {
    let app = spawn_app().await;
    app.seed(&[product("hot", 999, 10, true, "tea", 1)]).await;
    let function = Arc::new(app.function::<SubmitOrder>().await);
    let mut tokens = Vec::new();
    for i in 0..100 {
        tokens.push(app.token_for(&format!("o_buyer{i}")).await);
    }

    let replies = join_all(tokens.iter().enumerate().map(|(i, token)| {
        let function = function.clone();
        let request = submit(token, &format!("race-key-{i:04}"), &one("hot", 1));
        async move {
            tokio::spawn(async move { call(&function, request).await })
                .await
                .unwrap()
        }
    }))
    .await;

    let ok = replies.iter().filter(|r| r.status == 200).count();
    let sold_out: Vec<_> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!(
        ok,
        10,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(sold_out.len(), 90);
    for reply in sold_out {
        assert_eq!(reply.code(), 40901, "{:?}", reply.body);
        assert_eq!(reply.data()["products"][0]["productId"], "hot");
    }
    assert_eq!(app.stock("hot").await, 0);
    let orders = app
        .table_snapshot()
        .await
        .iter()
        .filter(|i| i.contains(r#""type":{"S":"ORDER"}"#))
        .count();
    assert_eq!(orders, 10);
}

#[tokio::test]
async fn a_hundred_concurrent_orders_by_one_user_never_exceed_the_pending_order_cap() {
    let app = spawn_app().await;
    app.seed(&[product("bulk", 100, 1000, true, "tea", 1)]).await;
    let token = app.token_for("o_hoarder").await;
    let function = Arc::new(app.function::<SubmitOrder>().await);

    let replies = join_all((0..100).map(|i| {
        let function = function.clone();
        let request = submit(&token, &format!("hoard-key-{i:04}"), &one("bulk", 1));
        async move {
            tokio::spawn(async move { call(&function, request).await })
                .await
                .unwrap()
        }
    }))
    .await;

    let placed = replies.iter().filter(|r| r.status == 200).count();
    let refused: Vec<_> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!(
        placed,
        5,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), 95);
    for reply in &refused {
        assert_eq!(reply.code(), 40905, "{:?}", reply.body);
        assert_eq!(reply.data()["pendingOrders"], 5);
        assert_eq!(reply.data()["maxPendingOrders"], 5);
    }
    assert_eq!(app.stock("bulk").await, 995);
}

#[tokio::test]
async fn units_of_one_product_across_unpaid_orders_are_capped_and_cancelling_frees_them() {
    let mut app = app_with_stock().await;
    app.seed(&[product("tea", 1250, 100, true, "tea", 1)]).await;
    app.env = app.env.clone().with("MAX_PENDING_UNITS_PER_PRODUCT", "20");
    let token = app.token_for("o_stockpiler").await;
    let first = app
        .call::<SubmitOrder>(submit(&token, "units-key-01", &one("tea", 8)))
        .await;
    let second = app
        .call::<SubmitOrder>(submit(&token, "units-key-02", &one("tea", 8)))
        .await;
    assert_eq!((first.status, second.status), (200, 200));
    let before = app.table_snapshot().await;

    let third = app
        .call::<SubmitOrder>(submit(&token, "units-key-03", &one("tea", 8)))
        .await;
    let alone = app
        .call::<SubmitOrder>(submit(&token, "units-key-04", &one("tea", 21)))
        .await;

    assert_eq!((third.status, third.code()), (409, 40905), "{:?}", third.body);
    assert_eq!(
        third.data()["products"],
        json!([{"productId": "tea", "skuId": "default", "pendingUnits": 16}])
    );
    assert_eq!(third.data()["maxUnitsPerProduct"], 20);
    assert_eq!((alone.status, alone.code()), (409, 40905), "{:?}", alone.body);
    assert_eq!(
        app.table_snapshot().await,
        before,
        "a refused order writes nothing"
    );
    let id = first.data()["orderId"].as_str().unwrap();
    let cancelled = app
        .call::<CancelOrder>(order_request(Method::POST, "/orders/x/cancel", &token, id))
        .await;
    assert_eq!(cancelled.status, 200);
    let again = app
        .call::<SubmitOrder>(submit(&token, "units-key-05", &one("tea", 8)))
        .await;
    assert_eq!(
        again.status, 200,
        "cancelling released the units: {:?}",
        again.body
    );
    assert_eq!(app.stock("tea").await, 100 - 16);
}

#[tokio::test]
async fn a_multi_line_order_with_one_short_line_decrements_nothing() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let before = app.table_snapshot().await;

    let reply = app
        .call::<SubmitOrder>(submit(
            &token,
            "order-key-0002",
            &json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 2}, {"productId": "pen", "quantity": 6}]}),
        ))
        .await;

    assert_eq!((reply.status, reply.code()), (409, 40901), "{:?}", reply.body);
    assert!(reply.body["message"].as_str().unwrap().contains("pen"));
    assert_eq!(
        reply.data()["products"],
        json!([{"productId": "pen", "skuId": "default", "reason": "OUT_OF_STOCK", "available": 5}])
    );
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn stock_that_runs_out_between_read_and_write_is_caught_by_the_transaction() {
    let app = app_with_stock().await;
    let store = app.store();
    let ids = [&shared::domain::ids::ProductId::parse("pen").unwrap()];
    let (products, _) = store
        .load_for_order(&ids, "nobody", shared::domain::time::Timestamp::now())
        .await
        .unwrap();
    // Someone else buys the pens after our read.
    let other = app.token_for("o_fast").await;
    assert_eq!(
        app.call::<SubmitOrder>(submit(&other, "fast-key-0001", &one("pen", 5)))
            .await
            .status,
        200
    );
    let request: shared::domain::orders::OrderRequest = serde_json::from_value(one("pen", 2)).unwrap();
    let now = shared::domain::time::Timestamp::now();
    let slow = shared::domain::ids::Openid::parse("o_slow").unwrap();
    let order_id = shared::domain::ids::OrderId::parse("1").unwrap();
    let order =
        shared::domain::orders::build_order(&request, &products, &slow, order_id.clone(), now).unwrap();
    let record = shared::infra::store::IdempotencyRecord {
        digest: "slow".into(),
        order_id,
        fingerprint: shared::infra::crypto::sha256_hex(&request.canonical_bytes()),
        expires_at: now.plus(std::time::Duration::from_secs(60)),
    };
    let before = app.table_snapshot().await;

    let outcome = store
        .create_order(&order, &record, &Default::default())
        .await
        .unwrap();

    match outcome {
        shared::infra::store::CreateOutcome::Short(shortages) => {
            assert_eq!(shortages.len(), 1);
            assert_eq!(shortages[0].product_id.as_str(), "pen");
        }
        other => panic!("expected a shortage, got {other:?}"),
    }
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn twenty_concurrent_duplicates_make_one_order_and_twenty_identical_answers() {
    let app = app_with_stock().await;
    let token = app.token_for("o_impatient").await;
    let function = Arc::new(app.function::<SubmitOrder>().await);

    let replies = join_all((0..20).map(|_| {
        let function = function.clone();
        let request = submit(&token, "same-key-0001", &one("tea", 3));
        async move {
            tokio::spawn(async move { call(&function, request).await })
                .await
                .unwrap()
        }
    }))
    .await;

    for reply in &replies {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.data(), replies[0].data());
    }
    assert_eq!(app.stock("tea").await, 7);
    let orders = app
        .table_snapshot()
        .await
        .iter()
        .filter(|i| i.contains(r#""type":{"S":"ORDER"}"#))
        .count();
    assert_eq!(orders, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_and_writes_nothing() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    assert_eq!(
        app.call::<SubmitOrder>(submit(&token, "reused-key-01", &one("tea", 1)))
            .await
            .status,
        200
    );
    let before = app.table_snapshot().await;

    let reply = app
        .call::<SubmitOrder>(submit(&token, "reused-key-01", &one("tea", 2)))
        .await;

    assert_eq!((reply.status, reply.code()), (409, 40903), "{:?}", reply.body);
    assert_eq!(app.table_snapshot().await, before);
    // Another user may use the same key for their own order.
    let other = app.token_for("o_other").await;
    assert_eq!(
        app.call::<SubmitOrder>(submit(&other, "reused-key-01", &one("tea", 2)))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_order_input_is_a_4xx_with_its_code_and_the_table_is_unchanged() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let before = app.table_snapshot().await;
    let long_key = "k".repeat(65);
    let lines = |n: usize| json!({"address": integration_tests::address(), "items": (0..n).map(|i| json!({"productId": format!("p{i}"), "quantity": 1})).collect::<Vec<_>>()});
    let cases: Vec<(&str, Option<&str>, Value, u16, i64)> = vec![
        (
            "negative quantity",
            Some("bad-input-01"),
            one("tea", -1),
            400,
            40002,
        ),
        ("zero quantity", Some("bad-input-02"), one("tea", 0), 400, 40002),
        (
            "float quantity",
            Some("bad-input-03"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1.5}]}),
            400,
            40002,
        ),
        (
            "string quantity",
            Some("bad-input-04"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": "2"}]}),
            400,
            40002,
        ),
        (
            "huge quantity",
            Some("bad-input-05"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1e30}]}),
            400,
            40002,
        ),
        ("quantity 100", Some("bad-input-06"), one("tea", 100), 400, 40002),
        (
            "unknown product",
            Some("bad-input-07"),
            one("ghost", 1),
            400,
            40005,
        ),
        (
            "off-sale product",
            Some("bad-input-08"),
            one("retired", 1),
            400,
            40005,
        ),
        ("21 lines", Some("bad-input-09"), lines(21), 400, 40002),
        (
            "empty items",
            Some("bad-input-10"),
            json!({"address": integration_tests::address(), "items": []}),
            400,
            40002,
        ),
        ("no items", Some("bad-input-11"), json!({}), 400, 40002),
        (
            "duplicated product",
            Some("bad-input-12"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}, {"productId": "tea", "quantity": 1}]}),
            400,
            40002,
        ),
        (
            "client price",
            Some("bad-input-13"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1, "priceFen": 1}]}),
            400,
            40002,
        ),
        (
            "long remark",
            Some("bad-input-14"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}], "remark": "长".repeat(201)}),
            400,
            40002,
        ),
        (
            "direction override in the remark",
            Some("bad-input-15"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}], "remark": "gift\u{202E}txt.exe"}),
            400,
            40002,
        ),
        (
            "zero-width space in the remark",
            Some("bad-input-16"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}], "remark": "no\u{200B}te"}),
            400,
            40002,
        ),
        ("missing key", None, one("tea", 1), 400, 40004),
        ("short key", Some("short"), one("tea", 1), 400, 40004),
        (
            "bad key chars",
            Some("key with spaces!"),
            one("tea", 1),
            400,
            40004,
        ),
        ("long key", Some(long_key.as_str()), one("tea", 1), 400, 40004),
        (
            "wrong expected total",
            Some("bad-input-15"),
            json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 1}], "expectedTotalFen": 1}),
            409,
            40902,
        ),
    ];
    for (case, key, body, status, code) in cases {
        let mut builder = request(Method::POST, "/orders").bearer(&token);
        if let Some(key) = key {
            builder = builder.header("idempotency-key", key);
        }
        let reply = app.call::<SubmitOrder>(builder.json(&body)).await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{case}: {:?}",
            reply.body
        );
        if case == "wrong expected total" {
            assert_eq!(reply.data()["totalFen"], 1250);
        }
        if case.ends_with("product") && code == 40005 {
            let named = reply.body["message"].as_str().unwrap();
            assert!(named.contains("ghost") || named.contains("retired"), "{named}");
        }
    }
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn cancelling_an_order_whose_product_was_deleted_cancels_it_and_restocks_the_rest() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let body = json!({"address": integration_tests::address(), "items": [{"productId": "tea", "quantity": 2}, {"productId": "pen", "quantity": 1}]});
    let placed = app
        .call::<SubmitOrder>(submit(&token, "deleted-key-01", &body))
        .await;
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();
    app.delete_product("pen").await;

    let cancel = app.function::<CancelOrder>().await;
    let first = call(
        &cancel,
        order_request(Method::POST, "/orders/x/cancel", &token, &id),
    )
    .await;
    let retry = call(
        &cancel,
        order_request(Method::POST, "/orders/x/cancel", &token, &id),
    )
    .await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.data()["status"], "CANCELLED");
    assert_eq!(retry.status, 200, "{:?}", retry.body);
    assert_eq!(retry.data()["status"], "CANCELLED");
    assert_eq!(
        app.stock("tea").await,
        10,
        "the product that still exists is restocked once"
    );
    assert!(
        app.item(&shared::infra::store::keys::product("pen"))
            .await
            .is_none(),
        "the deleted product is not recreated"
    );
}

#[tokio::test]
async fn cancelling_restores_stock_exactly_once_and_answers_the_cancelled_order() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let placed = app
        .call::<SubmitOrder>(submit(&token, "cancel-key-01", &one("tea", 4)))
        .await;
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();
    assert_eq!(app.stock("tea").await, 6);

    let cancel = app.function::<CancelOrder>().await;
    app.take_round_trips();
    let first = call(
        &cancel,
        order_request(Method::POST, "/orders/x/cancel", &token, &id),
    )
    .await;
    assert_eq!(
        app.take_round_trips(),
        3,
        "the session read, a consistent read and one transaction"
    );
    let second = call(
        &cancel,
        order_request(Method::POST, "/orders/x/cancel", &token, &id),
    )
    .await;
    assert_eq!(
        app.take_round_trips(),
        2,
        "an already cancelled order is only read (and the session)"
    );

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.data()["status"], "CANCELLED");
    assert!(first.data()["cancelledAt"].is_string());
    assert_eq!(second.data(), first.data());
    assert_eq!(app.stock("tea").await, 10);
}

#[tokio::test]
async fn concurrent_cancels_restock_once() {
    let app = app_with_stock().await;
    let token = app.token_for("o_buyer").await;
    let placed = app
        .call::<SubmitOrder>(submit(&token, "cancel-key-02", &one("pen", 5)))
        .await;
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();
    let function = Arc::new(app.function::<CancelOrder>().await);

    let replies = join_all((0..10).map(|_| {
        let function = function.clone();
        let request = order_request(Method::POST, "/orders/x/cancel", &token, &id);
        async move {
            tokio::spawn(async move { call(&function, request).await })
                .await
                .unwrap()
        }
    }))
    .await;

    assert!(
        replies
            .iter()
            .all(|r| r.status == 200 && r.data()["status"] == "CANCELLED")
    );
    assert_eq!(app.stock("pen").await, 5);
}

#[tokio::test]
async fn another_users_order_cannot_be_read_listed_or_cancelled() {
    let app = app_with_stock().await;
    let owner = app.token_for("o_owner").await;
    let stranger = app.token_for("o_stranger").await;
    let placed = app
        .call::<SubmitOrder>(submit(&owner, "owner-key-001", &one("tea", 1)))
        .await;
    let id = placed.data()["orderId"].as_str().unwrap().to_owned();

    let read = app
        .call::<GetOrder>(order_request(Method::GET, "/orders/x", &stranger, &id))
        .await;
    let missing = app
        .call::<GetOrder>(order_request(
            Method::GET,
            "/orders/x",
            &stranger,
            "20990101000000123",
        ))
        .await;
    let garbage = app
        .call::<GetOrder>(order_request(Method::GET, "/orders/x", &stranger, "ORDER#x"))
        .await;
    let cancel = app
        .call::<CancelOrder>(order_request(Method::POST, "/orders/x/cancel", &stranger, &id))
        .await;
    let listed = app
        .call::<ListOrders>(request(Method::GET, "/orders").bearer(&stranger).build())
        .await;

    assert_eq!((read.status, read.code()), (404, 40401));
    assert_eq!(read.body["message"], missing.body["message"]);
    assert_eq!((garbage.status, cancel.status, cancel.code()), (404, 404, 40401));
    assert_eq!(listed.data()["items"], json!([]));
    assert_eq!(app.stock("tea").await, 9);
    let own = app
        .call::<GetOrder>(order_request(Method::GET, "/orders/x", &owner, &id))
        .await;
    assert_eq!(own.data()["status"], "PENDING_PAYMENT");
}

#[tokio::test]
async fn walking_list_orders_returns_every_order_once_newest_first() {
    let mut app = spawn_app().await;
    // Eleven unpaid orders of one user: above the default hoarding cap.
    app.env = app.env.clone().with("MAX_PENDING_ORDERS", "20");
    app.seed(&[product("bulk", 100, 1000, true, "tea", 1)]).await;
    let token = app.token_for("o_collector").await;
    let mut placed = Vec::new();
    for i in 0..11 {
        let reply = app
            .call::<SubmitOrder>(submit(&token, &format!("collect-{i:04}"), &one("bulk", 1)))
            .await;
        placed.push(reply.data()["orderId"].as_str().unwrap().to_owned());
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let other = app.token_for("o_someone_else").await;
    app.call::<SubmitOrder>(submit(&other, "collect-other", &one("bulk", 1)))
        .await;
    let function = app.function::<ListOrders>().await;

    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut builder = request(Method::GET, "/orders").bearer(&token).query("limit", "4");
        if let Some(cursor) = &cursor {
            builder = builder.query("cursor", cursor);
        }
        app.take_round_trips();
        let reply = call(&function, builder.build()).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(app.take_round_trips(), 2, "the session read beside one Query");
        for order in reply.data()["items"].as_array().unwrap() {
            seen.push(order["orderId"].as_str().unwrap().to_owned());
        }
        match &reply.data()["nextCursor"] {
            Value::String(next) => cursor = Some(next.clone()),
            _ => break,
        }
    }

    placed.reverse();
    assert_eq!(seen, placed);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 11);
    // A cursor of this user's listing is refused in another user's listing.
    let first = call(
        &function,
        request(Method::GET, "/orders")
            .bearer(&token)
            .query("limit", "4")
            .build(),
    )
    .await;
    let foreign = first.data()["nextCursor"].as_str().unwrap();
    let reply = call(
        &function,
        request(Method::GET, "/orders")
            .bearer(&other)
            .query("cursor", foreign)
            .build(),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (400, 40003));
}

mod faults {
    use integration_tests::faults::{Fault, FaultPlan};
    use shared::runtime::http::Adapter;

    use super::*;

    #[tokio::test]
    async fn a_transaction_conflict_is_retried_and_the_order_is_written_once() {
        let app = app_with_stock().await;
        let plan = FaultPlan::default()
            .fail("TransactWriteItems", 2, Fault::TransactionConflict)
            .only_with("ORDER#");
        let function = Adapter::<SubmitOrder>::build(&app.startup_with_faults(&plan))
            .await
            .unwrap();

        let reply = call(
            &function,
            submit(&app.token_for("o_buyer").await, "conflict-key-01", &one("tea", 2)),
        )
        .await;

        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(
            plan.remaining("TransactWriteItems"),
            0,
            "both conflicts were met and retried"
        );
        assert_eq!(app.stock("tea").await, 8);
        let orders = app
            .table_snapshot()
            .await
            .iter()
            .filter(|i| i.contains(r#""type":{"S":"ORDER"}"#))
            .count();
        assert_eq!(orders, 1);
    }

    #[tokio::test]
    async fn endless_conflicts_end_in_a_503_with_the_request_id_and_nothing_written() {
        let app = app_with_stock().await;
        let token = app.token_for("o_buyer").await;
        let before = app.table_snapshot().await;
        let plan = FaultPlan::default()
            .fail("TransactWriteItems", 100, Fault::TransactionConflict)
            .only_with("ORDER#");
        let function = Adapter::<SubmitOrder>::build(&app.startup_with_faults(&plan))
            .await
            .unwrap();

        let reply = call(&function, submit(&token, "conflict-key-02", &one("tea", 1))).await;

        assert_eq!((reply.status, reply.code()), (503, 50302), "{:?}", reply.body);
        assert!(reply.body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
        assert_eq!(100 - plan.remaining("TransactWriteItems"), 4, "bounded attempts");
        assert_eq!(app.table_snapshot().await, before);
    }

    #[tokio::test]
    async fn unprocessed_keys_of_the_batch_read_are_read_again() {
        let app = app_with_stock().await;
        let plan = FaultPlan::default().fail("BatchGetItem", 1, Fault::Unprocessed);
        let function = Adapter::<SubmitOrder>::build(&app.startup_with_faults(&plan))
            .await
            .unwrap();

        let reply = call(
            &function,
            submit(&app.token_for("o_buyer").await, "unprocessed-01", &one("pen", 2)),
        )
        .await;

        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.data()["totalFen"], 600);
        assert_eq!(plan.remaining("BatchGetItem"), 0);
        assert_eq!(app.stock("pen").await, 3);
    }

    #[tokio::test]
    async fn throttled_storage_is_a_503_and_nothing_is_written() {
        let app = app_with_stock().await;
        let token = app.token_for("o_buyer").await;
        let before = app.table_snapshot().await;
        let plan = FaultPlan::default().fail("BatchGetItem", 100, Fault::Throttled);
        let function = Adapter::<SubmitOrder>::build(&app.startup_with_faults(&plan))
            .await
            .unwrap();

        let reply = call(&function, submit(&token, "throttle-key-01", &one("tea", 1))).await;

        assert_eq!((reply.status, reply.code()), (503, 50302), "{:?}", reply.body);
        assert!(
            100 - plan.remaining("BatchGetItem") > 1,
            "the SDK retried the throttled read"
        );
        assert_eq!(app.table_snapshot().await, before);
    }
}

/// Delivery addresses: a snapshot on the order, whole for its owner, masked in lists; required
/// for goods to ship, not kept for virtual goods; a wrong field names itself and writes nothing.
mod addresses {
    use super::*;

    async fn app_with_a_gift_card() -> TestApp {
        let app = app_with_stock().await;
        let mut card = product("card", 10_000, 5, true, "digital", 4);
        card.fulfilment = shared::domain::catalog::Fulfilment::Virtual;
        app.seed(&[card]).await;
        app
    }

    #[tokio::test]
    async fn the_owner_sees_the_whole_address_and_a_list_masks_it() {
        let app = app_with_stock().await;
        let token = app.token_for("o_addressee").await;

        let placed = app
            .call::<SubmitOrder>(submit(&token, "address-key-0001", &one("tea", 1)))
            .await;
        let id = placed.data()["orderId"].as_str().unwrap().to_owned();
        let fetched = app
            .call::<GetOrder>(order_request(Method::GET, "/orders/x", &token, &id))
            .await;
        let listed = app
            .call::<ListOrders>(request(Method::GET, "/orders").bearer(&token).build())
            .await;

        assert_eq!(placed.status, 200, "{:?}", placed.body);
        let whole = &fetched.data()["address"];
        assert_eq!(
            (
                whole["userName"].as_str(),
                whole["telNumber"].as_str(),
                whole["detailInfo"].as_str()
            ),
            (
                Some("张三"),
                Some("13800138000"),
                Some("体育西路 103 号 2 栋 1201")
            )
        );
        assert!(whole.get("errMsg").is_none(), "only the address is kept: {whole}");
        let masked = &listed.data()["items"][0]["address"];
        assert_eq!(masked["userName"], "张*");
        assert_eq!(masked["telNumber"], "138****8000");
        assert_eq!(masked["countyName"], "天河区");
        assert!(
            masked.get("detailInfo").is_none() && masked.get("postalCode").is_none(),
            "{masked}"
        );
    }

    #[tokio::test]
    async fn goods_to_ship_without_an_address_are_refused_naming_it_and_nothing_is_written() {
        let app = app_with_stock().await;
        let token = app.token_for("o_nowhere").await;
        let before = app.table_snapshot().await;

        let reply = app
            .call::<SubmitOrder>(submit(
                &token,
                "address-key-0002",
                &json!({"items": [{"productId": "tea", "quantity": 1}]}),
            ))
            .await;

        assert_eq!((reply.status, reply.code()), (400, 40002), "{:?}", reply.body);
        assert!(
            reply.body["message"]
                .as_str()
                .unwrap()
                .contains("address: is required"),
            "{:?}",
            reply.body
        );
        assert_eq!(app.table_snapshot().await, before, "nothing written");
    }

    #[tokio::test]
    async fn each_wrong_field_is_named_and_nothing_is_written() {
        let app = app_with_stock().await;
        let token = app.token_for("o_typo").await;
        let before = app.table_snapshot().await;
        let cases = [
            ("userName", json!("")),
            ("userName", json!("名".repeat(41))),
            ("telNumber", json!("12345")),
            ("telNumber", json!("+1 415 555 0100")),
            ("provinceName", json!("  ")),
            ("cityName", json!(null)),
            ("countyName", json!("区\u{202E}")),
            ("detailInfo", json!("路".repeat(201))),
            ("detailInfo", json!("line\u{0007}bell")),
            ("postalCode", json!("51000x")),
        ];

        for (i, (field, value)) in cases.iter().enumerate() {
            let mut address = integration_tests::address();
            address[*field] = value.clone();
            let reply = app
                .call::<SubmitOrder>(submit(
                    &token,
                    &format!("address-bad-{i:04}"),
                    &json!({"items": [{"productId": "tea", "quantity": 1}], "address": address}),
                ))
                .await;
            assert_eq!(
                (reply.status, reply.code()),
                (400, 40002),
                "{field}: {:?}",
                reply.body
            );
            let message = reply.body["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("address.{field}: ")),
                "{field}: {message}"
            );
        }
        assert_eq!(app.table_snapshot().await, before, "nothing written");
    }

    #[tokio::test]
    async fn virtual_goods_need_no_address_and_keep_none_given() {
        let app = app_with_a_gift_card().await;
        let token = app.token_for("o_gifter").await;

        let without = app
            .call::<SubmitOrder>(submit(
                &token,
                "address-key-0003",
                &json!({"items": [{"productId": "card", "quantity": 1}]}),
            ))
            .await;
        let with = app
            .call::<SubmitOrder>(submit(&token, "address-key-0004", &one("card", 1)))
            .await;
        let mixed = app
            .call::<SubmitOrder>(submit(
                &token,
                "address-key-0005",
                &json!({"items": [{"productId": "card", "quantity": 1}, {"productId": "pen", "quantity": 1}]}),
            ))
            .await;

        assert_eq!(without.status, 200, "{:?}", without.body);
        assert!(without.data().get("address").is_none());
        assert_eq!(with.status, 200, "{:?}", with.body);
        assert!(
            with.data().get("address").is_none(),
            "an address virtual goods do not need is not kept"
        );
        assert_eq!(
            (mixed.status, mixed.code()),
            (400, 40002),
            "a line to ship needs the address"
        );
    }

    #[tokio::test]
    async fn the_same_key_with_another_address_is_another_order() {
        let app = app_with_stock().await;
        let token = app.token_for("o_mover").await;
        let first = app
            .call::<SubmitOrder>(submit(&token, "address-key-0006", &one("tea", 1)))
            .await;
        let mut moved = one("tea", 1);
        moved["address"]["detailInfo"] = json!("另一条路 1 号");

        let again = app
            .call::<SubmitOrder>(submit(&token, "address-key-0006", &moved))
            .await;

        assert_eq!(first.status, 200, "{:?}", first.body);
        assert_eq!((again.status, again.code()), (409, 40903), "{:?}", again.body);
    }
}
