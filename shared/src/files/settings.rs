//! The files' settings: upload sizes, types and quota, download URL lifetime, image checks.

use std::time::Duration;

use crate::domain::uploads::{DEFAULT_MAX_BYTES, DEFAULT_TYPES, LimitsError, UploadLimits};
use crate::runtime::config::{ConfigError, Env};

/// The variables this area reads.
pub mod vars {
    pub const UPLOAD_MAX_BYTES: &str = "UPLOAD_MAX_BYTES";
    pub const UPLOAD_ALLOWED_TYPES: &str = "UPLOAD_ALLOWED_TYPES";
    /// The bytes one user may store in the uploads bucket.
    pub const UPLOAD_QUOTA_BYTES: &str = "UPLOAD_QUOTA_BYTES";
    pub const FILE_URL_TTL_SECS: &str = "FILE_URL_TTL_SECS";
    /// Whether uploads others see go through WeChat's image check: `on` (default) or `off`.
    pub const MEDIA_CHECKS: &str = "MEDIA_CHECKS";
}

/// Their defaults.
pub mod defaults {
    pub const FILE_URL_TTL_SECS: u64 = 3600;
    pub const UPLOAD_QUOTA_BYTES: u64 = 200 * 1024 * 1024;
}

/// The upload limits: size and content types.
pub fn upload_limits(env: &Env) -> Result<UploadLimits, ConfigError> {
    let max_bytes: u64 = env.parse_or(vars::UPLOAD_MAX_BYTES, DEFAULT_MAX_BYTES)?;
    let types = env.string_or(vars::UPLOAD_ALLOWED_TYPES, DEFAULT_TYPES);
    UploadLimits::new(max_bytes, &types).map_err(|err| ConfigError::Invalid {
        name: match err {
            LimitsError::MaxBytes => vars::UPLOAD_MAX_BYTES,
            LimitsError::UnknownType(_) => vars::UPLOAD_ALLOWED_TYPES,
        },
        reason: err.to_string(),
    })
}

/// The bytes one user may store: at least one upload of the largest size.
pub fn upload_quota(env: &Env, limits: &UploadLimits) -> Result<u64, ConfigError> {
    let quota: u64 = env.parse_or(vars::UPLOAD_QUOTA_BYTES, defaults::UPLOAD_QUOTA_BYTES)?;
    if quota < limits.max_bytes {
        return Err(ConfigError::Invalid {
            name: vars::UPLOAD_QUOTA_BYTES,
            reason: format!("must be at least UPLOAD_MAX_BYTES ({})", limits.max_bytes),
        });
    }
    Ok(quota)
}

/// How long a download URL stays valid.
pub fn file_url_ttl(env: &Env) -> Result<Duration, ConfigError> {
    env.seconds_or(vars::FILE_URL_TTL_SECS, defaults::FILE_URL_TTL_SECS, 24 * 3600)
}

/// Whether uploads others see go through WeChat's image check.
pub fn media_checks(env: &Env) -> Result<bool, ConfigError> {
    match env.get(vars::MEDIA_CHECKS).unwrap_or("on") {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name: vars::MEDIA_CHECKS,
            reason: "must be on or off".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_settings_name_the_variable_they_reject() {
        let env = Env::default().with(vars::UPLOAD_ALLOWED_TYPES, "image/png,text/html");
        let err = upload_limits(&env).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_ALLOWED_TYPES"), "{err}");
        let env = Env::default().with(vars::UPLOAD_QUOTA_BYTES, "10");
        let limits = upload_limits(&Env::default()).unwrap();
        let err = upload_quota(&env, &limits).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_QUOTA_BYTES"), "{err}");
    }
}
