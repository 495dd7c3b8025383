const cloud = require('wx-serverless');
const cart = require('../../utils/cart');
const picker = require('../../utils/sku');
const { errorText, showError } = require('../../utils/errors');

// One product: images, price, stock, its spec picker, add to cart, and its share code (a
// mini-program code that opens this page with the product id as `scene`; the backend's
// SHARE_CODE_PAGE is this page).
//
// The picker (utils/sku.js) shows a row of values per spec; a value that cannot lead to an SKU in
// stock with the other chosen values is disabled. Once every spec has a value, the SKU's price,
// stock and image show and the stepper stops at its stock; 加入购物车 waits for that. A product
// without variants has no specs: its one SKU is chosen from the start.
Component({
  data: {
    product: null,
    error: '',
    // the picker: { specName: value }, its rows, and the SKU once chosen (null until then)
    selected: {},
    specRows: [],
    sku: null,
    chosenText: '',
    missingText: '',
    // what the page shows: the SKU's price and stock once chosen, the product's range and total before
    priceFen: 0,
    maxPriceFen: 0,
    stock: 0,
    inStock: false,
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
          inStock: picker.skusOf(result).some((s) => s.stock > 0),
        });
        // A refresh keeps the choice while it still leads to an SKU in stock.
        this.showChoice(result, picker.keepSelection(result, this.data.selected));
        wx.setNavigationBarTitle({ title: result.name });
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },

    /** Shows the picker for `selected`, and the chosen SKU's price, stock and image once there is one. */
    showChoice(product, selected) {
      const sku = picker.chosenSku(product, selected);
      const minPriceFen = product.minPriceFen || product.priceFen;
      const maxQuantity = Math.max(1, Math.min(cart.MAX_QUANTITY, sku ? sku.stock : product.stock));
      this.setData({
        selected,
        specRows: picker.specRows(product, selected),
        sku,
        chosenText: sku ? picker.specText(sku.specValues, product.specs) : '',
        missingText: picker.missingSpecs(product, selected).join(' '),
        priceFen: sku ? sku.priceFen : minPriceFen,
        maxPriceFen: sku ? 0 : product.maxPriceFen || minPriceFen,
        stock: sku ? sku.stock : product.stock,
        maxQuantity,
        quantity: Math.min(this.data.quantity, maxQuantity),
      });
    },

    onChooseValue(e) {
      const { spec, value } = e.currentTarget.dataset;
      const { product, selected } = this.data;
      const next = picker.select(product, selected, spec, value);
      if (next === selected) return; // a disabled value
      this.showChoice(product, next);
    },

    onMinus() {
      this.setData({ quantity: Math.max(1, this.data.quantity - 1) });
    },

    onPlus() {
      this.setData({ quantity: Math.min(this.data.maxQuantity, this.data.quantity + 1) });
    },

    onAddToCart() {
      const { product, sku, quantity, missingText } = this.data;
      if (!sku) {
        wx.showToast({ title: `请选择 ${missingText}`, icon: 'none' });
        return;
      }
      cart.add(product, quantity, sku);
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
