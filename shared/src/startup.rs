//! What a function builds once per cold start: the environment snapshot, the AWS SDK config,
//! and the shared services, each built at most once.

use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;

use crate::auth::TokenService;
use crate::config::{AuthConfig, ConfigError, Env, Secret, WeChatConfig, defaults, vars};
use crate::files::Files;
use crate::store::Store;
use crate::uploads::UploadConfig;
use crate::wechat::WeChatClient;

/// The S3 client config for `aws`: path-style when the endpoint is overridden.
pub fn s3_config(aws: &aws_config::SdkConfig) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::from(aws).force_path_style(aws.endpoint_url().is_some())
}

/// The cold-start context handed to every [`crate::http::Endpoint::build`].
pub struct Startup {
    pub env: Env,
    pub aws: aws_config::SdkConfig,
    tokens: OnceCell<Arc<TokenService>>,
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
            tokens: OnceCell::new(),
            store: OnceLock::new(),
            s3: OnceLock::new(),
        }
    }

    /// Uses `client` for the table instead of one built from [`Self::aws`]
    /// (tests use it to count round trips).
    pub fn with_dynamodb(self, client: aws_sdk_dynamodb::Client) -> Self {
        let table = self.env.string_or(vars::TABLE_NAME, defaults::TABLE_NAME);
        let _ = self.store.set(Store::new(client, table));
        self
    }

    /// The table, with a DynamoDB client built once.
    pub fn store(&self) -> Store {
        self.store
            .get_or_init(|| {
                let table = self.env.string_or(vars::TABLE_NAME, defaults::TABLE_NAME);
                Store::new(aws_sdk_dynamodb::Client::new(&self.aws), table)
            })
            .clone()
    }

    /// On Lambda, opens the DynamoDB connection during init (which runs with a full CPU) instead of
    /// on the first request: a cheap GetItem whose answer, even AccessDenied, is ignored.
    pub async fn warm_up(&self) {
        if self.env.get("AWS_LAMBDA_FUNCTION_NAME").is_none() {
            return;
        }
        if let Some(store) = self.store.get() {
            let started = std::time::Instant::now();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), store.warm_up()).await;
            tracing::debug!(
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "warmed up DynamoDB"
            );
        }
    }

    /// Uses `client` for S3 instead of one built from [`Self::aws`] (tests count its calls).
    pub fn with_s3(self, client: aws_sdk_s3::Client) -> Self {
        let _ = self.s3.set(client);
        self
    }

    /// The S3 client, built once: path-style addressing when the endpoint is overridden
    /// (the local emulator).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.s3
            .get_or_init(|| aws_sdk_s3::Client::from_conf(s3_config(&self.aws).build()))
            .clone()
    }

    /// Upload and file-URL settings.
    pub fn upload_config(&self) -> Result<UploadConfig, ConfigError> {
        let region = self
            .aws
            .region()
            .map(|r| r.to_string())
            .ok_or(ConfigError::Missing("AWS_REGION"))?;
        UploadConfig::from_env(&self.env, &region, self.aws.endpoint_url())
    }

    /// The file service: upload policies and presigned download URLs, no network call per request.
    pub fn files(&self) -> Result<Files, ConfigError> {
        let credentials = self
            .aws
            .credentials_provider()
            .ok_or(ConfigError::Missing("AWS_ACCESS_KEY_ID"))?;
        Ok(Files::new(self.s3(), self.upload_config()?, credentials))
    }

    /// The token service, its key loaded once.
    pub async fn token_service(&self) -> Result<Arc<TokenService>, ConfigError> {
        self.tokens
            .get_or_try_init(|| async {
                let secret = self.secret(vars::JWT_SECRET).await?;
                Ok(Arc::new(TokenService::new(&AuthConfig::new(&self.env, secret)?)))
            })
            .await
            .cloned()
    }

    /// The WeChat API client.
    pub async fn wechat(&self) -> Result<WeChatClient, ConfigError> {
        let secret = self.secret(vars::WECHAT_SECRET).await?;
        WeChatClient::new(WeChatConfig::new(&self.env, secret)?)
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
