//! What the admin command does, as functions the tests can call too.

use shared::BoxError;

/// Creates `bucket`; an existing bucket of ours is left as it is.
pub async fn create_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BoxError> {
    match client.create_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) =>
        {
            Ok(())
        }
        Err(err) => Err(Box::new(err)),
    }
}
