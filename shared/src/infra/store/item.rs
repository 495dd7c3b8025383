//! Reading typed values out of DynamoDB items, and writing them.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{self, attr};
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

/// A raw item.
pub type Attributes = HashMap<String, AttributeValue>;

/// String attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// Number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The key attributes of `key`.
pub fn key_attributes(key: &keys::Key) -> Attributes {
    HashMap::from([
        (attr::PK.to_owned(), s(&key.pk)),
        (attr::SK.to_owned(), s(&key.sk)),
    ])
}

/// Typed reads from an item; a missing or mistyped attribute is [`StorageError::Corrupt`].
pub struct Item<'a>(pub &'a Attributes);

impl Item<'_> {
    pub fn opt_s(&self, name: &str) -> Option<String> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn s(&self, name: &str) -> Result<String, StorageError> {
        self.opt_s(name).ok_or_else(|| corrupt(name))
    }

    pub fn opt_n<T: FromStr>(&self, name: &str) -> Result<Option<T>, StorageError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| corrupt(name)),
            Some(_) => Err(corrupt(name)),
        }
    }

    pub fn n<T: FromStr>(&self, name: &str) -> Result<T, StorageError> {
        self.opt_n(name)?.ok_or_else(|| corrupt(name))
    }

    /// A string attribute parsed into `T` (an id, a status): corrupt when it does not parse.
    pub fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, StorageError> {
        parse(&self.s(name)?).ok_or_else(|| corrupt(name))
    }

    pub fn time(&self, name: &str) -> Result<Timestamp, StorageError> {
        self.parsed(name, Timestamp::parse)
    }

    pub fn opt_time(&self, name: &str) -> Result<Option<Timestamp>, StorageError> {
        self.opt_s(name)
            .map(|t| Timestamp::parse(&t).ok_or_else(|| corrupt(name)))
            .transpose()
    }
}

/// Whether a conditional write was refused because its condition did not hold.
pub fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// The result of a conditional write: true when written, false when its condition did not hold.
pub fn written<T, E, R>(result: Result<T, SdkError<E, R>>, context: &str) -> Result<bool, StorageError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if condition_failed(&err) => Ok(false),
        Err(err) => Err(StorageError::from_sdk(context, err)),
    }
}

pub fn corrupt(name: &str) -> StorageError {
    StorageError::Corrupt(format!("attribute `{name}` is missing or invalid"))
}
