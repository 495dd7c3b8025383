//! A local fake of WeChat Pay API v3 for tests: it speaks the real HTTP contract, signatures
//! included. It checks the merchant's `Authorization` signature with the merchant's public key and
//! signs every answer with its own platform key (`Wechatpay-Serial/Timestamp/Nonce/Signature`), so a
//! client that skips either check fails against it. Tests only: it binds to loopback.
//!
//! `POST /v3/pay/transactions/jsapi` answers `{prepay_id}` for a well-formed request and counts the
//! prepays of each `out_trade_no`; `POST /v3/refund/domestic/refunds` answers a refund and counts
//! each `out_refund_no` once, as WeChat Pay refunds it once: a payment takes several refunds, each
//! under its own number, and one that would take the refunds of a payment past its total (or the
//! same number again for another amount) is refused with 400 `INVALID_REQUEST`, as WeChat Pay
//! refuses it; `GET /v3/refund/domestic/refunds/{no}`
//! answers its status (PROCESSING until a test settles it). [`FakePay::notification`] makes the
//! signed, encrypted notification WeChat Pay would send.
//!
//! `GET /v3/bill/tradebill` and `GET /v3/bill/fundflowbill` answer a day's bills from the fake's
//! own records (what was paid and refunded that Beijing day), in WeChat Pay's format, gzipped,
//! with the file's SHA1 in the signed answer and `GET /v3/billdownload/file` serving it; a day
//! without business is `NO_STATEMENT_EXIST`. [`FakePay::plant`] puts differences in them.
//!
//! For `make dev` ([`FakePayConfig::deliver_to`] set), it also delivers: `POST /dev/pay/{out_trade_no}`
//! (not WeChat Pay's API: what the payer's tap would do) pays a prepaid order and posts the signed,
//! encrypted `TRANSACTION.SUCCESS` notification to the order's `notify_url`; a refund succeeds a
//! moment after it is asked and its `REFUND.SUCCESS` notification is posted the same way. A
//! notify URL `https://HOST/PATH` is delivered to `deliver_to` + `/PATH`, since the functions run
//! on this machine over plain HTTP.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use shared::domain::time::Timestamp;
use shared::infra::crypto::{Secret, random_id};
use shared::infra::wechatpay::crypto::MerchantKey;
use tokio::net::TcpListener;

pub use crate::fake_bills::Plant;
use crate::fake_bills::{Merchant, PaidRecord, RefundRecord, fund_flow_bill, gzip, planted, trade_bill};

/// A generated RSA key pair, as the settings name them.
pub struct RsaKeys {
    /// `-----BEGIN PRIVATE KEY-----` PKCS#8 PEM.
    pub private_pem: String,
    /// SubjectPublicKeyInfo DER, base64.
    pub public_der_base64: String,
}

/// A new 2048-bit RSA key pair.
pub fn rsa_keys() -> RsaKeys {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
    let pkcs8: Pkcs8V1Der<'static> = pair.as_der().expect("PKCS#8 encoding");
    let public: PublicKeyX509Der<'static> = pair.public_key().as_der().expect("SPKI encoding");
    let body = STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    RsaKeys {
        private_pem: format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
        public_der_base64: STANDARD.encode(public.as_ref()),
    }
}

/// What the fake expects and how it signs.
pub struct FakePayConfig {
    pub mchid: String,
    pub appid: String,
    /// The merchant's public key (SPKI DER, base64): verifies the Authorization signatures.
    pub merchant_public_der_base64: String,
    /// The fake's platform private key (PKCS#8 PEM) and the id it signs under (`PUB_KEY_ID_...`).
    pub platform_private_pem: String,
    pub platform_key_id: String,
    /// The APIv3 key (32 bytes) that encrypts notifications.
    pub api_v3_key: String,
    /// The time the fake signs at (tests share the functions' clock).
    pub clock: shared::domain::time::Clock,
    /// A platform certificate's key and serial: when given, notifications are signed alternately
    /// by it and by the public key id, as during a merchant's migration between them.
    pub certificate: Option<(String, String)>,
    /// Where notifications are posted (`http://127.0.0.1:9000`): set, the fake pays on
    /// `POST /dev/pay/{out_trade_no}` and settles refunds by itself; unset (tests), it never posts.
    pub deliver_to: Option<String>,
}

/// What a prepay asked, kept so that a payment can be notified.
#[derive(Debug, Clone)]
struct Prepaid {
    total: i64,
    notify_url: String,
    openid: String,
}

#[derive(Default)]
struct State {
    prepays: HashMap<String, u32>,
    /// The last prepay of each out_trade_no.
    prepaid: HashMap<String, Prepaid>,
    /// Notifications made so far (to alternate their signing keys).
    notifications: u64,
    /// Refunds by out_refund_no: how often each was asked.
    refunds: HashMap<String, u32>,
    /// Refunds by out_refund_no: the payment (out_trade_no) and the amount refunded.
    refunded: HashMap<String, (String, i64)>,
    /// Transactions paid (by the payer, in the fake's world): out_trade_no -> (transaction_id, total).
    paid: HashMap<String, (String, i64)>,
    /// Transactions closed.
    closed: HashMap<String, u32>,
    /// Refunds ended (by a test, in the fake's world): out_refund_no -> status.
    refund_status: HashMap<String, String>,
    /// When each transaction was paid, and each refund succeeded: the day of its bill.
    paid_at: HashMap<String, Timestamp>,
    refunded_at: HashMap<String, Timestamp>,
    /// Differences planted in the bills by a test.
    plants: Vec<Plant>,
    /// The bills applied for, by download token: the gzipped file.
    downloads: HashMap<String, Vec<u8>>,
    /// Bill applications answered.
    bill_applications: u32,
    /// Transactions whose query fails (500 SYSTEM_ERROR) until mended, as a test set them.
    broken: std::collections::HashSet<String>,
}

/// A running fake: its address and what it saw.
#[derive(Clone)]
pub struct FakePay {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    shared: Arc<Shared>,
}

/// A notification as WeChat Pay posts it: its signature headers and its body.
#[derive(Debug, Clone)]
pub struct Notification {
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl FakePay {
    /// The refunds asked, by `out_refund_no` (each refunded once, however often it was asked).
    pub fn refunds(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut refunds: Vec<String> = state.refunds.keys().cloned().collect();
        refunds.sort();
        refunds
    }

    /// A `TRANSACTION.SUCCESS` notification for `transaction` (the plaintext resource), encrypted
    /// with the APIv3 key and signed at `timestamp` with the platform key.
    pub fn notification(&self, transaction: &Value, timestamp: i64) -> Notification {
        self.notification_of("TRANSACTION.SUCCESS", "transaction", transaction, timestamp)
    }

    /// A notification of `event_type` (e.g. `REFUND.SUCCESS`) whose resource is `resource` of
    /// `original_type` (`transaction`, `refund`), encrypted and signed as WeChat Pay does.
    pub fn notification_of(
        &self,
        event_type: &str,
        original_type: &str,
        resource: &Value,
        timestamp: i64,
    ) -> Notification {
        use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let (config, _, _, _) = &*self.shared;
        let nonce = random_id(9)[..12].to_owned();
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, config.api_v3_key.as_bytes()).expect("a 32-byte APIv3 key"),
        );
        let mut data = resource.to_string().into_bytes();
        key.seal_in_place_append_tag(
            Nonce::try_assume_unique_for_key(nonce.as_bytes()).expect("a 12-byte nonce"),
            Aad::from(original_type.as_bytes()),
            &mut data,
        )
        .expect("encryption");
        let body = json!({
            "id": format!("EV-{}", random_id(9)),
            "create_time": "2026-11-25T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": STANDARD.encode(&data),
                "associated_data": original_type,
                "nonce": nonce,
            }
        })
        .to_string();
        self.sign_notification(body, timestamp)
    }

    /// Signs `body` as a notification at `timestamp`: alternately with the certificate's key (when
    /// configured) and with the public key id's, as WeChat Pay does while a merchant migrates.
    pub fn sign_notification(&self, body: String, timestamp: i64) -> Notification {
        let (config, platform, _, state) = &*self.shared;
        let turn = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.notifications += 1;
            state.notifications
        };
        let certificate = config
            .certificate
            .as_ref()
            .filter(|_| turn % 2 == 0)
            .map(|(serial, pem)| {
                (
                    serial.clone(),
                    MerchantKey::from_pem(&Secret::new(pem.clone())).expect("a PKCS#8 key"),
                )
            });
        let (serial, key) = match &certificate {
            Some((serial, key)) => (serial.clone(), key),
            None => (config.platform_key_id.clone(), platform),
        };
        let signed_nonce = random_id(16);
        let signature = key
            .sign(format!("{timestamp}\n{signed_nonce}\n{body}\n").as_bytes())
            .expect("signing");
        Notification {
            headers: vec![
                ("wechatpay-serial", serial),
                ("wechatpay-timestamp", timestamp.to_string()),
                ("wechatpay-nonce", signed_nonce),
                ("wechatpay-signature", signature),
            ],
            body,
        }
    }

    /// Makes `out_trade_no` paid now, as if the payer had paid and the notification were lost.
    pub fn pay(&self, out_trade_no: &str, transaction_id: &str, total: i64) {
        let (config, _, _, _) = &*self.shared;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .paid
            .insert(out_trade_no.to_owned(), (transaction_id.to_owned(), total));
        state.paid_at.insert(out_trade_no.to_owned(), config.clock.now());
    }

    /// Pays `out_trade_no` now (see [`Self::pay`]) and makes the `TRANSACTION.SUCCESS`
    /// notification WeChat Pay sends for it.
    pub fn pay_and_notify(
        &self,
        out_trade_no: &str,
        transaction_id: &str,
        total: i64,
        openid: &str,
    ) -> Notification {
        let (config, _, _, _) = &*self.shared;
        self.pay(out_trade_no, transaction_id, total);
        let now = config.clock.now();
        let transaction = json!({
            "mchid": config.mchid, "appid": config.appid, "out_trade_no": out_trade_no,
            "transaction_id": transaction_id, "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS",
            "success_time": shared::infra::wechatpay::client::china_time(now),
            "payer": {"openid": openid},
            "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}
        });
        self.notification(&transaction, now.epoch_secs())
    }

    /// Settles the refund `out_refund_no` (asked of the fake before) as succeeded now, and makes
    /// its `REFUND.SUCCESS` notification.
    pub fn refund_succeeded(&self, out_refund_no: &str) -> Notification {
        let (config, _, _, state) = &*self.shared;
        self.settle_refund(out_refund_no, "SUCCESS");
        let now = config.clock.now();
        let (out_trade_no, refund, total, transaction_id) = {
            let state = state.lock().unwrap_or_else(|p| p.into_inner());
            let (trade, refund) = state.refunded.get(out_refund_no).cloned().unwrap_or_default();
            let (transaction, total) = state.paid.get(&trade).cloned().unwrap_or_default();
            (trade, refund, total, transaction)
        };
        let resource = json!({
            "mchid": config.mchid, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "out_refund_no": out_refund_no, "refund_id": format!("5030{out_refund_no}"),
            "refund_status": "SUCCESS", "success_time": shared::infra::wechatpay::client::china_time(now),
            "amount": {"total": total, "refund": refund, "payer_total": total, "payer_refund": refund}
        });
        self.notification_of("REFUND.SUCCESS", "refund", &resource, now.epoch_secs())
    }

    /// Records that `amount` of the payment of `out_trade_no` was refunded under
    /// `out_refund_no` and succeeded now, as if it had been asked and settled (benchmarks).
    pub fn record_refund(&self, out_refund_no: &str, out_trade_no: &str, amount: i64) {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state
                .refunded
                .insert(out_refund_no.to_owned(), (out_trade_no.to_owned(), amount));
            *state.refunds.entry(out_refund_no.to_owned()).or_default() += 1;
        }
        self.settle_refund(out_refund_no, "SUCCESS");
    }

    /// Plants `plant` in every bill written from now on.
    pub fn plant(&self, plant: Plant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.plants.push(plant);
    }

    /// How many bill applications the fake answered.
    pub fn bill_applications(&self) -> u32 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.bill_applications
    }

    /// Ends the refund `out_refund_no` with `status` (`SUCCESS`, `ABNORMAL`, `CLOSED`), as if its
    /// notification were lost.
    pub fn settle_refund(&self, out_refund_no: &str, status: &str) {
        let (config, _, _, _) = &*self.shared;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .refund_status
            .insert(out_refund_no.to_owned(), status.to_owned());
        if status == "SUCCESS" {
            state
                .refunded_at
                .insert(out_refund_no.to_owned(), config.clock.now());
        }
    }

    /// Forgets the refund `out_refund_no`, as if its request had never reached WeChat Pay.
    pub fn lose_refund(&self, out_refund_no: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.refunds.remove(out_refund_no);
        state.refunded.remove(out_refund_no);
    }

    /// Makes every query of `out_trade_no` fail with a 500 `SYSTEM_ERROR` (`broken`), or work
    /// again.
    pub fn break_queries(&self, out_trade_no: &str, broken: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if broken {
            state.broken.insert(out_trade_no.to_owned());
        } else {
            state.broken.remove(out_trade_no);
        }
    }

    /// How many times `out_trade_no` was closed.
    pub fn closes(&self, out_trade_no: &str) -> u32 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.closed.get(out_trade_no).copied().unwrap_or(0)
    }

    /// How many prepays were made for `out_trade_no`.
    pub fn prepays(&self, out_trade_no: &str) -> u32 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.prepays.get(out_trade_no).copied().unwrap_or(0)
    }
}

/// Binds to a free loopback port and serves in the background.
pub async fn spawn(config: FakePayConfig) -> std::io::Result<FakePay> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    serve(listener, config)
}

/// Serves on `listener` in the background.
pub fn serve(listener: TcpListener, config: FakePayConfig) -> std::io::Result<FakePay> {
    let base_url = format!("http://{}", listener.local_addr()?);
    let state = Arc::new(Mutex::new(State::default()));
    let platform = MerchantKey::from_pem(&Secret::new(config.platform_private_pem.clone()))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let merchant = STANDARD
        .decode(&config.merchant_public_der_base64)
        .ok()
        .and_then(|der| ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).ok())
        .ok_or_else(|| std::io::Error::other("the merchant public key is not an RSA SPKI"))?;
    let shared = Arc::new((config, platform, merchant, state.clone()));
    let fake = FakePay {
        base_url,
        state,
        shared,
    };
    let server = fake.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let fake = server.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let fake = fake.clone();
                    async move { Ok::<_, Infallible>(handle(request, &fake).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(fake)
}

type Shared = (FakePayConfig, MerchantKey, ParsedPublicKey, Arc<Mutex<State>>);

async fn handle(request: Request<Incoming>, fake: &FakePay) -> Response<Full<Bytes>> {
    let (config, platform, merchant, state) = &*fake.shared;
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return answer(
                platform,
                config,
                StatusCode::BAD_REQUEST,
                &error("PARAM_ERROR", "unreadable body"),
            );
        }
    };
    if let Some(out_trade_no) = path.strip_prefix("/dev/pay/")
        && method == "POST"
        && config.deliver_to.is_some()
    {
        return dev_pay(fake, out_trade_no).await;
    }
    if let Err(why) = check_authorization(&authorization, &method, &path, &body, config, merchant) {
        return answer(
            platform,
            config,
            StatusCode::UNAUTHORIZED,
            &error("SIGN_ERROR", &why),
        );
    }
    if method == "GET" && path.starts_with("/v3/bill") {
        return bills(fake, &path);
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(rest) = path.strip_prefix("/v3/pay/transactions/out-trade-no/") {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        if method == "POST" {
            let Some(out_trade_no) = rest.strip_suffix("/close") else {
                return answer(
                    platform,
                    config,
                    StatusCode::NOT_FOUND,
                    &error("NOT_FOUND", "no such API in the fake"),
                );
            };
            if request["mchid"] != config.mchid.as_str() {
                return answer(
                    platform,
                    config,
                    StatusCode::BAD_REQUEST,
                    &error("PARAM_ERROR", "mchid"),
                );
            }
            *state.closed.entry(out_trade_no.to_owned()).or_default() += 1;
            return answer_empty(platform, config);
        }
        let (out_trade_no, query) = rest.split_once('?').unwrap_or((rest, ""));
        if state.broken.contains(out_trade_no) {
            return answer(
                platform,
                config,
                StatusCode::INTERNAL_SERVER_ERROR,
                &error("SYSTEM_ERROR", "the fake was told to fail this query"),
            );
        }
        if query != format!("mchid={}", config.mchid) {
            return answer(
                platform,
                config,
                StatusCode::BAD_REQUEST,
                &error("PARAM_ERROR", "mchid"),
            );
        }
        let transaction = if let Some((transaction_id, total)) = state.paid.get(out_trade_no) {
            let paid_at = state
                .paid_at
                .get(out_trade_no)
                .copied()
                .unwrap_or_else(|| config.clock.now());
            json!({"mchid": config.mchid, "appid": config.appid, "out_trade_no": out_trade_no,
                   "trade_state": "SUCCESS", "transaction_id": transaction_id, "trade_type": "JSAPI",
                   "success_time": shared::infra::wechatpay::client::china_time(paid_at),
                   "payer": {"openid": "o_payer"},
                   "amount": {"total": total, "payer_total": total, "currency": "CNY"}})
        } else if state.closed.contains_key(out_trade_no) {
            json!({"out_trade_no": out_trade_no, "trade_state": "CLOSED"})
        } else if state.prepays.contains_key(out_trade_no) {
            json!({"out_trade_no": out_trade_no, "trade_state": "NOTPAY"})
        } else {
            return answer(
                platform,
                config,
                StatusCode::NOT_FOUND,
                &error("ORDER_NOT_EXIST", "no such order"),
            );
        };
        return answer(platform, config, StatusCode::OK, &transaction);
    }
    if let Some(out_refund_no) = path.strip_prefix("/v3/refund/domestic/refunds/")
        && method == "GET"
    {
        let state = state.lock().unwrap_or_else(|p| p.into_inner());
        if !state.refunds.contains_key(out_refund_no) {
            return answer(
                platform,
                config,
                StatusCode::NOT_FOUND,
                &error("RESOURCE_NOT_EXISTS", "no such refund"),
            );
        }
        let status = state
            .refund_status
            .get(out_refund_no)
            .map_or("PROCESSING", String::as_str);
        let mut refund = json!({"out_refund_no": out_refund_no, "status": status});
        if let Some(at) = state.refunded_at.get(out_refund_no) {
            refund["success_time"] = json!(shared::infra::wechatpay::client::china_time(*at));
        }
        return answer(platform, config, StatusCode::OK, &refund);
    }
    if method == "POST" && path == "/v3/refund/domestic/refunds" {
        let out_refund_no = request["out_refund_no"].as_str().unwrap_or_default().to_owned();
        let refund = request["amount"]["refund"].as_i64().unwrap_or(0);
        let total = request["amount"]["total"].as_i64().unwrap_or(0);
        let notify_ok = request["notify_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://") && !u.contains('?'));
        if out_refund_no.is_empty() || out_refund_no.len() > 64 || refund <= 0 || refund > total || !notify_ok
        {
            return answer(
                platform,
                config,
                StatusCode::BAD_REQUEST,
                &error("PARAM_ERROR", "bad refund"),
            );
        }
        let out_trade_no = request["out_trade_no"]
            .as_str()
            .or(request["transaction_id"].as_str())
            .unwrap_or_default()
            .to_owned();
        {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            let refusal = match state.refunded.get(&out_refund_no) {
                // The same refund asked again: answered, never refunded twice.
                Some((trade, amount)) if *trade == out_trade_no && *amount == refund => None,
                Some(_) => Some("out_refund_no was used for another refund"),
                None => {
                    let before: i64 = state
                        .refunded
                        .values()
                        .filter(|(trade, _)| *trade == out_trade_no)
                        .map(|(_, amount)| amount)
                        .sum();
                    let paid = state
                        .paid
                        .get(&out_trade_no)
                        .map_or(total, |(_, paid_total)| *paid_total);
                    if paid != total {
                        Some("amount.total is not the payment's total")
                    } else if before + refund > total {
                        Some("申请退款金额超过订单可退金额 (the refunds would exceed the payment)")
                    } else {
                        None
                    }
                }
            };
            if let Some(message) = refusal {
                return answer(
                    platform,
                    config,
                    StatusCode::BAD_REQUEST,
                    &error("INVALID_REQUEST", message),
                );
            }
            state
                .refunded
                .insert(out_refund_no.clone(), (out_trade_no, refund));
            *state.refunds.entry(out_refund_no.clone()).or_default() += 1;
        }
        if config.deliver_to.is_some() {
            let (fake, request) = (fake.clone(), request.clone());
            tokio::spawn(async move { fake.settle_and_notify_refund(&request).await });
        }
        return answer(
            platform,
            config,
            StatusCode::OK,
            &json!({"refund_id": format!("5030{}", random_id(9)), "out_refund_no": out_refund_no, "status": "PROCESSING"}),
        );
    }
    if method != "POST" || path != "/v3/pay/transactions/jsapi" {
        return answer(
            platform,
            config,
            StatusCode::NOT_FOUND,
            &error("NOT_FOUND", "no such API in the fake"),
        );
    }
    let out_trade_no = request["out_trade_no"].as_str().unwrap_or_default().to_owned();
    let valid = request["appid"] == config.appid.as_str()
        && request["mchid"] == config.mchid.as_str()
        && (6..=32).contains(&out_trade_no.len())
        && request["amount"]["total"].as_i64().is_some_and(|t| t > 0)
        && request["amount"]["currency"] == "CNY"
        && request["payer"]["openid"].as_str().is_some_and(|o| !o.is_empty())
        && request["notify_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://") && !u.contains('?'))
        && request["time_expire"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00"))
        && request["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty() && d.chars().count() <= 127);
    if !valid {
        return answer(
            platform,
            config,
            StatusCode::BAD_REQUEST,
            &error("PARAM_ERROR", "a parameter is missing or invalid"),
        );
    }
    {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        *state.prepays.entry(out_trade_no.clone()).or_default() += 1;
        state.prepaid.insert(
            out_trade_no,
            Prepaid {
                total: request["amount"]["total"].as_i64().unwrap_or(0),
                notify_url: request["notify_url"].as_str().unwrap_or_default().to_owned(),
                openid: request["payer"]["openid"].as_str().unwrap_or_default().to_owned(),
            },
        );
    }
    let prepay_id = format!("wx{}", random_id(18).replace(['-', '_'], "0"));
    answer(
        platform,
        config,
        StatusCode::OK,
        &json!({ "prepay_id": prepay_id }),
    )
}

/// `GET /v3/bill/tradebill`, `GET /v3/bill/fundflowbill` (a day's bill: a signed answer with its
/// hash and where to download it) and `GET /v3/billdownload/file?token=..` (the gzipped file,
/// unsigned, as WeChat Pay serves it). A day without payments or refunds has no bill
/// (`NO_STATEMENT_EXIST`).
fn bills(fake: &FakePay, path: &str) -> Response<Full<Bytes>> {
    let (config, platform, _, state) = &*fake.shared;
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let refuse = |status, code: &str, message: &str| answer(platform, config, status, &error(code, message));
    if route == "/v3/billdownload/file" {
        let state = state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(file) = state.downloads.get(param("token")) else {
            return refuse(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "no such download");
        };
        let mut response = Response::new(Full::new(Bytes::from(file.clone())));
        response.headers_mut().insert(
            "content-type",
            hyper::header::HeaderValue::from_static("application/octet-stream"),
        );
        return response;
    }
    let date = param("bill_date");
    let well_formed = date.len() == 10
        && param("tar_type") == "GZIP"
        && match route {
            "/v3/bill/tradebill" => param("bill_type") == "ALL",
            "/v3/bill/fundflowbill" => param("account_type") == "BASIC",
            _ => return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no such API in the fake"),
        };
    if !well_formed {
        return refuse(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "bill_date, bill_type, account_type or tar_type",
        );
    }
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    let beijing = |at: &Timestamp| {
        at.inner()
            .with_timezone(&shared::domain::time::china())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let paid: Vec<PaidRecord> = state
        .paid
        .iter()
        .filter_map(|(no, (transaction, total))| {
            let at = state.paid_at.get(no).filter(|at| at.china_day() == date)?;
            Some(PaidRecord {
                out_trade_no: no.clone(),
                transaction_id: transaction.clone(),
                total_fen: *total,
                at: beijing(at),
            })
        })
        .collect();
    let refunds: Vec<RefundRecord> = state
        .refunded
        .iter()
        .filter_map(|(no, (trade, amount))| {
            let at = state.refunded_at.get(no).filter(|at| at.china_day() == date)?;
            Some(RefundRecord {
                out_trade_no: trade.clone(),
                transaction_id: state.paid.get(trade).map(|(t, _)| t.clone()).unwrap_or_default(),
                out_refund_no: no.clone(),
                refund_id: format!("5030{no}"),
                amount_fen: *amount,
                at: beijing(at),
            })
        })
        .collect();
    if paid.is_empty() && refunds.is_empty() && state.plants.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "NO_STATEMENT_EXIST",
            "当日无账单 (no bill for that day)",
        );
    }
    let (paid, refunds) = planted(paid, refunds, &state.plants, &format!("{date} 12:00:00"));
    let merchant = Merchant {
        appid: &config.appid,
        mchid: &config.mchid,
    };
    let text = if route == "/v3/bill/tradebill" {
        trade_bill(&merchant, &paid, &refunds)
    } else {
        fund_flow_bill(&paid, &refunds)
    };
    let hash = if state.plants.contains(&Plant::WrongHash) {
        shared::infra::wechatpay::bills::sha1_hex(b"another file")
    } else {
        shared::infra::wechatpay::bills::sha1_hex(text.as_bytes())
    };
    let token = random_id(24);
    state.downloads.insert(token.clone(), gzip(text.as_bytes()));
    state.bill_applications += 1;
    let base = &fake.base_url;
    answer(
        platform,
        config,
        StatusCode::OK,
        &json!({"hash_type": "SHA1", "hash_value": hash,
                "download_url": format!("{base}/v3/billdownload/file?token={token}")}),
    )
}

/// `POST /dev/pay/{out_trade_no}`: the payer pays; the notification is posted to the order's
/// notify URL. Answers how our notify route answered.
async fn dev_pay(fake: &FakePay, out_trade_no: &str) -> Response<Full<Bytes>> {
    let (config, platform, _, state) = &*fake.shared;
    let prepaid = {
        let state = state.lock().unwrap_or_else(|p| p.into_inner());
        state.prepaid.get(out_trade_no).cloned()
    };
    let Some(prepaid) = prepaid else {
        return answer(
            platform,
            config,
            StatusCode::NOT_FOUND,
            &error("ORDER_NOT_EXIST", "no prepay for this order: call payOrder first"),
        );
    };
    let transaction_id = format!("4200{}", &random_digits(24)[..24]);
    fake.pay(out_trade_no, &transaction_id, prepaid.total);
    let transaction = json!({
        "mchid": config.mchid, "appid": config.appid, "out_trade_no": out_trade_no,
        "transaction_id": transaction_id, "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": shared::infra::wechatpay::client::china_time(config.clock.now()),
        "payer": {"openid": prepaid.openid},
        "amount": {"total": prepaid.total, "payer_total": prepaid.total, "currency": "CNY", "payer_currency": "CNY"}
    });
    let notification = fake.notification(&transaction, config.clock.now().epoch_secs());
    let delivered = fake.deliver(&prepaid.notify_url, &notification).await;
    answer(
        platform,
        config,
        StatusCode::OK,
        &json!({ "transaction_id": transaction_id, "notified": delivered }),
    )
}

/// `n` random decimal digits.
fn random_digits(n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + (shared::infra::crypto::random_u64() % 10) as u8))
        .collect()
}

impl FakePay {
    /// Posts `notification` to `notify_url` as delivered to `deliver_to`; answers our status code.
    async fn deliver(&self, notify_url: &str, notification: &Notification) -> Value {
        let (config, _, _, _) = &*self.shared;
        let Some(base) = &config.deliver_to else {
            return json!("not delivered: no deliver_to");
        };
        let path = notify_url
            .strip_prefix("https://")
            .and_then(|rest| rest.find('/').map(|slash| &rest[slash..]))
            .unwrap_or("/");
        let mut request = reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(notification.body.clone());
        for (name, value) in &notification.headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => json!(response.status().as_u16()),
            Err(err) => json!(format!("not delivered: {err}")),
        }
    }

    /// Settles a refund as WeChat Pay would a moment later, and posts its notification.
    async fn settle_and_notify_refund(&self, request: &Value) {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let out_refund_no = request["out_refund_no"].as_str().unwrap_or_default();
        self.settle_refund(out_refund_no, "SUCCESS");
        let (config, _, _, state) = &*self.shared;
        let out_trade_no = request["out_trade_no"].as_str().unwrap_or_default();
        let transaction_id = {
            let state = state.lock().unwrap_or_else(|p| p.into_inner());
            state
                .paid
                .get(out_trade_no)
                .map(|(id, _)| id.clone())
                .unwrap_or_default()
        };
        let refund = json!({
            "mchid": config.mchid, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "out_refund_no": out_refund_no, "refund_id": format!("5030{}", random_digits(25)),
            "refund_status": "SUCCESS", "success_time": shared::infra::wechatpay::client::china_time(config.clock.now()),
            "amount": {"total": request["amount"]["total"], "refund": request["amount"]["refund"],
                       "payer_total": request["amount"]["total"], "payer_refund": request["amount"]["refund"]}
        });
        let notification = self.notification_of(
            "REFUND.SUCCESS",
            "refund",
            &refund,
            config.clock.now().epoch_secs(),
        );
        let notify_url = request["notify_url"].as_str().unwrap_or_default();
        let delivered = self.deliver(notify_url, &notification).await;
        println!("refund {out_refund_no}: REFUND.SUCCESS notified: {delivered}");
    }
}

/// Checks `WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."`.
fn check_authorization(
    header: &str,
    method: &str,
    path: &str,
    body: &[u8],
    config: &FakePayConfig,
    merchant: &ParsedPublicKey,
) -> Result<(), String> {
    let fields = header
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .ok_or("not a WECHATPAY2-SHA256-RSA2048 authorization")?;
    let field = |name: &str| {
        fields.split(',').find_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            (key == name).then(|| value.trim_matches('"').to_owned())
        })
    };
    let (Some(mchid), Some(nonce), Some(timestamp), Some(signature)) = (
        field("mchid"),
        field("nonce_str"),
        field("timestamp"),
        field("signature"),
    ) else {
        return Err("a field of the authorization is missing".into());
    };
    if mchid != config.mchid || field("serial_no").is_none_or(|s| s.is_empty()) {
        return Err("unknown merchant or serial".into());
    }
    let mut message = format!("{method}\n{path}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| "the signature is not base64")?;
    merchant
        .verify_sig(&message, &signature)
        .map_err(|_| "the signature does not verify".to_owned())
}

fn error(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// A 204, signed over its empty body.
fn answer_empty(platform: &MerchantKey, config: &FakePayConfig) -> Response<Full<Bytes>> {
    let mut response = answer(platform, config, StatusCode::NO_CONTENT, &Value::Null);
    let timestamp = config.clock.now().epoch_secs().to_string();
    let nonce = random_id(16);
    let signature = platform
        .sign(format!("{timestamp}\n{nonce}\n\n").as_bytes())
        .unwrap_or_default();
    *response.body_mut() = Full::new(Bytes::new());
    let headers = response.headers_mut();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
    ] {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// An answer signed as WeChat Pay signs: over `timestamp\nnonce\nbody\n` with the platform key.
fn answer(
    platform: &MerchantKey,
    config: &FakePayConfig,
    status: StatusCode,
    body: &Value,
) -> Response<Full<Bytes>> {
    let body = body.to_string();
    let timestamp = config.clock.now().epoch_secs().to_string();
    let nonce = random_id(16);
    let signature = platform
        .sign(format!("{timestamp}\n{nonce}\n{body}\n").as_bytes())
        .unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-type", "application/json".to_owned()),
        ("wechatpay-serial", config.platform_key_id.clone()),
        ("wechatpay-timestamp", timestamp),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
    ] {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
