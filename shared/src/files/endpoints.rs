//! `uploadToken`, `getFileUrl` and `onUpload`: files uploaded straight to S3 by `wx.uploadFile`.

pub use aws_lambda_events::s3::S3Event;
use serde::{Deserialize, Serialize};

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::time::Timestamp;
use crate::domain::uploads::UploadPurpose;
use crate::files::objects::{FileUrl, Files};
use crate::files::uploads::{PresignedPost, UploadChecks, UploadGrants, UploadVerdict};
use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;
use crate::runtime::http::{Limit, endpoint};

/// `uploadToken`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UploadTokenInput {
    pub content_type: String,
    /// The file's size in bytes: the most the upload policy accepts.
    #[serde(deserialize_with = "crate::domain::number::unsigned")]
    pub size: u64,
    #[serde(default = "general")]
    pub purpose: UploadPurpose,
}

fn general() -> UploadPurpose {
    UploadPurpose::General
}

endpoint! {
    /// `POST /uploads/token`: a presigned POST for `wx.uploadFile`, at a key the server chooses.
    UploadToken: POST "upload-token", Caller, UploadGrants, limit = Limit::PerUser(Scope::Upload);
    fn(grants, ctx, input: UploadTokenInput) -> PresignedPost {
        let UploadTokenInput { content_type, size, purpose } = input;
        grants.grant(&ctx.caller.openid, &content_type, size, purpose).await
    }
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

endpoint! {
    /// `GET /files/url?keys=a,b`: temporary download URLs for the caller's own files.
    GetFileUrl: GET "get-file-url", Caller, Files;
    fn(files, ctx, input: GetFileUrlInput) -> FileUrls {
        files.download_urls(&ctx.caller.openid, &input.keys.0).await.map(|files| FileUrls { files })
    }
}

/// The S3 trigger: checks each new object against the limits, records the ones that keep them
/// (idempotently: S3 delivers at least once) and deletes the ones that do not; forgets objects
/// that are deleted or expire (`ObjectRemoved`, `LifecycleExpiration`), giving their bytes back.
pub struct OnUpload;

/// What one event did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    pub recorded: usize,
    pub duplicates: usize,
    pub deleted: usize,
    pub missing: usize,
    /// Deleted or expired objects whose records and bytes were forgotten.
    pub forgotten: usize,
    pub ignored: usize,
}

impl EventHandler for OnUpload {
    const NAME: &'static str = "on-upload";
    type Event = S3Event;
    type Output = UploadReport;
    type Service = UploadChecks;

    async fn handle(checks: &UploadChecks, event: S3Event) -> Result<UploadReport, ApiError> {
        let mut report = UploadReport::default();
        for record in event.records {
            let event = record.event_name.as_deref().unwrap_or_default();
            let created = event.starts_with("ObjectCreated");
            let removed = event.starts_with("ObjectRemoved") || event.starts_with("LifecycleExpiration");
            let ours = record.s3.bucket.name.as_deref() == Some(checks.bucket()) && (created || removed);
            let Some(raw_key) = record.s3.object.key.filter(|_| ours) else {
                report.ignored += 1;
                continue;
            };
            if removed {
                match checks.forget(&decode_event_key(&raw_key)).await? {
                    UploadVerdict::Forgotten => report.forgotten += 1,
                    _ => report.ignored += 1,
                }
                continue;
            }
            let key = decode_event_key(&raw_key);
            let sequencer = format!("{:0>32}", record.s3.object.sequencer.unwrap_or_default());
            let created_at =
                Timestamp::from_epoch_secs(record.event_time.timestamp()).unwrap_or_else(Timestamp::now);
            match checks.check(&key, sequencer, created_at).await? {
                UploadVerdict::Recorded => report.recorded += 1,
                UploadVerdict::Duplicate => report.duplicates += 1,
                UploadVerdict::Deleted => report.deleted += 1,
                UploadVerdict::Missing => report.missing += 1,
                UploadVerdict::Forgotten => report.forgotten += 1,
            }
        }
        Ok(report)
    }
}

/// S3 event keys are URL-encoded, with `+` for spaces. Works on bytes, so any input (non-ASCII
/// included) decodes without panicking; invalid escapes are kept as they are.
pub fn decode_event_key(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
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
        assert_eq!(decode_event_key("%E5%9B%BE.png"), "图.png");
    }

    #[test]
    fn non_ascii_and_truncated_escapes_decode_without_panicking() {
        for raw in ["%é", "%aé", "%", "%%", "图%2", "a%F", "%\u{1F600}", "x%\u{00e9}9"] {
            let _ = decode_event_key(raw);
        }
        assert_eq!(decode_event_key("%é"), "%é");
        assert_eq!(decode_event_key("%aé"), "%aé");
        assert_eq!(decode_event_key("图%2"), "图%2");
    }
}
