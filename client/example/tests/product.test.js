const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, wx, openPage, textOf, tap, settle, reset } = require('./support/harness');
const { LONGJING, SHIRT, BILUOCHUN } = require('./support/catalog');
const cart = require('../utils/cart');

const CATALOG = { [LONGJING.id]: LONGJING, [SHIRT.id]: SHIRT, [BILUOCHUN.id]: BILUOCHUN };

beforeEach(() => {
  reset();
  sdk.handle('getProduct', ({ id }) => CATALOG[id] || { ...LONGJING, id });
});

/** The picker's value chip showing `text` (the first one). */
function chip(page, text) {
  const found = page.querySelectorAll('.spec__value').find((c) => textOf(c) === text);
  if (!found) throw new Error(`no value ${text}`);
  return found;
}

async function choose(page, text) {
  chip(page, text).dispatchEvent('tap');
  await settle();
}

const isDisabled = (node) => node.dom.className.includes('spec__value--disabled');
const isSelected = (node) => node.dom.className.includes('spec__value--selected');
const addIsOff = (page) => page.querySelector('.add-to-cart').dom.className.includes('actions__button--off');

test('the detail page shows the product and adds the chosen quantity to the cart', async () => {
  const page = await openPage('pages/product/detail', { id: 'tea-longjing' });
  assert.match(textOf(page), /西湖龙井 250g.*明前特级/);
  assert.match(textOf(page), /¥588\.00/);
  assert.equal(page.querySelector('.picker'), undefined, 'no specs, no picker');
  assert.equal(addIsOff(page), false, 'its one SKU is chosen already');

  await tap(page, '.minus'); // stays at 1
  await tap(page, '.plus');
  await tap(page, '.plus');
  await tap(page, '.minus');
  await tap(page, '.add-to-cart');

  assert.deepEqual(
    cart.load().map((l) => [l.productId, l.skuId, l.quantity, l.priceFen]),
    [['tea-longjing', 'default', 2, 58800]],
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
  sdk.handle('getProduct', ({ id }) => ({ ...LONGJING, id, status: 'OFF_SALE' }));
  const page = await openPage('pages/product/detail', { id: 'tea-longjing' });
  assert.match(textOf(page), /已下架/);
  assert.equal(page.querySelector('.add-to-cart'), undefined);
});

test('a product with variants waits for every spec, then shows and adds that SKU', async () => {
  const page = await openPage('pages/product/detail', { id: 'app-linen-shirt' });
  let text = textOf(page);
  assert.match(text, /¥159\.00 - ¥169\.00/, 'the price range until an SKU is chosen');
  assert.match(text, /请选择 颜色 尺码/);
  assert.ok(addIsOff(page), '加入购物车 waits for an SKU');
  await tap(page, '.add-to-cart');
  assert.deepEqual(cart.load(), [], 'nothing is added without an SKU');
  assert.ok(wx.toasts().includes('请选择 颜色 尺码'));

  await choose(page, '雾蓝');
  assert.ok(isSelected(chip(page, '雾蓝')));
  assert.ok(isDisabled(chip(page, 'XL')), '雾蓝 XL is sold out');
  assert.equal(isDisabled(chip(page, 'L')), false);
  await choose(page, 'XL');
  assert.equal(isSelected(chip(page, 'XL')), false, 'a disabled value cannot be chosen');
  assert.ok(addIsOff(page));

  await choose(page, 'L');
  text = textOf(page);
  assert.match(text, /已选 雾蓝 \/ L/);
  assert.match(text, /¥159\.00/);
  assert.doesNotMatch(text, /¥169\.00/, 'one price once the SKU is chosen');
  assert.match(text, /库存 2 件/);
  assert.equal(addIsOff(page), false);

  // The stepper stops at the SKU's stock.
  await tap(page, '.plus');
  await tap(page, '.plus');
  await tap(page, '.plus');
  assert.equal(textOf(page.querySelector('.stepper__value')), '2');

  await tap(page, '.add-to-cart');
  assert.deepEqual(cart.load(), [
    {
      productId: 'app-linen-shirt',
      skuId: 'shirt-blue-l',
      specText: '雾蓝 / L',
      name: '亚麻休闲衬衫 长袖',
      priceFen: 15900,
      image: 'https://cdn.example.com/products/app-linen-shirt/1.jpg',
      fulfilment: 'physical',
      quantity: 2,
    },
  ]);
  assert.ok(wx.toasts().includes('已加入购物车'));
});

test('another SKU of the same product is another cart line; the same SKU adds to its line', async () => {
  const page = await openPage('pages/product/detail', { id: 'tea-biluochun' });
  await choose(page, '250g');
  await choose(page, '礼盒');
  assert.match(textOf(page), /¥328\.00/);
  assert.ok(page.querySelector('.picker__image'), 'the SKU has its own image');
  assert.equal(page.data.sku.image, 'https://cdn.example.com/products/tea-biluochun/gift.jpg');
  await tap(page, '.add-to-cart');

  await choose(page, '罐装');
  assert.match(textOf(page), /¥298\.00/);
  assert.match(textOf(page), /已选 250g \/ 罐装/);
  assert.equal(page.querySelector('.picker__image'), undefined, 'this SKU has no image');
  await tap(page, '.add-to-cart');
  await choose(page, '礼盒');
  await tap(page, '.add-to-cart');

  assert.deepEqual(
    cart.load().map((l) => [l.skuId, l.specText, l.priceFen, l.quantity, l.image]),
    [
      ['blc-250g-gift', '250g / 礼盒', 32800, 2, 'https://cdn.example.com/products/tea-biluochun/gift.jpg'],
      ['blc-250g-can', '250g / 罐装', 29800, 1, 'https://cdn.example.com/products/tea-biluochun/1.jpg'],
    ],
  );
});

test('a product with no SKU in stock is sold out', async () => {
  sdk.handle('getProduct', () => ({
    ...SHIRT,
    stock: 0,
    inStock: false,
    skus: SHIRT.skus.map((s) => ({ ...s, stock: 0 })),
  }));
  const page = await openPage('pages/product/detail', { id: 'app-linen-shirt' });
  assert.match(textOf(page.querySelector('.actions')), /已售罄/);
  assert.equal(page.querySelector('.add-to-cart'), undefined);
  assert.ok(page.querySelectorAll('.spec__value').every(isDisabled));
});
