//! Configuration: every environment variable the functions read is named here, read once at
//! cold start, and turned into the typed settings of each piece of infrastructure.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::domain::limits::{BanRule, RateRules};
use crate::infra::cdn::{CdnConfigError, CdnSigner};

pub use crate::infra::crypto::Secret;
use crate::infra::s3::S3Config;
use crate::infra::tokens::{PublicKeys, TokenSettings};
use crate::infra::wechat::WeChatConfig;
use crate::infra::wechatpay::client::PayConfig;
use crate::infra::wechatpay::crypto::{MerchantKey, PlatformKeys};

/// Names of every environment variable the functions read. Documented in the README's table.
pub mod vars {
    /// The IAM role whose sessions may call the operators' IAM route (`ship-order`); unset: nobody.
    pub const OPERATOR_ROLE_ARN: &str = "OPERATOR_ROLE_ARN";
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const BUCKET_NAME: &str = "BUCKET_NAME";
    pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
    /// The origins the operators' console is served from, comma-separated: the only ones a
    /// state-changing `/admin/` request may come from (CSRF).
    pub const CONSOLE_ORIGINS: &str = "CONSOLE_ORIGINS";
    /// The private key that signs access tokens, `kid:base64(PKCS#8)` (login and refresh only).
    pub const JWT_SIGNING_KEY: &str = "JWT_SIGNING_KEY";
    /// The public keys that verify access tokens, `kid:base64url(key)`, comma-separated.
    pub const JWT_PUBLIC_KEYS: &str = "JWT_PUBLIC_KEYS";
    pub const JWT_ISSUER: &str = "JWT_ISSUER";
    pub const ACCESS_TOKEN_TTL_SECS: &str = "ACCESS_TOKEN_TTL_SECS";
    pub const REFRESH_TOKEN_TTL_SECS: &str = "REFRESH_TOKEN_TTL_SECS";
    pub const WECHAT_APPID: &str = "WECHAT_APPID";
    pub const WECHAT_SECRET: &str = "WECHAT_SECRET";
    pub const WECHAT_API_BASE: &str = "WECHAT_API_BASE";
    pub const UPLOAD_POLICY_TTL_SECS: &str = "UPLOAD_POLICY_TTL_SECS";
    pub const UPLOAD_PUBLIC_BASE_URL: &str = "UPLOAD_PUBLIC_BASE_URL";
    /// Downloads through the CDN, set all three or none (none: presigned S3 URLs, for local
    /// development): the https base URL of the CloudFront distribution on our own domain...
    pub const DOWNLOAD_BASE_URL: &str = "DOWNLOAD_BASE_URL";
    /// ...the id of the CloudFront public key (in the distribution's key group) that verifies them...
    pub const DOWNLOAD_KEY_PAIR_ID: &str = "DOWNLOAD_KEY_PAIR_ID";
    /// ...and its private key, PEM, RSA 2048 or ECDSA P-256 (a secret).
    pub const DOWNLOAD_PRIVATE_KEY: &str = "DOWNLOAD_PRIVATE_KEY";
    /// Rate overrides, `scope=LIMIT/SECONDS`, comma-separated (scopes: login, refresh,
    /// refresh-session, order, upload, profile).
    pub const RATE_LIMITS: &str = "RATE_LIMITS";
    /// When refusals become a ban: `VIOLATIONS/WINDOW_SECONDS/BAN_SECONDS`.
    pub const RATE_BAN: &str = "RATE_BAN";
    /// WeChat Pay: the merchant id.
    pub const WECHAT_PAY_MCHID: &str = "WECHAT_PAY_MCHID";
    /// WeChat Pay: the merchant API certificate's serial.
    pub const WECHAT_PAY_SERIAL_NO: &str = "WECHAT_PAY_SERIAL_NO";
    /// WeChat Pay: the merchant API private key, PKCS#8 PEM (a secret).
    pub const WECHAT_PAY_MERCHANT_KEY: &str = "WECHAT_PAY_MERCHANT_KEY";
    /// WeChat Pay: its public keys, `id:base64(SPKI DER)`, comma-separated.
    pub const WECHAT_PAY_PLATFORM_KEYS: &str = "WECHAT_PAY_PLATFORM_KEYS";
    /// WeChat Pay: where it posts payment notifications (https, no query).
    pub const WECHAT_PAY_NOTIFY_URL: &str = "WECHAT_PAY_NOTIFY_URL";
    /// WeChat Pay: where it posts refund notifications (https, no query; by default the payment
    /// notification URL with `/pay/notify` replaced by `/pay/refund-notify`).
    pub const WECHAT_PAY_REFUND_NOTIFY_URL: &str = "WECHAT_PAY_REFUND_NOTIFY_URL";
    /// WeChat Pay: the APIv3 key that encrypts notifications (a secret; the notification function only).
    pub const WECHAT_PAY_API_V3_KEY: &str = "WECHAT_PAY_API_V3_KEY";
    /// WeChat Pay's API (`https://api.mch.weixin.qq.com`, or a fake's address).
    pub const WECHAT_PAY_API_BASE: &str = "WECHAT_PAY_API_BASE";
    /// The key that authenticates pagination cursors (at least 32 bytes; list functions only).
    pub const CURSOR_KEY: &str = "CURSOR_KEY";
    /// The CloudWatch namespace of the metrics (EMF lines; `wx-serverless` when unset).
    pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
    /// The log filter (`info` when unset), in `tracing`'s `EnvFilter` syntax.
    pub const LOG_LEVEL: &str = "LOG_LEVEL";
    /// Set by Lambda itself: tells a deployed function from a local run.
    pub const AWS_LAMBDA_FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";
    /// Read by the AWS SDK; named here for the error that says it is missing.
    pub const AWS_REGION: &str = "AWS_REGION";
    /// Read by the AWS SDK; named here for the error that says credentials are missing.
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    /// Suffix of the variable that names an SSM SecureString parameter holding a secret
    /// (`JWT_SIGNING_KEY_PARAMETER`, `WECHAT_SECRET_PARAMETER`).
    pub const PARAMETER_SUFFIX: &str = "_PARAMETER";
}

/// Defaults for the optional variables.
pub mod defaults {
    pub const TABLE_NAME: &str = "wx-serverless";
    pub const BUCKET_NAME: &str = "wx-serverless-uploads";
    pub const MAX_BODY_BYTES: usize = 64 * 1024;
    pub const JWT_ISSUER: &str = "wx-serverless";
    pub const ACCESS_TOKEN_TTL_SECS: u64 = 2 * 60 * 60;
    pub const REFRESH_TOKEN_TTL_SECS: u64 = 7 * 24 * 60 * 60;
    pub const WECHAT_API_BASE: &str = "https://api.weixin.qq.com";
    pub const WECHAT_PAY_API_BASE: &str = "https://api.mch.weixin.qq.com";
    pub const UPLOAD_POLICY_TTL_SECS: u64 = 600;
    pub const LOG_LEVEL: &str = "info";
    pub const METRICS_NAMESPACE: &str = "wx-serverless";
}

/// A configuration problem found at cold start. The message always names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("secret {name} could not be loaded from SSM parameter {parameter}: {reason}")]
    Parameter {
        name: &'static str,
        parameter: String,
        reason: String,
    },
}

/// A snapshot of the environment taken once at cold start (or a map, in tests).
#[derive(Debug, Clone, Default)]
pub struct Env {
    values: HashMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self {
            values: std::env::vars().collect(),
        }
    }

    /// An environment built from pairs; for tests and tools.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self {
            values: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }

    /// Returns a copy with `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    /// Returns a copy without `name`.
    pub fn without(mut self, name: &str) -> Self {
        self.values.remove(name);
        self
    }

    /// The value of `name`, treating an empty value as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    pub fn string_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// Parses `name` when set, else returns `default`.
    pub fn parse_or<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: e.to_string(),
            }),
        }
    }

    /// An `http(s)://` URL without a trailing slash.
    pub fn http_url_or(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        let url = self.get(name).unwrap_or(default);
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name,
                reason: "must be an http(s) URL".into(),
            });
        }
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// The base URL of an outside API (WeChat, WeChat Pay): https, or plain http on a loopback
    /// address only (the local fakes of development and tests).
    pub fn api_url_or(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        let url = self.http_url_or(name, default)?;
        if url.starts_with("https://") || crate::infra::is_loopback_http(&url) {
            Ok(url)
        } else {
            Err(ConfigError::Invalid {
                name,
                reason:
                    "must be an https URL (plain http only on 127.0.0.1, ::1 or localhost, for a local fake)"
                        .into(),
            })
        }
    }

    /// Parses a whole number of seconds bounded by `max`.
    pub fn seconds_or(&self, name: &'static str, default: u64, max: u64) -> Result<Duration, ConfigError> {
        let secs: u64 = self.parse_or(name, default)?;
        if secs == 0 || secs > max {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("must be between 1 and {max} seconds"),
            });
        }
        Ok(Duration::from_secs(secs))
    }
}

/// Settings of the request adapter.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub max_body_bytes: usize,
}

impl HttpConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let max_body_bytes = env.parse_or(vars::MAX_BODY_BYTES, defaults::MAX_BODY_BYTES)?;
        if !(1024..=6 * 1024 * 1024).contains(&max_body_bytes) {
            return Err(ConfigError::Invalid {
                name: vars::MAX_BODY_BYTES,
                reason: "must be between 1024 and 6291456 (the Lambda payload limit)".into(),
            });
        }
        Ok(Self { max_body_bytes })
    }
}

/// What every token names: issuer, audience (the appid) and lifetimes.
pub fn token_settings(env: &Env) -> Result<TokenSettings, ConfigError> {
    Ok(TokenSettings {
        issuer: env.string_or(vars::JWT_ISSUER, defaults::JWT_ISSUER),
        audience: env.required(vars::WECHAT_APPID)?.to_owned(),
        access_ttl: env.seconds_or(
            vars::ACCESS_TOKEN_TTL_SECS,
            defaults::ACCESS_TOKEN_TTL_SECS,
            24 * 3600,
        )?,
        refresh_ttl: env.seconds_or(
            vars::REFRESH_TOKEN_TTL_SECS,
            defaults::REFRESH_TOKEN_TTL_SECS,
            90 * 24 * 3600,
        )?,
    })
}

/// The public keys that verify access tokens.
pub fn public_keys(env: &Env) -> Result<PublicKeys, ConfigError> {
    PublicKeys::parse(env.required(vars::JWT_PUBLIC_KEYS)?).map_err(|err| ConfigError::Invalid {
        name: vars::JWT_PUBLIC_KEYS,
        reason: err.to_string(),
    })
}

/// The limits per caller: the defaults with `RATE_LIMITS` and `RATE_BAN` applied.
pub fn rate_rules(env: &Env) -> Result<RateRules, ConfigError> {
    let mut rules = RateRules::default()
        .with_overrides(env.get(vars::RATE_LIMITS).unwrap_or_default())
        .map_err(|reason| ConfigError::Invalid {
            name: vars::RATE_LIMITS,
            reason,
        })?;
    if let Some(ban) = env.get(vars::RATE_BAN) {
        rules.ban = BanRule::parse(ban).ok_or(ConfigError::Invalid {
            name: vars::RATE_BAN,
            reason: "must be VIOLATIONS/WINDOW_SECONDS/BAN_SECONDS, e.g. 10/600/900".into(),
        })?;
    }
    Ok(rules)
}

/// The role allowed the operators' IAM route (`OPERATOR_ROLE_ARN`): `None` when unset or empty
/// (then no IAM principal passes), an error when it is not a role ARN.
pub fn operator_role(env: &Env) -> Result<Option<super::iam::OperatorRole>, ConfigError> {
    match env
        .get(vars::OPERATOR_ROLE_ARN)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(arn) => super::iam::OperatorRole::parse(arn)
            .map(Some)
            .ok_or(ConfigError::Invalid {
                name: vars::OPERATOR_ROLE_ARN,
                reason: "must be an IAM role ARN, arn:aws:iam::<account>:role/<name>".into(),
            }),
    }
}

/// Settings of the WeChat Pay client; the merchant key is loaded by `Startup::secret`.
pub fn pay_config(
    env: &Env,
    merchant_key: Secret,
    api_v3_key: Option<Secret>,
) -> Result<PayConfig, ConfigError> {
    let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
    let notify_url = env.required(vars::WECHAT_PAY_NOTIFY_URL)?;
    let derived = notify_url
        .strip_suffix("/pay/notify")
        .map(|base| format!("{base}/pay/refund-notify"));
    let refund_notify_url = match env.get(vars::WECHAT_PAY_REFUND_NOTIFY_URL) {
        Some(url) => url.to_owned(),
        None => derived.ok_or(ConfigError::Missing(vars::WECHAT_PAY_REFUND_NOTIFY_URL))?,
    };
    for (name, url) in [
        (vars::WECHAT_PAY_NOTIFY_URL, notify_url),
        (vars::WECHAT_PAY_REFUND_NOTIFY_URL, refund_notify_url.as_str()),
    ] {
        if !url.starts_with("https://") || url.contains(['?', '#']) {
            return Err(invalid(name, "must be an https URL without a query".into()));
        }
    }
    Ok(PayConfig {
        mchid: env.required(vars::WECHAT_PAY_MCHID)?.to_owned(),
        appid: env.required(vars::WECHAT_APPID)?.to_owned(),
        serial_no: env.required(vars::WECHAT_PAY_SERIAL_NO)?.to_owned(),
        merchant_key: MerchantKey::from_pem(&merchant_key)
            .map_err(|e| invalid(vars::WECHAT_PAY_MERCHANT_KEY, e.to_string()))?,
        platform_keys: PlatformKeys::parse(env.required(vars::WECHAT_PAY_PLATFORM_KEYS)?)
            .map_err(|e| invalid(vars::WECHAT_PAY_PLATFORM_KEYS, e.to_string()))?,
        notify_url: notify_url.to_owned(),
        refund_notify_url,
        api_base: env.api_url_or(vars::WECHAT_PAY_API_BASE, defaults::WECHAT_PAY_API_BASE)?,
        api_v3_key: match api_v3_key {
            Some(key) if key.expose().len() != 32 => {
                return Err(invalid(vars::WECHAT_PAY_API_V3_KEY, "must be 32 bytes".into()));
            }
            key => key,
        },
    })
}

/// Settings of the WeChat API client; the app secret is loaded by `Startup::secret`.
pub fn wechat_config(env: &Env, secret: Option<Secret>) -> Result<WeChatConfig, ConfigError> {
    Ok(WeChatConfig {
        appid: env.required(vars::WECHAT_APPID)?.to_owned(),
        secret,
        api_base: env.api_url_or(vars::WECHAT_API_BASE, defaults::WECHAT_API_BASE)?,
    })
}

/// Where the uploads bucket is and how uploads reach it. `endpoint` is the AWS endpoint
/// override (the local emulator), if any.
pub fn s3_config(env: &Env, region: &str, endpoint: Option<&str>) -> Result<S3Config, ConfigError> {
    let bucket = env.string_or(vars::BUCKET_NAME, defaults::BUCKET_NAME);
    let public_base = match env.get(vars::UPLOAD_PUBLIC_BASE_URL) {
        Some(_) => Some(env.http_url_or(vars::UPLOAD_PUBLIC_BASE_URL, "")?),
        None => None,
    };
    Ok(S3Config {
        upload_url: S3Config::upload_url(&bucket, region, public_base.as_deref(), endpoint),
        bucket,
        region: region.to_owned(),
        policy_ttl: env.seconds_or(
            vars::UPLOAD_POLICY_TTL_SECS,
            defaults::UPLOAD_POLICY_TTL_SECS,
            15 * 60,
        )?,
    })
}

/// Whether downloads go through the CDN: `false` when none of `DOWNLOAD_BASE_URL`,
/// `DOWNLOAD_KEY_PAIR_ID` and `DOWNLOAD_PRIVATE_KEY` (or its `_PARAMETER`) is set, an error naming
/// the first missing one when only some are: half a CDN would silently fall back to S3 URLs,
/// which WeChat refuses.
pub fn download_cdn_configured(env: &Env) -> Result<bool, ConfigError> {
    let key_parameter = format!("{}{}", vars::DOWNLOAD_PRIVATE_KEY, vars::PARAMETER_SUFFIX);
    let settings = [
        (
            vars::DOWNLOAD_BASE_URL,
            env.get(vars::DOWNLOAD_BASE_URL).is_some(),
        ),
        (
            vars::DOWNLOAD_KEY_PAIR_ID,
            env.get(vars::DOWNLOAD_KEY_PAIR_ID).is_some(),
        ),
        (
            vars::DOWNLOAD_PRIVATE_KEY,
            env.get(vars::DOWNLOAD_PRIVATE_KEY).is_some() || env.get(&key_parameter).is_some(),
        ),
    ];
    match settings.iter().find(|(_, set)| !set) {
        None => Ok(true),
        Some(_) if settings.iter().all(|(_, set)| !set) => Ok(false),
        Some(&(missing, _)) => Err(ConfigError::Invalid {
            name: missing,
            reason: format!(
                "not set, but downloads through the CDN need {}, {} and {} (or {key_parameter}): \
                 set all three, or none for presigned S3 URLs",
                vars::DOWNLOAD_BASE_URL,
                vars::DOWNLOAD_KEY_PAIR_ID,
                vars::DOWNLOAD_PRIVATE_KEY,
            ),
        }),
    }
}

/// The signer of download URLs on the CDN's domain; its private key is loaded by
/// `Startup::secret`.
pub fn cdn_signer(env: &Env, private_key: &Secret) -> Result<CdnSigner, ConfigError> {
    let base_url = env.required(vars::DOWNLOAD_BASE_URL)?;
    let key_pair_id = env.required(vars::DOWNLOAD_KEY_PAIR_ID)?;
    CdnSigner::new(base_url, key_pair_id, private_key).map_err(|err| ConfigError::Invalid {
        name: match err {
            CdnConfigError::BaseUrl(_) => vars::DOWNLOAD_BASE_URL,
            CdnConfigError::KeyPairId => vars::DOWNLOAD_KEY_PAIR_ID,
            CdnConfigError::PrivateKey(_) => vars::DOWNLOAD_PRIVATE_KEY,
        },
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_apis_are_reached_over_https_or_at_a_local_fake_only() {
        let base = |url: &str| {
            Env::default()
                .with(vars::WECHAT_API_BASE, url)
                .api_url_or(vars::WECHAT_API_BASE, "")
        };
        assert_eq!(
            base("https://api.weixin.qq.com/").unwrap(),
            "https://api.weixin.qq.com"
        );
        for local in [
            "http://127.0.0.1:9100",
            "http://localhost:9100/",
            "http://[::1]:9100",
        ] {
            assert!(base(local).is_ok(), "{local}");
        }
        for refused in [
            "http://api.weixin.qq.com",
            "http://127.0.0.1.evil.example",
            "http://localhost@evil.example",
            "http://10.0.0.8:9100",
            "ftp://127.0.0.1",
        ] {
            let err = base(refused).unwrap_err();
            assert!(err.to_string().contains("WECHAT_API_BASE"), "{refused}: {err}");
        }
    }

    #[test]
    fn a_bad_public_key_list_stops_the_start_naming_the_variable() {
        let env = Env::from_pairs([(vars::JWT_PUBLIC_KEYS, "k1:not-a-key")]);
        let err = public_keys(&env).unwrap_err();
        assert!(err.to_string().contains("JWT_PUBLIC_KEYS"), "{err}");
        let err = public_keys(&Env::default()).unwrap_err();
        assert!(err.to_string().contains("JWT_PUBLIC_KEYS"), "{err}");
    }

    #[test]
    fn upload_settings_name_the_variable_they_reject() {
        let env = Env::default().with(vars::UPLOAD_POLICY_TTL_SECS, "901");
        let err = s3_config(&env, "us-east-1", None).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_POLICY_TTL_SECS"), "{err}");
        let env = Env::default().with(vars::UPLOAD_PUBLIC_BASE_URL, "files.example.cn");
        let err = s3_config(&env, "us-east-1", None).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_PUBLIC_BASE_URL"), "{err}");
    }

    #[test]
    fn invalid_number_names_the_variable() {
        let env = Env::from_pairs([(vars::MAX_BODY_BYTES, "lots")]);
        let err = HttpConfig::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("MAX_BODY_BYTES"), "{err}");
    }

    #[test]
    fn the_download_cdn_is_all_three_settings_or_none_and_empty_values_are_none() {
        let none = Env::default()
            .with(vars::DOWNLOAD_BASE_URL, "")
            .with(vars::DOWNLOAD_KEY_PAIR_ID, "")
            .with("DOWNLOAD_PRIVATE_KEY_PARAMETER", "");
        assert!(!download_cdn_configured(&none).unwrap());
        let all = Env::default()
            .with(vars::DOWNLOAD_BASE_URL, "https://cdn.example.com")
            .with(vars::DOWNLOAD_KEY_PAIR_ID, "K2JCJMDEHXQW5F")
            .with("DOWNLOAD_PRIVATE_KEY_PARAMETER", "/wx/download-key");
        assert!(download_cdn_configured(&all).unwrap());
        for (missing, env) in [
            (
                vars::DOWNLOAD_BASE_URL,
                all.clone().without(vars::DOWNLOAD_BASE_URL),
            ),
            (
                vars::DOWNLOAD_KEY_PAIR_ID,
                all.clone().with(vars::DOWNLOAD_KEY_PAIR_ID, ""),
            ),
            (
                vars::DOWNLOAD_PRIVATE_KEY,
                all.clone().without("DOWNLOAD_PRIVATE_KEY_PARAMETER"),
            ),
        ] {
            let err = download_cdn_configured(&env).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("environment variable {missing} ")),
                "{err}"
            );
            assert!(err.contains("all three"), "{err}");
        }
    }

    #[test]
    fn a_bad_download_setting_names_its_variable() {
        let key = Secret::new("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        let env = Env::default()
            .with(vars::DOWNLOAD_BASE_URL, "http://cdn.example.com")
            .with(vars::DOWNLOAD_KEY_PAIR_ID, "K2JCJMDEHXQW5F");
        let err = cdn_signer(&env, &key).unwrap_err().to_string();
        assert!(
            err.contains("DOWNLOAD_BASE_URL") && err.contains("https"),
            "{err}"
        );
        let env = env.with(vars::DOWNLOAD_BASE_URL, "https://cdn.example.com");
        let err = cdn_signer(&env, &key).unwrap_err().to_string();
        assert!(err.contains("DOWNLOAD_PRIVATE_KEY"), "{err}");
        assert!(
            !err.contains("not base64!"),
            "the key never reaches the message: {err}"
        );
        let env = env.with(vars::DOWNLOAD_KEY_PAIR_ID, "K2J&x");
        let err = cdn_signer(&env, &key).unwrap_err().to_string();
        assert!(err.contains("DOWNLOAD_KEY_PAIR_ID"), "{err}");
    }

    #[test]
    fn empty_value_counts_as_unset() {
        let env = Env::from_pairs([(vars::TABLE_NAME, "")]);
        assert_eq!(env.string_or(vars::TABLE_NAME, "fallback"), "fallback");
    }
}
