//! Uploads: the server-chosen object key layout, the allowed content types, and S3 presigned
//! POST policies for `wx.uploadFile` (aws-sdk-rust has no presigned POST, so we build and sign
//! the policy with SigV4 primitives). Signing needs no network call.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{ConfigError, Env};
use crate::error::ApiError;
use crate::time::Timestamp;

/// Environment variables of uploads and file URLs.
pub mod vars {
    pub const UPLOAD_MAX_BYTES: &str = "UPLOAD_MAX_BYTES";
    pub const UPLOAD_ALLOWED_TYPES: &str = "UPLOAD_ALLOWED_TYPES";
    pub const UPLOAD_POLICY_TTL_SECS: &str = "UPLOAD_POLICY_TTL_SECS";
    pub const UPLOAD_PUBLIC_BASE_URL: &str = "UPLOAD_PUBLIC_BASE_URL";
    pub const FILE_URL_TTL_SECS: &str = "FILE_URL_TTL_SECS";
}

/// Content types we know an extension for; the allow-list is a subset of these.
const KNOWN_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/heic", "heic"),
    ("video/mp4", "mp4"),
    ("audio/mpeg", "mp3"),
    ("application/pdf", "pdf"),
];
const DEFAULT_TYPES: &str = "image/jpeg,image/png,image/webp,image/gif";
const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// The top folder of every upload; the bucket notification listens to it.
pub const UPLOAD_PREFIX: &str = "uploads/";
const MAX_KEY_BYTES: usize = 256;

/// Upload and file-URL settings, read once at cold start.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    pub bucket: String,
    pub region: String,
    pub max_bytes: u64,
    /// (content type, extension), in the order configured.
    pub allowed_types: Vec<(&'static str, &'static str)>,
    pub policy_ttl: Duration,
    pub file_url_ttl: Duration,
    /// Where the mini-program posts uploads.
    pub upload_url: String,
}

impl UploadConfig {
    /// `endpoint` is the S3 endpoint override (the local emulator), if any.
    pub fn from_env(env: &Env, region: &str, endpoint: Option<&str>) -> Result<Self, ConfigError> {
        let bucket = env.string_or(
            crate::config::vars::BUCKET_NAME,
            crate::config::defaults::BUCKET_NAME,
        );
        let max_bytes: u64 = env.parse_or(vars::UPLOAD_MAX_BYTES, DEFAULT_MAX_BYTES)?;
        if !(1..=5 * 1024 * 1024 * 1024).contains(&max_bytes) {
            return Err(ConfigError::Invalid {
                name: vars::UPLOAD_MAX_BYTES,
                reason: "must be between 1 and 5 GiB (the S3 POST limit)".into(),
            });
        }
        let mut allowed_types = Vec::new();
        for wanted in env
            .string_or(vars::UPLOAD_ALLOWED_TYPES, DEFAULT_TYPES)
            .split(',')
        {
            let wanted = wanted.trim();
            let known =
                KNOWN_TYPES
                    .iter()
                    .find(|(t, _)| *t == wanted)
                    .ok_or_else(|| ConfigError::Invalid {
                        name: vars::UPLOAD_ALLOWED_TYPES,
                        reason: format!("unknown content type {wanted:?}"),
                    })?;
            allowed_types.push(*known);
        }
        let upload_url = match (env.get(vars::UPLOAD_PUBLIC_BASE_URL), endpoint) {
            (Some(base), _) if base.starts_with("https://") || base.starts_with("http://") => {
                base.trim_end_matches('/').to_owned()
            }
            (Some(_), _) => {
                return Err(ConfigError::Invalid {
                    name: vars::UPLOAD_PUBLIC_BASE_URL,
                    reason: "must be an http(s) URL".into(),
                });
            }
            (None, Some(endpoint)) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            (None, None) => {
                let suffix = if region.starts_with("cn-") { ".cn" } else { "" };
                format!("https://{bucket}.s3.{region}.amazonaws.com{suffix}")
            }
        };
        Ok(Self {
            bucket,
            region: region.to_owned(),
            max_bytes,
            allowed_types,
            policy_ttl: env.seconds_or(vars::UPLOAD_POLICY_TTL_SECS, 600, 15 * 60)?,
            file_url_ttl: env.seconds_or(vars::FILE_URL_TTL_SECS, 3600, 24 * 3600)?,
            upload_url,
        })
    }

    /// The extension of an allowed content type.
    pub fn extension_of(&self, content_type: &str) -> Option<&'static str> {
        self.allowed_types
            .iter()
            .find(|(t, _)| *t == content_type)
            .map(|(_, e)| *e)
    }
}

/// An object key in the upload layout: `uploads/<owner>/<yyyy>/<mm>/<random>.<ext>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    key: String,
    owner_end: usize,
}

impl ObjectKey {
    /// A new key for `owner`, chosen by the server.
    pub fn generate(owner: &str, extension: &str, now: Timestamp) -> Self {
        let (year, month) = now.year_month();
        let name = crate::auth::random_id(18);
        Self::parse(&format!(
            "{UPLOAD_PREFIX}{owner}/{year:04}/{month:02}/{name}.{extension}"
        ))
        .expect("a generated key follows the layout")
    }

    /// Parses a key that must follow the layout exactly.
    pub fn parse(key: &str) -> Option<Self> {
        if key.len() > MAX_KEY_BYTES {
            return None;
        }
        let rest = key.strip_prefix(UPLOAD_PREFIX)?;
        let parts: Vec<&str> = rest.split('/').collect();
        let [owner, year, month, file] = parts.as_slice() else {
            return None;
        };
        let slug = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let (name, ext) = file.rsplit_once('.')?;
        if !(slug(owner) && digits(year, 4) && digits(month, 2) && slug(name) && slug(ext)) {
            return None;
        }
        Some(Self {
            key: key.to_owned(),
            owner_end: UPLOAD_PREFIX.len() + owner.len(),
        })
    }

    /// Parses a key and checks that it belongs to `owner`.
    pub fn owned_by(key: &str, owner: &str) -> Option<Self> {
        Self::parse(key).filter(|k| k.owner() == owner)
    }

    pub fn owner(&self) -> &str {
        &self.key[UPLOAD_PREFIX.len()..self.owner_end]
    }

    pub fn extension(&self) -> &str {
        self.key.rsplit_once('.').map_or("", |(_, e)| e)
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }
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

/// A presigned POST for exactly `key` and `content_type`, 1..=`config.max_bytes` bytes.
pub fn presign_post(
    config: &UploadConfig,
    credentials: &Credentials,
    key: &ObjectKey,
    content_type: &str,
    purpose: &str,
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
    fields.insert("key".into(), json!(key.as_str()));
    fields.insert("Content-Type".into(), json!(content_type));
    fields.insert("success_action_status".into(), json!("201"));
    fields.insert("x-amz-meta-purpose".into(), json!(purpose));
    fields.insert("x-amz-algorithm".into(), json!("AWS4-HMAC-SHA256"));
    fields.insert("x-amz-credential".into(), json!(credential));
    fields.insert("x-amz-date".into(), json!(amz_date));
    if let Some(token) = credentials.session_token() {
        fields.insert("x-amz-security-token".into(), json!(token));
    }
    let mut conditions = vec![
        json!({ "bucket": config.bucket }),
        json!(["content-length-range", 1, config.max_bytes]),
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
        key: key.as_str().to_owned(),
        expires_at,
        max_bytes: config.max_bytes,
    }
}

/// SigV4 of a POST policy: hex(HMAC-SHA256(signing key, base64 policy)).
pub fn sign_policy(secret_access_key: &str, time: SystemTime, region: &str, policy_base64: &str) -> String {
    let signing_key = aws_sigv4::sign::v4::generate_signing_key(secret_access_key, time, region, "s3");
    aws_sigv4::sign::v4::calculate_signature(signing_key, policy_base64.as_bytes())
}

/// The start of the half-`ttl` window holding `now`: the signing time of download URLs.
pub fn signing_window_start(now: Timestamp, ttl: Duration) -> Timestamp {
    let window = (ttl.as_secs() / 2).max(1) as i64;
    let secs = now.epoch_secs();
    Timestamp::from_epoch_secs(secs - secs.rem_euclid(window)).unwrap_or(now)
}

/// Checks a requested upload against the limits; returns the extension for the key.
pub fn check_request(
    config: &UploadConfig,
    content_type: &str,
    size: Option<u64>,
) -> Result<&'static str, ApiError> {
    let extension = config.extension_of(content_type).ok_or_else(|| {
        let allowed: Vec<&str> = config.allowed_types.iter().map(|(t, _)| *t).collect();
        ApiError::validation("contentType", format!("must be one of {}", allowed.join(", ")))
    })?;
    match size {
        Some(0) => Err(ApiError::validation("size", "must be at least 1 byte")),
        Some(size) if size > config.max_bytes => Err(ApiError::validation(
            "size",
            format!("must be at most {} bytes", config.max_bytes),
        )),
        _ => Ok(extension),
    }
}

/// Whether a stored object keeps the limits: its size and declared type, matching its key.
pub fn object_allowed(
    config: &UploadConfig,
    key: &ObjectKey,
    size: i64,
    content_type: Option<&str>,
) -> Result<(), String> {
    if size < 1 || size as u64 > config.max_bytes {
        return Err(format!("size {size} is outside 1..={}", config.max_bytes));
    }
    let content_type = content_type.unwrap_or_default();
    match config.extension_of(content_type) {
        Some(ext) if ext == key.extension() => Ok(()),
        Some(_) => Err(format!("type {content_type} does not match the key's extension")),
        None => Err(format!("type {content_type:?} is not allowed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> UploadConfig {
        UploadConfig::from_env(&Env::default().with("BUCKET_NAME", "bucket"), "us-east-1", None).unwrap()
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
            serde_json::from_str(include_str!("../tests/vectors/aws_sigv4_post_policy.json")).unwrap();
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
        let config = config();
        let now = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        let key = ObjectKey::generate("o_alice", "png", now);
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");

        let post = presign_post(&config, &creds, &key, "image/png", "avatar", now);
        let policy = decoded_policy(&post);
        let conditions = conditions(&policy);

        assert_eq!(policy["expiration"], "2023-11-14T22:23:20.000Z");
        assert!(conditions.contains(&json!({"bucket": "bucket"})));
        assert!(conditions.contains(&json!({"key": key.as_str()})));
        assert!(conditions.contains(&json!({"Content-Type": "image/png"})));
        assert!(conditions.contains(&json!(["content-length-range", 1, 10 * 1024 * 1024])));
        assert!(conditions.contains(&json!({"success_action_status": "201"})));
        assert!(
            conditions
                .contains(&json!({"x-amz-credential": "AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request"}))
        );
        assert!(conditions.contains(&json!({"x-amz-date": "20231114T221320Z"})));
        assert!(conditions.contains(&json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"})));
        assert!(!post.fields.contains_key("x-amz-security-token"));
        assert!(key.as_str().starts_with("uploads/o_alice/2023/11/") && key.as_str().ends_with(".png"));
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
        let config = config();
        let now = Timestamp::now();
        let key = ObjectKey::generate("o_alice", "jpg", now);
        let creds = Credentials::new(
            "ASIAEXAMPLE",
            "secret",
            Some("the-session-token".into()),
            None,
            "test",
        );

        let post = presign_post(&config, &creds, &key, "image/jpeg", "general", now);

        assert_eq!(post.fields["x-amz-security-token"], "the-session-token");
        assert!(
            conditions(&decoded_policy(&post))
                .contains(&json!({"x-amz-security-token": "the-session-token"}))
        );
    }

    #[test]
    fn the_upload_url_is_virtual_hosted_on_aws_path_style_on_the_emulator_and_overridable() {
        let env = Env::default().with("BUCKET_NAME", "b");
        assert_eq!(
            UploadConfig::from_env(&env, "ap-east-1", None)
                .unwrap()
                .upload_url,
            "https://b.s3.ap-east-1.amazonaws.com"
        );
        assert_eq!(
            UploadConfig::from_env(&env, "cn-north-1", None)
                .unwrap()
                .upload_url,
            "https://b.s3.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            UploadConfig::from_env(&env, "us-east-1", Some("http://127.0.0.1:4566"))
                .unwrap()
                .upload_url,
            "http://127.0.0.1:4566/b"
        );
        let cdn = env.with(vars::UPLOAD_PUBLIC_BASE_URL, "https://files.example.cn/");
        assert_eq!(
            UploadConfig::from_env(&cdn, "cn-north-1", None)
                .unwrap()
                .upload_url,
            "https://files.example.cn"
        );
    }

    #[test]
    fn limits_refuse_unknown_types_oversize_and_policy_ttls_over_15_minutes() {
        let config = config();
        assert!(check_request(&config, "image/png", Some(10)).is_ok());
        assert_eq!(
            check_request(&config, "application/x-msdownload", None)
                .unwrap_err()
                .field(),
            Some("contentType")
        );
        assert_eq!(
            check_request(&config, "image/png", Some(10 * 1024 * 1024 + 1))
                .unwrap_err()
                .field(),
            Some("size")
        );
        let env = Env::default().with(vars::UPLOAD_POLICY_TTL_SECS, "901");
        assert!(UploadConfig::from_env(&env, "us-east-1", None).is_err());
        let env = Env::default().with(vars::UPLOAD_ALLOWED_TYPES, "image/png,text/html");
        assert!(
            UploadConfig::from_env(&env, "us-east-1", None)
                .unwrap_err()
                .to_string()
                .contains("UPLOAD_ALLOWED_TYPES")
        );
    }

    #[test]
    fn download_urls_are_signed_at_the_start_of_a_half_ttl_window() {
        let ttl = Duration::from_secs(3600);
        let at = |secs| signing_window_start(Timestamp::from_epoch_secs(secs).unwrap(), ttl).epoch_secs();
        assert_eq!(at(1_800_000_000), 1_800_000_000);
        assert_eq!(at(1_800_001_799), 1_800_000_000);
        assert_eq!(at(1_800_001_800), 1_800_001_800);
        // Whenever it is asked for, a URL stays valid for at least half the TTL.
        for secs in [1_800_000_000, 1_800_000_001, 1_800_001_799] {
            assert!(at(secs) + 3600 - secs >= 1800);
        }
    }

    #[test]
    fn keys_must_follow_the_layout_and_belong_to_the_owner() {
        let key = "uploads/o_alice/2026/11/abc_DEF-1.png";
        assert_eq!(ObjectKey::owned_by(key, "o_alice").unwrap().owner(), "o_alice");
        assert!(ObjectKey::owned_by(key, "o_bob").is_none());
        for bad in [
            "uploads/o_alice/2026/11/../../o_bob/x.png",
            "uploads/o_alice/2026/11/x",
            "other/o_alice/2026/11/x.png",
            "uploads/o_alice/26/11/x.png",
            "uploads/o_alice/2026/11/sub/x.png",
        ] {
            assert!(ObjectKey::parse(bad).is_none(), "{bad}");
        }
    }
}
