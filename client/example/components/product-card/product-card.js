// One product of the catalog (the API's ProductSummary), as a tappable card opening its detail
// page: its price range (the lowest and highest SKU price) and 已售罄 when no SKU is in stock.
Component({
  properties: {
    product: { type: Object, value: {} },
  },
});
