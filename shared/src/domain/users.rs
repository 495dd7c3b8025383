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
    /// The bound phone number, masked (`138****8000`): the full number is never answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub created_at: Timestamp,
}

/// A phone number WeChat gave for a user (`getuserphonenumber`): digits only, with its country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// Without the country code (`13800138000`).
    pub number: String,
    /// `86` for mainland China.
    pub country_code: String,
}

impl PhoneNumber {
    /// `number` and `country_code` if both are 1..=20 ASCII digits (WeChat's shape).
    pub fn parse(number: &str, country_code: &str) -> Option<Self> {
        let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        (digits(number) && digits(country_code)).then(|| Self {
            number: number.to_owned(),
            country_code: country_code.to_owned(),
        })
    }
}

/// A phone number as profiles show it: the first three and the last four digits
/// (`138****8000`); a shorter number shows only its last two.
pub fn mask_phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    if digits.len() >= 8 {
        let (head, tail) = (&digits[..3], &digits[digits.len() - 4..]);
        format!(
            "{}{}{}",
            head.iter().collect::<String>(),
            "*".repeat(digits.len() - 7),
            tail.iter().collect::<String>()
        )
    } else {
        let keep = digits.len().min(2);
        format!(
            "{}{}",
            "*".repeat(digits.len() - keep),
            digits[digits.len() - keep..].iter().collect::<String>()
        )
    }
}

/// The one-time code of `<button open-type="getPhoneNumber">` (valid 5 minutes, single use):
/// 1..=128 characters of `A-Z a-z 0-9 _ - .`. Never logged.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PhoneCode(String);

impl PhoneCode {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PhoneCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhoneCode(<redacted>)")
    }
}

impl TryFrom<String> for PhoneCode {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let valid = !value.is_empty()
            && value.len() <= 128
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if valid {
            Ok(Self(value))
        } else {
            Err("must be the code of the getPhoneNumber button: 1-128 characters of A-Z a-z 0-9 _ - .")
        }
    }
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

/// The hosts WeChat serves users' avatars from: the only ones an `avatarUrl` may name, so that a
/// profile cannot make everyone who views it load (and be tracked by) a server of its choosing.
/// Any other image is uploaded (`avatarKey`), and checked.
pub const AVATAR_HOSTS: &[&str] = &["thirdwx.qlogo.cn", "wx.qlogo.cn"];

/// An avatar URL: `https://` on one of WeChat's [`AVATAR_HOSTS`], at most 512 bytes, no whitespace.
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
        // The authority ends at the first `/`, `?` or `#`; no user info, no port.
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if !AVATAR_HOSTS.contains(&host) {
            return Err(format!(
                "must be a WeChat avatar URL (https://{}/...); upload any other image and give its avatarKey",
                AVATAR_HOSTS[0]
            ));
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
    /// The uploaded avatar, when the profile has one that belongs to the user (checked against
    /// the uploader when it was set; an older key must still name the user's openid).
    pub fn uploaded_avatar(&self) -> Option<ObjectKey> {
        self.avatar_key
            .as_deref()
            .and_then(ObjectKey::parse)
            .filter(|key| {
                key.legacy_openid()
                    .is_none_or(|openid| openid == self.openid.as_str())
            })
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
    fn phone_numbers_are_masked_and_codes_are_bounded() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("2125550100"), "212***0100");
        assert_eq!(mask_phone("12345"), "***45");
        assert!(PhoneNumber::parse("13800138000", "86").is_some());
        assert!(PhoneNumber::parse("+86138", "86").is_none());
        assert!(PhoneCode::try_from("phone.alice".to_owned()).is_ok());
        assert!(PhoneCode::try_from("a b".to_owned()).is_err());
        assert!(!format!("{:?}", PhoneCode::try_from("secret".to_owned()).unwrap()).contains("secret"));
    }

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
        assert!(AvatarUrl::try_from("https://wx.qlogo.cn/mmopen/x".to_owned()).is_ok());
        assert!(AvatarUrl::try_from("http://example.com/a.png".to_owned()).is_err());
        assert!(AvatarUrl::try_from("javascript:alert(1)".to_owned()).is_err());
        assert!(AvatarUrl::try_from(format!("https://{}", "a".repeat(600))).is_err());
    }

    #[test]
    fn an_avatar_url_names_only_wechats_avatar_hosts() {
        for url in [
            "https://tracker.example/pixel.png?who=me",
            "https://thirdwx.qlogo.cn.evil.example/a",
            "https://evil.example/thirdwx.qlogo.cn/a",
            "https://user@thirdwx.qlogo.cn/a",
            "https://thirdwx.qlogo.cn:8443/a",
            "https://qlogo.cn/a",
        ] {
            assert!(AvatarUrl::try_from(url.to_owned()).is_err(), "{url}");
        }
    }
}
