// Sessions handled for the developer: login on first need, one refresh (or login) in flight however
// many calls wait for it, each refused call retried once, tokens in wx storage, logout.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const cloud = require('../../src/index.js');
const { createMockWx, router, ok, fail, login } = require('../mock-wx.js');

const BASE = 'https://api.test';
const KEY = 'wx-serverless';

/** GET /users/me answers 40103 to `expired` tokens and the profile to any other. */
function profileRoute(expired) {
  return (request) => {
    const token = request.header.Authorization.replace('Bearer ', '');
    return expired.has(token) ? fail(40103, 'the access token has expired') : ok({ openid: 'o1', token });
  };
}

function stored(mock) {
  return JSON.parse(mock.storage.get(KEY) || 'null');
}

function storeTokens(mock, tokens) {
  mock.storage.set(KEY, JSON.stringify(Object.assign({ accessExpiresAt: null, refreshExpiresAt: null }, tokens)));
}

test('the first call that needs a token logs in with a wx.login code and stores the tokens', async () => {
  const mock = createMockWx(router({ 'GET /users/me': profileRoute(new Set()) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const res = await cloud.callFunction({ name: 'getUserInfo' });

  assert.equal(res.result.token, 'access-1');
  assert.deepEqual(mock.to('POST', '/auth/login')[0].data, { code: 'code-1' });
  const tokens = stored(mock);
  assert.equal(tokens.accessToken, 'access-1');
  assert.equal(tokens.refreshToken, 'refresh-1');
  assert.ok(tokens.accessExpiresAt > Date.now() + 7000 * 1000);
  assert.ok(tokens.refreshExpiresAt > tokens.accessExpiresAt);
});

test('public calls need no login', async () => {
  const mock = createMockWx(router({ 'GET /products': () => ok({ items: [] }) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  await cloud.callFunction({ name: 'listProducts' });

  assert.equal(mock.state.logins, 0);
  assert.equal(mock.to('POST', '/auth/login').length, 0);
});

test('20 concurrent first calls share one login', async () => {
  const mock = createMockWx(router({ 'GET /users/me': profileRoute(new Set()) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  await Promise.all(Array.from({ length: 20 }, () => cloud.callFunction({ name: 'getUserInfo' })));

  assert.equal(mock.state.logins, 1);
  assert.equal(mock.to('POST', '/auth/login').length, 1);
  assert.equal(mock.to('GET', '/users/me').length, 20);
});

test('stored tokens are used without a login', async () => {
  const mock = createMockWx(router({ 'GET /users/me': profileRoute(new Set()) }));
  storeTokens(mock, { accessToken: 'access-stored', refreshToken: 'refresh-stored' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const res = await cloud.callFunction({ name: 'getUserInfo' });

  assert.equal(res.result.token, 'access-stored');
  assert.equal(mock.state.logins, 0);
});

test('20 calls answered 40103 share exactly one refresh, then each is retried once with the new token', async () => {
  const refreshes = [];
  const mock = createMockWx(
    router({
      'GET /users/me': profileRoute(new Set(['access-old'])),
      'POST /auth/refresh': (request) => {
        refreshes.push(request.data);
        return login('new');
      },
    }),
  );
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const results = await Promise.all(Array.from({ length: 20 }, () => cloud.callFunction({ name: 'getUserInfo' })));

  assert.deepEqual(refreshes, [{ refreshToken: 'refresh-old' }]);
  const calls = mock.to('GET', '/users/me').map((r) => r.header.Authorization);
  assert.equal(calls.filter((h) => h === 'Bearer access-old').length, 20);
  assert.equal(calls.filter((h) => h === 'Bearer access-new').length, 20);
  assert.ok(results.every((r) => r.result.token === 'access-new'));
  assert.equal(stored(mock).refreshToken, 'refresh-new');
  assert.equal(mock.state.logins, 0);
});

test('a refused refresh falls back to exactly one fresh login, then the calls are retried once', async () => {
  const mock = createMockWx(
    router({
      'GET /users/me': profileRoute(new Set(['access-old'])),
      'POST /auth/refresh': () => fail(40107, 'the refresh token was already spent'),
    }),
  );
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const results = await Promise.all(Array.from({ length: 5 }, () => cloud.callFunction({ name: 'getUserInfo' })));

  assert.equal(mock.to('POST', '/auth/refresh').length, 1);
  assert.equal(mock.to('POST', '/auth/login').length, 1);
  assert.equal(mock.state.logins, 1);
  assert.ok(results.every((r) => r.result.token === 'access-1'));
  assert.equal(mock.to('GET', '/users/me').length, 10);
});

test('a refresh that fails for another reason fails the call and keeps the tokens', async () => {
  const mock = createMockWx(
    router({
      'GET /users/me': profileRoute(new Set(['access-old'])),
      'POST /auth/refresh': () => fail(50302, 'storage unavailable'),
    }),
  );
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const err = await cloud.callFunction({ name: 'getUserInfo' }).catch((e) => e);

  assert.equal(err.errCode, 50302);
  assert.equal(mock.state.logins, 0);
  assert.equal(stored(mock).refreshToken, 'refresh-old');
});

test('a token expired by the stored expiry is refreshed before the call, not sent', async () => {
  const mock = createMockWx(router({ 'GET /users/me': profileRoute(new Set()), 'POST /auth/refresh': () => login('new') }));
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old', accessExpiresAt: Date.now() - 1000 });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const res = await cloud.callFunction({ name: 'getUserInfo' });

  assert.equal(res.result.token, 'access-new');
  assert.deepEqual(
    mock.requests.map((r) => r.path),
    ['/auth/refresh', '/users/me'],
  );
});

test('a session ended elsewhere (40105) logs in again and retries once', async () => {
  const mock = createMockWx(
    router({
      'GET /users/me': (request) =>
        request.header.Authorization === 'Bearer access-old' ? fail(40105, 'the session has ended') : ok({ token: 'fresh' }),
    }),
  );
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const res = await cloud.callFunction({ name: 'getUserInfo' });

  assert.equal(res.result.token, 'fresh');
  assert.equal(mock.to('POST', '/auth/refresh').length, 0);
  assert.equal(mock.to('POST', '/auth/login').length, 1);
});

test('a call refused again after its retry fails instead of looping', async () => {
  const mock = createMockWx(
    router({ 'GET /users/me': () => fail(40103, 'the access token has expired'), 'POST /auth/refresh': () => login('new') }),
  );
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const err = await cloud.callFunction({ name: 'getUserInfo' }).catch((e) => e);

  assert.equal(err.errCode, 40103);
  assert.equal(mock.to('GET', '/users/me').length, 2);
  assert.equal(mock.to('POST', '/auth/refresh').length, 1);
});

test('a refused login fails the call with the login error', async () => {
  const mock = createMockWx(router({ 'POST /auth/login': () => fail(40301, 'WeChat blocked this user') }));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const err = await cloud.callFunction({ name: 'getUserInfo' }).catch((e) => e);

  assert.equal(err.errCode, 40301);
  assert.equal(err.errMsg, 'cloud.callFunction:fail WeChat blocked this user');
  assert.equal(mock.to('GET', '/users/me').length, 0);
  assert.equal(mock.storage.has(KEY), false);
});

test('a failed wx.login fails the call with errCode -1', async () => {
  const mock = createMockWx(router({}));
  mock.wx.loginFails = true;
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const err = await cloud.callFunction({ name: 'getUserInfo' }).catch((e) => e);

  assert.deepEqual(err, { errCode: -1, errMsg: 'cloud.callFunction:fail login:fail' });
  assert.equal(mock.requests.length, 0);
});

test('the storage key is configurable', async () => {
  const mock = createMockWx(router({ 'GET /users/me': profileRoute(new Set()) }));
  cloud.init({ baseUrl: BASE, wx: mock.wx, storageKey: 'shop-session' });

  await cloud.callFunction({ name: 'getUserInfo' });

  assert.equal(JSON.parse(mock.storage.get('shop-session')).accessToken, 'access-1');
  assert.equal(mock.storage.has(KEY), false);
});

test('logout ends the session on the server, then removes the tokens', async () => {
  const mock = createMockWx(router({ 'POST /auth/logout': () => ok({ revoked: 1 }) }));
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const report = await cloud.logout();

  assert.deepEqual(report, { revoked: 1 });
  const [request] = mock.to('POST', '/auth/logout');
  assert.equal(request.header.Authorization, 'Bearer access-old');
  assert.deepEqual(request.data, {});
  assert.equal(mock.storage.has(KEY), false);
});

test('logout without a session sends nothing', async () => {
  const mock = createMockWx(router({}));
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const report = await cloud.logout();

  assert.deepEqual(report, { revoked: 0 });
  assert.equal(mock.requests.length, 0);
});

test('logout of a session already ended removes the tokens without logging in', async () => {
  const mock = createMockWx(router({ 'POST /auth/logout': () => fail(40105, 'the session has ended') }));
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  const report = await cloud.logout();

  assert.deepEqual(report, { revoked: 0 });
  assert.equal(mock.to('POST', '/auth/login').length, 0);
  assert.equal(mock.storage.has(KEY), false);
});

test('the next call after logout logs in afresh', async () => {
  const mock = createMockWx(router({ 'POST /auth/logout': () => ok({ revoked: 1 }), 'GET /users/me': profileRoute(new Set()) }));
  storeTokens(mock, { accessToken: 'access-old', refreshToken: 'refresh-old' });
  cloud.init({ baseUrl: BASE, wx: mock.wx });

  await cloud.logout({ all: true });
  const res = await cloud.callFunction({ name: 'getUserInfo' });

  assert.deepEqual(mock.to('POST', '/auth/logout')[0].data, { all: true });
  assert.equal(res.result.token, 'access-1');
});
