//! How identity's (login, sessions, profiles) errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use crate::identity::login::LoginError;
use crate::identity::profile::{PhoneError, ProfileError};
use crate::identity::sessions::SessionError;
use crate::infra::access_token::AccessTokenError;
use crate::infra::wechat::WeChatError;
use crate::runtime::error::ApiError;

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::CodeRejected => Self::WeChatCodeInvalid,
            LoginError::CodeUsed => Self::WeChatCodeUsed,
            LoginError::UserBlocked => Self::WeChatUserBlocked,
            LoginError::Throttled => Self::RateLimited,
            LoginError::WeChat(err) => err.into(),
            LoginError::Token(err) => err.into(),
            LoginError::Limited(err) => err.into(),
            LoginError::Files(err) => err.into(),
            LoginError::Storage(err) => err.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::Token(err) => err.into(),
            SessionError::Revoked => Self::SessionRevoked,
            SessionError::RefreshExpired => Self::RefreshExpired,
            SessionError::RefreshInvalid => Self::InvalidRefreshToken,
            SessionError::RefreshReused => Self::RefreshTokenReused,
            // The session is fine but the profile is gone: the user has to start over.
            SessionError::UserGone => Self::SessionRevoked,
            SessionError::Limited(err) => err.into(),
            SessionError::Files(err) => err.into(),
            SessionError::Storage(err) => err.into(),
        }
    }
}

impl From<PhoneError> for ApiError {
    fn from(err: PhoneError) -> Self {
        match err {
            PhoneError::CodeRejected => Self::PhoneCodeInvalid,
            PhoneError::NotFound => Self::NotFound("user"),
            err @ PhoneError::WeChat(AccessTokenError::Storage(_)) => Self::StorageUnavailable {
                context: "binding the phone number".into(),
                source: Box::new(err),
            },
            PhoneError::WeChat(AccessTokenError::WeChat(WeChatError::RateLimited)) => Self::RateLimited,
            err @ PhoneError::WeChat(_) => Self::WeChatUnavailable {
                context: "binding the phone number".into(),
                source: Box::new(err),
            },
            PhoneError::Storage(err) => err.into(),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(err: ProfileError) -> Self {
        match err {
            ProfileError::NotFound => Self::NotFound("user"),
            ProfileError::Invalid { field, reason } => Self::validation(field, reason),
            ProfileError::AvatarNotOwned => Self::validation(
                "avatarKey",
                "must be an image you uploaded as an avatar (purpose avatar)",
            ),
            ProfileError::NicknameRefused => Self::ContentRefused { field: "nickname" },
            err @ ProfileError::NicknameUnchecked(_) => Self::WeChatUnavailable {
                context: "checking the nickname".into(),
                source: Box::new(err),
            },
            ProfileError::Files(err) => err.into(),
            ProfileError::Storage(err) => err.into(),
        }
    }
}
