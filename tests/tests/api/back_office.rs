//! The back office's API beyond sign-in: the orders of a day and one order's file, shipping from
//! the console, the audit log, and owners managing operators.

use integration_tests::console::{PASSWORD, code, totp_from_uri};
use integration_tests::request;
use lambda_http::http::Method;
use serde_json::json;
use shared::fulfilment::DeliverOrder;
use shared::operators::{CreateOperator, DeleteOperator, GetMe, ListAudit, ListOperators, UpdateOperator};
use shared::orders::{GetAdminOrder, ListAdminOrders};

use crate::payments::{paid_order, place, shop};

#[tokio::test]
async fn operators_list_a_days_orders_find_one_by_phone_ship_it_in_two_parcels_and_read_its_file_and_audit_lines()
 {
    let mut shop = shop().await;
    let _wechat = shop.app.own_wechat().await;
    let packer = shop.app.operator_session("fulfilment").await;
    let paid = paid_order(&shop, "back-office-01", "4200002026112500000101").await;
    let unpaid = place(&shop, "back-office-02").await;
    let today = shop.app.clock.now().china_day();
    let list = |query: &[(&str, &str)]| {
        let mut builder = request(Method::GET, "/admin/orders").console(&packer);
        for (name, value) in query {
            builder = builder.query(name, value);
        }
        shop.app.call::<ListAdminOrders>(builder.build())
    };

    let all = list(&[("day", &today)]).await;
    let to_ship = list(&[("status", "PAID")]).await;
    let by_phone = list(&[("phone", "8000")]).await;
    let nobody = list(&[("phone", "1234")]).await;
    let bad_day = list(&[("day", "2026-02-30")]).await;

    let ids = |reply: &integration_tests::Reply| -> Vec<String> {
        reply.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["orderId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&all),
        [paid.clone(), unpaid.clone()],
        "oldest first: {:?}",
        all.body
    );
    assert_eq!(ids(&to_ship), std::slice::from_ref(&paid));
    assert_eq!(ids(&by_phone).len(), 2, "both go to 138****8000");
    assert!(ids(&nobody).is_empty());
    assert_eq!((bad_day.status, bad_day.code()), (400, 40002));
    assert_eq!(
        all.data()["items"][0]["address"]["telNumber"],
        "138****8000",
        "masked in lists"
    );

    let delivered = shop
        .app
        .call::<DeliverOrder>(
            request(Method::POST, "/admin/orders/x/deliveries")
                .path_param("id", &paid)
                .console(&packer)
                .json(&json!({"logisticsType": 1, "parcels": [
                    {"carrier": "SF", "trackingNo": "SF1000000001", "items": [{"productId": "tea", "quantity": 1}]},
                    {"carrier": "SF", "trackingNo": "SF1000000002", "items": [{"productId": "tea", "quantity": 1}]}
                ]})),
        )
        .await;
    assert_eq!(delivered.status, 200, "{:?}", delivered.body);
    assert_eq!(delivered.data()["status"], "SHIPPED");

    let file = shop
        .app
        .call::<GetAdminOrder>(
            request(Method::GET, "/admin/orders/x")
                .path_param("id", &paid)
                .console(&packer)
                .build(),
        )
        .await;
    assert_eq!(file.status, 200, "{:?}", file.body);
    assert_eq!(
        file.data()["address"]["telNumber"],
        "13800138000",
        "in full for the packer"
    );
    assert_eq!(
        file.data()["deliveries"][0]["parcels"].as_array().unwrap().len(),
        2
    );
    assert_eq!(file.data()["afterSales"], json!([]));
    let audit = &file.data()["audit"][0];
    assert_eq!(
        (
            audit["action"].as_str(),
            audit["email"].as_str(),
            audit["role"].as_str()
        ),
        (
            Some("deliver-order"),
            Some(packer.email.as_str()),
            Some("fulfilment")
        ),
        "{audit}"
    );
    assert_eq!(audit["changes"]["parcels"][1]["trackingNo"], "SF1000000002");
    let missing = shop
        .app
        .call::<GetAdminOrder>(
            request(Method::GET, "/admin/orders/x")
                .path_param("id", "20261204000000000009")
                .console(&packer)
                .build(),
        )
        .await;
    assert_eq!((missing.status, missing.code()), (404, 40401));
}

#[tokio::test]
async fn an_owner_creates_changes_resets_and_removes_operators_and_every_change_is_in_the_audit_log() {
    let app = integration_tests::spawn_app().await;
    let owner = app.operator_session("owner").await;

    let created = app
        .call::<CreateOperator>(
            request(Method::POST, "/admin/operators")
                .console(&owner)
                .json(&json!({"email": "Helper@Shop.Example", "role": "support"})),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let helper_id = created.data()["operator"]["id"].as_str().unwrap().to_owned();
    let first_password = created.data()["password"].as_str().unwrap().to_owned();
    assert!(
        created.data()["totpUri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let again = app
        .call::<CreateOperator>(
            request(Method::POST, "/admin/operators")
                .console(&owner)
                .json(&json!({"email": "helper@shop.example", "role": "finance"})),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, 40911));

    let listed = app
        .call::<ListOperators>(request(Method::GET, "/admin/operators").console(&owner).build())
        .await;
    let emails: Vec<&str> = listed.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"helper@shop.example"), "{emails:?}");
    assert!(
        !listed.body.to_string().contains("passwordHash") && !listed.body.to_string().contains("totpSecret")
    );

    let update = |body: serde_json::Value| {
        app.call::<UpdateOperator>(
            request(Method::PATCH, "/admin/operators/x")
                .path_param("id", &helper_id)
                .console(&owner)
                .json(&body),
        )
    };
    let promoted = update(json!({"role": "finance"})).await;
    assert_eq!(
        promoted.data()["operator"]["role"],
        "finance",
        "{:?}",
        promoted.body
    );
    let reset = update(json!({"reset": true})).await;
    let new_password = reset.data()["password"].as_str().unwrap().to_owned();
    assert_ne!(new_password, first_password);
    let secret = totp_from_uri(reset.data()["totpUri"].as_str().unwrap());
    let now = app.clock.now().epoch_secs() as u64;
    let old = app
        .sign_in("helper@shop.example", &first_password, &code(&secret, now, 0))
        .await;
    assert_eq!(old.code(), 40110, "the old password is gone");
    let fresh = app
        .sign_in("helper@shop.example", &new_password, &code(&secret, now, 1))
        .await;
    assert_eq!(fresh.status, 200, "{:?}", fresh.body);
    assert_eq!(fresh.data()["mustChangePassword"], true);
    let helper_cookie = integration_tests::console::cookie_of(&fresh).unwrap();

    let own = app
        .call::<UpdateOperator>(
            request(Method::PATCH, "/admin/operators/x")
                .path_param("id", &owner.operator_id)
                .console(&owner)
                .json(&json!({"role": "support"})),
        )
        .await;
    assert_eq!(
        (own.status, own.code()),
        (400, 40002),
        "an owner keeps their own role"
    );
    let removed = app
        .call::<DeleteOperator>(
            request(Method::DELETE, "/admin/operators/x")
                .path_param("id", &helper_id)
                .console(&owner)
                .build(),
        )
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let gone = app
        .call::<GetMe>(
            request(Method::GET, "/admin/me")
                .header("cookie", &helper_cookie)
                .build(),
        )
        .await;
    assert_eq!(gone.code(), 40109, "a removed operator's session ends");

    let log = app
        .call::<ListAudit>(request(Method::GET, "/admin/audit").console(&owner).build())
        .await;
    let actions: Vec<&str> = log.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for action in ["create-operator", "update-operator", "delete-operator"] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
    let text = log.body.to_string();
    assert!(
        !text.contains(&new_password) && !text.contains(PASSWORD),
        "no password in the log"
    );
    let of_helper = app
        .call::<ListAudit>(
            request(Method::GET, "/admin/audit")
                .query("target", &helper_id)
                .console(&owner)
                .build(),
        )
        .await;
    assert_eq!(
        of_helper.data()["items"][0]["action"],
        "delete-operator",
        "newest first"
    );
}

#[tokio::test]
async fn a_manager_creates_a_product_with_two_skus_edits_it_without_touching_its_stock_and_adjusts_stock_with_a_reason()
 {
    use shared::catalog::{AdjustStock, GetProduct, ListAdminProducts, SaveProduct};
    let app = integration_tests::spawn_app().await;
    let manager = app.operator_session("manager").await;
    let product = json!({
        "name": "桂花乌龙", "description": "两种罐装", "category": "tea",
        "images": ["https://cdn.example.com/products/osmanthus/1.jpg"], "status": "ON_SALE", "sortOrder": 5,
        "specs": [{"name": "规格", "values": ["小罐", "大罐"]}],
        "skus": [
            {"skuId": "small", "specValues": {"规格": "小罐"}, "priceFen": 3800, "stock": 10},
            {"skuId": "large", "specValues": {"规格": "大罐"}, "priceFen": 6800, "stock": 4}
        ]
    });
    let save = |body: serde_json::Value| {
        app.call::<SaveProduct>(
            request(Method::PUT, "/admin/products/x")
                .path_param("id", "osmanthus")
                .console(&manager)
                .json(&body),
        )
    };

    let created = save(product.clone()).await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(
        (
            created.data()["priceFen"].as_i64(),
            created.data()["stock"].as_i64()
        ),
        (Some(3800), Some(14))
    );
    let adjusted = app
        .call::<AdjustStock>(
            request(Method::POST, "/admin/products/x/stock")
                .path_param("id", "osmanthus")
                .console(&manager)
                .json(&json!({"skuId": "large", "delta": 5, "reason": "盘点多出 5 罐"})),
        )
        .await;
    assert_eq!(adjusted.data()["stock"], 19, "{:?}", adjusted.body);
    let too_much = app
        .call::<AdjustStock>(
            request(Method::POST, "/admin/products/x/stock")
                .path_param("id", "osmanthus")
                .console(&manager)
                .json(&json!({"skuId": "large", "delta": -10, "reason": "破损"})),
        )
        .await;
    assert_eq!(
        (too_much.status, too_much.code()),
        (409, 40912),
        "{:?}",
        too_much.body
    );
    assert_eq!(too_much.data()["stock"], 9);

    // An edit renames and reprices; the stock stays what it is.
    let mut edited = product.clone();
    edited["name"] = json!("桂花乌龙茶");
    edited["skus"][1]["priceFen"] = json!(6600);
    edited["skus"][1]["stock"] = json!(0);
    let saved = save(edited).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(app.sku_stock("osmanthus", "large").await, 9, "live stock kept");
    let public = app
        .call::<GetProduct>(
            request(Method::GET, "/products/x")
                .path_param("id", "osmanthus")
                .build(),
        )
        .await;
    assert_eq!(public.data()["name"], "桂花乌龙茶");
    assert_eq!(public.data()["skus"][1]["priceFen"], 6600);

    let bad = save(json!({"name": "", "description": "", "category": "tea", "images": [], "status": "ON_SALE", "sortOrder": 1, "priceFen": 1, "stock": 1})).await;
    assert_eq!((bad.status, bad.code()), (400, 40002), "{:?}", bad.body);
    let mut off = product.clone();
    off["status"] = json!("OFF_SALE");
    assert_eq!(save(off).await.status, 200);
    let listed = app
        .call::<ListAdminProducts>(request(Method::GET, "/admin/products").console(&manager).build())
        .await;
    let ids: Vec<&str> = listed.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"osmanthus"),
        "off the shelf and still listed for operators: {ids:?}"
    );
    let audit = app.store().audit_of_target("osmanthus", 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "adjust-stock" && r.changes["reason"] == "盘点多出 5 罐"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_console_reads_wechats_carriers_and_the_refund_issues_to_settle() {
    use shared::fulfilment::ListCarriers;
    use shared::orders::ListRefundIssues;
    let mut shop = shop().await;
    let wechat = shop.app.own_wechat().await;
    let finance = shop.app.operator_session("finance").await;
    let packer = shop.app.operator_session("fulfilment").await;

    let carriers = shop
        .app
        .call::<ListCarriers>(request(Method::GET, "/admin/carriers").console(&packer).build())
        .await;
    assert_eq!(carriers.status, 200, "{:?}", carriers.body);
    let codes: Vec<&str> = carriers.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = tools::fake_wechat::DELIVERY_COMPANIES
        .iter()
        .map(|(code, _)| *code)
        .collect();
    assert_eq!(codes.len(), expected.len(), "{codes:?}");
    assert!(expected.iter().all(|code| codes.contains(code)));
    assert_eq!(
        carriers.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "SF")
            .unwrap()["name"],
        "顺丰速运"
    );
    assert_eq!(wechat.delivery_list_calls(), 1, "fetched once, then kept");

    let empty = shop
        .app
        .call::<ListRefundIssues>(
            request(Method::GET, "/admin/refund-issues")
                .console(&finance)
                .build(),
        )
        .await;
    assert_eq!(
        empty.data(),
        &json!({"orders": [], "afterSales": []}),
        "{:?}",
        empty.body
    );
    // A refund WeChat Pay closed: the sweep flags it, and it is listed for finance.
    let id = paid_order(&shop, "back-office-issue", "4200002026112500000120").await;
    let refund = shop
        .app
        .call::<shared::payments::RefundOrder>(crate::payments::refund_request(&shop.token, &id))
        .await;
    assert_eq!(refund.status, 200, "{:?}", refund.body);
    shop.pay.settle_refund(&format!("R{id}"), "CLOSED");
    shop.app.clock.advance(std::time::Duration::from_secs(11 * 60));
    crate::payments::sweep(&shop).await;
    let issues = shop
        .app
        .call::<ListRefundIssues>(
            request(Method::GET, "/admin/refund-issues")
                .console(&finance)
                .build(),
        )
        .await;
    assert_eq!(
        issues.data()["orders"][0]["orderId"],
        id.as_str(),
        "{:?}",
        issues.body
    );
    assert_eq!(issues.data()["orders"][0]["refundIssue"], "CLOSED");
}

#[tokio::test]
async fn a_catalog_image_is_posted_straight_to_the_bucket_under_catalog_with_the_url_buyers_load_it_from() {
    async fn ask(
        app: &integration_tests::TestApp,
        manager: &integration_tests::console::ConsoleLogin,
        body: serde_json::Value,
    ) -> integration_tests::Reply {
        app.call::<shared::catalog::ImageUploadToken>(
            request(Method::POST, "/admin/images")
                .console(manager)
                .json(&body),
        )
        .await
    }
    let mut app = integration_tests::spawn_app().await;
    let manager = app.operator_session("manager").await;
    let unserved = ask(&app, &manager, json!({"contentType": "image/png", "size": 68})).await;
    assert_eq!(
        (unserved.status, unserved.code()),
        (409, 40913),
        "{:?}",
        unserved.body
    );

    let endpoint = integration_tests::emulator_endpoint();
    app.env = app
        .env
        .clone()
        .with("CATALOG_IMAGE_BASE_URL", format!("{endpoint}/{}", app.bucket));
    for bad in [
        json!({"contentType": "image/gif", "size": 68}),
        json!({"contentType": "image/png", "size": 0}),
        json!({"contentType": "image/png", "size": 5 * 1024 * 1024 + 1}),
    ] {
        let refused = ask(&app, &manager, bad.clone()).await;
        assert_eq!(
            (refused.status, refused.code()),
            (400, 40002),
            "{bad}: {:?}",
            refused.body
        );
    }
    let png = b"\x89PNG\r\n\x1a\n pretend image bytes".to_vec();
    let grant = ask(
        &app,
        &manager,
        json!({"contentType": "image/png", "size": png.len()}),
    )
    .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    let key = grant.data()["key"].as_str().unwrap();
    assert!(key.starts_with("catalog/") && key.ends_with(".png"), "{key}");
    assert!(
        grant.data()["fields"].get("tagging").is_none(),
        "never expired as an unreferenced upload"
    );
    let posted = crate::uploads::post_upload(grant.data(), &png, "image/png").await;
    assert_eq!(posted.status(), 201);
    let url = grant.data()["imageUrl"].as_str().unwrap();
    assert_eq!(url, format!("{endpoint}/{}/{key}", app.bucket));
    // The CDN serves the bucket's catalog/ prefix at that URL; the object is there, as posted.
    let stored = app
        .s3
        .get_object()
        .bucket(&app.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(stored.content_type(), Some("image/png"));
    assert_eq!(stored.body.collect().await.unwrap().into_bytes().to_vec(), png);
    // S3 refuses more than the size asked for (the emulator does not check POST policies).
    use base64::Engine as _;
    let policy = base64::engine::general_purpose::STANDARD
        .decode(grant.data()["fields"]["policy"].as_str().unwrap())
        .unwrap();
    let policy: serde_json::Value = serde_json::from_slice(&policy).unwrap();
    assert!(
        policy["conditions"]
            .as_array()
            .unwrap()
            .contains(&json!(["content-length-range", 1, png.len()])),
        "{policy}"
    );
}
