// getProduct answers for the tests: the two variant products of the sample data
// (data/products.json) and a product without variants, with the fields the API derives from the
// SKUs (minPriceFen, maxPriceFen, stock, inStock, hasVariants).

const TIMES = { createdAt: '2026-11-24T05:13:21.123Z', updatedAt: '2026-11-24T05:13:21.123Z' };

/** A Product as getProduct answers it, from its own fields, specs and SKUs. */
function product({ specs = [], skus, ...fields }) {
  const prices = skus.map((s) => s.priceFen);
  return {
    description: '',
    images: [`https://cdn.example.com/products/${fields.id}/1.jpg`],
    status: 'ON_SALE',
    fulfilment: 'physical',
    sortOrder: 0,
    ...TIMES,
    ...fields,
    priceFen: Math.min(...prices),
    minPriceFen: Math.min(...prices),
    maxPriceFen: Math.max(...prices),
    stock: skus.reduce((n, s) => n + Math.max(0, s.stock), 0),
    inStock: skus.some((s) => s.stock > 0),
    hasVariants: specs.length > 0,
    specs,
    skus,
  };
}

/** A product's summary, as listProducts answers it (no specs, no SKUs). */
function summary(p) {
  const { specs, skus, ...rest } = p;
  return rest;
}

const BILUOCHUN = product({
  id: 'tea-biluochun',
  name: '洞庭碧螺春 明前一级',
  category: 'tea',
  specs: [
    { name: '规格', values: ['100g', '250g'] },
    { name: '包装', values: ['罐装', '礼盒'] },
  ],
  skus: [
    { skuId: 'blc-100g-can', specValues: { 规格: '100g', 包装: '罐装' }, priceFen: 12800, stock: 40 },
    { skuId: 'blc-100g-gift', specValues: { 规格: '100g', 包装: '礼盒' }, priceFen: 15800, stock: 30 },
    { skuId: 'blc-250g-can', specValues: { 规格: '250g', 包装: '罐装' }, priceFen: 29800, stock: 25 },
    {
      skuId: 'blc-250g-gift',
      specValues: { 规格: '250g', 包装: '礼盒' },
      priceFen: 32800,
      stock: 15,
      image: 'https://cdn.example.com/products/tea-biluochun/gift.jpg',
    },
  ],
});

const SHIRT_SIZES = ['S', 'M', 'L', 'XL'];
const SHIRT = product({
  id: 'app-linen-shirt',
  name: '亚麻休闲衬衫 长袖',
  category: 'apparel',
  specs: [
    { name: '颜色', values: ['米白', '雾蓝'] },
    { name: '尺码', values: SHIRT_SIZES },
  ],
  skus: [
    ...SHIRT_SIZES.map((size) => ({
      skuId: `shirt-white-${size.toLowerCase()}`,
      specValues: { 颜色: '米白', 尺码: size },
      priceFen: size === 'XL' ? 16900 : 15900,
      stock: 30,
    })),
    ...SHIRT_SIZES.map((size) => ({
      skuId: `shirt-blue-${size.toLowerCase()}`,
      specValues: { 颜色: '雾蓝', 尺码: size },
      priceFen: size === 'XL' ? 16900 : 15900,
      // 雾蓝 XL is sold out; 雾蓝 L has two left
      stock: { L: 2, XL: 0 }[size] ?? 30,
    })),
  ],
});

const LONGJING = product({
  id: 'tea-longjing',
  name: '西湖龙井 250g',
  description: '明前特级',
  category: 'tea',
  skus: [{ skuId: 'default', specValues: {}, priceFen: 58800, stock: 5 }],
});

module.exports = { product, summary, BILUOCHUN, SHIRT, LONGJING };
