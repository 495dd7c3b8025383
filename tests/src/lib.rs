//! Test harness: a fresh table in the local AWS emulator per test, the fake WeChat server,
//! handlers called in-process with real events, round trips counted, log lines captured.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::Method;
use lambda_http::{Body, Request, RequestExt as _};
use serde_json::Value;
use shared::domain::time::Clock;
use shared::infra::crypto::random_id;
use shared::infra::store::{Store, keys};
use shared::runtime::config::{Env, vars};
use shared::runtime::http::{Adapter, Endpoint};
use shared::runtime::startup::Startup;
use tools::fake_wechat::{self, FakeWeChatConfig};

pub mod console;
pub mod faults;

pub const APPID: &str = "wxtestappid000001";
pub const WECHAT_SECRET: &str = "test-wechat-app-secret-0f1e2d3c";

/// Rates high enough that no test but the limits' own meets them.
pub const RELAXED_LIMITS: &str = "login=1000/60,login-failure=1000/60,login-user=1000/60,refresh=1000/60,refresh-failure=1000/60,refresh-session=1000/60,order=1000/60,upload=1000/60,profile=1000/60,code=1000/60,sign-in=1000/60";

/// The role whose sessions may call the operators' IAM route in tests.
pub const OPERATOR_ROLE: &str = "arn:aws:iam::123456789012:role/shop-shippers";

/// The access-token key pair of this test process: (`kid:base64 PKCS#8`, `kid:base64url public`).
pub fn signing_keys() -> &'static (String, String) {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (private, public) = shared::infra::tokens::new_key_pair("test-1").expect("a key pair");
        (private.expose().to_owned(), public)
    })
}

/// Everything a test needs: the environment the functions see and the emulator's table.
pub struct TestApp {
    pub env: Env,
    pub aws: aws_config::SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: String,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    s3_calls: Arc<AtomicUsize>,
    pub wechat_base: String,
    pub wechat: FakeWeChatConfig,
    /// The functions' clock: move it forward instead of sleeping.
    pub clock: Clock,
    round_trips: Arc<AtomicUsize>,
}

/// A response, parsed.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: lambda_http::http::HeaderMap,
}

impl Reply {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

/// Counts round trips: responses a client received (presigning sends nothing: not counted).
#[derive(Debug)]
struct CountCalls(Arc<AtomicUsize>);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "CountCalls"
    }

    fn read_before_deserialization(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Every log line written by the functions in this test process.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

/// Every metrics (EMF) line written by the functions in this test process, parsed.
pub fn captured_metrics() -> Vec<Value> {
    log_buffer();
    metrics_buffer()
        .lock()
        .unwrap()
        .iter()
        .map(|line| serde_json::from_str(line).expect("an EMF line is JSON"))
        .collect()
}

fn metrics_buffer() -> &'static Arc<Mutex<Vec<String>>> {
    static LINES: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LINES.get_or_init(Default::default)
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || BufferWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        let lines = metrics_buffer().clone();
        shared::runtime::metrics::capture(move |line| lines.lock().unwrap().push(line.to_owned()));
        buffer
    })
}

struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The local AWS emulator's endpoint; `make test` starts one and sets it.
pub fn emulator_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL must point at the local AWS emulator: run the tests with `make test`")
}

/// An SDK config for the emulator.
pub async fn emulator_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emulator_endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "emulator",
        ))
        .load()
        .await
}

/// A new app: its own table, the fake WeChat (the one `make test` started, or one in-process).
pub async fn spawn_app() -> TestApp {
    log_buffer();
    let aws = emulator_config().await;
    let round_trips = Arc::new(AtomicUsize::new(0));
    let dynamodb_config = aws_sdk_dynamodb::config::Builder::from(&aws)
        .interceptor(CountCalls(round_trips.clone()))
        .build();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(dynamodb_config);
    let table = format!("test-{}", random_id(9).replace(['-', '_'], "x"));
    shared::infra::store::schema::create_table(&dynamodb, &table)
        .await
        .expect("create the test table in the emulator");

    let s3_calls = Arc::new(AtomicUsize::new(0));
    let s3 = aws_sdk_s3::Client::from_conf(
        shared::infra::s3::client_config(&aws)
            .interceptor(CountCalls(s3_calls.clone()))
            .build(),
    );
    let bucket = format!("test-{}", random_id(9).to_lowercase().replace(['-', '_'], "x"));
    tools::admin::create_bucket(&s3, &bucket)
        .await
        .expect("create the test bucket in the emulator");

    let (wechat_base, wechat) = match std::env::var("TEST_FAKE_WECHAT_URL") {
        Ok(url) => (
            url,
            FakeWeChatConfig {
                appid: std::env::var("TEST_FAKE_WECHAT_APPID").expect("TEST_FAKE_WECHAT_APPID"),
                secret: std::env::var("TEST_FAKE_WECHAT_SECRET").expect("TEST_FAKE_WECHAT_SECRET"),
                push: None,
                developer: None,
            },
        ),
        Err(_) => {
            let config = FakeWeChatConfig {
                appid: APPID.into(),
                secret: WECHAT_SECRET.into(),
                push: None,
                developer: None,
            };
            (
                fake_wechat::spawn(config.clone())
                    .await
                    .expect("start the fake WeChat")
                    .base_url,
                config,
            )
        }
    };
    let env = Env::from_pairs([
        (vars::TABLE_NAME, table.clone()),
        (vars::BUCKET_NAME, bucket.clone()),
        (vars::WECHAT_APPID, wechat.appid.clone()),
        (vars::WECHAT_SECRET, wechat.secret.clone()),
        (vars::WECHAT_API_BASE, wechat_base.clone()),
        (vars::JWT_SIGNING_KEY, signing_keys().0.clone()),
        (vars::JWT_PUBLIC_KEYS, signing_keys().1.clone()),
        (vars::CURSOR_KEY, random_id(32)),
        // Tests make many requests as one caller; the limits have tests of their own.
        (vars::RATE_LIMITS, RELAXED_LIMITS.to_owned()),
        (vars::OPERATOR_ROLE_ARN, OPERATOR_ROLE.to_owned()),
        (vars::CONSOLE_ORIGINS, console::CONSOLE_ORIGIN.to_owned()),
    ]);
    round_trips.store(0, Ordering::SeqCst);
    s3_calls.store(0, Ordering::SeqCst);
    TestApp {
        env,
        aws,
        dynamodb,
        table,
        s3,
        bucket,
        s3_calls,
        wechat_base,
        wechat,
        clock: Clock::system(),
        round_trips,
    }
}

impl TestApp {
    /// Stops this app's clock where it stands (it then moves only when advanced), for a test
    /// that counts per window: limits, download signing windows.
    pub fn freeze_clock(&mut self) {
        self.clock = Clock::frozen_at(self.clock.now());
    }

    /// The cold-start context the functions get, sharing the counting DynamoDB client.
    pub fn startup(&self) -> Startup {
        Startup::new(self.env.clone(), self.aws.clone())
            .with_dynamodb(self.dynamodb.clone())
            .with_s3(self.s3.clone())
            .with_clock(self.clock.clone())
    }

    /// Points the functions at a fake WeChat of this test's own, whose calls it can count.
    pub async fn own_wechat(&mut self) -> fake_wechat::FakeWeChat {
        self.own_wechat_with(self.wechat.clone()).await
    }

    /// [`Self::own_wechat`] that also pushes its image verdicts with `push`'s token and key;
    /// the functions get the same (`WECHAT_PUSH_TOKEN`, `WECHAT_PUSH_AES_KEY`).
    pub async fn own_wechat_pushing(&mut self, push: fake_wechat::PushConfig) -> fake_wechat::FakeWeChat {
        self.env = self.env.clone().with(
            shared::wechat::settings::vars::WECHAT_PUSH_TOKEN,
            push.token.clone(),
        );
        if let Some(key) = &push.aes_key {
            self.env = self
                .env
                .clone()
                .with(shared::wechat::settings::vars::WECHAT_PUSH_AES_KEY, key.clone());
        }
        let config = FakeWeChatConfig {
            push: Some(push),
            ..self.wechat.clone()
        };
        self.own_wechat_with(config).await
    }

    async fn own_wechat_with(&mut self, config: FakeWeChatConfig) -> fake_wechat::FakeWeChat {
        let fake = fake_wechat::spawn(config).await.expect("start the fake WeChat");
        self.wechat_base = fake.base_url.clone();
        self.env = self
            .env
            .clone()
            .with(vars::WECHAT_API_BASE, fake.base_url.clone());
        fake
    }

    pub fn store(&self) -> Store {
        Store::new(self.dynamodb.clone(), self.table.clone())
    }

    /// The cold-start context with a DynamoDB client that injects the faults of `plan`.
    pub fn startup_with_faults(&self, plan: &faults::FaultPlan) -> Startup {
        // The emulator speaks plain HTTP.
        let http = aws_smithy_http_client::Builder::new().build_http();
        let config = aws_sdk_dynamodb::config::Builder::from(&self.aws)
            .http_client(faults::FaultyHttpClient::new(http, plan.clone()))
            .build();
        Startup::new(self.env.clone(), self.aws.clone())
            .with_dynamodb(aws_sdk_dynamodb::Client::from_conf(config))
            .with_s3(self.s3.clone())
            .with_clock(self.clock.clone())
    }

    /// Builds `E` as its cold start would.
    pub async fn function<E: Endpoint>(&self) -> Adapter<E> {
        Adapter::<E>::build(&self.startup())
            .await
            .expect("the function starts")
    }

    /// Calls `E` with `request` and parses the envelope.
    pub async fn call<E: Endpoint>(&self, request: Request) -> Reply {
        // On the heap: a test that awaits many different functions would otherwise hold all
        // their (large, debug-build) futures in its own stack frame.
        Box::pin(async {
            let function = self.function::<E>().await;
            call(&function, request).await
        })
        .await
    }

    /// S3 operations made since the last call of this method.
    pub fn take_s3_calls(&self) -> usize {
        self.s3_calls.swap(0, Ordering::SeqCst)
    }

    /// DynamoDB operations made since the last call of this method.
    pub fn take_round_trips(&self) -> usize {
        self.round_trips.swap(0, Ordering::SeqCst)
    }

    /// A fresh user name for the fake WeChat (codes `NAME.N` all log in the same user).
    pub fn new_user_name(&self, prefix: &str) -> String {
        format!("{prefix}{}", random_id(6).replace(['-', '_'], "0"))
    }

    /// Logs `name` in with a fresh code and returns the `data` of the answer.
    pub async fn login(&self, name: &str) -> Value {
        let reply = self
            .call::<shared::identity::Login>(request(Method::POST, "/auth/login").json(&serde_json::json!({
                "code": format!("{name}.{}", random_id(6)),
            })))
            .await;
        assert_eq!(reply.status, 200, "login failed: {:?}", reply.body);
        reply.data().clone()
    }

    /// Every item of the table, sorted, for "nothing was written" checks. Rate-limit counters are
    /// left out: every request is counted, a refused one too (that is how abuse is limited).
    pub async fn table_snapshot(&self) -> Vec<String> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan the test table");
            let counters = aws_sdk_dynamodb::types::AttributeValue::S(keys::item_type::RATE.to_owned());
            let data = page
                .items()
                .iter()
                .filter(|item| item.get(keys::attr::TYPE) != Some(&counters));
            items.extend(data.map(|item| {
                let fields: serde_json::Map<String, Value> =
                    item.iter().map(|(k, v)| (k.clone(), canonical(v))).collect();
                Value::Object(fields).to_string()
            }));
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        items.sort();
        self.take_round_trips();
        items
    }
}

/// An attribute value as JSON with sorted keys, so equal items print equally.
fn canonical(value: &aws_sdk_dynamodb::types::AttributeValue) -> Value {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match value {
        A::S(s) => serde_json::json!({ "S": s }),
        A::N(n) => serde_json::json!({ "N": n }),
        A::Bool(b) => serde_json::json!({ "BOOL": b }),
        A::Null(_) => serde_json::json!({ "NULL": true }),
        A::L(list) => serde_json::json!({ "L": list.iter().map(canonical).collect::<Vec<_>>() }),
        A::M(map) => {
            let fields: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect();
            serde_json::json!({ "M": fields })
        }
        A::Ss(set) => {
            let mut set = set.clone();
            set.sort();
            serde_json::json!({ "SS": set })
        }
        other => serde_json::json!({ "other": format!("{other:?}") }),
    }
}

/// Calls an already built function.
pub async fn call<E: Endpoint>(function: &Adapter<E>, request: Request) -> Reply {
    let response = Box::pin(function.handle(request)).await;
    let status = response.status().as_u16();
    let body: Value = serde_json::from_slice(response.body()).expect("every response is JSON");
    Reply {
        status,
        body,
        headers: response.headers().clone(),
    }
}

/// A request builder in the shape API Gateway hands to the function.
pub struct RequestBuilder {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    query: Vec<(String, String)>,
    path_params: Vec<(String, String)>,
    iam_caller: Option<String>,
}

pub fn request(method: Method, path: &str) -> RequestBuilder {
    RequestBuilder {
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body: Vec::new(),
        query: Vec::new(),
        path_params: Vec::new(),
        iam_caller: None,
    }
}

impl RequestBuilder {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn path_param(mut self, name: &str, value: &str) -> Self {
        self.path_params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Signed with AWS IAM credentials of `arn` (SigV4), as API Gateway's `AWS_IAM` authorizer
    /// reports it to the function: the signed `Authorization` header, and the caller's identity.
    pub fn iam(mut self, arn: &str) -> Self {
        self.iam_caller = Some(arn.to_owned());
        self.header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261125/ap-shanghai/execute-api/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0000",
        )
    }

    pub fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn json(self, body: &Value) -> Request {
        self.header("content-type", "application/json")
            .raw_body(body.to_string())
            .build()
    }

    pub fn build(self) -> Request {
        let mut builder = lambda_http::http::Request::builder()
            .method(self.method)
            .uri(&self.path);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let body = if self.body.is_empty() {
            Body::Empty
        } else {
            Body::Binary(self.body)
        };
        let mut request = builder.body(body).expect("a valid request");
        if !self.query.is_empty() {
            let mut map: std::collections::HashMap<String, Vec<String>> = Default::default();
            for (k, v) in self.query {
                map.entry(k).or_default().push(v);
            }
            request = request.with_query_string_parameters(map);
        }
        if !self.path_params.is_empty() {
            let map: std::collections::HashMap<String, String> = self.path_params.into_iter().collect();
            request = request.with_path_parameters(map);
        }
        if let Some(arn) = self.iam_caller {
            use lambda_http::aws_lambda_events::apigw::{
                ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerIamDescription,
                ApiGatewayV2httpRequestContext,
            };
            let mut iam = ApiGatewayRequestAuthorizerIamDescription::default();
            iam.user_arn = Some(arn);
            let mut authorizer = ApiGatewayRequestAuthorizer::default();
            authorizer.iam = Some(iam);
            let mut context = ApiGatewayV2httpRequestContext::default();
            context.authorizer = Some(authorizer);
            request =
                request.with_request_context(lambda_http::request::RequestContext::ApiGatewayV2(context));
        }
        request
    }
}

/// A product for tests.
pub fn product(
    id: &str,
    price_fen: i64,
    stock: i64,
    on_sale: bool,
    category: &str,
    sort_order: u32,
) -> shared::domain::catalog::Product {
    use shared::domain::catalog::{Category, Product, ProductStatus};
    use shared::domain::ids::ProductId;
    let now = shared::domain::time::Timestamp::now();
    Product {
        id: ProductId::try_from(id.to_owned()).expect("a valid id"),
        name: format!("商品 {id}"),
        description: format!("description of {id}"),
        price_fen,
        stock,
        category: Category::try_from(category.to_owned()).expect("a valid category"),
        images: vec![format!("https://cdn.example.com/{id}.jpg")],
        status: if on_sale {
            ProductStatus::OnSale
        } else {
            ProductStatus::OffSale
        },
        fulfilment: Default::default(),
        sort_order,
        specs: Vec::new(),
        skus: Vec::new(),
        created_at: now,
        updated_at: now,
    }
    .normalized()
    .expect("a valid product")
}

/// A product with variants for tests: one spec, 规格, whose values are the SKUs' own, each SKU
/// given as `(skuId, value, priceFen, stock)`.
pub fn variant_product(id: &str, skus: &[(&str, &str, i64, i64)]) -> shared::domain::catalog::Product {
    use shared::domain::catalog::{Sku, SkuId, Spec};
    let mut variant = product(id, 1, 0, true, "tea", 5);
    variant.specs = vec![Spec {
        name: "规格".into(),
        values: skus.iter().map(|(_, value, _, _)| (*value).to_owned()).collect(),
    }];
    variant.skus = skus
        .iter()
        .map(|(sku, value, price_fen, stock)| Sku {
            sku_id: SkuId::parse(sku).expect("a valid SKU id"),
            spec_values: [("规格".to_owned(), (*value).to_owned())].into_iter().collect(),
            price_fen: *price_fen,
            stock: *stock,
            image: None,
        })
        .collect();
    variant.normalized().expect("a valid product with variants")
}

/// A delivery address as `wx.chooseAddress` answers it, for orders of goods to ship.
pub fn address() -> Value {
    serde_json::json!({
        "userName": "张三",
        "telNumber": "13800138000",
        "provinceName": "广东省",
        "cityName": "广州市",
        "countyName": "天河区",
        "detailInfo": "体育西路 103 号 2 栋 1201",
        "postalCode": "510000",
        "errMsg": "chooseAddress:ok"
    })
}

impl TestApp {
    /// Writes `products` into the table.
    pub async fn seed(&self, products: &[shared::domain::catalog::Product]) {
        self.store()
            .put_products(products)
            .await
            .expect("seed the products");
        self.take_round_trips();
    }

    /// Deletes a product's item, as an operator removing it from the catalog would.
    pub async fn delete_product(&self, id: &str) {
        let key = keys::product(id);
        self.dynamodb
            .delete_item()
            .table_name(&self.table)
            .key(keys::attr::PK, aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
            .key(keys::attr::SK, aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
            .send()
            .await
            .expect("delete the product");
    }

    /// The current stock of a product, read consistently.
    pub async fn stock(&self, id: &str) -> i64 {
        let item = self.item(&keys::product(id)).await.expect("the product exists");
        item[keys::field::product::STOCK]
            .as_n()
            .expect("a number")
            .parse()
            .expect("an integer")
    }

    /// The current stock of one SKU of a product with variants, read consistently.
    pub async fn sku_stock(&self, id: &str, sku: &str) -> i64 {
        let item = self.item(&keys::product(id)).await.expect("the product exists");
        let skus = item[keys::field::product::SKUS].as_m().expect("a map of SKUs");
        skus[sku].as_m().expect("a SKU")[keys::field::product::SKU_STOCK]
            .as_n()
            .expect("a number")
            .parse()
            .expect("an integer")
    }

    /// The item at `key`, read consistently (not counted as a round trip of the code under test).
    pub async fn item(&self, key: &keys::Key) -> Option<std::collections::HashMap<String, AttributeValue>> {
        let item = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(keys::attr::PK, AttributeValue::S(key.pk.clone()))
            .key(keys::attr::SK, AttributeValue::S(key.sk.clone()))
            .consistent_read(true)
            .send()
            .await
            .expect("read the item")
            .item;
        self.take_round_trips();
        item
    }

    /// An access token for `openid` in a new session, made as login would (for tests that need
    /// many users without logging each in). The session write is not counted as a round trip.
    pub async fn token_for(&self, openid: &str) -> String {
        let settings = shared::runtime::config::token_settings(&self.env).expect("token settings");
        let key = shared::runtime::config::Secret::new(signing_keys().0.clone());
        let signer =
            shared::infra::tokens::TokenSigner::new(&key, settings, self.clock.clone()).expect("a signer");
        let openid = shared::domain::ids::Openid::parse(openid).expect("a valid openid");
        let (access, _) = shared::identity::login::open_session(&self.store(), &signer, &openid)
            .await
            .expect("open a session");
        self.take_round_trips();
        access.token.expose().to_owned()
    }
}
