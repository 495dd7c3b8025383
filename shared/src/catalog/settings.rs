//! The catalog's settings: what share codes open.

use crate::runtime::config::{ConfigError, Env};

/// The variables this area reads.
pub mod vars {
    /// The page share codes open (`getwxacodeunlimit`'s page; default `pages/product/detail`).
    pub const SHARE_CODE_PAGE: &str = "SHARE_CODE_PAGE";
    /// Which version share codes open: `release` (default), `trial` or `develop`.
    pub const SHARE_CODE_ENV_VERSION: &str = "SHARE_CODE_ENV_VERSION";
    /// Where buyers load catalog images from: a CDN (or CloudFront) over the uploads bucket's
    /// `catalog/` prefix, such as `https://img.example.com`; unset, images are not uploaded from
    /// the console (operators paste image URLs).
    pub const CATALOG_IMAGE_BASE_URL: &str = "CATALOG_IMAGE_BASE_URL";
}

/// The base URL of catalog images, when configured: https, or http on a loopback host (the local
/// emulator), without a trailing `/`.
pub fn catalog_image_base(env: &Env) -> Result<Option<String>, ConfigError> {
    let Some(base) = env.get(vars::CATALOG_IMAGE_BASE_URL).filter(|b| !b.is_empty()) else {
        return Ok(None);
    };
    let base = base.trim_end_matches('/');
    if !crate::domain::catalog::is_image_url(&format!("{base}/x.png")) {
        return Err(ConfigError::Invalid {
            name: vars::CATALOG_IMAGE_BASE_URL,
            reason: "must be an https:// URL (http:// only on 127.0.0.1 or localhost)".into(),
        });
    }
    Ok(Some(base.to_owned()))
}

/// What the codes open: the page, its version and the image's width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSettings {
    /// The product page, without a leading `/` (`pages/product/detail`); it reads the product id
    /// from `options.scene`.
    pub page: String,
    /// `release`, `trial` or `develop`.
    pub env_version: String,
    pub width: u32,
}

/// What share codes open.
pub fn code_settings(env: &Env) -> Result<CodeSettings, ConfigError> {
    let page = env.get(vars::SHARE_CODE_PAGE).unwrap_or("pages/product/detail");
    let page_ok = !page.is_empty()
        && page.len() <= 128
        && !page.starts_with('/')
        && page
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-.".contains(&b));
    if !page_ok {
        return Err(ConfigError::Invalid {
            name: vars::SHARE_CODE_PAGE,
            reason: "must be a page path such as pages/product/detail (no leading /, no query)".into(),
        });
    }
    let env_version = env.get(vars::SHARE_CODE_ENV_VERSION).unwrap_or("release");
    if !["release", "trial", "develop"].contains(&env_version) {
        return Err(ConfigError::Invalid {
            name: vars::SHARE_CODE_ENV_VERSION,
            reason: "must be release, trial or develop".into(),
        });
    }
    Ok(CodeSettings {
        page: page.to_owned(),
        env_version: env_version.to_owned(),
        width: 430,
    })
}
