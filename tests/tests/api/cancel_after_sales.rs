//! `cancel-after-sales` (POST /orders/{id}/after-sales/{number}/cancel): written by `make new-function`.

use integration_tests::{request, spawn_app};
use lambda_http::http::Method;
use shared::after_sales::CancelAfterSales;

#[tokio::test]
async fn cancel_after_sales_refuses_a_caller_without_an_access_token() {
    let app = spawn_app().await;

    let reply = app
        .call::<CancelAfterSales>(
            request(Method::POST, "/orders/sample/after-sales/sample/cancel")
                .path_param("id", "sample")
                .path_param("number", "sample")
                .build(),
        )
        .await;

    assert_eq!((reply.status, reply.code()), (401, 40101), "{:?}", reply.body);
}
