const { formatTime, orderStatusText } = require('../../utils/format');
const { pagedMethods } = require('../../utils/paging');

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

  methods: Object.assign({}, pagedMethods({ name: 'listOrders', list: 'orders', map: summary }), {
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

    onOpen(e) {
      wx.navigateTo({ url: `/pages/order/detail?id=${e.currentTarget.dataset.id}` });
    },
  }),
});
