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
        tracing::info!(note = input.note.as_deref(), "echo handled");
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
async fn the_wrong_method_is_a_405_that_names_the_allowed_one() {
    let function = echo().await;

    let response = function
        .handle(request(Method::TRACE, "/echo").query("id", "1").build())
        .await;

    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
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

#[tokio::test]
async fn every_request_writes_one_metrics_line_and_its_log_lines_carry_its_request_id() {
    let function = echo().await;
    let note = format!("note-{}", shared::infra::crypto::random_id(6));

    let ok = call(
        &function,
        request(Method::POST, "/echo/1")
            .path_param("id", "1")
            .json(&json!({ "note": note })),
    )
    .await;
    let refused = call(
        &function,
        request(Method::POST, "/echo/1")
            .path_param("id", "1")
            .json(&json!({"unknown": true})),
    )
    .await;

    let id_of = |reply: &integration_tests::Reply| reply.body["requestId"].as_str().unwrap().to_owned();
    let metrics = integration_tests::captured_metrics();
    let line_of = |id: &str| {
        let lines: Vec<_> = metrics.iter().filter(|m| m["requestId"] == id).collect();
        assert_eq!(lines.len(), 1, "one metrics line per request: {lines:?}");
        lines[0].clone()
    };
    let ok_line = line_of(&id_of(&ok));
    let dimensions: Vec<_> = ok_line["_aws"]["CloudWatchMetrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|directive| directive["Dimensions"].clone())
        .collect();
    assert_eq!(
        dimensions,
        [json!([["codeClass"]])],
        "one small dimension; business counts (none here) by function"
    );
    assert_eq!(
        (ok_line["function"].as_str(), ok_line["codeClass"].as_str()),
        (Some("echo"), Some("2xx"))
    );
    assert_eq!(ok_line["Requests"].as_f64(), Some(1.0));
    assert!(ok_line["Latency"].as_f64().unwrap() > 0.0);
    let refused_line = line_of(&id_of(&refused));
    assert_eq!(
        (refused_line["codeClass"].as_str(), refused_line["code"].as_u64()),
        (Some("4xx"), Some(40002))
    );
    assert_eq!(refused_line["Requests"], 1.0, "counted as a 4xx request");

    // The handler's own line, written inside the request, names the request it belongs to.
    let logs = integration_tests::captured_logs();
    let handled: serde_json::Value = logs
        .lines()
        .filter(|line| line.contains(&note))
        .map(|line| serde_json::from_str(line).unwrap())
        .find(|line: &serde_json::Value| line["message"] == "echo handled")
        .expect("the handler's line");
    assert_eq!(handled["spans"][0]["request_id"], id_of(&ok).as_str());
    assert_eq!(handled["spans"][0]["function"], "echo");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_invalid_json_even_when_labelled_json() {
    let function = echo().await;

    let reply = call(
        &function,
        request(Method::POST, "/echo/1")
            .path_param("id", "1")
            .header("content-type", "application/json")
            .raw_body(vec![0xc2, 0x82, b'r', 0xff])
            .build(),
    )
    .await;

    assert_eq!((reply.status, reply.code()), (400, 40001), "{:?}", reply.body);
}
