//! The caller's own profile: read it, change the nickname or the avatar.

use crate::domain::ids::Openid;
use crate::domain::time::Timestamp;
use crate::domain::users::{Avatar, AvatarUrl, Nickname, ProfilePatch, UserProfile};
use crate::infra::store::{StorageError, Store};
use crate::services::files::{FileError, Files};

/// Why a profile request failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The caller never logged in (or the profile is gone).
    #[error("user not found")]
    NotFound,
    #[error("{field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    /// `avatarKey` is not an image the caller uploaded.
    #[error("avatarKey: must be an image you uploaded")]
    AvatarNotOwned,
    #[error(transparent)]
    Files(FileError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<FileError> for ProfileError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::NotYourImage => Self::AvatarNotOwned,
            FileError::Storage(err) => Self::Storage(err),
            other => Self::Files(other),
        }
    }
}

/// A requested change: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub nickname: Option<Nickname>,
    pub avatar_url: Option<AvatarUrl>,
    /// An image the caller uploaded with `uploadToken`.
    pub avatar_key: Option<String>,
}

/// Profiles, with their avatars resolved to download URLs.
#[derive(Clone)]
pub struct Profiles {
    store: Store,
    files: Files,
}

impl Profiles {
    pub fn new(store: Store, files: Files) -> Self {
        Self { store, files }
    }

    /// The caller's profile: one GetItem; an uploaded avatar is signed locally.
    pub async fn get(&self, openid: &Openid) -> Result<UserProfile, ProfileError> {
        let profile = self.store.get_user(openid).await?.ok_or(ProfileError::NotFound)?;
        Ok(self.files.resolve_avatar(profile).await?)
    }

    /// Applies `update`: one conditional UpdateItem (plus one HeadObject for an uploaded avatar).
    pub async fn update(&self, openid: &Openid, update: ProfileUpdate) -> Result<UserProfile, ProfileError> {
        let avatar = match (update.avatar_url, update.avatar_key) {
            (Some(_), Some(_)) => {
                return Err(ProfileError::Invalid {
                    field: "avatarKey",
                    reason: "give avatarUrl or avatarKey, not both",
                });
            }
            (Some(url), None) => Some(Avatar::Url(url)),
            (None, Some(key)) => Some(Avatar::Upload(self.files.owned_image(openid, &key).await?)),
            (None, None) => None,
        };
        let patch = ProfilePatch {
            nickname: update.nickname,
            avatar,
        };
        if patch.is_empty() {
            return Err(ProfileError::Invalid {
                field: "body",
                reason: "give at least one of nickname, avatarUrl, avatarKey",
            });
        }
        let profile = self
            .store
            .update_user(openid, &patch, Timestamp::now())
            .await?
            .ok_or(ProfileError::NotFound)?;
        if let Some(Avatar::Upload(key)) = &patch.avatar {
            // Referenced now: the lifecycle rule that expires unreferenced uploads keeps it.
            self.files.keep(key).await?;
        }
        Ok(self.files.resolve_avatar(profile).await?)
    }
}
