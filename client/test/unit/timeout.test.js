// Timeouts and cancellation: a dead network fails the call within its timeout (errCode -7), an
// aborted call fails at once (errCode -8), and the wx tasks in flight are aborted with it; uploads
// report their progress.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok, fail } = require('../mock-wx.js');

const BASE = 'https://api.test';
/** A request the network never answers. */
const never = () => new Promise(() => {});

function setup(table, options = {}) {
  const mock = createMockWx(router(table));
  cloud.init(Object.assign({ baseUrl: BASE, wx: mock.wx }, options));
  return mock;
}

test('a call the network never answers fails with errCode -7 within its timeout, its request aborted', async () => {
  const mock = setup({ 'GET /products/tea': never }, { timeout: 80 });
  const started = Date.now();

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }).catch((e) => e);

  const took = Date.now() - started;
  assert.equal(err.errCode, -7);
  assert.match(err.errMsg, /^cloud\.callFunction:fail timeout/);
  assert.ok(took >= 70, `failed after ${took} ms, before its timeout`);
  assert.equal(mock.state.tasks.length, 1);
  assert.equal(mock.state.tasks[0].aborted, true, 'the request in flight is aborted');
  assert.equal(mock.state.inFlight, 0, 'its slot is given back');
});

test("a call's own timeout overrides init's, and wx.request is given the time left", async () => {
  const mock = setup({ 'GET /products/tea': never }, { timeout: 60000 });

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' }, timeout: 50 }).catch((e) => e);

  assert.equal(err.errCode, -7);
  assert.ok(mock.requests[0].timeout <= 50, `wx.request timeout ${mock.requests[0].timeout}`);
});

test('no retry starts that could not end before the deadline: the failure it had is the answer', async () => {
  let attempts = 0;
  setup(
    {
      'GET /products/tea': () => {
        attempts += 1;
        return fail(50302, 'storage is unavailable; retry later', { header: { 'Retry-After': '1' } });
      },
    },
    { timeout: 300 },
  );

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }).catch((e) => e);

  assert.equal(err.errCode, 50302);
  assert.equal(attempts, 1, 'a 1 s Retry-After does not fit in 300 ms');
});

test('abort() ends a call at once with errCode -8 and aborts its request', async () => {
  const mock = setup({ 'GET /products/tea': never });

  const call = cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });
  await new Promise((resolve) => setImmediate(resolve));
  call.abort();
  const err = await call.catch((e) => e);

  assert.equal(err.errCode, -8);
  assert.equal(err.errMsg, 'cloud.callFunction:fail abort');
  assert.equal(mock.state.tasks[0].aborted, true);
});

test('abort() after the answer changes nothing', async () => {
  setup({ 'GET /products/tea': () => ok({ id: 'tea' }) });

  const call = cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });
  const res = await call;
  call.abort();

  assert.equal(res.result.id, 'tea');
});

test('an upload reports its progress as wx does, and resolves the key', async () => {
  const mock = setup({
    'POST /uploads/token': () => ok({ url: 'https://bucket.test/', key: 'uploads/o/2026/11/a.png', fields: { key: 'k' } }),
  });
  mock.wx.uploadHandler = (options, task) => {
    setImmediate(() => {
      for (const sent of [40, 100]) {
        task.progressListeners.forEach((listener) =>
          listener({ progress: sent, totalBytesSent: sent, totalBytesExpectedToSend: 100 }),
        );
      }
    });
    return new Promise((resolve) => setTimeout(() => resolve({ statusCode: 204, data: '' }), 10));
  };
  const seen = [];

  const res = await cloud.uploadFile({
    filePath: 'wxfile://tmp/a.png',
    contentType: 'image/png',
    size: 100,
    onProgress: (event) => seen.push(event),
  });

  assert.deepEqual(res.key, 'uploads/o/2026/11/a.png');
  assert.deepEqual(seen, [
    { progress: 40, totalBytesSent: 40, totalBytesExpectedToSend: 100 },
    { progress: 100, totalBytesSent: 100, totalBytesExpectedToSend: 100 },
  ]);
});

test('an aborted upload fails with errCode -8 and its wx.uploadFile is aborted', async () => {
  const mock = setup({
    'POST /uploads/token': () => ok({ url: 'https://bucket.test/', key: 'uploads/o/2026/11/b.png', fields: {} }),
  });
  let uploading;
  const started = new Promise((resolve) => {
    uploading = resolve;
  });
  mock.wx.uploadHandler = () => {
    uploading();
    return never();
  };

  const upload = cloud.uploadFile({ filePath: 'wxfile://tmp/b.png', contentType: 'image/png', size: 10 });
  await started;
  upload.abort();
  const err = await upload.catch((e) => e);

  assert.equal(err.errCode, -8);
  assert.match(err.errMsg, /^cloud\.uploadFile:fail abort/);
  assert.equal(mock.state.tasks.at(-1).aborted, true);
});

test('an upload the network never finishes fails with errCode -7 within its timeout', async () => {
  const mock = setup(
    { 'POST /uploads/token': () => ok({ url: 'https://bucket.test/', key: 'uploads/o/2026/11/c.png', fields: {} }) },
    { uploadTimeout: 80 },
  );
  mock.wx.uploadHandler = never;

  const err = await cloud.uploadFile({ filePath: 'wxfile://tmp/c.png', contentType: 'image/png', size: 10 }).catch((e) => e);

  assert.equal(err.errCode, -7);
});

test('an aborted payment stops waiting for the order with errCode -8', async () => {
  const mock = setup({
    'POST /orders/7/pay': () => ok({ timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' }),
    'GET /orders/7': never,
  });

  const payment = cloud.pay('7', { pollIntervalMs: 10 });
  while (!mock.to('GET', '/orders/7').length) await new Promise((resolve) => setImmediate(resolve));
  payment.abort();
  const err = await payment.catch((e) => e);

  assert.equal(err.errCode, -8);
  assert.equal(mock.state.payments.length, 1, 'wx.requestPayment was asked once');
});

test('a timeout outside 1 ms .. 10 minutes is refused when the client is made', () => {
  const mock = createMockWx(router({}));
  for (const timeout of [0, -1, 1.5, 600001, '15000']) {
    assert.throws(() => cloud.init({ baseUrl: BASE, wx: mock.wx, timeout }), /timeout must be an integer/);
  }
});
