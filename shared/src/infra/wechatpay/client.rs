//! The WeChat Pay API v3 client: JSAPI prepay (the mini-program payment) and the parameters of
//! `wx.requestPayment`. Every request is signed with the merchant key; every answer's signature is
//! verified before its body is believed.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::crypto::{MerchantKey, PayCryptoError, PlatformKeys, SignatureHeaders};
use crate::domain::orders::PaymentNotice;
use crate::domain::time::{Clock, Timestamp};
use crate::infra::BoxError;
use crate::infra::crypto::random_id;

/// Longest wait for a TCP/TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for a whole call.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
const JSAPI_PATH: &str = "/v3/pay/transactions/jsapi";
const REFUND_PATH: &str = "/v3/refund/domestic/refunds";

/// The merchant's settings.
pub struct PayConfig {
    pub mchid: String,
    /// The mini-program's appid (the payment's `appid` and `paySign`'s `appId`).
    pub appid: String,
    /// The merchant API certificate's serial (`serial_no` of the Authorization header).
    pub serial_no: String,
    pub merchant_key: MerchantKey,
    pub platform_keys: PlatformKeys,
    /// Where WeChat Pay posts payment notifications: https, no query.
    pub notify_url: String,
    /// Where WeChat Pay posts refund notifications: https, no query.
    pub refund_notify_url: String,
    /// `https://api.mch.weixin.qq.com`, or a fake's address.
    pub api_base: String,
    /// The APIv3 key that encrypts notifications (only the notification function has it).
    pub api_v3_key: Option<crate::infra::crypto::Secret>,
}

/// Why a notification was not believed.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Unsigned, forged, stale, or signed by a key we do not know.
    #[error("the notification's signature: {0}")]
    Signature(PayCryptoError),
    /// Signed but not the documented shape, or its resource does not decrypt.
    #[error("the notification is malformed: {0}")]
    Malformed(String),
}

/// A verified, decrypted notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: String,
    pub event_type: String,
    /// The decrypted resource (a transaction or a refund, as JSON).
    pub resource: Vec<u8>,
}

#[derive(Deserialize)]
struct NotificationBody {
    id: String,
    event_type: String,
    resource: EncryptedResource,
}

#[derive(Deserialize)]
struct EncryptedResource {
    algorithm: String,
    ciphertext: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
}

/// How a WeChat Pay call failed.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// Down, slow, or answering something unsigned or not its contract: retry later.
    #[error("WeChat Pay is unavailable while {context}")]
    Unavailable {
        context: &'static str,
        #[source]
        source: BoxError,
    },
    /// WeChat Pay refused the request (a configuration or a parameter problem).
    #[error("WeChat Pay refused {context}: HTTP {status} {code}: {message}")]
    Rejected {
        context: &'static str,
        status: u16,
        code: String,
        message: String,
    },
    #[error(transparent)]
    Crypto(#[from] PayCryptoError),
}

/// What a prepay needs.
#[derive(Debug, Clone)]
pub struct PrepayRequest<'a> {
    /// Our order id (6-32 characters).
    pub out_trade_no: &'a str,
    /// Shown to the payer (at most 127 characters).
    pub description: &'a str,
    pub total_fen: i64,
    pub payer_openid: &'a str,
    /// After this the order cannot be paid (at least one minute ahead).
    pub time_expire: Timestamp,
}

/// Exactly the parameters of `wx.requestPayment`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PaymentParams {
    pub time_stamp: String,
    pub nonce_str: String,
    pub package: String,
    pub sign_type: &'static str,
    pub pay_sign: String,
}

/// A transaction as WeChat Pay's query answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct TransactionState {
    pub trade_state: String,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub success_time: Option<String>,
    #[serde(default)]
    pub amount: Option<TransactionAmount>,
}

/// The amount of a [`TransactionState`].
#[derive(Debug, Clone, Deserialize)]
pub struct TransactionAmount {
    pub total: i64,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A refund as WeChat Pay's query answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundState {
    /// `SUCCESS`, `PROCESSING`, `ABNORMAL` or `CLOSED`.
    pub status: String,
    /// When it succeeded (RFC 3339, China time), on a success.
    #[serde(default)]
    pub success_time: Option<String>,
}

impl RefundState {
    /// When the refund succeeded, as WeChat Pay says (`now` when it does not).
    pub fn succeeded_at(&self, now: Timestamp) -> Timestamp {
        self.success_time
            .as_deref()
            .and_then(Timestamp::parse)
            .unwrap_or(now)
    }
}

#[derive(Deserialize)]
struct PrepayAnswer {
    prepay_id: String,
}

#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The client, built once per process.
#[derive(Clone)]
pub struct WeChatPayClient {
    http: reqwest::Client,
    config: Arc<PayConfig>,
    clock: Clock,
}

fn unavailable(context: &'static str, source: impl Into<BoxError>) -> PayError {
    PayError::Unavailable {
        context,
        source: source.into(),
    }
}

/// WeChat Pay's time format: RFC 3339 to the second, in China time (`2026-11-24T18:13:21+08:00`).
pub fn china_time(at: Timestamp) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(china) => at
            .inner()
            .with_timezone(&china)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => at.inner().format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
    }
}

impl WeChatPayClient {
    pub fn new(config: PayConfig, clock: Clock) -> Result<Self, reqwest::Error> {
        let http = crate::infra::http_client(&config.api_base, CONNECT_TIMEOUT, TOTAL_TIMEOUT)?;
        Ok(Self {
            http,
            config: Arc::new(config),
            clock,
        })
    }

    /// A JSAPI prepay for `request`: the `prepay_id` (valid two hours).
    #[tracing::instrument(skip_all)]
    pub async fn jsapi_prepay(&self, request: &PrepayRequest<'_>) -> Result<String, PayError> {
        const CONTEXT: &str = "creating the prepay";
        let config = &self.config;
        let body = json!({
            "appid": config.appid,
            "mchid": config.mchid,
            "description": request.description,
            "out_trade_no": request.out_trade_no,
            "time_expire": china_time(request.time_expire),
            "notify_url": config.notify_url,
            "amount": {"total": request.total_fen, "currency": "CNY"},
            "payer": {"openid": request.payer_openid},
        })
        .to_string();
        let answer = self.call(CONTEXT, "POST", JSAPI_PATH, body).await?;
        let prepay: PrepayAnswer = serde_json::from_slice(&answer)
            .map_err(|e| unavailable(CONTEXT, format!("the answer is not a prepay: {e}")))?;
        if prepay.prepay_id.is_empty() {
            return Err(unavailable(CONTEXT, "the answer has no prepay_id"));
        }
        Ok(prepay.prepay_id)
    }

    /// What WeChat Pay knows of the transaction of `out_trade_no`: `None` when it has none (never
    /// prepaid). One GET.
    #[tracing::instrument(skip_all)]
    pub async fn query(&self, out_trade_no: &str) -> Result<Option<TransactionState>, PayError> {
        const CONTEXT: &str = "querying the transaction";
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.config.mchid
        );
        match self.call(CONTEXT, "GET", &path, String::new()).await {
            Ok(answer) => serde_json::from_slice(&answer)
                .map(Some)
                .map_err(|e| unavailable(CONTEXT, format!("the answer is not a transaction: {e}"))),
            Err(PayError::Rejected { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The transaction of `out_trade_no` as a payment notification would carry it, when WeChat
    /// Pay has it paid (`trade_state` SUCCESS); `None` otherwise. One GET.
    #[tracing::instrument(skip_all)]
    pub async fn query_payment(&self, out_trade_no: &str) -> Result<Option<PaymentNotice>, PayError> {
        const CONTEXT: &str = "querying the transaction";
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.config.mchid
        );
        let answer = match self.call(CONTEXT, "GET", &path, String::new()).await {
            Ok(answer) => answer,
            Err(PayError::Rejected { status: 404, .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        let state: TransactionState = serde_json::from_slice(&answer)
            .map_err(|e| unavailable(CONTEXT, format!("the answer is not a transaction: {e}")))?;
        if state.trade_state != "SUCCESS" {
            return Ok(None);
        }
        serde_json::from_slice(&answer)
            .map(Some)
            .map_err(|e| unavailable(CONTEXT, format!("the answer is not a paid transaction: {e}")))
    }

    /// Closes the transaction of `out_trade_no`, so it can no longer be paid. One POST (204).
    #[tracing::instrument(skip_all)]
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PayError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
        let body = json!({ "mchid": self.config.mchid }).to_string();
        self.call("closing the transaction", "POST", &path, body).await?;
        Ok(())
    }

    /// Asks WeChat Pay to refund `refund_fen` of the transaction of `out_trade_no`. The same
    /// `out_refund_no` never refunds twice, so a retry is safe.
    #[tracing::instrument(skip_all)]
    pub async fn refund(
        &self,
        out_trade_no: &str,
        out_refund_no: &str,
        total_fen: i64,
        refund_fen: i64,
        reason: &str,
    ) -> Result<(), PayError> {
        let body = json!({
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": reason,
            "notify_url": self.config.refund_notify_url,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        })
        .to_string();
        self.call("asking for a refund", "POST", REFUND_PATH, body)
            .await?;
        Ok(())
    }

    /// What WeChat Pay knows of the refund `out_refund_no`: `None` when it has none (the request
    /// never reached it). One GET.
    #[tracing::instrument(skip_all)]
    pub async fn refund_state(&self, out_refund_no: &str) -> Result<Option<RefundState>, PayError> {
        const CONTEXT: &str = "querying the refund";
        let path = format!("{REFUND_PATH}/{out_refund_no}");
        match self.call(CONTEXT, "GET", &path, String::new()).await {
            Ok(answer) => serde_json::from_slice(&answer)
                .map(Some)
                .map_err(|e| unavailable(CONTEXT, format!("the answer is not a refund: {e}"))),
            Err(PayError::Rejected { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Verifies a notification (its signature, under the key its serial names, within five
    /// minutes) and decrypts its resource. Nothing of an unverified notification is read.
    pub fn open_notification(
        &self,
        headers: &SignatureHeaders,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        self.config
            .platform_keys
            .verify(headers.over(body), self.clock.now())
            .map_err(NotifyError::Signature)?;
        let notice: NotificationBody =
            serde_json::from_slice(body).map_err(|e| NotifyError::Malformed(e.to_string()))?;
        if notice.resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(NotifyError::Malformed(format!(
                "unknown algorithm {}",
                notice.resource.algorithm
            )));
        }
        let key = self
            .config
            .api_v3_key
            .as_ref()
            .ok_or_else(|| NotifyError::Malformed("no APIv3 key is configured".into()))?;
        let resource = super::crypto::decrypt_resource(
            key,
            &notice.resource.nonce,
            &notice.resource.associated_data,
            &notice.resource.ciphertext,
        )
        .map_err(|e| NotifyError::Malformed(e.to_string()))?;
        Ok(Notification {
            id: notice.id,
            event_type: notice.event_type,
            resource,
        })
    }

    pub fn mchid(&self) -> &str {
        &self.config.mchid
    }

    pub fn appid(&self) -> &str {
        &self.config.appid
    }

    /// The parameters of `wx.requestPayment` for `prepay_id`, signed with the merchant key.
    pub fn request_payment(&self, prepay_id: &str) -> Result<PaymentParams, PayError> {
        let time_stamp = self.clock.now().epoch_secs().to_string();
        let nonce_str = random_id(24);
        let package = format!("prepay_id={prepay_id}");
        let pay_sign =
            self.config
                .merchant_key
                .pay_sign(&self.config.appid, &time_stamp, &nonce_str, &package)?;
        Ok(PaymentParams {
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA",
            pay_sign,
        })
    }

    /// The `Authorization` header of a request of `method` to `path` (with its query) with `body`.
    fn authorization(&self, method: &str, path: &str, body: &str) -> Result<String, PayError> {
        let config = &self.config;
        let timestamp = self.clock.now().epoch_secs();
        let nonce = random_id(24);
        Ok(config.merchant_key.authorization(
            &config.mchid,
            &config.serial_no,
            method,
            path,
            timestamp,
            &nonce,
            body,
        )?)
    }

    /// A signed GET of `url` whose answer WeChat Pay does not sign (a bill's file: its hash is
    /// checked instead). `url` must be on WeChat Pay's own host (the configured base), so the
    /// signed request never goes elsewhere. Answers at most `limit` bytes of a 200's body.
    pub(super) async fn download(
        &self,
        context: &'static str,
        url: &str,
        limit: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, PayError> {
        let path = url
            .strip_prefix(self.config.api_base.as_str())
            .filter(|path| path.starts_with('/'))
            .ok_or_else(|| unavailable(context, "the download URL is not on WeChat Pay's host"))?;
        let authorization = self.authorization("GET", path, "")?;
        let sent = self
            .http
            .get(url)
            .timeout(timeout)
            .header("authorization", authorization)
            .header("user-agent", "wx-serverless")
            .send();
        crate::infra::timing::timed(crate::infra::timing::Dependency::WeChatPay, async {
            let mut response = sent.await.map_err(|e| unavailable(context, e.without_url()))?;
            let status = response.status();
            if !status.is_success() {
                return Err(unavailable(context, format!("HTTP {status}")));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| unavailable(context, e.without_url()))?
            {
                if body.len() + chunk.len() > limit {
                    return Err(unavailable(
                        context,
                        format!("the file is larger than {limit} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
        .await
    }

    /// One signed call; answers the verified body of a 2xx.
    pub(super) async fn call(
        &self,
        context: &'static str,
        method: &str,
        path: &str,
        body: String,
    ) -> Result<Vec<u8>, PayError> {
        let config = &self.config;
        let authorization = self.authorization(method, path, &body)?;
        let http_method = if method == "GET" {
            reqwest::Method::GET
        } else {
            reqwest::Method::POST
        };
        let builder = self
            .http
            .request(http_method, format!("{}{path}", config.api_base));
        let builder = if body.is_empty() {
            builder
        } else {
            builder.body(body)
        };
        let sent = builder
            .header("authorization", authorization)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("user-agent", "wx-serverless")
            .send();
        let (status, signature, answer) =
            crate::infra::timing::timed(crate::infra::timing::Dependency::WeChatPay, async {
                let response = sent.await.map_err(|e| unavailable(context, e.without_url()))?;
                let status = response.status();
                let signature = SignatureHeaders::from_headers(response.headers());
                let answer = response
                    .bytes()
                    .await
                    .map_err(|e| unavailable(context, e.without_url()))?;
                Ok::<_, PayError>((status, signature, answer))
            })
            .await?;
        if !status.is_success() {
            let error: ErrorAnswer = serde_json::from_slice(&answer).unwrap_or_default();
            if status.is_server_error() {
                return Err(unavailable(context, format!("HTTP {status} {}", error.code)));
            }
            return Err(PayError::Rejected {
                context,
                status: status.as_u16(),
                code: error.code,
                message: error.message,
            });
        }
        config
            .platform_keys
            .verify(signature.over(&answer), self.clock.now())
            .map_err(|e| unavailable(context, format!("the answer's signature: {e}")))?;
        Ok(answer.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_sent_in_china_time_to_the_second() {
        let at = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        assert_eq!(china_time(at), "2023-11-15T06:13:20+08:00");
    }
}
