//! The bills of the fake WeChat Pay: a day's trade and fund-flow bills written from its own
//! records as WeChat Pay writes them (UTF-8 CSV, a header, backtick-prefixed fields, yuan with
//! two decimals and fees with five, a summary section), gzipped; and the differences a test can
//! plant in them.

use std::io::Write as _;

use shared::domain::reconciliation::money::{FEE, format_fen, format_scaled};

/// A successful payment in the fake's records.
#[derive(Debug, Clone)]
pub struct PaidRecord {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub total_fen: i64,
    /// `YYYY-MM-DD HH:MM:SS`, Beijing time.
    pub at: String,
}

/// A successful refund in the fake's records.
#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub out_refund_no: String,
    pub refund_id: String,
    pub amount_fen: i64,
    pub at: String,
}

/// A difference a test plants in every bill the fake writes from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plant {
    /// Leave out the payment of this order, or the refund of this number.
    Omit(String),
    /// Write this amount (fen) for the payment of this order, or the refund of this number.
    Amount(String, i64),
    /// A payment we never asked for (an order of another system, or of nobody).
    Payment { out_trade_no: String, total_fen: i64 },
    /// A refund we never asked for.
    Refund {
        out_trade_no: String,
        out_refund_no: String,
        amount_fen: i64,
    },
    /// Write this app id on the payment of this order.
    App(String, String),
    /// Answer a hash that is not the file's.
    WrongHash,
}

/// The merchant the rows belong to.
pub struct Merchant<'a> {
    pub appid: &'a str,
    pub mchid: &'a str,
}

/// WeChat Pay's fee in the fake: 0.6% of the amount, in 10^-5 yuan (fen x 6, exact).
fn fee(fen: i64) -> i64 {
    fen * 6
}

fn field(value: &str) -> String {
    format!("`{value}")
}

/// The day's records with `plants` applied.
pub fn planted(
    mut paid: Vec<PaidRecord>,
    mut refunds: Vec<RefundRecord>,
    plants: &[Plant],
    at: &str,
) -> (Vec<(PaidRecord, Option<String>)>, Vec<RefundRecord>) {
    for plant in plants {
        match plant {
            Plant::Omit(no) => {
                paid.retain(|p| &p.out_trade_no != no);
                refunds.retain(|r| &r.out_refund_no != no);
            }
            Plant::Amount(no, fen) => {
                paid.iter_mut()
                    .filter(|p| &p.out_trade_no == no)
                    .for_each(|p| p.total_fen = *fen);
                refunds
                    .iter_mut()
                    .filter(|r| &r.out_refund_no == no)
                    .for_each(|r| r.amount_fen = *fen);
            }
            Plant::Payment {
                out_trade_no,
                total_fen,
            } => paid.push(PaidRecord {
                out_trade_no: out_trade_no.clone(),
                transaction_id: format!("4200{out_trade_no}"),
                total_fen: *total_fen,
                at: at.to_owned(),
            }),
            Plant::Refund {
                out_trade_no,
                out_refund_no,
                amount_fen,
            } => refunds.push(RefundRecord {
                out_trade_no: out_trade_no.clone(),
                transaction_id: format!("4200{out_trade_no}"),
                out_refund_no: out_refund_no.clone(),
                refund_id: format!("5030{out_refund_no}"),
                amount_fen: *amount_fen,
                at: at.to_owned(),
            }),
            Plant::App(_, _) | Plant::WrongHash => {}
        }
    }
    let paid = paid
        .into_iter()
        .map(|p| {
            let app = plants.iter().find_map(|plant| match plant {
                Plant::App(no, app) if *no == p.out_trade_no => Some(app.clone()),
                _ => None,
            });
            (p, app)
        })
        .collect();
    (paid, refunds)
}

/// The trade bill (`bill_type=ALL`).
pub fn trade_bill(
    merchant: &Merchant<'_>,
    paid: &[(PaidRecord, Option<String>)],
    refunds: &[RefundRecord],
) -> String {
    let mut out = String::from(
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n",
    );
    let (mut settled, mut refunded, mut fees, mut total) = (0, 0, 0, 0);
    let mut row = |fields: Vec<String>| {
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    for (p, app) in paid {
        settled += p.total_fen;
        total += p.total_fen;
        fees += fee(p.total_fen);
        row(vec![
            p.at.clone(),
            app.clone().unwrap_or_else(|| merchant.appid.to_owned()),
            merchant.mchid.to_owned(),
            "0".into(),
            String::new(),
            p.transaction_id.clone(),
            p.out_trade_no.clone(),
            "o_payer".into(),
            "JSAPI".into(),
            "SUCCESS".into(),
            "OTHERS".into(),
            "CNY".into(),
            format_fen(p.total_fen),
            "0.00".into(),
            "0".into(),
            "0".into(),
            "0.00".into(),
            "0.00".into(),
            String::new(),
            String::new(),
            "龙井茶 250g".into(),
            String::new(),
            format_scaled(fee(p.total_fen), FEE),
            "0.60%".into(),
            format_fen(p.total_fen),
            "0.00".into(),
            String::new(),
        ]);
    }
    for r in refunds {
        refunded += r.amount_fen;
        fees -= fee(r.amount_fen);
        row(vec![
            r.at.clone(),
            merchant.appid.to_owned(),
            merchant.mchid.to_owned(),
            "0".into(),
            String::new(),
            r.transaction_id.clone(),
            r.out_trade_no.clone(),
            "o_payer".into(),
            "JSAPI".into(),
            "REFUND".into(),
            "OTHERS".into(),
            "CNY".into(),
            "0.00".into(),
            "0.00".into(),
            r.refund_id.clone(),
            r.out_refund_no.clone(),
            format_fen(r.amount_fen),
            "0.00".into(),
            "ORIGINAL".into(),
            "SUCCESS".into(),
            "商品".into(),
            String::new(),
            format_scaled(-fee(r.amount_fen), FEE),
            "0.60%".into(),
            "0.00".into(),
            format_fen(r.amount_fen),
            String::new(),
        ]);
    }
    out.push_str(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n",
    );
    let summary = [
        (paid.len() + refunds.len()).to_string(),
        format_fen(settled),
        format_fen(refunded),
        "0.00".into(),
        format_scaled(fees, FEE),
        format_fen(total),
        format_fen(refunded),
    ];
    let summary: Vec<String> = summary.iter().map(|f| field(f)).collect();
    out.push_str(&summary.join(","));
    out.push_str("\r\n");
    out
}

/// The fund-flow bill (`account_type=BASIC`): each payment in, its fee (rounded to the fen) and
/// each refund out.
pub fn fund_flow_bill(paid: &[(PaidRecord, Option<String>)], refunds: &[RefundRecord]) -> String {
    let mut out = String::from(
        "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\r\n",
    );
    let (mut balance, mut income, mut expense, mut ins, mut outs) = (0i64, 0i64, 0i64, 0, 0);
    let mut entry = |at: &str, id: &str, name: &str, direction: &str, fen: i64, voucher: &str| {
        balance += if direction == "收入" { fen } else { -fen };
        let fields = [
            at.to_owned(),
            id.to_owned(),
            format!("{}", 1_000_000 + ins + outs),
            name.to_owned(),
            name.to_owned(),
            direction.to_owned(),
            format_fen(fen),
            format_fen(balance),
            "system".to_owned(),
            String::new(),
            voucher.to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
        if direction == "收入" {
            ins += 1;
            income += fen;
        } else {
            outs += 1;
            expense += fen;
        }
    };
    for (p, _) in paid {
        entry(
            &p.at,
            &p.transaction_id,
            "交易",
            "收入",
            p.total_fen,
            &p.out_trade_no,
        );
        let fee_fen = (fee(p.total_fen) + 500) / 1000;
        if fee_fen > 0 {
            entry(
                &p.at,
                &p.transaction_id,
                "扣除交易手续费",
                "支出",
                fee_fen,
                &p.out_trade_no,
            );
        }
    }
    for r in refunds {
        entry(
            &r.at,
            &r.refund_id,
            "退款",
            "支出",
            r.amount_fen,
            &r.out_refund_no,
        );
    }
    out.push_str("资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n");
    let summary = [
        (ins + outs).to_string(),
        ins.to_string(),
        format_fen(income),
        outs.to_string(),
        format_fen(expense),
    ];
    let summary: Vec<String> = summary.iter().map(|f| field(f)).collect();
    out.push_str(&summary.join(","));
    out.push_str("\r\n");
    out
}

/// `text` gzipped.
pub fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(text);
    encoder.finish().unwrap_or_default()
}
