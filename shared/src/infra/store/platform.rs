//! WeChat platform settings every function shares: the delivery companies WeChat knows (its
//! `get_delivery_list`, refreshed daily) and the order centre's jump path as last set.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::Read;
use super::item::{Item, s};
use super::keys::{self, attr, field::platform as field, item_type};
use super::{StorageError, Store};
use crate::domain::time::Timestamp;

/// WeChat's delivery companies, by code (`SF` → 顺丰速运), and when they were fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCompanies {
    pub companies: BTreeMap<String, String>,
    pub fetched_at: Timestamp,
}

impl Store {
    /// The cached delivery companies, if any were fetched.
    #[tracing::instrument(skip_all)]
    pub async fn delivery_companies(&self) -> Result<Option<DeliveryCompanies>, StorageError> {
        let Some(item) = self
            .get(
                &keys::delivery_companies(),
                Read::Eventual,
                "reading the delivery companies",
            )
            .await?
        else {
            return Ok(None);
        };
        let companies = match item.get(field::COMPANIES) {
            Some(AttributeValue::M(map)) => map
                .iter()
                .filter_map(|(code, name)| Some((code.clone(), name.as_s().ok()?.clone())))
                .collect(),
            _ => return Err(super::item::corrupt(field::COMPANIES)),
        };
        Ok(Some(DeliveryCompanies {
            companies,
            fetched_at: Item(&item).time(field::FETCHED_AT)?,
        }))
    }

    /// Replaces the cached delivery companies: one UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn save_delivery_companies(&self, list: &DeliveryCompanies) -> Result<(), StorageError> {
        let companies: HashMap<String, AttributeValue> = list
            .companies
            .iter()
            .map(|(code, name)| (code.clone(), s(name)))
            .collect();
        self.update(&keys::delivery_companies())
            .update_expression("SET #companies = :companies, #at = :at, #type = :type")
            .expression_attribute_names("#companies", field::COMPANIES)
            .expression_attribute_names("#at", field::FETCHED_AT)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":companies", AttributeValue::M(companies))
            .expression_attribute_values(":at", s(list.fetched_at.to_string()))
            .expression_attribute_values(":type", s(item_type::DELIVERY_COMPANIES))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("saving the delivery companies", e))?;
        Ok(())
    }

    /// The order centre's jump path as last set at WeChat, if ever.
    #[tracing::instrument(skip_all)]
    pub async fn jump_path(&self) -> Result<Option<String>, StorageError> {
        let item = self
            .get(&keys::jump_path(), Read::Eventual, "reading the jump path")
            .await?;
        Ok(item.and_then(|item| Item(&item).opt_s(field::PATH)))
    }

    /// Records that WeChat now opens orders at `path`: one UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn save_jump_path(&self, path: &str, at: Timestamp) -> Result<(), StorageError> {
        self.update(&keys::jump_path())
            .update_expression("SET #path = :path, #at = :at, #type = :type")
            .expression_attribute_names("#path", field::PATH)
            .expression_attribute_names("#at", field::SET_AT)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":path", s(path))
            .expression_attribute_values(":at", s(at.to_string()))
            .expression_attribute_values(":type", s(item_type::JUMP_PATH))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("saving the jump path", e))?;
        Ok(())
    }

    /// Records a message push's `nonce` until `expires` (one conditional PutItem); false when it
    /// is already recorded (a replay).
    #[tracing::instrument(skip_all)]
    pub async fn claim_push_nonce(
        &self,
        nonce: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<bool, StorageError> {
        let mut item = super::item::key_attributes(&keys::push_nonce(nonce));
        item.insert(attr::TYPE.to_owned(), s(item_type::PUSH_NONCE));
        item.insert(attr::TTL.to_owned(), super::item::n(expires.epoch_secs()));
        // An expired record the table has not deleted yet counts as absent.
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", super::item::n(now.epoch_secs()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if super::item::condition_failed(&err) => Ok(false),
            Err(err) => Err(StorageError::from_sdk("recording a push's nonce", err)),
        }
    }

    /// Forgets a push's `nonce` (one DeleteItem), so that WeChat's next try of a push we could not
    /// apply is taken.
    #[tracing::instrument(skip_all)]
    pub async fn release_push_nonce(&self, nonce: &str) -> Result<(), StorageError> {
        let key = super::item::key_attributes(&keys::push_nonce(nonce));
        self.client
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("forgetting a push's nonce", e))?;
        Ok(())
    }
}
