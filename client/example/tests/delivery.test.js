const { test } = require('node:test');
const assert = require('node:assert/strict');
const { carrierName, logisticsText, deliveriesOf, deliveryViews, unshipped, unshippedText } = require('../utils/delivery');

const LINES = [
  { productId: 'tea-biluochun', skuId: 'blc-100g-can', specValues: { 规格: '100g', 包装: '罐装' }, name: '洞庭碧螺春', priceFen: 12800, quantity: 3, subtotalFen: 38400 },
  { productId: 'tea-longjing', skuId: 'default', name: '西湖龙井 250g', priceFen: 58800, quantity: 1, subtotalFen: 58800 },
];

test('common carrier codes have Chinese names; any other shows as its code', () => {
  assert.deepEqual(
    ['SF', 'ZTO', 'YTO', 'STO', 'YD', 'JD', 'EMS', 'JTSD', 'DBL'].map(carrierName),
    ['顺丰速运', '中通快递', '圆通速递', '申通快递', '韵达快递', '京东物流', 'EMS', '极兔速递', '德邦快递'],
  );
  assert.equal(carrierName('sf'), '顺丰速运');
  assert.equal(carrierName('ZJS'), 'ZJS');
  assert.equal(carrierName(undefined), '');
});

test('the four kinds of delivery', () => {
  assert.deepEqual([1, 2, 3, 4].map(logisticsText), ['快递', '同城配送', '虚拟商品', '到店自提']);
});

test('what has not left yet: each line less the units of every delivery', () => {
  const order = {
    items: LINES,
    deliveries: [
      { logisticsType: 1, parcels: [], items: [{ productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 }], shippedAt: '' },
      { logisticsType: 2, parcels: [], items: [{ productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 }], shippedAt: '' },
    ],
  };
  assert.deepEqual(unshipped(order), [
    { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 },
    { productId: 'tea-longjing', skuId: 'default', quantity: 1 },
  ]);
  assert.equal(unshippedText(order), '洞庭碧螺春 100g / 罐装 × 1、西湖龙井 250g × 1');
  assert.deepEqual(unshipped({ items: LINES, deliveries: [] }).map((i) => i.quantity), [3, 1], 'nothing shipped');
});

test('an order with only the legacy shipment reads as one express parcel of everything', () => {
  const order = { items: LINES, shipment: { carrier: 'SF', trackingNo: 'SF1', shippedAt: '2026-11-25T02:00:00.000Z' } };
  assert.equal(deliveriesOf(order).length, 1);
  assert.deepEqual(unshipped(order), []);
  const [view] = deliveryViews(order);
  assert.equal(view.kindText, '快递');
  assert.deepEqual(
    view.parcels.map((p) => [p.carrierName, p.trackingNo, p.items.map((i) => i.text)]),
    [['顺丰速运', 'SF1', ['洞庭碧螺春 100g / 罐装 × 3', '西湖龙井 250g × 1']]],
  );
  assert.deepEqual(deliveriesOf({ items: LINES }), [], 'not shipped');
  assert.deepEqual(deliveriesOf({ items: LINES, deliveries: [], shipment: order.shipment }), [], 'deliveries win');
});

test('an item no line names still shows, by its product id', () => {
  const order = {
    items: LINES,
    deliveries: [{ logisticsType: 4, parcels: [], items: [{ productId: 'gone', skuId: 'default', quantity: 1 }], shippedAt: '' }],
  };
  assert.deepEqual(deliveryViews(order)[0].items.map((i) => i.text), ['gone × 1']);
});
