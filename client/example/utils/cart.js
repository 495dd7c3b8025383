// The cart, kept in local storage: [{ productId, name, priceFen, image, fulfilment, quantity }]. Prices here
// are only what the user was shown; the server prices every order from the catalog.

const STORAGE_KEY = 'example-cart';
const MAX_QUANTITY = 99; // the API takes 1 to 99 of a product per order

function load() {
  const lines = wx.getStorageSync(STORAGE_KEY);
  return Array.isArray(lines) ? lines : [];
}

function save(lines) {
  wx.setStorageSync(STORAGE_KEY, lines);
  return lines;
}

const clamp = (n) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(n) || 1));

function add(product, quantity = 1) {
  const lines = load();
  const line = lines.find((l) => l.productId === product.id);
  if (line) {
    line.quantity = clamp(line.quantity + quantity);
  } else {
    lines.push({
      productId: product.id,
      name: product.name,
      priceFen: product.priceFen,
      image: (product.images && product.images[0]) || '',
      // 'virtual' goods (gift cards, courses) need no delivery address
      fulfilment: product.fulfilment || 'physical',
      quantity: clamp(quantity),
    });
  }
  return save(lines);
}

function setQuantity(productId, quantity) {
  return save(load().map((l) => (l.productId === productId ? { ...l, quantity: clamp(quantity) } : l)));
}

/** Updates the shown price of products: { productId: priceFen }. */
function setPrices(prices) {
  return save(load().map((l) => (prices[l.productId] === undefined ? l : { ...l, priceFen: prices[l.productId] })));
}

function remove(productIds) {
  const ids = [].concat(productIds);
  return save(load().filter((l) => !ids.includes(l.productId)));
}

function total(lines) {
  return lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
}

module.exports = { MAX_QUANTITY, load, add, setQuantity, setPrices, remove, total };
