//! WeChat Pay's daily bills, read as WeChat Pay writes them: UTF-8 CSV, a header row, data rows
//! whose fields start with a backtick (so that spreadsheets keep ids as text), amounts in yuan,
//! and a summary section after the data. Columns are found by their header name, never by
//! position, and every amount is read exactly (see [`super::money`]).

use std::collections::HashMap;

use super::money::{FEE, FEN, parse_scaled};

/// Why a bill could not be read: the line (1-based) and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {bill} bill, line {line}: {message}")]
pub struct BillError {
    pub bill: &'static str,
    pub line: u64,
    pub message: String,
}

/// One data row of a trade bill: a payment (`交易状态` SUCCESS) or a refund (REFUND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRow {
    /// Where it is in the file (1-based), for the report.
    pub line: u64,
    /// 交易时间, as written (Beijing time).
    pub traded_at: String,
    /// 公众账号ID.
    pub appid: String,
    /// 商户号.
    pub mchid: String,
    /// 微信订单号.
    pub transaction_id: String,
    /// 商户订单号: our order id.
    pub out_trade_no: String,
    /// 交易状态: `SUCCESS`, `REFUND`, or another WeChat Pay state.
    pub state: String,
    /// 订单金额: what the order asked (what we sent as `amount.total`).
    pub total_fen: i64,
    /// 应结订单金额: the order less the coupons the merchant does not fund.
    pub settled_fen: i64,
    /// 手续费, in 10^-5 yuan (fees carry up to five decimals).
    pub fee: i64,
    /// The refund's part, on a refund row.
    pub refund: Option<RefundRow>,
}

/// The refund columns of a refund row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    /// 微信退款单号.
    pub refund_id: String,
    /// 商户退款单号: our refund number.
    pub out_refund_no: String,
    /// 申请退款金额: what we asked.
    pub requested_fen: i64,
    /// 退款金额: what went back (less coupons).
    pub refund_fen: i64,
    /// 退款状态: `SUCCESS`, `PROCESSING`, ...
    pub status: String,
}

impl TradeRow {
    /// A successful payment.
    pub fn is_payment(&self) -> bool {
        self.state == "SUCCESS"
    }

    /// A refund that went back: WeChat Pay writes refund rows with the refund's status.
    pub fn successful_refund(&self) -> Option<&RefundRow> {
        self.refund
            .as_ref()
            .filter(|refund| self.state == "REFUND" && refund.status == "SUCCESS")
    }
}

/// The summary a trade bill ends with (its amounts summed over every row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TradeSummary {
    /// 总交易单数.
    pub rows: u64,
    /// 应结订单总金额.
    pub settled_fen: i64,
    /// 退款总金额.
    pub refunded_fen: i64,
    /// 手续费总金额, in 10^-5 yuan.
    pub fees: i64,
    /// 订单总金额.
    pub total_fen: i64,
    /// 申请退款总金额.
    pub requested_refund_fen: i64,
}

/// A day's trade bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TradeBill {
    pub rows: Vec<TradeRow>,
    pub summary: TradeSummary,
}

/// What a day's fund-flow bill adds up to, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundFlowTotals {
    /// Entries in the bill.
    pub rows: u64,
    /// Money in (收支类型 收入): the day's payments.
    pub income_fen: i64,
    /// Money out (支出): refunds, fees, withdrawals.
    pub expense_fen: i64,
    /// Money out to refunds (业务类型 or 业务名称 of 退款).
    pub refunds_fen: i64,
    /// Money out to WeChat Pay's fees (手续费).
    pub fees_fen: i64,
}

/// A field as written, without the leading backtick and surrounding blanks.
fn clean(field: &str) -> &str {
    let field = field.trim();
    field.strip_prefix('`').unwrap_or(field).trim()
}

/// The records of a bill after its header: each with its line, until the summary's header
/// (returned apart with the record after it).
struct Sections {
    header: HashMap<String, usize>,
    data: Vec<(u64, csv::StringRecord)>,
    summary: Option<(u64, HashMap<String, usize>, csv::StringRecord)>,
}

fn sections(bill: &'static str, text: &[u8], summary_starts: &str) -> Result<Sections, BillError> {
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    let failed = |line: u64, message: String| BillError { bill, line, message };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut records = reader.records();
    let names = |record: &csv::StringRecord| -> HashMap<String, usize> {
        record
            .iter()
            .enumerate()
            .map(|(i, name)| (clean(name).to_owned(), i))
            .collect()
    };
    let header = match records.next() {
        Some(Ok(record)) => names(&record),
        Some(Err(err)) => return Err(failed(1, format!("unreadable header: {err}"))),
        None => HashMap::new(),
    };
    let mut data = Vec::new();
    let mut summary = None;
    // Lines count records: a bill's fields never hold a line break.
    let mut line = 1;
    while let Some(record) = records.next() {
        line += 1;
        let record = record.map_err(|e| failed(line, format!("not CSV: {e}")))?;
        if record.iter().all(|field| clean(field).is_empty()) {
            continue;
        }
        if record.get(0).map(clean) == Some(summary_starts) {
            let summary_names = names(&record);
            let values = match records.next() {
                Some(Ok(values)) => values,
                _ => return Err(failed(line + 1, "the summary has no values".into())),
            };
            summary = Some((line + 1, summary_names, values));
            break;
        }
        data.push((line, record));
    }
    Ok(Sections {
        header,
        data,
        summary,
    })
}

/// Finds columns by name in a header.
struct Columns<'a> {
    bill: &'static str,
    names: &'a HashMap<String, usize>,
}

impl Columns<'_> {
    /// The index of the first of `names` present, or an error naming the first.
    fn find(&self, names: &[&str]) -> Result<usize, BillError> {
        names
            .iter()
            .find_map(|name| self.names.get(*name).copied())
            .ok_or_else(|| BillError {
                bill: self.bill,
                line: 1,
                message: format!("no column {}", names[0]),
            })
    }
}

/// Reads one record's fields.
struct Row<'a> {
    bill: &'static str,
    line: u64,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn text(&self, column: usize) -> &str {
        self.record.get(column).map_or("", clean)
    }

    fn amount(&self, column: usize, name: &str, scale: u32) -> Result<i64, BillError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(0);
        }
        parse_scaled(text, scale).ok_or_else(|| BillError {
            bill: self.bill,
            line: self.line,
            message: format!("{name} `{text}` is not an amount"),
        })
    }
}

/// Parses a trade bill (`bill_type=ALL`, decompressed).
pub fn parse_trade_bill(text: &[u8]) -> Result<TradeBill, BillError> {
    const BILL: &str = "trade";
    let sections = sections(BILL, text, "总交易单数")?;
    if sections.data.is_empty() && sections.header.is_empty() {
        return Ok(TradeBill::default());
    }
    let columns = Columns {
        bill: BILL,
        names: &sections.header,
    };
    let traded_at = columns.find(&["交易时间"])?;
    let appid = columns.find(&["公众账号ID"])?;
    let mchid = columns.find(&["商户号"])?;
    let transaction_id = columns.find(&["微信订单号"])?;
    let out_trade_no = columns.find(&["商户订单号"])?;
    let state = columns.find(&["交易状态"])?;
    let settled = columns.find(&["应结订单金额"])?;
    let refund_id = columns.find(&["微信退款单号"])?;
    let out_refund_no = columns.find(&["商户退款单号"])?;
    let refunded = columns.find(&["退款金额"])?;
    let refund_status = columns.find(&["退款状态"])?;
    let fee = columns.find(&["手续费"])?;
    let total = columns.find(&["订单金额", "总金额"])?;
    let requested = columns.find(&["申请退款金额"])?;
    let mut rows = Vec::with_capacity(sections.data.len());
    for (line, record) in &sections.data {
        let row = Row {
            bill: BILL,
            line: *line,
            record,
        };
        // Payment rows write `0` in the refund columns: only a refund row has a refund.
        let refund = if row.text(state) != "REFUND" {
            None
        } else {
            Some(RefundRow {
                refund_id: row.text(refund_id).to_owned(),
                out_refund_no: row.text(out_refund_no).to_owned(),
                requested_fen: row.amount(requested, "申请退款金额", FEN)?,
                refund_fen: row.amount(refunded, "退款金额", FEN)?,
                status: row.text(refund_status).to_owned(),
            })
        };
        rows.push(TradeRow {
            line: *line,
            traded_at: row.text(traded_at).to_owned(),
            appid: row.text(appid).to_owned(),
            mchid: row.text(mchid).to_owned(),
            transaction_id: row.text(transaction_id).to_owned(),
            out_trade_no: row.text(out_trade_no).to_owned(),
            state: row.text(state).to_owned(),
            total_fen: row.amount(total, "订单金额", FEN)?,
            settled_fen: row.amount(settled, "应结订单金额", FEN)?,
            fee: row.amount(fee, "手续费", FEE)?,
            refund,
        });
    }
    let summary = match &sections.summary {
        None => TradeSummary::default(),
        Some((line, names, values)) => {
            let columns = Columns { bill: BILL, names };
            let row = Row {
                bill: BILL,
                line: *line,
                record: values,
            };
            let count = row.text(columns.find(&["总交易单数"])?);
            TradeSummary {
                rows: count.parse().map_err(|_| BillError {
                    bill: BILL,
                    line: *line,
                    message: format!("总交易单数 `{count}` is not a count"),
                })?,
                settled_fen: row.amount(columns.find(&["应结订单总金额"])?, "应结订单总金额", FEN)?,
                refunded_fen: row.amount(columns.find(&["退款总金额"])?, "退款总金额", FEN)?,
                fees: row.amount(columns.find(&["手续费总金额"])?, "手续费总金额", FEE)?,
                total_fen: row.amount(columns.find(&["订单总金额", "总金额"])?, "订单总金额", FEN)?,
                requested_refund_fen: row.amount(
                    columns.find(&["申请退款总金额"])?,
                    "申请退款总金额",
                    FEN,
                )?,
            }
        }
    };
    Ok(TradeBill { rows, summary })
}

/// Adds up a fund-flow bill (`account_type=BASIC`, decompressed).
pub fn parse_fund_flow_bill(text: &[u8]) -> Result<FundFlowTotals, BillError> {
    const BILL: &str = "fund-flow";
    let sections = sections(BILL, text, "资金流水总笔数")?;
    let mut totals = FundFlowTotals::default();
    if sections.data.is_empty() {
        return Ok(totals);
    }
    let columns = Columns {
        bill: BILL,
        names: &sections.header,
    };
    let name = columns.find(&["业务名称"])?;
    let kind = columns.find(&["业务类型"])?;
    let direction = columns.find(&["收支类型"])?;
    let amount = columns.find(&["收支金额（元）", "收支金额(元)", "收支金额"])?;
    for (line, record) in &sections.data {
        let row = Row {
            bill: BILL,
            line: *line,
            record,
        };
        let fen = row.amount(amount, "收支金额", FEN)?;
        let about = |word: &str| row.text(kind).contains(word) || row.text(name).contains(word);
        totals.rows += 1;
        match row.text(direction) {
            "收入" => totals.income_fen += fen,
            "支出" => {
                totals.expense_fen += fen;
                if about("手续费") {
                    totals.fees_fen += fen;
                } else if about("退款") {
                    totals.refunds_fen += fen;
                }
            }
            other => {
                return Err(BillError {
                    bill: BILL,
                    line: *line,
                    message: format!("收支类型 `{other}` is neither 收入 nor 支出"),
                });
            }
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRADE_HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";

    fn trade_bill() -> String {
        [
            TRADE_HEADER,
            "`2026-11-20 12:00:01,`wxapp,`1900000109,`0,`,`4200000001,`ORDER1,`o_payer,`JSAPI,`SUCCESS,`OTHERS,`CNY,`99999.99,`0.00,`0,`0,`0.00,`0.00,`,`,`龙井 250g,`,`599.99994,`0.60%,`99999.99,`0.00,`",
            "`2026-11-20 12:05:00,`wxapp,`1900000109,`0,`,`4200000001,`ORDER1,`o_payer,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5030001,`RORDER1-1,`10.10,`0.00,`ORIGINAL,`SUCCESS,`龙井 250g,`,`-0.06060,`0.60%,`0.00,`10.10,`",
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
            "`2,`99999.99,`10.10,`0.00,`599.93934,`99999.99,`10.10",
        ]
        .join("\r\n")
    }

    #[test]
    fn a_trade_bill_is_read_by_header_name_with_exact_amounts() {
        let bill = parse_trade_bill(trade_bill().as_bytes()).unwrap();

        assert_eq!(bill.rows.len(), 2);
        let paid = &bill.rows[0];
        assert!(paid.is_payment());
        assert_eq!(
            (paid.out_trade_no.as_str(), paid.total_fen, paid.fee),
            ("ORDER1", 9_999_999, 59_999_994)
        );
        assert_eq!(paid.refund, None);
        let refund = bill.rows[1].successful_refund().unwrap();
        assert_eq!(
            (refund.out_refund_no.as_str(), refund.requested_fen),
            ("RORDER1-1", 1010)
        );
        assert_eq!(bill.summary.rows, 2);
        assert_eq!(bill.summary.refunded_fen, 1010);
        assert_eq!(bill.summary.fees, 59_993_934);
    }

    #[test]
    fn columns_in_another_order_read_the_same() {
        // The same bill with its first two columns swapped, header and rows alike.
        let swapped: Vec<String> = trade_bill()
            .lines()
            .map(|line| {
                let mut fields: Vec<&str> = line.split(',').collect();
                if fields.len() > 20 {
                    fields.swap(0, 1);
                }
                fields.join(",")
            })
            .collect();
        let bill = parse_trade_bill(swapped.join("\n").as_bytes()).unwrap();
        assert_eq!(bill.rows[0].appid, "wxapp");
        assert_eq!(bill.rows[0].traded_at, "2026-11-20 12:00:01");
    }

    #[test]
    fn a_bad_amount_names_its_line_and_column() {
        let text = trade_bill().replace("`99999.99,`0.00,`0,", "`99999.9x,`0.00,`0,");
        let err = parse_trade_bill(text.as_bytes()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("应结订单金额"), "{err}");
    }

    #[test]
    fn a_bill_without_a_needed_column_is_refused() {
        let text = trade_bill().replace("商户订单号", "订单号");
        let err = parse_trade_bill(text.as_bytes()).unwrap_err();
        assert!(err.message.contains("商户订单号"), "{err}");
    }

    #[test]
    fn a_fund_flow_bill_adds_up_income_refunds_and_fees() {
        let text = [
            "\u{feff}记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号",
            "`2026-11-20 12:00:01,`4200000001,`1001,`交易,`交易,`收入,`99999.99,`99999.99,`system,`,`ORDER1",
            "`2026-11-20 12:00:01,`4200000001,`1002,`扣除交易手续费,`扣除交易手续费,`支出,`600.00,`99399.99,`system,`,`ORDER1",
            "`2026-11-20 12:05:00,`5030001,`1003,`退款,`退款,`支出,`10.10,`99389.89,`system,`,`RORDER1-1",
            "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额",
            "`3,`1,`99999.99,`2,`610.10",
        ]
        .join("\n");

        let totals = parse_fund_flow_bill(text.as_bytes()).unwrap();

        assert_eq!(
            totals,
            FundFlowTotals {
                rows: 3,
                income_fen: 9_999_999,
                expense_fen: 61_010,
                refunds_fen: 1010,
                fees_fen: 60_000,
            }
        );
    }

    #[test]
    fn an_empty_file_is_an_empty_bill() {
        assert_eq!(parse_trade_bill(b"").unwrap(), TradeBill::default());
        assert_eq!(parse_fund_flow_bill(b"").unwrap(), FundFlowTotals::default());
    }
}
