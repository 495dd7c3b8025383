//! The WeChat Pay identity of a local checkout (`make dev`): a merchant key pair, a platform key
//! pair, the APIv3 key and the ids, made once under `.dev/wechatpay/` and kept, so a developer can
//! read them and sign by hand. The fake WeChat Pay and the functions both read them.
//!
//! ```text
//! merchant_private_key.pem   PKCS#8: signs our requests and paySign (WECHAT_PAY_MERCHANT_KEY)
//! merchant_public_key.pem    SPKI: the fake verifies our Authorization with it
//! platform_private_key.pem   PKCS#8: the fake signs its answers and notifications with it
//! platform_public_key.pem    SPKI: we verify them (WECHAT_PAY_PLATFORM_KEYS)
//! ids.json                   {mchid, merchantSerialNo, platformSerialNo, publicKeyId}
//! apiv3.key                  the 32-character APIv3 key that encrypts notifications
//! ```

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use shared::infra::crypto::{random_bytes, random_id};

use crate::fake_wechatpay::rsa_keys;

/// The ids of the local merchant and of its (fake) WeChat Pay.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevIds {
    pub mchid: String,
    pub merchant_serial_no: String,
    /// The platform certificate's serial: the fake signs half its notifications under it.
    pub platform_serial_no: String,
    /// The WeChat Pay public key id: the fake signs the other half under it (same key).
    pub public_key_id: String,
}

/// Everything under `.dev/wechatpay/`.
#[derive(Debug, Clone)]
pub struct DevWeChatPay {
    pub ids: DevIds,
    pub api_v3_key: String,
    pub merchant_private_pem: String,
    pub merchant_public_der_base64: String,
    pub platform_private_pem: String,
    pub platform_public_der_base64: String,
}

const IDS: &str = "ids.json";
const API_V3_KEY: &str = "apiv3.key";
const MERCHANT_PRIVATE: &str = "merchant_private_key.pem";
const MERCHANT_PUBLIC: &str = "merchant_public_key.pem";
const PLATFORM_PRIVATE: &str = "platform_private_key.pem";
const PLATFORM_PUBLIC: &str = "platform_public_key.pem";

/// Reads the identity in `dir`, making it first when there is none.
pub fn ensure(dir: &Path) -> std::io::Result<DevWeChatPay> {
    if !dir.join(IDS).exists() {
        create(dir)?;
    }
    load(dir)
}

fn create(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let (merchant, platform) = (rsa_keys(), rsa_keys());
    let hex = |bytes: [u8; 20]| hex::encode_upper(bytes);
    let digits: String = random_bytes::<16>()
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    let ids = DevIds {
        mchid: "1900000001".to_owned(),
        merchant_serial_no: hex(random_bytes()),
        platform_serial_no: hex(random_bytes()),
        public_key_id: format!("PUB_KEY_ID_01190000000120261125{digits}"),
    };
    write_private(&dir.join(MERCHANT_PRIVATE), &merchant.private_pem)?;
    write_private(&dir.join(PLATFORM_PRIVATE), &platform.private_pem)?;
    fs::write(dir.join(MERCHANT_PUBLIC), public_pem(&merchant.public_der_base64))?;
    fs::write(dir.join(PLATFORM_PUBLIC), public_pem(&platform.public_der_base64))?;
    write_private(&dir.join(API_V3_KEY), &random_id(24))?;
    // Written last: its presence says the rest is complete.
    fs::write(
        dir.join(IDS),
        serde_json::to_string_pretty(&ids).map_err(std::io::Error::other)? + "\n",
    )
}

fn load(dir: &Path) -> std::io::Result<DevWeChatPay> {
    let read = |name: &str| fs::read_to_string(dir.join(name));
    let ids: DevIds = serde_json::from_str(&read(IDS)?).map_err(std::io::Error::other)?;
    let api_v3_key = read(API_V3_KEY)?.trim().to_owned();
    if api_v3_key.len() != 32 {
        return Err(std::io::Error::other(format!(
            "{API_V3_KEY} must hold 32 characters"
        )));
    }
    Ok(DevWeChatPay {
        ids,
        api_v3_key,
        merchant_private_pem: read(MERCHANT_PRIVATE)?,
        merchant_public_der_base64: pem_body(&read(MERCHANT_PUBLIC)?)?,
        platform_private_pem: read(PLATFORM_PRIVATE)?,
        platform_public_der_base64: pem_body(&read(PLATFORM_PUBLIC)?)?,
    })
}

impl DevWeChatPay {
    /// The functions' `WECHAT_PAY_*` settings, as shell assignments (`set -a; source`): both the
    /// certificate serial and the public key id name the platform key, as during a migration.
    pub fn env_lines(&self) -> String {
        let ids = &self.ids;
        format!(
            "WECHAT_PAY_MCHID={}\nWECHAT_PAY_SERIAL_NO={}\nWECHAT_PAY_MERCHANT_KEY='{}'\n\
             WECHAT_PAY_PLATFORM_KEYS={}:{},{}:{}\nWECHAT_PAY_API_V3_KEY={}\n",
            ids.mchid,
            ids.merchant_serial_no,
            self.merchant_private_pem.trim_end(),
            ids.public_key_id,
            self.platform_public_der_base64,
            ids.platform_serial_no,
            self.platform_public_der_base64,
            self.api_v3_key,
        )
    }
}

fn public_pem(der_base64: &str) -> String {
    let lines: Vec<&str> = der_base64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// The base64 body of a PEM block, checked to decode.
fn pem_body(pem: &str) -> std::io::Result<String> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    STANDARD
        .decode(&body)
        .map_err(|_| std::io::Error::other("a public key PEM whose body is not base64"))?;
    Ok(body)
}

/// Writes a secret readable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_made_once_and_read_back_the_same() {
        let dir = std::env::temp_dir().join(format!("dev-wechatpay-{}", random_id(6)));
        let made = ensure(&dir).unwrap();
        let again = ensure(&dir).unwrap();
        assert_eq!(made.merchant_private_pem, again.merchant_private_pem);
        assert_eq!(made.ids.public_key_id, again.ids.public_key_id);
        assert_eq!(made.api_v3_key.len(), 32);
        assert!(made.ids.public_key_id.starts_with("PUB_KEY_ID_"));
        let env = made.env_lines();
        assert!(env.contains(&format!("{}:", made.ids.platform_serial_no)));
        fs::remove_dir_all(&dir).unwrap();
    }
}
