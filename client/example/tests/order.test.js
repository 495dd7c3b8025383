const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, openPage, textOf, tap, reset } = require('./support/harness');

const inHalfAnHour = () => new Date(Date.now() + 30 * 60 * 1000).toISOString();

const order = (orderId, status, extra = {}) => ({
  orderId,
  status,
  items: [
    { productId: 'tea-longjing', skuId: 'default', name: '西湖龙井 250g', priceFen: 58800, quantity: 2, subtotalFen: 117600 },
  ],
  totalFen: 117600,
  createdAt: '2026-11-24T05:13:21.123Z',
  updatedAt: '2026-11-24T05:13:21.123Z',
  payBy: inHalfAnHour(),
  ...extra,
});

beforeEach(reset);

test('the order list pages through listOrders', async () => {
  sdk.handle('listOrders', (data) =>
    data.cursor
      ? { items: [order('1', 'CANCELLED')], nextCursor: null }
      : { items: [order('3', 'PENDING_PAYMENT'), order('2', 'PAID')], nextCursor: 'c2' },
  );
  const page = await openPage('pages/order/list');
  assert.equal(page.querySelectorAll('.order').length, 2);
  assert.match(textOf(page), /待支付.*¥1176\.00/);

  await tap(page, '.more');

  assert.deepEqual(sdk.calls('listOrders')[1].data, { limit: 10, cursor: 'c2' });
  assert.equal(page.querySelectorAll('.order').length, 3);
  assert.match(textOf(page), /已取消/);
});

test('an unpaid order can be cancelled', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PENDING_PAYMENT'));
  sdk.handle('cancelOrder', ({ id }) => order(id, 'CANCELLED', { cancelledAt: '2026-11-24T05:20:00.000Z' }));
  const page = await openPage('pages/order/detail', { id: '42' });
  assert.ok(page.querySelector('.pay'));
  assert.equal(page.querySelector('.refund'), undefined);

  await tap(page, '.cancel');

  assert.deepEqual(sdk.calls('cancelOrder')[0].data, { id: '42' });
  assert.match(textOf(page), /已取消/);
  assert.equal(page.querySelector('.pay'), undefined);
  assert.equal(page.querySelector('.cancel'), undefined);
});

test('a paid order not shipped can be refunded', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID', { paidAt: '2026-11-24T05:15:00.000Z', transactionId: 't1' }));
  sdk.handle('refundOrder', ({ id }) => order(id, 'REFUNDING'));
  const page = await openPage('pages/order/detail', { id: '43' });

  await tap(page, '.refund');

  assert.deepEqual(sdk.calls('refundOrder')[0].data, { id: '43' });
  assert.match(textOf(page), /退款中/);
  assert.equal(page.querySelector('.refund'), undefined);
});

test('paying from the order page pays that order', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PENDING_PAYMENT'));
  sdk.pay.mock.mockImplementationOnce(async (id) => order(id, 'PAID', { paidAt: '2026-11-24T05:15:00.000Z', transactionId: 't1' }));
  const page = await openPage('pages/order/detail', { id: '44' });

  await tap(page, '.pay');

  assert.deepEqual(sdk.pay.mock.calls[0].arguments, ['44']);
  assert.match(textOf(page.querySelector('.status')), /已支付/);
});

test('the order page shows the spec values of each line', async () => {
  const items = [
    {
      productId: 'tea-biluochun',
      skuId: 'blc-250g-gift',
      specValues: { 规格: '250g', 包装: '礼盒' },
      name: '洞庭碧螺春 明前一级',
      priceFen: 32800,
      quantity: 1,
      subtotalFen: 32800,
    },
    {
      productId: 'tea-biluochun',
      skuId: 'blc-100g-can',
      specValues: { 规格: '100g', 包装: '罐装' },
      name: '洞庭碧螺春 明前一级',
      priceFen: 12800,
      quantity: 2,
      subtotalFen: 25600,
    },
    { productId: 'tea-longjing', skuId: 'default', name: '西湖龙井 250g', priceFen: 58800, quantity: 1, subtotalFen: 58800 },
  ];
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID', { items, totalFen: 117200 }));
  const page = await openPage('pages/order/detail', { id: '45' });

  const lines = page.querySelectorAll('.line');
  assert.equal(lines.length, 3, 'two SKUs of one product are two lines');
  assert.match(textOf(lines[0]), /洞庭碧螺春 明前一级 ?250g \/ 礼盒 ?× 1 ?¥328\.00/);
  assert.match(textOf(lines[1]), /100g \/ 罐装 ?× 2 ?¥256\.00/);
  assert.equal(lines[2].querySelector('.line__specs'), undefined, 'no spec values without variants');
});
