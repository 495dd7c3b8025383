//! Whole numbers from JSON bodies. JSON has one number type, and JSON Schema (so OpenAPI 3.1)
//! counts `2.0` as the integer 2: a client, or a generator, may spell an integer that way. These
//! accept `2` and `2.0` alike, and refuse `1.5`, strings, and anything else.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A whole number given as a JSON number (`2` or `2.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole(pub i64);

/// The largest magnitude a float spells exactly (2^53): beyond it, `2.0e20` is not a precise integer.
const EXACT: f64 = 9_007_199_254_740_992.0;

impl<'de> de::Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;

        impl Visitor<'_> for WholeVisitor {
            type Value = Whole;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Whole, E> {
                i64::try_from(v)
                    .map(Whole)
                    .map_err(|_| E::custom("integer out of range"))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Whole, E> {
                if v.fract() == 0.0 && v.abs() <= EXACT {
                    Ok(Whole(v as i64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
        }

        deserializer.deserialize_any(WholeVisitor)
    }
}

impl From<Whole> for i64 {
    fn from(value: Whole) -> Self {
        value.0
    }
}

/// `#[serde(deserialize_with = "whole::optional")]` for an `Option<i64>` field.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let value: Option<Whole> = de::Deserialize::deserialize(deserializer)?;
    Ok(value.map(i64::from))
}

/// `#[serde(deserialize_with = "whole::unsigned")]` for a `u64` field.
pub fn unsigned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let Whole(value) = de::Deserialize::deserialize(deserializer)?;
    u64::try_from(value).map_err(|_| de::Error::custom("must not be negative"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_may_be_spelled_as_whole_floats_and_nothing_else() {
        let whole = |v| serde_json::from_value::<Whole>(v).map(|w| w.0);
        assert_eq!(whole(json!(2)).unwrap(), 2);
        assert_eq!(whole(json!(2.0)).unwrap(), 2);
        assert_eq!(whole(json!(-3.0)).unwrap(), -3);
        for bad in [
            json!(1.5),
            json!("2"),
            json!(1e20),
            json!(null),
            json!(true),
            json!([1]),
        ] {
            assert!(whole(bad.clone()).is_err(), "{bad}");
        }
    }
}
