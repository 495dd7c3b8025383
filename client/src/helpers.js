// Small pure helpers: the SDK's error type and codes, wx-style results and callbacks, query strings,
// header lookup, keys and delays.
'use strict';

/** The SDK's own error codes, beside the server's five-digit ones (docs/errors.md). */
const SDK_ERRORS = Object.freeze({
  /** The request did not complete (no network, timeout, DNS, TLS): errMsg is wx's. */
  NETWORK: -1,
  /** cloud.pay: the order did not show PAID within timeoutMs. */
  PAY_TIMEOUT: -2,
  /** cloud.bindPhone: the getPhoneNumber event carries no code (the user declined). */
  NO_CODE: -3,
  /** callFunction: a name that is not a function the mini-program can call. */
  UNKNOWN_FUNCTION: -4,
  /** An answer that is not the functions' envelope (a gateway's or the bucket's own answer). */
  UNEXPECTED_ANSWER: -5,
  /** The data lacks a value the route's path needs (such as `id`). */
  MISSING_PARAMETER: -6,
  /** The call did not finish within its timeout (init's, or the call's own `timeout`). */
  TIMEOUT: -7,
  /** The call was aborted (`.abort()` of what callFunction, uploadFile or pay returned). */
  ABORTED: -8,
});

/**
 * Why a call failed: a server code with its message, request id and `data`, or an SDK code.
 * `statusCode`, `retryAfter` (seconds) and `network` tell the retry logic what happened.
 */
class CallError {
  constructor(errCode, message, details) {
    const extra = details || {};
    this.errCode = errCode;
    this.message = message;
    this.requestID = extra.requestID;
    this.data = extra.data;
    this.statusCode = extra.statusCode;
    this.retryAfter = extra.retryAfter;
    this.network = Boolean(extra.network);
  }
}

/**
 * The failure a public function rejects with, in the wx shape:
 * `{ errCode, errMsg: '<api>:fail <message>', requestID?, data? }`. Anything else (a wx API's own
 * failure such as `requestPayment:fail cancel`, or a bug) passes through unchanged.
 */
function toWxError(api, err) {
  if (!(err instanceof CallError)) return err;
  const failure = { errCode: err.errCode, errMsg: `${api}:fail ${err.message}` };
  if (err.requestID) failure.requestID = err.requestID;
  if (err.data !== undefined) failure.data = err.data;
  return failure;
}

/** Rejects with the wx-shaped failure of `api`. */
function rethrowAs(api) {
  return (err) => {
    throw toWxError(api, err);
  };
}

/**
 * Calls `success`/`fail`/`complete` of `options` as every wx API does, and returns the promise.
 * Given callbacks, the promise counts as handled: as with wx's APIs, a failure goes to `fail` and
 * ignoring the promise raises no unhandled-rejection warning.
 */
function withCallbacks(promise, options) {
  const { success, fail, complete } = options || {};
  if (!success && !fail && !complete) return promise;
  promise.then(
    (res) => {
      if (success) success(res);
      if (complete) complete(res);
    },
    (err) => {
      if (fail) fail(err);
      if (complete) complete(err);
    },
  );
  return promise;
}

/** A wx callback API as a promise: resolves its success result, rejects its fail result. */
function promisify(api, options) {
  return new Promise((resolve, reject) => {
    api(Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

/** `a=1&b=x&b=y`: arrays repeat their name; undefined and null are left out. */
function queryString(params) {
  const pairs = [];
  for (const name of Object.keys(params)) {
    const values = Array.isArray(params[name]) ? params[name] : [params[name]];
    for (const value of values) {
      if (value === undefined || value === null) continue;
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    }
  }
  return pairs.join('&');
}

/** A response header by name, whatever its case (wx keeps the server's case). */
function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers || {})) {
    if (key.toLowerCase() === wanted) return headers[key];
  }
  return undefined;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new Idempotency-Key: 32 characters of `A-Z a-z 0-9` (the server takes 8-64 of `A-Za-z0-9_-`). */
function newIdempotencyKey() {
  let key = Date.now().toString(36);
  while (key.length < 32) key += KEY_ALPHABET[Math.floor(Math.random() * KEY_ALPHABET.length)];
  return key;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The life of one call: its deadline (none when `timeoutMs` is 0), its abort, and the wx tasks in
 * flight, stopped with it. `run(promise)` settles as `promise` does, or rejects TIMEOUT at the
 * deadline or ABORTED at `abort()`, whichever comes first: a dead network that never calls back
 * still fails in time.
 */
function createControl(timeoutMs) {
  const tasks = new Set();
  let ended = null;
  let reject;
  const done = new Promise((resolve, rejectDone) => {
    reject = rejectDone;
  });
  done.catch(() => {});
  let timer = null;
  const end = (err) => {
    if (ended) return;
    ended = err;
    if (timer) clearTimeout(timer);
    tasks.forEach((task) => {
      try {
        task.abort();
      } catch (e) {
        // A task that already finished cannot be aborted: nothing to do.
      }
    });
    tasks.clear();
    reject(err);
  };
  if (timeoutMs > 0) {
    timer = setTimeout(
      () => end(new CallError(SDK_ERRORS.TIMEOUT, `timeout: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  }
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  return {
    /** Milliseconds left before the deadline (Infinity without one). */
    remaining() {
      return Math.max(0, deadline - Date.now());
    },
    abort() {
      end(new CallError(SDK_ERRORS.ABORTED, 'abort'));
    },
    /** Throws the call's end (TIMEOUT, ABORTED) once it has ended. */
    check() {
      if (ended) throw ended;
    },
    /** Keeps `task` (what wx.request / wx.uploadFile return) to abort it with the call. */
    track(task) {
      if (task && typeof task.abort === 'function') {
        if (ended) task.abort();
        else tasks.add(task);
      }
      return task;
    },
    untrack(task) {
      tasks.delete(task);
    },
    run(promise) {
      const finish = () => {
        if (timer) clearTimeout(timer);
      };
      return Promise.race([promise, done]).then(
        (value) => {
          finish();
          return value;
        },
        (err) => {
          finish();
          throw err;
        },
      );
    },
  };
}

/** How long to wait before retry number `retry` (0-based): exponential from `baseMs`, with jitter. */
function backoffDelay(retry, baseMs) {
  return Math.round(baseMs * Math.pow(2, retry) * (0.5 + Math.random()));
}

module.exports = {
  SDK_ERRORS,
  CallError,
  toWxError,
  rethrowAs,
  withCallbacks,
  promisify,
  queryString,
  headerValue,
  newIdempotencyKey,
  sleep,
  backoffDelay,
  createControl,
};
