// The user's session, handled for the developer: the tokens in wx storage, a login (wx.login, then
// the `login` function) when there is none, a refresh when the access token has expired, and never
// more than one login or refresh at a time, however many calls wait for it.
'use strict';

const { SDK_ERRORS, CallError, promisify } = require('./helpers.js');

/** A stored token this close to its expiry is renewed before use rather than sent. */
const EXPIRY_MARGIN_MS = 10000;

/**
 * The session kept under `storageKey`. `requester` sends the `login` and `refresh` calls of `routes`.
 * Every function rejects with a CallError.
 */
function createSession({ wx, storageKey, requester, routes }) {
  let tokens; // undefined: not read from storage yet; null: no session
  let renewing = null; // the login or refresh in flight, shared by every call waiting for a token

  function stored() {
    if (tokens === undefined) {
      let value = null;
      try {
        value = wx.getStorageSync(storageKey);
      } catch (err) {
        value = null;
      }
      tokens = value && typeof value === 'object' && value.accessToken ? value : null;
    }
    return tokens;
  }

  function save(login) {
    const now = Date.now();
    tokens = {
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      accessExpiresAt: typeof login.expiresIn === 'number' ? now + login.expiresIn * 1000 : null,
      refreshExpiresAt: typeof login.refreshExpiresIn === 'number' ? now + login.refreshExpiresIn * 1000 : null,
    };
    wx.setStorageSync(storageKey, tokens);
    return tokens.accessToken;
  }

  /** Forgets the session, in memory and in storage. */
  function clear() {
    tokens = null;
    try {
      wx.removeStorageSync(storageKey);
    } catch (err) {
      // Nothing stored is as good as nothing to remove.
    }
  }

  function usable(expiresAt) {
    return typeof expiresAt !== 'number' || Date.now() < expiresAt - EXPIRY_MARGIN_MS;
  }

  async function login() {
    let code;
    try {
      code = (await promisify(wx.login, {})).code;
    } catch (err) {
      throw new CallError(SDK_ERRORS.NETWORK, (err && err.errMsg) || 'login:fail', { network: true });
    }
    const { result } = await requester.call(routes.login, { code });
    return save(result);
  }

  /** A refresh; a refused refresh token (a 4xx other than 429) falls back to a login if allowed. */
  async function refresh(refreshToken, allowLogin) {
    try {
      const { result } = await requester.call(routes.refresh, { refreshToken });
      return save(result);
    } catch (err) {
      const refused = err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429;
      if (!refused) throw err;
      clear();
      if (!allowLogin) throw err;
      return login();
    }
  }

  /** Runs `start` unless a login or refresh is in flight already; every caller shares its result. */
  function singleFlight(start) {
    if (!renewing) {
      const done = () => {
        renewing = null;
      };
      renewing = start().then(
        (token) => {
          done();
          return token;
        },
        (err) => {
          done();
          throw err;
        },
      );
    }
    return renewing;
  }

  /**
   * An access token to send: the stored one while it is valid by the device's clock, else a refresh
   * (or, without a usable refresh token, a login when `allowLogin`).
   */
  function token(allowLogin) {
    if (renewing) return renewing;
    const current = stored();
    if (current && usable(current.accessExpiresAt)) return Promise.resolve(current.accessToken);
    if (current && current.refreshToken && usable(current.refreshExpiresAt)) {
      return singleFlight(() => refresh(current.refreshToken, allowLogin));
    }
    if (!allowLogin) return Promise.reject(new CallError(40101, 'no session'));
    return singleFlight(login);
  }

  /**
   * A new access token after the server refused `stale` with `refusal`: 40103 (expired) refreshes,
   * 40101, 40102 and 40105 (missing, invalid, session ended) log in again. A call that was refused
   * with a token someone has already replaced just takes the new one.
   */
  function renew(stale, refusal, allowLogin) {
    if (renewing) return renewing;
    const current = stored();
    if (current && current.accessToken !== stale && usable(current.accessExpiresAt)) {
      return Promise.resolve(current.accessToken);
    }
    if (refusal.errCode === 40103 && current && current.refreshToken) {
      return singleFlight(() => refresh(current.refreshToken, allowLogin));
    }
    if (!allowLogin) return Promise.reject(refusal);
    return singleFlight(login);
  }

  return {
    token,
    renew,
    clear,
    /** Whether tokens are stored. */
    get active() {
      return stored() !== null;
    },
  };
}

module.exports = { createSession };
