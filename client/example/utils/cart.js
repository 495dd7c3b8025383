// The cart, kept in local storage: one line per SKU,
// [{ productId, skuId, specText, name, priceFen, image, fulfilment, quantity }]. A line is known by
// its key, productId#skuId (keyOf). Prices here are only what the user was shown; the server
// prices every order from the catalog.

const { DEFAULT_SKU, skusOf, specText } = require('./sku');

const STORAGE_KEY = 'example-cart';
const MAX_QUANTITY = 99; // the API takes 1 to 99 of an SKU per order

/** A line's key: its product and SKU (`default` for a product without variants). */
const keyOf = (line) => `${line.productId}#${line.skuId || DEFAULT_SKU}`;

function load() {
  const lines = wx.getStorageSync(STORAGE_KEY);
  // Lines stored before variants have no skuId: the product's only SKU.
  return Array.isArray(lines) ? lines.map((l) => (l.skuId ? l : { ...l, skuId: DEFAULT_SKU, specText: '' })) : [];
}

function save(lines) {
  wx.setStorageSync(STORAGE_KEY, lines);
  return lines;
}

const clamp = (n) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(n) || 1));

/**
 * Adds `quantity` of an SKU of the product (getProduct's answer). Without `sku`, the product's
 * only one (a product with several needs its SKU). The same SKU again adds to its line.
 */
function add(product, quantity = 1, sku = null) {
  if (!sku) {
    const skus = skusOf(product);
    if (skus.length !== 1) throw new Error(`cart.add: ${product.id} has ${skus.length} SKUs, choose one`);
    [sku] = skus;
  }
  const lines = load();
  const skuId = sku.skuId || DEFAULT_SKU;
  const line = lines.find((l) => l.productId === product.id && l.skuId === skuId);
  if (line) {
    line.quantity = clamp(line.quantity + quantity);
  } else {
    lines.push({
      productId: product.id,
      skuId,
      // '250g / 礼盒', in the order of the product's specs; '' without variants
      specText: specText(sku.specValues, product.specs),
      name: product.name,
      priceFen: sku.priceFen,
      image: sku.image || (product.images && product.images[0]) || '',
      // 'virtual' goods (gift cards, courses) need no delivery address
      fulfilment: product.fulfilment || 'physical',
      quantity: clamp(quantity),
    });
  }
  return save(lines);
}

function setQuantity(key, quantity) {
  return save(load().map((l) => (keyOf(l) === key ? { ...l, quantity: clamp(quantity) } : l)));
}

/** Updates the shown price of lines: { key: priceFen }. */
function setPrices(prices) {
  return save(load().map((l) => (prices[keyOf(l)] === undefined ? l : { ...l, priceFen: prices[keyOf(l)] })));
}

/** Removes the lines of the given keys (one or an array). */
function remove(keys) {
  const gone = [].concat(keys);
  return save(load().filter((l) => !gone.includes(keyOf(l))));
}

function total(lines) {
  return lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
}

module.exports = { MAX_QUANTITY, keyOf, load, add, setQuantity, setPrices, remove, total };
