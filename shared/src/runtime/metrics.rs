//! Metrics in CloudWatch Embedded Metric Format: one JSON line per request or event on stdout, which
//! CloudWatch Logs turns into metrics, so counting costs no AWS call. Dimensions stay few and small:
//! the function, and the class of the answer (`2xx`, `4xx`, `5xx`). The exact code, the request id
//! and the latency are properties of the line, for Logs Insights.
//!
//! | metric | unit | when |
//! |---|---|---|
//! | `Requests` | Count | every request or event |
//! | `Latency` | Milliseconds | every request or event |
//! | `Errors` | Count | 1 when the answer is a 4xx or 5xx (events: when they fail) |
//! | `ServerErrors` | Count | 1 when it is a 5xx |
//! | `ColdStart` | Count | 1 on the first request of an instance |
//! | `RateLimited` | Count | 1 when a rate limit refused it (42901, 42902, 42903) |
//! | business counts | Count | `Logins`, `OrdersPlaced`, `PaymentsSucceeded`, `LatePaymentsRefunded`, `RefundsRequested`, `Refunds`, `OrdersShipped`, `OrdersExpired`, `PhonesBound`, `AccessTokenRefreshes`, `ImagesRemoved` |

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

/// The EMF line: the metrics, their dimensions, and the properties for Logs Insights.
pub fn line(namespace: &str, m: &Measured<'_>, cold_start: bool, timestamp_ms: i64) -> String {
    let mut metrics: Vec<(&str, &str, f64)> = vec![
        ("Requests", "Count", 1.0),
        ("Latency", "Milliseconds", m.latency_ms),
        ("Errors", "Count", f64::from(u8::from(m.status >= 400))),
        ("ServerErrors", "Count", f64::from(u8::from(m.status >= 500))),
        ("ColdStart", "Count", f64::from(u8::from(cold_start))),
        ("RateLimited", "Count", f64::from(u8::from(m.code / 100 == 429))),
    ];
    metrics.extend(m.business.iter().map(|(name, value)| (*name, "Count", *value)));
    let mut object = Map::new();
    object.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["function"], ["function", "codeClass"]],
                "Metrics": metrics.iter().map(|(name, unit, _)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        }),
    );
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
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "wx");
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000i64);
        // Every dimension and metric the directive names is a member of the line.
        for set in directive["Dimensions"].as_array().unwrap() {
            for dimension in set.as_array().unwrap() {
                assert!(line[dimension.as_str().unwrap()].is_string(), "{dimension}");
            }
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            assert!(line[metric["Name"].as_str().unwrap()].is_number(), "{metric}");
        }
        assert_eq!(line["codeClass"], "4xx");
        assert_eq!(
            (line["Errors"].as_f64(), line["ServerErrors"].as_f64()),
            (Some(1.0), Some(0.0))
        );
        assert_eq!(line["ColdStart"], 1.0);
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
        assert_eq!(ok["RateLimited"], 0.0);
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
