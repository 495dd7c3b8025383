//! The table's definition, for local development, tests and the admin tool.
//! `template.yaml` declares the same table for deployments.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::keys::{attr, index};
use crate::infra::BoxError;

/// Creates the table with its indexes and TTL; an existing table is left as it is.
pub async fn create_table(client: &Client, table: &str) -> Result<(), BoxError> {
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    let string_attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let gsi = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, BoxError> {
        Ok(GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash)?)
            .key_schema(key(sk, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()?)
    };
    let result = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(attr::PK, KeyType::Hash)?)
        .key_schema(key(attr::SK, KeyType::Range)?)
        .attribute_definitions(string_attr(attr::PK)?)
        .attribute_definitions(string_attr(attr::SK)?)
        .attribute_definitions(string_attr(attr::GSI1PK)?)
        .attribute_definitions(string_attr(attr::GSI1SK)?)
        .attribute_definitions(string_attr(attr::GSI2PK)?)
        .attribute_definitions(string_attr(attr::GSI2SK)?)
        .attribute_definitions(string_attr(attr::GSI3PK)?)
        .attribute_definitions(string_attr(attr::GSI3SK)?)
        .global_secondary_indexes(gsi(index::GSI1, attr::GSI1PK, attr::GSI1SK)?)
        .global_secondary_indexes(gsi(index::GSI2, attr::GSI2PK, attr::GSI2SK)?)
        .global_secondary_indexes(gsi(index::GSI3, attr::GSI3PK, attr::GSI3SK)?)
        .send()
        .await;
    match result {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(err) => return Err(Box::new(err)),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(attr::TTL)
                .enabled(true)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}
