// One product of the catalog (the API's Product), as a tappable card opening its detail page.
Component({
  properties: {
    product: { type: Object, value: {} },
  },
});
