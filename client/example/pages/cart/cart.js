const cloud = require('wx-serverless');
const cart = require('../../utils/cart');
const { DEFAULT_SKU, skusOf } = require('../../utils/sku');
const { fenToYuan } = require('../../utils/format');
const { errorText } = require('../../utils/errors');

const SHORTAGE = {
  OUT_OF_STOCK: (s) => (s.available > 0 ? `库存不足，仅剩 ${s.available} 件` : '已售罄'),
  OFF_SALE: () => '已下架',
  NOT_FOUND: () => '商品不存在',
};

// The cart (kept in storage, one line per SKU: productId#skuId) and checkout: the delivery address
// (wx.chooseAddress, when a line is a physical good), submitOrder with each line's skuId, then
// cloud.pay.
//
// A checkout is one Idempotency-Key (cloud.newCheckoutKey()), made on the first tap and sent with
// every retry of it: a retry after a timeout, a lost answer or a refused total can never make a
// second order. The key is dropped once an order exists.
Component({
  data: {
    lines: [],
    totalFen: 0,
    remark: '',
    // wx.chooseAddress's answer, once chosen; needed when a line is a physical good
    address: null,
    needsAddress: false,
    // the user refused the address permission: the page offers the settings
    addressDenied: false,
    // line key (productId#skuId) -> why it cannot be ordered (40901, 40005)
    problems: {},
    notice: '',
    submitting: false,
  },

  methods: {
    onShow() {
      this.refresh();
    },

    refresh(extra = {}) {
      const lines = cart.load().map((l) => ({ ...l, key: cart.keyOf(l) }));
      const needsAddress = lines.some((l) => l.fulfilment !== 'virtual');
      this.setData({ lines, totalFen: cart.total(lines), needsAddress, ...extra });
    },

    /**
     * Asks the user for a delivery address (wx.chooseAddress). Answers it, or null when the user
     * cancelled or refused the permission (then the page offers the settings).
     */
    async chooseAddress() {
      try {
        const chosen = await wx.chooseAddress();
        const { errMsg, ...address } = chosen;
        this.setData({ address, addressDenied: false });
        return address;
      } catch (err) {
        const message = (err && err.errMsg) || '';
        if (/auth|authorize|permission/i.test(message)) {
          this.setData({ addressDenied: true, notice: '需要您授权通讯地址才能下单，请在设置中允许' });
        }
        return null;
      }
    },

    onChooseAddress() {
      return this.chooseAddress();
    },

    async onOpenSetting() {
      const { authSetting = {} } = await wx.openSetting();
      if (authSetting['scope.address']) {
        this.setData({ addressDenied: false, notice: '' });
        await this.chooseAddress();
      }
    },

    onMinus(e) {
      const line = this.data.lines[e.currentTarget.dataset.index];
      this.changeQuantity(line, line.quantity - 1);
    },

    onPlus(e) {
      const line = this.data.lines[e.currentTarget.dataset.index];
      this.changeQuantity(line, line.quantity + 1);
    },

    changeQuantity(line, quantity) {
      cart.setQuantity(line.key, quantity);
      this.refresh({ problems: { ...this.data.problems, [line.key]: '' } });
    },

    async onRemove(e) {
      const line = this.data.lines[e.currentTarget.dataset.index];
      const { confirm } = await wx.showModal({ title: '移出购物车', content: line.name });
      if (!confirm) return;
      cart.remove(line.key);
      this.refresh({ problems: { ...this.data.problems, [line.key]: '' } });
    },

    onRemarkInput(e) {
      this.setData({ remark: e.detail.value });
    },

    onGoShopping() {
      wx.switchTab({ url: '/pages/index/index' });
    },

    async onCheckout() {
      const { lines, totalFen, submitting } = this.data;
      if (submitting || !lines.length) return;
      let { address } = this.data;
      if (this.data.needsAddress && !address) {
        address = await this.chooseAddress();
        if (!address) return;
      }
      if (!this.checkoutKey) this.checkoutKey = cloud.newCheckoutKey();

      const data = {
        // One line per SKU; no skuId is the product's only SKU (`default`, a product without variants).
        items: lines.map((l) =>
          l.skuId && l.skuId !== DEFAULT_SKU
            ? { productId: l.productId, skuId: l.skuId, quantity: l.quantity }
            : { productId: l.productId, quantity: l.quantity },
        ),
        // The total the user saw: if prices changed meanwhile, nothing is ordered (40902).
        expectedTotalFen: totalFen,
      };
      const remark = this.data.remark.trim();
      if (remark) data.remark = remark;
      if (this.data.needsAddress) data.address = address;

      this.setData({ submitting: true, notice: '', problems: {} });
      let order;
      try {
        ({ result: order } = await cloud.callFunction({ name: 'submitOrder', data, idempotencyKey: this.checkoutKey }));
      } catch (err) {
        await this.explain(err);
        this.setData({ submitting: false });
        return;
      }

      // The order exists: this checkout is over.
      this.checkoutKey = null;
      cart.remove(order.items.map((i) => cart.keyOf(i)));
      this.refresh({ remark: '' });
      try {
        await cloud.pay(order.orderId);
        wx.showToast({ title: '支付成功', icon: 'success' });
      } catch (err) {
        // Cancelled, failed or not confirmed in time: the order waits for payment until payBy.
        wx.showToast({ title: '订单已创建，尚未支付', icon: 'none' });
      }
      this.setData({ submitting: false });
      wx.navigateTo({ url: `/pages/order/detail?id=${order.orderId}` });
    },

    /** Shows why submitOrder failed; the checkout key stays for the retry unless noted. */
    async explain(err) {
      const data = err.data || {};
      switch (err.errCode) {
        case 40901: // not enough stock
        case 40005: { // unknown or off sale
          // Each names its product and SKU; one without an SKU is about every line of its product.
          const problems = {};
          (data.products || []).forEach((s) => {
            this.data.lines
              .filter((l) => l.productId === s.productId && (!s.skuId || s.skuId === l.skuId))
              .forEach((l) => {
                problems[l.key] = (SHORTAGE[s.reason] || SHORTAGE.NOT_FOUND)(s);
              });
          });
          this.setData({ problems, notice: '部分商品无法购买，请调整后再提交' });
          break;
        }
        case 40902: {
          // The prices changed: show the new ones, and submit the new total on the next tap.
          await this.refreshPrices();
          const newTotal = typeof data.totalFen === 'number' ? data.totalFen : this.data.totalFen;
          this.setData({
            totalFen: newTotal,
            notice: `商品价格有变动，现在合计 ¥${fenToYuan(newTotal)}，请确认后再次提交`,
          });
          break;
        }
        case 40903:
          // The key already made an order (an earlier answer was lost) for another cart.
          this.checkoutKey = null;
          this.setData({ notice: errorText(err) });
          break;
        case 40013:
          this.setData({ notice: '备注未通过微信内容安全检查，请修改备注' });
          break;
        case 40002:
          if (/address/.test(String(err.errMsg || ''))) {
            // The address was refused (a field too long, a number that is not a phone's): choose again.
            this.setData({ address: null, notice: `收货地址有误：${errorText(err)}` });
            break;
          }
          this.setData({ notice: errorText(err) });
          break;
        default:
          this.setData({ notice: errorText(err) });
      }
    },

    /** Re-reads the price of every SKU in the cart, one getProduct per product. */
    async refreshPrices() {
      const prices = {};
      const productIds = [...new Set(this.data.lines.map((l) => l.productId))];
      await Promise.all(
        productIds.map(async (id) => {
          try {
            const { result } = await cloud.callFunction({ name: 'getProduct', data: { id } });
            const skus = skusOf(result);
            this.data.lines
              .filter((l) => l.productId === id)
              .forEach((l) => {
                const sku = skus.find((s) => s.skuId === l.skuId) || (skus.length === 1 ? skus[0] : null);
                if (sku) prices[l.key] = sku.priceFen;
              });
          } catch (err) {
            // keep the old price; the next submit tells
          }
        }),
      );
      cart.setPrices(prices);
      this.refresh();
    },
  },
});
