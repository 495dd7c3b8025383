//! Metrics in CloudWatch Embedded Metric Format: one JSON line per request or event on stdout, which
//! CloudWatch Logs turns into metrics, so counting costs no AWS call. Each metric and dimension value
//! is one custom metric, billed monthly, so each metric gets one small dimension, and a deployed
//! stack makes about 29 of them whatever the number of functions (under 50): the health of every
//! request by the class of the answer (`2xx`, `4xx`, `5xx`), the business counts by the function
//! that makes them (one or two each). Per-function invocations, duration (p50, p99), errors of the
//! runtime and throttles come free from AWS/Lambda. The exact code, the function, the request id and
//! the latency are properties of the line, for Logs Insights.
//!
//! | metric | unit | dimension | when |
//! |---|---|---|---|
//! | `Requests` | Count | codeClass (3) | every request or event (`4xx`, `5xx`: the errors) |
//! | `Latency` | Milliseconds | codeClass (3) | every request or event |
//! | `ColdStart` | Count | codeClass (at most 3) | only on the first request of an instance |
//! | `RateLimited` | Count | codeClass (`4xx`) | only when a rate limit refused it (42901, 42902, 42903) |
//! | business counts | Count | function | `Logins`, `OrdersPlaced`, `PaymentsSucceeded` (pay-notify, expire-orders), `PaidFen` (the paid total, pay-notify), `LatePaymentsRefunded`, `RefundsRequested`, `Refunds` (refund-notify, expire-orders), `RefundsFailed` (ABNORMAL or CLOSED: refund-notify, expire-orders), `NotificationsFailed` (pay-notify, refund-notify), `OrdersShipped`, `OrdersCompleted` (wechat-push: a receipt), `AfterSalesRequested`, `OrdersExpired`, `PhonesBound`, `AccessTokenRefreshes`, `ImagesRemoved` (20 in all) |

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value, json};

use super::config::{Env, defaults, vars};

/// A business count a function reports on success.
pub type Business = &'static [(&'static str, f64)];

/// One request's (or event's) measurements.
#[derive(Debug, Clone)]
pub struct Measured<'a> {
    pub function: &'static str,
    pub request_id: &'a str,
    /// The HTTP status answered (events: 200, or 500 when they fail).
    pub status: u16,
    /// Our stable code (0 on success).
    pub code: u32,
    pub latency_ms: f64,
    /// Counts that mean something to the business, e.g. `("OrdersPlaced", 1.0)`.
    pub business: Vec<(&'static str, f64)>,
}

static NAMESPACE: OnceLock<String> = OnceLock::new();
static COLD: AtomicBool = AtomicBool::new(true);
/// Something that takes metrics lines.
type Sink = Box<dyn FnMut(&str) + Send>;
/// Where the lines go: stdout, unless a test captures them.
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// Sets the namespace from `METRICS_NAMESPACE` (once per process).
pub fn init(env: &Env) {
    let _ = NAMESPACE.set(env.string_or(vars::METRICS_NAMESPACE, defaults::METRICS_NAMESPACE));
}

/// Sends every line to `sink` instead of stdout (tests).
pub fn capture(sink: impl FnMut(&str) + Send + 'static) {
    *SINK.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(sink));
}

/// Writes the metrics line of one request. The first one of the process counts a cold start.
pub fn record(measured: &Measured<'_>) {
    let cold = COLD.swap(false, Ordering::Relaxed);
    let namespace = NAMESPACE
        .get()
        .map_or(defaults::METRICS_NAMESPACE, String::as_str);
    let line = line(
        namespace,
        measured,
        cold,
        crate::domain::time::Timestamp::now().epoch_millis(),
    );
    let mut sink = SINK.lock().unwrap_or_else(|p| p.into_inner());
    match sink.as_mut() {
        Some(sink) => sink(&line),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

/// The class of an HTTP status: `2xx`, `4xx`, `5xx`.
pub fn code_class(status: u16) -> &'static str {
    match status {
        500.. => "5xx",
        400..=499 => "4xx",
        300..=399 => "3xx",
        _ => "2xx",
    }
}

/// The EMF line: the metrics, each with its one dimension, and the properties for Logs Insights.
pub fn line(namespace: &str, m: &Measured<'_>, cold_start: bool, timestamp_ms: i64) -> String {
    let by_function: Vec<(&str, &str, f64)> = m
        .business
        .iter()
        .map(|(name, value)| (*name, "Count", *value))
        .collect();
    let mut by_class: Vec<(&str, &str, f64)> = vec![
        ("Requests", "Count", 1.0),
        ("Latency", "Milliseconds", m.latency_ms),
    ];
    // Emitted only when they happened: a metric never emitted under a dimension value costs nothing.
    if cold_start {
        by_class.push(("ColdStart", "Count", 1.0));
    }
    if m.code / 100 == 429 {
        by_class.push(("RateLimited", "Count", 1.0));
    }
    let definitions = |metrics: &[(&str, &str, f64)]| {
        metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
            .collect::<Vec<_>>()
    };
    let mut object = Map::new();
    object.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": if by_function.is_empty() {
                json!([{"Namespace": namespace, "Dimensions": [["codeClass"]], "Metrics": definitions(&by_class)}])
            } else {
                json!([
                    {"Namespace": namespace, "Dimensions": [["codeClass"]], "Metrics": definitions(&by_class)},
                    {"Namespace": namespace, "Dimensions": [["function"]], "Metrics": definitions(&by_function)},
                ])
            },
        }),
    );
    let metrics = by_class.into_iter().chain(by_function);
    object.insert("function".into(), json!(m.function));
    object.insert("codeClass".into(), json!(code_class(m.status)));
    object.insert("requestId".into(), json!(m.request_id));
    object.insert("status".into(), json!(m.status));
    object.insert("code".into(), json!(m.code));
    for (name, _, value) in metrics {
        object.insert(name.into(), json!(value));
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_valid_emf_with_low_cardinality_dimensions() {
        let m = Measured {
            function: "submit-order",
            request_id: "r-1",
            status: 409,
            code: 40901,
            latency_ms: 12.5,
            business: vec![],
        };
        let line: Value = serde_json::from_str(&line("wx", &m, true, 1_700_000_000_000)).unwrap();
        let directives = line["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000i64);
        // Every dimension and metric a directive names is a member of the line; each metric has
        // one dimension set of one dimension.
        for directive in directives {
            assert_eq!(directive["Namespace"], "wx");
            let sets = directive["Dimensions"].as_array().unwrap();
            assert_eq!(sets.len(), 1, "{directive}");
            assert_eq!(sets[0].as_array().unwrap().len(), 1, "{directive}");
            assert!(line[sets[0][0].as_str().unwrap()].is_string(), "{directive}");
            for metric in directive["Metrics"].as_array().unwrap() {
                assert!(line[metric["Name"].as_str().unwrap()].is_number(), "{metric}");
            }
        }
        let dimension_of = |metric: &str| {
            directives
                .iter()
                .find(|d| {
                    d["Metrics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m["Name"] == metric)
                })
                .map(|d| d["Dimensions"][0][0].as_str().unwrap().to_owned())
        };
        assert_eq!(dimension_of("Requests").as_deref(), Some("codeClass"));
        assert_eq!(dimension_of("Latency").as_deref(), Some("codeClass"));
        assert_eq!(
            directives.len(),
            1,
            "no business count, no per-function directive"
        );
        assert_eq!(line["codeClass"], "4xx");
        assert_eq!(line["ColdStart"], 1.0);
        assert!(line.get("RateLimited").is_none(), "only when it happened");
        assert_eq!(line["code"], 40901, "the code is a property, not a dimension");
    }

    #[test]
    fn business_counts_and_rate_limits_are_metrics_of_their_own() {
        let m = Measured {
            function: "login",
            request_id: "r-2",
            status: 200,
            code: 0,
            latency_ms: 3.0,
            business: vec![("Logins", 1.0)],
        };
        let ok: Value = serde_json::from_str(&line("wx", &m, false, 0)).unwrap();
        assert_eq!(ok["Logins"], 1.0);
        let business = &ok["_aws"]["CloudWatchMetrics"][1];
        assert_eq!(
            business["Dimensions"],
            json!([["function"]]),
            "business counts by function"
        );
        assert_eq!(business["Metrics"][0]["Name"], "Logins");
        assert!(ok.get("RateLimited").is_none() && ok.get("ColdStart").is_none());
        let limited = Measured {
            status: 429,
            code: 42902,
            business: vec![],
            ..m
        };
        let limited: Value = serde_json::from_str(&line("wx", &limited, false, 0)).unwrap();
        assert_eq!(limited["RateLimited"], 1.0);
        assert!(limited.get("Logins").is_none());
    }
}
