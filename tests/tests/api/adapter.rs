//! The request adapter, through small test functions.

use integration_tests::{call, request, spawn_app};
use lambda_http::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::ApiError;
use shared::runtime::http::{Adapter, Context, Endpoint, Public};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EchoInput {
    id: String,
    page: Option<String>,
    note: Option<String>,
}

struct Echo;

impl Endpoint for Echo {
    const NAME: &'static str = "echo";
    const METHOD: Method = Method::POST;
    type Auth = Public;
    type Input = EchoInput;
    type Output = EchoInput;
    type Service = ();

    async fn handle(_service: &(), _ctx: &Context<Public>, input: EchoInput) -> Result<EchoInput, ApiError> {
        if input.id == "panic" {
            panic!("the handler blew up");
        }
        Ok(input)
    }
}

async fn echo() -> Adapter<Echo> {
    let app = spawn_app().await;
    Adapter::<Echo>::build(&app.startup()).await.unwrap()
}

#[tokio::test]
async fn path_parameters_query_and_body_merge_into_one_input() {
    let function = echo().await;

    let reply = call(
        &function,
        request(Method::POST, "/echo/42")
            .path_param("id", "42")
            .query("page", "2")
            .json(&json!({"note": "hi"})),
    )
    .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data(), &json!({"id": "42", "page": "2", "note": "hi"}));
}

#[tokio::test]
async fn a_name_given_twice_with_different_values_is_rejected() {
    let function = echo().await;

    let reply = call(
        &function,
        request(Method::POST, "/echo/42")
            .path_param("id", "42")
            .json(&json!({"id": "43"})),
    )
    .await;

    assert_eq!((reply.status, reply.code()), (400, 40002));
    assert!(reply.body["message"].as_str().unwrap().contains("id"));
}

#[tokio::test]
async fn a_panic_becomes_a_500_envelope_with_the_request_id() {
    let function = echo().await;

    let reply = call(
        &function,
        request(Method::POST, "/echo").json(&json!({"id": "panic"})),
    )
    .await;

    assert_eq!((reply.status, reply.code()), (500, 50001));
    assert_eq!(reply.body["message"], "internal error");
    assert!(reply.body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(!reply.body.to_string().contains("blew up"));
}

#[tokio::test]
async fn the_wrong_method_is_a_405() {
    let function = echo().await;

    let reply = call(&function, request(Method::GET, "/echo").query("id", "1").build()).await;

    assert_eq!((reply.status, reply.code()), (405, 40501));
}

#[tokio::test]
async fn every_response_is_json_with_a_request_id_header() {
    let function = echo().await;

    let response = function
        .handle(request(Method::POST, "/echo").json(&json!({"id": "1"})))
        .await;

    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let header = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["requestId"], header);
}
