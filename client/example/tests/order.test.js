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
  // (a row's own querySelector finds nothing in the simulator: ask the page)
  assert.deepEqual(page.querySelectorAll('.line__specs').map(textOf), ['250g / 礼盒', '100g / 罐装'], 'no spec values without variants');
});

// --- deliveries ------------------------------------------------------------------------------------

const { formatTime } = require('../utils/format');
const { wx, settle } = require('./support/harness');

// Two SKUs of one product and a product without variants: 4 units in all.
const TEA_LINES = [
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

const ADDRESS = {
  userName: '张三',
  telNumber: '13800138000',
  provinceName: '广东省',
  cityName: '广州市',
  countyName: '天河区',
  detailInfo: '体育西路 103 号',
};

const PAID = { paidAt: '2026-11-24T05:15:00.000Z', transactionId: '4200000001202611240000000001' };

// The first delivery: two SF/ZTO parcels with the gift box and one of the two cans.
const FIRST = {
  logisticsType: 1,
  parcels: [
    { carrier: 'SF', trackingNo: 'SF1234567890', items: [{ productId: 'tea-biluochun', skuId: 'blc-250g-gift', quantity: 1 }] },
    { carrier: 'ZTO', trackingNo: '75312345678901', items: [{ productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 }] },
  ],
  items: [
    { productId: 'tea-biluochun', skuId: 'blc-250g-gift', quantity: 1 },
    { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 },
  ],
  shippedAt: '2026-11-25T02:00:00.000Z',
  reportedAt: '2026-11-25T02:00:01.000Z',
};

// The rest, the next day: one parcel of a carrier without a Chinese name here.
const REST = {
  logisticsType: 1,
  parcels: [
    {
      carrier: 'ZJS',
      trackingNo: 'ZJS000111',
      items: [
        { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 },
        { productId: 'tea-longjing', skuId: 'default', quantity: 1 },
      ],
    },
  ],
  items: [
    { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1 },
    { productId: 'tea-longjing', skuId: 'default', quantity: 1 },
  ],
  shippedAt: '2026-11-26T03:30:00.000Z',
};

const shipmentOf = (delivery) => ({ carrier: delivery.parcels[0].carrier, trackingNo: delivery.parcels[0].trackingNo, shippedAt: delivery.shippedAt });

test('an order shipped in two deliveries shows each one with its parcels and their items', async () => {
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'SHIPPED', { ...PAID, items: TEA_LINES, totalFen: 117200, address: ADDRESS, deliveries: [FIRST, REST], shipment: shipmentOf(FIRST) }),
  );
  const page = await openPage('pages/order/detail', { id: '50' });

  assert.match(textOf(page.querySelector('.status')), /已发货/);
  assert.equal(page.querySelectorAll('.delivery').length, 2);
  const heads = page.querySelectorAll('.delivery__head').map(textOf);
  assert.match(heads[0], new RegExp(`^第 1 次发货 · 快递 ?${formatTime(FIRST.shippedAt)}$`));
  assert.match(heads[1], new RegExp(`^第 2 次发货 · 快递 ?${formatTime(REST.shippedAt)}$`));

  const parcels = page.querySelectorAll('.parcel');
  assert.equal(parcels.length, 3, 'two parcels, then one');
  assert.match(textOf(parcels[0]), /^顺丰速运 ?SF1234567890 ?复制 ?洞庭碧螺春 明前一级 250g \/ 礼盒 × 1$/);
  assert.match(textOf(parcels[1]), /^中通快递 ?75312345678901 ?复制 ?洞庭碧螺春 明前一级 100g \/ 罐装 × 1$/);
  assert.match(textOf(parcels[2]), /^ZJS ?ZJS000111 ?复制 ?洞庭碧螺春 明前一级 100g \/ 罐装 × 1 ?西湖龙井 250g × 1$/, 'an unknown carrier shows its code');
  assert.deepEqual(page.querySelectorAll('.parcel__item').map(textOf), [
    '洞庭碧螺春 明前一级 250g / 礼盒 × 1',
    '洞庭碧螺春 明前一级 100g / 罐装 × 1',
    '洞庭碧螺春 明前一级 100g / 罐装 × 1',
    '西湖龙井 250g × 1',
  ]);
  assert.equal(page.querySelectorAll('.parcel__copy').length, 3, 'a 复制 per parcel');

  assert.equal(page.querySelector('.unshipped'), undefined, 'everything left');
  assert.equal(page.querySelector('.refund'), undefined, 'a shipped order cannot be refunded by its owner');
});

test('a partially shipped order says which units have not left yet', async () => {
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'PARTIALLY_SHIPPED', { ...PAID, items: TEA_LINES, totalFen: 117200, address: ADDRESS, deliveries: [FIRST], shipment: shipmentOf(FIRST) }),
  );
  const page = await openPage('pages/order/detail', { id: '51' });

  assert.match(textOf(page.querySelector('.status')), /部分发货/);
  assert.equal(textOf(page.querySelector('.unshipped')), '待发货：洞庭碧螺春 明前一级 100g / 罐装 × 1、西湖龙井 250g × 1');
  assert.equal(page.querySelectorAll('.delivery').length, 1);
  assert.match(textOf(page.querySelector('.delivery__head')), /^快递/, 'one delivery is not numbered');
  assert.equal(page.querySelectorAll('.parcel').length, 2);
  assert.equal(page.querySelector('.refund'), undefined, 'units have left: no refund');
});

test('a virtual goods delivery shows its items, no parcel and no address', async () => {
  const items = [{ productId: 'digi-gift-card-100', skuId: 'default', name: '电子礼品卡 100 元', priceFen: 10000, quantity: 2, subtotalFen: 20000 }];
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'SHIPPED', {
      ...PAID,
      items,
      totalFen: 20000,
      deliveries: [
        { logisticsType: 3, parcels: [], items: [{ productId: 'digi-gift-card-100', skuId: 'default', quantity: 2 }], shippedAt: '2026-11-24T05:16:00.000Z' },
      ],
    }),
  );
  const page = await openPage('pages/order/detail', { id: '52' });

  assert.equal(page.querySelectorAll('.delivery').length, 1);
  assert.match(textOf(page.querySelector('.delivery__head')), new RegExp(`^虚拟商品 ?${formatTime('2026-11-24T05:16:00.000Z')}$`));
  assert.deepEqual(page.querySelectorAll('.delivery__item').map(textOf), ['电子礼品卡 100 元 × 2']);
  assert.equal(page.querySelector('.parcel'), undefined);
  assert.equal(page.querySelector('.parcel__copy'), undefined);
  assert.doesNotMatch(textOf(page), /收货地址|收货人/);
});

test('same-city and self-pickup deliveries are named', async () => {
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'SHIPPED', {
      ...PAID,
      items: TEA_LINES,
      totalFen: 117200,
      address: ADDRESS,
      deliveries: [
        { logisticsType: 2, parcels: [], items: FIRST.items, shippedAt: FIRST.shippedAt },
        { logisticsType: 4, parcels: [], items: REST.items, shippedAt: REST.shippedAt },
      ],
    }),
  );
  const page = await openPage('pages/order/detail', { id: '53' });

  const heads = page.querySelectorAll('.delivery__kind').map(textOf);
  assert.deepEqual(heads, ['第 1 次发货 · 同城配送', '第 2 次发货 · 到店自提']);
  assert.equal(page.querySelectorAll('.delivery__item').length, 4);
});

test('复制 copies the tracking number of its parcel', async () => {
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'PARTIALLY_SHIPPED', { ...PAID, items: TEA_LINES, totalFen: 117200, address: ADDRESS, deliveries: [FIRST] }),
  );
  const page = await openPage('pages/order/detail', { id: '54' });

  page.querySelectorAll('.parcel__copy')[1].dispatchEvent('tap');
  await settle();

  assert.equal(wx.setClipboardData.mock.callCount(), 1);
  assert.deepEqual(wx.setClipboardData.mock.calls[0].arguments[0], { data: '75312345678901' });
});

test('WeChat\'s order centre opens the page with merchant_trade_no as the order id', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID', PAID));
  const page = await openPage('pages/order/detail', {
    merchant_trade_no: '55',
    transaction_id: PAID.transactionId,
    merchant_id: '1900000109',
  });

  assert.deepEqual(sdk.calls('getOrder')[0].data, { id: '55' });
  assert.match(textOf(page), /已支付/);

  await tap(page, '.info__row');
  assert.deepEqual(wx.setClipboardData.mock.calls[0].arguments[0], { data: '55' }, 'the order id is copied');
});

test('`id` wins over merchant_trade_no, and a page without either asks for nothing', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID', PAID));
  await openPage('pages/order/detail', { id: '56', merchant_trade_no: '99' });
  assert.deepEqual(sdk.calls('getOrder')[0].data, { id: '56' });

  const page = await openPage('pages/order/detail', {});
  assert.equal(sdk.calls('getOrder').length, 1);
  assert.match(textOf(page), /缺少订单号/);
});

test('a completed order says so, with its time', async () => {
  sdk.handle('getOrder', ({ id }) =>
    order(id, 'COMPLETED', {
      ...PAID,
      address: ADDRESS,
      deliveries: [
        {
          logisticsType: 1,
          parcels: [{ carrier: 'JD', trackingNo: 'JD0001', items: [{ productId: 'tea-longjing', skuId: 'default', quantity: 2 }] }],
          items: [{ productId: 'tea-longjing', skuId: 'default', quantity: 2 }],
          shippedAt: '2026-11-25T02:00:00.000Z',
        },
      ],
      completedAt: '2026-12-02T02:00:00.000Z',
    }),
  );
  const page = await openPage('pages/order/detail', { id: '57' });

  assert.match(textOf(page.querySelector('.status')), /已完成/);
  assert.match(textOf(page), new RegExp(`完成时间 ?${formatTime('2026-12-02T02:00:00.000Z')}`));
  assert.match(textOf(page.querySelector('.parcel')), /京东物流 ?JD0001/);
});

test('the order list names every status', async () => {
  const statuses = ['PENDING_PAYMENT', 'PAID', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'REFUNDING', 'REFUNDED', 'CANCELLED'];
  sdk.handle('listOrders', () => ({ items: statuses.map((s, i) => order(String(i + 1), s)), nextCursor: null }));
  const page = await openPage('pages/order/list');

  assert.deepEqual(page.querySelectorAll('.status').map(textOf), ['待支付', '已支付', '部分发货', '已发货', '已完成', '退款中', '已退款', '已取消']);
});
