const cloud = require('wx-serverless');
const { formatTime, orderStatusText } = require('../../utils/format');
const { specText } = require('../../utils/sku');
const { errorText, showError } = require('../../utils/errors');
const { deliveryViews, unshippedText } = require('../../utils/delivery');
const { canApply, requestView } = require('../../utils/after-sales');

// Statuses whose order may have after-sales requests.
const AFTER_SALES_STATUSES = ['PAID', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'REFUNDING', 'REFUNDED'];

// One order: its lines (an SKU each, with its spec values), its deliveries and state; pay or cancel
// while it awaits payment, refund while it is paid and nothing shipped (and no after-sales request
// was made), 申请售后 (pages/after-sales/apply) while it is paid, shipped or completed, with its
// after-sales requests (listAfterSales) linked to pages/after-sales/list. Also the page of the
// orderShipped subscribe message (pages/order/detail?id=) and of WeChat's order centre, which
// opens the configured path with merchant_trade_no (our order id), transaction_id and merchant_id.
Component({
  data: {
    order: null,
    // the order's items, each with its key (productId#skuId) and spec values as text ('250g / 礼盒')
    lines: [],
    // the deliveries, in order: [{ key, kindText, shippedAt, express, parcels: [{ carrierName,
    // trackingNo, items }], items }] (utils/delivery.js)
    deliveries: [],
    // PARTIALLY_SHIPPED: the units that have not left yet, as text
    unshippedText: '',
    statusText: '',
    times: {},
    canPay: false,
    canCancel: false,
    canRefund: false,
    canApply: false,
    // the order's after-sales requests, newest first (requestView()s); none when they cannot be read
    afterSales: [],
    busy: false,
    error: '',
  },

  methods: {
    onLoad(query) {
      // `id` from our own pages and the subscribe message; `merchant_trade_no` from WeChat's order
      // centre (the order id we gave WeChat Pay; its transaction_id and merchant_id are not needed).
      this.orderId = query.id || query.merchant_trade_no || '';
    },

    onShow() {
      this.load();
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      if (!this.orderId) {
        this.setData({ error: '缺少订单号' });
        return;
      }
      try {
        const { result } = await cloud.callFunction({ name: 'getOrder', data: { id: this.orderId } });
        this.show(result);
      } catch (err) {
        this.setData({ error: errorText(err) });
        return;
      }
      await this.loadAfterSales();
    },

    /** The order's after-sales requests; the page does without them when they cannot be read. */
    async loadAfterSales() {
      const { order } = this.data;
      if (!order || !AFTER_SALES_STATUSES.includes(order.status)) {
        this.setData({ afterSales: [] });
        return;
      }
      try {
        const { result } = await cloud.callFunction({ name: 'listAfterSales', data: { id: this.orderId } });
        this.setData({ afterSales: result.items.slice().reverse().map((r) => requestView(r, order)) });
        // After-sales and the whole-order refund exclude each other.
        if (result.items.length) this.setData({ canRefund: false });
      } catch (err) {
        // shown without them
      }
    },

    show(order) {
      const pending = order.status === 'PENDING_PAYMENT';
      const deliveries = deliveryViews(order);
      this.setData({
        order,
        lines: order.items.map((item) => ({
          ...item,
          key: `${item.productId}#${item.skuId}`,
          specText: specText(item.specValues),
        })),
        deliveries,
        unshippedText: order.status === 'PARTIALLY_SHIPPED' ? unshippedText(order) : '',
        error: '',
        statusText: orderStatusText(order.status),
        times: {
          createdAt: formatTime(order.createdAt),
          payBy: formatTime(order.payBy),
          paidAt: formatTime(order.paidAt),
          cancelledAt: formatTime(order.cancelledAt),
          completedAt: formatTime(order.completedAt),
        },
        // Payment closes a minute before payBy (40907 after that).
        canPay: pending && Date.parse(order.payBy) - 60 * 1000 > Date.now(),
        canCancel: pending,
        // The owner can refund a paid order only while nothing has left (40908 otherwise), and
        // only in full: not once after-sales refunded some of it.
        canRefund:
          order.status === 'PAID' && !deliveries.length && !order.shipment && !order.refundedFen && !this.data.afterSales.length,
        canApply: canApply(order),
      });
    },

    async onPay() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        this.show(await cloud.pay(this.orderId));
        wx.showToast({ title: '支付成功', icon: 'success' });
      } catch (err) {
        if (err && err.errCode >= 40000) showError(err);
        else wx.showToast({ title: '未完成支付', icon: 'none' });
        this.load();
      }
      this.setData({ busy: false });
    },

    onCancel() {
      return this.act('cancelOrder', '取消订单', '取消后库存会退回，确定取消吗？');
    },

    onRefund() {
      return this.act('refundOrder', '申请退款', '将全额退款到原支付账户，确定退款吗？');
    },

    async act(name, title, content) {
      if (this.data.busy) return;
      const { confirm } = await wx.showModal({ title, content });
      if (!confirm) return;
      this.setData({ busy: true });
      try {
        const { result } = await cloud.callFunction({ name, data: { id: this.orderId } });
        this.show(result);
      } catch (err) {
        showError(err);
        this.load();
      }
      this.setData({ busy: false });
    },

    onApplyAfterSales() {
      wx.navigateTo({ url: `/pages/after-sales/apply?id=${this.orderId}` });
    },

    onOpenAfterSales(e) {
      const { number } = e.currentTarget.dataset;
      wx.navigateTo({ url: `/pages/after-sales/list?id=${this.orderId}${number ? `&number=${number}` : ''}` });
    },

    onCopyId() {
      wx.setClipboardData({ data: this.orderId });
    },

    onCopyTrackingNo(e) {
      wx.setClipboardData({ data: e.currentTarget.dataset.trackingNo });
    },
  },
});
