const { fenToYuan } = require('../../utils/format');

// A price in yuan, from integer fen: <price fen="{{58800}}" /> shows ¥588.00. With a higher
// max-fen it is a range: <price fen="{{12800}}" max-fen="{{32800}}" /> shows ¥128.00 - ¥328.00.
Component({
  properties: {
    fen: { type: Number, value: 0 },
    // the top of a range (a product's SKU prices); none, or not above fen, is one price
    maxFen: { type: Number, value: 0 },
    // 'normal' or 'large'
    size: { type: String, value: 'normal' },
  },
  data: {
    yuan: fenToYuan(0),
    maxYuan: '',
  },
  observers: {
    'fen, maxFen': function show(fen, maxFen) {
      this.setData({ yuan: fenToYuan(fen), maxYuan: maxFen > fen ? fenToYuan(maxFen) : '' });
    },
  },
});
