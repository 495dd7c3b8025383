//! How the catalog's errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use crate::catalog::desk::CatalogDeskError;
use crate::catalog::images::ImageError;
use crate::catalog::products::CatalogError;
use crate::catalog::share_codes::ShareCodeError;
use crate::infra::access_token::AccessTokenError;
use crate::infra::wechat::WeChatError;
use crate::runtime::error::{ApiError, Conflict};

impl From<ShareCodeError> for ApiError {
    fn from(err: ShareCodeError) -> Self {
        match err {
            ShareCodeError::NotFound => Self::NotFound("product"),
            err @ ShareCodeError::IdTooLong => Self::validation("id", err.to_string()),
            ShareCodeError::WeChat(AccessTokenError::Storage(err)) | ShareCodeError::Storage(err) => {
                err.into()
            }
            ShareCodeError::WeChat(AccessTokenError::WeChat(WeChatError::RateLimited)) => Self::RateLimited,
            err @ ShareCodeError::WeChat(AccessTokenError::WeChat(WeChatError::Unexpected { .. })) => {
                Self::internal("generating the share code", err)
            }
            err @ ShareCodeError::WeChat(_) => Self::WeChatUnavailable {
                context: "generating the share code".into(),
                source: Box::new(err),
            },
            ShareCodeError::Files(err) => err.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        match err {
            CatalogError::NotFound => Self::NotFound("product"),
            CatalogError::Storage(err) => err.into(),
        }
    }
}

impl From<CatalogDeskError> for ApiError {
    fn from(err: CatalogDeskError) -> Self {
        match err {
            CatalogDeskError::Invalid { field, reason } => Self::validation(field, reason),
            CatalogDeskError::NotFound => Self::NotFound("product"),
            err @ CatalogDeskError::Short { stock } => Self::conflict(
                Conflict::StockTooLow,
                format!("{err} (库存不足)"),
                Some(serde_json::json!({ "stock": stock })),
            ),
            err @ CatalogDeskError::Contended => Self::StorageUnavailable {
                context: "saving the product".into(),
                source: Box::new(err),
            },
            CatalogDeskError::Storage(err) => err.into(),
        }
    }
}

impl From<ImageError> for ApiError {
    fn from(err: ImageError) -> Self {
        match err {
            ImageError::Invalid { field, reason } => Self::validation(field, reason),
            err @ ImageError::NotServed => Self::conflict(Conflict::ImagesNotServed, err.to_string(), None),
            ImageError::Storage(err) => err.into(),
        }
    }
}
