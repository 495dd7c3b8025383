//! Fault injection for DynamoDB: an HTTP client that answers chosen operations with a canned
//! error (a transaction conflict, throttling) instead of sending them, and forwards the rest to
//! the emulator. An injected fault never reaches the table, like a real cancelled request.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{RuntimeComponents, SharedHttpClient};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// A canned DynamoDB error.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// `TransactionCanceledException` with a `TransactionConflict` reason.
    TransactionConflict,
    /// `ProvisionedThroughputExceededException` (the SDK retries it itself).
    Throttled,
    /// A BatchWriteItem or BatchGetItem that processed nothing: every request comes back unprocessed.
    Unprocessed,
}

impl Fault {
    fn response(self, request: &HttpRequest) -> HttpResponse {
        let status = if matches!(self, Fault::Unprocessed) {
            200u16
        } else {
            400
        };
        let body = match self {
            Fault::Unprocessed => {
                let sent: serde_json::Value = request
                    .body()
                    .bytes()
                    .and_then(|b| serde_json::from_slice(b).ok())
                    .unwrap_or_default();
                let operation = request.headers().get("x-amz-target").unwrap_or_default();
                let field = if operation.ends_with("BatchGetItem") {
                    "UnprocessedKeys"
                } else {
                    "UnprocessedItems"
                };
                serde_json::json!({ field: sent["RequestItems"].clone() })
            }
            Fault::TransactionConflict => serde_json::json!({
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]",
                "CancellationReasons": [
                    {"Code": "None"},
                    {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                ]
            }),
            Fault::Throttled => serde_json::json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded."
            }),
        };
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).expect("a valid status"),
            SdkBody::from(body.to_string()),
        );
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.0");
        response
    }
}

/// Which operation fails, how many more times, and how.
#[derive(Debug, Clone)]
struct Rule {
    operation: &'static str,
    /// Only requests whose body contains this text (e.g. `ORDER#`: the order's transaction,
    /// not the rate count's).
    body_contains: Option<&'static str>,
    remaining: usize,
    fault: Fault,
}

/// The fault plan shared by the client and the test.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan(Arc<Mutex<Vec<Rule>>>);

impl FaultPlan {
    /// Fails the next `times` calls of `operation` (e.g. `TransactWriteItems`) with `fault`.
    pub fn fail(self, operation: &'static str, times: usize, fault: Fault) -> Self {
        self.0.lock().unwrap().push(Rule {
            operation,
            body_contains: None,
            remaining: times,
            fault,
        });
        self
    }

    /// Narrows the last rule to requests whose body contains `text`.
    pub fn only_with(self, text: &'static str) -> Self {
        if let Some(rule) = self.0.lock().unwrap().last_mut() {
            rule.body_contains = Some(text);
        }
        self
    }

    /// How many injections of `operation` are left.
    pub fn remaining(&self, operation: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.operation == operation)
            .map(|r| r.remaining)
            .sum()
    }

    fn take(&self, request: &HttpRequest) -> Option<Fault> {
        let target = request.headers().get("x-amz-target")?;
        let operation = target.rsplit('.').next()?;
        let body = request
            .body()
            .bytes()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let mut rules = self.0.lock().unwrap();
        let rule = rules.iter_mut().find(|r| {
            r.operation == operation
                && r.remaining > 0
                && r.body_contains.is_none_or(|text| body.contains(text))
        })?;
        rule.remaining -= 1;
        Some(rule.fault)
    }
}

/// Wraps the emulator's HTTP client with a [`FaultPlan`].
#[derive(Debug, Clone)]
pub struct FaultyHttpClient {
    inner: SharedHttpClient,
    plan: FaultPlan,
}

impl FaultyHttpClient {
    pub fn new(inner: SharedHttpClient, plan: FaultPlan) -> Self {
        Self { inner, plan }
    }
}

impl HttpClient for FaultyHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            plan: self.plan.clone(),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    plan: FaultPlan,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.plan.take(&request) {
            Some(fault) => HttpConnectorFuture::ready(Ok(fault.response(&request))),
            None => self.inner.call(request),
        }
    }
}
