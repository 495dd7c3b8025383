const cloud = require('wx-serverless');
const { formatTime, orderStatusText } = require('../../utils/format');
const { specText } = require('../../utils/sku');
const { errorText, showError } = require('../../utils/errors');

// One order: its lines (an SKU each, with its spec values) and state; pay or cancel while it awaits
// payment, refund while it is paid and not shipped. Also the page of the orderShipped subscribe
// message (pages/order/detail?id=).
Component({
  data: {
    order: null,
    // the order's items, each with its key (productId#skuId) and spec values as text ('250g / 礼盒')
    lines: [],
    statusText: '',
    times: {},
    canPay: false,
    canCancel: false,
    canRefund: false,
    busy: false,
    error: '',
  },

  methods: {
    onLoad(query) {
      this.orderId = query.id;
    },

    onShow() {
      this.load();
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      try {
        const { result } = await cloud.callFunction({ name: 'getOrder', data: { id: this.orderId } });
        this.show(result);
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },

    show(order) {
      const pending = order.status === 'PENDING_PAYMENT';
      this.setData({
        order,
        lines: order.items.map((item) => ({
          ...item,
          key: `${item.productId}#${item.skuId}`,
          specText: specText(item.specValues),
        })),
        error: '',
        statusText: orderStatusText(order.status),
        times: {
          createdAt: formatTime(order.createdAt),
          payBy: formatTime(order.payBy),
          paidAt: formatTime(order.paidAt),
          cancelledAt: formatTime(order.cancelledAt),
          shippedAt: order.shipment ? formatTime(order.shipment.shippedAt) : '',
        },
        // Payment closes a minute before payBy (40907 after that).
        canPay: pending && Date.parse(order.payBy) - 60 * 1000 > Date.now(),
        canCancel: pending,
        canRefund: order.status === 'PAID' && !order.shipment,
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

    onCopyId() {
      wx.setClipboardData({ data: this.orderId });
    },
  },
});
