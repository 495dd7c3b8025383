const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, wx, openPage, textOf, tap, settle, reset } = require('./support/harness');
const { formatTime } = require('../utils/format');
const { availableUnits, fieldError, conflictOf, statusText, reasonLength, openRequest } = require('../utils/after-sales');

// Two SKUs of one product and a product without variants.
const LINES = [
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
    quantity: 3,
    subtotalFen: 38400,
  },
  { productId: 'tea-longjing', skuId: 'default', name: '西湖龙井 250g', priceFen: 58800, quantity: 1, subtotalFen: 58800 },
];

const order = (orderId, status, extra = {}) => ({
  orderId,
  status,
  items: LINES,
  totalFen: 130000,
  createdAt: '2026-11-24T05:13:21.123Z',
  updatedAt: '2026-11-24T05:13:21.123Z',
  payBy: '2026-11-24T05:43:21.123Z',
  paidAt: '2026-11-24T05:15:00.000Z',
  transactionId: '4200000001202611240000000001',
  deliveries: [],
  ...extra,
});

const CAN = { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 1, amountFen: 12800, restock: false };
const LONGJING = { productId: 'tea-longjing', skuId: 'default', quantity: 1, amountFen: 58800, restock: false };

const request = (number, status, extra = {}) => ({
  orderId: '60',
  number,
  type: 'refund',
  status,
  lines: [CAN],
  amountFen: 12800,
  reason: '茶叶受潮',
  photos: [],
  createdAt: '2026-11-26T02:00:00.000Z',
  updatedAt: '2026-11-26T02:00:00.000Z',
  ...extra,
});

beforeEach(reset);

/** Uploads that wait for the test: each { options, resolve, reject }. */
function heldUploads() {
  const held = [];
  sdk.uploadFile.mock.mockImplementation(
    (options) =>
      new Promise((resolve, reject) => {
        held.push({ options, resolve, reject });
      }),
  );
  return held;
}

async function typeReason(page, value) {
  page.querySelector('.reason').dispatchEvent('input', { detail: { value } });
  await settle();
}

const at = (page, selector, index) => {
  const node = page.querySelectorAll(selector)[index];
  if (!node) throw new Error(`no ${selector} #${index}`);
  return node;
};

async function tapAt(page, selector, index) {
  at(page, selector, index).dispatchEvent('tap');
  await settle();
}

/** The apply page of order 60 (SHIPPED unless told), with these earlier requests. */
async function openApply(requests = [], status = 'SHIPPED') {
  sdk.handle('getOrder', ({ id }) => order(id, status));
  sdk.handle('listAfterSales', () => ({ items: requests }));
  return openPage('pages/after-sales/apply', { id: '60' });
}

// --- the order page ------------------------------------------------------------------------------

test('申请售后 is offered on paid, shipped and completed orders, and opens the form', async () => {
  const offered = {};
  for (const status of ['PENDING_PAYMENT', 'PAID', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'REFUNDING', 'REFUNDED', 'CANCELLED']) {
    sdk.handle('getOrder', ({ id }) => order(id, status));
    sdk.handle('listAfterSales', () => ({ items: [] }));
    const page = await openPage('pages/order/detail', { id: '60' });
    offered[status] = Boolean(page.querySelector('.apply-after-sales'));
    if (status === 'SHIPPED') {
      await tap(page, '.apply-after-sales');
      assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/after-sales/apply?id=60');
    }
  }
  assert.deepEqual(offered, {
    PENDING_PAYMENT: false,
    PAID: true,
    PARTIALLY_SHIPPED: true,
    SHIPPED: true,
    COMPLETED: true,
    REFUNDING: false,
    REFUNDED: false,
    CANCELLED: false,
  });
  assert.ok(!sdk.calls('listAfterSales').some((c) => c.data.id !== '60'));
});

test('the order page shows the money refunded through after-sales and the requests, without the full refund', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID', { refundedFen: 12800 }));
  sdk.handle('listAfterSales', () => ({
    items: [request(1, 'REFUNDED', { refundedAt: '2026-11-26T03:00:00.000Z' }), request(2, 'REQUESTED', { type: 'return_refund', lines: [LONGJING], amountFen: 58800 })],
  }));
  const page = await openPage('pages/order/detail', { id: '60' });

  assert.match(textOf(page.querySelector('.refunded')), /^售后退款 ?¥128\.00$/);
  const rows = page.querySelectorAll('.after-sales__row').map(textOf);
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^#2 退货退款 ?¥588\.00 ?待处理$/, 'newest first');
  assert.match(rows[1], /^#1 仅退款 ?¥128\.00 ?已退款$/);
  assert.equal(page.querySelector('.refund'), undefined, 'no whole-order refund beside after-sales');

  page.querySelectorAll('.after-sales__row')[1].dispatchEvent('tap');
  await settle();
  assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/after-sales/list?id=60&number=1');
});

test('an order without after-sales shows no refunded money and keeps the full refund', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'PAID'));
  sdk.handle('listAfterSales', () => ({ items: [] }));
  const page = await openPage('pages/order/detail', { id: '61' });

  assert.equal(page.querySelector('.refunded'), undefined);
  assert.equal(page.querySelector('.after-sales'), undefined);
  assert.ok(page.querySelector('.refund'));
});

// --- applying ------------------------------------------------------------------------------------

test('applying: the lines bounded by what was bought, the reason counter, photos uploaded for review and their keys sent', async () => {
  // Request 1 refunded a can, request 2 (withdrawn) gave its longjing back.
  const page = await openApply([request(1, 'REFUNDED'), request(2, 'CANCELLED', { lines: [LONGJING] })]);
  const held = heldUploads();
  sdk.handle('requestAfterSales', (data) => request(3, 'REQUESTED', { type: data.type }));

  assert.deepEqual(page.querySelectorAll('.line__bought').map(textOf), ['购买 1 件', '购买 3 件，可申请 2 件', '购买 1 件']);
  assert.deepEqual(page.querySelectorAll('.line__specs').map(textOf), ['250g / 礼盒', '100g / 罐装']);
  assert.equal(page.querySelector('.line__check--on'), undefined, 'nothing chosen yet among several lines');

  await tapAt(page, '.type', 1);
  assert.equal(page.querySelectorAll('.type--on').length, 1);
  assert.match(textOf(page.querySelector('.type--on')), /^退货退款/);

  await tapAt(page, '.line__check', 0);
  for (let i = 0; i < 3; i += 1) await tapAt(page, '.plus', 1);
  assert.deepEqual(page.querySelectorAll('.stepper__value').map(textOf), ['1', '2', '1'], 'the can stops at the 2 left');
  assert.equal(page.querySelectorAll('.line__check--on').length, 2, 'a changed quantity chooses its line');
  await tapAt(page, '.minus', 1);
  await tapAt(page, '.minus', 1);
  assert.equal(textOf(at(page, '.stepper__value', 1)), '1', 'and never goes under 1');
  await tapAt(page, '.plus', 1);
  assert.match(textOf(page.querySelector('.amount')), /^退款金额 ?¥584\.00$/);

  await typeReason(page, '包装破损🍵');
  assert.equal(textOf(page.querySelector('.reason-counter')), '5/200', 'characters, not UTF-16 units');
  await typeReason(page, '收到时包装破损，茶叶受潮');
  assert.equal(textOf(page.querySelector('.reason-counter')), '12/200');

  await tap(page, '.photo-add');
  assert.equal(wx.chooseMedia.mock.calls[0].arguments[0].count, 9);
  assert.equal(held.length, 2, 'each photo is uploaded at once');
  held.forEach(({ options }) => {
    assert.equal(options.purpose, 'review');
    assert.equal(typeof options.onProgress, 'function');
  });
  assert.deepEqual(
    held.map(({ options: { filePath, contentType, size } }) => ({ filePath, contentType, size })),
    [
      { filePath: 'http://tmp/one.jpg', contentType: 'image/jpeg', size: 120000 },
      { filePath: 'http://tmp/two.png', contentType: 'image/png', size: 80000 },
    ],
  );
  held[0].options.onProgress({ progress: 40, totalBytesSent: 48000, totalBytesExpectedToSend: 120000 });
  await settle();
  assert.deepEqual(page.querySelectorAll('.photo__progress').map(textOf), ['40%', '0%']);

  await tap(page, '.submit');
  assert.equal(sdk.calls('requestAfterSales').length, 0, 'not while photos upload');
  assert.equal(textOf(page.querySelector('.photos-error')), '图片还在上传，请稍候');

  held[0].resolve({ key: 'uploads/o-dev/2026/11/one.jpg' });
  held[1].resolve({ key: 'uploads/o-dev/2026/11/two.png' });
  await settle();
  assert.equal(page.querySelector('.photo__progress'), undefined);
  assert.match(textOf(page.querySelector('.photo-add')), /2\/9$/);

  await tap(page, '.submit');

  assert.deepEqual(sdk.calls('requestAfterSales')[0].data, {
    id: '60',
    type: 'return_refund',
    lines: [
      { productId: 'tea-biluochun', skuId: 'blc-250g-gift', quantity: 1 },
      { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 2 },
    ],
    reason: '收到时包装破损，茶叶受潮',
    photos: ['uploads/o-dev/2026/11/one.jpg', 'uploads/o-dev/2026/11/two.png'],
  });
  assert.ok(wx.toasts().includes('已提交售后申请'));
  assert.equal(wx.redirectTo.mock.calls[0].arguments[0].url, '/pages/after-sales/list?id=60&number=3');
});

test('at most 9 photos; a removed one is not sent, and a failed upload can be retried', async () => {
  const page = await openApply([], 'PAID');
  let uploads = 0;
  sdk.uploadFile.mock.mockImplementation(async ({ filePath }) => {
    uploads += 1;
    if (uploads === 2) throw { errCode: -1, errMsg: 'cloud.uploadFile:fail network' };
    return { key: `uploads/o-dev/2026/11/${filePath.split('/').pop()}` };
  });
  sdk.handle('requestAfterSales', () => request(1, 'REFUNDING'));
  const files = (from, n) =>
    Array.from({ length: n }, (_, i) => ({ tempFilePath: `http://tmp/p${from + i}.jpg`, size: 1000, fileType: 'image' }));

  wx.chooseMedia.mock.mockImplementationOnce(async () => ({ type: 'image', tempFiles: files(1, 8) }));
  await tap(page, '.photo-add');
  assert.equal(page.querySelectorAll('.photo--done').length, 7);
  assert.equal(page.querySelectorAll('.photo--failed').length, 1, 'the second upload failed');

  wx.chooseMedia.mock.mockImplementationOnce(async ({ count }) => ({ type: 'image', tempFiles: files(9, count + 2) }));
  await tap(page, '.photo-add');
  assert.equal(wx.chooseMedia.mock.calls[1].arguments[0].count, 1, 'only the room left is asked for');
  assert.equal(page.querySelectorAll('.photo__image').length, 9, 'nine photos, and no more to add');
  assert.equal(page.querySelector('.photo-add'), undefined);

  await tapAt(page, '.line__check', 2);
  await typeReason(page, '不想要了');
  await tap(page, '.submit');
  assert.equal(sdk.calls('requestAfterSales').length, 0);
  assert.equal(textOf(page.querySelector('.photos-error')), '有图片上传失败，请点击重试或删除');

  await tap(page, '.photo--failed'); // retried, and it goes up this time
  assert.equal(page.querySelectorAll('.photo--done').length, 9);

  page.querySelectorAll('.photo__remove')[0].dispatchEvent('tap');
  await settle();
  assert.equal(page.querySelectorAll('.photo__image').length, 8);
  assert.ok(page.querySelector('.photo-add'), 'room for one again');

  await tap(page, '.submit');
  const sent = sdk.calls('requestAfterSales')[0].data;
  assert.equal(sent.type, 'refund', 'a PAID order asks for the money back');
  assert.deepEqual(sent.lines, [{ productId: 'tea-longjing', skuId: 'default', quantity: 1 }]);
  assert.deepEqual(sent.photos, [2, 3, 4, 5, 6, 7, 8, 9].map((n) => `uploads/o-dev/2026/11/p${n}.jpg`));
  assert.ok(wx.toasts().includes('已提交，正在退款'), 'units that never left are refunded at once');
});

test('the form says what it lacks before asking', async () => {
  const page = await openApply();

  await tap(page, '.submit');

  assert.equal(sdk.calls('requestAfterSales').length, 0);
  assert.equal(textOf(page.querySelector('.lines-error')), '请选择要售后的商品');
  assert.equal(textOf(page.querySelector('.reason-error')), '请填写售后原因');

  await tapAt(page, '.line__check', 0);
  await typeReason(page, '   ');
  assert.equal(page.querySelector('.lines-error'), undefined, 'a chosen line clears its error');
  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.reason-error')), '请填写售后原因', 'blank is no reason');
});

test('a 40002 shows next to the field it names; 40013 next to the reason', async () => {
  const page = await openApply();
  const refusals = [
    sdk.apiError(40002, 'validation failed: lines[1].quantity: must be 1 to 0: the units bought less those already refunded or asked'),
    sdk.apiError(40002, 'validation failed: reason: must be 1 to 200 characters'),
    sdk.apiError(40013, 'reason: the text did not pass WeChat\'s content check; choose another (内容含有违规信息，请修改后重试)'),
    sdk.apiError(40002, 'validation failed: photos[0]: is not an upload of yours for a review (purpose review)'),
    sdk.apiError(40002, 'validation failed: lines: would refund 91600 fen of the 58800 fen left to refund'),
    sdk.apiError(40002, 'validation failed: type: unknown variant `exchange`, expected `refund` or `return_refund`'),
  ];
  sdk.handle('requestAfterSales', () => {
    throw refusals.shift();
  });
  sdk.uploadFile.mock.mockImplementation(async ({ filePath }) => ({ key: `uploads/someone-else/${filePath.split('/').pop()}` }));

  // The gift box and the longjing: the second line sent is the order's third.
  await tapAt(page, '.line__check', 0);
  await tapAt(page, '.line__check', 2);
  await typeReason(page, '质量问题');
  await tap(page, '.photo-add');

  await tap(page, '.submit');
  assert.equal(page.querySelectorAll('.line__error').length, 1);
  assert.match(textOf(at(page, '.line', 2)), /这件商品已没有可申请的数量/);
  assert.doesNotMatch(textOf(at(page, '.line', 0)), /没有可申请/);

  await tap(page, '.submit');
  assert.equal(page.querySelector('.line__error'), undefined, 'a new submit clears the old errors');
  assert.equal(textOf(page.querySelector('.reason-error')), '请填写 1-200 字的原因');

  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.reason-error')), '原因未通过微信内容安全检查，请修改后再提交');
  await typeReason(page, '收到的茶叶有异味');
  assert.equal(page.querySelector('.reason-error'), undefined, 'typing clears it');

  await tap(page, '.submit');
  assert.match(textOf(page.querySelector('.photos-error')), /图片无法使用/);
  assert.equal(page.querySelectorAll('.photo--refused').length, 1, 'the photo it names');
  assert.match(textOf(page.querySelectorAll('.photo')[0]), /无法使用/, 'the first one sent');

  page.querySelectorAll('.photo__remove')[0].dispatchEvent('tap');
  await settle();
  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.lines-error')), '申请的金额超过了可退金额，请减少数量');

  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.type-error')), '请选择售后类型');
  assert.equal(sdk.calls('requestAfterSales').length, 6);
  assert.deepEqual(sdk.calls('requestAfterSales')[4].data.photos, ['uploads/someone-else/two.png']);
});

test('40910 is explained: an open request links to it, a closed window gives its date', async () => {
  const page = await openApply();
  const closedAt = '2026-12-09T02:00:00.000Z';
  const refusals = [
    sdk.apiError(40910, 'request 2 of this order is still open: wait for it, or cancel it', { reason: 'open', number: 2 }),
    sdk.apiError(40910, `after-sales closed ${closedAt} after the order completed`, { reason: 'window', closedAt }),
    sdk.apiError(40910, 'the order is REFUNDED: only a paid, shipped or completed order has after-sales', { reason: 'status', status: 'REFUNDED' }),
  ];
  sdk.handle('requestAfterSales', () => {
    throw refusals.shift();
  });
  await tapAt(page, '.line__check', 1);
  await typeReason(page, '发错货了');

  await tap(page, '.submit');
  assert.match(textOf(page.querySelector('.notice')), /售后单 #2 还在处理中，处理完成或撤销后才能再次申请/);
  await tap(page, '.notice__link');
  assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/after-sales/list?id=60&number=2');

  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.notice')), `已超过售后期限（${formatTime(closedAt)} 截止），不能再申请售后`);
  assert.equal(page.querySelector('.notice__link'), undefined);

  await tap(page, '.submit');
  assert.equal(textOf(page.querySelector('.notice')), '订单已退款，不能申请售后');
});

test('a request still open is pointed out as soon as the form opens', async () => {
  const page = await openApply([request(1, 'APPROVED', { type: 'return_refund' })]);

  assert.match(textOf(page.querySelector('.notice')), /售后单 #1 还在处理中/);
  assert.equal(textOf(page.querySelector('.notice__link')), '查看售后单 #1');
  assert.deepEqual(page.querySelectorAll('.line__bought').map(textOf), ['购买 1 件', '购买 3 件，可申请 2 件', '购买 1 件']);
});

// --- the list ------------------------------------------------------------------------------------

const PARCEL = { carrier: 'SF', trackingNo: 'SF1234567890' };

test('the list shows every request, newest first, with its status, amount and reject reason', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'COMPLETED'));
  sdk.handle('listAfterSales', () => ({
    items: [
      request(1, 'REFUNDED', { refundedAt: '2026-11-26T03:00:00.000Z' }),
      request(2, 'REJECTED', { rejectReason: '商品已拆封，影响二次销售' }),
      request(3, 'CANCELLED'),
      request(4, 'FAILED', { refundIssue: 'ABNORMAL' }),
      request(5, 'REFUNDING', { lines: [LONGJING], amountFen: 58800 }),
      request(6, 'RETURN_RECEIVED', { type: 'return_refund', returnParcel: { carrier: 'ZJS', trackingNo: 'ZJS000111' } }),
      request(7, 'RETURNING', { type: 'return_refund', returnParcel: PARCEL }),
      request(8, 'APPROVED', { type: 'return_refund' }),
      request(9, 'REQUESTED', { photos: ['uploads/o-dev/2026/11/a.jpg', 'uploads/o-dev/2026/11/b.jpg'] }),
    ],
  }));
  sdk.handle('getFileUrl', ({ keys }) => ({
    files: keys.split(',').map((key) => ({ key, url: `https://files.example.cn/${key}`, expiresAt: '2026-11-26T04:00:00.000Z', status: 'OK' })),
  }));
  const page = await openPage('pages/after-sales/list', { id: '60', number: '7' });

  assert.deepEqual(page.querySelectorAll('.request__status').map(textOf), [
    '待处理',
    '已同意，待寄回',
    '退货中',
    '已收到退货',
    '退款中',
    '退款异常',
    '已撤销',
    '已拒绝',
    '已退款',
  ]);
  assert.deepEqual(page.querySelectorAll('.request__title').map(textOf).slice(0, 3), ['售后单 #9 · 仅退款', '售后单 #8 · 退货退款', '售后单 #7 · 退货退款']);
  const requests = page.querySelectorAll('.request');
  assert.match(textOf(requests[0]), /洞庭碧螺春 明前一级 100g \/ 罐装 × 1 ?退款金额 ?¥128\.00 ?申请原因 ?茶叶受潮/);
  assert.match(textOf(requests[4]), /西湖龙井 250g × 1 ?退款金额 ?¥588\.00/);
  assert.equal(page.querySelectorAll('.request__reject').length, 1);
  assert.match(textOf(page.querySelector('.request__reject')), /^拒绝原因 ?商品已拆封，影响二次销售$/);
  assert.match(textOf(page.querySelector('.request__issue')), /请联系客服处理（ABNORMAL）/);
  const parcels = page.querySelectorAll('.request__parcel').map(textOf);
  assert.equal(parcels.length, 2);
  assert.match(parcels[0], /^退货快递 ?顺丰速运 SF1234567890$/);
  assert.match(parcels[1], /^退货快递 ?ZJS ZJS000111$/, 'an unknown carrier shows its code');
  assert.match(textOf(requests[8]), new RegExp(`退款时间 ?${formatTime('2026-11-26T03:00:00.000Z')}`));

  assert.equal(page.querySelectorAll('.cancel').length, 2, '撤销 on REQUESTED and APPROVED only');
  assert.equal(page.querySelectorAll('.return-form').length, 1, 'the parcel form on the approved return only');
  assert.match(textOf(page.querySelector('.request--focus')), /^售后单 #7/, 'the request it was opened for');
  assert.deepEqual(sdk.calls('getFileUrl')[0].data, { keys: 'uploads/o-dev/2026/11/a.jpg,uploads/o-dev/2026/11/b.jpg' });
  assert.equal(page.querySelectorAll('.request__photo').length, 2);
  assert.equal(page.querySelector('.apply'), undefined, 'no new request while one is open');
});

test('撤销 withdraws a waiting request; a new one can then be asked', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'SHIPPED'));
  sdk.handle('listAfterSales', () => ({ items: [request(1, 'REQUESTED')] }));
  sdk.handle('cancelAfterSales', ({ number }) => request(Number(number), 'CANCELLED'));
  const page = await openPage('pages/after-sales/list', { id: '60' });
  assert.equal(page.querySelector('.apply'), undefined);

  await tap(page, '.cancel');

  assert.match(wx.showModal.mock.calls[0].arguments[0].content, /售后单 #1/);
  assert.deepEqual(sdk.calls('cancelAfterSales')[0].data, { id: '60', number: '1' });
  assert.equal(textOf(page.querySelector('.request__status')), '已撤销');
  assert.equal(page.querySelector('.cancel'), undefined);
  assert.ok(wx.toasts().includes('已撤销'));

  await tap(page, '.apply');
  assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/after-sales/apply?id=60');
});

test('撤销 of a request that moved on says so and shows it as it is', async () => {
  let status = 'REQUESTED';
  sdk.handle('getOrder', ({ id }) => order(id, 'SHIPPED'));
  sdk.handle('listAfterSales', () => ({ items: [request(1, status)] }));
  sdk.handle('cancelAfterSales', () => {
    status = 'REJECTED';
    throw sdk.apiError(40910, 'the request is REJECTED: it cannot be decided so', { reason: 'state', status: 'REJECTED' });
  });
  const page = await openPage('pages/after-sales/list', { id: '60' });

  await tap(page, '.cancel');

  assert.ok(wx.toasts().includes('售后单的状态已变化，请刷新后再试'));
  assert.equal(textOf(page.querySelector('.request__status')), '已拒绝');
});

test('an approved return takes its parcel: carrier and tracking number, checked first', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'COMPLETED'));
  sdk.handle('listAfterSales', () => ({ items: [request(1, 'APPROVED', { type: 'return_refund' })] }));
  const answers = [
    () => {
      throw sdk.apiError(40002, 'validation failed: trackingNo: does not match the pattern');
    },
    ({ number, carrier, trackingNo }) => request(Number(number), 'RETURNING', { type: 'return_refund', returnParcel: { carrier, trackingNo } }),
  ];
  sdk.handle('returnAfterSales', (data) => answers.shift()(data));
  const page = await openPage('pages/after-sales/list', { id: '60' });
  assert.equal(textOf(page.querySelector('.request__status')), '已同意，待寄回');

  await tap(page, '.send-back');
  assert.equal(sdk.calls('returnAfterSales').length, 0);
  assert.equal(textOf(page.querySelector('.carrier-error')), '请选择快递公司');
  assert.equal(textOf(page.querySelector('.tracking-error')), '请填写快递单号');

  page.querySelector('.carrier-picker').dispatchEvent('change', { detail: { value: 0 } });
  page.querySelector('.tracking-no').dispatchEvent('input', { detail: { value: 'SF 1234 5678 90' } });
  await settle();
  assert.match(textOf(page.querySelector('.carrier')), /顺丰速运/);
  assert.equal(page.querySelector('.carrier-error'), undefined);

  await tap(page, '.send-back');
  assert.equal(textOf(page.querySelector('.tracking-error')), '快递单号只能包含字母、数字、- 和 _', 'the API\'s 40002 next to its field');

  await tap(page, '.send-back');
  assert.deepEqual(sdk.calls('returnAfterSales').map((c) => c.data), [
    { id: '60', number: '1', carrier: 'SF', trackingNo: 'SF1234567890' },
    { id: '60', number: '1', carrier: 'SF', trackingNo: 'SF1234567890' },
  ]);
  assert.equal(textOf(page.querySelector('.request__status')), '退货中');
  assert.match(textOf(page.querySelector('.request__parcel')), /^退货快递 ?顺丰速运 SF1234567890$/);
  assert.equal(page.querySelector('.return-form'), undefined);
  assert.equal(page.querySelector('.cancel'), undefined, 'a returning request cannot be withdrawn');
});

test('a carrier not in the list is named by its code', async () => {
  sdk.handle('getOrder', ({ id }) => order(id, 'COMPLETED'));
  sdk.handle('listAfterSales', () => ({ items: [request(1, 'APPROVED', { type: 'return_refund' })] }));
  sdk.handle('returnAfterSales', ({ number, carrier, trackingNo }) =>
    request(Number(number), 'RETURNING', { type: 'return_refund', returnParcel: { carrier, trackingNo } }),
  );
  const page = await openPage('pages/after-sales/list', { id: '60' });
  const other = page.instance.data.carriers.length - 1;

  page.querySelector('.carrier-picker').dispatchEvent('change', { detail: { value: other } });
  page.querySelector('.tracking-no').dispatchEvent('input', { detail: { value: 'ZJS000111' } });
  await settle();
  page.querySelector('.other-carrier').dispatchEvent('input', { detail: { value: '宅急送' } });
  await settle();
  await tap(page, '.send-back');
  assert.match(textOf(page.querySelector('.carrier-error')), /快递公司编码/);

  page.querySelector('.other-carrier').dispatchEvent('input', { detail: { value: 'ZJS' } });
  await settle();
  await tap(page, '.send-back');
  assert.deepEqual(sdk.calls('returnAfterSales')[0].data, { id: '60', number: '1', carrier: 'ZJS', trackingNo: 'ZJS000111' });
});

// --- utils/after-sales.js alone --------------------------------------------------------------------

test('units under a request count until it is rejected or withdrawn', () => {
  const o = order('60', 'SHIPPED');
  const requests = [
    request(1, 'REFUNDED'),
    request(2, 'REJECTED', { lines: [LONGJING] }),
    request(3, 'CANCELLED', { lines: [{ ...CAN, quantity: 2 }] }),
    request(4, 'FAILED'),
  ];
  assert.deepEqual(availableUnits(o, requests), {
    'tea-biluochun#blc-250g-gift': 1,
    'tea-biluochun#blc-100g-can': 1,
    'tea-longjing#default': 1,
  });
  assert.equal(openRequest(requests), null);
  assert.equal(openRequest([...requests, request(5, 'RETURNING')]).number, 5);
});

test('statuses, reasons and refusals read for people', () => {
  assert.equal(statusText({ status: 'APPROVED', type: 'refund' }), '已同意');
  assert.equal(statusText({ status: 'APPROVED', type: 'return_refund' }), '已同意，待寄回');
  assert.equal(reasonLength('茶🍵'), 2);
  assert.deepEqual(fieldError(sdk.apiError(40002, 'validation failed: lines[0].quantity: must be 1 to 2: ...')), {
    target: 'line',
    index: 0,
    text: '最多可申请 2 件',
  });
  assert.deepEqual(fieldError(sdk.apiError(40002, 'validation failed: lines[1]: is not a line of this order')), {
    target: 'line',
    index: 1,
    text: '这件商品无法申请售后，请刷新后再试',
  });
  assert.equal(fieldError(sdk.apiError(40002, 'validation failed: photos: at most 9')).target, 'photos');
  assert.equal(fieldError(sdk.apiError(40002, 'validation failed: carrier: does not match')).target, 'carrier');
  assert.deepEqual(fieldError(sdk.apiError(40002, 'request body is not valid JSON')), { target: '', text: 'request body is not valid JSON' });
  assert.equal(conflictOf({ data: { reason: 'status', status: 'PENDING_PAYMENT' } }).text, '订单待支付，不能申请售后');
  assert.deepEqual(conflictOf({ data: { reason: 'open', number: 3 } }).openNumber, 3);
});
