// The shapes the operator API answers (see openapi.yaml), as far as the console reads them.

export interface Page<T> {
  items: T[];
  next?: string | null;
}

export interface Address {
  userName: string;
  telNumber: string;
  provinceName: string;
  cityName: string;
  countyName: string;
  detailInfo?: string;
}

export interface OrderLine {
  productId: string;
  skuId?: string;
  specValues?: [string, string][];
  name: string;
  priceFen: number;
  quantity: number;
  subtotalFen: number;
}

export interface Parcel {
  carrier: string;
  trackingNo: string;
  items?: { productId: string; skuId?: string; quantity: number }[];
}

export interface Delivery {
  logisticsType: number;
  parcels: Parcel[];
  shippedAt: string;
}

export interface Order {
  orderId: string;
  status: string;
  items: OrderLine[];
  totalFen: number;
  refundedFen?: number;
  /** How WeChat Pay ended a whole-order refund that did not succeed. */
  refundIssue?: string;
  address?: Address;
  remark?: string;
  createdAt: string;
  paidAt?: string;
  transactionId?: string;
  deliveries?: Delivery[];
}

export interface AfterSales {
  orderId: string;
  number: number;
  type: "refund" | "return_refund";
  status: string;
  lines: { productId: string; skuId?: string; quantity: number; amountFen: number }[];
  amountFen: number;
  reason: string;
  createdAt: string;
  rejectReason?: string;
  refundIssue?: string;
  returnParcel?: { carrier: string; trackingNo: string };
  byOperator?: boolean;
}

export interface AuditRecord {
  at: string;
  operatorId: string;
  email: string;
  role: string;
  action: string;
  target?: string;
  changes: unknown;
  ip: string;
  requestId: string;
}

export interface OrderFile extends Order {
  afterSales: AfterSales[];
  audit: AuditRecord[];
}

export const STATUS_NAMES: Record<string, string> = {
  PENDING_PAYMENT: "待支付",
  PAID: "待发货",
  PARTIALLY_SHIPPED: "部分发货",
  SHIPPED: "已发货",
  COMPLETED: "已完成",
  CANCELLED: "已取消",
  REFUNDING: "退款中",
  REFUNDED: "已退款",
};

export const AFTER_SALES_NAMES: Record<string, string> = {
  REQUESTED: "待审核",
  APPROVED: "已同意退货",
  RETURNING: "买家已寄回",
  RETURN_RECEIVED: "已收货",
  REFUNDING: "退款中",
  REFUNDED: "已退款",
  REJECTED: "已拒绝",
  CANCELLED: "已撤销",
  FAILED: "退款异常",
};

export const CARRIERS: [string, string][] = [
  ["SF", "顺丰速运"],
  ["ZTO", "中通快递"],
  ["YTO", "圆通速递"],
  ["STO", "申通快递"],
  ["YD", "韵达快递"],
  ["JD", "京东物流"],
  ["EMS", "EMS"],
  ["JTSD", "极兔速递"],
];

/** What each audited operation is called in the console. */
export const ACTION_NAMES: Record<string, string> = {
  "sign-in": "登录",
  "sign-out": "退出登录",
  "change-password": "修改密码",
  "deliver-order": "发货",
  "approve-after-sales": "同意售后",
  "reject-after-sales": "拒绝售后",
  "receive-after-sales": "确认退货收货",
  "refund-order-part": "主动退款",
  "create-operator": "新建操作员",
  "update-operator": "修改操作员",
  "delete-operator": "删除操作员",
};

/** A side of a reconciliation difference: ours (`here`) or the bill's (`there`). */
export interface Side {
  amountFen: number;
  transactionId?: string;
  at?: string;
  status?: string;
  line?: number;
}

export interface Discrepancy {
  kind: string;
  outTradeNo: string;
  outRefundNo?: string;
  here: Side | null;
  there: Side | null;
  healed?: boolean;
  reason?: string;
}

export interface ReconciledDay {
  date: string;
  rows: number;
  matched: number;
  discrepancies: number;
  totals: {
    billPaidFen: number;
    billRefundedFen: number;
    billFeesYuan: string;
    herePaidFen: number;
    hereRefundedFen: number;
    incomeFen: number;
    expenseFen: number;
    refundsFen: number;
    feesFen: number;
  };
  generatedAt: string;
}

export interface ReconciledDayDetail extends ReconciledDay {
  firstDiscrepancies: Discrepancy[];
  reportUrl: string;
  csvUrl: string;
}

/** What each kind of difference means (docs/reconciliation.md says what to do). */
export const DISCREPANCY_NAMES: Record<string, string> = {
  paid_there_not_here: "微信支付有收款，我方无此已付订单",
  paid_here_not_there: "我方已收款，账单无此笔",
  amount_mismatch: "订单金额不一致",
  refund_there_not_here: "微信支付有退款，我方无此退款",
  refund_here_not_there: "我方已退款，账单无此笔",
  refund_amount_mismatch: "退款金额不一致",
};
