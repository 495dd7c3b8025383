const cloud = require('wx-serverless');
const { errorText } = require('../../utils/errors');

const PAGE_SIZE = 10;

// The categories of the sample catalog (data/products.json); '' is every category.
const CATEGORIES = [
  { value: '', label: '全部' },
  { value: 'tea', label: '茶叶' },
  { value: 'snacks', label: '零食' },
  { value: 'stationery', label: '文具' },
  { value: 'home', label: '家居' },
  { value: 'digital', label: '数码' },
  { value: 'apparel', label: '服饰' },
];

// The product list: a page of listProducts at a time, more on "加载更多" or at the bottom.
Component({
  data: {
    categories: CATEGORIES,
    category: '',
    items: [],
    nextCursor: null,
    loading: false,
    loaded: false,
    error: '',
  },

  methods: {
    onLoad() {
      this.reload();
    },

    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      this.loadMore();
    },

    onShareAppMessage() {
      return { title: 'wx-serverless 示例商城', path: '/pages/index/index' };
    },

    onCategoryTap(e) {
      const { category } = e.currentTarget.dataset;
      if (category === this.data.category) return;
      this.setData({ category });
      this.reload();
    },

    reload() {
      this.setData({ items: [], nextCursor: null, loaded: false, error: '' });
      return this.fetchPage(null);
    },

    loadMore() {
      const { nextCursor, loading } = this.data;
      if (loading || !nextCursor) return Promise.resolve();
      return this.fetchPage(nextCursor);
    },

    async fetchPage(cursor) {
      // A newer request (another category, a refresh) wins over one still under way.
      this.requestSeq = (this.requestSeq || 0) + 1;
      const seq = this.requestSeq;
      const data = { limit: PAGE_SIZE };
      if (cursor) data.cursor = cursor;
      if (this.data.category) data.category = this.data.category;
      this.setData({ loading: true, error: '' });
      try {
        const { result } = await cloud.callFunction({ name: 'listProducts', data });
        if (seq !== this.requestSeq) return;
        this.setData({
          items: cursor ? this.data.items.concat(result.items) : result.items,
          nextCursor: result.nextCursor,
          loading: false,
          loaded: true,
        });
      } catch (err) {
        if (seq !== this.requestSeq) return;
        this.setData({ loading: false, error: errorText(err) });
      }
    },
  },
});
