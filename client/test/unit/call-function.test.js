// callFunction: the envelope becomes { result, requestID, errMsg }, failures { errCode, errMsg,
// requestID }, callbacks are called as wx's are, and init checks its options.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok, fail } = require('../mock-wx.js');

const BASE = 'https://api.test';

function setup(table) {
  const mock = createMockWx(router(table));
  cloud.init({ baseUrl: BASE, wx: mock.wx });
  return mock;
}

test('a success envelope resolves its data as result, with the request id and the ok errMsg', async () => {
  setup({ 'GET /products/tea': () => ok({ id: 'tea', priceFen: 100 }, 'req-1') });

  const res = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });

  assert.deepEqual(res, { result: { id: 'tea', priceFen: 100 }, requestID: 'req-1', errMsg: 'cloud.callFunction:ok' });
});

test('the request id comes from the envelope when the x-request-id header is absent', async () => {
  setup({
    'GET /products/tea': () => ({ statusCode: 200, header: {}, data: { code: 0, message: 'ok', data: {}, requestId: 'req-body' } }),
  });

  const res = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });

  assert.equal(res.requestID, 'req-body');
});

test('an error envelope rejects with its code, the server message in errMsg, the request id and data', async () => {
  setup({
    'POST /orders': () => fail(40902, 'the total changed', { requestId: 'req-9', data: { totalFen: 1200 } }),
  });

  const err = await cloud
    .callFunction({ name: 'submitOrder', data: { items: [{ productId: 'tea', quantity: 1 }], expectedTotalFen: 1000 } })
    .catch((e) => e);

  assert.deepEqual(err, {
    errCode: 40902,
    errMsg: 'cloud.callFunction:fail the total changed',
    requestID: 'req-9',
    data: { totalFen: 1200 },
  });
});

test('a network failure rejects with errCode -1 and the errMsg of wx', async () => {
  setup({ 'POST /orders/1/cancel': () => ({ networkError: 'request:fail timeout' }) });

  const err = await cloud.callFunction({ name: 'cancelOrder', data: { id: '1' } }).catch((e) => e);

  assert.equal(err.errCode, -1);
  assert.equal(err.errMsg, 'cloud.callFunction:fail request:fail timeout');
});

test('an answer that is not the envelope rejects with errCode -5 and the HTTP status', async () => {
  setup({ 'GET /products/tea': () => ({ statusCode: 403, header: {}, data: { message: 'Forbidden' } }) });

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }).catch((e) => e);

  assert.equal(err.errCode, -5);
  assert.equal(err.errMsg, 'cloud.callFunction:fail HTTP 403: Forbidden');
});

test('success and complete are called with the result, and the promise is still returned', async () => {
  setup({ 'GET /products/tea': () => ok({ id: 'tea' }) });
  const calls = [];

  const res = await cloud.callFunction({
    name: 'getProduct',
    data: { id: 'tea' },
    success: (r) => calls.push(['success', r.result.id]),
    fail: () => calls.push(['fail']),
    complete: (r) => calls.push(['complete', r.errMsg]),
  });
  await new Promise(setImmediate);

  assert.equal(res.result.id, 'tea');
  assert.deepEqual(calls, [
    ['success', 'tea'],
    ['complete', 'cloud.callFunction:ok'],
  ]);
});

test('fail and complete are called with the failure, and the promise still rejects', async () => {
  setup({ 'GET /products/nope': () => fail(40401, 'not found') });
  const calls = [];

  const promise = cloud.callFunction({
    name: 'getProduct',
    data: { id: 'nope' },
    success: () => calls.push(['success']),
    fail: (e) => calls.push(['fail', e.errCode]),
    complete: (e) => calls.push(['complete', e.errCode]),
  });
  const err = await promise.catch((e) => e);
  await new Promise(setImmediate);

  assert.equal(err.errCode, 40401);
  assert.deepEqual(calls, [
    ['fail', 40401],
    ['complete', 40401],
  ]);
});

test('init refuses a missing base URL, plain http to a public host, and more than 10 in flight', () => {
  const { wx } = createMockWx(() => ok({}));

  assert.throws(() => cloud.init({ wx }), /https/);
  assert.throws(() => cloud.init({ baseUrl: 'http://api.example.cn', wx }), /https/);
  assert.throws(() => cloud.init({ baseUrl: BASE, wx, maxInFlight: 11 }), /maxInFlight/);
  assert.throws(() => cloud.init({ baseUrl: BASE }), /wx/);
});

test('init takes plain http for this machine and LAN addresses, and https anywhere', () => {
  const { wx } = createMockWx(() => ok({}));

  for (const baseUrl of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://192.168.1.20:9000', 'http://10.0.0.2', 'https://api.example.cn/prod']) {
    assert.doesNotThrow(() => cloud.init({ baseUrl, wx }), baseUrl);
  }
});

test('a trailing slash of the base URL is dropped and the timeout reaches wx.request', async () => {
  const mock = createMockWx(router({ 'GET /products': () => ok({ items: [], nextCursor: null }) }));
  cloud.init({ baseUrl: `${BASE}/`, wx: mock.wx, timeout: 5000 });

  await cloud.callFunction({ name: 'listProducts' });

  assert.equal(mock.requests[0].url, `${BASE}/products`);
  // wx.request gets the call's time left: the 5000 ms less the milliseconds already spent.
  const given = mock.requests[0].timeout;
  assert.ok(given <= 5000 && given > 4000, `timeout ${given}`);
});
