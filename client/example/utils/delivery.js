// An order's deliveries as the order page shows them, without any page: what kind each one is,
// its parcels (carrier, tracking number, which units), and what has not left yet.
//
// An order's `deliveries` come one per shipping call, in order. An express delivery (logisticsType
// 1) has parcels, each with its items; the other kinds (same-city, virtual goods, self-pickup) have
// none, only the delivery's items. A delivery's `items` are everything that left in it. Items name
// an order line by productId + skuId; the line gives the name and spec values.

const { formatTime } = require('./format');
const { specText } = require('./sku');

const EXPRESS = 1;

const LOGISTICS_TYPES = {
  1: '快递',
  2: '同城配送',
  3: '虚拟商品',
  4: '到店自提',
};

// Common codes of WeChat's list of express companies; any other shows as its code.
const CARRIERS = {
  SF: '顺丰速运',
  ZTO: '中通快递',
  YTO: '圆通速递',
  STO: '申通快递',
  YD: '韵达快递',
  JD: '京东物流',
  EMS: 'EMS',
  JTSD: '极兔速递',
  DBL: '德邦快递',
};

function logisticsText(type) {
  return LOGISTICS_TYPES[type] || '配送';
}

/** A carrier's Chinese name for the common codes ('SF' -> '顺丰速运'), else its code. */
function carrierName(code) {
  const value = String(code || '');
  return CARRIERS[value] || CARRIERS[value.toUpperCase()] || value;
}

/** An order line's (or shipped item's) key: productId#skuId. */
const lineKey = (item) => `${item.productId}#${item.skuId || 'default'}`;

/**
 * Shipped items with what the order's lines say of them:
 * [{ key, name, specText, quantity, text: '洞庭碧螺春 明前一级 250g / 礼盒 × 1' }].
 */
function describe(items, lines) {
  return (items || []).map((item, i) => {
    const line = (lines || []).find((l) => lineKey(l) === lineKey(item));
    const name = line ? line.name : item.productId;
    const specs = line ? specText(line.specValues) : '';
    return {
      key: `${lineKey(item)}#${i}`,
      name,
      specText: specs,
      quantity: item.quantity,
      text: `${name}${specs ? ` ${specs}` : ''} × ${item.quantity}`,
    };
  });
}

/**
 * The order's deliveries. An order from a backend before split delivery has only `shipment`
 * (its one parcel, which carried everything): one express delivery.
 */
function deliveriesOf(order) {
  if (Array.isArray(order.deliveries)) return order.deliveries;
  if (!order.shipment) return [];
  const everything = order.items.map(({ productId, skuId, quantity }) => ({ productId, skuId, quantity }));
  const { carrier, trackingNo, shippedAt, reportedAt } = order.shipment;
  return [{ logisticsType: EXPRESS, parcels: [{ carrier, trackingNo, items: everything }], items: everything, shippedAt, reportedAt }];
}

/**
 * What the page shows of each delivery: its kind and time; for express, each parcel's carrier,
 * tracking number and items; for the other kinds, the delivery's items.
 */
function deliveryViews(order) {
  const lines = order.items || [];
  return deliveriesOf(order).map((delivery, d) => {
    const express = delivery.logisticsType === EXPRESS;
    return {
      key: `delivery-${d}`,
      kindText: logisticsText(delivery.logisticsType),
      shippedAt: formatTime(delivery.shippedAt),
      express,
      parcels: express
        ? (delivery.parcels || []).map((parcel, p) => ({
            key: `${parcel.carrier}-${parcel.trackingNo}-${p}`,
            carrier: parcel.carrier,
            carrierName: carrierName(parcel.carrier),
            trackingNo: parcel.trackingNo,
            items: describe(parcel.items, lines),
          }))
        : [],
      items: express ? [] : describe(delivery.items, lines),
    };
  });
}

/** The units of each order line that no delivery carried yet: [{ productId, skuId, quantity }]. */
function unshipped(order) {
  const shipped = {};
  deliveriesOf(order).forEach((delivery) => {
    (delivery.items || []).forEach((item) => {
      shipped[lineKey(item)] = (shipped[lineKey(item)] || 0) + item.quantity;
    });
  });
  return (order.items || [])
    .map((line) => ({
      productId: line.productId,
      skuId: line.skuId,
      quantity: line.quantity - (shipped[lineKey(line)] || 0),
    }))
    .filter((item) => item.quantity > 0);
}

/** What has not left yet, as text: '洞庭碧螺春 明前一级 100g / 罐装 × 1、西湖龙井 250g × 1'. */
function unshippedText(order) {
  return describe(unshipped(order), order.items)
    .map((item) => item.text)
    .join('、');
}

module.exports = {
  LOGISTICS_TYPES,
  CARRIERS,
  logisticsText,
  carrierName,
  lineKey,
  describe,
  deliveriesOf,
  deliveryViews,
  unshipped,
  unshippedText,
};
