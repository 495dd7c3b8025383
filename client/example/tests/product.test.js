const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, wx, openPage, textOf, tap, reset } = require('./support/harness');
const cart = require('../utils/cart');

const TEA = {
  id: 'tea-longjing',
  name: '西湖龙井 250g',
  description: '明前特级',
  priceFen: 58800,
  stock: 5,
  category: 'tea',
  images: ['https://cdn.example.com/1.jpg'],
  status: 'ON_SALE',
  sortOrder: 10,
  createdAt: '2026-11-24T05:13:21.123Z',
  updatedAt: '2026-11-24T05:13:21.123Z',
};

beforeEach(() => {
  reset();
  sdk.handle('getProduct', ({ id }) => ({ ...TEA, id }));
});

test('the detail page shows the product and adds the chosen quantity to the cart', async () => {
  const page = await openPage('pages/product/detail', { id: 'tea-longjing' });
  assert.match(textOf(page), /西湖龙井 250g.*明前特级/);
  assert.match(textOf(page), /¥588\.00/);

  await tap(page, '.minus'); // stays at 1
  await tap(page, '.plus');
  await tap(page, '.plus');
  await tap(page, '.minus');
  await tap(page, '.add-to-cart');

  assert.deepEqual(
    cart.load().map((l) => [l.productId, l.quantity, l.priceFen]),
    [['tea-longjing', 2, 58800]],
  );
  assert.ok(wx.toasts().includes('已加入购物车'));
});

test('a share code opens the page with the product id as scene, and shows its code image', async () => {
  sdk.handle('getProductCode', ({ id }) => ({ productId: id, url: `https://files.example.cn/codes/${id}.png`, expiresAt: '' }));
  const page = await openPage('pages/product/detail', { scene: encodeURIComponent('tea-longjing') });
  assert.deepEqual(sdk.calls('getProduct')[0].data, { id: 'tea-longjing' });
  assert.equal(page.querySelector('.share__code'), undefined);

  await tap(page, '.share__button');

  assert.deepEqual(sdk.calls('getProductCode')[0].data, { id: 'tea-longjing' });
  assert.equal(page.data.codeUrl, 'https://files.example.cn/codes/tea-longjing.png');
  assert.ok(page.querySelector('.share__code'));
});

test('a product off sale cannot be added', async () => {
  sdk.handle('getProduct', ({ id }) => ({ ...TEA, id, status: 'OFF_SALE' }));
  const page = await openPage('pages/product/detail', { id: 'tea-longjing' });
  assert.match(textOf(page), /已下架/);
  assert.equal(page.querySelector('.add-to-cart'), undefined);
});
