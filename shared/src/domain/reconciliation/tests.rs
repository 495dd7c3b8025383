//! The matching and the report, on bills and money books made up in memory.

use std::collections::HashMap;

use serde_json::json;

use super::bills::{RefundRow, TradeBill, TradeRow};
use super::ledger::LedgerEntry;
use super::matching::{DiscrepancyKind, Merchant, Unrecorded, judge_unrecorded, match_day};
use super::report::{Report, Totals};
use crate::domain::catalog::{Category, Fulfilment, Product, ProductStatus};
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::orders::{Order, Payment};
use crate::domain::time::Timestamp;

const MERCHANT: Merchant<'static> = Merchant {
    mchid: "1900000109",
    appid: "wxapp",
};

fn at() -> Timestamp {
    Timestamp::parse("2026-11-20T04:00:00Z").unwrap()
}

fn id(text: &str) -> OrderId {
    OrderId::parse(text).unwrap()
}

fn payment_row(order: &str, fen: i64) -> TradeRow {
    TradeRow {
        line: 2,
        traded_at: "2026-11-20 12:00:00".into(),
        appid: MERCHANT.appid.into(),
        mchid: MERCHANT.mchid.into(),
        transaction_id: format!("4200{order}"),
        out_trade_no: order.into(),
        state: "SUCCESS".into(),
        total_fen: fen,
        settled_fen: fen,
        fee: 0,
        refund: None,
    }
}

fn refund_row(order: &str, number: &str, fen: i64) -> TradeRow {
    TradeRow {
        state: "REFUND".into(),
        total_fen: 0,
        settled_fen: 0,
        refund: Some(RefundRow {
            refund_id: format!("5030{number}"),
            out_refund_no: number.into(),
            requested_fen: fen,
            refund_fen: fen,
            status: "SUCCESS".into(),
        }),
        ..payment_row(order, 0)
    }
}

fn bill(rows: Vec<TradeRow>) -> TradeBill {
    TradeBill {
        rows,
        ..TradeBill::default()
    }
}

fn paid(order: &str, fen: i64) -> LedgerEntry {
    LedgerEntry::payment(&id(order), &format!("4200{order}"), fen, at())
}

fn refunded(order: &str, number: &str, fen: i64) -> LedgerEntry {
    LedgerEntry::refund(&id(order), number, fen, at())
}

fn kinds(day: &super::matching::DayMatch) -> Vec<(&'static str, String)> {
    day.discrepancies
        .iter()
        .map(|d| {
            (
                d.kind.as_str(),
                d.out_refund_no.clone().unwrap_or_else(|| d.out_trade_no.clone()),
            )
        })
        .collect()
}

#[test]
fn a_day_whose_bill_and_book_agree_is_clean() {
    let bill = bill(vec![
        payment_row("1001", 1),
        payment_row("1002", 1010),
        payment_row("1003", 9_999_999),
        refund_row("1002", "RA2-1", 1010),
    ]);
    let book = [
        paid("1001", 1),
        paid("1002", 1010),
        paid("1003", 9_999_999),
        refunded("1002", "RA2-1", 1010),
    ];

    let day = match_day(&bill, &book, MERCHANT);

    assert_eq!(day.matched, 4);
    assert!(day.discrepancies.is_empty(), "{:?}", day.discrepancies);
    assert!(day.unrecorded.is_empty());
}

#[test]
fn each_kind_of_difference_is_found_exactly_once() {
    let bill = bill(vec![
        payment_row("2001", 100),
        payment_row("2002", 200),
        payment_row("2003", 300),
        refund_row("2001", "RSAME-1", 50),
        refund_row("2001", "RSAME-2", 20),
        refund_row("2001", "RNOBODY", 10),
    ]);
    let book = [
        paid("2001", 100),
        paid("2002", 201),
        paid("2004", 400),
        refunded("2001", "RSAME-1", 50),
        refunded("2001", "RSAME-2", 21),
        refunded("2001", "RGONE", 30),
    ];

    let day = match_day(&bill, &book, MERCHANT);

    assert_eq!(day.matched, 2, "the payment of 2001 and RSAME-1");
    let mut found = kinds(&day);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("amount_mismatch", "2002".to_owned()),
            ("paid_here_not_there", "2004".to_owned()),
            ("refund_amount_mismatch", "RSAME-2".to_owned()),
            ("refund_here_not_there", "RGONE".to_owned()),
            ("refund_there_not_here", "RNOBODY".to_owned()),
        ]
    );
    assert_eq!(day.unrecorded, vec![2], "the order of 2003 is looked at next");
    let mismatch = day
        .discrepancies
        .iter()
        .find(|d| d.kind == DiscrepancyKind::AmountMismatch)
        .unwrap();
    assert_eq!(
        (
            mismatch.here.as_ref().unwrap().amount_fen,
            mismatch.there.as_ref().unwrap().amount_fen
        ),
        (201, 200)
    );
}

#[test]
fn a_row_of_another_merchant_or_app_never_matches() {
    let mut foreign = payment_row("1001", 100);
    foreign.appid = "wxother".into();
    let mut elsewhere = refund_row("1001", "RA1-1", 100);
    elsewhere.mchid = "1900000999".into();

    let day = match_day(
        &bill(vec![foreign, elsewhere]),
        &[paid("1001", 100), refunded("1001", "RA1-1", 100)],
        MERCHANT,
    );

    assert_eq!(day.matched, 0);
    let mut found = kinds(&day);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("paid_here_not_there", "1001".to_owned()),
            ("paid_there_not_here", "1001".to_owned()),
            ("refund_here_not_there", "RA1-1".to_owned()),
            ("refund_there_not_here", "RA1-1".to_owned()),
        ]
    );
    assert!(
        day.discrepancies
            .iter()
            .any(|d| d.reason.as_deref() == Some("the row is of app wxother"))
    );
}

#[test]
fn a_refund_still_processing_in_the_bill_is_not_money_back() {
    let mut processing = refund_row("1001", "RA1-1", 100);
    processing.refund.as_mut().unwrap().status = "PROCESSING".into();

    let day = match_day(
        &bill(vec![processing]),
        &[refunded("1001", "RA1-1", 100)],
        MERCHANT,
    );

    assert_eq!(kinds(&day), vec![("refund_here_not_there", "RA1-1".to_owned())]);
}

fn order(total_fen: i64) -> Order {
    let product = Product {
        id: ProductId::parse("tea").unwrap(),
        name: "tea".into(),
        description: String::new(),
        price_fen: total_fen,
        stock: 5,
        category: Category::parse("tea").unwrap(),
        images: vec![],
        status: ProductStatus::OnSale,
        fulfilment: Fulfilment::Virtual,
        sort_order: 1,
        specs: Vec::new(),
        skus: Vec::new(),
        created_at: at(),
        updated_at: at(),
    };
    let product = product.normalized().unwrap();
    let products = HashMap::from([(product.id.clone(), product)]);
    let request = serde_json::from_value(json!({"items": [{"productId": "tea", "quantity": 1}]})).unwrap();
    crate::domain::orders::build_order(
        &request,
        &products,
        &Openid::parse("o_buyer").unwrap(),
        id("1001"),
        at(),
    )
    .unwrap()
}

#[test]
fn an_unrecorded_payment_is_judged_by_its_order() {
    let row = payment_row("1001", 1010);
    let pending = order(1010);
    let paid = pending.clone().paid(Payment {
        transaction_id: "42001001".into(),
        paid_at: at(),
    });
    let paid_otherwise = pending.clone().paid(Payment {
        transaction_id: "4200ELSE".into(),
        paid_at: at(),
    });

    let healable = |u: Unrecorded| match u {
        Unrecorded::Differs {
            discrepancy,
            healable,
        } => Some((discrepancy.kind, healable)),
        Unrecorded::Recorded => None,
    };
    assert_eq!(
        healable(judge_unrecorded(&row, Some(&paid))),
        None,
        "the order holds this payment"
    );
    assert_eq!(
        healable(judge_unrecorded(&row, Some(&pending))),
        Some((DiscrepancyKind::PaidThereNotHere, true))
    );
    assert_eq!(
        healable(judge_unrecorded(&payment_row("1001", 1011), Some(&pending))),
        Some((DiscrepancyKind::PaidThereNotHere, false)),
        "never healed with another amount"
    );
    assert_eq!(
        healable(judge_unrecorded(&row, Some(&paid_otherwise))),
        Some((DiscrepancyKind::PaidThereNotHere, false))
    );
    assert_eq!(
        healable(judge_unrecorded(&row, None)),
        Some((DiscrepancyKind::PaidThereNotHere, false))
    );
}

#[test]
fn the_report_reads_as_the_issue_shows_and_its_csv_is_for_a_spreadsheet() {
    let bill = bill(vec![payment_row("1001", 1010), payment_row("=HYPERLINK(1)", 5)]);
    let book = [paid("1001", 1010), paid("1009", 1)];
    let mut day = match_day(&bill, &book, MERCHANT);
    day.discrepancies.push(super::matching::Discrepancy {
        healed: Some(true),
        ..day.discrepancies[0].clone()
    });
    let report = Report {
        date: "2026-11-20".into(),
        rows: bill.rows.len(),
        matched: day.matched,
        totals: Totals::of(&bill, &Default::default(), &book),
        discrepancies: day.discrepancies,
    };

    let json = serde_json::to_value(&report).unwrap();
    let csv = report.to_csv();

    assert_eq!(json["date"], "2026-11-20");
    assert_eq!(
        (json["rows"].as_i64(), json["matched"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(json["totals"]["billPaidFen"], 1015);
    assert_eq!(json["totals"]["herePaidFen"], 1011);
    let missing = &json["discrepancies"][0];
    assert_eq!(missing["kind"], "paid_here_not_there");
    assert_eq!(missing["outTradeNo"], "1009");
    assert!(missing["there"].is_null() && missing["here"]["amountFen"] == 1);
    assert!(missing.get("healed").is_none() && missing.get("outRefundNo").is_none());
    assert_eq!(json["discrepancies"][1]["healed"], true);
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("paid_here_not_there,我方已收款，账单无此笔,1009,,0.01,,42001009,,,,"),
        "{csv}"
    );
    assert!(csv.contains("账单收款(元),10.15"), "{csv}");
}
