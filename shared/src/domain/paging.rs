//! Paging: page sizes, pages, and the integers query strings carry as text.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Serialize};

/// An integer given either as a JSON number (`2` or `2.0`) or as a decimal string (query strings
/// carry strings). Fractions, booleans and anything else are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer(pub i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntegerVisitor;

        impl Visitor<'_> for IntegerVisitor {
            type Value = Integer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Integer, E> {
                Ok(Integer(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Integer, E> {
                i64::try_from(v)
                    .map(Integer)
                    .map_err(|_| E::custom("integer out of range"))
            }

            /// `2.0` is the integer 2 in JSON Schema; `1.5` is refused.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Integer, E> {
                super::number::Whole::deserialize(de::value::F64Deserializer::<E>::new(v))
                    .map(|whole| Integer(whole.0))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Integer, E> {
                v.parse()
                    .map(Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
}

/// Where a queue listing goes on from: the `next` of the previous page (the sort key it ended
/// at), 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Position(String);

impl TryFrom<String> for Position {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        if (1..=200).contains(&text.len()) {
            Ok(Self(text))
        } else {
            Err("must be the `next` of the previous page".into())
        }
    }
}

impl Position {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a queue listing: its items, and where the next page starts (null on the last).
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> From<(Vec<T>, Option<String>)> for QueuePage<T> {
    fn from((items, next): (Vec<T>, Option<String>)) -> Self {
        Self { items, next }
    }
}

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 50;

/// A page size: 1..=50, 20 when absent. Accepts `"20"` from a query string as well as `20`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Integer")]
pub struct PageSize(u32);

impl TryFrom<Integer> for PageSize {
    type Error = String;

    fn try_from(value: Integer) -> Result<Self, Self::Error> {
        match u32::try_from(value.0) {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(Self(n)),
            _ => Err(format!("must be an integer from 1 to {MAX_PAGE_SIZE}")),
        }
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(20)
    }
}

impl PageSize {
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Where a listing resumes: an opaque token the store issued with the previous page.
/// Its meaning (and its length) is checked by the store, which made it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    pub fn new(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item turned into what a list shows of it.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_accepts_query_strings_and_bounds() {
        let parse = |v: serde_json::Value| serde_json::from_value::<PageSize>(v);
        assert_eq!(parse(serde_json::json!("5")).unwrap().get(), 5);
        assert_eq!(parse(serde_json::json!(50)).unwrap().get(), 50);
        assert!(parse(serde_json::json!(0)).is_err());
        assert!(parse(serde_json::json!("51")).is_err());
        assert!(parse(serde_json::json!("x")).is_err());
        assert!(parse(serde_json::json!(2.5)).is_err());
    }
}
