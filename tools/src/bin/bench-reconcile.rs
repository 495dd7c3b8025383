//! `bench-reconcile [ROWS]` (100,000 by default): the reconciliation of a day whose trade bill
//! has ROWS rows, against the AWS emulator (`AWS_ENDPOINT_URL`) and an in-process fake WeChat
//! Pay. Nine payments in ten, one refund in ten, amounts from 0.01 to 99,999.99 yuan; the money
//! book holds the same, so the day must come out clean.
//!
//! Prints one JSON line: the rows; the seconds the reconciliation took (both bills applied for,
//! downloaded, gunzipped, hashed and parsed; the book read; every row matched; the report
//! written); the seconds the same Queries of the day's book take on their own (the emulator's
//! share: it serialises items in Python, about half a millisecond each, where DynamoDB answers a
//! 1 MB page in tens of milliseconds) and the difference (the run's own work); its calls; and the
//! peak resident memory of the process while it ran (`VmHWM`, reset before it starts; the fake's
//! and the seeding's data still resident count against it, so the resident memory before the run
//! is printed too). Exits 1 when the day is not clean,
//! or when the run's own work took 30 s or more, or the peak reached 512 MiB (the function's
//! memory setting).

use std::time::Instant;

use shared::domain::ids::OrderId;
use shared::domain::reconciliation::date::BillDate;
use shared::domain::reconciliation::ledger::LedgerEntry;
use shared::domain::time::{Clock, Timestamp};
use shared::infra::timing::Dependency;
use shared::runtime::config::{Env, vars};
use shared::runtime::startup::Startup;
use tools::fake_wechatpay::{self, FakePayConfig, rsa_keys};

const DAY: &str = "2026-11-20";
const LIMIT_SECS: f64 = 30.0;
const LIMIT_MIB: f64 = 512.0;

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    let rows: usize = match std::env::args().nth(1) {
        Some(rows) => rows.parse().map_err(|_| "ROWS: a number of bill rows")?,
        None => 100_000,
    };
    let noon = Timestamp::parse("2026-11-20T04:00:00Z").ok_or("a time")?;
    let clock = Clock::frozen_at(noon);
    let suffix = shared::infra::crypto::random_id(8)
        .to_lowercase()
        .replace(['-', '_'], "x");
    let (table, bucket) = (format!("bench-recon-{suffix}"), format!("bench-recon-{suffix}"));
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    shared::infra::store::schema::create_table(&aws_sdk_dynamodb::Client::new(&aws), &table).await?;
    let s3 = aws_sdk_s3::Client::from_conf(shared::infra::s3::client_config(&aws).build());
    tools::admin::create_bucket(&s3, &bucket).await?;

    let (merchant, platform) = (rsa_keys(), rsa_keys());
    const MCHID: &str = "1900000109";
    const APPID: &str = "wxbenchappid00000";
    const KEY_ID: &str = "PUB_KEY_ID_0119000001092026112500000000000001";
    let pay = fake_wechatpay::spawn(FakePayConfig {
        mchid: MCHID.into(),
        appid: APPID.into(),
        merchant_public_der_base64: merchant.public_der_base64.clone(),
        platform_private_pem: platform.private_pem.clone(),
        platform_key_id: KEY_ID.into(),
        api_v3_key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb".into(),
        clock: clock.clone(),
        certificate: None,
        deliver_to: None,
    })
    .await?;

    // The day: the fake's records and the money book alike.
    let seeding = Instant::now();
    let amounts = [1, 1010, 9_999_999, 2500, 12_345];
    let refunds = rows / 10;
    let payments = rows - refunds;
    let mut book = Vec::with_capacity(rows);
    for i in 0..payments {
        let id = OrderId::parse(&format!("20261120{i:012}")).ok_or("an order id")?;
        let total = amounts[i % amounts.len()];
        let transaction = format!("4200{i:024}");
        pay.pay(id.as_str(), &transaction, total);
        book.push(LedgerEntry::payment(&id, &transaction, total, noon));
        if i < refunds {
            let number = format!("R{id}");
            pay.record_refund(&number, id.as_str(), total);
            book.push(LedgerEntry::refund(&id, &number, total, noon));
        }
    }
    let env = Env::from_pairs([
        (vars::TABLE_NAME, table.clone()),
        (vars::BUCKET_NAME, bucket.clone()),
        (vars::WECHAT_APPID, APPID.to_owned()),
        (vars::WECHAT_SECRET, "bench-wechat-secret".to_owned()),
    ])
    .with("WECHAT_PAY_MCHID", MCHID)
    .with("WECHAT_PAY_SERIAL_NO", "3775B6A45ACD588826D15E583A95F5DD2C7ED4B2")
    .with("WECHAT_PAY_MERCHANT_KEY", merchant.private_pem.clone())
    .with(
        "WECHAT_PAY_PLATFORM_KEYS",
        format!("{KEY_ID}:{}", platform.public_der_base64),
    )
    .with("WECHAT_PAY_NOTIFY_URL", "https://api.example.com/pay/notify")
    .with("WECHAT_PAY_API_BASE", pay.base_url.clone());
    let startup = Startup::new(env, aws.clone()).with_clock(clock.clone());
    startup.store().file_ledger(&book).await?;
    drop(book);
    eprintln!(
        "bench-reconcile: {rows} rows seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let reconciler =
        <shared::reconciliation::reconciler::Reconciler as shared::runtime::startup::Build>::build(&startup)
            .await?;
    // The emulator's share: the same Queries of the day's book the run makes. The emulator
    // serialises each item in Python (about half a millisecond an item); DynamoDB answers a 1 MB
    // page in tens of milliseconds.
    let reading = Instant::now();
    let entries = startup.store().ledger_of_day(DAY).await?.len();
    let book_seconds = reading.elapsed().as_secs_f64();
    assert_eq!(entries, rows, "the book holds every row");
    // Peak memory from here on: Linux resets VmHWM to the current RSS on "5".
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let resident_mib = status_kib("VmRSS:").map(|kib| kib as f64 / 1024.0);
    let started = Instant::now();
    let (report, spent) =
        shared::infra::timing::measure(reconciler.reconcile(&BillDate::parse(DAY).ok_or("a date")?)).await;
    let report = report?;
    let seconds = started.elapsed().as_secs_f64();
    let own_seconds = (seconds - book_seconds).max(0.0);
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let peak_mib = status_kib("VmHWM:").map(|kib| kib as f64 / 1024.0);
    println!(
        "{}",
        serde_json::json!({
            "rows": report.rows, "matched": report.matched, "discrepancies": report.discrepancies.len(),
            "seconds": round(seconds),
            "bookReadSeconds": round(book_seconds),
            "secondsBesidesTheBookRead": round(own_seconds),
            "dynamodbCalls": spent.calls(Dependency::DynamoDb),
            "wechatPayCalls": spent.calls(Dependency::WeChatPay),
            "peakRssMiB": peak_mib.map(|m| (m * 10.0).round() / 10.0),
            "rssBeforeMiB": resident_mib.map(|m| (m * 10.0).round() / 10.0),
        })
    );
    let clean = report.discrepancies.is_empty() && report.rows == rows && report.matched == rows;
    // The target is the run's own work: on the emulator the book's Queries alone take longer
    // than DynamoDB would for the whole run.
    let fast = own_seconds < LIMIT_SECS;
    let small = peak_mib.is_none_or(|mib| mib < LIMIT_MIB);
    if !(clean && fast && small) {
        eprintln!(
            "bench-reconcile: FAILED (clean {clean}, under {LIMIT_SECS} s {fast}, under {LIMIT_MIB} MiB {small})"
        );
        std::process::exit(1);
    }
    Ok(())
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM:`, the peak resident memory
/// since the last reset; `VmRSS:`, the resident memory now), in KiB; Linux only.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
