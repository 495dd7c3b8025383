//! What the admin command does, as functions the tests can call too.

use std::collections::HashSet;
use std::path::Path;

use shared::BoxError;
use shared::domain::catalog::Product;
use shared::domain::ids::ProductId;
use shared::infra::store::Store;

/// Signs an access token for `openid` in a new session, creating the user if needed: for local
/// development and benchmarks (calling token-protected functions without WeChat). Needs the
/// signing key in the environment, like the login function.
pub async fn dev_token(
    store: &Store,
    env: &shared::runtime::config::Env,
    openid: &str,
) -> Result<String, BoxError> {
    use shared::runtime::config::{self, Secret, vars};
    let key = Secret::new(env.required(vars::JWT_SIGNING_KEY)?);
    let clock = shared::domain::time::Clock::system();
    let signer = shared::infra::tokens::TokenSigner::new(&key, config::token_settings(env)?, clock.clone())?;
    let openid = shared::domain::ids::Openid::parse(openid)
        .ok_or("the openid must be 1-64 characters of A-Z a-z 0-9 _ -")?;
    store.record_login(&openid, None, clock.now()).await?;
    let (access, _) = shared::identity::login::open_session(store, &signer, &openid).await?;
    Ok(access.token.expose().to_owned())
}

/// Creates `bucket`; an existing bucket of ours is left as it is.
pub async fn create_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BoxError> {
    match client.create_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) =>
        {
            Ok(())
        }
        Err(err) => Err(Box::new(err)),
    }
}

/// Lets the operators' console at `origins` (comma-separated) POST catalog images to `bucket`, as
/// the template's CORS rule does for a deployed stack.
pub async fn allow_console_uploads(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    origins: &str,
) -> Result<(), BoxError> {
    use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
    let rule = CorsRule::builder()
        .allowed_methods("POST")
        .set_allowed_origins(Some(origins.split(',').map(|o| o.trim().to_owned()).collect()))
        .allowed_headers("*")
        .max_age_seconds(3000)
        .build()?;
    client
        .put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(CorsConfiguration::builder().cors_rules(rule).build()?)
        .send()
        .await?;
    Ok(())
}

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub written: usize,
    pub skipped: usize,
}

/// Loads and checks a product file: a JSON array of products with unique ids, each either
/// without variants (`priceFen` and `stock`, the shape before variants) or with `specs` and
/// `skus`.
pub fn read_products(path: &Path) -> Result<Vec<Product>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let products: Vec<Product> =
        serde_json::from_str(&text).map_err(|e| format!("{} is not a product list: {e}", path.display()))?;
    let mut ids = HashSet::new();
    let mut checked = Vec::with_capacity(products.len());
    for product in products {
        if !ids.insert(product.id.clone()) {
            return Err(format!("product id {} appears twice", product.id.as_str()).into());
        }
        checked.push(product.normalized()?);
    }
    Ok(checked)
}

/// Seeds the catalog from `path`. Re-running is safe: existing products keep their live stock
/// and status unless `overwrite` is set.
pub async fn seed_products(store: &Store, path: &Path, overwrite: bool) -> Result<SeedReport, BoxError> {
    let products = read_products(path)?;
    let existing: HashSet<ProductId> = if overwrite {
        HashSet::new()
    } else {
        let ids: Vec<ProductId> = products.iter().map(|p| p.id.clone()).collect();
        store.existing_products(&ids).await?.into_iter().collect()
    };
    let fresh: Vec<Product> = products
        .into_iter()
        .filter(|p| !existing.contains(&p.id))
        .collect();
    let written = store.put_products(&fresh).await?;
    Ok(SeedReport {
        written,
        skipped: existing.len(),
    })
}

/// Places an order of one unit of `product_id` for `openid` (as submit-order would), and with
/// `paid` marks it paid by a made-up transaction: for local development and benchmarks. Answers
/// the order id.
pub async fn dev_order(
    startup: &shared::runtime::startup::Startup,
    openid: &str,
    product_id: &str,
    paid: bool,
) -> Result<String, BoxError> {
    use shared::domain::orders::{IdempotencyKey, OrderRequest, Payment};
    use shared::runtime::startup::Build as _;
    let openid = shared::domain::ids::Openid::parse(openid).ok_or("not an openid")?;
    // A sample address (the fake WeChat's own): ignored for virtual goods.
    let request: OrderRequest = serde_json::from_value(serde_json::json!({
        "items": [{ "productId": product_id, "quantity": 1 }],
        "address": {
            "userName": "张三", "telNumber": "13800138000", "provinceName": "广东省",
            "cityName": "广州市", "countyName": "天河区", "detailInfo": "体育西路 103 号"
        }
    }))?;
    let key = IdempotencyKey::parse(&format!("dev-{}", shared::infra::crypto::random_id(12)))
        .ok_or("an idempotency key")?;
    let checkout = shared::orders::checkout::Checkout::build(startup).await?;
    let order = checkout.submit(&openid, &key, &request, None).await?;
    if paid {
        let payment = Payment {
            transaction_id: format!("4200{}", &shared::infra::crypto::random_u64().to_string()),
            paid_at: startup.clock().now(),
        };
        startup.store().mark_paid(&order, &payment).await?;
    }
    Ok(order.order_id.to_string())
}

/// A day's reconciliation for a terminal: the figures, then one line per difference.
pub fn describe_report(report: &shared::domain::reconciliation::report::Report) -> String {
    use shared::domain::reconciliation::matching::Side;
    use shared::domain::reconciliation::money::format_fen;
    let t = &report.totals;
    let mut out = format!(
        "{}: {} rows, {} matched, {} discrepancies\n\
         paid: bill {} / ours {} yuan; refunded: bill {} / ours {} yuan; fees {} yuan\n\
         fund flow: income {}, expense {} (refunds {}, fees {}) yuan\n",
        report.date,
        report.rows,
        report.matched,
        report.discrepancies.len(),
        format_fen(t.bill_paid_fen),
        format_fen(t.here_paid_fen),
        format_fen(t.bill_refunded_fen),
        format_fen(t.here_refunded_fen),
        t.bill_fees_yuan,
        format_fen(t.income_fen),
        format_fen(t.expense_fen),
        format_fen(t.refunds_fen),
        format_fen(t.fees_fen),
    );
    for d in &report.discrepancies {
        out.push_str(&format!(
            "{}\t{}\t{}\tours {}\tbill {}{}{}\n",
            d.kind,
            d.out_trade_no,
            d.out_refund_no.as_deref().unwrap_or("-"),
            Some(Side::yuan(d.here.as_ref()))
                .filter(|y| !y.is_empty())
                .unwrap_or_else(|| "-".into()),
            Some(Side::yuan(d.there.as_ref()))
                .filter(|y| !y.is_empty())
                .unwrap_or_else(|| "-".into()),
            match d.healed {
                Some(true) => "\thealed",
                Some(false) => "\tnot healed",
                None => "",
            },
            d.reason.as_deref().map(|r| format!("\t{r}")).unwrap_or_default(),
        ));
    }
    out
}
