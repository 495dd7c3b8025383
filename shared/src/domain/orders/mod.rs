//! Orders: what a valid order request is, how it is priced, what an order holds and which
//! states it moves through. Prices always come from the products, never from the client.

mod delivery;
mod ledger;
mod order;
mod payment;
mod request;
mod shipping;
mod status;

pub use delivery::*;
pub use ledger::RefundLedger;
pub use order::{Order, OrderLine};
pub use payment::*;
pub use request::*;
pub use shipping::*;
pub use status::OrderStatus;

use std::time::Duration;

/// How long a new order waits for payment.
pub const PAY_WINDOW: Duration = Duration::from_secs(30 * 60);
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 99;
pub const REMARK_MAX_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use std::collections::HashMap;

    use crate::domain::catalog::{Category, Fulfilment, Product, ProductStatus};
    use crate::domain::ids::{Openid, OrderId, ProductId};
    use crate::domain::time::Timestamp;

    fn product(id: &str, price_fen: i64, stock: i64, status: ProductStatus) -> Product {
        Product {
            id: ProductId::parse(id).unwrap(),
            name: format!("name of {id}"),
            description: String::new(),
            price_fen,
            stock,
            category: Category::parse("tea").unwrap(),
            images: vec![],
            status,
            fulfilment: Fulfilment::Physical,
            sort_order: 1,
            specs: Vec::new(),
            skus: Vec::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
        .normalized()
        .unwrap()
    }

    fn catalog(products: Vec<Product>) -> HashMap<ProductId, Product> {
        products.into_iter().map(|p| (p.id.clone(), p)).collect()
    }

    /// A delivery address as `wx.chooseAddress` answers it.
    fn address() -> serde_json::Value {
        json!({"userName": "张三", "telNumber": "13800138000", "provinceName": "广东省",
               "cityName": "广州市", "countyName": "天河区", "detailInfo": "体育西路 103 号",
               "postalCode": "510000", "errMsg": "chooseAddress:ok"})
    }

    /// An order request; one without an `address` key gets [`address`] (every test product is
    /// physical unless a test says otherwise).
    fn request(mut body: serde_json::Value) -> OrderRequest {
        if body.get("address").is_none() {
            body["address"] = address();
        }
        if body["address"].is_null() {
            body.as_object_mut().unwrap().remove("address");
        }
        serde_json::from_value(body).unwrap()
    }

    fn build(req: &OrderRequest, products: &HashMap<ProductId, Product>) -> Result<Order, OrderError> {
        let now = Timestamp::now();
        build_order(
            req,
            products,
            &Openid::parse("o1").unwrap(),
            OrderId::generate(now, 1),
            now,
        )
    }

    #[test]
    fn prices_come_from_the_products_and_lines_keep_a_snapshot() {
        let products = catalog(vec![
            product("a", 1250, 10, ProductStatus::OnSale),
            product("b", 99, 5, ProductStatus::OnSale),
        ]);
        let req =
            request(json!({"items": [{"productId": "a", "quantity": 2}, {"productId": "b", "quantity": 3}]}));
        let order = build(&req, &products).unwrap();
        assert_eq!(order.total_fen, 2 * 1250 + 3 * 99);
        assert_eq!(order.items[0].name, "name of a");
        assert_eq!(order.items[1].subtotal_fen, 297);
        assert_eq!(order.status, OrderStatus::PendingPayment);
        assert_eq!(order.pay_by.epoch_secs() - order.created_at.epoch_secs(), 1800);
    }

    #[test]
    fn a_wrong_expected_total_is_refused_with_the_current_total() {
        let products = catalog(vec![product("a", 1000, 10, ProductStatus::OnSale)]);
        let req = request(json!({"items": [{"productId": "a", "quantity": 1}], "expectedTotalFen": 900}));
        assert_eq!(
            build(&req, &products).unwrap_err(),
            OrderError::PriceChanged {
                total_fen: 1000,
                expected_fen: 900
            }
        );
    }

    #[test]
    fn unknown_and_off_sale_products_are_named_with_their_reason() {
        let products = catalog(vec![product("off", 1000, 10, ProductStatus::OffSale)]);
        let req = request(
            json!({"items": [{"productId": "off", "quantity": 1}, {"productId": "ghost", "quantity": 1}]}),
        );
        let OrderError::ProductsUnavailable { shortages } = build(&req, &products).unwrap_err() else {
            panic!("expected ProductsUnavailable");
        };
        let reasons: Vec<_> = shortages
            .iter()
            .map(|s| (s.product_id.as_str(), s.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                ("off", ShortageReason::OffSale),
                ("ghost", ShortageReason::NotFound)
            ]
        );
    }

    #[test]
    fn short_stock_names_what_is_left() {
        let products = catalog(vec![product("a", 10, 3, ProductStatus::OnSale)]);
        let req = request(json!({"items": [{"productId": "a", "quantity": 4}]}));
        let OrderError::OutOfStock { shortages } = build(&req, &products).unwrap_err() else {
            panic!("expected OutOfStock");
        };
        assert_eq!(shortages[0].available, Some(3));
        assert_eq!(
            serde_json::to_value(&shortages[0]).unwrap()["reason"],
            "OUT_OF_STOCK"
        );
    }

    #[test]
    fn duplicated_products_and_empty_or_long_orders_are_rejected() {
        let dup =
            request(json!({"items": [{"productId": "a", "quantity": 1}, {"productId": "a", "quantity": 2}]}));
        assert!(matches!(
            dup.validate(),
            Err(OrderError::Invalid { field, .. }) if field == "items[1].productId"
        ));
        assert!(request(json!({"items": []})).validate().is_err());
        let many: Vec<_> = (0..21)
            .map(|i| json!({"productId": format!("p{i}"), "quantity": 1}))
            .collect();
        assert!(request(json!({ "items": many })).validate().is_err());
    }

    #[test]
    fn quantities_must_be_integers_from_1_to_99() {
        for bad in [
            json!(0),
            json!(-1),
            json!(100),
            json!(1.5),
            json!(2.5),
            json!("2"),
            json!(1e20),
            json!(null),
        ] {
            let body = json!({"items": [{"productId": "a", "quantity": bad}]});
            assert!(serde_json::from_value::<OrderRequest>(body).is_err(), "{bad}");
        }
        let spelled_as_float =
            json!({"items": [{"productId": "a", "quantity": 2.0}], "expectedTotalFen": 20.0});
        let request = serde_json::from_value::<OrderRequest>(spelled_as_float).unwrap();
        assert_eq!(
            (request.items[0].quantity.get(), request.expected_total_fen),
            (2, Some(20))
        );
    }

    #[test]
    fn the_same_request_has_the_same_canonical_form_and_another_does_not() {
        let a = request(json!({"items": [{"productId": "a", "quantity": 1}]}));
        let b = request(json!({"items": [{"productId": "a", "quantity": 2}]}));
        assert_eq!(a.canonical_bytes(), a.clone().canonical_bytes());
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
    }

    #[test]
    fn an_order_is_payable_while_pending_and_a_minute_before_its_deadline() {
        let products = catalog(vec![product("a", 10, 5, ProductStatus::OnSale)]);
        let order = build(
            &request(json!({"items": [{"productId": "a", "quantity": 1}]})),
            &products,
        )
        .unwrap();
        let created = order.created_at;
        assert_eq!(order.check_payable(created), Ok(()));
        assert_eq!(
            order.check_payable(created.plus(PAY_WINDOW - PAY_MARGIN)),
            Err(PayRefusal::Expired)
        );
        let cancelled = order.clone().cancelled(created);
        assert_eq!(
            cancelled.check_payable(created),
            Err(PayRefusal::NotPending(OrderStatus::Cancelled))
        );
        assert_eq!(order.description(), "name of a");
    }

    #[test]
    fn the_transition_table_allows_only_the_order_life_and_no_way_back() {
        use OrderStatus::*;
        assert!(PendingPayment.can_become(Paid) && PendingPayment.can_become(Cancelled));
        assert!(Paid.can_become(Refunding) && Refunding.can_become(Refunded));
        assert!(Paid.can_become(Shipped) && Shipped.can_become(Refunding));
        for (from, to) in [
            (Cancelled, Paid),
            (Paid, Cancelled),
            (Refunded, Paid),
            (Paid, PendingPayment),
            (Cancelled, PendingPayment),
            (Shipped, Paid),
            (PendingPayment, Shipped),
            (Refunded, Shipped),
        ] {
            assert!(!from.can_become(to), "{from} -> {to}");
        }
        for status in OrderStatus::ALL {
            // Another delivery of a split order is the one move to the same state.
            let expected = *status == OrderStatus::PartiallyShipped;
            assert_eq!(status.can_become(*status), expected, "{status} -> itself");
        }
    }

    fn express(parcels: serde_json::Value) -> ShipRequest {
        ShipRequest {
            logistics_type: LogisticsType::Express,
            parcels: serde_json::from_value(parcels).unwrap(),
            items: None,
        }
    }

    #[test]
    fn only_the_merchant_refunds_a_shipped_order_and_shipping_twice_must_say_the_same() {
        let products = catalog(vec![product("a", 10, 5, ProductStatus::OnSale)]);
        let mut order = build(
            &request(json!({"items": [{"productId": "a", "quantity": 1}]})),
            &products,
        )
        .unwrap();
        let parcel = express(json!([{"carrier": "SF", "trackingNo": "SF1234567890"}]));
        let now = order.created_at;
        assert_eq!(
            order.plan_delivery(&parcel, now),
            Err(ShipRefusal::NotPaid(OrderStatus::PendingPayment))
        );
        order.status = OrderStatus::Paid;
        assert_eq!(order.check_refundable(false), Ok(()));
        let DeliveryPlan::Ship { delivery, status } = order.plan_delivery(&parcel, now).unwrap() else {
            panic!("a paid order ships")
        };
        assert_eq!(status, OrderStatus::Shipped);
        order.status = status;
        order.deliveries.push(delivery);
        assert_eq!(order.plan_delivery(&parcel, now), Ok(DeliveryPlan::Repeat));
        let other = express(json!([{"carrier": "SF", "trackingNo": "SF999"}]));
        assert!(matches!(
            order.plan_delivery(&other, now),
            Err(ShipRefusal::ShippedOtherwise { tracking_no, .. }) if tracking_no.as_str() == "SF1234567890"
        ));
        assert_eq!(
            order.check_refundable(false),
            Err(RefundRefusal(OrderStatus::Shipped))
        );
        assert_eq!(order.check_refundable(true), Ok(()));
        assert!(Carrier::parse("S F").is_none() && TrackingNo::parse("").is_none());
    }

    #[test]
    fn a_split_delivery_ships_what_is_left_line_by_line() {
        let products = catalog(vec![
            product("a", 10, 5, ProductStatus::OnSale),
            product("b", 20, 5, ProductStatus::OnSale),
        ]);
        let mut order = build(
            &request(
                json!({"items": [{"productId": "a", "quantity": 3}, {"productId": "b", "quantity": 1}]}),
            ),
            &products,
        )
        .unwrap();
        order.status = OrderStatus::Paid;
        let now = order.created_at;
        let first = express(json!([
            {"carrier": "ZTO", "trackingNo": "Z1", "items": [{"productId": "a", "quantity": 2}]},
            {"carrier": "ZTO", "trackingNo": "Z2", "items": [{"productId": "a", "quantity": 1}]}
        ]));
        let DeliveryPlan::Ship { delivery, status } = order.plan_delivery(&first, now).unwrap() else {
            panic!("ships")
        };
        assert_eq!(status, OrderStatus::PartiallyShipped);
        assert_eq!(delivery.items.len(), 1, "the parcels' units of one line add up");
        assert_eq!(delivery.items[0].quantity, 3);
        order.status = status;
        order.deliveries.push(delivery);

        let too_many = express(
            json!([{"carrier": "ZTO", "trackingNo": "Z3", "items": [{"productId": "a", "quantity": 1}]}]),
        );
        assert!(matches!(
            order.plan_delivery(&too_many, now),
            Err(ShipRefusal::Invalid { field, .. }) if field == "parcels[0].items[0].quantity"
        ));
        let reused = express(
            json!([{"carrier": "ZTO", "trackingNo": "Z2", "items": [{"productId": "b", "quantity": 1}]}]),
        );
        assert!(matches!(
            order.plan_delivery(&reused, now),
            Err(ShipRefusal::ShippedOtherwise { .. })
        ));
        let unnamed = express(json!([
            {"carrier": "ZTO", "trackingNo": "Z4"},
            {"carrier": "ZTO", "trackingNo": "Z5"}
        ]));
        assert!(matches!(
            order.plan_delivery(&unnamed, now),
            Err(ShipRefusal::Invalid { field, .. }) if field == "parcels[0].items"
        ));
        let rest = express(json!([{"carrier": "SF", "trackingNo": "SF1"}]));
        let DeliveryPlan::Ship { delivery, status } = order.plan_delivery(&rest, now).unwrap() else {
            panic!("ships the rest")
        };
        assert_eq!(status, OrderStatus::Shipped);
        assert_eq!(delivery.items.len(), 1);
        assert_eq!(delivery.items[0].product_id.as_str(), "b");
        let sixteen: Vec<_> = (0..16)
            .map(|i| json!({"carrier": "ZTO", "trackingNo": format!("N{i}"), "items": [{"productId": "b", "quantity": 1}]}))
            .collect();
        assert!(matches!(
            order.plan_delivery(&express(json!(sixteen)), now),
            Err(ShipRefusal::Invalid { field, .. }) if field == "parcels"
        ));
    }

    #[test]
    fn virtual_goods_ship_as_virtual_without_parcels_and_never_by_sf() {
        let mut gift = product("card", 10, 5, ProductStatus::OnSale);
        gift.fulfilment = Fulfilment::Virtual;
        let mut order = build(
            &request(json!({"items": [{"productId": "card", "quantity": 1}], "address": null})),
            &catalog(vec![gift]),
        )
        .unwrap();
        order.status = OrderStatus::Paid;
        let now = order.created_at;
        let parcel = express(json!([{"carrier": "SF", "trackingNo": "SF1"}]));
        assert!(matches!(
            order.plan_delivery(&parcel, now),
            Err(ShipRefusal::NoReceiverContact { .. })
        ));
        let virtual_goods = ShipRequest {
            logistics_type: LogisticsType::Virtual,
            parcels: Vec::new(),
            items: None,
        };
        assert!(matches!(
            order.plan_delivery(&virtual_goods, now),
            Ok(DeliveryPlan::Ship {
                status: OrderStatus::Shipped,
                ..
            })
        ));
        let with_parcels = ShipRequest {
            logistics_type: LogisticsType::Virtual,
            ..parcel
        };
        assert!(order.plan_delivery(&with_parcels, now).is_err());
    }

    #[test]
    fn idempotency_keys_are_bounded_and_scoped_to_the_caller() {
        assert!(IdempotencyKey::parse("short").is_none());
        assert!(IdempotencyKey::parse("has space in it").is_none());
        assert!(IdempotencyKey::parse(&"k".repeat(65)).is_none());
        let key = IdempotencyKey::parse("order-2026-0001").unwrap();
        let (alice, bob) = (Openid::parse("alice").unwrap(), Openid::parse("bob").unwrap());
        assert_ne!(key.scoped_to(&alice), key.scoped_to(&bob));
    }

    #[test]
    fn an_order_of_goods_to_ship_needs_an_address_and_keeps_a_snapshot_of_it() {
        let products = catalog(vec![product("tea", 500, 5, ProductStatus::OnSale)]);
        let buyer = Openid::parse("o_buyer").unwrap();
        let id = || OrderId::parse("1").unwrap();

        let without = build_order(
            &request(json!({"items": [{"productId": "tea", "quantity": 1}], "address": null})),
            &products,
            &buyer,
            id(),
            Timestamp::now(),
        );
        let with = build_order(
            &request(json!({"items": [{"productId": "tea", "quantity": 1}]})),
            &products,
            &buyer,
            id(),
            Timestamp::now(),
        )
        .unwrap();

        assert!(
            matches!(&without, Err(OrderError::Invalid { field, .. }) if field == "address"),
            "{without:?}"
        );
        let kept = with.address.as_ref().unwrap();
        assert_eq!(
            (kept.user_name.as_str(), kept.county_name.as_str()),
            ("张三", "天河区")
        );
        let listed = serde_json::to_value(with.clone().listed()).unwrap();
        assert_eq!(listed["address"]["userName"], "张*");
        assert_eq!(listed["address"]["telNumber"], "138****8000");
        assert!(listed["address"].get("detailInfo").is_none(), "{listed}");
    }

    #[test]
    fn an_order_of_virtual_goods_needs_no_address_and_keeps_none() {
        let mut card = product("card", 10_000, 5, ProductStatus::OnSale);
        card.fulfilment = Fulfilment::Virtual;
        let products = catalog(vec![card]);
        let buyer = Openid::parse("o_buyer").unwrap();

        for body in [
            json!({"items": [{"productId": "card", "quantity": 1}], "address": null}),
            json!({"items": [{"productId": "card", "quantity": 1}]}),
        ] {
            let order = build_order(
                &request(body),
                &products,
                &buyer,
                OrderId::parse("1").unwrap(),
                Timestamp::now(),
            )
            .unwrap();
            assert!(order.address.is_none());
        }
    }

    #[test]
    fn a_malformed_address_is_refused_before_anything_is_read_naming_its_field() {
        let mut bad = address();
        bad["telNumber"] = json!("12345");
        let err = request(json!({"items": [{"productId": "tea", "quantity": 1}], "address": bad}))
            .validate()
            .unwrap_err();
        assert!(
            matches!(&err, OrderError::Invalid { field, .. } if field == "address.telNumber"),
            "{err:?}"
        );
    }
}
