//! Each sample event in `events/` runs through its function's handler.

use integration_tests::{TestApp, spawn_app};
use lambda_http::request::from_str;
use serde_json::Value;
use shared::EventHandler;
use shared::catalog::{GetProduct, ListProducts};
use shared::files::{GetFileUrl, OnUpload, UploadToken};
use shared::identity::{GetUserInfo, UpdateUserInfo};
use shared::identity::{Login, Logout, Refresh};
use shared::orders::{CancelOrder, GetOrder, ListOrders, SubmitOrder};
use shared::runtime::events::EventAdapter;
use shared::runtime::http::Endpoint;

fn sample(name: &str) -> String {
    let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Runs the sample of `E`, with the placeholder token replaced by `token` and the login code made unique.
async fn run_sample<E: Endpoint>(app: &TestApp, token: Option<&str>) -> integration_tests::Reply {
    run_sample_with::<E>(app, token, &[]).await
}

async fn run_sample_with<E: Endpoint>(
    app: &TestApp,
    token: Option<&str>,
    replacements: &[(&str, &str)],
) -> integration_tests::Reply {
    let mut event = sample(E::NAME);
    if let Some(token) = token {
        event = event.replace("REPLACE_WITH_ACCESS_TOKEN", token);
    }
    for (from, to) in replacements {
        event = event.replace(from, to);
    }
    let unique = app.new_user_name("sample");
    event = event.replace("alice.sample", &format!("{unique}.sample"));
    let request = from_str(&event).unwrap_or_else(|e| panic!("{}: not an API Gateway event: {e}", E::NAME));
    app.call::<E>(request).await
}

#[tokio::test]
async fn every_sample_event_runs_through_its_handler() {
    let app = spawn_app().await;

    let login = run_sample::<Login>(&app, None).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let token = login.data()["accessToken"].as_str().unwrap().to_owned();

    let me = run_sample::<GetUserInfo>(&app, Some(&token)).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    let updated = run_sample::<UpdateUserInfo>(&app, Some(&token)).await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_ne!(updated.data()["nickname"], Value::from(""));

    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/products.json");
    tools::admin::seed_products(&app.store(), &seed, false)
        .await
        .unwrap();
    let products = run_sample::<ListProducts>(&app, None).await;
    assert_eq!(products.status, 200, "{:?}", products.body);
    assert!(!products.data()["items"].as_array().unwrap().is_empty());
    let product = run_sample::<GetProduct>(&app, None).await;
    assert_eq!(product.status, 200, "{:?}", product.body);
    let order = run_sample::<SubmitOrder>(&app, Some(&token)).await;
    assert_eq!(order.status, 200, "{:?}", order.body);
    let order_id = order.data()["orderId"].as_str().unwrap().to_owned();
    let orders = run_sample::<ListOrders>(&app, Some(&token)).await;
    assert_eq!(orders.data()["items"][0]["orderId"], order_id.as_str());
    let replacements = [("REPLACE_WITH_ORDER_ID", order_id.as_str())];
    let fetched = run_sample_with::<GetOrder>(&app, Some(&token), &replacements).await;
    assert_eq!(fetched.status, 200, "{:?}", fetched.body);
    let cancelled = run_sample_with::<CancelOrder>(&app, Some(&token), &replacements).await;
    assert_eq!(cancelled.data()["status"], "CANCELLED", "{:?}", cancelled.body);

    let grant = run_sample::<UploadToken>(&app, Some(&token)).await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    let key = grant.data()["key"].as_str().unwrap().to_owned();
    let urls = run_sample_with::<GetFileUrl>(&app, Some(&token), &[("REPLACE_WITH_OBJECT_KEY", &key)]).await;
    assert_eq!(urls.data()["files"][0]["status"], "OK", "{:?}", urls.body);

    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(&key)
        .body(vec![0u8; 100].into())
        .content_type("image/jpeg")
        .send()
        .await
        .unwrap();
    let event = sample(OnUpload::NAME)
        .replace("wx-serverless-uploads", &app.bucket)
        .replace("REPLACE_WITH_OBJECT_KEY", &key);
    let handler = EventAdapter::<OnUpload>::build(&app.startup()).await.unwrap();
    let report = handler
        .handle("sample", serde_json::from_str(&event).unwrap())
        .await
        .unwrap();
    assert_eq!(report.recorded, 1);

    let refresh = login.data()["refreshToken"].as_str().unwrap().to_owned();
    let refreshed =
        run_sample_with::<Refresh>(&app, None, &[("REPLACE_WITH_REFRESH_TOKEN", refresh.as_str())]).await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    let token = refreshed.data()["accessToken"].as_str().unwrap().to_owned();
    let logout = run_sample::<Logout>(&app, Some(&token)).await;
    assert_eq!(logout.status, 200, "{:?}", logout.body);
    assert_eq!(logout.data()["revoked"], 1);
}

#[tokio::test]
async fn a_sample_with_its_placeholder_token_is_a_401() {
    let app = spawn_app().await;

    let reply = run_sample::<GetUserInfo>(&app, None).await;

    assert_eq!((reply.status, reply.code()), (401, 40102));
}

#[test]
fn every_function_has_exactly_one_sample_event() {
    let root = format!("{}/..", env!("CARGO_MANIFEST_DIR"));
    let mut functions: Vec<String> = std::fs::read_dir(format!("{root}/functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut events: Vec<String> = std::fs::read_dir(format!("{root}/events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    functions.sort();
    events.sort();
    assert_eq!(functions, events);
}

/// An event function whose handler panics.
struct Explode;

impl EventHandler for Explode {
    const NAME: &'static str = "explode";
    type Event = Value;
    type Output = Value;
    type Service = ();

    async fn handle(_service: &(), event: Value) -> Result<Value, shared::ApiError> {
        if event["boom"] == true {
            panic!("the event handler blew up");
        }
        Ok(event)
    }
}

#[tokio::test]
async fn a_panicking_event_handler_fails_the_event_so_lambda_retries_it() {
    let app = spawn_app().await;
    let handler = EventAdapter::<Explode>::build(&app.startup()).await.unwrap();

    let failed = handler.handle("boom-1", serde_json::json!({"boom": true})).await;
    let fine = handler.handle("calm-1", serde_json::json!({"boom": false})).await;

    let err = failed.expect_err("a panic is an error, not a success");
    assert_eq!(err.code(), 50001);
    assert!(err.cause_chain().contains("blew up"), "{}", err.cause_chain());
    assert_eq!(fine.unwrap(), serde_json::json!({"boom": false}));
}
