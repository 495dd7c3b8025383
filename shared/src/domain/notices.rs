//! Subscribe messages (订阅消息): which order events a user may be told about, and how an order
//! fills a template's fields. A user allows one message per template per acceptance of
//! `wx.requestSubscribeMessage`; the configuration names each event's template, the page the
//! message opens, and what goes into each field.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::after_sales::{AfterSales, AfterSalesStatus};
use super::orders::{Order, OrderStatus};
use super::time::Timestamp;
use super::{closed_set, is_slug};

closed_set! {
    /// The order events a message can be sent for.
    pub enum NoticeEvent {
        /// WeChat Pay confirmed the payment.
        OrderPaid = "orderPaid",
        /// An operator shipped the order.
        OrderShipped = "orderShipped",
        /// The order is still unpaid a few minutes before it is closed.
        OrderExpiring = "orderExpiring",
        /// An operator decided an after-sales request (approved, rejected or refunded it).
        AfterSalesDecided = "afterSalesDecided",
    }
}

/// Template ids are WeChat's (43 characters today); a few more are allowed.
pub const TEMPLATE_ID_MAX: usize = 64;
/// `wx.requestSubscribeMessage` asks for at most 3 templates at once.
pub const MAX_ACCEPTED_PER_REPORT: usize = 3;
/// Acceptances kept per user and template: enough for every order a user places in a day.
pub const MAX_ACCEPTANCES: u32 = 50;

/// One event's template: its id, the page it opens, and each field's value as a pattern with
/// `{orderId}`, `{total}`, `{items}`, `{status}`, `{paidAt}`, `{payBy}`, `{carrier}`,
/// `{trackingNo}` placeholders, and for after-sales `{decision}`, `{refund}` (yuan) and
/// `{rejectReason}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoticeTemplate {
    pub template_id: String,
    #[serde(default)]
    pub page: Option<String>,
    pub data: BTreeMap<String, String>,
}

/// Every configured template, by event (`SUBSCRIBE_TEMPLATES`, JSON). Events left out send
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeTemplates(BTreeMap<String, NoticeTemplate>);

impl NoticeTemplates {
    /// Parses `{"orderPaid": {"templateId": ..., "page": ..., "data": {"thing1": "{items}"}}}`.
    pub fn parse(json: &str) -> Result<Self, String> {
        let map: BTreeMap<String, NoticeTemplate> =
            serde_json::from_str(json).map_err(|e| format!("not a template map: {e}"))?;
        for (event, template) in &map {
            if NoticeEvent::parse(event).is_none() {
                let known: Vec<&str> = NoticeEvent::ALL.iter().map(|e| e.as_str()).collect();
                return Err(format!(
                    "unknown event {event}: must be one of {}",
                    known.join(", ")
                ));
            }
            if !is_slug(&template.template_id, TEMPLATE_ID_MAX) {
                return Err(format!(
                    "{event}: templateId must be 1 to {TEMPLATE_ID_MAX} of A-Z a-z 0-9 _ -"
                ));
            }
            if template.data.is_empty() || template.data.keys().any(|k| !is_slug(k, 32)) {
                return Err(format!("{event}: data must name 1 or more fields such as thing1"));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, event: NoticeEvent) -> Option<&NoticeTemplate> {
        self.0.get(event.as_str())
    }

    /// Whether `template_id` is one of ours (only those may be reported as accepted).
    pub fn knows(&self, template_id: &str) -> bool {
        self.0.values().any(|t| t.template_id == template_id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A message ready to send: the template, the page and each field's value, within WeChat's
/// lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub template_id: String,
    pub page: Option<String>,
    pub data: BTreeMap<String, String>,
}

impl NoticeTemplate {
    /// Fills the template from `order` and, for an after-sales event, its request (`at` is
    /// when the event happened).
    pub fn render(&self, order: &Order, after_sales: Option<&AfterSales>, at: Timestamp) -> Notice {
        let fill = |pattern: &str| fill(pattern, order, after_sales, at);
        Notice {
            template_id: self.template_id.clone(),
            page: self.page.as_deref().map(fill),
            data: self
                .data
                .iter()
                .map(|(field, pattern)| (field.clone(), present(fit(field, fill(pattern)))))
                .collect(),
        }
    }
}

fn fill(pattern: &str, order: &Order, after_sales: Option<&AfterSales>, at: Timestamp) -> String {
    let items = match order.items.as_slice() {
        [] => String::new(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{}等{}件", first.name, rest.len() + 1),
    };
    let shipment = order.first_parcel();
    let shipment = shipment.as_ref();
    let paid_at = order.payment.as_ref().map_or(at, |p| p.paid_at);
    [
        ("{orderId}", order.order_id.to_string()),
        ("{total}", yuan(order.total_fen)),
        ("{items}", items),
        ("{status}", status_label(order.status).to_owned()),
        ("{paidAt}", wechat_time(paid_at)),
        ("{payBy}", wechat_time(order.pay_by)),
        (
            "{carrier}",
            shipment
                .map(|s| s.carrier.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "{trackingNo}",
            shipment
                .map(|s| s.tracking_no.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "{decision}",
            after_sales
                .map(|a| decision_label(a.status).to_owned())
                .unwrap_or_default(),
        ),
        (
            "{refund}",
            after_sales.map(|a| yuan(a.amount_fen)).unwrap_or_default(),
        ),
        (
            "{rejectReason}",
            after_sales
                .and_then(|a| a.reject_reason.clone())
                .unwrap_or_default(),
        ),
    ]
    .iter()
    .fold(pattern.to_owned(), |text, (name, value)| {
        text.replace(name, value)
    })
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// An after-sales request's state as the buyer reads it after a decision (a `phrase` field).
fn decision_label(status: AfterSalesStatus) -> &'static str {
    match status {
        AfterSalesStatus::Approved => "同意退货",
        AfterSalesStatus::Refunding | AfterSalesStatus::ReturnReceived => "退款中",
        AfterSalesStatus::Refunded => "已退款",
        AfterSalesStatus::Rejected => "已拒绝",
        AfterSalesStatus::Requested | AfterSalesStatus::Returning => "处理中",
        AfterSalesStatus::Cancelled => "已撤销",
        AfterSalesStatus::Failed => "退款异常",
    }
}

/// An order's status as users read it (a `phrase` field takes at most 5 Chinese characters).
fn status_label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "待支付",
        OrderStatus::Paid => "已支付",
        OrderStatus::Shipped => "已发货",
        OrderStatus::PartiallyShipped => "部分发货",
        OrderStatus::Completed => "已完成",
        OrderStatus::Cancelled => "已取消",
        OrderStatus::Refunding => "退款中",
        OrderStatus::Refunded => "已退款",
    }
}

/// Subscribe messages' `time` fields: `2026-11-25 18:00` in China time.
fn wechat_time(at: Timestamp) -> String {
    at.inner()
        .with_timezone(&super::time::china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// WeChat refuses an empty value (47003): a placeholder with nothing to say (no reject reason on
/// an approval, no carrier for virtual goods) shows as `-`.
fn present(value: String) -> String {
    if value.trim().is_empty() {
        "-".to_owned()
    } else {
        value
    }
}

/// Cuts a value to the length WeChat allows its field type (named by the field's prefix).
fn fit(field: &str, value: String) -> String {
    let max = match field.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "thing" => 20,
        "character_string" | "number" | "letter" => 32,
        "phrase" | "symbol" => 5,
        "name" => 10,
        "car_number" => 8,
        "phone_number" => 17,
        _ => return value,
    };
    if value.chars().count() <= max {
        value
    } else {
        value.chars().take(max).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
        "orderPaid": {"templateId": "TPL_paid-1", "page": "pages/order/detail?id={orderId}",
                      "data": {"character_string1": "{orderId}", "amount2": "{total}", "thing3": "{items}", "time4": "{paidAt}"}},
        "orderExpiring": {"templateId": "TPL_expiring", "data": {"thing1": "请在 {payBy} 前支付"}}
    }"#;

    #[test]
    fn templates_parse_and_know_their_ids() {
        let templates = NoticeTemplates::parse(CONFIG).unwrap();
        assert!(templates.knows("TPL_paid-1"));
        assert!(!templates.knows("TPL_other"));
        assert!(templates.get(NoticeEvent::OrderShipped).is_none());
        assert!(
            NoticeTemplates::parse(r#"{"orderLost": {"templateId": "x", "data": {"thing1": "a"}}}"#).is_err()
        );
        assert!(
            NoticeTemplates::parse(r#"{"orderPaid": {"templateId": "bad id", "data": {"thing1": "a"}}}"#)
                .is_err()
        );
        assert!(NoticeTemplates::parse(r#"{"orderPaid": {"templateId": "ok", "data": {}}}"#).is_err());
    }

    #[test]
    fn fields_are_cut_to_wechats_lengths() {
        assert_eq!(
            fit("thing3", "一二三四五六七八九十一二三四五六七八九十一二".into())
                .chars()
                .count(),
            20
        );
        assert_eq!(
            fit("amount2", "12345678901234567890123.00".into()),
            "12345678901234567890123.00"
        );
        assert_eq!(fit("phrase1", "待支付的订单".into()), "待支付的订");
    }

    #[test]
    fn an_after_sales_decision_fills_its_fields() {
        use crate::domain::after_sales::{AfterSalesKind, AfterSalesStatus};
        use crate::domain::catalog::{Category, Fulfilment, Product, ProductStatus};
        use crate::domain::ids::{Openid, OrderId, ProductId};
        use crate::domain::orders::{OrderRequest, build_order};
        let tins = Product {
            id: ProductId::parse("tins").unwrap(),
            name: "罐头".into(),
            description: String::new(),
            price_fen: 1250,
            stock: 10,
            category: Category::parse("food").unwrap(),
            images: vec![],
            status: ProductStatus::OnSale,
            fulfilment: Fulfilment::Virtual,
            sort_order: 1,
            specs: Vec::new(),
            skus: Vec::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
        .normalized()
        .unwrap();
        let request: OrderRequest =
            serde_json::from_value(serde_json::json!({"items": [{"productId": "tins", "quantity": 2}]}))
                .unwrap();
        let now = Timestamp::now();
        let order = build_order(
            &request,
            &[(tins.id.clone(), tins)].into_iter().collect(),
            &Openid::parse("o1").unwrap(),
            OrderId::generate(now, 1),
            now,
        )
        .unwrap();
        let at = Timestamp::parse("2026-11-26T10:00:00Z").unwrap();
        let rejected = AfterSales {
            order_id: order.order_id.clone(),
            number: 1,
            kind: AfterSalesKind::Refund,
            status: AfterSalesStatus::Rejected,
            lines: vec![],
            amount_fen: 1250,
            reason: "dented".into(),
            photos: vec![],
            created_at: at,
            updated_at: at,
            refunded_at: None,
            refund_issue: None,
            reject_reason: Some("照片看不出破损".into()),
            return_parcel: None,
            by_operator: false,
        };
        let template = NoticeTemplate {
            template_id: "TPL_as".into(),
            page: Some("pages/after-sales/index?id={orderId}".into()),
            data: BTreeMap::from([
                ("phrase1".into(), "{decision}".into()),
                ("amount2".into(), "{refund}".into()),
                ("thing3".into(), "{rejectReason}".into()),
            ]),
        };
        let notice = template.render(&order, Some(&rejected), at);
        assert_eq!(
            notice.page,
            Some(format!("pages/after-sales/index?id={}", order.order_id))
        );
        assert_eq!(notice.data["phrase1"], "已拒绝");
        assert_eq!(notice.data["amount2"], "12.50");
        assert_eq!(notice.data["thing3"], "照片看不出破损");
        let plain = template.render(&order, None, at);
        assert_eq!(plain.data["phrase1"], "-", "WeChat refuses empty values");
    }

    #[test]
    fn times_are_in_china_time() {
        let at = Timestamp::parse("2026-11-25T10:00:00Z").unwrap();
        assert_eq!(wechat_time(at), "2026-11-25 18:00");
    }

    #[test]
    fn the_example_templates_make_dev_sets_parse() {
        let script = include_str!("../../../scripts/dev.sh");
        let line = script
            .lines()
            .find_map(|line| line.strip_prefix("DEV_SUBSCRIBE_TEMPLATES='"))
            .expect("make dev's example templates");
        let templates = NoticeTemplates::parse(line.trim_end_matches('\'')).unwrap();
        assert!(!templates.is_empty());
    }
}
