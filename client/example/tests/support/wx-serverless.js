// The mocked SDK every page gets for require('wx-serverless') in the tests (see harness.js). It
// answers as the real one does: callFunction resolves { result, requestID, errMsg } or rejects
// { errCode, errMsg, requestID, data? }. Tests answer each function with sdk.handle().
const { mock } = require('node:test');

const handlers = new Map();
let keys = 0;

/** A rejection as the SDK makes it from an API error envelope. */
function apiError(errCode, message, data) {
  const err = { errCode, errMsg: `cloud.callFunction:fail ${message}`, requestID: 'req-test' };
  if (data !== undefined) err.data = data;
  return err;
}

const sdk = {
  init: mock.fn(),
  callFunction: mock.fn(async ({ name, data }) => {
    const handler = handlers.get(name);
    if (!handler) throw apiError(50001, `no handler for ${name} in this test`);
    const result = await handler(data);
    return { result, requestID: 'req-test', errMsg: 'cloud.callFunction:ok' };
  }),
  uploadFile: mock.fn(async () => ({ key: 'uploads/o-dev/2026/11/avatar.png' })),
  pay: mock.fn(async (orderId) => ({ orderId, status: 'PAID' })),
  bindPhone: mock.fn(async () => ({ phone: '138****8000', countryCode: '86' })),
  subscribe: mock.fn(async (ids) => ({ accepted: ids, subscriptions: {} })),
  newCheckoutKey: mock.fn(() => {
    keys += 1;
    return `checkout-key-${keys}`;
  }),
  logout: mock.fn(async () => {}),

  // Test controls, not SDK API:
  apiError,
  /** Answers callFunction({ name }) with handler(data): its value is `result`; a throw rejects. */
  handle(name, handler) {
    handlers.set(name, handler);
  },
  /** The data of every callFunction of `name`, in order. */
  calls(name) {
    return sdk.callFunction.mock.calls.filter((c) => c.arguments[0].name === name).map((c) => c.arguments[0]);
  },
  reset() {
    handlers.clear();
    keys = 0;
    for (const value of Object.values(sdk)) {
      if (value && value.mock) {
        value.mock.restore();
        value.mock.resetCalls();
      }
    }
  },
};

module.exports = sdk;
