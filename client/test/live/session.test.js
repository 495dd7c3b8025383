// Against the real local stack: an expired access token is refreshed once for 20 concurrent calls,
// and the SDK never has more than 10 requests in flight.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const path = require('path');
const { BASE_URL, skip, newShopper } = require('./stack.js');

const CATALOG = require(path.join(__dirname, '..', '..', '..', 'data', 'products.json'));

const SIGNING_KEY = process.env.WX_SERVERLESS_E2E_JWT_SIGNING_KEY;

/** The DER prefix of a PKCS#8 v1 Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_V1 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The stack's signing key, `KID:base64(PKCS#8)` (the functions' JWT_SIGNING_KEY). The functions write
 * PKCS#8 v2 (the public key included, RFC 5958), which Node's OpenSSL does not read: the seed (the
 * OCTET STRING inside the privateKey field, bytes 16-48) is re-wrapped as PKCS#8 v1.
 */
function signingKey() {
  const separator = SIGNING_KEY.indexOf(':');
  const der = Buffer.from(SIGNING_KEY.slice(separator + 1), 'base64');
  const seed = der.subarray(16, 48);
  const key = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_V1, seed]), format: 'der', type: 'pkcs8' });
  return { kid: SIGNING_KEY.slice(0, separator), key };
}

/**
 * `token` re-signed as expired ten minutes ago with the stack's signing key: the server answers it
 * 40103, as it would a token left in storage for a day. Every other claim (user, session) stays.
 */
function expired(token) {
  const [head, body] = token.split('.');
  const { kid, key } = signingKey();
  const now = Math.floor(Date.now() / 1000);
  const header = Object.assign(JSON.parse(Buffer.from(head, 'base64url').toString()), { kid });
  const claims = Object.assign(JSON.parse(Buffer.from(body, 'base64url').toString()), {
    iat: now - 3600,
    nbf: now - 3600,
    exp: now - 600,
  });
  const signingInput = [header, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.');
  return `${signingInput}.${crypto.sign(null, Buffer.from(signingInput), key).toString('base64url')}`;
}

test(
  '20 concurrent calls with an expired stored access token make exactly one refresh',
  { skip: skip || (!SIGNING_KEY && 'needs WX_SERVERLESS_E2E_JWT_SIGNING_KEY (the stack JWT_SIGNING_KEY)') },
  async () => {
    const { shim, cloud } = newShopper('sdkrefresh');
    await cloud.callFunction({ name: 'getUserInfo' });
    const tokens = shim.wx.getStorageSync('wx-serverless');
    const stale = expired(tokens.accessToken);
    // The app starts again with a token the server no longer takes (the device's clock still thinks it valid).
    shim.wx.setStorageSync('wx-serverless', Object.assign({}, tokens, { accessToken: stale }));
    cloud.init({ baseUrl: BASE_URL, wx: shim.wx });
    shim.requests.length = 0;

    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? cloud.callFunction({ name: 'getUserInfo' }) : cloud.callFunction({ name: 'listOrders' }),
    );
    const results = await Promise.all(calls);

    assert.equal(shim.to('POST', '/auth/refresh').length, 1, 'one refresh');
    assert.equal(shim.to('POST', '/auth/login').length, 0, 'no login');
    const refused = shim.requests.filter((r) => r.header.Authorization === `Bearer ${stale}`);
    assert.equal(refused.length, 20);
    assert.ok(refused.every((r) => r.code === 40103), 'each was answered 40103 first');
    assert.equal(shim.requests.length, 20 + 1 + 20, 'each call retried once');
    assert.equal(results.length, 20);
    const fresh = shim.wx.getStorageSync('wx-serverless');
    assert.notEqual(fresh.accessToken, stale);
    assert.notEqual(fresh.refreshToken, tokens.refreshToken, 'the refresh token was rotated');
  },
);

test('no more than 10 requests are ever in flight, however many calls are made at once', { skip }, async () => {
  const { shim, cloud } = newShopper('sdkcap');

  const calls = Array.from({ length: 30 }, (_, i) =>
    i % 3 === 0
      ? cloud.callFunction({ name: 'listProducts', data: { limit: 1 } })
      : cloud.callFunction({ name: 'getProduct', data: { id: CATALOG[0].id } }),
  );
  const results = await Promise.all(calls);

  assert.equal(results.length, 30);
  assert.equal(shim.requests.length, 30);
  assert.equal(shim.state.maxInFlight, 10);
});
