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

/// Who uploads: the openid, and the opaque id new keys carry in its place (32 lowercase hex
/// digits, derived one-way from the openid by the files area), so that a key or a download URL
/// never tells whose file it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploader {
    pub openid: Openid,
    pub id: String,
}

impl Uploader {
    /// Whether `key` is one of this uploader's: under their opaque id, or (keys made before
    /// opaque ids) under their openid.
    pub fn owns(&self, key: &ObjectKey) -> bool {
        match key.legacy_openid() {
            Some(openid) => openid == self.openid.as_str(),
            None => key.owner() == self.id,
        }
    }
}

/// The folder under [`UPLOAD_PREFIX`] of the keys named by an opaque owner id.
const OPAQUE_FOLDER: &str = "u/";

/// An object key in the upload layout: `uploads/u/<owner id>/<yyyy>/<mm>/<name>.<ext>`, or, for
/// keys made before opaque owner ids (still served), `uploads/<openid>/<yyyy>/<mm>/<name>.<ext>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    key: String,
    owner_start: usize,
    owner_end: usize,
    opaque: bool,
}

impl ObjectKey {
    /// A new key for `uploader`, chosen by the server. `name` is a random slug (from the caller's
    /// random source); the owner id is hex by construction, so the key always follows the layout.
    pub fn generate(uploader: &Uploader, extension: &str, now: Timestamp, name: &str) -> Option<Self> {
        let (year, month) = now.year_month();
        Self::parse(&format!(
            "{UPLOAD_PREFIX}{OPAQUE_FOLDER}{}/{year:04}/{month:02}/{name}.{extension}",
            uploader.id
        ))
    }

    /// Parses a key that must follow the layout exactly.
    pub fn parse(key: &str) -> Option<Self> {
        if key.len() > MAX_KEY_BYTES {
            return None;
        }
        let rest = key.strip_prefix(UPLOAD_PREFIX)?;
        let (opaque, rest) = match rest.strip_prefix(OPAQUE_FOLDER) {
            Some(after) if after.split('/').count() == 4 => (true, after),
            _ => (false, rest),
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let [owner, year, month, file] = parts.as_slice() else {
            return None;
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let (name, ext) = file.rsplit_once('.')?;
        let owner_ok = if opaque {
            is_owner_id(owner)
        } else {
            Openid::parse(owner).is_some()
        };
        let valid = owner_ok
            && digits(year, 4)
            && digits(month, 2)
            && is_slug(name, MAX_KEY_BYTES)
            && is_slug(ext, 16);
        let owner_start = key.len() - rest.len();
        valid.then(|| Self {
            key: key.to_owned(),
            owner_start,
            owner_end: owner_start + owner.len(),
            opaque,
        })
    }

    /// Parses a key and checks that it belongs to `uploader`.
    pub fn owned_by(key: &str, uploader: &Uploader) -> Option<Self> {
        Self::parse(key).filter(|k| uploader.owns(k))
    }

    /// Whose it is, as the key names them: the opaque id, or the openid of an older key. The
    /// owner's usage and file list are counted under it.
    pub fn owner(&self) -> &str {
        &self.key[self.owner_start..self.owner_end]
    }

    /// The openid an older key names; `None` for a key named by an opaque id.
    pub fn legacy_openid(&self) -> Option<&str> {
        (!self.opaque).then(|| self.owner())
    }

    pub fn extension(&self) -> &str {
        self.key.rsplit_once('.').map_or("", |(_, e)| e)
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }
}

/// An opaque owner id: 32 lowercase hex digits.
fn is_owner_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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

    fn uploader(openid: &str, id: &str) -> Uploader {
        Uploader {
            openid: Openid::parse(openid).unwrap(),
            id: id.to_owned(),
        }
    }

    const ALICE_ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn keys_must_follow_the_layout_and_belong_to_the_owner() {
        let alice = uploader("o_alice", ALICE_ID);
        let bob = uploader("o_bob", "fedcba9876543210fedcba9876543210");
        let older = "uploads/o_alice/2026/11/abc_DEF-1.png";
        let newer = format!("uploads/u/{ALICE_ID}/2026/11/abc_DEF-1.png");
        assert_eq!(ObjectKey::owned_by(older, &alice).unwrap().owner(), "o_alice");
        assert_eq!(ObjectKey::owned_by(&newer, &alice).unwrap().owner(), ALICE_ID);
        assert!(ObjectKey::owned_by(older, &bob).is_none());
        assert!(ObjectKey::owned_by(&newer, &bob).is_none());
        assert_eq!(ObjectKey::parse(older).unwrap().legacy_openid(), Some("o_alice"));
        assert_eq!(ObjectKey::parse(&newer).unwrap().legacy_openid(), None);
        // Bob's opaque id as if it were an openid in an older key is still Bob's own id, not Alice's.
        let spoof = format!("uploads/{}/2026/11/x.png", bob.id);
        assert!(
            ObjectKey::owned_by(&spoof, &bob).is_none(),
            "an older key names an openid"
        );
        for bad in [
            "uploads/o_alice/2026/11/../../o_bob/x.png",
            "uploads/o_alice/2026/11/x",
            "other/o_alice/2026/11/x.png",
            "uploads/o_alice/26/11/x.png",
            "uploads/o_alice/2026/11/sub/x.png",
            "uploads/o.alice/2026/11/x.png",
            "uploads/u/0123456789ABCDEF0123456789ABCDEF/2026/11/x.png",
            "uploads/u/0123/2026/11/x.png",
            "uploads/u/o_alice/2026/11/x.png",
        ] {
            assert!(ObjectKey::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_generated_key_names_the_opaque_id_never_the_openid() {
        let now = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        for openid in ["o", "oAbC-123_xyz", &"o".repeat(64)] {
            let who = uploader(openid, ALICE_ID);
            let key = ObjectKey::generate(&who, "png", now, "n4me_-1").unwrap();
            assert_eq!(key.owner(), ALICE_ID);
            assert!(
                key.as_str()
                    .starts_with(&format!("uploads/u/{ALICE_ID}/2023/11/"))
            );
            assert!(!key.as_str().contains(&format!("/{openid}/")));
            assert!(who.owns(&key));
        }
    }

    #[test]
    fn purposes_are_a_closed_set() {
        assert_eq!(UploadPurpose::parse("avatar"), Some(UploadPurpose::Avatar));
        assert!(serde_json::from_value::<UploadPurpose>(serde_json::json!("../etc")).is_err());
    }
}
