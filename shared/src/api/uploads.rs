//! `uploadToken`, `getFileUrl` and `onUpload`: files uploaded straight to S3 by `wx.uploadFile`.

pub use aws_lambda_events::s3::S3Event;
use lambda_http::http::Method;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::error::ApiError;
use crate::events::EventHandler;
use crate::files::{FileUrl, Files};
use crate::http::{Access, Context, Endpoint};
use crate::startup::Startup;
use crate::store::{FileRecord, Store};
use crate::time::Timestamp;
use crate::uploads::{ObjectKey, PresignedPost, object_allowed};

/// `POST /uploads/token`.
pub struct UploadToken {
    files: Files,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UploadTokenInput {
    pub content_type: String,
    pub size: Option<u64>,
    pub purpose: Option<Purpose>,
}

/// What an upload is for (`avatar`, `review`, ...): 1..=32 characters of `a-z 0-9 _ -`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Purpose(String);

impl TryFrom<String> for Purpose {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = (1..=32).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(value))
        } else {
            Err("must be 1-32 characters of a-z 0-9 _ -")
        }
    }
}

impl Endpoint for UploadToken {
    const NAME: &'static str = "upload-token";
    const METHOD: Method = Method::POST;
    const ACCESS: Access = Access::Token;
    type Input = UploadTokenInput;
    type Output = PresignedPost;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            files: startup.files()?,
        })
    }

    async fn handle(&self, ctx: &Context, input: UploadTokenInput) -> Result<PresignedPost, ApiError> {
        let purpose = input.purpose.map_or_else(|| "general".to_owned(), |p| p.0);
        self.files
            .upload_token(&ctx.caller()?.openid, &input.content_type, input.size, &purpose)
            .await
    }
}

/// `GET /files/url?keys=a,b`: temporary download URLs for the caller's own files.
pub struct GetFileUrl {
    files: Files,
}

/// 1..=50 keys, as a comma-separated string, a repeated query parameter or a JSON array.
#[derive(Debug)]
pub struct KeyList(Vec<String>);

pub const MAX_KEYS: usize = 50;

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let keys: Vec<String> = match Raw::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom("must be a comma-separated string or a list of keys"))?
        {
            Raw::One(text) => text
                .split(',')
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
            Raw::Many(list) => list,
        };
        if keys.is_empty() || keys.len() > MAX_KEYS {
            return Err(serde::de::Error::custom(format!(
                "must hold 1 to {MAX_KEYS} keys"
            )));
        }
        if keys.iter().any(|k| k.len() > 1024) {
            return Err(serde::de::Error::custom("a key is longer than 1024 bytes"));
        }
        Ok(Self(keys))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetFileUrlInput {
    pub keys: KeyList,
}

#[derive(Debug, Serialize)]
pub struct FileUrls {
    pub files: Vec<FileUrl>,
}

impl Endpoint for GetFileUrl {
    const NAME: &'static str = "get-file-url";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Token;
    type Input = GetFileUrlInput;
    type Output = FileUrls;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            files: startup.files()?,
        })
    }

    async fn handle(&self, ctx: &Context, input: GetFileUrlInput) -> Result<FileUrls, ApiError> {
        let files = self
            .files
            .download_urls(&ctx.caller()?.openid, &input.keys.0)
            .await?;
        Ok(FileUrls { files })
    }
}

/// The S3 `ObjectCreated` trigger: checks each new object against the limits, records the ones
/// that keep them (idempotently: S3 delivers at least once) and deletes the ones that do not.
pub struct OnUpload {
    files: Files,
    store: Store,
}

/// What one event did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    pub recorded: usize,
    pub duplicates: usize,
    pub deleted: usize,
    pub missing: usize,
    pub ignored: usize,
}

impl EventHandler for OnUpload {
    const NAME: &'static str = "on-upload";
    type Event = S3Event;
    type Output = UploadReport;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            files: startup.files()?,
            store: startup.store(),
        })
    }

    async fn handle(&self, event: S3Event) -> Result<UploadReport, ApiError> {
        let mut report = UploadReport::default();
        for record in event.records {
            let bucket = record.s3.bucket.name.unwrap_or_default();
            let Some(raw_key) = record.s3.object.key else {
                report.ignored += 1;
                continue;
            };
            if bucket != self.files.config().bucket
                || !record.event_name.unwrap_or_default().starts_with("ObjectCreated")
            {
                report.ignored += 1;
                continue;
            }
            let key = decode_event_key(&raw_key);
            let sequencer = format!("{:0>32}", record.s3.object.sequencer.unwrap_or_default());
            let created_at =
                Timestamp::from_epoch_secs(record.event_time.timestamp()).unwrap_or_else(Timestamp::now);
            self.check_one(&key, sequencer, created_at, &mut report).await?;
        }
        Ok(report)
    }
}

impl OnUpload {
    async fn check_one(
        &self,
        key: &str,
        sequencer: String,
        created_at: Timestamp,
        report: &mut UploadReport,
    ) -> Result<(), ApiError> {
        let config = self.files.config();
        let Some(object_key) = ObjectKey::parse(key) else {
            tracing::warn!(key, "deleting an object outside the upload layout");
            self.delete(key).await?;
            report.deleted += 1;
            return Ok(());
        };
        let head = self
            .files
            .s3()
            .head_object()
            .bucket(&config.bucket)
            .key(key)
            .send()
            .await;
        let head = match head {
            Ok(head) => head,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {
                report.missing += 1;
                return Ok(());
            }
            Err(err) => {
                return Err(crate::store::item::storage_error(
                    "reading the uploaded object",
                    err,
                ));
            }
        };
        let size = head.content_length().unwrap_or(0);
        if let Err(reason) = object_allowed(config, &object_key, size, head.content_type()) {
            tracing::warn!(key, reason, "deleting an upload that breaks the limits");
            self.delete(key).await?;
            report.deleted += 1;
            return Ok(());
        }
        let purpose = head
            .metadata()
            .and_then(|m| m.get("purpose"))
            .cloned()
            .unwrap_or_else(|| "general".to_owned());
        let file = FileRecord {
            key: key.to_owned(),
            owner: object_key.owner().to_owned(),
            size,
            content_type: head.content_type().unwrap_or_default().to_owned(),
            purpose,
            created_at,
            sequencer,
        };
        if self.store.record_file(&file).await? {
            report.recorded += 1;
        } else {
            report.duplicates += 1;
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.files
            .s3()
            .delete_object()
            .bucket(&self.files.config().bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| crate::store::item::storage_error("deleting the object", e))?;
        Ok(())
    }
}

/// S3 event keys are URL-encoded, with `+` for spaces.
pub fn decode_event_key(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_are_url_decoded() {
        assert_eq!(
            decode_event_key("uploads/a/2026/11/x.png"),
            "uploads/a/2026/11/x.png"
        );
        assert_eq!(decode_event_key("a+b%2Fc%zz%4"), "a b/c%zz%4");
    }
}
