const cloud = require('wx-serverless');
const cart = require('../../utils/cart');
const { errorText, showError } = require('../../utils/errors');

// One product: images, price, stock, add to cart, and its share code (a mini-program code that
// opens this page with the product id as `scene`; the backend's SHARE_CODE_PAGE is this page).
Component({
  data: {
    product: null,
    error: '',
    quantity: 1,
    maxQuantity: cart.MAX_QUANTITY,
    codeUrl: '',
    codeLoading: false,
  },

  methods: {
    onLoad(query) {
      // From a share code the id comes as the URL-encoded `scene`.
      this.productId = query.id || decodeURIComponent(query.scene || '');
      this.load();
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    onShareAppMessage() {
      const { product } = this.data;
      return {
        title: product ? product.name : '示例商城',
        path: `/pages/product/detail?id=${this.productId}`,
      };
    },

    async load() {
      try {
        const { result } = await cloud.callFunction({ name: 'getProduct', data: { id: this.productId } });
        this.setData({
          product: result,
          error: '',
          maxQuantity: Math.max(1, Math.min(cart.MAX_QUANTITY, result.stock)),
        });
        wx.setNavigationBarTitle({ title: result.name });
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },

    onMinus() {
      this.setData({ quantity: Math.max(1, this.data.quantity - 1) });
    },

    onPlus() {
      this.setData({ quantity: Math.min(this.data.maxQuantity, this.data.quantity + 1) });
    },

    onAddToCart() {
      cart.add(this.data.product, this.data.quantity);
      wx.showToast({ title: '已加入购物车', icon: 'success' });
    },

    onGoToCart() {
      wx.switchTab({ url: '/pages/cart/cart' });
    },

    async onShowCode() {
      if (this.data.codeLoading) return;
      this.setData({ codeLoading: true });
      try {
        const { result } = await cloud.callFunction({ name: 'getProductCode', data: { id: this.productId } });
        this.setData({ codeUrl: result.url });
      } catch (err) {
        showError(err);
      }
      this.setData({ codeLoading: false });
    },

    onPreviewCode() {
      wx.previewImage({ urls: [this.data.codeUrl] });
    },
  },
});
