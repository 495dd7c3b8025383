const cloud = require('wx-serverless');
const { formatTime, orderStatusText } = require('../../utils/format');
const { errorText } = require('../../utils/errors');

const PAGE_SIZE = 10;

/** What a row of the list shows of an order. */
function summary(order) {
  const first = order.items[0];
  const units = order.items.reduce((n, line) => n + line.quantity, 0);
  return {
    orderId: order.orderId,
    status: order.status,
    statusText: orderStatusText(order.status),
    title: order.items.length > 1 ? `${first.name} 等 ${order.items.length} 种商品` : first.name,
    units,
    totalFen: order.totalFen,
    createdAt: formatTime(order.createdAt),
  };
}

// The caller's orders, newest first, a page of listOrders at a time. A tab: shown again after a
// payment or a cancel, so it reloads on every show.
Component({
  data: {
    orders: [],
    nextCursor: null,
    loading: false,
    loaded: false,
    error: '',
  },

  methods: {
    onShow() {
      this.reload();
    },

    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      this.loadMore();
    },

    reload() {
      return this.fetchPage(null);
    },

    loadMore() {
      const { nextCursor, loading } = this.data;
      if (loading || !nextCursor) return Promise.resolve();
      return this.fetchPage(nextCursor);
    },

    async fetchPage(cursor) {
      this.requestSeq = (this.requestSeq || 0) + 1;
      const seq = this.requestSeq;
      const data = { limit: PAGE_SIZE };
      if (cursor) data.cursor = cursor;
      this.setData({ loading: true, error: '' });
      try {
        const { result } = await cloud.callFunction({ name: 'listOrders', data });
        if (seq !== this.requestSeq) return;
        const page = result.items.map(summary);
        this.setData({
          orders: cursor ? this.data.orders.concat(page) : page,
          nextCursor: result.nextCursor,
          loading: false,
          loaded: true,
        });
      } catch (err) {
        if (seq !== this.requestSeq) return;
        this.setData({ loading: false, error: errorText(err) });
      }
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/order/detail?id=${e.currentTarget.dataset.id}` });
    },
  },
});
