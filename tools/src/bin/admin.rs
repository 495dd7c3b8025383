//! The admin command: prepares a table and bucket (local emulator or AWS) and seeds the catalog.
//!
//! ```text
//! admin init                      create the table (with its indexes and TTL) and the bucket; re-running is safe
//! admin seed-products FILE.json [--overwrite]
//!                                 write the products in batches of 25, retrying unprocessed items;
//!                                 products already in the table are left as they are (their stock
//!                                 is live data) unless --overwrite is given
//! admin refund ORDER_ID           a full refund of a paid order, as an operator (needs the
//!                                 WECHAT_PAY_* settings of the refund-order function)
//! admin ship ORDER_ID CARRIER TRACKING_NO
//!                                 mark a paid order SHIPPED and report it to WeChat (needs
//!                                 WECHAT_APPID, and the app secret unless the refresher keeps
//!                                 the shared access token fresh in the table);
//!                                 running it again with the same parcel only reports what was not
//! admin create-operator EMAIL ROLE
//!                                 create a console operator (owner, manager, fulfilment, support,
//!                                 finance); prints `password: <initial password>` and the TOTP
//!                                 enrolment URI `otpauth://totp/...`, one per line (the password
//!                                 must be changed at first sign-in)
//! admin reset-operator EMAIL      new initial password and TOTP secret for an operator (a lost
//!                                 phone or password); every session of theirs ends
//! admin unlock-operator EMAIL     lift the hold failed sign-ins put on an operator at once
//! admin refund-issues             the orders whose refund WeChat Pay ended ABNORMAL or CLOSED,
//!                                 then the after-sales refunds it ended so (FAILED), oldest
//!                                 first, to settle in the merchant platform
//! admin reconcile --date YYYY-MM-DD [--json]
//!                                 reconcile a Beijing day against WeChat Pay's trade and
//!                                 fund-flow bills, as the daily reconcile-payments run does
//!                                 (needs its WECHAT_PAY_* settings and BUCKET_NAME); the report
//!                                 replaces the day's previous one; --json prints it whole
//! admin dev-token OPENID          create the user and a session, print an access token for it
//!                                 (local development and benchmarks; needs JWT_SIGNING_KEY)
//! admin dev-wechatpay DIR        make the local WeChat Pay identity in DIR (.dev/wechatpay) if
//!                                 there is none, and print the functions' WECHAT_PAY_* settings
//! admin dev-order OPENID PRODUCT_ID [--paid]
//!                                 place an order of one unit (and mark it paid by a made-up
//!                                 transaction), print its id (local development and benchmarks)
//! admin new-signing-key KID       print a new Ed25519 key pair for access tokens, as two lines:
//!                                 JWT_SIGNING_KEY=KID:<base64 PKCS#8> (a secret: SSM SecureString)
//!                                 JWT_PUBLIC_KEYS=KID:<base64url public key> (for the verifiers)
//! ```
//! Reads `TABLE_NAME`, `BUCKET_NAME` and the usual AWS variables (`AWS_ENDPOINT_URL` for the emulator).

use std::process::ExitCode;

use shared::domain::after_sales::AfterSalesStatus;
use shared::runtime::config::{Env, defaults, vars};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("admin: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), shared::BoxError> {
    if let ["new-signing-key", kid] = args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        let (private, public) = shared::infra::tokens::new_key_pair(kid)?;
        println!("{}={}", vars::JWT_SIGNING_KEY, private.expose());
        println!("{}={public}", vars::JWT_PUBLIC_KEYS);
        return Ok(());
    }
    if let ["dev-wechatpay", dir] = args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        print!(
            "{}",
            tools::dev_wechatpay::ensure(std::path::Path::new(dir))?.env_lines()
        );
        return Ok(());
    }
    let env = Env::from_process();
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = env.string_or(vars::TABLE_NAME, defaults::TABLE_NAME);
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["init"] => {
            let bucket = env.string_or(vars::BUCKET_NAME, defaults::BUCKET_NAME);
            shared::infra::store::schema::create_table(&aws_sdk_dynamodb::Client::new(&aws), &table).await?;
            println!("table {table}: ready");
            let s3 = aws_sdk_s3::Client::new(&aws);
            tools::admin::create_bucket(&s3, &bucket).await?;
            if let Some(origins) = env.get(vars::CONSOLE_ORIGINS).filter(|o| !o.is_empty()) {
                tools::admin::allow_console_uploads(&s3, &bucket, origins).await?;
            }
            println!("bucket {bucket}: ready");
            Ok(())
        }
        ["seed-products", file, flags @ ..] if flags.iter().all(|f| *f == "--overwrite") => {
            let store = shared::infra::store::Store::new(aws_sdk_dynamodb::Client::new(&aws), table.clone());
            let report =
                tools::admin::seed_products(&store, std::path::Path::new(file), !flags.is_empty()).await?;
            println!(
                "table {table}: {} products written, {} already present and left as they are",
                report.written, report.skipped
            );
            Ok(())
        }
        ["refund", order_id] => {
            use shared::runtime::startup::{Build, Startup};
            let order_id = shared::domain::ids::OrderId::parse(order_id).ok_or("not an order id")?;
            let startup = Startup::new(env.clone(), aws.clone());
            let refunds = shared::payments::refunds::Refunds::build(&startup).await?;
            let order = refunds.refund(None, &order_id).await?;
            println!("order {order_id}: {}", order.status);
            Ok(())
        }
        ["ship", order_id, carrier, tracking_no] => {
            use shared::domain::orders::{Carrier, LogisticsType, ParcelRequest, ShipRequest, TrackingNo};
            use shared::runtime::startup::{Build, Startup};
            let order_id = shared::domain::ids::OrderId::parse(order_id).ok_or("not an order id")?;
            let carrier = Carrier::parse(carrier).ok_or(Carrier::EXPECTING)?;
            let tracking_no = TrackingNo::parse(tracking_no).ok_or(TrackingNo::EXPECTING)?;
            let startup = Startup::new(env.clone(), aws.clone());
            let shipping = shared::fulfilment::shipping::Shipping::build(&startup).await?;
            let request = ShipRequest {
                logistics_type: LogisticsType::Express,
                parcels: vec![ParcelRequest {
                    carrier,
                    tracking_no,
                    items: None,
                }],
                items: None,
            };
            let order = shipping.ship(&order_id, &request).await?;
            let reported = order.deliveries.last().and_then(|d| d.reported_at);
            println!(
                "order {order_id}: {}, reported to WeChat at {}",
                order.status,
                reported.map_or_else(|| "-".to_owned(), |at| at.to_string())
            );
            Ok(())
        }
        ["create-operator", email, role] => {
            let role = shared::domain::operators::Role::parse(role)
                .ok_or("ROLE: one of owner, manager, fulfilment, support, finance")?;
            let enrolment = operator_accounts(&aws, &table).create(email, role).await?;
            println!("password: {}", enrolment.password);
            println!("{}", enrolment.totp_uri);
            eprintln!(
                "operator {} ({}) created: add the code to an authenticator app, sign in, and change the password",
                enrolment.operator.email, enrolment.operator.role
            );
            Ok(())
        }
        ["reset-operator", email] => {
            let enrolment = operator_accounts(&aws, &table).reset(email).await?;
            println!("password: {}", enrolment.password);
            println!("{}", enrolment.totp_uri);
            eprintln!("operator {}: new password and TOTP secret; every session ended", enrolment.operator.email);
            Ok(())
        }
        ["unlock-operator", email] => {
            let operator = operator_accounts(&aws, &table).unlock(email).await?;
            eprintln!("operator {}: failed sign-ins cleared, sign-in open", operator.email);
            Ok(())
        }
        ["refund-issues"] => {
            let store = shared::infra::store::Store::new(aws_sdk_dynamodb::Client::new(&aws), table.clone());
            let orders = store.refund_issues(1000).await?;
            for order in &orders {
                println!(
                    "{}\t{}\t{} fen\t{}",
                    order.order_id,
                    order.refund_issue.as_deref().unwrap_or("-"),
                    order.total_fen,
                    order.updated_at
                );
            }
            let mut failed = Vec::new();
            let mut after = None;
            loop {
                let (page, next) = store
                    .after_sales_in(AfterSalesStatus::Failed, after.as_ref(), 100)
                    .await?;
                failed.extend(page);
                match next.map(shared::domain::paging::Position::try_from) {
                    Some(Ok(next)) => after = Some(next),
                    _ => break,
                }
            }
            for entry in &failed {
                println!(
                    "{}	R{}-{}	{}	{} fen	{}",
                    entry.order_id,
                    entry.order_id,
                    entry.number,
                    entry.refund_issue.as_deref().unwrap_or("-"),
                    entry.amount_fen,
                    entry.updated_at
                );
            }
            eprintln!(
                "{} orders and {} after-sales refunds with a refund issue",
                orders.len(),
                failed.len()
            );
            Ok(())
        }
        ["reconcile", "--date", date, flags @ ..] if flags.iter().all(|f| *f == "--json") => {
            use shared::runtime::startup::{Build, Startup};
            let date = shared::domain::reconciliation::date::BillDate::parse(date)
                .ok_or("--date: YYYY-MM-DD, a Beijing day")?;
            let startup = Startup::new(env.clone(), aws.clone());
            let reconciler = shared::reconciliation::reconciler::Reconciler::build(&startup).await?;
            let report = reconciler.reconcile(&date).await?;
            if flags.is_empty() {
                print!("{}", tools::admin::describe_report(&report));
            } else {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
            Ok(())
        }
        ["dev-order", openid, product_id, flags @ ..] if flags.iter().all(|f| *f == "--paid") => {
            let startup = shared::runtime::startup::Startup::new(env.clone(), aws.clone());
            println!(
                "{}",
                tools::admin::dev_order(&startup, openid, product_id, !flags.is_empty()).await?
            );
            Ok(())
        }
        ["dev-token", openid] => {
            let store = shared::infra::store::Store::new(aws_sdk_dynamodb::Client::new(&aws), table.clone());
            println!("{}", tools::admin::dev_token(&store, &env, openid).await?);
            Ok(())
        }
        _ => Err(
            "usage: admin init | admin seed-products FILE.json [--overwrite] | admin refund ORDER_ID | admin ship ORDER_ID CARRIER TRACKING_NO | admin create-operator EMAIL ROLE | admin reset-operator EMAIL | admin unlock-operator EMAIL | admin refund-issues | admin reconcile --date YYYY-MM-DD [--json] | admin dev-token OPENID | admin dev-order OPENID PRODUCT_ID [--paid] \
             | admin dev-wechatpay DIR | admin new-signing-key KID"
                .into(),
        ),
    }
}

/// The operators' accounts over the table (the command line's own clock).
fn operator_accounts(aws: &aws_config::SdkConfig, table: &str) -> shared::operators::accounts::Accounts {
    shared::operators::accounts::Accounts::new(
        shared::infra::store::Store::new(aws_sdk_dynamodb::Client::new(aws), table.to_owned()),
        shared::domain::time::Clock::system(),
        None,
    )
}
