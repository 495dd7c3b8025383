// Against the real local stack: a shopper's whole journey through the SDK (login, catalog, one
// checkout retried with its key, payment, refund), and failures in the wx shape.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { skip, newShopper, waitFor } = require('./stack.js');

const CATALOG = require(path.join(__dirname, '..', '..', '..', 'data', 'products.json'));
const ON_SALE = CATALOG.filter((p) => p.status === 'ON_SALE');

test('a shopper logs in, orders once however often the checkout is retried, pays and is refunded', { skip }, async () => {
  const { shim, cloud } = newShopper('sdkshop');

  const page = await cloud.callFunction({ name: 'listProducts', data: { limit: 50 } });
  const listed = page.result.items.map((p) => p.id);
  assert.ok(ON_SALE.every((p) => listed.includes(p.id)), `the seeded catalog is listed: ${listed}`);
  const product = (await cloud.callFunction({ name: 'getProduct', data: { id: ON_SALE[0].id } })).result;
  assert.equal(product.priceFen, ON_SALE[0].priceFen);

  const key = cloud.newCheckoutKey();
  const address = {
    userName: '张三',
    telNumber: '13800138000',
    provinceName: '广东省',
    cityName: '广州市',
    countyName: '天河区',
    detailInfo: '体育西路 103 号',
    errMsg: 'chooseAddress:ok',
  };
  const checkout = { items: [{ productId: product.id, quantity: 2 }], expectedTotalFen: product.priceFen * 2, address };
  const first = await cloud.callFunction({ name: 'submitOrder', data: checkout, idempotencyKey: key });
  const again = await cloud.callFunction({ name: 'submitOrder', data: checkout, idempotencyKey: key });
  assert.equal(first.errMsg, 'cloud.callFunction:ok');
  assert.equal(first.result.status, 'PENDING_PAYMENT');
  assert.equal(first.result.totalFen, product.priceFen * 2);
  assert.equal(again.result.orderId, first.result.orderId, 'the same key answers the same order');
  assert.match(first.requestID, /\S/);
  const orders = (await cloud.callFunction({ name: 'listOrders' })).result.items;
  assert.deepEqual(
    orders.map((o) => o.orderId),
    [first.result.orderId],
    'exactly one order',
  );
  assert.equal(first.result.address.detailInfo, '体育西路 103 号', 'its owner sees the whole address');
  assert.deepEqual(
    [orders[0].address.userName, orders[0].address.telNumber, orders[0].address.detailInfo],
    ['张*', '138****8000', undefined],
    'a list masks it',
  );
  assert.equal(shim.to('POST', '/auth/login').length, 1, 'one login for the whole journey');

  const paid = await cloud.pay(first.result.orderId, { pollIntervalMs: 200, timeoutMs: 20000 });
  assert.equal(paid.status, 'PAID');
  assert.match(paid.transactionId, /^4200/);

  const refunding = await cloud.callFunction({ name: 'refundOrder', data: { id: paid.orderId } });
  assert.ok(['REFUNDING', 'REFUNDED'].includes(refunding.result.status), refunding.result.status);
  const settled = await waitFor(
    () => cloud.callFunction({ name: 'getOrder', data: { id: paid.orderId } }).then((r) => r.result),
    (order) => order.status === 'REFUNDED',
  );
  assert.equal(settled.status, 'REFUNDED', 'the fake WeChat Pay settles the refund by itself');
});

test('failures arrive as errCode and errMsg with the request id', { skip }, async () => {
  const { shim, cloud } = newShopper('sdkerr');

  const missing = await cloud.callFunction({ name: 'getProduct', data: { id: 'no-such-product' } }).catch((e) => e);
  assert.equal(missing.errCode, 40401);
  assert.match(missing.errMsg, /^cloud\.callFunction:fail \S/);
  assert.match(missing.requestID, /\S/);

  const unknown = await cloud
    .callFunction({ name: 'submitOrder', data: { items: [{ productId: 'no-such-product', quantity: 1 }] } })
    .catch((e) => e);
  assert.equal(unknown.errCode, 40005);
  assert.deepEqual(unknown.data.products.map((p) => [p.productId, p.reason]), [['no-such-product', 'NOT_FOUND']]);

  const requestsBefore = shim.requests.length;
  const operator = await cloud.callFunction({ name: 'shipOrder', data: { id: '1' } }).catch((e) => e);
  assert.deepEqual(operator, { errCode: -4, errMsg: 'cloud.callFunction:fail unknown function shipOrder' });
  assert.equal(shim.requests.length, requestsBefore, 'nothing was sent');
});
