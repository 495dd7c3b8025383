const { test } = require('node:test');
const assert = require('node:assert/strict');
const picker = require('../utils/sku');
const { BILUOCHUN, SHIRT, LONGJING } = require('./support/catalog');

/** The disabled values of each spec: { specName: [value] }. */
const disabled = (product, selected) =>
  Object.fromEntries(
    picker.specRows(product, selected).map((row) => [row.name, row.values.filter((v) => v.disabled).map((v) => v.value)]),
  );

test('the rows follow the specs, with the selected value marked', () => {
  const rows = picker.specRows(BILUOCHUN, { 规格: '250g' });
  assert.deepEqual(
    rows.map((r) => [r.name, r.values.map((v) => `${v.value}${v.selected ? '*' : ''}`)]),
    [
      ['规格', ['100g', '250g*']],
      ['包装', ['罐装', '礼盒']],
    ],
  );
});

test('a value is disabled when no SKU in stock has it with the other selected values', () => {
  // Nothing chosen: every value leads to some SKU in stock (米白 XL is there).
  assert.deepEqual(disabled(SHIRT, {}), { 颜色: [], 尺码: [] });
  // 雾蓝 chosen: its XL is sold out.
  assert.deepEqual(disabled(SHIRT, { 颜色: '雾蓝' }), { 颜色: [], 尺码: ['XL'] });
  // XL chosen: only 米白 has one; the other colour is judged with XL, the sizes with 雾蓝.
  assert.deepEqual(disabled(SHIRT, { 尺码: 'XL' }), { 颜色: ['雾蓝'], 尺码: [] });
  assert.deepEqual(disabled(SHIRT, { 颜色: '米白', 尺码: 'M' }), { 颜色: [], 尺码: [] });
});

test('a combination with no SKU at all is disabled too', () => {
  const sparse = { ...BILUOCHUN, skus: BILUOCHUN.skus.filter((s) => s.skuId !== 'blc-100g-gift') };
  assert.deepEqual(disabled(sparse, { 规格: '100g' }), { 规格: [], 包装: ['礼盒'] });
  assert.deepEqual(disabled(sparse, { 包装: '礼盒' }), { 规格: ['100g'], 包装: [] });
});

test('every spec chosen is the SKU with those values; until then none', () => {
  let selected = {};
  assert.equal(picker.chosenSku(BILUOCHUN, selected), null);
  assert.deepEqual(picker.missingSpecs(BILUOCHUN, selected), ['规格', '包装']);

  selected = picker.select(BILUOCHUN, selected, '包装', '礼盒');
  assert.equal(picker.chosenSku(BILUOCHUN, selected), null, 'one spec of two');
  assert.deepEqual(picker.missingSpecs(BILUOCHUN, selected), ['规格']);

  selected = picker.select(BILUOCHUN, selected, '规格', '250g');
  const sku = picker.chosenSku(BILUOCHUN, selected);
  assert.equal(sku.skuId, 'blc-250g-gift');
  assert.equal(sku.priceFen, 32800);
  assert.equal(picker.specText(sku.specValues, BILUOCHUN.specs), '250g / 礼盒');

  // Another value of a spec replaces it; the selected one again unselects it.
  selected = picker.select(BILUOCHUN, selected, '规格', '100g');
  assert.equal(picker.chosenSku(BILUOCHUN, selected).skuId, 'blc-100g-gift');
  selected = picker.select(BILUOCHUN, selected, '规格', '100g');
  assert.deepEqual(selected, { 包装: '礼盒' });
  assert.equal(picker.chosenSku(BILUOCHUN, selected), null);
});

test('a sold-out SKU cannot be chosen', () => {
  const blue = picker.select(SHIRT, {}, '颜色', '雾蓝');
  assert.equal(picker.select(SHIRT, blue, '尺码', 'XL'), blue, 'XL of 雾蓝 is refused');
  const xl = picker.select(SHIRT, {}, '尺码', 'XL');
  assert.equal(picker.select(SHIRT, xl, '颜色', '雾蓝'), xl, '雾蓝 with XL is refused');
  assert.equal(picker.chosenSku(SHIRT, { 颜色: '雾蓝', 尺码: 'XL' }), null, 'even when asked directly');
  assert.equal(picker.chosenSku(SHIRT, { 颜色: '米白', 尺码: 'XL' }).skuId, 'shirt-white-xl');
});

test('a product without variants has its one SKU chosen from the start', () => {
  assert.deepEqual(picker.specRows(LONGJING, {}), []);
  assert.equal(picker.isComplete(LONGJING, {}), true);
  assert.equal(picker.chosenSku(LONGJING, {}).skuId, 'default');
  // Without skus (an older answer), the product itself is its default SKU.
  const { specs, skus, ...bare } = LONGJING;
  assert.deepEqual(picker.chosenSku(bare, {}), { skuId: 'default', specValues: {}, priceFen: 58800, stock: 5 });
  assert.equal(picker.chosenSku({ ...LONGJING, skus: [{ ...LONGJING.skus[0], stock: 0 }] }, {}), null);
});

test('a reloaded product keeps the choice only while it leads to an SKU in stock', () => {
  assert.deepEqual(picker.keepSelection(SHIRT, { 颜色: '雾蓝', 尺码: 'L' }), { 颜色: '雾蓝', 尺码: 'L' });
  const soldOut = { ...SHIRT, skus: SHIRT.skus.map((s) => (s.skuId === 'shirt-blue-l' ? { ...s, stock: 0 } : s)) };
  assert.deepEqual(picker.keepSelection(soldOut, { 颜色: '雾蓝', 尺码: 'L' }), {});
  assert.deepEqual(picker.keepSelection(SHIRT, { 颜色: '黑', 材质: '麻' }), {}, 'values it does not have are dropped');
});

test('spec values as text follow the specs, else their own order', () => {
  assert.equal(picker.specText({ 包装: '礼盒', 规格: '250g' }, BILUOCHUN.specs), '250g / 礼盒');
  assert.equal(picker.specText({ 包装: '礼盒', 规格: '250g' }), '礼盒 / 250g');
  assert.equal(picker.specText({}), '');
  assert.equal(picker.specText(undefined), '');
});
