// Generated from openapi.yaml by scripts/generate.js: do not edit (`npm run generate`).

/**
 * Every function a mini-program can call, by name: the `data` it takes (path and query parameters
 * and body fields, merged), the `result` it answers (the envelope's `data`) and the error codes it
 * may answer (docs/errors.md).
 */
export interface Functions {
  /** Log in with a wx.login() code (POST /auth/login). */
  login: {
    input: LoginInput;
    result: LoginOutput;
    errorCodes: 40001 | 40002 | 40010 | 40011 | 40301 | 41301 | 42901 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** Rotate the refresh token (POST /auth/refresh). */
  refresh: {
    input: RefreshInput;
    result: LoginOutput;
    errorCodes: 40001 | 40002 | 40104 | 40105 | 40106 | 40107 | 41301 | 42902 | 42903 | 50001 | 50302;
  };
  /** End the caller's session (or all of the user's) (POST /auth/logout). */
  logout: {
    input: LogoutInput;
    result: LogoutReport;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 41301 | 50001 | 50302;
  };
  /** The caller's profile (GET /users/me). */
  getUserInfo: {
    input: Record<string, never>;
    result: UserProfile;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 50001 | 50302;
  };
  /** Change the caller's nickname or avatar (PATCH /users/me). */
  updateUserInfo: {
    input: UpdateUserInput;
    result: UserProfile;
    errorCodes: 40001 | 40002 | 40013 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** Bind the phone number of the getPhoneNumber button (POST /users/me/phone). */
  bindPhone: {
    input: BindPhoneInput;
    result: BoundPhone;
    errorCodes: 40001 | 40002 | 40012 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 42901 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** Report the subscribe message templates the user accepted (POST /users/me/subscriptions). */
  subscribe: {
    input: SubscribeInput;
    result: {
      /** Template id -> how many more messages of it the user allows. */
      subscriptions: {
        [name: string]: number;
      };
    };
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 41301 | 42902 | 42903 | 50001 | 50302;
  };
  /** A page of the products on sale (GET /products). */
  listProducts: {
    input: {
      /** Page size, 1 to 50 (20 when absent). */
      limit?: number;
      /** The `nextCursor` of the previous page (opaque, authenticated; one from another listing is refused with 40003). */
      cursor?: string;
      /** Only the products of this category. */
      category?: Category;
    };
    result: ProductPage;
    errorCodes: 40001 | 40002 | 40003 | 41301 | 50001 | 50302;
  };
  /** One product (GET /products/{id}). */
  getProduct: {
    input: {
      /** The product id, 1-64 characters of `A-Z a-z 0-9 _ -`. Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: Product;
    errorCodes: 40001 | 40002 | 40401 | 41301 | 50001 | 50302;
  };
  /** A product's share code (mini-program code image) (GET /products/{id}/code). */
  getProductCode: {
    input: {
      /** The product id, 1-64 characters of `A-Z a-z 0-9 _ -`. Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: {
      productId: Slug64;
      /** The PNG's download URL. */
      url: string;
      expiresAt: string;
    };
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 42901 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** A page of the caller's orders (GET /orders). */
  listOrders: {
    input: {
      /** Page size, 1 to 50 (20 when absent). */
      limit?: number;
      /** The `nextCursor` of the previous page (opaque, authenticated; one from another listing is refused with 40003). */
      cursor?: string;
    };
    result: OrderPage;
    errorCodes: 40001 | 40002 | 40003 | 40101 | 40102 | 40103 | 40105 | 41301 | 50001 | 50302;
  };
  /** Place an order (POST /orders). */
  submitOrder: {
    input: OrderRequest;
    result: Order;
    errorCodes: 40001 | 40002 | 40004 | 40005 | 40013 | 40101 | 40102 | 40103 | 40105 | 40901 | 40902 | 40903 | 40905 | 41301 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** One of the caller's orders (GET /orders/{id}). */
  getOrder: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: Order;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 50001 | 50302;
  };
  /** Cancel one of the caller's unpaid orders (POST /orders/{id}/cancel). */
  cancelOrder: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: Order;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 50001 | 50302;
  };
  /** wx.requestPayment's parameters for an unpaid order (POST /orders/{id}/pay). */
  payOrder: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: PaymentParams;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 40907 | 41301 | 42902 | 42903 | 50001 | 50302 | 50303;
  };
  /** Refund one of the caller's paid orders in full (POST /orders/{id}/refund). */
  refundOrder: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: Order;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 40908 | 41301 | 42902 | 42903 | 50001 | 50302 | 50303;
  };
  /** A presigned S3 POST for wx.uploadFile (POST /uploads/token). */
  uploadToken: {
    input: UploadTokenInput;
    result: UploadGrant;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40906 | 41301 | 42902 | 42903 | 50001 | 50302;
  };
  /** Temporary download URLs of the caller's own files (GET /files/url). */
  getFileUrl: {
    input: {
      /**
       * 1 to 50 object keys, comma-separated (`k1,k2`); each key is trimmed, empty ones are skipped,
       * and each is at most 1024 bytes. The keys may also be given as a repeated parameter
       * (`keys=k1&keys=k2`), each then taken as it is.
       */
      keys: string;
    };
    result: FileUrls;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 41301 | 50001 | 50302;
  };
  /** The after-sales requests of one of the caller's orders (GET /orders/{id}/after-sales). */
  listAfterSales: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    };
    result: {
      items: Array<AfterSales>;
    };
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 41301 | 50001 | 50302;
  };
  /** Ask for some units of one of the caller's orders back (POST /orders/{id}/after-sales). */
  requestAfterSales: {
    input: {
      /** The order id, 1-32 digits (new ones are 22). Any other text is answered 40401, as an unknown id is. */
      id: string;
    } & AfterSalesInput;
    result: AfterSales;
    errorCodes: 40001 | 40002 | 40013 | 40101 | 40102 | 40103 | 40105 | 40401 | 40910 | 41301 | 42902 | 42903 | 50001 | 50301 | 50302;
  };
  /** Withdraw one of the caller's after-sales requests while it waits (POST /orders/{id}/after-sales/{number}/cancel). */
  cancelAfterSales: {
    input: {
      id: string;
      number: string;
    };
    result: AfterSales;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 40910 | 41301 | 50001 | 50302;
  };
  /** Send the goods of an approved return back (POST /orders/{id}/after-sales/{number}/return). */
  returnAfterSales: {
    input: {
      id: string;
      number: string;
    } & {
      carrier: CarrierCode;
      trackingNo: TrackingNo;
    };
    result: AfterSales;
    errorCodes: 40001 | 40002 | 40101 | 40102 | 40103 | 40105 | 40401 | 40910 | 41301 | 50001 | 50302;
  };
}

/** The name of a function a mini-program can call. */
export type FunctionName = keyof Functions;

/** The `data` of an error envelope, when the client can act on it. */
export type ErrorData = ProductsProblem | TotalProblem | HoldingProblem | QuotaProblem | StatusProblem;

export interface LoginInput {
  /** The code of `wx.login()`, used once; 1-128 visible ASCII characters. */
  code: string;
}

export interface LoginOutput {
  /** An EdDSA JWT for `Authorization: Bearer`. */
  accessToken: string;
  /** Seconds the access token is valid. */
  expiresIn: number;
  /** The refresh token (one use; keep it secret). */
  refreshToken: string;
  /** Seconds the refresh token is valid. */
  refreshExpiresIn: number;
  /** Whether this login created the user (always false on refresh). */
  isNewUser: boolean;
  user: UserProfile;
}

export interface UserProfile {
  openid: Slug64;
  /** Present when WeChat gave one. */
  unionid?: string;
  /** Empty until the user sets one. */
  nickname: string;
  /** A usable URL (the one the user gave, or a fresh download URL of the uploaded avatar); empty when there is none. */
  avatarUrl: string;
  /** The uploaded avatar's object key, when the avatar is an upload. */
  avatarKey?: string;
  /** The bound phone number, masked (`138****8000`); absent until one is bound. */
  phone?: string;
  createdAt: Timestamp;
}

export type Slug64 = string;

/** RFC 3339, UTC, with milliseconds. */
export type Timestamp = string;

export interface RefreshInput {
  /** The refresh token of the last login or refresh (`<session>.<secret>`); anything else is 40106. */
  refreshToken: string;
}

export interface LogoutInput {
  /** End every session of the user, not only this one. */
  all?: boolean;
}

export interface LogoutReport {
  /** How many sessions were ended. */
  revoked: number;
}

export type UpdateUserInput = {
  /**
   * 1-32 characters once trimmed; no control characters and no invisible format characters
   * (Unicode Cf, such as U+202E or U+200B; a zero-width joiner only between two emoji).
   */
  nickname?: string | null;
  /** A WeChat avatar URL (https, on thirdwx.qlogo.cn or wx.qlogo.cn) of at most 512 bytes, without whitespace or control characters; any other image is uploaded and given as `avatarKey`. */
  avatarUrl?: string | null;
  /** The `key` of an image the caller uploaded with `POST /uploads/token` for the purpose `avatar` and that is in the bucket within the limits (anything else, another user's key or an upload of another purpose included, is 40002). */
  avatarKey?: string | null;
} & ({
  nickname: string;
} | {
  avatarUrl: string;
} | {
  avatarKey: string;
});

export interface BindPhoneInput {
  /** The `code` of the getPhoneNumber button's event. */
  code: string;
}

export interface BoundPhone {
  /** Masked (`138****8000`). */
  phone: string;
  countryCode: string;
}

export interface SubscribeInput {
  /** The template ids `wx.requestSubscribeMessage` answered `accept` for. */
  accepted: Array<string>;
}

/** A category name, 1-32 characters of `A-Z a-z 0-9 _ -`. */
export type Category = string;

export interface ProductPage {
  items: Array<ProductSummary>;
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
}

/** A product as a list shows it; its SKUs are on its page. */
export interface ProductSummary {
  id: Slug64;
  name: string;
  description: string;
  /** The lowest SKU price. */
  priceFen: number;
  minPriceFen: number;
  maxPriceFen: number;
  stock: number;
  inStock: boolean;
  hasVariants: boolean;
  category: Category;
  images: Array<string>;
  status: "ON_SALE" | "OFF_SALE";
  fulfilment: "physical" | "virtual";
  sortOrder: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** A product with every SKU, as its page shows it. */
export interface Product {
  id: Slug64;
  name: string;
  description: string;
  /** The lowest SKU price (the price of a product without variants). */
  priceFen: number;
  minPriceFen: number;
  maxPriceFen: number;
  /** The stock of all its SKUs. */
  stock: number;
  /** Whether any SKU can be bought now. */
  inStock: boolean;
  /** Whether a buyer picks a SKU (the product has specs). */
  hasVariants: boolean;
  category: Category;
  images: Array<string>;
  status: "ON_SALE" | "OFF_SALE";
  /** `physical`: shipped, an order of it needs a delivery address; `virtual` (gift cards, courses, services): nothing to ship, no address. */
  fulfilment: "physical" | "virtual";
  sortOrder: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** The axes of its variants (规格, 包装); empty without variants. */
  specs: Array<Spec>;
  /** Its SKUs, in the order of the specs' values; one, `default`, without variants. */
  skus: Array<Sku>;
}

export interface Spec {
  name: string;
  values: Array<string>;
}

export interface Sku {
  skuId: Slug64;
  specValues: SpecValues;
  priceFen: number;
  stock: number;
  image?: string;
}

/** One value of each spec: `{"规格": "250g", "包装": "礼盒"}`. */
export interface SpecValues {
  [name: string]: string;
}

export interface OrderPage {
  items: Array<Order>;
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
}

export interface Order {
  orderId: string;
  status: OrderStatus;
  items: Array<OrderLine>;
  totalFen: number;
  remark?: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  payBy: Timestamp;
  cancelledAt?: Timestamp;
  /** The money of after-sales refunds asked of WeChat Pay (under way or done); absent without any. */
  refundedFen?: number;
  /** When the buyer confirmed receipt (or WeChat did for them and settled the order); COMPLETED. */
  completedAt?: Timestamp;
  /** WeChat Pay's id of the payment, once it is confirmed. */
  transactionId?: string;
  paidAt?: Timestamp;
  /** How WeChat Pay ended a refund that did not succeed (`ABNORMAL`, `CLOSED`); the order stays REFUNDING until an operator settles it. */
  refundIssue?: string;
  shipment?: Shipment;
  /** One per shipping call, in order; `shipment` is the first parcel (as before split delivery). */
  deliveries: Array<Delivery>;
  address?: Address;
}

export type OrderStatus = "PENDING_PAYMENT" | "PAID" | "PARTIALLY_SHIPPED" | "SHIPPED" | "COMPLETED" | "REFUNDING" | "REFUNDED" | "CANCELLED";

/** A snapshot of the product's name, its SKU's spec values and price when it was ordered. */
export interface OrderLine {
  productId: Slug64;
  /** `default` for a product without variants. */
  skuId: Slug64;
  specValues?: SpecValues;
  name: string;
  priceFen: number;
  quantity: number;
  subtotalFen: number;
}

export interface Shipment {
  carrier: string;
  trackingNo: string;
  shippedAt: Timestamp;
  /** When WeChat accepted the shipping report; absent until it did. */
  reportedAt?: Timestamp;
}

export interface Delivery {
  logisticsType: 1 | 2 | 3 | 4;
  parcels: Array<Parcel>;
  items: Array<ShippedItem>;
  shippedAt: Timestamp;
  reportedAt?: Timestamp;
}

export interface Parcel {
  carrier: string;
  trackingNo: string;
  items: Array<ShippedItem>;
}

export interface ShippedItem {
  productId: Slug64;
  skuId: Slug64;
  quantity: number;
}

/**
 * Where the order goes: a snapshot taken when it was placed (absent for virtual goods). In full
 * for its owner's `GET /orders/{id}`; in lists masked: the name's first character (`张*`), the
 * phone's first three and last four digits (`138****1234`), the regions down to the district,
 * no detail.
 */
export interface Address {
  userName: string;
  telNumber: string;
  provinceName: string;
  cityName: string;
  countyName: string;
  detailInfo?: string;
  postalCode?: string;
  nationalCode?: string;
  streetName?: string;
}

export interface OrderRequest {
  /** 1-20 lines, one per SKU (a repeated SKU is refused with 40002). */
  items: Array<LineRequest>;
  /** The total the client showed; if it differs from the current one, 40902 with `data.totalFen` and nothing is written. */
  expectedTotalFen?: number | null;
  /** At most 200 characters; newlines allowed, no other control characters, no invisible format characters. */
  remark?: string | null;
  address?: AddressInput;
}

export interface LineRequest {
  productId: Slug64;
  /** The SKU; absent means the product's only one (`default` for a product without variants). */
  skuId?: Slug64;
  quantity: number;
}

/**
 * `wx.chooseAddress`'s answer as it is (its `errMsg`, and any field WeChat adds, are ignored).
 * Required when a line is a physical good (40002 naming `address`); ignored, and not kept, for an
 * order of virtual goods only. Every field is trimmed and may hold no control or invisible format
 * character; a field that is wrong is refused with 40002 naming it (`address.telNumber`).
 */
export interface AddressInput {
  /** The receiver, 1-40 characters. */
  userName: string;
  /** A mainland mobile (11 digits starting with 1) or a landline with its area code (`010-12345678`, an extension after a second `-`), optionally after `+86`; spaces are ignored. */
  telNumber: string;
  /** 1-40 characters. */
  provinceName: string;
  /** 1-40 characters. */
  cityName: string;
  /** 1-40 characters. */
  countyName: string;
  /** Street, building and room, 1-200 characters. */
  detailInfo: string;
  /** At most 10 digits. */
  postalCode?: string | null;
  /** At most 12 digits. */
  nationalCode?: string | null;
  /** At most 40 characters. */
  streetName?: string | null;
}

/** Exactly the parameters of `wx.requestPayment` (spread them into the call). */
export interface PaymentParams {
  /** Unix seconds, as a string. */
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: "RSA";
  paySign: string;
}

export interface UploadTokenInput {
  /** One of `UPLOAD_ALLOWED_TYPES` (these are the default list; also known, when configured: image/heic, video/mp4, audio/mpeg, application/pdf). */
  contentType: "image/jpeg" | "image/png" | "image/webp" | "image/gif";
  /** The file's size in bytes, the most the policy accepts; 1 to `UPLOAD_MAX_BYTES` (10 MiB by default). */
  size: number;
  purpose?: UploadPurpose;
}

export type UploadPurpose = "general" | "avatar" | "review" | "feedback";

export interface UploadGrant {
  /** Where `wx.uploadFile` posts (the bucket, or `UPLOAD_PUBLIC_BASE_URL`). */
  url: string;
  /** The form fields to post with the file, each pinned by the policy. */
  fields: {
    success_action_status: "201";
    "x-amz-meta-purpose": UploadPurpose;
    "x-amz-meta-declared-size": string;
    "x-amz-algorithm": "AWS4-HMAC-SHA256";
    "x-amz-security-token"?: string;
    [name: string]: string | undefined;
  };
  /** The object key the server chose (`uploads/u/<owner id>/<yyyy>/<mm>/<name>.<ext>`, where the owner id is opaque and never the openid; keys of older uploads, `uploads/<openid>/...`, keep working); use it as `avatarKey` or with `GET /files/url`. */
  key: string;
  expiresAt: Timestamp;
  maxBytes: number;
}

export interface FileUrls {
  files: Array<FileUrl>;
}

export type FileUrl = {
  key: string;
  url: string;
  expiresAt: Timestamp;
  status: "OK";
} | {
  key: string;
  status: "NOT_FOUND";
};

export interface AfterSales {
  orderId: string;
  number: number;
  type: "refund" | "return_refund";
  status: "REQUESTED" | "APPROVED" | "RETURNING" | "RETURN_RECEIVED" | "REFUNDING" | "REFUNDED" | "REJECTED" | "CANCELLED" | "FAILED";
  lines: Array<{
    productId: Slug64;
    skuId: Slug64;
    quantity: number;
    amountFen: number;
    /** The units never left, and go back into stock once refunded. */
    restock: boolean;
  }>;
  amountFen: number;
  reason: string;
  photos: Array<string>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  refundedAt?: Timestamp;
  /** How WeChat Pay ended a refund that did not succeed (FAILED). */
  refundIssue?: string;
  /** Why an operator rejected it (REJECTED). */
  rejectReason?: string;
  /** Refunded by an operator of their own accord (absent otherwise). */
  byOperator?: boolean;
  /** The parcel the buyer sent the goods back in (RETURNING and after). */
  returnParcel?: {
    carrier: string;
    trackingNo: string;
  };
}

export interface AfterSalesInput {
  type: "refund" | "return_refund";
  lines: Array<{
    productId?: Slug64;
    skuId?: Slug64;
    quantity: number;
  }>;
  reason: string;
  photos?: Array<string>;
}

/** The carrier's code in WeChat's list of express companies (`SF`, `ZTO`, `YTO`, `JD`, ...). */
export type CarrierCode = string;

export type TrackingNo = string;

/** `data` of 40005 and 40901: each product that cannot be ordered, and why. */
export interface ProductsProblem {
  products: Array<Shortage>;
}

export interface Shortage {
  productId: Slug64;
  skuId: Slug64;
  reason: "OUT_OF_STOCK" | "OFF_SALE" | "NOT_FOUND";
  /** The stock left (OUT_OF_STOCK only). */
  available?: number;
}

/** `data` of 40902: the current total. */
export interface TotalProblem {
  totalFen: number;
}

/** `data` of 40905: what the caller holds in unpaid orders, and the caps. */
export interface HoldingProblem {
  pendingOrders: number;
  maxPendingOrders: number;
  maxUnitsPerProduct: number;
  products: Array<{
    productId: Slug64;
    skuId: Slug64;
    pendingUnits: number;
  }>;
}

/** `data` of 40906: the bytes stored and the quota. */
export interface QuotaProblem {
  storedBytes: number;
  quotaBytes: number;
}

/** `data` of 40907 (`status` may be `EXPIRED`), 40908 and 40909 (with the parcel when the order shipped with another one). */
export interface StatusProblem {
  status: "PENDING_PAYMENT" | "PAID" | "SHIPPED" | "REFUNDING" | "REFUNDED" | "CANCELLED" | "EXPIRED";
  carrier?: string;
  trackingNo?: string;
}
