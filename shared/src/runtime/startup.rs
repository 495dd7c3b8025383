//! What a function builds once per cold start: the environment snapshot, the AWS SDK config,
//! the clients and the services, each built at most once.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;

use super::auth::Guard;
use super::config;
use super::config::{ConfigError, Env, Secret, defaults, vars};
use crate::domain::time::Clock;
use crate::infra::access_token::AccessTokens;
use crate::infra::cdn::CdnSigner;
use crate::infra::s3;
use crate::infra::s3::S3Gateway;
use crate::infra::store::Store;
use crate::infra::timing::{Dependency, SdkTimer};
use crate::infra::tokens::{TokenSigner, TokenVerifier};
use crate::infra::wechat::WeChatClient;
use crate::infra::wechatpay::client::WeChatPayClient;

/// The signer of listing cursors (`CURSOR_KEY`), for the endpoints that page.
pub use crate::infra::store::Cursors;

/// A service an endpoint calls, built once per cold start from the [`Startup`] context.
pub trait Build: Sized + Send + Sync + 'static {
    fn build(startup: &Startup) -> impl Future<Output = Result<Self, ConfigError>> + Send;
}

/// The cold-start context handed to every [`Build::build`].
pub struct Startup {
    pub env: Env,
    pub aws: aws_config::SdkConfig,
    clock: Clock,
    signer: OnceCell<Arc<TokenSigner>>,
    guard: OnceCell<Arc<Guard>>,
    access_tokens: OnceCell<AccessTokens>,
    store: OnceLock<Store>,
    s3: OnceLock<aws_sdk_s3::Client>,
}

impl Startup {
    /// Reads the process environment and the AWS config (region, credentials, endpoint) once.
    pub async fn from_env() -> Self {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Env::from_process(), aws)
    }

    pub fn new(env: Env, aws: aws_config::SdkConfig) -> Self {
        Self {
            env,
            aws,
            clock: Clock::system(),
            signer: OnceCell::new(),
            guard: OnceCell::new(),
            access_tokens: OnceCell::new(),
            store: OnceLock::new(),
            s3: OnceLock::new(),
        }
    }

    /// Uses `client` for the table instead of one built from [`Self::aws`]
    /// (tests use it to count round trips).
    pub fn with_dynamodb(self, client: aws_sdk_dynamodb::Client) -> Self {
        let _ = self.store.set(Store::new(client, self.table_name()));
        self
    }

    /// Uses `clock` for "now" wherever time decides (token times, sessions, limits); tests move it.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Uses `client` for S3 instead of one built from [`Self::aws`] (tests count its calls).
    pub fn with_s3(self, client: aws_sdk_s3::Client) -> Self {
        let _ = self.s3.set(client);
        self
    }

    fn table_name(&self) -> String {
        self.env.string_or(vars::TABLE_NAME, defaults::TABLE_NAME)
    }

    /// The table, with a DynamoDB client built once.
    pub fn store(&self) -> Store {
        self.store
            .get_or_init(|| Store::new(aws_sdk_dynamodb::Client::new(&self.aws), self.table_name()))
            .clone()
    }

    /// On Lambda, does during init (which runs with a full CPU) what the first request would
    /// otherwise pay for: the first use of the random generator (every TLS handshake needs it; its
    /// seeding is the cost README's Performance section discusses), then the DynamoDB connection,
    /// opened with a cheap GetItem whose answer, even AccessDenied, is ignored.
    pub async fn warm_up(&self) {
        if self.env.get(vars::AWS_LAMBDA_FUNCTION_NAME).is_none() {
            return;
        }
        let started = std::time::Instant::now();
        let _ = crate::infra::crypto::random_bytes::<16>();
        tracing::debug!(
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "seeded the random generator"
        );
        if let Some(store) = self.store.get() {
            let started = std::time::Instant::now();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), store.warm_up()).await;
            tracing::debug!(
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "warmed up DynamoDB"
            );
        }
    }

    /// The uploads bucket: an S3 client built once (path-style on the emulator) and the
    /// credentials that sign policies and URLs locally.
    pub fn s3_gateway(&self) -> Result<S3Gateway, ConfigError> {
        let region = self
            .aws
            .region()
            .map(|r| r.to_string())
            .ok_or(ConfigError::Missing(vars::AWS_REGION))?;
        let credentials = self
            .aws
            .credentials_provider()
            .ok_or(ConfigError::Missing(vars::AWS_ACCESS_KEY_ID))?;
        let client = self
            .s3
            .get_or_init(|| {
                let config = s3::client_config(&self.aws).interceptor(SdkTimer(Dependency::S3));
                aws_sdk_s3::Client::from_conf(config.build())
            })
            .clone();
        let config = config::s3_config(&self.env, &region, self.aws.endpoint_url())?;
        Ok(S3Gateway::new(client, config, credentials))
    }

    /// The signer of download URLs on the CDN's domain, when the CDN is configured; its private
    /// key is read once here (from SSM in a deployment).
    pub async fn download_cdn(&self) -> Result<Option<CdnSigner>, ConfigError> {
        if !config::download_cdn_configured(&self.env)? {
            return Ok(None);
        }
        let key = self.secret(vars::DOWNLOAD_PRIVATE_KEY).await?;
        config::cdn_signer(&self.env, &key).map(Some)
    }

    /// The token signer, its private key loaded once (login and refresh only).
    pub async fn token_signer(&self) -> Result<Arc<TokenSigner>, ConfigError> {
        self.signer
            .get_or_try_init(|| async {
                let key = self.secret(vars::JWT_SIGNING_KEY).await?;
                let settings = config::token_settings(&self.env)?;
                TokenSigner::new(&key, settings, self.clock())
                    .map(Arc::new)
                    .map_err(|err| ConfigError::Invalid {
                        name: vars::JWT_SIGNING_KEY,
                        reason: err.to_string(),
                    })
            })
            .await
            .cloned()
    }

    /// The access-token guard (public keys and the session check), built once.
    pub async fn guard(&self) -> Result<Arc<Guard>, ConfigError> {
        self.guard
            .get_or_try_init(|| async {
                let verifier = TokenVerifier::new(
                    config::public_keys(&self.env)?,
                    &config::token_settings(&self.env)?,
                    self.clock(),
                );
                Ok(Arc::new(Guard::new(verifier, self.store(), self.clock())))
            })
            .await
            .cloned()
    }

    /// The WeChat API client with the app secret (login; the access token refresher).
    pub async fn wechat(&self) -> Result<WeChatClient, ConfigError> {
        let secret = self.secret(vars::WECHAT_SECRET).await?;
        self.wechat_client(Some(secret))
    }

    fn wechat_client(&self, secret: Option<Secret>) -> Result<WeChatClient, ConfigError> {
        WeChatClient::new(config::wechat_config(&self.env, secret)?).map_err(|e| ConfigError::Invalid {
            name: vars::WECHAT_API_BASE,
            reason: format!("cannot build the HTTP client: {e}"),
        })
    }

    /// The WeChat access token shared by every instance (kept in the table), for the WeChat
    /// server APIs beyond login. A function given the app secret also refreshes it; the others
    /// (in a deployment, all but the refresher and login) only read it. Built once per process,
    /// so every service of a function shares one copy.
    pub async fn access_tokens(&self) -> Result<AccessTokens, ConfigError> {
        self.access_tokens
            .get_or_try_init(|| async {
                let secret = if self.has_secret(vars::WECHAT_SECRET) {
                    Some(self.secret(vars::WECHAT_SECRET).await?)
                } else {
                    None
                };
                Ok(AccessTokens::new(
                    self.wechat_client(secret)?,
                    self.store(),
                    self.clock(),
                ))
            })
            .await
            .cloned()
    }

    /// The WeChat Pay client; `notifications` also loads the APIv3 key that decrypts them.
    pub async fn wechat_pay(&self, notifications: bool) -> Result<WeChatPayClient, ConfigError> {
        let key = self.secret(vars::WECHAT_PAY_MERCHANT_KEY).await?;
        let api_v3_key = if notifications {
            Some(self.secret(vars::WECHAT_PAY_API_V3_KEY).await?)
        } else {
            None
        };
        WeChatPayClient::new(config::pay_config(&self.env, key, api_v3_key)?, self.clock()).map_err(|e| {
            ConfigError::Invalid {
                name: vars::WECHAT_PAY_API_BASE,
                reason: format!("cannot build the HTTP client: {e}"),
            }
        })
    }

    /// Whether the secret `name` is configured (as itself or as a parameter name).
    pub fn has_secret(&self, name: &'static str) -> bool {
        self.env.get(name).is_some()
            || self
                .env
                .get(&format!("{name}{}", vars::PARAMETER_SUFFIX))
                .is_some()
    }

    /// A secret: the variable `NAME` itself (local development), or else the SSM SecureString
    /// parameter named by `NAME_PARAMETER` (deployments), read once here at cold start.
    pub async fn secret(&self, name: &'static str) -> Result<Secret, ConfigError> {
        if let Some(value) = self.env.get(name) {
            return Ok(Secret::new(value));
        }
        let parameter_var = format!("{name}{}", vars::PARAMETER_SUFFIX);
        let Some(parameter) = self.env.get(&parameter_var) else {
            return Err(ConfigError::Missing(name));
        };
        let failed = |reason: String| ConfigError::Parameter {
            name,
            parameter: parameter.to_owned(),
            reason,
        };
        let output = aws_sdk_ssm::Client::new(&self.aws)
            .get_parameter()
            .name(parameter)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| failed(aws_sdk_ssm::error::DisplayErrorContext(e).to_string()))?;
        output
            .parameter
            .and_then(|p| p.value)
            .map(Secret::new)
            .ok_or_else(|| failed("the parameter has no value".into()))
    }
}

/// Two services at once (an endpoint's service and a helper such as [`Cursors`]).
impl<A: Build, B: Build> Build for (A, B) {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok((A::build(startup).await?, B::build(startup).await?))
    }
}

impl Build for Cursors {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let key = startup.secret(vars::CURSOR_KEY).await?;
        if key.expose().len() < 32 {
            return Err(ConfigError::Invalid {
                name: vars::CURSOR_KEY,
                reason: "must be at least 32 bytes".into(),
            });
        }
        Ok(Cursors::new(&key))
    }
}

/// Endpoints that need nothing.
impl Build for () {
    async fn build(_startup: &Startup) -> Result<Self, ConfigError> {
        Ok(())
    }
}
