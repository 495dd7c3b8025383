// Choosing a product's SKU from its specs (getProduct's `specs` and `skus`), without any page: the
// product page keeps `selected`, { specName: value } with a value for some of the specs, and asks
// this module what to show.
//
// A value is disabled when no SKU in stock has it together with the other selected values, so a
// selection made of enabled values always leads to an SKU in stock, and a sold-out SKU can never
// be chosen. A product without variants has no specs: its one SKU (`default`) is chosen already.

const DEFAULT_SKU = 'default';

/** The product's SKUs; one `default` SKU made from the product when it sends none. */
function skusOf(product) {
  if (product && Array.isArray(product.skus) && product.skus.length) return product.skus;
  return [{ skuId: DEFAULT_SKU, specValues: {}, priceFen: product.priceFen, stock: product.stock }];
}

function specsOf(product) {
  return (product && Array.isArray(product.specs) && product.specs) || [];
}

const inStock = (sku) => sku.stock > 0;

/** Whether the SKU has every value of `selected`. */
function matches(sku, selected) {
  const values = sku.specValues || {};
  return Object.keys(selected).every((name) => values[name] === selected[name]);
}

/** Whether some SKU in stock has every value of `selected`. */
function reachable(product, selected) {
  return skusOf(product).some((sku) => inStock(sku) && matches(sku, selected));
}

/** Whether `value` of spec `name` cannot lead to an SKU in stock, given the other selected values. */
function isDisabled(product, selected, name, value) {
  return !reachable(product, Object.assign({}, selected, { [name]: value }));
}

/** Whether every spec has a value. */
function isComplete(product, selected) {
  return specsOf(product).every((spec) => selected[spec.name] !== undefined);
}

/**
 * The picker's rows: [{ name, values: [{ value, selected, disabled }] }], one per spec, in the
 * product's order.
 */
function specRows(product, selected) {
  return specsOf(product).map((spec) => ({
    name: spec.name,
    values: spec.values.map((value) => ({
      value,
      selected: selected[spec.name] === value,
      disabled: isDisabled(product, selected, spec.name, value),
    })),
  }));
}

/**
 * The selection after a tap on `value` of spec `name`: a selected value is unselected, a disabled
 * one changes nothing, any other replaces the spec's value.
 */
function select(product, selected, name, value) {
  if (selected[name] === value) {
    const next = Object.assign({}, selected);
    delete next[name];
    return next;
  }
  if (isDisabled(product, selected, name, value)) return selected;
  return Object.assign({}, selected, { [name]: value });
}

/**
 * The chosen SKU: the one in stock with every selected value, once every spec has one; null while
 * a spec has none, or when that SKU is sold out.
 */
function chosenSku(product, selected) {
  if (!isComplete(product, selected)) return null;
  const sku = skusOf(product).find((s) => matches(s, selected));
  return sku && inStock(sku) ? sku : null;
}

/**
 * The selection kept after the product was loaded again: the values of its specs, as long as
 * together they still lead to an SKU in stock; otherwise nothing.
 */
function keepSelection(product, selected) {
  const kept = {};
  specsOf(product).forEach((spec) => {
    if (selected && spec.values.includes(selected[spec.name])) kept[spec.name] = selected[spec.name];
  });
  return reachable(product, kept) ? kept : {};
}

/** The specs without a value, for "请选择 颜色 尺码". */
function missingSpecs(product, selected) {
  return specsOf(product)
    .filter((spec) => selected[spec.name] === undefined)
    .map((spec) => spec.name);
}

/**
 * Spec values as a line shows them: '250g / 礼盒'. In the order of `specs` when given (the
 * product's), else in the object's own order; '' without any.
 */
function specText(specValues, specs) {
  const values = specValues || {};
  const names = specs && specs.length ? specs.map((s) => s.name).filter((n) => n in values) : Object.keys(values);
  return names.map((name) => values[name]).join(' / ');
}

module.exports = {
  DEFAULT_SKU,
  skusOf,
  matches,
  isDisabled,
  isComplete,
  specRows,
  select,
  chosenSku,
  keepSelection,
  missingSpecs,
  specText,
};
