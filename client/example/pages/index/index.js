const { pagedMethods } = require('../../utils/paging');

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
const paging = pagedMethods({
  name: 'listProducts',
  list: 'items',
  query() {
    return this.data.category ? { category: this.data.category } : {};
  },
});

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

  methods: Object.assign({}, paging, {
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
  }),
});
