const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, openPage, textOf, tap, settle, reset } = require('./support/harness');
const { BILUOCHUN, SHIRT, summary } = require('./support/catalog');

// A product without variants, as listProducts answers it.
const product = (id, name, priceFen, category = 'tea') => ({
  id,
  name,
  description: '',
  priceFen,
  minPriceFen: priceFen,
  maxPriceFen: priceFen,
  stock: 10,
  inStock: true,
  hasVariants: false,
  category,
  images: [`https://cdn.example.com/products/${id}/1.jpg`],
  status: 'ON_SALE',
  fulfilment: 'physical',
  sortOrder: 0,
  createdAt: '2026-11-24T05:13:21.123Z',
  updatedAt: '2026-11-24T05:13:21.123Z',
});

beforeEach(reset);

test('the product list renders the names and prices listProducts answers', async () => {
  sdk.handle('listProducts', () => ({
    items: [product('tea-longjing', '西湖龙井 250g', 58800), product('tea-oolong', '铁观音 500g', 16805)],
    nextCursor: null,
  }));
  const page = await openPage('pages/index/index');

  const text = textOf(page);
  assert.match(text, /西湖龙井 250g/);
  assert.match(text, /¥588\.00/);
  assert.match(text, /铁观音 500g/);
  assert.match(text, /¥168\.05/);
  assert.doesNotMatch(text, / - ¥/, 'one price without variants');
  assert.doesNotMatch(text, /已售罄/);
  assert.equal(page.querySelectorAll('.grid__cell').length, 2);
  assert.match(text, /没有更多了/);
  assert.equal(page.querySelector('.more'), undefined);
  assert.deepEqual(sdk.calls('listProducts')[0].data, { limit: 10 });
});

test('load more appends the next page, asked with nextCursor', async () => {
  sdk.handle('listProducts', (data) =>
    data.cursor === 'cursor-2'
      ? { items: [product('p3', '第三件', 300)], nextCursor: null }
      : { items: [product('p1', '第一件', 100), product('p2', '第二件', 200)], nextCursor: 'cursor-2' },
  );
  const page = await openPage('pages/index/index');
  assert.equal(page.querySelectorAll('.grid__cell').length, 2);
  assert.doesNotMatch(textOf(page), /第三件/);

  await tap(page, '.more');

  assert.deepEqual(sdk.calls('listProducts')[1].data, { limit: 10, cursor: 'cursor-2' });
  const text = textOf(page);
  assert.equal(page.querySelectorAll('.grid__cell').length, 3);
  assert.ok(text.indexOf('第一件') < text.indexOf('第三件'), 'the next page comes after the first');
  assert.match(text, /¥3\.00/);
  assert.match(text, /没有更多了/);
  assert.equal(page.querySelector('.more'), undefined);
});

test('a category chip lists that category from its first page', async () => {
  sdk.handle('listProducts', (data) =>
    data.category === 'snacks'
      ? { items: [product('s1', '坚果礼盒', 9900, 'snacks')], nextCursor: null }
      : { items: [product('p1', '第一件', 100)], nextCursor: 'cursor-2' },
  );
  const page = await openPage('pages/index/index');

  page.querySelectorAll('.chip')[2].dispatchEvent('tap');
  await settle();

  assert.deepEqual(sdk.calls('listProducts')[1].data, { limit: 10, category: 'snacks' });
  const text = textOf(page);
  assert.match(text, /坚果礼盒/);
  assert.doesNotMatch(text, /第一件/);
  assert.ok(page.querySelectorAll('.chip')[2].dom.className.includes('chip--active'));
});

test('a failed listing says so', async () => {
  sdk.handle('listProducts', () => {
    throw sdk.apiError(50302, 'storage unavailable');
  });
  const page = await openPage('pages/index/index');
  assert.match(textOf(page), /服务暂时不可用.*req-test/);
});

test('a product with variants shows its price range, and one with nothing in stock 已售罄', async () => {
  const soldOut = { ...summary(SHIRT), stock: 0, inStock: false };
  sdk.handle('listProducts', () => ({ items: [summary(BILUOCHUN), soldOut], nextCursor: null }));
  const page = await openPage('pages/index/index');

  const [tea, shirt] = page.querySelectorAll('.grid__cell').map(textOf);
  assert.match(tea, /洞庭碧螺春 明前一级 ?¥128\.00 - ¥328\.00/);
  assert.doesNotMatch(tea, /售罄/);
  assert.match(shirt, /¥159\.00 - ¥169\.00/);
  assert.match(shirt, /已售罄/);
});
