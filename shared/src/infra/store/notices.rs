//! Subscribe-message acceptances: one item per user (`USER#<openid>` / `SUBSCRIPTIONS`) with one
//! number per template id, the messages the user still allows. Reporting an acceptance adds one;
//! sending takes one first, so no two instances can send more than were accepted.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::item::{n, s, written};
use super::keys::{self, attr, item_type};
use super::{StorageError, Store};
use crate::domain::ids::Openid;

/// Attribute names of the counts: the template id behind a prefix no other attribute has.
const PREFIX: &str = "tpl#";

impl Store {
    /// Adds one acceptance of each of `template_ids` for `openid`, keeping at most `cap` per
    /// template: one UpdateItem. Answers every count after it; a template already at `cap` is
    /// left as it is (the whole report then adds nothing, and the counts are read as they are).
    #[tracing::instrument(skip_all)]
    pub async fn add_subscriptions(
        &self,
        openid: &Openid,
        template_ids: &[String],
        cap: u32,
    ) -> Result<BTreeMap<String, u32>, StorageError> {
        let key = keys::subscriptions(openid.as_str());
        let mut update = self
            .update(&key)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":type", s(item_type::SUBSCRIPTIONS))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(cap))
            .return_values(ReturnValue::AllNew);
        let mut adds = Vec::new();
        let mut conditions = Vec::new();
        for (i, id) in template_ids.iter().enumerate() {
            update = update.expression_attribute_names(format!("#t{i}"), format!("{PREFIX}{id}"));
            adds.push(format!("#t{i} :one"));
            conditions.push(format!("(attribute_not_exists(#t{i}) OR #t{i} < :cap)"));
        }
        let result = update
            .update_expression(format!("SET #type = :type ADD {}", adds.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .send()
            .await;
        match result {
            Ok(output) => Ok(counts(output.attributes())),
            Err(err) if super::item::condition_failed(&err) => {
                let item = self
                    .get(&key, super::Read::Consistent, "reading the subscriptions")
                    .await?;
                Ok(counts(item.as_ref()))
            }
            Err(err) => Err(StorageError::from_sdk("adding subscriptions", err)),
        }
    }

    /// Takes one acceptance of `template_id` from `openid`, if any is left: one conditional
    /// UpdateItem. False when none is left (nothing may be sent).
    #[tracing::instrument(skip_all)]
    pub async fn take_subscription(&self, openid: &Openid, template_id: &str) -> Result<bool, StorageError> {
        let result = self
            .subscription_update(openid, template_id)
            .update_expression("ADD #t :minus_one")
            .condition_expression("#t > :zero")
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        written(result, "taking a subscription")
    }

    /// Gives back an acceptance taken for a message that could not be sent.
    #[tracing::instrument(skip_all)]
    pub async fn give_back_subscription(
        &self,
        openid: &Openid,
        template_id: &str,
    ) -> Result<(), StorageError> {
        self.subscription_update(openid, template_id)
            .update_expression("ADD #t :one")
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("giving a subscription back", e))?;
        Ok(())
    }

    /// Forgets every acceptance of `template_id` (WeChat says the user has none: 43101).
    #[tracing::instrument(skip_all)]
    pub async fn drop_subscription(&self, openid: &Openid, template_id: &str) -> Result<(), StorageError> {
        self.subscription_update(openid, template_id)
            .update_expression("REMOVE #t")
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("dropping a subscription", e))?;
        Ok(())
    }

    fn subscription_update(
        &self,
        openid: &Openid,
        template_id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.update(&keys::subscriptions(openid.as_str()))
            .expression_attribute_names("#t", format!("{PREFIX}{template_id}"))
    }
}

fn counts(item: Option<&super::item::Attributes>) -> BTreeMap<String, u32> {
    item.into_iter()
        .flatten()
        .filter_map(|(name, value)| {
            let id = name.strip_prefix(PREFIX)?;
            let AttributeValue::N(count) = value else {
                return None;
            };
            Some((id.to_owned(), count.parse().ok()?))
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}
