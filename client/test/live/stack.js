// What the live tests share: the stack's addresses from the environment (the tests skip without
// them), and a fresh shopper: a wx shim for a new fake-WeChat user and the SDK set up with it.
'use strict';

const crypto = require('crypto');
const cloud = require('../../src/index.js');
const { createWxShim } = require('../wx-shim.js');

const BASE_URL = process.env.WX_SERVERLESS_E2E_URL;
const WECHATPAY_URL = process.env.WX_SERVERLESS_E2E_WECHATPAY_URL;

/** Why the live tests skip: false when the stack's addresses are set. */
const skip =
  BASE_URL && WECHATPAY_URL
    ? false
    : 'needs a running stack: set WX_SERVERLESS_E2E_URL and WX_SERVERLESS_E2E_WECHATPAY_URL';

/** A new fake-WeChat user (a name of its own, so every run starts with no orders) and the SDK set up for it. */
function newShopper(prefix) {
  const user = `${prefix}${crypto.randomBytes(6).toString('hex')}`;
  const shim = createWxShim({ user, wechatPayUrl: WECHATPAY_URL });
  cloud.init({ baseUrl: BASE_URL, wx: shim.wx });
  return { user, shim, cloud };
}

/** Asks `read` every 100 ms until `done(value)`, for at most `timeoutMs`; answers the last value. */
async function waitFor(read, done, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

module.exports = { BASE_URL, WECHATPAY_URL, skip, newShopper, waitFor };
