// After-sales (售后) without any page: what a request's type and status read as, which units of an
// order can still be asked back, what a request shows, and what the API's refusals mean for the
// form (40002 names the field, 40910 says why no request can be made now).
//
// A request (requestAfterSales) names order lines by productId + skuId with a quantity. Units under
// a request count against the line until it is REJECTED or CANCELLED (then they can be asked
// again); an order has at most one request waiting for a person (REQUESTED, APPROVED, RETURNING,
// RETURN_RECEIVED).

const { formatTime, orderStatusText } = require('./format');
const { CARRIERS, carrierName, describe, lineKey } = require('./delivery');
const { errorText, serverMessage } = require('./errors');

/** The reason's length at most (characters), and the photos at most. */
const REASON_MAX = 200;
const MAX_PHOTOS = 9;

/** The order statuses that take a request. */
const ELIGIBLE = ['PAID', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED'];

const TYPES = {
  refund: '仅退款',
  return_refund: '退货退款',
};

const STATUS = {
  REQUESTED: '待处理',
  APPROVED: '已同意',
  RETURNING: '退货中',
  RETURN_RECEIVED: '已收到退货',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  REJECTED: '已拒绝',
  CANCELLED: '已撤销',
  FAILED: '退款异常',
};

/** Waiting for a person: an order has one such at most. */
const OPEN = ['REQUESTED', 'APPROVED', 'RETURNING', 'RETURN_RECEIVED'];
/** Its units are the buyer's to ask again. */
const RELEASED = ['REJECTED', 'CANCELLED'];
/** The buyer may withdraw it. */
const CANCELLABLE = ['REQUESTED', 'APPROVED'];

/** A return parcel's tracking number and carrier code, as the API takes them. */
const TRACKING_NO = /^[A-Za-z0-9_-]{1,64}$/;
const CARRIER_CODE = /^[A-Za-z0-9_-]{1,32}$/;

function canApply(order) {
  return Boolean(order) && ELIGIBLE.includes(order.status);
}

function typeText(type) {
  return TYPES[type] || type;
}

/** A request's status for people; an approved return waits for the goods (待寄回). */
function statusText(request) {
  if (request.status === 'APPROVED' && request.type === 'return_refund') return '已同意，待寄回';
  return STATUS[request.status] || request.status;
}

/** The reason's length as the API counts it (characters, not UTF-16 units). */
function reasonLength(text) {
  return Array.from(String(text || '')).length;
}

/** The request still waiting for a person, or null. */
function openRequest(requests) {
  return (requests || []).find((r) => OPEN.includes(r.status)) || null;
}

/** The units of each order line that can still be asked back: { 'productId#skuId': n }. */
function availableUnits(order, requests) {
  const asked = {};
  (requests || [])
    .filter((r) => !RELEASED.includes(r.status))
    .forEach((r) => {
      (r.lines || []).forEach((line) => {
        asked[lineKey(line)] = (asked[lineKey(line)] || 0) + line.quantity;
      });
    });
  const available = {};
  ((order && order.items) || []).forEach((line) => {
    available[lineKey(line)] = Math.max(0, line.quantity - (asked[lineKey(line)] || 0));
  });
  return available;
}

/** What the list shows of a request; `order` gives its lines' names. */
function requestView(request, order) {
  const parcel = request.returnParcel;
  return {
    number: request.number,
    type: request.type,
    typeText: typeText(request.type),
    status: request.status,
    statusText: statusText(request),
    amountFen: request.amountFen,
    reason: request.reason,
    rejectReason: request.status === 'REJECTED' ? request.rejectReason || '' : '',
    refundIssue: request.refundIssue || '',
    items: describe(request.lines, (order && order.items) || []),
    photos: request.photos || [],
    createdAt: formatTime(request.createdAt),
    refundedAt: formatTime(request.refundedAt),
    parcel: parcel ? { carrierName: carrierName(parcel.carrier), trackingNo: parcel.trackingNo } : null,
    canCancel: CANCELLABLE.includes(request.status),
    canReturn: request.status === 'APPROVED' && request.type === 'return_refund',
  };
}

/** The return parcel form's carriers: the common ones, then 其他 (type the code). */
function carrierOptions() {
  return Object.keys(CARRIERS)
    .map((code) => ({ code, name: CARRIERS[code] }))
    .concat([{ code: '', name: '其他' }]);
}

/**
 * The field a 40002 names, and what it says of it: the API's message is
 * 'validation failed: lines[0].quantity: must be 1 to 2: ...'. { field: '', detail } when it names
 * none.
 */
function validationOf(err) {
  const message = serverMessage(err);
  const match = /^(?:validation failed:\s*)?([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_]\w*)*):\s*([\s\S]*)$/.exec(message);
  return match ? { field: match[1], detail: match[2] } : { field: '', detail: message };
}

/** The number in 'must be 1 to N', or null. */
function upTo(detail) {
  const match = /must be 1 to (\d+)/.exec(detail);
  return match ? Number(match[1]) : null;
}

/**
 * Where the form shows a 40002 of requestAfterSales or returnAfterSales, and what it says there:
 * { target: 'type' | 'lines' | 'line' | 'reason' | 'photos' | 'photo' | 'carrier' | 'trackingNo' |
 * '', index (of the line or photo sent), text }.
 */
function fieldError(err) {
  const { field, detail } = validationOf(err);
  const item = /^(lines|photos)\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (item && item[1] === 'lines') {
    const index = Number(item[2]);
    if (item[3] === 'quantity') {
      const n = upTo(detail);
      const text = n === null ? '数量有误' : n > 0 ? `最多可申请 ${n} 件` : '这件商品已没有可申请的数量';
      return { target: 'line', index, text };
    }
    return { target: 'line', index, text: '这件商品无法申请售后，请刷新后再试' };
  }
  if (item && item[1] === 'photos') {
    return { target: 'photo', index: Number(item[2]), text: '有图片无法使用（须是您刚上传的图片），请删除后重新添加' };
  }
  switch (field) {
    case 'type':
      return { target: 'type', text: '请选择售后类型' };
    case 'lines':
      return {
        target: 'lines',
        text: /would refund/.test(detail) ? '申请的金额超过了可退金额，请减少数量' : '请选择要售后的商品',
      };
    case 'reason':
      return { target: 'reason', text: upTo(detail) ? `请填写 1-${REASON_MAX} 字的原因` : `原因无法使用：${detail}` };
    case 'photos':
      return { target: 'photos', text: `最多上传 ${MAX_PHOTOS} 张图片` };
    case 'carrier':
      return { target: 'carrier', text: '快递公司有误，请重新选择' };
    case 'trackingNo':
      return { target: 'trackingNo', text: '快递单号只能包含字母、数字、- 和 _' };
    default:
      return { target: '', text: errorText(err) };
  }
}

/**
 * What a 40910 means: { text, openNumber } (openNumber: the request still waiting, to link to).
 * `status`, `window` and `open` refuse a new request; `state` a cancel or a return of a request
 * that moved on meanwhile.
 */
function conflictOf(err) {
  const data = (err && err.data) || {};
  switch (data.reason) {
    case 'open':
      return {
        text: `售后单 #${data.number} 还在处理中，处理完成或撤销后才能再次申请`,
        openNumber: Number(data.number) || 0,
      };
    case 'window': {
      const closedAt = formatTime(data.closedAt);
      return { text: `已超过售后期限${closedAt ? `（${closedAt} 截止）` : ''}，不能再申请售后`, openNumber: 0 };
    }
    case 'status':
      return { text: `订单${data.status ? `${orderStatusText(data.status)}，` : '当前'}不能申请售后`, openNumber: 0 };
    case 'state':
      return { text: '售后单的状态已变化，请刷新后再试', openNumber: 0 };
    default:
      return { text: '当前不能进行此操作，请刷新后再试', openNumber: 0 };
  }
}

module.exports = {
  REASON_MAX,
  MAX_PHOTOS,
  ELIGIBLE,
  TYPES,
  STATUS,
  TRACKING_NO,
  CARRIER_CODE,
  canApply,
  typeText,
  statusText,
  reasonLength,
  openRequest,
  availableUnits,
  requestView,
  carrierOptions,
  validationOf,
  fieldError,
  conflictOf,
};
