//! The S3 gateway: the uploads bucket behind one small type. It heads and deletes objects, and
//! signs download URLs (presigned GET) and upload policies (presigned POST for `wx.uploadFile`;
//! aws-sdk-rust has no presigned POST, so the policy is built and signed with SigV4 primitives).
//! Signing needs no network call. Nothing above this module sees the S3 SDK.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Value, json};

use super::storage::StorageError;
use crate::domain::ids::Openid;
use crate::domain::time::Timestamp;
use crate::domain::uploads::{ObjectKey, UploadPurpose};

/// The user metadata field that carries an upload's purpose (`x-amz-meta-purpose`).
const PURPOSE_METADATA: &str = "purpose";
/// The user metadata field that carries the size the upload was granted for.
const SIZE_METADATA: &str = "declared-size";
/// The object tag the bucket's lifecycle rule reads: uploads start `unreferenced` and expire
/// unless something (a profile's avatar) marks them `referenced`.
const STATE_TAG: &str = "state";
/// The tag naming a user upload's uploader (an openid): not part of the key, never returned by a
/// GET; read by on-upload for WeChat's image check.
const UPLOADER_TAG: &str = "uploader";

/// Whether anything refers to an uploaded object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Unreferenced,
    Referenced,
}

impl Reference {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unreferenced => "unreferenced",
            Self::Referenced => "referenced",
        }
    }
}

/// Where the bucket is and how uploads reach it.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// Where the mini-program posts uploads.
    pub upload_url: String,
    /// How long an upload policy stays valid.
    pub policy_ttl: Duration,
}

impl S3Config {
    /// The upload URL for `bucket`: `public_base` when given (a CDN or custom domain), path-style
    /// on an endpoint override (the local emulator), else virtual-hosted on AWS (`.amazonaws.com.cn`
    /// in the China regions).
    pub fn upload_url(
        bucket: &str,
        region: &str,
        public_base: Option<&str>,
        endpoint: Option<&str>,
    ) -> String {
        match (public_base, endpoint) {
            (Some(base), _) => base.trim_end_matches('/').to_owned(),
            (None, Some(endpoint)) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            (None, None) => {
                let suffix = if region.starts_with("cn-") { ".cn" } else { "" };
                format!("https://{bucket}.s3.{region}.amazonaws.com{suffix}")
            }
        }
    }
}

/// The S3 client config for `aws`: path-style when the endpoint is overridden.
pub fn client_config(aws: &aws_config::SdkConfig) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::from(aws).force_path_style(aws.endpoint_url().is_some())
}

/// What a HeadObject tells about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: i64,
    pub content_type: Option<String>,
    /// `x-amz-meta-purpose`, when it names a purpose.
    pub purpose: Option<UploadPurpose>,
    /// `x-amz-meta-declared-size`: the size the upload was granted for.
    pub declared_size: Option<u64>,
}

/// What `wx.uploadFile` needs: `url`, the form `fields`, and the chosen key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresignedPost {
    pub url: String,
    /// Form fields, each covered by a policy condition (but `policy` and `x-amz-signature`).
    pub fields: serde_json::Map<String, Value>,
    pub key: String,
    pub expires_at: Timestamp,
    pub max_bytes: u64,
}

/// The uploads bucket. Built once per process, cloned cheaply.
#[derive(Clone, Debug)]
pub struct S3Gateway {
    client: aws_sdk_s3::Client,
    config: Arc<S3Config>,
    credentials: SharedCredentialsProvider,
}

impl S3Gateway {
    pub fn new(client: aws_sdk_s3::Client, config: S3Config, credentials: SharedCredentialsProvider) -> Self {
        Self {
            client,
            config: Arc::new(config),
            credentials,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.config.bucket
    }

    /// The object's size, type and purpose; `None` when there is no such object. One HeadObject.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StorageError> {
        let result = self
            .client
            .head_object()
            .bucket(self.bucket())
            .key(key)
            .send()
            .await;
        match result {
            Ok(head) => Ok(Some(ObjectHead {
                size: head.content_length().unwrap_or(0),
                content_type: head.content_type().map(str::to_owned),
                purpose: head
                    .metadata()
                    .and_then(|m| m.get(PURPOSE_METADATA))
                    .and_then(|p| UploadPurpose::parse(p)),
                declared_size: head
                    .metadata()
                    .and_then(|m| m.get(SIZE_METADATA))
                    .and_then(|s| s.parse().ok()),
            })),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(StorageError::from_sdk("reading the object's metadata", err)),
        }
    }

    /// The openid the upload `key` was granted to (its uploader tag, which a GET never returns,
    /// unlike user metadata): one GetObjectTagging. `None` when the object or the tag is gone.
    pub async fn uploader(&self, key: &ObjectKey) -> Result<Option<Openid>, StorageError> {
        let result = self
            .client
            .get_object_tagging()
            .bucket(self.bucket())
            .key(key.as_str())
            .send()
            .await;
        match result {
            Ok(tags) => Ok(tags
                .tag_set()
                .iter()
                .find(|tag| tag.key() == UPLOADER_TAG)
                .and_then(|tag| Openid::parse(tag.value()))),
            Err(err) if err.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(err) => Err(StorageError::from_sdk("reading the object's uploader", err)),
        }
    }

    /// Stores `bytes` at `key` (a generated asset, not an upload). One PutObject.
    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(self.bucket())
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("storing the object", e))?;
        Ok(())
    }

    /// Deletes the object; deleting a missing object succeeds. One DeleteObject.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(self.bucket())
            .key(key)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("deleting the object", e))?;
        Ok(())
    }

    /// Tags the object `key` of `uploader` with `state`, which decides whether the lifecycle rule
    /// expires it (the tag set is replaced as a whole: the uploader tag is written again). One
    /// PutObjectTagging.
    pub async fn tag(
        &self,
        key: &ObjectKey,
        state: Reference,
        uploader: &Openid,
    ) -> Result<(), StorageError> {
        let tag = |name: &str, value: &str| {
            aws_sdk_s3::types::Tag::builder()
                .key(name)
                .value(value)
                .build()
                .map_err(|e| StorageError::failed("tagging the object", e))
        };
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .tag_set(tag(STATE_TAG, state.as_str())?)
            .tag_set(tag(UPLOADER_TAG, uploader.as_str())?)
            .build()
            .map_err(|e| StorageError::failed("tagging the object", e))?;
        self.client
            .put_object_tagging()
            .bucket(self.bucket())
            .key(key.as_str())
            .tagging(tagging)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("tagging the object", e))?;
        Ok(())
    }

    /// A presigned GET URL for `key`, signed at `signed_at` and valid for `ttl` from then.
    pub async fn download_url(
        &self,
        key: &str,
        signed_at: Timestamp,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let presigning = PresigningConfig::builder()
            .start_time(signed_at.inner().into())
            .expires_in(ttl)
            .build()
            .map_err(|e| StorageError::failed("configuring the presigned URL", e))?;
        let request = self
            .client
            .get_object()
            .bucket(self.bucket())
            .key(key)
            .presigned(presigning)
            .await
            .map_err(|e| StorageError::failed("presigning the download URL", e))?;
        Ok(request.uri().to_owned())
    }

    /// A presigned POST for exactly `key` and `content_type`, 1..=`size` bytes.
    pub async fn upload_policy(
        &self,
        key: &ObjectKey,
        uploader: &Openid,
        content_type: &str,
        purpose: UploadPurpose,
        size: u64,
        now: Timestamp,
    ) -> Result<PresignedPost, StorageError> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| StorageError::unavailable("loading the signing credentials", e))?;
        let upload = Upload {
            key: key.as_str(),
            content_type,
            purpose: Some((purpose, uploader.as_str())),
            size,
        };
        Ok(presign_post(&self.config, &credentials, &upload, now))
    }

    /// A presigned POST for a catalog image at exactly `key` (under `catalog/`, outside the
    /// users' uploads: no owner, no purpose, never expired by the unreferenced-uploads rule).
    pub async fn catalog_image_policy(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        now: Timestamp,
    ) -> Result<PresignedPost, StorageError> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| StorageError::unavailable("loading the signing credentials", e))?;
        let upload = Upload {
            key,
            content_type,
            purpose: None,
            size,
        };
        Ok(presign_post(&self.config, &credentials, &upload, now))
    }
}

/// One upload a policy allows.
struct Upload<'a> {
    key: &'a str,
    content_type: &'a str,
    /// A user's upload: its purpose and uploader (an openid), tagged `unreferenced` for its
    /// lifecycle rule and with the uploader, whom on-upload names to WeChat's image check.
    purpose: Option<(UploadPurpose, &'a str)>,
    /// The size declared when the upload was asked for: the most the policy accepts.
    size: u64,
}

/// The policy for `upload`: every form field is pinned by a condition.
fn presign_post(
    config: &S3Config,
    credentials: &Credentials,
    upload: &Upload<'_>,
    now: Timestamp,
) -> PresignedPost {
    let date = now.inner().format("%Y%m%d").to_string();
    let amz_date = now.inner().format("%Y%m%dT%H%M%SZ").to_string();
    let credential = format!(
        "{}/{date}/{}/s3/aws4_request",
        credentials.access_key_id(),
        config.region
    );
    let expires_at = now.plus(config.policy_ttl);
    let mut fields = serde_json::Map::new();
    fields.insert("key".into(), json!(upload.key));
    fields.insert("Content-Type".into(), json!(upload.content_type));
    fields.insert("success_action_status".into(), json!("201"));
    if let Some((purpose, uploader)) = upload.purpose {
        fields.insert(format!("x-amz-meta-{PURPOSE_METADATA}"), json!(purpose.as_str()));
        fields.insert(
            format!("x-amz-meta-{SIZE_METADATA}"),
            json!(upload.size.to_string()),
        );
        fields.insert(
            "tagging".into(),
            json!(format!(
                "<Tagging><TagSet><Tag><Key>{STATE_TAG}</Key><Value>{}</Value></Tag>\
                 <Tag><Key>{UPLOADER_TAG}</Key><Value>{uploader}</Value></Tag></TagSet></Tagging>",
                Reference::Unreferenced.as_str()
            )),
        );
    }
    fields.insert("x-amz-algorithm".into(), json!("AWS4-HMAC-SHA256"));
    fields.insert("x-amz-credential".into(), json!(credential));
    fields.insert("x-amz-date".into(), json!(amz_date));
    if let Some(token) = credentials.session_token() {
        fields.insert("x-amz-security-token".into(), json!(token));
    }
    let mut conditions = vec![
        json!({ "bucket": config.bucket }),
        json!(["content-length-range", 1, upload.size]),
    ];
    conditions.extend(fields.iter().map(|(name, value)| json!({ name: value })));
    let policy = json!({ "expiration": expires_at.to_string(), "conditions": conditions });
    let policy_base64 = STANDARD.encode(policy.to_string());
    let signature = sign_policy(
        credentials.secret_access_key(),
        now.inner().into(),
        &config.region,
        &policy_base64,
    );
    fields.insert("policy".into(), json!(policy_base64));
    fields.insert("x-amz-signature".into(), json!(signature));
    PresignedPost {
        url: config.upload_url.clone(),
        fields,
        key: upload.key.to_owned(),
        expires_at,
        max_bytes: upload.size,
    }
}

/// SigV4 of a POST policy: hex(HMAC-SHA256(signing key, base64 policy)).
pub fn sign_policy(secret_access_key: &str, time: SystemTime, region: &str, policy_base64: &str) -> String {
    let signing_key = aws_sigv4::sign::v4::generate_signing_key(secret_access_key, time, region, "s3");
    aws_sigv4::sign::v4::calculate_signature(signing_key, policy_base64.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::Openid;

    fn config() -> S3Config {
        S3Config {
            bucket: "bucket".into(),
            region: "us-east-1".into(),
            upload_url: S3Config::upload_url("bucket", "us-east-1", None, None),
            policy_ttl: Duration::from_secs(600),
        }
    }

    fn key(owner: &str, ext: &str, now: Timestamp) -> ObjectKey {
        let uploader = crate::domain::uploads::Uploader {
            openid: Openid::parse(owner).unwrap(),
            id: "0123456789abcdef0123456789abcdef".into(),
        };
        ObjectKey::generate(&uploader, ext, now, "n4me").unwrap()
    }

    fn upload<'a>(key: &'a ObjectKey, content_type: &'static str) -> Upload<'a> {
        Upload {
            key: key.as_str(),
            content_type,
            purpose: Some((UploadPurpose::Avatar, "o_alice")),
            size: 4096,
        }
    }

    fn decoded_policy(post: &PresignedPost) -> Value {
        let policy = post.fields["policy"].as_str().unwrap();
        serde_json::from_slice(&STANDARD.decode(policy).unwrap()).unwrap()
    }

    fn conditions(policy: &Value) -> Vec<Value> {
        policy["conditions"].as_array().unwrap().clone()
    }

    #[test]
    fn the_aws_documentation_vector_signs_to_its_signature() {
        let vector: Value =
            serde_json::from_str(include_str!("../../tests/vectors/aws_sigv4_post_policy.json")).unwrap();
        let date = chrono::NaiveDate::parse_from_str(vector["date"].as_str().unwrap(), "%Y%m%d").unwrap();
        let time: SystemTime = date.and_hms_opt(0, 0, 0).unwrap().and_utc().into();
        let signature = sign_policy(
            vector["secretAccessKey"].as_str().unwrap(),
            time,
            vector["region"].as_str().unwrap(),
            vector["policyBase64"].as_str().unwrap(),
        );
        assert_eq!(signature, vector["signature"].as_str().unwrap());
        let decoded = STANDARD.decode(vector["policyBase64"].as_str().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            vector["policyJson"].as_str().unwrap()
        );
    }

    #[test]
    fn the_policy_pins_bucket_key_type_size_and_expiry_and_covers_every_field() {
        let now = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        let key = key("o_alice", "png", now);
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");

        let post = presign_post(&config(), &creds, &upload(&key, "image/png"), now);
        let policy = decoded_policy(&post);
        let conditions = conditions(&policy);

        assert_eq!(policy["expiration"], "2023-11-14T22:23:20.000Z");
        assert!(conditions.contains(&json!({"bucket": "bucket"})));
        assert!(conditions.contains(&json!({"key": key.as_str()})));
        assert!(conditions.contains(&json!({"Content-Type": "image/png"})));
        assert!(conditions.contains(&json!(["content-length-range", 1, 4096])));
        assert!(conditions.contains(&json!({"x-amz-meta-declared-size": "4096"})));
        assert!(conditions.contains(&json!({"tagging": "<Tagging><TagSet><Tag><Key>state</Key><Value>unreferenced</Value></Tag><Tag><Key>uploader</Key><Value>o_alice</Value></Tag></TagSet></Tagging>"})));
        assert!(
            !key.as_str().contains("o_alice"),
            "the key never names the openid"
        );
        assert!(conditions.contains(&json!({"success_action_status": "201"})));
        assert!(conditions.contains(&json!({"x-amz-meta-purpose": "avatar"})));
        assert!(
            conditions
                .contains(&json!({"x-amz-credential": "AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request"}))
        );
        assert!(conditions.contains(&json!({"x-amz-date": "20231114T221320Z"})));
        assert!(conditions.contains(&json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"})));
        assert!(!post.fields.contains_key("x-amz-security-token"));
        assert!(
            key.as_str()
                .starts_with("uploads/u/0123456789abcdef0123456789abcdef/2023/11/")
                && key.as_str().ends_with(".png")
        );
        for (name, value) in &post.fields {
            if name == "policy" || name == "x-amz-signature" {
                continue;
            }
            assert!(
                conditions.contains(&json!({ name: value })),
                "{name} is not covered by a condition"
            );
        }
        let expected = sign_policy(
            "secret",
            now.inner().into(),
            "us-east-1",
            post.fields["policy"].as_str().unwrap(),
        );
        assert_eq!(post.fields["x-amz-signature"], expected);
    }

    #[test]
    fn temporary_credentials_add_the_security_token_as_field_and_condition() {
        let now = Timestamp::now();
        let key = key("o_alice", "jpg", now);
        let creds = Credentials::new(
            "ASIAEXAMPLE",
            "secret",
            Some("the-session-token".into()),
            None,
            "test",
        );

        let post = presign_post(&config(), &creds, &upload(&key, "image/jpeg"), now);

        assert_eq!(post.fields["x-amz-security-token"], "the-session-token");
        assert!(
            conditions(&decoded_policy(&post))
                .contains(&json!({"x-amz-security-token": "the-session-token"}))
        );
    }

    #[test]
    fn the_upload_url_is_virtual_hosted_on_aws_path_style_on_the_emulator_and_overridable() {
        assert_eq!(
            S3Config::upload_url("b", "ap-east-1", None, None),
            "https://b.s3.ap-east-1.amazonaws.com"
        );
        assert_eq!(
            S3Config::upload_url("b", "cn-north-1", None, None),
            "https://b.s3.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            S3Config::upload_url("b", "us-east-1", None, Some("http://127.0.0.1:4566")),
            "http://127.0.0.1:4566/b"
        );
        assert_eq!(
            S3Config::upload_url("b", "cn-north-1", Some("https://files.example.cn/"), None),
            "https://files.example.cn"
        );
    }
}
