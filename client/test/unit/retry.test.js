// Safe retries only: GET and submitOrder (with the same Idempotency-Key) are retried after a network
// failure, 503 or 429, at most twice; Retry-After is honoured up to 10 s; other mutations never.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok, fail } = require('../mock-wx.js');

const BASE = 'https://api.test';
const ORDER = { items: [{ productId: 'tea', quantity: 1 }] };

/** A handler answering `answers` in turn, then the last one again. */
function sequence(answers) {
  let n = 0;
  return () => answers[Math.min(n++, answers.length - 1)];
}

function setup(table) {
  const mock = createMockWx(router(table));
  cloud.init({ baseUrl: BASE, wx: mock.wx });
  return mock;
}

test('submitOrder keeps its Idempotency-Key across retries after a network failure, 503 and 429', async () => {
  const mock = setup({
    'POST /orders': sequence([
      { networkError: 'request:fail timeout' },
      fail(50302, 'storage unavailable', { header: { 'Retry-After': '0' } }),
      ok({ orderId: '1' }),
    ]),
  });

  const res = await cloud.callFunction({ name: 'submitOrder', data: ORDER, idempotencyKey: 'checkout-key-1' });

  assert.equal(res.result.orderId, '1');
  const keys = mock.to('POST', '/orders').map((r) => r.header['Idempotency-Key']);
  assert.deepEqual(keys, ['checkout-key-1', 'checkout-key-1', 'checkout-key-1']);
});

test('submitOrder without a key gets one per call, the same across that call retries', async () => {
  const mock = setup({ 'POST /orders': sequence([fail(42902, 'too many', { header: { 'Retry-After': '0' } }), ok({ orderId: '1' })]) });

  await cloud.callFunction({ name: 'submitOrder', data: ORDER });
  await cloud.callFunction({ name: 'submitOrder', data: ORDER });

  const keys = mock.to('POST', '/orders').map((r) => r.header['Idempotency-Key']);
  assert.equal(keys.length, 3);
  assert.equal(keys[0], keys[1]);
  assert.notEqual(keys[1], keys[2]);
  assert.ok(keys.every((key) => /^[A-Za-z0-9_-]{8,64}$/.test(key)), keys.join());
});

test('submitOrder keeps its key when its retry follows a token refresh', async () => {
  const mock = setup({
    'POST /orders': (request) =>
      request.header.Authorization === 'Bearer access-1' ? fail(40103, 'expired') : ok({ orderId: '1' }),
    'POST /auth/refresh': () => ok({ accessToken: 'access-2', refreshToken: 'refresh-2', expiresIn: 7200, refreshExpiresIn: 60 }),
  });

  await cloud.callFunction({ name: 'submitOrder', data: ORDER, idempotencyKey: 'checkout-key-2' });

  const keys = mock.to('POST', '/orders').map((r) => r.header['Idempotency-Key']);
  assert.deepEqual(keys, ['checkout-key-2', 'checkout-key-2']);
});

test('a GET is retried at most twice, then the failure is answered', async () => {
  const mock = setup({ 'GET /products/tea': () => fail(50302, 'storage unavailable', { header: { 'Retry-After': '0' } }) });

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }).catch((e) => e);

  assert.equal(err.errCode, 50302);
  assert.equal(mock.to('GET', '/products/tea').length, 3);
});

test('a GET is retried after a network failure, with backoff', async () => {
  const mock = setup({ 'GET /products/tea': sequence([{ networkError: 'request:fail' }, ok({ id: 'tea' })]) });

  const res = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });

  assert.equal(res.result.id, 'tea');
  assert.equal(mock.to('GET', '/products/tea').length, 2);
});

test('a gateway answer without the envelope (502) is retried for a GET', async () => {
  const mock = setup({
    'GET /products/tea': sequence([{ statusCode: 502, header: {}, data: { message: 'Internal server error' } }, ok({ id: 'tea' })]),
  });

  const res = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } });

  assert.equal(res.result.id, 'tea');
});

test('mutations without an Idempotency-Key are never retried', async () => {
  const mock = setup({
    'POST /orders/1/cancel': () => ({ networkError: 'request:fail timeout' }),
    'POST /orders/1/pay': () => fail(50303, 'WeChat Pay unavailable', { header: { 'Retry-After': '0' } }),
    'PATCH /users/me': () => fail(42902, 'too many', { header: { 'Retry-After': '0' } }),
    'POST /uploads/token': () => fail(50302, 'storage unavailable'),
  });

  const errors = await Promise.all([
    cloud.callFunction({ name: 'cancelOrder', data: { id: '1' } }).catch((e) => e.errCode),
    cloud.callFunction({ name: 'payOrder', data: { id: '1' } }).catch((e) => e.errCode),
    cloud.callFunction({ name: 'updateUserInfo', data: { nickname: 'x' } }).catch((e) => e.errCode),
    cloud.callFunction({ name: 'uploadToken', data: { contentType: 'image/png', size: 1 } }).catch((e) => e.errCode),
  ]);

  assert.deepEqual(errors, [-1, 50303, 42902, 50302]);
  assert.equal(mock.to('POST', '/orders/1/cancel').length, 1);
  assert.equal(mock.to('POST', '/orders/1/pay').length, 1);
  assert.equal(mock.to('PATCH', '/users/me').length, 1);
  assert.equal(mock.to('POST', '/uploads/token').length, 1);
});

test('client errors are not retried, even for a GET', async () => {
  const mock = setup({ 'GET /products/nope': () => fail(40401, 'not found') });

  await cloud.callFunction({ name: 'getProduct', data: { id: 'nope' } }).catch(() => {});

  assert.equal(mock.to('GET', '/products/nope').length, 1);
});

test('a 429 waits for its Retry-After before the retry', async () => {
  const times = [];
  const answers = sequence([fail(42902, 'too many', { header: { 'Retry-After': '1' } }), ok({ orderId: '1' })]);
  setup({
    'POST /orders': () => {
      times.push(Date.now());
      return answers();
    },
  });

  await cloud.callFunction({ name: 'submitOrder', data: ORDER, idempotencyKey: 'checkout-key-3' });

  assert.equal(times.length, 2);
  assert.ok(times[1] - times[0] >= 990, `waited ${times[1] - times[0]} ms`);
});

test('a Retry-After longer than 10 s is not waited for: the call fails at once', async () => {
  const mock = setup({ 'GET /products/tea': () => fail(42903, 'temporarily blocked', { header: { 'Retry-After': '900' } }) });
  const started = Date.now();

  const err = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }).catch((e) => e);

  assert.equal(err.errCode, 42903);
  assert.equal(mock.to('GET', '/products/tea').length, 1);
  assert.ok(Date.now() - started < 500);
});
