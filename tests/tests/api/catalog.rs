use std::collections::HashSet;

use integration_tests::{call, product, request, spawn_app};
use lambda_http::http::Method;
use serde_json::Value;
use shared::catalog::{GetProduct, ListProducts};
use shared::infra::store::keys;

fn seed_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/products.json")
}

#[tokio::test]
async fn the_seed_file_loads_and_a_rerun_keeps_live_stock() {
    let app = spawn_app().await;
    let store = app.store();
    let expected = tools::admin::read_products(&seed_file()).unwrap();
    assert!(expected.len() >= 30);

    let first = tools::admin::seed_products(&store, &seed_file(), false)
        .await
        .unwrap();
    assert_eq!((first.written, first.skipped), (expected.len(), 0));
    let id = expected[0].id.as_str();
    let key = keys::product(id);
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key(keys::attr::PK, aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
        .key(keys::attr::SK, aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
        .update_expression("SET #stock = :s")
        .expression_attribute_names("#stock", keys::field::product::STOCK)
        .expression_attribute_values(":s", aws_sdk_dynamodb::types::AttributeValue::N("3".into()))
        .send()
        .await
        .unwrap();

    let second = tools::admin::seed_products(&store, &seed_file(), false)
        .await
        .unwrap();

    assert_eq!((second.written, second.skipped), (0, expected.len()));
    assert_eq!(app.stock(id).await, 3, "a re-run must not reset live stock");
    assert_eq!(app.table_snapshot().await.len(), expected.len());
}

#[tokio::test]
async fn seeding_retries_unprocessed_items_until_every_product_is_written() {
    use integration_tests::faults::{Fault, FaultPlan};
    let app = spawn_app().await;
    let plan = FaultPlan::default().fail("BatchWriteItem", 3, Fault::Unprocessed);
    let store = app.startup_with_faults(&plan).store();
    let expected = tools::admin::read_products(&seed_file()).unwrap();

    let report = tools::admin::seed_products(&store, &seed_file(), true)
        .await
        .unwrap();

    assert_eq!(report.written, expected.len());
    assert_eq!(
        plan.remaining("BatchWriteItem"),
        0,
        "the unprocessed batches were sent again"
    );
    assert_eq!(app.table_snapshot().await.len(), expected.len());
}

/// Walks a listing page by page; returns the ids in order and the number of pages.
async fn walk(app: &integration_tests::TestApp, category: Option<&str>, limit: &str) -> (Vec<String>, usize) {
    let function = app.function::<ListProducts>().await;
    let (mut ids, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let mut builder = request(Method::GET, "/products").query("limit", limit);
        if let Some(category) = category {
            builder = builder.query("category", category);
        }
        if let Some(cursor) = &cursor {
            builder = builder.query("cursor", cursor);
        }
        app.take_round_trips();
        let reply = call(&function, builder.build()).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(app.take_round_trips(), 1, "one Query per page");
        pages += 1;
        for item in reply.data()["items"].as_array().unwrap() {
            assert_eq!(item["status"], "ON_SALE");
            assert!(item["stock"].is_i64());
            assert!(item["priceFen"].is_i64());
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match &reply.data()["nextCursor"] {
            Value::String(next) => cursor = Some(next.clone()),
            _ => break,
        }
        assert!(pages < 50, "pagination does not end");
    }
    (ids, pages)
}

#[tokio::test]
async fn walking_list_products_returns_every_on_sale_product_exactly_once_in_order() {
    let app = spawn_app().await;
    tools::admin::seed_products(&app.store(), &seed_file(), false)
        .await
        .unwrap();
    let all = tools::admin::read_products(&seed_file()).unwrap();
    let mut expected: Vec<_> = all
        .iter()
        .filter(|p| p.status == shared::domain::catalog::ProductStatus::OnSale)
        .collect();
    expected.sort_by_key(|p| (p.sort_order, p.id.clone()));
    let expected: Vec<String> = expected.iter().map(|p| p.id.as_str().to_owned()).collect();

    let (ids, pages) = walk(&app, None, "7").await;

    assert_eq!(ids, expected);
    assert!(pages >= expected.len() / 7);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[tokio::test]
async fn walking_one_category_returns_exactly_its_on_sale_products() {
    let app = spawn_app().await;
    app.seed(&[
        product("tea-a", 100, 1, true, "tea", 3),
        product("tea-b", 100, 1, true, "tea", 1),
        product("tea-c", 100, 1, false, "tea", 2),
        product("tea-d", 100, 0, true, "tea", 2),
        product("pen-a", 100, 1, true, "stationery", 1),
    ])
    .await;

    let (ids, _) = walk(&app, Some("tea"), "2").await;

    assert_eq!(ids, ["tea-b", "tea-d", "tea-a"]);
}

#[tokio::test]
async fn bad_limits_and_garbage_or_foreign_cursors_are_400s() {
    let app = spawn_app().await;
    app.seed(
        &(0..5)
            .map(|i| product(&format!("p{i}"), 100, 1, true, "tea", i))
            .collect::<Vec<_>>(),
    )
    .await;
    let function = app.function::<ListProducts>().await;
    let first = call(
        &function,
        request(Method::GET, "/products")
            .query("limit", "2")
            .query("category", "tea")
            .build(),
    )
    .await;
    let cursor = first.data()["nextCursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    for (name, value, code) in [
        ("limit", "0", 40002),
        ("limit", "51", 40002),
        ("limit", "ten", 40002),
        ("limit", "2.5", 40002),
        ("cursor", "not-a-cursor", 40003),
        ("cursor", "eyJwIjoiMSJ9", 40003),
        ("cursor", tampered.as_str(), 40003),
        // A cursor of the tea listing is refused by the full listing.
        ("cursor", cursor.as_str(), 40003),
        ("category", "no spaces", 40002),
    ] {
        let reply = call(
            &function,
            request(Method::GET, "/products").query(name, value).build(),
        )
        .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, code),
            "{name}={value}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn get_product_answers_one_product_and_404s_otherwise() {
    let app = spawn_app().await;
    app.seed(&[product("tea-a", 1234, 7, true, "tea", 1)]).await;

    let found = app
        .call::<GetProduct>(
            request(Method::GET, "/products/tea-a")
                .path_param("id", "tea-a")
                .build(),
        )
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.data()["priceFen"], 1234);
    assert_eq!(found.data()["stock"], 7);
    assert_eq!(app.take_round_trips(), 1);

    for id in ["missing", "PRODUCT#tea-a", "a/b"] {
        let reply = app
            .call::<GetProduct>(request(Method::GET, "/products/x").path_param("id", id).build())
            .await;
        assert_eq!((reply.status, reply.code()), (404, 40401), "{id}");
    }
}
