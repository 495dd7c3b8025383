//! Products with variants: each SKU priced, stocked, held and put back on its own, in the same
//! single transaction as products without variants.

use std::sync::Arc;

use futures::future::join_all;
use integration_tests::{TestApp, address, call, product, request, spawn_app, variant_product};
use lambda_http::Request;
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::catalog::{GetProduct, ListProducts};
use shared::infra::store::keys;
use shared::orders::{CancelOrder, GetOrder, SubmitOrder};

fn submit(token: &str, key: &str, items: Value) -> Request {
    request(Method::POST, "/orders")
        .bearer(token)
        .header("idempotency-key", key)
        .json(&json!({"address": address(), "items": items}))
}

fn order_request(path: &str, token: &str, id: &str) -> Request {
    request(
        if path.ends_with("cancel") {
            Method::POST
        } else {
            Method::GET
        },
        path,
    )
    .bearer(token)
    .path_param("id", id)
    .build()
}

/// A cup in two sizes (small: 5 at 10 yuan, large: 7 at 15 yuan) and a plain tea.
async fn app_with_cups() -> TestApp {
    let app = spawn_app().await;
    app.seed(&[
        variant_product("cup", &[("small", "小杯", 1000, 5), ("large", "大杯", 1500, 7)]),
        product("tea", 1250, 10, true, "tea", 1),
    ])
    .await;
    app
}

#[tokio::test]
async fn a_product_page_shows_every_sku_and_a_list_its_price_range() {
    let app = app_with_cups().await;

    let page = app
        .call::<GetProduct>(
            request(Method::GET, "/products/cup")
                .path_param("id", "cup")
                .build(),
        )
        .await;
    let list = app
        .call::<ListProducts>(request(Method::GET, "/products").build())
        .await;

    assert_eq!(page.status, 200, "{:?}", page.body);
    let cup = page.data();
    assert_eq!(
        cup["specs"],
        json!([{"name": "规格", "values": ["小杯", "大杯"]}])
    );
    let skus: Vec<(&str, i64, i64)> = cup["skus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["skuId"].as_str().unwrap(),
                s["priceFen"].as_i64().unwrap(),
                s["stock"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        skus,
        [("small", 1000, 5), ("large", 1500, 7)],
        "in the order of the spec's values"
    );
    assert_eq!(cup["skus"][0]["specValues"], json!({"规格": "小杯"}));
    assert_eq!(
        (cup["minPriceFen"].as_i64(), cup["maxPriceFen"].as_i64()),
        (Some(1000), Some(1500))
    );
    assert_eq!(
        (cup["priceFen"].as_i64(), cup["stock"].as_i64()),
        (Some(1000), Some(12))
    );
    assert_eq!(cup["inStock"], true);

    let listed = list.data()["items"].as_array().unwrap();
    let listed_cup = listed.iter().find(|p| p["id"] == "cup").unwrap();
    assert_eq!(
        (
            listed_cup["minPriceFen"].as_i64(),
            listed_cup["maxPriceFen"].as_i64(),
            listed_cup["hasVariants"].as_bool()
        ),
        (Some(1000), Some(1500), Some(true))
    );
    assert!(listed_cup.get("skus").is_none(), "a list carries no SKUs");
    let tea = listed.iter().find(|p| p["id"] == "tea").unwrap();
    assert_eq!(
        (tea["minPriceFen"].as_i64(), tea["maxPriceFen"].as_i64()),
        (Some(1250), Some(1250))
    );
    assert_eq!(tea["hasVariants"], false);
    let tea_page = app
        .call::<GetProduct>(
            request(Method::GET, "/products/tea")
                .path_param("id", "tea")
                .build(),
        )
        .await;
    assert_eq!(
        tea_page.data()["skus"],
        json!([{"skuId": "default", "specValues": {}, "priceFen": 1250, "stock": 10}]),
        "a product without variants has its one default SKU"
    );
}

#[tokio::test]
async fn buyers_racing_for_one_sku_never_oversell_it_and_leave_the_other_untouched() {
    let app = app_with_cups().await;
    let function = Arc::new(app.function::<SubmitOrder>().await);
    let mut tokens = Vec::new();
    for i in 0..30 {
        tokens.push(app.token_for(&format!("o_cup_buyer{i}")).await);
    }

    let replies = join_all(tokens.iter().enumerate().map(|(i, token)| {
        let function = function.clone();
        let request = submit(
            token,
            &format!("cup-race-{i:04}"),
            json!([{"productId": "cup", "skuId": "small", "quantity": 1}]),
        );
        async move {
            tokio::spawn(async move { call(&function, request).await })
                .await
                .unwrap()
        }
    }))
    .await;

    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5, "{statuses:?}");
    for refused in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(refused.code(), 40901, "{:?}", refused.body);
        assert_eq!(refused.data()["products"][0]["skuId"], "small");
    }
    assert_eq!(app.sku_stock("cup", "small").await, 0);
    assert_eq!(
        app.sku_stock("cup", "large").await,
        7,
        "the other SKU is untouched"
    );
    assert_eq!(
        app.stock("cup").await,
        7,
        "the product's stock is the sum of its SKUs'"
    );
}

#[tokio::test]
async fn one_order_takes_two_skus_of_a_product_each_at_its_price_and_a_cancel_puts_each_back_once() {
    let app = app_with_cups().await;
    let token = app.token_for("o_two_sizes").await;
    let items = json!([
        {"productId": "cup", "skuId": "small", "quantity": 2},
        {"productId": "cup", "skuId": "large", "quantity": 3},
        {"productId": "tea", "quantity": 1}
    ]);

    app.take_round_trips();
    let placed = app
        .call::<SubmitOrder>(submit(&token, "two-sizes-01", items))
        .await;
    assert_eq!(
        app.take_round_trips(),
        4,
        "the session, the caller's count, one BatchGetItem and one transaction, however many SKUs"
    );

    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let order = placed.data();
    assert_eq!(order["totalFen"], 2 * 1000 + 3 * 1500 + 1250);
    assert_eq!(order["items"][0]["skuId"], "small");
    assert_eq!(order["items"][0]["specValues"], json!({"规格": "小杯"}));
    assert_eq!(order["items"][1]["priceFen"], 1500);
    assert_eq!(order["items"][2]["skuId"], "default");
    assert!(order["items"][2].get("specValues").is_none());
    assert_eq!(
        (
            app.sku_stock("cup", "small").await,
            app.sku_stock("cup", "large").await,
            app.stock("cup").await
        ),
        (3, 4, 7)
    );
    assert_eq!(app.stock("tea").await, 9);

    let id = order["orderId"].as_str().unwrap().to_owned();
    let cancel = app.function::<CancelOrder>().await;
    let first = call(&cancel, order_request("/orders/x/cancel", &token, &id)).await;
    let again = call(&cancel, order_request("/orders/x/cancel", &token, &id)).await;
    assert_eq!((first.status, again.status), (200, 200), "{:?}", first.body);
    assert_eq!(
        (
            app.sku_stock("cup", "small").await,
            app.sku_stock("cup", "large").await,
            app.stock("cup").await
        ),
        (5, 7, 12),
        "each SKU restocked once"
    );
    assert_eq!(app.stock("tea").await, 10);
}

#[tokio::test]
async fn a_line_must_name_one_existing_sku_once_or_nothing_is_written() {
    let app = app_with_cups().await;
    let token = app.token_for("o_unsure").await;
    let before = app.table_snapshot().await;

    let unnamed = app
        .call::<SubmitOrder>(submit(
            &token,
            "sku-key-0001",
            json!([{"productId": "cup", "quantity": 1}]),
        ))
        .await;
    let unknown = app
        .call::<SubmitOrder>(submit(
            &token,
            "sku-key-0002",
            json!([{"productId": "cup", "skuId": "huge", "quantity": 1}]),
        ))
        .await;
    let twice = app
        .call::<SubmitOrder>(submit(
            &token,
            "sku-key-0003",
            json!([{"productId": "cup", "skuId": "small", "quantity": 1}, {"productId": "cup", "skuId": "small", "quantity": 2}]),
        ))
        .await;
    let default_twice = app
        .call::<SubmitOrder>(submit(
            &token,
            "sku-key-0004",
            json!([{"productId": "tea", "quantity": 1}, {"productId": "tea", "skuId": "default", "quantity": 2}]),
        ))
        .await;
    let bad_id = app
        .call::<SubmitOrder>(submit(
            &token,
            "sku-key-0005",
            json!([{"productId": "cup", "skuId": "small size", "quantity": 1}]),
        ))
        .await;

    assert_eq!(
        (unnamed.status, unnamed.code()),
        (400, 40002),
        "{:?}",
        unnamed.body
    );
    assert!(
        unnamed.body["message"]
            .as_str()
            .unwrap()
            .contains("items[0].skuId: "),
        "{:?}",
        unnamed.body
    );
    assert_eq!(
        (unknown.status, unknown.code()),
        (400, 40005),
        "{:?}",
        unknown.body
    );
    assert_eq!(
        unknown.data()["products"],
        json!([{"productId": "cup", "skuId": "huge", "reason": "NOT_FOUND"}])
    );
    assert_eq!((twice.status, twice.code()), (400, 40002), "{:?}", twice.body);
    assert!(
        twice.body["message"]
            .as_str()
            .unwrap()
            .contains("items[1].skuId: "),
        "{:?}",
        twice.body
    );
    assert_eq!(
        default_twice.status, 400,
        "the default SKU named or not is one SKU: {:?}",
        default_twice.body
    );
    assert_eq!(bad_id.status, 400, "{:?}", bad_id.body);
    assert_eq!(app.table_snapshot().await, before, "nothing written");
}

#[tokio::test]
async fn a_product_without_variants_takes_lines_with_or_without_its_default_sku() {
    let app = app_with_cups().await;
    let token = app.token_for("o_plain").await;

    let unnamed = app
        .call::<SubmitOrder>(submit(
            &token,
            "plain-key-01",
            json!([{"productId": "tea", "quantity": 1}]),
        ))
        .await;
    let named = app
        .call::<SubmitOrder>(submit(
            &token,
            "plain-key-02",
            json!([{"productId": "tea", "skuId": "default", "quantity": 2}]),
        ))
        .await;

    assert_eq!(
        (unnamed.status, named.status),
        (200, 200),
        "{:?} {:?}",
        unnamed.body,
        named.body
    );
    assert_eq!(app.stock("tea").await, 7);
    // Lines of a product without variants are stored as before variants: no skuId.
    let id = unnamed.data()["orderId"].as_str().unwrap().to_owned();
    let item = app.item(&keys::order(&id)).await.unwrap();
    let line = item[keys::field::order::ITEMS].as_l().unwrap()[0]
        .as_m()
        .unwrap()
        .clone();
    assert!(!line.contains_key(keys::field::order::LINE_SKU_ID), "{line:?}");
    let read = app
        .call::<GetOrder>(order_request("/orders/x", &token, &id))
        .await;
    assert_eq!(
        read.data()["items"][0]["skuId"],
        "default",
        "an old line reads as the default SKU"
    );
}

#[tokio::test]
async fn unpaid_units_are_capped_per_sku() {
    let mut app = app_with_cups().await;
    app.env = app.env.clone().with("MAX_PENDING_UNITS_PER_PRODUCT", "3");
    let token = app.token_for("o_hoarder").await;
    let small = |n: i64| json!([{"productId": "cup", "skuId": "small", "quantity": n}]);

    let first = app
        .call::<SubmitOrder>(submit(&token, "cap-key-0001", small(3)))
        .await;
    let more = app
        .call::<SubmitOrder>(submit(&token, "cap-key-0002", small(1)))
        .await;
    let other = app
        .call::<SubmitOrder>(submit(
            &token,
            "cap-key-0003",
            json!([{"productId": "cup", "skuId": "large", "quantity": 3}]),
        ))
        .await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!((more.status, more.code()), (409, 40905), "{:?}", more.body);
    assert_eq!(
        more.data()["products"],
        json!([{"productId": "cup", "skuId": "small", "pendingUnits": 3}])
    );
    assert_eq!(
        other.status, 200,
        "another SKU has its own room: {:?}",
        other.body
    );
    assert_eq!(app.sku_stock("cup", "small").await, 2);
}
