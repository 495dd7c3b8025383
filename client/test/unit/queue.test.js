// WeChat's cap: never more than maxInFlight (10) requests and uploads in flight, the rest in FIFO order.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createQueue } = require('../../src/queue.js');
const { createMockWx, router, ok, deferred } = require('../mock-wx.js');

const BASE = 'https://api.test';

test('25 requests held open never have more than 10 in flight, and all complete', async () => {
  const gate = deferred();
  const mock = createMockWx(router({ 'GET /products/tea': () => gate.promise.then(() => ok({ id: 'tea' })) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const calls = Array.from({ length: 25 }, () => cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const inFlightWhileHeld = mock.state.inFlight;
  gate.resolve();
  const results = await Promise.all(calls);

  assert.equal(inFlightWhileHeld, 10);
  assert.equal(mock.state.maxInFlight, 10);
  assert.equal(mock.requests.length, 25);
  assert.equal(results.length, 25);
});

test('uploads and requests share the cap', async () => {
  const gate = deferred();
  const mock = createMockWx(
    router({
      'POST /uploads/token': () =>
        ok({ url: 'https://bucket.test/', fields: { key: 'uploads/u/2026/01/a.png' }, key: 'uploads/u/2026/01/a.png' }),
      'GET /products/tea': () => gate.promise.then(() => ok({ id: 'tea' })),
    }),
    { uploadHandler: () => gate.promise.then(() => ({ statusCode: 204, data: '' })) },
  );
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const uploads = Array.from({ length: 6 }, () => cloud.uploadFile({ filePath: 'wxfile://a.png', contentType: 'image/png', size: 4 }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const calls = Array.from({ length: 10 }, () => cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const inFlightWhileHeld = mock.state.inFlight;
  gate.resolve();
  await Promise.all(uploads.concat(calls));

  assert.equal(inFlightWhileHeld, 10);
  assert.equal(mock.state.maxInFlight, 10);
  assert.equal(mock.uploads.length, 6);
});

test('a smaller maxInFlight is honoured', async () => {
  const gate = deferred();
  const mock = createMockWx(router({ 'GET /products/tea': () => gate.promise.then(() => ok({})) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx, maxInFlight: 3 });

  const calls = Array.from({ length: 8 }, () => cloud.callFunction({ name: 'getProduct', data: { id: 'tea' } }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  gate.resolve();
  await Promise.all(calls);

  assert.equal(mock.state.maxInFlight, 3);
});

test('the queue starts waiting tasks in the order they came, and a failed task frees its slot', async () => {
  const queue = createQueue(1);
  const started = [];

  const tasks = [1, 2, 3].map((n) =>
    queue.run(() => {
      started.push(n);
      return n === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(n);
    }),
  );
  const settled = await Promise.allSettled(tasks);

  assert.deepEqual(started, [1, 2, 3]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(queue.running, 0);
  assert.equal(queue.waiting, 0);
});
