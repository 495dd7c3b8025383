//! Input: the JSON body, the query string and the path parameters merged into one object, then
//! deserialised into the function's input type, naming the failing field.

use std::collections::BTreeMap;

use lambda_http::{Request, RequestExt as _};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;

/// Merges the JSON body, the query string and the path parameters into one object, so one
/// function works behind an API Gateway route, a function URL and `cargo lambda invoke`.
/// A name given twice with different values is rejected rather than silently picked.
pub fn merge_input(request: &Request) -> Result<Value, ApiError> {
    let mut merged = parse_body(request.body())?;
    let mut query: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if let Some(params) = request.query_string_parameters_ref() {
        for (name, value) in params.iter() {
            query.entry(name).or_default().push(value);
        }
    }
    for (name, values) in query {
        let value = match values.as_slice() {
            [one] => Value::String((*one).to_owned()),
            many => Value::Array(many.iter().map(|v| Value::String((*v).to_owned())).collect()),
        };
        insert_unique(&mut merged, name, value)?;
    }
    if let Some(params) = request.path_parameters_ref() {
        for (name, value) in params.iter() {
            insert_unique(&mut merged, name, Value::String(value.to_owned()))?;
        }
    }
    Ok(Value::Object(merged))
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::validation("body", "must be a JSON object")),
        Err(_) => Err(ApiError::InvalidJson),
    }
}

fn insert_unique(merged: &mut Map<String, Value>, name: &str, value: Value) -> Result<(), ApiError> {
    match merged.get(name) {
        Some(existing) if *existing != value => {
            Err(ApiError::validation(name, "given twice with different values"))
        }
        _ => {
            merged.insert(name.to_owned(), value);
            Ok(())
        }
    }
}

/// Deserialises the merged input; the error names the failing field.
pub fn parse_input<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let reason = err.into_inner().to_string();
        let field = if path == "." {
            backticked(&reason).unwrap_or("body").to_owned()
        } else {
            path
        };
        ApiError::validation(field, reason)
    })
}

/// The first `name` in a serde message such as "unknown field `name`, expected ...".
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn body_must_be_a_json_object() {
        assert!(parse_body(b"").unwrap().is_empty());
        assert!(matches!(parse_body(b"{oops"), Err(ApiError::InvalidJson)));
        assert!(matches!(parse_body(b"[1]"), Err(ApiError::Validation { .. })));
    }

    #[test]
    fn unknown_field_error_names_the_field() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Input {
            #[allow(dead_code)]
            code: String,
        }
        let err = parse_input::<Input>(serde_json::json!({"code": "a", "admin": true})).unwrap_err();
        assert_eq!(err.field(), Some("admin"));
        let err = parse_input::<Input>(serde_json::json!({})).unwrap_err();
        assert_eq!(err.field(), Some("code"));
        let err = parse_input::<Input>(serde_json::json!({"code": 5})).unwrap_err();
        assert_eq!(err.field(), Some("code"));
    }
}
