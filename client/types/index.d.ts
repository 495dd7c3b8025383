// The SDK's public API. The functions' inputs and results are generated from openapi.yaml (./api).
/// <reference types="miniprogram-api-typings" />

import type {
  ErrorData,
  FunctionName,
  Functions,
  LogoutReport,
  Order,
  UploadPurpose,
  UploadTokenInput,
} from './api';

export * from './api';

/** The functions callFunction takes: every generated one but the session's own (login, refresh, logout). */
export type CallableName = Exclude<FunctionName, 'login' | 'refresh' | 'logout'>;
/** The `data` function `N` takes. */
export type FunctionInput<N extends FunctionName> = Functions[N]['input'];
/** The `result` function `N` answers (its envelope's `data`). */
export type FunctionResult<N extends FunctionName> = Functions[N]['result'];
/** The server's error codes function `N` documents (a call may also fail with its login's codes). */
export type FunctionErrorCode<N extends FunctionName> = Functions[N]['errorCodes'];

/**
 * The SDK's own error codes: -1 network failure (errMsg from wx), -2 cloud.pay timed out, -3 the
 * getPhoneNumber event has no code, -4 unknown function, -5 an answer that is not the envelope
 * (a gateway's or the bucket's), -6 data lacks a path parameter, -7 the call did not finish within
 * its timeout, -8 the call was aborted.
 */
export type SdkErrorCode = -1 | -2 | -3 | -4 | -5 | -6 | -7 | -8;

/** What callFunction, uploadFile and pay return: the promise, and a way to end the call. */
export interface CallPromise<Result> extends Promise<Result> {
  /**
   * Ends the call at once: it rejects with errCode -8 and its requests in flight are aborted. Does
   * nothing once the call has settled.
   */
  abort(): void;
}

/** One progress event of an upload, as wx.uploadFile's task reports it. */
export interface UploadProgress {
  /** 0 to 100. */
  progress: number;
  totalBytesSent: number;
  totalBytesExpectedToSend: number;
}

/** How every call fails: `errMsg` is `'<api>:fail <message>'` (`cloud.callFunction:fail ...`). */
export interface CloudError {
  /** The server's stable five-digit code (docs/errors.md), or an SdkErrorCode. */
  errCode: number;
  errMsg: string;
  /** The request id, to quote when reporting a failure (absent when no answer arrived). */
  requestID?: string;
  /** What the client can act on (40005/40901 products, 40902 totalFen, 40905, 40906, 40907-40909 status). */
  data?: ErrorData;
}

/** The callbacks every wx API takes; the promise is returned as well. */
export interface Callbacks<Result> {
  success?: (res: Result) => void;
  fail?: (err: CloudError) => void;
  complete?: (res: Result | CloudError) => void;
}

export interface InitOptions {
  /** The functions' base URL: https (http only for localhost or a LAN address, in development). */
  baseUrl: string;
  /** The wx storage key of the session's tokens. Default `'wx-serverless'`. */
  storageKey?: string;
  /**
   * How long a call may take, in ms, its retries and a login included; past it the call fails with
   * errCode -7. Default 15000; a call may give its own.
   */
  timeout?: number;
  /** How long an upload may take, in ms (errCode -7 past it). Default 60000; a call may give its own. */
  uploadTimeout?: number;
  /** Requests and uploads in flight at most, 1 to 10 (WeChat's limit). Default 10. */
  maxInFlight?: number;
  /** The wx object to use. Default: the global `wx`. */
  wx?: WechatMiniprogram.Wx;
  /**
   * `make dev` only: the fake WeChat Pay's address (`http://127.0.0.1:9200`); `pay()` then has it
   * pay the order instead of `wx.requestPayment`. Must be localhost or a LAN address.
   */
  devPayUrl?: string;
}

export interface CallFunctionResult<N extends CallableName> {
  /** The function's answer: its envelope's `data`. */
  result: FunctionResult<N>;
  requestID: string;
  errMsg: 'cloud.callFunction:ok';
}

/** `data` may be left out when the function needs no field. */
type DataOption<N extends CallableName> = {} extends FunctionInput<N>
  ? { data?: FunctionInput<N> }
  : { data: FunctionInput<N> };

export type CallFunctionOptions<N extends CallableName> = {
  name: N;
  /** submitOrder: the checkout's key (newCheckoutKey()); one is made per call when it is left out. */
  idempotencyKey?: string;
  /** This call's timeout in ms (init's `timeout` when left out). */
  timeout?: number;
} & DataOption<N> &
  Callbacks<CallFunctionResult<N>>;

export interface UploadFileOptions extends Callbacks<UploadFileResult> {
  /** A local file path (wx.chooseMedia's `tempFilePath`). */
  filePath: WechatMiniprogram.UploadFileOption['filePath'];
  contentType: UploadTokenInput['contentType'];
  /**
   * The file's size in bytes (wx.chooseMedia's `size`). Left out, the largest size the contract
   * allows is declared, which counts against the user's storage quota.
   */
  size?: number;
  /** Default `'general'`; `'avatar'` for an image to pass as updateUserInfo's `avatarKey`. */
  purpose?: UploadPurpose;
  /** Called with each progress event of the upload to the bucket. */
  onProgress?: (event: UploadProgress) => void;
  /** This upload's timeout in ms (init's `uploadTimeout` when left out). */
  timeout?: number;
}

export interface UploadFileResult {
  /** The object key: updateUserInfo's `avatarKey`, or getFileUrl's `keys`. */
  key: string;
}

export interface PayOptions {
  /** How often to ask for the order after the payment. Default 1000. */
  pollIntervalMs?: number;
  /** How long to wait for the order to show PAID. Default 30000. */
  timeoutMs?: number;
}

export interface SubscribeResult {
  /** The template ids the user accepted. */
  accepted: string[];
  /** How many messages of each template the user now allows; null when none was accepted. */
  subscriptions: FunctionResult<'subscribe'>['subscriptions'] | null;
}

/** A route of the generated map: where callFunction sends a function's call. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path, with `{name}` for path parameters. */
  readonly path: string;
  /** `'bearer'`: the call carries the access token. */
  readonly auth: 'bearer' | 'none';
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  /** The body's fields; null when the route takes no body. */
  readonly bodyParams: readonly string[] | null;
  /** Whether the call carries an Idempotency-Key header (submitOrder). */
  readonly idempotencyKey: boolean;
}

/** Sets the SDK up; calling it again starts afresh. */
export function init(options: InitOptions): void;

/**
 * Calls a function, like wx.cloud.callFunction. Resolves `{ result, requestID, errMsg }`; rejects a
 * CloudError. Logs in, refreshes the token and retries what is safe to retry by itself.
 */
export function callFunction<N extends CallableName>(options: CallFunctionOptions<N>): CallPromise<CallFunctionResult<N>>;

/** Uploads a file straight to the bucket (uploadToken, then wx.uploadFile), reporting its progress. */
export function uploadFile(options: UploadFileOptions): CallPromise<UploadFileResult>;

/**
 * Pays an order: payOrder, wx.requestPayment, then polls getOrder until it shows PAID. Rejects a
 * CloudError (errCode -2 on timeout), or wx.requestPayment's own failure as it is
 * (`requestPayment:fail cancel` when the user cancels).
 */
export function pay(orderId: string, options?: PayOptions): CallPromise<Order>;

/**
 * Binds the phone number of a `<button open-type="getPhoneNumber" bindgetphonenumber>` event.
 * Rejects errCode -3 when the event has no code (the user declined).
 */
export function bindPhone(event: WechatMiniprogram.ButtonGetPhoneNumber): Promise<FunctionResult<'bindPhone'>>;

/** wx.requestSubscribeMessage, then reports the accepted templates (no request when none was). */
export function subscribe(templateIds: string[]): Promise<SubscribeResult>;

/** A fresh Idempotency-Key for one checkout: pass it as `idempotencyKey` to every retry of its submitOrder. */
export function newCheckoutKey(): string;

/** Ends the session (`all`: every session of the user) and removes the tokens from storage. */
export function logout(options?: { all?: boolean }): Promise<LogoutReport>;

/** The generated name -> route map (read-only). */
export const routes: Readonly<Record<FunctionName, Route>>;
