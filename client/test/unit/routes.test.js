// The generated route map, and how a call's data becomes a path, a query string or a JSON body.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok } = require('../mock-wx.js');

const BASE = 'https://api.test';

function setup(table) {
  const mock = createMockWx(router(table));
  cloud.init({ baseUrl: BASE, wx: mock.wx });
  return mock;
}

test('path parameters are taken from data by name and encoded', async () => {
  const mock = setup({ 'GET /products/a%2Fb%20c': () => ok({}) });

  await cloud.callFunction({ name: 'getProduct', data: { id: 'a/b c' } });

  assert.equal(mock.requests[0].url, `${BASE}/products/a%2Fb%20c`);
  assert.equal(mock.requests[0].data, undefined);
});

test('GET sends the rest of data as the query string, arrays repeated, undefined left out', async () => {
  const mock = setup({ 'GET /files/url': () => ok({ files: [] }) });

  await cloud.callFunction({ name: 'getFileUrl', data: { keys: ['uploads/a 1.png', 'uploads/b.png'], unused: undefined } });

  const [request] = mock.to('GET', '/files/url');
  assert.equal(request.url, `${BASE}/files/url?keys=uploads%2Fa%201.png&keys=uploads%2Fb.png`);
  assert.equal(request.data, undefined);
});

test('GET without data sends no query string', async () => {
  const mock = setup({ 'GET /products': () => ok({ items: [], nextCursor: null }) });

  await cloud.callFunction({ name: 'listProducts' });

  assert.equal(mock.requests[0].url, `${BASE}/products`);
});

test('other methods send data as a JSON body, without the path parameters', async () => {
  const mock = setup({ 'PATCH /users/me': () => ok({}), 'POST /orders/42/pay': () => ok({}) });

  await cloud.callFunction({ name: 'updateUserInfo', data: { nickname: '茶客' } });
  await cloud.callFunction({ name: 'payOrder', data: { id: '42' } });

  const [patch] = mock.to('PATCH', '/users/me');
  assert.deepEqual(patch.data, { nickname: '茶客' });
  assert.equal(patch.header['content-type'], 'application/json');
  const [pay] = mock.to('POST', '/orders/42/pay');
  assert.equal(pay.data, undefined, 'payOrder takes no body');
  assert.equal(pay.header['content-type'], undefined);
});

test('a token route carries the bearer token; a public route does not', async () => {
  const mock = setup({ 'GET /users/me': () => ok({}), 'GET /products': () => ok({ items: [] }) });

  await cloud.callFunction({ name: 'getUserInfo' });
  await cloud.callFunction({ name: 'listProducts' });

  assert.equal(mock.to('GET', '/users/me')[0].header.Authorization, 'Bearer access-1');
  assert.equal(mock.to('GET', '/products')[0].header.Authorization, undefined);
});

test('a missing path parameter rejects with errCode -6 and sends nothing', async () => {
  const mock = setup({});

  const err = await cloud.callFunction({ name: 'getProduct', data: {} }).catch((e) => e);

  assert.deepEqual(err, { errCode: -6, errMsg: 'cloud.callFunction:fail data.id is required' });
  assert.equal(mock.requests.length, 0);
});

test('webhooks, operators routes, session functions and unknown names are refused with -4 and send nothing', async () => {
  const mock = setup({});

  for (const name of ['payNotify', 'refundNotify', 'wechatPushGet', 'wechatPushPost', 'shipOrder', 'login', 'refresh', 'logout', 'nope', 'toString']) {
    const err = await cloud.callFunction({ name, data: {} }).catch((e) => e);
    assert.deepEqual(err, { errCode: -4, errMsg: `cloud.callFunction:fail unknown function ${name}` }, name);
  }
  assert.equal(mock.requests.length, 0);
});

test('the route map is generated from the contract and read-only', () => {
  assert.deepEqual(cloud.routes.getProduct, {
    method: 'GET',
    path: '/products/{id}',
    auth: 'none',
    pathParams: ['id'],
    queryParams: [],
    bodyParams: null,
    idempotencyKey: false,
  });
  assert.equal(cloud.routes.submitOrder.idempotencyKey, true);
  assert.equal(cloud.routes.getOrder.auth, 'bearer');
  assert.deepEqual(cloud.routes.listProducts.queryParams, ['limit', 'cursor', 'category']);
  assert.equal(cloud.routes.shipOrder, undefined);
  assert.equal(cloud.routes.payNotify, undefined);
  assert.throws(() => {
    'use strict';
    cloud.routes.getProduct.path = '/elsewhere';
  }, TypeError);
  assert.throws(() => {
    cloud.routes = {};
  }, TypeError);
});
