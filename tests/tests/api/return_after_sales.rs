//! `return-after-sales` (POST /orders/{id}/after-sales/{number}/return): written by `make new-function`.

use integration_tests::{request, spawn_app};
use lambda_http::http::Method;
use shared::after_sales::ReturnAfterSales;

#[tokio::test]
async fn return_after_sales_refuses_a_caller_without_an_access_token() {
    let app = spawn_app().await;

    let reply = app
        .call::<ReturnAfterSales>(
            request(Method::POST, "/orders/sample/after-sales/sample/return")
                .path_param("id", "sample")
                .path_param("number", "sample")
                .build(),
        )
        .await;

    assert_eq!((reply.status, reply.code()), (401, 40101), "{:?}", reply.body);
}
