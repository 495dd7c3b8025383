// A scripted `wx` for the unit tests: wx.request and wx.uploadFile answer through a handler the test
// gives, every request is recorded, and the requests in flight are counted.
'use strict';

/** A success envelope, as the functions answer it. */
function ok(data, requestId = 'req-ok') {
  return { statusCode: 200, header: { 'X-Request-Id': requestId }, data: { code: 0, message: 'ok', data, requestId } };
}

/** A failure envelope: HTTP status = code / 100. */
function fail(code, message, extra = {}) {
  const requestId = extra.requestId || `req-${code}`;
  const data = { code, message, requestId };
  if (extra.data !== undefined) data.data = extra.data;
  const header = Object.assign({ 'x-request-id': requestId }, extra.header);
  return { statusCode: Math.floor(code / 100), header, data };
}

/** A token the mock login answers: `access-N`, `refresh-N`. */
function login(n, extra = {}) {
  return ok(
    Object.assign(
      { accessToken: `access-${n}`, expiresIn: 7200, refreshToken: `refresh-${n}`, refreshExpiresIn: 2592000, isNewUser: false, user: {} },
      extra,
    ),
  );
}

/**
 * A mock wx. `handler(request)` answers each wx.request: a response `{ statusCode, header, data }`,
 * `{ networkError: 'request:fail ...' }`, or a promise of either (to hold a request open).
 * `request` is `{ url, method, header, data, path, query }`; `path` without the base URL.
 */
function createMockWx(handler, options = {}) {
  const requests = [];
  const uploads = [];
  const storage = new Map();
  const state = { inFlight: 0, maxInFlight: 0, logins: 0, payments: [], subscribeAsks: [], tasks: [] };

  function settle(answer, callbacks, task) {
    if (task && task.settled) return;
    if (task) task.settled = true;
    state.inFlight -= 1;
    if (answer && answer.networkError) callbacks.fail({ errMsg: answer.networkError });
    else callbacks.success(Object.assign({ header: {} }, answer));
  }

  /** What wx.request and wx.uploadFile return: abort() fails the call as wx does. */
  function task(callbacks, kind) {
    const handle = {
      settled: false,
      aborted: false,
      progressListeners: [],
      abort() {
        if (handle.settled) return;
        handle.aborted = true;
        settle({ networkError: `${kind}:fail abort` }, callbacks, handle);
      },
      onProgressUpdate(listener) {
        handle.progressListeners.push(listener);
      },
    };
    state.tasks.push(handle);
    return handle;
  }

  function started() {
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
  }

  const wx = {
    request(options) {
      const url = new URL(options.url);
      const request = {
        url: options.url,
        method: options.method,
        header: options.header || {},
        data: options.data,
        path: url.pathname,
        query: url.searchParams,
        timeout: options.timeout,
      };
      requests.push(request);
      started();
      const handle = task(options, 'request');
      setImmediate(() => {
        Promise.resolve(handler(request)).then((answer) => settle(answer, options, handle));
      });
      return handle;
    },
    uploadFile(options) {
      uploads.push(options);
      started();
      const handle = task(options, 'uploadFile');
      const answer = (wx.uploadHandler || (() => ({ statusCode: 204, data: '' })))(options, handle);
      setImmediate(() => Promise.resolve(answer).then((res) => settle(res, options, handle)));
      return handle;
    },
    login(options) {
      state.logins += 1;
      const n = state.logins;
      setImmediate(() => (wx.loginFails ? options.fail({ errMsg: 'login:fail' }) : options.success({ code: `code-${n}`, errMsg: 'login:ok' })));
    },
    getStorageSync(key) {
      return storage.has(key) ? JSON.parse(storage.get(key)) : '';
    },
    setStorageSync(key, value) {
      storage.set(key, JSON.stringify(value));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },
    requestPayment(options) {
      state.payments.push(options);
      setImmediate(() => (wx.paymentAnswer === 'cancel' ? options.fail({ errMsg: 'requestPayment:fail cancel' }) : options.success({ errMsg: 'requestPayment:ok' })));
    },
    requestSubscribeMessage(options) {
      state.subscribeAsks.push(options.tmplIds);
      const answers = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of options.tmplIds) answers[id] = (wx.subscribeAnswers || {})[id] || 'reject';
      setImmediate(() => options.success(answers));
    },
    uploadHandler: options.uploadHandler,
  };

  return {
    wx,
    requests,
    uploads,
    storage,
    state,
    /** The requests to `METHOD /path`. */
    to(method, path) {
      return requests.filter((r) => r.method === method && r.path === path);
    },
  };
}

/** A handler answering by `'METHOD /path'`, with logins answered `access-N` unless the routes say otherwise. */
function router(table) {
  let logins = 0;
  return (request) => {
    const route = table[`${request.method} ${request.path}`];
    if (route) return route(request);
    if (request.method === 'POST' && request.path === '/auth/login') {
      logins += 1;
      return login(logins);
    }
    return fail(40401, `no mock for ${request.method} ${request.path}`);
  };
}

/** A promise to hold a request open, with its resolve. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

module.exports = { createMockWx, router, ok, fail, login, deferred };
