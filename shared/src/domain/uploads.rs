//! Uploads: the server-chosen object key layout, what an upload is for, the allowed content
//! types and size limits, and the window download URLs are signed in.

use std::time::Duration;

use super::closed_set;
use super::ids::Openid;
use super::is_slug;
use super::time::Timestamp;

/// The top folder of every upload; the bucket notification listens to it.
pub const UPLOAD_PREFIX: &str = "uploads/";
/// The longest object key accepted.
pub const MAX_KEY_BYTES: usize = 256;
/// Content types we know an extension for; an allow-list is a subset of these.
pub const KNOWN_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/heic", "heic"),
    ("video/mp4", "mp4"),
    ("audio/mpeg", "mp3"),
    ("application/pdf", "pdf"),
];
/// The allow-list when none is configured.
pub const DEFAULT_TYPES: &str = "image/jpeg,image/png,image/webp,image/gif";
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// S3's limit on a POST upload.
pub const POST_MAX_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Why an upload request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct UploadError {
    pub field: &'static str,
    pub reason: String,
}

closed_set! {
    /// What an upload is for; sent back by the client as `x-amz-meta-purpose`.
    pub enum UploadPurpose {
        General = "general",
        Avatar = "avatar",
        Review = "review",
        Feedback = "feedback",
    }
}

impl UploadPurpose {
    /// Whether others see uploads of this purpose (then WeChat's image check applies).
    pub fn is_shown_to_others(self) -> bool {
        matches!(self, Self::Avatar | Self::Review)
    }
}

closed_set! {
    /// Whether a download URL could be made for a key.
    pub enum FileStatus {
        Ok = "OK",
        /// The key is not one of the caller's own files.
        NotFound = "NOT_FOUND",
    }
}

/// Why configured upload limits are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    #[error("must be between 1 and 5 GiB (the S3 POST limit)")]
    MaxBytes,
    #[error("unknown content type {0:?}")]
    UnknownType(String),
}

/// The upload limits: size and content types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_bytes: u64,
    /// (content type, extension), in the order configured.
    pub allowed_types: Vec<(&'static str, &'static str)>,
}

impl UploadLimits {
    /// Limits allowing the comma-separated `types` (each one of [`KNOWN_TYPES`]) up to `max_bytes`.
    pub fn new(max_bytes: u64, types: &str) -> Result<Self, LimitsError> {
        if !(1..=POST_MAX_BYTES).contains(&max_bytes) {
            return Err(LimitsError::MaxBytes);
        }
        let allowed_types = types
            .split(',')
            .map(str::trim)
            .map(|wanted| {
                KNOWN_TYPES
                    .iter()
                    .find(|(t, _)| *t == wanted)
                    .copied()
                    .ok_or_else(|| LimitsError::UnknownType(wanted.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            max_bytes,
            allowed_types,
        })
    }

    /// The extension of an allowed content type.
    pub fn extension_of(&self, content_type: &str) -> Option<&'static str> {
        self.allowed_types
            .iter()
            .find(|(t, _)| *t == content_type)
            .map(|(_, e)| *e)
    }

    /// Checks a requested upload of `size` bytes; returns the extension for its key.
    pub fn check_request(&self, content_type: &str, size: u64) -> Result<&'static str, UploadError> {
        let extension = self.extension_of(content_type).ok_or_else(|| {
            let allowed: Vec<&str> = self.allowed_types.iter().map(|(t, _)| *t).collect();
            UploadError {
                field: "contentType",
                reason: format!("must be one of {}", allowed.join(", ")),
            }
        })?;
        match size {
            0 => Err(UploadError {
                field: "size",
                reason: "must be at least 1 byte".into(),
            }),
            size if size > self.max_bytes => Err(UploadError {
                field: "size",
                reason: format!("must be at most {} bytes", self.max_bytes),
            }),
            _ => Ok(extension),
        }
    }

    /// Whether a stored object keeps the limits: its size (within the limit and the size declared
    /// when its upload was granted, when known) and its type, matching its key.
    pub fn check_object(
        &self,
        key: &ObjectKey,
        size: i64,
        declared: Option<u64>,
        content_type: Option<&str>,
    ) -> Result<(), String> {
        let max = declared.map_or(self.max_bytes, |d| d.min(self.max_bytes));
        if size < 1 || size as u64 > max {
            return Err(format!("size {size} is outside 1..={max}"));
        }
        let content_type = content_type.unwrap_or_default();
        match self.extension_of(content_type) {
            Some(ext) if ext == key.extension() => Ok(()),
            Some(_) => Err(format!("type {content_type} does not match the key's extension")),
            None => Err(format!("type {content_type:?} is not allowed")),
        }
    }
}

/// An object key in the upload layout: `uploads/<owner>/<yyyy>/<mm>/<name>.<ext>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    key: String,
    owner_end: usize,
}

impl ObjectKey {
    /// A new key for `owner`, chosen by the server. `name` is a random slug (from the caller's
    /// random source); an owner is a slug by construction, so the key always follows the layout.
    pub fn generate(owner: &Openid, extension: &str, now: Timestamp, name: &str) -> Option<Self> {
        let (year, month) = now.year_month();
        Self::parse(&format!(
            "{UPLOAD_PREFIX}{owner}/{year:04}/{month:02}/{name}.{extension}"
        ))
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
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let (name, ext) = file.rsplit_once('.')?;
        let valid = Openid::parse(owner).is_some()
            && digits(year, 4)
            && digits(month, 2)
            && is_slug(name, MAX_KEY_BYTES)
            && is_slug(ext, 16);
        valid.then(|| Self {
            key: key.to_owned(),
            owner_end: UPLOAD_PREFIX.len() + owner.len(),
        })
    }

    /// Parses a key and checks that it belongs to `owner`.
    pub fn owned_by(key: &str, owner: &Openid) -> Option<Self> {
        Self::parse(key).filter(|k| k.owner() == owner.as_str())
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

/// The start of the half-`ttl` window holding `now`: the signing time of download URLs, so
/// repeated reads answer the same URL and every answer stays valid for at least `ttl / 2`.
pub fn signing_window_start(now: Timestamp, ttl: Duration) -> Timestamp {
    let window = (ttl.as_secs() / 2).max(1) as i64;
    let secs = now.epoch_secs();
    Timestamp::from_epoch_secs(secs - secs.rem_euclid(window)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> UploadLimits {
        UploadLimits::new(DEFAULT_MAX_BYTES, DEFAULT_TYPES).unwrap()
    }

    #[test]
    fn limits_refuse_unknown_types_and_oversize() {
        let limits = limits();
        assert_eq!(limits.check_request("image/png", 10), Ok("png"));
        assert_eq!(limits.check_request("image/png", 0).unwrap_err().field, "size");
        assert_eq!(
            limits
                .check_request("application/x-msdownload", 1)
                .unwrap_err()
                .field,
            "contentType"
        );
        assert_eq!(
            limits
                .check_request("image/png", DEFAULT_MAX_BYTES + 1)
                .unwrap_err()
                .field,
            "size"
        );
        assert!(UploadLimits::new(1, "image/png,text/html").is_err());
        assert!(UploadLimits::new(0, DEFAULT_TYPES).is_err());
    }

    #[test]
    fn an_object_larger_than_declared_breaks_the_limits() {
        let limits = limits();
        let key = ObjectKey::parse("uploads/o_a/2026/11/x.png").unwrap();
        assert!(
            limits
                .check_object(&key, 100, Some(100), Some("image/png"))
                .is_ok()
        );
        assert!(
            limits
                .check_object(&key, 101, Some(100), Some("image/png"))
                .is_err()
        );
        assert!(limits.check_object(&key, 101, None, Some("image/png")).is_ok());
        assert!(
            limits
                .check_object(&key, 100, Some(100), Some("image/jpeg"))
                .is_err()
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
        let alice = Openid::parse("o_alice").unwrap();
        let key = "uploads/o_alice/2026/11/abc_DEF-1.png";
        assert_eq!(ObjectKey::owned_by(key, &alice).unwrap().owner(), "o_alice");
        assert!(ObjectKey::owned_by(key, &Openid::parse("o_bob").unwrap()).is_none());
        for bad in [
            "uploads/o_alice/2026/11/../../o_bob/x.png",
            "uploads/o_alice/2026/11/x",
            "other/o_alice/2026/11/x.png",
            "uploads/o_alice/26/11/x.png",
            "uploads/o_alice/2026/11/sub/x.png",
            "uploads/o.alice/2026/11/x.png",
        ] {
            assert!(ObjectKey::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_generated_key_follows_the_layout_for_any_valid_owner() {
        let now = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        for owner in ["o", "oAbC-123_xyz", &"o".repeat(64)] {
            let owner = Openid::parse(owner).unwrap();
            let key = ObjectKey::generate(&owner, "png", now, "n4me_-1").unwrap();
            assert_eq!(key.owner(), owner.as_str());
            assert!(key.as_str().starts_with(&format!("uploads/{owner}/2023/11/")));
        }
    }

    #[test]
    fn purposes_are_a_closed_set() {
        assert_eq!(UploadPurpose::parse("avatar"), Some(UploadPurpose::Avatar));
        assert!(serde_json::from_value::<UploadPurpose>(serde_json::json!("../etc")).is_err());
    }
}
