// A `wx` for Node that talks to a real stack: wx.request over fetch, wx.uploadFile as a multipart POST
// of a file read from disk, wx.login answering the fake WeChat's codes (`NAME.<n>`: always user NAME),
// storage in a Map, wx.requestPayment as the payer's tap on the fake WeChat Pay, and
// wx.requestSubscribeMessage accepting every template. It records every request and counts how many
// are in flight at once.
'use strict';

const fs = require('fs');
const path = require('path');

/** The body wx.request would hand over: parsed JSON when it is JSON (dataType 'json'), else text. */
function parseAnswer(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    return text;
  }
}

function headersOf(response) {
  const header = {};
  response.headers.forEach((value, name) => {
    header[name] = value;
  });
  return header;
}

/**
 * A wx shim logging in as fake-WeChat user `user`, paying through the fake WeChat Pay at `wechatPayUrl`.
 */
function createWxShim({ user, wechatPayUrl }) {
  const storage = new Map();
  const requests = [];
  const prepaidOrders = new Map(); // wx.requestPayment's `package` -> the order id payOrder answered it for
  const state = { inFlight: 0, maxInFlight: 0, logins: 0 };

  /** Runs one network call, counting it in flight while it runs. */
  async function counted(run) {
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      return await run();
    } finally {
      state.inFlight -= 1;
    }
  }

  function request(options) {
    const method = options.method || 'GET';
    const record = { method, url: options.url, path: new URL(options.url).pathname, header: options.header || {} };
    requests.push(record);
    counted(async () => {
      const hasBody = method !== 'GET' && options.data !== undefined;
      const response = await fetch(options.url, {
        method,
        headers: options.header,
        body: hasBody ? JSON.stringify(options.data) : undefined,
        signal: AbortSignal.timeout(options.timeout || 60000),
      });
      const data = parseAnswer(await response.text());
      return { statusCode: response.status, header: headersOf(response), data };
    }).then(
      (res) => {
        record.statusCode = res.statusCode;
        record.code = res.data && res.data.code;
        rememberPrepay(record, res);
        options.success(Object.assign(res, { errMsg: 'request:ok', cookies: [] }));
      },
      (err) => options.fail({ errMsg: `request:fail ${err.message}` }),
    );
  }

  function rememberPrepay(record, res) {
    const match = /\/orders\/([^/]+)\/pay$/.exec(record.path);
    if (match && res.data && res.data.code === 0) prepaidOrders.set(res.data.data.package, decodeURIComponent(match[1]));
  }

  function uploadFile(options) {
    counted(async () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(options.formData || {})) form.append(name, value);
      // The file goes last, as wx.uploadFile sends it and S3 requires.
      const bytes = fs.readFileSync(options.filePath);
      form.append(options.name, new Blob([bytes]), path.basename(options.filePath));
      const response = await fetch(options.url, { method: 'POST', body: form });
      return { statusCode: response.status, data: await response.text() };
    }).then(
      (res) => options.success(Object.assign(res, { errMsg: 'uploadFile:ok' })),
      (err) => options.fail({ errMsg: `uploadFile:fail ${err.message}` }),
    );
  }

  function login(options) {
    state.logins += 1;
    const code = `${user}.${state.logins}`;
    setImmediate(() => options.success({ code, errMsg: 'login:ok' }));
  }

  /** The payer pays: the fake WeChat Pay posts its signed notification to the functions. */
  function requestPayment(options) {
    const orderId = prepaidOrders.get(options.package);
    if (!orderId) {
      setImmediate(() => options.fail({ errMsg: 'requestPayment:fail unknown package' }));
      return;
    }
    fetch(`${wechatPayUrl}/dev/pay/${encodeURIComponent(orderId)}`, { method: 'POST' })
      .then((response) => response.json())
      .then(
        (paid) =>
          paid.notified === 204
            ? options.success({ errMsg: 'requestPayment:ok' })
            : options.fail({ errMsg: `requestPayment:fail ${JSON.stringify(paid)}` }),
        (err) => options.fail({ errMsg: `requestPayment:fail ${err.message}` }),
      );
  }

  function requestSubscribeMessage(options) {
    const answers = { errMsg: 'requestSubscribeMessage:ok' };
    for (const id of options.tmplIds) answers[id] = 'accept';
    setImmediate(() => options.success(answers));
  }

  const wx = {
    request,
    uploadFile,
    login,
    requestPayment,
    requestSubscribeMessage,
    getStorageSync: (key) => (storage.has(key) ? JSON.parse(storage.get(key)) : ''),
    setStorageSync: (key, value) => storage.set(key, JSON.stringify(value)),
    removeStorageSync: (key) => storage.delete(key),
  };

  return {
    wx,
    storage,
    requests,
    state,
    /** The recorded requests to `METHOD /path`. */
    to(method, routePath) {
      return requests.filter((r) => r.method === method && r.path === routePath);
    },
  };
}

module.exports = { createWxShim };
