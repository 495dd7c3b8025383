//! Users: the profile a caller may read and edit.

use serde::{Deserialize, Serialize};

use super::ids::Openid;
use super::time::Timestamp;
use super::uploads::ObjectKey;

/// A `wx.login()` code: 1..=128 visible ASCII characters. Never printed: it logs a user in.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct LoginCode(String);

impl TryFrom<String> for LoginCode {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.is_empty() || value.len() > 128 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be the code from wx.login(): 1-128 visible ASCII characters");
        }
        Ok(Self(value))
    }
}

impl LoginCode {
    /// The code itself, for the one call that spends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginCode(***)")
    }
}

/// A user's profile as stored and as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub openid: Openid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    pub nickname: String,
    /// A usable URL: the one the user gave, or a fresh download URL of their uploaded avatar.
    pub avatar_url: String,
    /// The uploaded avatar's object key, when the avatar is an upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
    pub created_at: Timestamp,
}

/// The longest nickname, in characters (WeChat's own limit is shorter in practice).
pub const NICKNAME_MAX_CHARS: usize = 32;
/// The longest avatar URL, in bytes.
pub const AVATAR_URL_MAX_BYTES: usize = 512;

/// A nickname: trimmed, 1..=32 characters, no control or invisible format characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Nickname(String);

impl TryFrom<String> for Nickname {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let trimmed = value.trim();
        let chars = trimmed.chars().count();
        if chars == 0 {
            return Err("must not be empty".into());
        }
        if chars > NICKNAME_MAX_CHARS {
            return Err(format!("must be at most {NICKNAME_MAX_CHARS} characters"));
        }
        super::text::check_shown_text(trimmed, false)?;
        Ok(Self(trimmed.to_owned()))
    }
}

impl Nickname {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An avatar URL: `https://`, at most 512 bytes, no whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AvatarUrl(String);

impl TryFrom<String> for AvatarUrl {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() > AVATAR_URL_MAX_BYTES {
            return Err(format!("must be at most {AVATAR_URL_MAX_BYTES} bytes"));
        }
        let rest = value.strip_prefix("https://").ok_or("must be an https:// URL")?;
        if rest.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must be an https:// URL without spaces".into());
        }
        Ok(Self(value))
    }
}

impl AvatarUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new avatar: an https URL, or a file the user uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Avatar {
    Url(AvatarUrl),
    Upload(ObjectKey),
}

/// The fields `updateUserInfo` may change; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub nickname: Option<Nickname>,
    pub avatar: Option<Avatar>,
}

impl UserProfile {
    /// The uploaded avatar, when the profile has one that belongs to the user.
    pub fn uploaded_avatar(&self) -> Option<ObjectKey> {
        self.avatar_key
            .as_deref()
            .and_then(|key| ObjectKey::owned_by(key, &self.openid))
    }
}

impl ProfilePatch {
    pub fn is_empty(&self) -> bool {
        self.nickname.is_none() && self.avatar.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_code_is_bounded_and_its_debug_hides_it() {
        assert!(LoginCode::try_from(String::new()).is_err());
        assert!(LoginCode::try_from("a b".to_owned()).is_err());
        assert!(LoginCode::try_from("x".repeat(129)).is_err());
        let code = LoginCode::try_from("081Kq3Ga1VbXyz".to_owned()).unwrap();
        assert_eq!(format!("{code:?}"), "LoginCode(***)");
    }

    #[test]
    fn nickname_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(Nickname::try_from("  小明 ".to_owned()).unwrap().as_str(), "小明");
        assert!(Nickname::try_from("字".repeat(32)).is_ok());
        assert!(Nickname::try_from("字".repeat(33)).is_err());
        assert!(Nickname::try_from("   ".to_owned()).is_err());
        assert!(Nickname::try_from("a\u{0}b".to_owned()).is_err());
    }

    #[test]
    fn avatar_url_must_be_https() {
        assert!(AvatarUrl::try_from("https://thirdwx.qlogo.cn/a/132".to_owned()).is_ok());
        assert!(AvatarUrl::try_from("http://example.com/a.png".to_owned()).is_err());
        assert!(AvatarUrl::try_from("javascript:alert(1)".to_owned()).is_err());
        assert!(AvatarUrl::try_from(format!("https://{}", "a".repeat(600))).is_err());
    }
}
