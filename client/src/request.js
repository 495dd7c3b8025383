// The HTTP side: maps a call's data onto its route (path, query string, JSON body), sends it with
// wx.request in its turn of the queue, reads the envelope, and retries what is safe to retry.
'use strict';

const { SDK_ERRORS, CallError, queryString, headerValue, sleep, backoffDelay } = require('./helpers.js');

/** Retries after the first attempt, at most. */
const MAX_RETRIES = 2;
/** The longest Retry-After the SDK waits for; a longer one fails the call at once. */
const MAX_RETRY_AFTER_SECS = 10;
/** The first backoff delay (doubled for the second retry, each with jitter). */
const BACKOFF_BASE_MS = 300;

/**
 * The URL and body of a call of `route` with `data`: the path's `{names}` from data, then, for GET,
 * the rest as the query string (arrays repeated); otherwise the route's query names in the query
 * string and the rest as the JSON body (none when the route takes no body and nothing is left).
 */
function toRequest(baseUrl, route, data) {
  const rest = Object.assign({}, data);
  let missing = null;
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name) => {
    const value = rest[name];
    delete rest[name];
    if (value === undefined || value === null || value === '') missing = missing || name;
    return encodeURIComponent(String(value));
  });
  if (missing) throw new CallError(SDK_ERRORS.MISSING_PARAMETER, `data.${missing} is required`);
  const query = {};
  const body = {};
  for (const name of Object.keys(rest)) {
    if (rest[name] === undefined) continue;
    const target = route.method === 'GET' || route.queryParams.indexOf(name) >= 0 ? query : body;
    target[name] = rest[name];
  }
  const search = queryString(query);
  const hasBody = route.method !== 'GET' && (route.bodyParams !== null || Object.keys(body).length > 0);
  return {
    url: baseUrl + path + (search ? `?${search}` : ''),
    method: route.method,
    body: hasBody ? body : undefined,
  };
}

/** wx.request parses JSON answers itself; a body it could not parse arrives as text. */
function parseBody(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (err) {
    return data;
  }
}

function isEnvelope(body) {
  return Boolean(body) && typeof body === 'object' && typeof body.code === 'number' && typeof body.message === 'string';
}

/** `{ result, requestID }` of a success envelope; a CallError for anything else. */
function interpret(res) {
  const body = parseBody(res.data);
  const requestID = headerValue(res.header, 'x-request-id') || (body && body.requestId) || undefined;
  const details = {
    requestID,
    statusCode: res.statusCode,
    retryAfter: headerValue(res.header, 'retry-after'),
  };
  if (isEnvelope(body)) {
    if (body.code === 0) return { result: body.data, requestID };
    throw new CallError(body.code, body.message, Object.assign(details, { data: body.data }));
  }
  const said = body && typeof body === 'object' && typeof body.message === 'string' ? `: ${body.message}` : '';
  throw new CallError(SDK_ERRORS.UNEXPECTED_ANSWER, `HTTP ${res.statusCode}${said}`, details);
}

/**
 * How long to wait before retrying after `err` (retry number `retry`), or null not to retry:
 * network failures, 503 (storage or WeChat unavailable), 429 and a gateway's 502/504 are worth
 * another try; a Retry-After is honoured up to MAX_RETRY_AFTER_SECS.
 */
function retryDelay(err, retry) {
  const status = err.statusCode;
  const gateway = err.errCode === SDK_ERRORS.UNEXPECTED_ANSWER && (status === 502 || status === 504);
  if (!(err.network || status === 429 || status === 503 || gateway)) return null;
  const seconds = Number(err.retryAfter);
  if (err.retryAfter !== undefined && err.retryAfter !== '' && Number.isFinite(seconds)) {
    return seconds <= MAX_RETRY_AFTER_SECS ? Math.max(0, seconds) * 1000 : null;
  }
  return backoffDelay(retry, BACKOFF_BASE_MS);
}

/** Sends calls and uploads through `queue` with `wx`. */
function createRequester({ wx, baseUrl, timeout, uploadTimeout = timeout, queue }) {
  /** One wx.request in its turn: resolves whatever the server answered; rejects a network failure. */
  function exchange(request, header, control) {
    return queue
      .run(
        () =>
          new Promise((resolve, reject) => {
            // A call that ended while it waited for its turn sends nothing.
            if (control) control.check();
            let task = null;
            const settle = (then) => (res) => {
              if (control) control.untrack(task);
              then(res);
            };
            task = wx.request({
              url: request.url,
              method: request.method,
              header,
              data: request.body,
              // wx's own timeout is the call's time left (its deadline covers every retry).
              timeout: control ? Math.max(1, Math.min(timeout, control.remaining())) : timeout,
              dataType: 'json',
              success: settle(resolve),
              fail: settle(reject),
            });
            if (control) control.track(task);
          }),
      )
      .then(interpret, (err) => {
        if (err instanceof CallError) throw err;
        throw new CallError(SDK_ERRORS.NETWORK, (err && err.errMsg) || 'request:fail', { network: true });
      });
  }

  /**
   * Calls `route` with `data`: resolves `{ result, requestID }`, rejects a CallError. Only calls that
   * are safe to repeat are retried: GET, and calls carrying an Idempotency-Key (the same key each time).
   */
  async function call(route, data, auth, control) {
    const { token, idempotencyKey } = auth || {};
    const request = toRequest(baseUrl, route, data);
    const header = {};
    if (request.body !== undefined) header['content-type'] = 'application/json';
    if (token) header.Authorization = `Bearer ${token}`;
    if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey;
    const safe = route.method === 'GET' || Boolean(idempotencyKey);
    for (let retry = 0; ; retry += 1) {
      if (control) control.check();
      try {
        return await exchange(request, header, control);
      } catch (err) {
        const delay = safe && retry < MAX_RETRIES ? retryDelay(err, retry) : null;
        // No retry that could not finish before the call's deadline: its failure is the answer.
        if (delay === null || (control && delay >= control.remaining())) throw err;
        await sleep(delay);
      }
    }
  }

  /**
   * One wx.uploadFile in its turn: resolves `{ statusCode, data }`; rejects a network failure.
   * `onProgress` gets wx's progress events (`{ progress, totalBytesSent, totalBytesExpectedToSend }`).
   */
  function upload(options, { control, onProgress } = {}) {
    return queue
      .run(
        () =>
          new Promise((resolve, reject) => {
            if (control) control.check();
            let task = null;
            const settle = (then) => (res) => {
              if (control) control.untrack(task);
              then(res);
            };
            const wait = control ? Math.max(1, Math.min(uploadTimeout, control.remaining())) : uploadTimeout;
            task = wx.uploadFile(Object.assign({ timeout: wait }, options, { success: settle(resolve), fail: settle(reject) }));
            if (control) control.track(task);
            if (onProgress && task && typeof task.onProgressUpdate === 'function') {
              task.onProgressUpdate((event) =>
                onProgress({
                  progress: event.progress,
                  totalBytesSent: event.totalBytesSent,
                  totalBytesExpectedToSend: event.totalBytesExpectedToSend,
                }),
              );
            }
          }),
      )
      .catch((err) => {
        if (err instanceof CallError) throw err;
        throw new CallError(SDK_ERRORS.NETWORK, (err && err.errMsg) || 'uploadFile:fail', { network: true });
      });
  }

  return { call, upload };
}

module.exports = { createRequester, toRequest, interpret, retryDelay, MAX_RETRIES, MAX_RETRY_AFTER_SECS };
