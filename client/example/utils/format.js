// Display formatting: money, times and order statuses.

/**
 * Integer fen (the API's money unit, 1/100 yuan) as yuan with two decimals: 58800 -> '588.00'.
 * The one place the sample formats money.
 */
function fenToYuan(fen) {
  const value = Number(fen);
  if (!Number.isFinite(value)) return '';
  const abs = Math.abs(Math.round(value));
  const cents = abs % 100;
  return `${value < 0 ? '-' : ''}${Math.floor(abs / 100)}.${cents < 10 ? '0' : ''}${cents}`;
}

const pad = (n) => (n < 10 ? `0${n}` : `${n}`);

/** An RFC 3339 timestamp of the API in the phone's time zone: '2026-11-24 13:13'. */
function formatTime(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const ORDER_STATUS = {
  PENDING_PAYMENT: '待支付',
  PAID: '已支付',
  // some units have left, the rest wait (the order's deliveries say which)
  PARTIALLY_SHIPPED: '部分发货',
  SHIPPED: '已发货',
  // the buyer confirmed receipt, or WeChat settled the order (completedAt)
  COMPLETED: '已完成',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  CANCELLED: '已取消',
};

function orderStatusText(status) {
  return ORDER_STATUS[status] || status;
}

module.exports = { fenToYuan, formatTime, orderStatusText };
