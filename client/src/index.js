// wx-serverless: call the functions of a wx-serverless backend the way wx.cloud.callFunction calls
// cloud functions, with the login, token refresh, safe retries and WeChat's 10-request cap handled.
'use strict';

const { createQueue } = require('./queue.js');
const { createRequester } = require('./request.js');
const { createSession } = require('./session.js');
const {
  SDK_ERRORS,
  CallError,
  rethrowAs,
  withCallbacks,
  promisify,
  newIdempotencyKey,
  sleep,
  createControl,
} = require('./helpers.js');
const generatedRoutes = require('./routes.js');

/** The name -> route map generated from openapi.yaml (read-only). */
const routes = deepFreeze(generatedRoutes);

/** Functions the session calls by itself: callFunction refuses them. */
const SESSION_FUNCTIONS = ['login', 'refresh', 'logout'];
/** Refusals of an access token that a new token cures (then the call is retried once). */
const TOKEN_REFUSALS = [40101, 40102, 40103, 40105];
/** The statuses of an order that has been paid. */
const PAID_STATUSES = ['PAID', 'SHIPPED', 'REFUNDING', 'REFUNDED'];
/** WeChat's cap on wx.request and wx.uploadFile calls in flight. */
const WECHAT_MAX_IN_FLIGHT = 10;
/** The largest upload the contract allows (UploadTokenInput.size), declared when `size` is not given. */
const MAX_UPLOAD_BYTES = 10485760;
/** How long a call may take, retries and a login included, unless init or the call says otherwise. */
const DEFAULT_TIMEOUT_MS = 15000;
/** How long an upload may take (a large photo on a slow network), unless init or the call says otherwise. */
const DEFAULT_UPLOAD_TIMEOUT_MS = 60000;
/** The longest timeout accepted: ten minutes. */
const MAX_TIMEOUT_MS = 600000;

let client = null;

function deepFreeze(value) {
  if (value && typeof value === 'object') {
    Object.keys(value).forEach((key) => deepFreeze(value[key]));
    Object.freeze(value);
  }
  return value;
}

/** Whether `baseUrl` may be plain http: this machine or a private (LAN) address, for development. */
function isLocalHttp(baseUrl) {
  const match = /^http:\/\/(\[[^\]]+\]|[^/:?#]+)/i.exec(baseUrl);
  if (!match) return false;
  const host = match[1].toLowerCase();
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2[0-9]|3[01])\./.test(host)
  );
}

/** `value` as a timeout in ms (`fallback` when undefined); a TypeError naming `name` otherwise. */
function timeoutOf(value, fallback, name) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new TypeError(`wx-serverless: ${name} must be an integer number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

function checkOptions(options) {
  const given = options || {};
  const opts = {
    baseUrl: given.baseUrl,
    storageKey: given.storageKey || 'wx-serverless',
    timeout: timeoutOf(given.timeout, DEFAULT_TIMEOUT_MS, 'timeout'),
    uploadTimeout: timeoutOf(given.uploadTimeout, DEFAULT_UPLOAD_TIMEOUT_MS, 'uploadTimeout'),
    maxInFlight: given.maxInFlight === undefined ? WECHAT_MAX_IN_FLIGHT : given.maxInFlight,
    // In a mini-program, wx is a global.
    wx: given.wx || (typeof wx !== 'undefined' ? wx : undefined),
    // make dev only: the fake WeChat Pay pays instead of wx.requestPayment (DevTools cannot pay a
    // prepay of the fake). Refused unless it is on this machine or the LAN.
    devPayUrl: given.devPayUrl,
  };
  if (opts.devPayUrl !== undefined && !(typeof opts.devPayUrl === 'string' && isLocalHttp(opts.devPayUrl))) {
    throw new TypeError('wx-serverless: devPayUrl is for make dev only: an http:// URL on localhost or a LAN address');
  }
  if (typeof opts.baseUrl !== 'string' || !(/^https:\/\/[^/]/i.test(opts.baseUrl) || isLocalHttp(opts.baseUrl))) {
    throw new TypeError(
      'wx-serverless: init({ baseUrl }) needs an https:// URL (http:// only for localhost or a LAN address)',
    );
  }
  const max = opts.maxInFlight;
  if (!Number.isInteger(max) || max < 1 || max > WECHAT_MAX_IN_FLIGHT) {
    throw new TypeError(`wx-serverless: maxInFlight must be an integer from 1 to ${WECHAT_MAX_IN_FLIGHT}`);
  }
  if (!opts.wx) throw new TypeError('wx-serverless: no wx: pass init({ wx })');
  opts.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  return opts;
}

/** A client: its own queue, session and requester over `options.wx`. */
function createClient(options) {
  const opts = checkOptions(options);
  const wxApi = opts.wx;
  const queue = createQueue(opts.maxInFlight);
  const requester = createRequester({
    wx: wxApi,
    baseUrl: opts.baseUrl,
    timeout: opts.timeout,
    uploadTimeout: opts.uploadTimeout,
    queue,
  });
  const session = createSession({ wx: wxApi, storageKey: opts.storageKey, requester, routes });

  /**
   * Calls `route`: with the access token when it needs one (a refused token is renewed, then the
   * call is retried once), with an Idempotency-Key when it takes one. Resolves `{ result, requestID }`.
   */
  async function invoke(route, data, options) {
    const { idempotencyKey, allowLogin = true, control } = options || {};
    const key = route.idempotencyKey ? idempotencyKey || newIdempotencyKey() : undefined;
    if (route.auth !== 'bearer') return requester.call(route, data, { idempotencyKey: key }, control);
    const token = await session.token(allowLogin);
    try {
      return await requester.call(route, data, { token, idempotencyKey: key }, control);
    } catch (err) {
      if (TOKEN_REFUSALS.indexOf(err.errCode) < 0) throw err;
      const fresh = await session.renew(token, err, allowLogin);
      return requester.call(route, data, { token: fresh, idempotencyKey: key }, control);
    }
  }

  /** The control of one call: its own timeout, or the client's `fallback`; 0: none. */
  function control(timeout, fallback) {
    return createControl(timeoutOf(timeout, fallback, 'timeout'));
  }

  function routeNamed(name) {
    const callable = Object.prototype.hasOwnProperty.call(routes, name) && SESSION_FUNCTIONS.indexOf(name) < 0;
    if (!callable) throw new CallError(SDK_ERRORS.UNKNOWN_FUNCTION, `unknown function ${name}`);
    return routes[name];
  }

  function callFunction(name, data, { idempotencyKey, timeout } = {}) {
    const call = control(timeout, opts.timeout);
    const promise = call.run(Promise.resolve().then(() => invoke(routeNamed(name), data, { idempotencyKey, control: call })));
    return { promise, abort: call.abort };
  }

  /** The size of a local file, when the runtime can tell (wx.getFileSystemManager().getFileInfo). */
  async function fileSize(filePath) {
    if (typeof wxApi.getFileSystemManager !== 'function') return undefined;
    try {
      const manager = wxApi.getFileSystemManager();
      const info = await promisify(manager.getFileInfo.bind(manager), { filePath });
      return info.size > 0 ? info.size : undefined;
    } catch (err) {
      return undefined;
    }
  }

  function uploadFile(options) {
    const call = control(options.timeout, opts.uploadTimeout);
    return { promise: call.run(upload(options, call)), abort: call.abort };
  }

  async function upload({ filePath, contentType, size, purpose = 'general', onProgress }, call) {
    // The grant is for exactly this many bytes at most: the file's own size when known.
    const declared = size || (await fileSize(filePath)) || MAX_UPLOAD_BYTES;
    const grant = (await invoke(routes.uploadToken, { contentType, size: declared, purpose }, { control: call })).result;
    const res = await requester.upload(
      { url: grant.url, filePath, name: 'file', formData: grant.fields },
      { control: call, onProgress },
    );
    if (res.statusCode !== 201 && res.statusCode !== 204) {
      const code = /<Code>([^<]*)<\/Code>/.exec(String(res.data || ''));
      const reason = code ? `: ${code[1]}` : '';
      throw new CallError(SDK_ERRORS.UNEXPECTED_ANSWER, `upload answered HTTP ${res.statusCode}${reason}`, {
        statusCode: res.statusCode,
      });
    }
    return { key: grant.key };
  }

  /** Pays: no deadline of its own (the user is looking at WeChat's cashier), but abortable. */
  function pay(orderId, options) {
    const call = createControl(0);
    return { promise: call.run(payOrder(orderId, options || {}, call)), abort: call.abort };
  }

  async function payOrder(orderId, { pollIntervalMs = 1000, timeoutMs = 30000 }, call) {
    const params = (await invoke(routes.payOrder, { id: orderId }, { control: call })).result;
    if (opts.devPayUrl) {
      // make dev: the fake WeChat Pay plays the payer's tap and notifies the functions.
      const url = `${opts.devPayUrl.replace(/\/+$/, '')}/dev/pay/${encodeURIComponent(orderId)}`;
      const res = await queue.run(() => promisify(wxApi.request, { url, method: 'POST' }));
      if (res.statusCode >= 300) {
        throw new CallError(SDK_ERRORS.UNEXPECTED_ANSWER, `the fake WeChat Pay answered HTTP ${res.statusCode}`);
      }
    } else {
      // A cancelled or failed payment rejects with wx's own result (`requestPayment:fail cancel`).
      await promisify(wxApi.requestPayment, params);
    }
    // WeChat Pay tells the server, not us: the order becomes PAID when its notification arrives.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      call.check();
      try {
        const order = (await invoke(routes.getOrder, { id: orderId }, { control: call })).result;
        if (PAID_STATUSES.indexOf(order.status) >= 0) return order;
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        // The payment went through: keep asking until the deadline whatever one poll answered.
      }
      if (Date.now() + pollIntervalMs > deadline) throw new CallError(SDK_ERRORS.PAY_TIMEOUT, 'timeout');
      await sleep(pollIntervalMs);
    }
  }

  async function bindPhone(event) {
    const code = event && event.detail && event.detail.code;
    if (!code) throw new CallError(SDK_ERRORS.NO_CODE, 'no code');
    return (await invoke(routes.bindPhone, { code })).result;
  }

  async function subscribe(templateIds) {
    const answers = await promisify(wxApi.requestSubscribeMessage, { tmplIds: templateIds });
    const accepted = templateIds.filter((id) => answers[id] === 'accept');
    if (accepted.length === 0) return { accepted: [], subscriptions: null };
    const { result } = await invoke(routes.subscribe, { accepted });
    return { accepted, subscriptions: result.subscriptions };
  }

  /** Ends the server's session if there is one (a session already ended counts as done), then forgets it. */
  async function logout({ all = false } = {}) {
    if (!session.active) return { revoked: 0 };
    try {
      return (await invoke(routes.logout, all ? { all: true } : {}, { allowLogin: false })).result;
    } catch (err) {
      if (err instanceof CallError && err.statusCode === 401) return { revoked: 0 };
      throw err;
    } finally {
      session.clear();
    }
  }

  return { callFunction, uploadFile, pay, bindPhone, subscribe, logout };
}

function current() {
  if (!client) throw new Error('wx-serverless: call init({ baseUrl }) first');
  return client;
}

module.exports = Object.freeze({
  routes,

  /** Sets the SDK up: `{ baseUrl, storageKey?, timeout?, maxInFlight?, wx? }`. Calling it again starts afresh. */
  init(options) {
    client = createClient(options);
  },

  /**
   * Calls function `name` with `data`: resolves `{ result, requestID, errMsg: 'cloud.callFunction:ok' }`,
   * rejects `{ errCode, errMsg: 'cloud.callFunction:fail ...', requestID, data? }`. Within `timeout` ms
   * (init's, 15 s by default; retries and a login included), else errCode -7; the promise's
   * `abort()` ends it at once (errCode -8).
   */
  callFunction(options) {
    const { name, data, idempotencyKey, timeout } = options || {};
    const { promise: answer, abort } = current().callFunction(name, data, { idempotencyKey, timeout });
    const promise = answer.then(
      ({ result, requestID }) => ({ result, requestID, errMsg: 'cloud.callFunction:ok' }),
      rethrowAs('cloud.callFunction'),
    );
    promise.abort = abort;
    return withCallbacks(promise, options);
  },

  /**
   * Uploads a file straight to the bucket (uploadToken, then wx.uploadFile): resolves `{ key }`.
   * `onProgress` gets wx's progress events; within `timeout` ms (init's `uploadTimeout`, 60 s by
   * default), else errCode -7; the promise's `abort()` ends it (errCode -8).
   */
  uploadFile(options) {
    const { promise: answer, abort } = current().uploadFile(options || {});
    const promise = answer.catch(rethrowAs('cloud.uploadFile'));
    promise.abort = abort;
    return withCallbacks(promise, options);
  },

  /**
   * Pays an order (payOrder, wx.requestPayment) and resolves the order once the server shows it PAID;
   * the promise's `abort()` stops waiting (errCode -8; the payment itself is WeChat's to finish).
   */
  pay(orderId, options) {
    const { promise: answer, abort } = current().pay(orderId, options);
    const promise = answer.catch(rethrowAs('cloud.pay'));
    promise.abort = abort;
    return promise;
  },

  /** Binds the phone number of a `<button open-type="getPhoneNumber">` event; resolves the masked number. */
  bindPhone(event) {
    return current().bindPhone(event).catch(rethrowAs('cloud.bindPhone'));
  },

  /** Asks the user about subscribe message templates and reports the accepted ones to the server. */
  subscribe(templateIds) {
    return current().subscribe(templateIds).catch(rethrowAs('cloud.subscribe'));
  },

  /** A fresh Idempotency-Key for one checkout: pass it to every retry of that submitOrder. */
  newCheckoutKey() {
    return newIdempotencyKey();
  },

  /** Ends the session (the `logout` function, if one exists) and removes the tokens from storage. */
  logout(options) {
    return current().logout(options).catch(rethrowAs('cloud.logout'));
  },
});
