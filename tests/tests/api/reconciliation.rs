//! Reconciliation against the fake WeChat Pay's bills: written from its own records in WeChat
//! Pay's format (gzip, SHA1, signed answers), with differences planted by the tests. Each shop's
//! clock stands at noon of one Beijing day, so the day's bill holds exactly its payments.

use integration_tests::{address, product, request, spawn_app};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::domain::reconciliation::date::BillDate;
use shared::domain::reconciliation::report::Report;
use shared::domain::time::{Clock, Timestamp};
use shared::infra::wechatpay::bills::BillError;
use shared::orders::{GetOrder, SubmitOrder};
use shared::payments::RefundOrder;
use shared::reconciliation::ReconcilePayments;
use shared::reconciliation::reconciler::{ReconcileError, Reconciler};
use shared::runtime::events::EventAdapter;
use shared::runtime::startup::Build as _;
use tools::fake_wechatpay::Plant;

use crate::payments::{Shop, notify, refund_notify, refund_request, shop_of};

const DAY: &str = "2026-11-20";

/// A shop whose clock stands at noon (Beijing) on [`DAY`], with products at 0.01, 10.10 and
/// 99,999.99 yuan.
async fn shop_on_the_day() -> Shop {
    let mut app = spawn_app().await;
    app.clock = Clock::frozen_at(Timestamp::parse("2026-11-20T04:00:00Z").unwrap());
    let shop = shop_of(app).await;
    shop.app
        .seed(&[
            product("penny", 1, 100, true, "tea", 2),
            product("tenten", 1010, 100, true, "tea", 3),
            product("big", 9_999_999, 100, true, "tea", 4),
        ])
        .await;
    shop
}

/// Places an order of one unit of `product` and answers its id.
async fn place(shop: &Shop, product: &str, key: &str) -> String {
    let reply = shop
        .app
        .call::<SubmitOrder>(
            request(Method::POST, "/orders")
                .bearer(&shop.token)
                .header("idempotency-key", key)
                .json(&json!({"address": address(), "items": [{"productId": product, "quantity": 1}]})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data()["orderId"].as_str().unwrap().to_owned()
}

/// Places and pays an order of `product` (`total` fen): WeChat Pay records the payment and its
/// notification is delivered.
async fn paid(shop: &Shop, product: &str, total: i64, key: &str) -> String {
    let id = place(shop, product, key).await;
    let notification = shop
        .pay
        .pay_and_notify(&id, &format!("4200{id}"), total, "o_payer");
    assert_eq!(notify(shop, &notification).await.0, 204);
    id
}

/// Refunds the paid order `id` in full, and delivers WeChat Pay's notification of its success.
async fn refunded(shop: &Shop, id: &str) -> String {
    let reply = shop
        .app
        .call::<RefundOrder>(refund_request(&shop.token, id))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let number = format!("R{id}");
    let notification = shop.pay.refund_succeeded(&number);
    assert_eq!(refund_notify(shop, &notification).await.0, 204);
    number
}

async fn reconcile(shop: &Shop, day: &str) -> Result<Report, ReconcileError> {
    let reconciler = Reconciler::build(&shop.app.startup()).await.unwrap();
    reconciler.reconcile(&BillDate::parse(day).unwrap()).await
}

fn kinds(report: &Report) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = report
        .discrepancies
        .iter()
        .map(|d| {
            (
                d.kind.as_str().to_owned(),
                d.out_refund_no.clone().unwrap_or_else(|| d.out_trade_no.clone()),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

async fn object(shop: &Shop, key: &str) -> Option<Vec<u8>> {
    let object = shop
        .app
        .s3
        .get_object()
        .bucket(&shop.app.bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    Some(object.body.collect().await.unwrap().into_bytes().to_vec())
}

#[tokio::test]
async fn a_clean_day_reconciles_to_the_fen_and_its_report_is_kept() {
    let shop = shop_on_the_day().await;
    let penny = paid(&shop, "penny", 1, "recon-clean-1").await;
    let tenten = paid(&shop, "tenten", 1010, "recon-clean-2").await;
    let big = paid(&shop, "big", 9_999_999, "recon-clean-3").await;
    refunded(&shop, &tenten).await;
    let _unpaid = place(&shop, "penny", "recon-clean-4").await;

    let report = reconcile(&shop, DAY).await.unwrap();

    assert_eq!(report.discrepancies, vec![], "{report:#?}");
    assert_eq!((report.rows, report.matched), (4, 4));
    let t = &report.totals;
    assert_eq!((t.bill_paid_fen, t.here_paid_fen), (10_001_010, 10_001_010));
    assert_eq!((t.bill_refunded_fen, t.here_refunded_fen), (1010, 1010));
    assert_eq!(
        t.bill_fees_yuan, "600.00000",
        "0.6% of each payment, less the refund's"
    );
    assert_eq!((t.income_fen, t.refunds_fen), (10_001_010, 1010));
    assert_eq!(
        t.fees_fen, 60_006,
        "the fund-flow bill's fees, each rounded to the fen"
    );
    // The report: JSON and CSV in the bucket, the summary in the table.
    let json: Value = serde_json::from_slice(
        &object(&shop, "reconciliation/2026-11-20/report.json")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json, serde_json::to_value(&report).unwrap());
    let csv = String::from_utf8(
        object(&shop, "reconciliation/2026-11-20/report.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("账单收款(元),100010.10"),
        "{csv}"
    );
    let summary = shop.app.store().reconciliation(DAY).await.unwrap().unwrap();
    assert_eq!((summary.rows, summary.discrepancies), (4, 0));
    assert!([penny, big].iter().all(|id| !csv.contains(id.as_str())));
}

#[tokio::test]
async fn each_kind_of_difference_planted_in_the_bill_is_found_exactly() {
    let shop = shop_on_the_day().await;
    let kept = paid(&shop, "penny", 1, "recon-kinds-1").await;
    let omitted = paid(&shop, "tenten", 1010, "recon-kinds-2").await;
    let altered = paid(&shop, "tenten", 1010, "recon-kinds-3").await;
    let refund_omitted = paid(&shop, "big", 9_999_999, "recon-kinds-4").await;
    let refund_altered = paid(&shop, "tenten", 1010, "recon-kinds-5").await;
    let omitted_refund = refunded(&shop, &refund_omitted).await;
    let altered_refund = refunded(&shop, &refund_altered).await;
    shop.pay.plant(Plant::Omit(omitted.clone()));
    shop.pay.plant(Plant::Amount(altered.clone(), 1001));
    shop.pay.plant(Plant::Payment {
        out_trade_no: "20261120000000099999999".into(),
        total_fen: 500,
    });
    shop.pay.plant(Plant::Refund {
        out_trade_no: kept.clone(),
        out_refund_no: format!("R{kept}-9"),
        amount_fen: 1,
    });
    shop.pay.plant(Plant::Omit(omitted_refund.clone()));
    shop.pay.plant(Plant::Amount(altered_refund.clone(), 1000));

    let report = reconcile(&shop, DAY).await.unwrap();

    assert_eq!(
        kinds(&report),
        vec![
            ("amount_mismatch".to_owned(), altered.clone()),
            ("paid_here_not_there".to_owned(), omitted.clone()),
            (
                "paid_there_not_here".to_owned(),
                "20261120000000099999999".to_owned()
            ),
            ("refund_amount_mismatch".to_owned(), altered_refund.clone()),
            ("refund_here_not_there".to_owned(), omitted_refund.clone()),
            ("refund_there_not_here".to_owned(), format!("R{kept}-9")),
        ],
        "{report:#?}"
    );
    // Rows: 5 payments (one omitted, one planted) and 2 refunds (one omitted, one planted); the
    // 3 payments left alone match.
    assert_eq!((report.rows, report.matched), (7, 3));
    let mismatch = report
        .discrepancies
        .iter()
        .find(|d| d.out_trade_no == altered)
        .unwrap();
    assert_eq!(mismatch.here.as_ref().unwrap().amount_fen, 1010);
    assert_eq!(mismatch.there.as_ref().unwrap().amount_fen, 1001);
    let unknown = report
        .discrepancies
        .iter()
        .find(|d| d.kind.as_str() == "paid_there_not_here")
        .unwrap();
    assert!(
        unknown.here.is_none() && unknown.healed.is_none(),
        "no such order: nothing to heal"
    );
    let summary = shop.app.store().reconciliation(DAY).await.unwrap().unwrap();
    assert_eq!(summary.discrepancies, 6);
    assert_eq!(summary.first_discrepancies, report.discrepancies);
}

#[tokio::test]
async fn a_bill_whose_sha1_does_not_match_is_refused_and_no_report_is_written() {
    let shop = shop_on_the_day().await;
    paid(&shop, "penny", 1, "recon-hash-1").await;
    shop.pay.plant(Plant::WrongHash);

    let refused = reconcile(&shop, DAY).await;

    assert!(
        matches!(refused, Err(ReconcileError::Bill(BillError::HashMismatch { .. }))),
        "{refused:?}"
    );
    assert_eq!(shop.app.store().reconciliation(DAY).await.unwrap(), None);
    assert_eq!(object(&shop, "reconciliation/2026-11-20/report.json").await, None);
}

#[tokio::test]
async fn a_day_without_a_bill_is_a_clean_empty_day_and_the_function_measures_it() {
    let shop = shop_on_the_day().await;
    paid(&shop, "penny", 1, "recon-empty-1").await;
    let function = EventAdapter::<ReconcilePayments>::build(&shop.app.startup())
        .await
        .unwrap();

    let summary = function
        .handle(
            "req-recon-1",
            serde_json::from_value(json!({"date": "2026-11-19"})).unwrap(),
        )
        .await
        .unwrap();
    let yesterday = function
        .handle(
            "req-recon-2",
            serde_json::from_value(json!({"detail": {}})).unwrap(),
        )
        .await
        .unwrap();

    assert_eq!(
        (summary.date.as_str(), summary.rows, summary.discrepancies),
        ("2026-11-19", 0, 0)
    );
    assert_eq!(
        yesterday.date, "2026-11-19",
        "the schedule's run takes the Beijing day before"
    );
    assert_eq!(
        shop.pay.bill_applications(),
        0,
        "WeChat Pay answered NO_STATEMENT_EXIST"
    );
    let report = shop
        .app
        .store()
        .reconciliation("2026-11-19")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((report.rows, report.discrepancies), (0, 0));
    let metrics = integration_tests::captured_metrics();
    assert!(
        metrics
            .iter()
            .any(|m| m["function"] == "reconcile-payments" && m["Discrepancies"] == 0.0),
        "{metrics:?}"
    );
    let bad = function
        .handle(
            "req-recon-3",
            serde_json::from_value(json!({"date": "2026-13-01"})).unwrap(),
        )
        .await;
    assert!(bad.is_err());
}

#[tokio::test]
async fn a_payment_we_hold_as_pending_is_healed_once_however_often_the_day_is_run() {
    let shop = shop_on_the_day().await;
    let id = place(&shop, "tenten", "recon-heal-1").await;
    // The payer paid; the notification never came.
    shop.pay.pay(&id, &format!("4200{id}"), 1010);

    let first = reconcile(&shop, DAY).await.unwrap();
    let second = reconcile(&shop, DAY).await.unwrap();

    assert_eq!(
        kinds(&first),
        vec![("paid_there_not_here".to_owned(), id.clone())]
    );
    let healed = &first.discrepancies[0];
    assert_eq!(healed.healed, Some(true));
    assert_eq!(
        healed.here.as_ref().unwrap().status.as_deref(),
        Some("PENDING_PAYMENT")
    );
    assert_eq!(
        second.discrepancies,
        vec![],
        "applied once: the second run finds it paid"
    );
    assert_eq!(second.matched, 1);
    let order = shop
        .app
        .call::<GetOrder>(
            request(Method::GET, "/orders/x")
                .bearer(&shop.token)
                .path_param("id", &id)
                .build(),
        )
        .await;
    assert_eq!(order.data()["status"], "PAID");
    assert_eq!(order.data()["transactionId"], format!("4200{id}"));
    assert_eq!(shop.app.store().ledger_of_day(DAY).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_back_office_lists_the_days_and_shows_a_days_report_to_the_roles_that_keep_records() {
    use shared::reconciliation::{GetReconciliation, ListReconciliations};
    let shop = shop_on_the_day().await;
    let id = paid(&shop, "tenten", 1010, "recon-console-1").await;
    shop.pay.plant(Plant::Amount(id.clone(), 1000));
    reconcile(&shop, DAY).await.unwrap();
    let app = &shop.app;
    let finance = app.operator_session("finance").await;
    let support = app.operator_session("support").await;
    let day = |date: &str| request(Method::GET, "/admin/reconciliations/x").path_param("date", date);

    let list = app
        .call::<ListReconciliations>(
            request(Method::GET, "/admin/reconciliations")
                .console(&finance)
                .build(),
        )
        .await;
    let detail = app
        .call::<GetReconciliation>(day(DAY).console(&finance).build())
        .await;
    let refused = app
        .call::<GetReconciliation>(day(DAY).console(&support).build())
        .await;
    let token = app.token_for("o_not_an_operator").await;
    let user = app
        .call::<ListReconciliations>(
            request(Method::GET, "/admin/reconciliations")
                .bearer(&token)
                .build(),
        )
        .await;
    let not_a_date = app
        .call::<GetReconciliation>(day("2026-02-30").console(&finance).build())
        .await;
    let not_reconciled = app
        .call::<GetReconciliation>(day("2026-11-19").console(&finance).build())
        .await;

    assert_eq!(list.status, 200, "{:?}", list.body);
    let days = list.data()["items"].as_array().unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(
        (days[0]["date"].as_str(), days[0]["discrepancies"].as_i64()),
        (Some(DAY), Some(1))
    );
    assert!(
        days[0].get("firstDiscrepancies").is_none(),
        "the list stays light"
    );
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    let first = &detail.data()["firstDiscrepancies"][0];
    assert_eq!(
        (first["kind"].as_str(), first["outTradeNo"].as_str()),
        (Some("amount_mismatch"), Some(id.as_str()))
    );
    let csv = reqwest::get(detail.data()["csvUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.text().await.unwrap().contains(&id),
        "the link is the day's CSV"
    );
    assert_eq!((refused.status, refused.code()), (403, 40303));
    assert_eq!((user.status, user.code()), (401, 40109));
    assert_eq!((not_a_date.status, not_a_date.code()), (400, 40002));
    assert_eq!((not_reconciled.status, not_reconciled.code()), (404, 40401));
}
