const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, wx, openPage, textOf, tap, reset } = require('./support/harness');
const { BILUOCHUN, SHIRT } = require('./support/catalog');
const cart = require('../utils/cart');

const TEA = { id: 'tea-longjing', name: '西湖龙井 250g', priceFen: 58800, images: ['tea.jpg'] };
const NUTS = { id: 'snack-nuts', name: '每日坚果', priceFen: 9900, images: ['nuts.jpg'] };

const order = (orderId, items) => ({
  orderId,
  status: 'PENDING_PAYMENT',
  items: items.map(({ productId, skuId = 'default', quantity }) => ({
    productId,
    skuId,
    name: productId,
    priceFen: 1,
    quantity,
    subtotalFen: quantity,
  })),
  totalFen: 0,
  createdAt: '2026-11-24T05:13:21.123Z',
  updatedAt: '2026-11-24T05:13:21.123Z',
  payBy: '2026-11-24T05:43:21.123Z',
});

beforeEach(() => {
  reset();
  cart.add(TEA, 2);
  cart.add(NUTS, 1);
});

test('the cart shows its lines and total from storage', async () => {
  const page = await openPage('pages/cart/cart');
  const text = textOf(page);
  assert.match(text, /西湖龙井 250g/);
  assert.match(text, /每日坚果/);
  assert.match(text, /¥1275\.00/); // 2 x 588.00 + 99.00
});

test('checkout submits the cart and pays the order submitOrder answers', async () => {
  sdk.handle('submitOrder', (data) => order('1001', data.items));
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  const [submit] = sdk.calls('submitOrder');
  assert.equal(wx.chooseAddress.mock.callCount(), 1, 'goods to ship: the address is asked first');
  assert.deepEqual(submit.data, {
    items: [
      { productId: 'tea-longjing', quantity: 2 },
      { productId: 'snack-nuts', quantity: 1 },
    ],
    expectedTotalFen: 127500,
    address: {
      userName: '张三',
      telNumber: '13800138000',
      provinceName: '广东省',
      cityName: '广州市',
      countyName: '天河区',
      detailInfo: '体育西路 103 号',
      postalCode: '510000',
    },
  });
  assert.equal(submit.idempotencyKey, 'checkout-key-1');
  assert.equal(sdk.pay.mock.callCount(), 1);
  assert.deepEqual(sdk.pay.mock.calls[0].arguments, ['1001']);
  assert.deepEqual(cart.load(), [], 'the ordered products leave the cart');
  assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/order/detail?id=1001');
});

test('a retried checkout sends the same idempotency key; the next checkout a new one', async () => {
  let attempts = 0;
  sdk.handle('submitOrder', (data) => {
    attempts += 1;
    if (attempts === 1) throw { errCode: -1, errMsg: 'cloud.callFunction:fail request:fail timeout' };
    return order(`100${attempts}`, data.items);
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');
  assert.match(textOf(page), /网络异常/);
  assert.equal(sdk.pay.mock.callCount(), 0, 'nothing is paid without an order');

  await tap(page, '.bar__submit');
  const keys = sdk.calls('submitOrder').map((c) => c.idempotencyKey);
  assert.deepEqual(keys, ['checkout-key-1', 'checkout-key-1']);
  assert.deepEqual(sdk.pay.mock.calls[0].arguments, ['1002']);

  cart.add(TEA, 1);
  page.instance.onShow();
  await tap(page, '.bar__submit');
  assert.equal(sdk.calls('submitOrder')[2].idempotencyKey, 'checkout-key-2');
});

test('a changed total is shown, and the retry confirms it under the same key', async () => {
  let attempts = 0;
  sdk.handle('getProduct', ({ id }) => ({ ...(id === TEA.id ? TEA : NUTS), priceFen: id === TEA.id ? 60000 : 9900 }));
  sdk.handle('submitOrder', (data) => {
    attempts += 1;
    if (attempts === 1) throw sdk.apiError(40902, 'the total changed', { totalFen: 129900 });
    return order('2001', data.items);
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');
  const text = textOf(page);
  assert.match(text, /商品价格有变动，现在合计 ¥1299\.00/);
  assert.match(text, /¥600\.00/, 'the new price of the line');
  assert.equal(sdk.pay.mock.callCount(), 0);

  await tap(page, '.bar__submit');
  const [first, second] = sdk.calls('submitOrder');
  assert.equal(first.data.expectedTotalFen, 127500);
  assert.equal(second.data.expectedTotalFen, 129900);
  assert.equal(second.idempotencyKey, first.idempotencyKey);
  assert.deepEqual(sdk.pay.mock.calls[0].arguments, ['2001']);
});

test('out of stock marks the short line and orders nothing', async () => {
  sdk.handle('submitOrder', () => {
    throw sdk.apiError(40901, 'not enough stock', {
      products: [{ productId: 'tea-longjing', skuId: 'default', reason: 'OUT_OF_STOCK', available: 1 }],
    });
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  const text = textOf(page);
  assert.match(text, /库存不足，仅剩 1 件/);
  assert.match(text, /部分商品无法购买/);
  assert.equal(sdk.pay.mock.callCount(), 0);
  assert.equal(cart.load().length, 2, 'the cart is kept');
});

test('a payment not completed still opens the order', async () => {
  sdk.handle('submitOrder', (data) => order('3001', data.items));
  sdk.pay.mock.mockImplementationOnce(async () => {
    throw { errCode: -2, errMsg: 'requestPayment:fail cancel' };
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  assert.ok(wx.toasts().includes('订单已创建，尚未支付'));
  assert.equal(wx.navigateTo.mock.calls[0].arguments[0].url, '/pages/order/detail?id=3001');
});

test('a refused address permission submits nothing and offers the settings', async () => {
  wx.chooseAddress.mock.mockImplementationOnce(() => Promise.reject({ errMsg: 'chooseAddress:fail auth deny' }));
  sdk.handle('submitOrder', (data) => order('4001', data.items));
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  assert.equal(sdk.calls('submitOrder').length, 0, 'no order without an address');
  assert.match(textOf(page), /授权通讯地址/);
  assert.match(textOf(page), /去设置中允许使用通讯地址/);
});

test('a cancelled address choice submits nothing and says nothing', async () => {
  wx.chooseAddress.mock.mockImplementationOnce(() => Promise.reject({ errMsg: 'chooseAddress:fail cancel' }));
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  assert.equal(sdk.calls('submitOrder').length, 0);
  assert.doesNotMatch(textOf(page), /授权/);
});

// The sample data's virtual good (data/products.json): no address is asked for it alone.
const GIFT_CARD = { id: 'digi-gift-card-100', name: '电子礼品卡 100 元', priceFen: 10000, images: [], fulfilment: 'virtual' };

test('a cart of virtual goods only is ordered without an address', async () => {
  reset();
  cart.add(GIFT_CARD, 1);
  sdk.handle('submitOrder', (data) => order('5001', data.items));
  const page = await openPage('pages/cart/cart');
  assert.equal(page.querySelector('.address'), undefined, 'no address to choose');

  await tap(page, '.bar__submit');

  assert.equal(wx.chooseAddress.mock.callCount(), 0);
  const [submit] = sdk.calls('submitOrder');
  assert.equal(submit.data.address, undefined);
});

test('a cart of virtual and physical goods asks for the address', async () => {
  cart.add(GIFT_CARD, 1);
  sdk.handle('submitOrder', (data) => order('5002', data.items));
  const page = await openPage('pages/cart/cart');
  assert.ok(page.querySelector('.address'));

  await tap(page, '.bar__submit');

  assert.equal(wx.chooseAddress.mock.callCount(), 1);
  assert.equal(sdk.calls('submitOrder')[0].data.address.userName, '张三');
});

const skuOf = (product, skuId) => product.skus.find((s) => s.skuId === skuId);

test('each SKU is its own line, shown with its spec values, and submitted with its skuId', async () => {
  cart.add(BILUOCHUN, 1, skuOf(BILUOCHUN, 'blc-250g-gift'));
  cart.add(BILUOCHUN, 2, skuOf(BILUOCHUN, 'blc-100g-can'));
  cart.add(BILUOCHUN, 1, skuOf(BILUOCHUN, 'blc-250g-gift'));
  sdk.handle('submitOrder', (data) => order('6001', data.items));
  const page = await openPage('pages/cart/cart');

  assert.equal(page.querySelectorAll('.line').length, 4);
  assert.deepEqual(
    page.querySelectorAll('.line__specs').map(textOf),
    ['250g / 礼盒', '100g / 罐装'],
    'spec values under the name; none for a product without variants',
  );
  assert.match(textOf(page), /¥2187\.00/); // 1275.00 + 2 x 328.00 + 2 x 128.00

  await tap(page, '.bar__submit');

  const [submit] = sdk.calls('submitOrder');
  assert.deepEqual(submit.data.items, [
    { productId: 'tea-longjing', quantity: 2 },
    { productId: 'snack-nuts', quantity: 1 },
    { productId: 'tea-biluochun', skuId: 'blc-250g-gift', quantity: 2 },
    { productId: 'tea-biluochun', skuId: 'blc-100g-can', quantity: 2 },
  ]);
  assert.equal(submit.data.expectedTotalFen, 218700);
  assert.deepEqual(cart.load(), [], 'every ordered SKU leaves the cart');
});

test('the quantity of one SKU leaves the other SKUs of the product alone', async () => {
  reset();
  cart.add(SHIRT, 1, skuOf(SHIRT, 'shirt-white-m'));
  cart.add(SHIRT, 1, skuOf(SHIRT, 'shirt-blue-m'));
  const page = await openPage('pages/cart/cart');

  page.querySelectorAll('.stepper__button')[3].dispatchEvent('tap'); // ＋ of the second line
  await tap(page, '.line__remove'); // × of the first line (the modal confirms)

  assert.deepEqual(
    cart.load().map((l) => [l.skuId, l.specText, l.quantity]),
    [['shirt-blue-m', '雾蓝 / M', 2]],
  );
});

test('a short SKU is marked on its own line, not on the product\'s other SKUs', async () => {
  reset();
  cart.add(SHIRT, 3, skuOf(SHIRT, 'shirt-blue-l'));
  cart.add(SHIRT, 1, skuOf(SHIRT, 'shirt-blue-m'));
  sdk.handle('submitOrder', () => {
    throw sdk.apiError(40901, 'not enough stock', {
      products: [{ productId: 'app-linen-shirt', skuId: 'shirt-blue-l', reason: 'OUT_OF_STOCK', available: 2 }],
    });
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  const lines = page.querySelectorAll('.line');
  assert.match(textOf(lines[0]), /雾蓝 \/ L.*库存不足，仅剩 2 件/);
  assert.doesNotMatch(textOf(lines[1]), /库存不足/);
  assert.equal(sdk.calls('submitOrder')[0].data.items[0].skuId, 'shirt-blue-l');
});

test('a changed total re-reads the price of each SKU', async () => {
  reset();
  cart.add(BILUOCHUN, 1, skuOf(BILUOCHUN, 'blc-100g-can'));
  cart.add(BILUOCHUN, 1, skuOf(BILUOCHUN, 'blc-250g-gift'));
  sdk.handle('getProduct', () => ({
    ...BILUOCHUN,
    skus: BILUOCHUN.skus.map((s) => (s.skuId === 'blc-100g-can' ? { ...s, priceFen: 13800 } : s)),
  }));
  sdk.handle('submitOrder', () => {
    throw sdk.apiError(40902, 'the total changed', { totalFen: 46600 });
  });
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  assert.equal(sdk.calls('getProduct').length, 1, 'one getProduct for the product of both lines');
  assert.deepEqual(
    cart.load().map((l) => [l.skuId, l.priceFen]),
    [
      ['blc-100g-can', 13800],
      ['blc-250g-gift', 32800],
    ],
  );
  assert.match(textOf(page), /现在合计 ¥466\.00/);
});

test('a cart stored before variants still works: its lines are the products\' only SKUs', async () => {
  reset();
  wx.setStorageSync('example-cart', [
    { productId: 'tea-longjing', name: '西湖龙井 250g', priceFen: 58800, image: '', fulfilment: 'physical', quantity: 1 },
  ]);
  sdk.handle('submitOrder', (data) => order('7001', data.items));
  const page = await openPage('pages/cart/cart');

  await tap(page, '.bar__submit');

  assert.deepEqual(sdk.calls('submitOrder')[0].data.items, [{ productId: 'tea-longjing', quantity: 1 }]);
  assert.deepEqual(cart.load(), []);
});

test('a product with several SKUs cannot be added without one', () => {
  assert.throws(() => cart.add(SHIRT, 1), /choose one/);
});
