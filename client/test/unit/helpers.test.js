// The helpers over callFunction: uploadFile, pay, bindPhone, subscribe, newCheckoutKey.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok, fail } = require('../mock-wx.js');

const BASE = 'https://api.test';
const GRANT = {
  url: 'https://bucket.test/',
  fields: { key: 'uploads/o1/2026/01/a.png', 'Content-Type': 'image/png', policy: 'p', 'x-amz-signature': 's' },
  key: 'uploads/o1/2026/01/a.png',
  expiresAt: '2026-01-01T00:00:00.000Z',
  maxBytes: 68,
};
const PARAMS = { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p1', signType: 'RSA', paySign: 'sig' };

function setup(table, options) {
  const mock = createMockWx(router(table), options);
  cloud.init({ baseUrl: BASE, wx: mock.wx });
  return mock;
}

test('uploadFile asks for an upload token, posts the file with its fields as "file", and resolves the key', async () => {
  const mock = setup({ 'POST /uploads/token': () => ok(GRANT) }, { uploadHandler: () => ({ statusCode: 201, data: '<PostResponse/>' }) });

  const res = await cloud.uploadFile({ filePath: 'wxfile://tmp/a.png', contentType: 'image/png', size: 68, purpose: 'avatar' });

  assert.deepEqual(res, { key: GRANT.key });
  assert.deepEqual(mock.to('POST', '/uploads/token')[0].data, { contentType: 'image/png', size: 68, purpose: 'avatar' });
  const [upload] = mock.uploads;
  assert.equal(upload.url, GRANT.url);
  assert.equal(upload.filePath, 'wxfile://tmp/a.png');
  assert.equal(upload.name, 'file');
  assert.deepEqual(upload.formData, GRANT.fields);
});

test('uploadFile declares purpose general and the largest size when they are left out', async () => {
  const mock = setup({ 'POST /uploads/token': () => ok(GRANT) });

  await cloud.uploadFile({ filePath: 'wxfile://tmp/a.png', contentType: 'image/png' });

  assert.deepEqual(mock.to('POST', '/uploads/token')[0].data, { contentType: 'image/png', size: 10485760, purpose: 'general' });
});

test('uploadFile declares the file\'s own size when the file system can tell it', async () => {
  const mock = setup({ 'POST /uploads/token': () => ok(GRANT) });
  const asked = [];
  mock.wx.getFileSystemManager = () => ({
    getFileInfo(options) {
      asked.push(options.filePath);
      setImmediate(() => options.success({ size: 4242, errMsg: 'getFileInfo:ok' }));
    },
  });

  await cloud.uploadFile({ filePath: 'wxfile://tmp/a.png', contentType: 'image/png', purpose: 'avatar' });

  assert.deepEqual(asked, ['wxfile://tmp/a.png']);
  assert.equal(mock.to('POST', '/uploads/token')[0].data.size, 4242);
});

test('uploadFile rejects when the bucket refuses the file, naming its error code', async () => {
  setup(
    { 'POST /uploads/token': () => ok(GRANT) },
    { uploadHandler: () => ({ statusCode: 400, data: '<Error><Code>EntityTooLarge</Code></Error>' }) },
  );

  const err = await cloud.uploadFile({ filePath: 'wxfile://a.png', contentType: 'image/png', size: 1 }).catch((e) => e);

  assert.deepEqual(err, { errCode: -5, errMsg: 'cloud.uploadFile:fail upload answered HTTP 400: EntityTooLarge' });
});

test('uploadFile passes the token refusal on with its code, and calls its callbacks', async () => {
  setup({ 'POST /uploads/token': () => fail(40906, 'storage quota', { data: { storedBytes: 1, quotaBytes: 1 } }) });
  const seen = [];

  const err = await cloud
    .uploadFile({ filePath: 'wxfile://a.png', contentType: 'image/png', size: 1, fail: (e) => seen.push(e.errCode) })
    .catch((e) => e);
  await new Promise(setImmediate);

  assert.equal(err.errCode, 40906);
  assert.equal(err.errMsg, 'cloud.uploadFile:fail storage quota');
  assert.deepEqual(err.data, { storedBytes: 1, quotaBytes: 1 });
  assert.deepEqual(seen, [40906]);
});

test('pay gets the payment parameters, requests the payment, and polls the order until PAID', async () => {
  let polls = 0;
  const mock = setup({
    'POST /orders/7/pay': () => ok(PARAMS),
    'GET /orders/7': () => {
      polls += 1;
      return ok({ orderId: '7', status: polls < 3 ? 'PENDING_PAYMENT' : 'PAID' });
    },
  });

  const order = await cloud.pay('7', { pollIntervalMs: 10 });

  assert.deepEqual(order, { orderId: '7', status: 'PAID' });
  assert.equal(polls, 3);
  const [payment] = mock.state.payments;
  assert.deepEqual(
    { timeStamp: payment.timeStamp, nonceStr: payment.nonceStr, package: payment.package, signType: payment.signType, paySign: payment.paySign },
    PARAMS,
  );
});

test('with devPayUrl (make dev), pay has the fake WeChat Pay pay instead of wx.requestPayment', async () => {
  let paid = false;
  const mock = createMockWx(
    router({
      'POST /orders/8/pay': () => ok(PARAMS),
      'POST /dev/pay/8': () => {
        paid = true;
        return { statusCode: 200, data: { status: 204 } };
      },
      'GET /orders/8': () => ok({ orderId: '8', status: paid ? 'PAID' : 'PENDING_PAYMENT' }),
    }),
  );
  cloud.init({ baseUrl: BASE, wx: mock.wx, devPayUrl: 'http://127.0.0.1:9200' });

  const order = await cloud.pay('8', { pollIntervalMs: 10 });

  assert.equal(order.status, 'PAID');
  assert.equal(mock.state.payments.length, 0, 'no wx.requestPayment');
  assert.equal(mock.to('POST', '/dev/pay/8')[0].url, 'http://127.0.0.1:9200/dev/pay/8');
  assert.throws(() => cloud.init({ baseUrl: BASE, wx: mock.wx, devPayUrl: 'https://pay.example.com' }), /make dev only/);
});

test('pay passes a cancelled payment on as wx answered it, without polling', async () => {
  const mock = setup({ 'POST /orders/7/pay': () => ok(PARAMS) });
  mock.wx.paymentAnswer = 'cancel';

  const err = await cloud.pay('7').catch((e) => e);

  assert.deepEqual(err, { errMsg: 'requestPayment:fail cancel' });
  assert.equal(mock.to('GET', '/orders/7').length, 0);
});

test('pay times out with errCode -2 when the order never shows PAID', async () => {
  setup({ 'POST /orders/7/pay': () => ok(PARAMS), 'GET /orders/7': () => ok({ orderId: '7', status: 'PENDING_PAYMENT' }) });

  const err = await cloud.pay('7', { pollIntervalMs: 10, timeoutMs: 50 }).catch((e) => e);

  assert.deepEqual(err, { errCode: -2, errMsg: 'cloud.pay:fail timeout' });
});

test('pay rejects a refused payOrder with its code', async () => {
  setup({ 'POST /orders/7/pay': () => fail(40907, 'not payable', { data: { status: 'EXPIRED' } }) });

  const err = await cloud.pay('7').catch((e) => e);

  assert.equal(err.errCode, 40907);
  assert.equal(err.errMsg, 'cloud.pay:fail not payable');
  assert.deepEqual(err.data, { status: 'EXPIRED' });
});

test('bindPhone sends the code of the getPhoneNumber event and resolves the masked number', async () => {
  const mock = setup({ 'POST /users/me/phone': () => ok({ phone: '138****8000', countryCode: '86' }) });

  const bound = await cloud.bindPhone({ detail: { errMsg: 'getPhoneNumber:ok', code: 'phone.alice.1' } });

  assert.deepEqual(bound, { phone: '138****8000', countryCode: '86' });
  assert.deepEqual(mock.to('POST', '/users/me/phone')[0].data, { code: 'phone.alice.1' });
});

test('bindPhone rejects -3 without a request when the user declined', async () => {
  const mock = setup({});

  const err = await cloud.bindPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } }).catch((e) => e);

  assert.deepEqual(err, { errCode: -3, errMsg: 'cloud.bindPhone:fail no code' });
  assert.equal(mock.requests.length, 0);
});

test('subscribe reports the accepted templates only', async () => {
  const mock = setup({ 'POST /users/me/subscriptions': (r) => ok({ subscriptions: { [r.data.accepted[0]]: 1 } }) });
  mock.wx.subscribeAnswers = { TPL_PAID: 'accept', TPL_SHIPPED: 'reject' };

  const res = await cloud.subscribe(['TPL_PAID', 'TPL_SHIPPED']);

  assert.deepEqual(res, { accepted: ['TPL_PAID'], subscriptions: { TPL_PAID: 1 } });
  assert.deepEqual(mock.state.subscribeAsks, [['TPL_PAID', 'TPL_SHIPPED']]);
  assert.deepEqual(mock.to('POST', '/users/me/subscriptions')[0].data, { accepted: ['TPL_PAID'] });
});

test('subscribe with nothing accepted sends no request', async () => {
  const mock = setup({});

  const res = await cloud.subscribe(['TPL_PAID']);

  assert.deepEqual(res, { accepted: [], subscriptions: null });
  assert.equal(mock.requests.length, 0);
});

test('newCheckoutKey makes distinct keys the server accepts', () => {
  const keys = new Set(Array.from({ length: 1000 }, () => cloud.newCheckoutKey()));

  assert.equal(keys.size, 1000);
  for (const key of keys) assert.match(key, /^[A-Za-z0-9_-]{8,64}$/);
});

test('a call before init throws', () => {
  delete require.cache[require.resolve('../../src/index.js')];
  const fresh = require('../../src/index.js');

  assert.throws(() => fresh.callFunction({ name: 'getProduct', data: { id: 'x' } }), /init/);
});
