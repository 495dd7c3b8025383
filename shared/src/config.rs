//! Configuration: every environment variable read once at cold start, typed, secrets wrapped.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Names of every environment variable the functions read. Documented in the README's table.
pub mod vars {
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const BUCKET_NAME: &str = "BUCKET_NAME";
    pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
    pub const JWT_SECRET: &str = "JWT_SECRET";
    pub const JWT_ISSUER: &str = "JWT_ISSUER";
    pub const ACCESS_TOKEN_TTL_SECS: &str = "ACCESS_TOKEN_TTL_SECS";
    pub const REFRESH_TOKEN_TTL_SECS: &str = "REFRESH_TOKEN_TTL_SECS";
    pub const WECHAT_APPID: &str = "WECHAT_APPID";
    pub const WECHAT_SECRET: &str = "WECHAT_SECRET";
    pub const WECHAT_API_BASE: &str = "WECHAT_API_BASE";
    /// Suffix of the variable that names an SSM SecureString parameter holding a secret
    /// (`JWT_SECRET_PARAMETER`, `WECHAT_SECRET_PARAMETER`).
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
}

/// The shortest JWT key we accept: HS256 wants at least as many bytes as the hash output.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

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

/// A secret value: never printed by `Debug` or `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
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

/// Settings of the token service. The key is loaded by [`crate::startup::Startup::secret`].
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub jwt_secret: Secret,
    pub issuer: String,
    /// The `aud` claim: our mini-program's appid.
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl AuthConfig {
    pub fn new(env: &Env, jwt_secret: Secret) -> Result<Self, ConfigError> {
        if jwt_secret.expose().len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: vars::JWT_SECRET,
                reason: format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"),
            });
        }
        Ok(Self {
            jwt_secret,
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
}

/// Settings of the WeChat API client.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    pub appid: String,
    pub secret: Secret,
    pub api_base: String,
}

impl WeChatConfig {
    pub fn new(env: &Env, secret: Secret) -> Result<Self, ConfigError> {
        let api_base = env.string_or(vars::WECHAT_API_BASE, defaults::WECHAT_API_BASE);
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: vars::WECHAT_API_BASE,
                reason: "must be an http(s) URL".into(),
            });
        }
        Ok(Self {
            appid: env.required(vars::WECHAT_APPID)?.to_owned(),
            secret,
            api_base: api_base.trim_end_matches('/').to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_never_shows_the_value() {
        let secret = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }

    #[test]
    fn short_jwt_secret_stops_the_start_naming_the_variable() {
        let env = Env::from_pairs([(vars::WECHAT_APPID, "wx123")]);
        let err = AuthConfig::new(&env, Secret::new("short")).unwrap_err();
        assert!(err.to_string().contains("JWT_SECRET"), "{err}");
    }

    #[test]
    fn invalid_number_names_the_variable() {
        let env = Env::from_pairs([(vars::MAX_BODY_BYTES, "lots")]);
        let err = HttpConfig::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("MAX_BODY_BYTES"), "{err}");
    }

    #[test]
    fn empty_value_counts_as_unset() {
        let env = Env::from_pairs([(vars::TABLE_NAME, "")]);
        assert_eq!(env.string_or(vars::TABLE_NAME, "fallback"), "fallback");
    }
}
