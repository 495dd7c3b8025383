//! The caller's own profile: read it, change the nickname or the avatar, bind a phone number.

use crate::domain::ids::Openid;
use crate::domain::time::Clock;
use crate::domain::users::{Avatar, AvatarUrl, Nickname, PhoneCode, ProfilePatch, UserProfile, mask_phone};
use crate::files::objects::{FileError, Files};
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::{TextScene, WeChatError};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::content_checks::{TextChecks, TextRefusal, Unchecked};

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
    /// `avatarKey` is not an image the caller uploaded as an avatar.
    #[error("avatarKey: must be an image you uploaded as an avatar (purpose avatar)")]
    AvatarNotOwned,
    /// WeChat's content check refused the nickname (`review` or `risky`).
    #[error("the nickname did not pass WeChat's content check")]
    NicknameRefused,
    /// WeChat's content check could not be asked, and the policy refuses unchecked nicknames.
    #[error("the nickname could not be checked")]
    NicknameUnchecked(#[source] AccessTokenError),
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
    clock: Clock,
}

impl Profiles {
    pub fn new(store: Store, files: Files, clock: Clock) -> Self {
        Self { store, files, clock }
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
            (None, Some(key)) => Some(Avatar::Upload(self.files.owned_avatar(openid, &key).await?)),
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
            .update_user(openid, &patch, self.clock.now())
            .await?
            .ok_or(ProfileError::NotFound)?;
        if let Some(Avatar::Upload(key)) = &patch.avatar {
            // Referenced now: the lifecycle rule that expires unreferenced uploads keeps it.
            self.files.keep(key, openid).await?;
        }
        Ok(self.files.resolve_avatar(profile).await?)
    }
}

/// Why a phone number could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// WeChat refused the button's code (invalid, expired or already used).
    #[error("the phone number code is invalid, expired or already used")]
    CodeRejected,
    #[error("user not found")]
    NotFound,
    #[error(transparent)]
    WeChat(AccessTokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What binding answers: the number as profiles show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundPhone {
    /// Masked (`138****8000`).
    pub phone: String,
    pub country_code: String,
}

/// Phone numbers from `<button open-type="getPhoneNumber">`. Built once per process by the
/// function that holds the app secret (the shared access token).
#[derive(Clone)]
pub struct Phones {
    store: Store,
    tokens: AccessTokens,
    clock: Clock,
}

impl Phones {
    pub fn new(store: Store, tokens: AccessTokens, clock: Clock) -> Self {
        Self { store, tokens, clock }
    }

    /// Exchanges the button's code for the number (one WeChat call, the shared token read from the
    /// table on a cold instance) and binds it to the caller: one conditional UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn bind(&self, openid: &Openid, code: &PhoneCode) -> Result<BoundPhone, PhoneError> {
        let phone = self
            .tokens
            .call(|wechat, token| async move { wechat.user_phone_number(&token, code).await })
            .await
            .map_err(|err| match err {
                AccessTokenError::WeChat(WeChatError::CodeInvalid | WeChatError::CodeUsed) => {
                    PhoneError::CodeRejected
                }
                err => PhoneError::WeChat(err),
            })?;
        if !self.store.bind_phone(openid, &phone, self.clock.now()).await? {
            return Err(PhoneError::NotFound);
        }
        Ok(BoundPhone {
            phone: mask_phone(&phone.number),
            country_code: phone.country_code,
        })
    }
}

/// Profile changes, with every new nickname checked by WeChat (`msg_sec_check` v2, scene
/// "profile") before anything is written.
#[derive(Clone)]
pub struct ProfileEditor {
    profiles: Profiles,
    checks: TextChecks,
    unchecked: Unchecked,
}

impl ProfileEditor {
    pub fn new(profiles: Profiles, checks: TextChecks, unchecked: Unchecked) -> Self {
        Self {
            profiles,
            checks,
            unchecked,
        }
    }

    /// Checks a new nickname (one WeChat call), then applies `update` as [`Profiles::update`]
    /// does. A refused nickname writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn update(&self, openid: &Openid, update: ProfileUpdate) -> Result<UserProfile, ProfileError> {
        if let Some(nickname) = &update.nickname {
            match self
                .checks
                .check(openid, TextScene::Profile, nickname.as_str(), self.unchecked)
                .await
            {
                Ok(_) => {}
                Err(TextRefusal::Refused { .. }) => return Err(ProfileError::NicknameRefused),
                Err(TextRefusal::Unchecked(err)) => return Err(ProfileError::NicknameUnchecked(err)),
            }
        }
        self.profiles.update(openid, update).await
    }
}

impl Build for Profiles {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Profiles::new(
            startup.store(),
            Files::build(startup).await?,
            startup.clock(),
        ))
    }
}

impl Build for Phones {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Phones::new(
            startup.store(),
            startup.access_tokens().await?,
            startup.clock(),
        ))
    }
}

impl Build for ProfileEditor {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(ProfileEditor::new(
            Profiles::build(startup).await?,
            TextChecks::build(startup).await?,
            crate::identity::settings::unchecked_nickname(&startup.env)?,
        ))
    }
}
