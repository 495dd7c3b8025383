const { fenToYuan } = require('../../utils/format');

// A price in yuan, from integer fen: <price fen="{{58800}}" /> shows ¥588.00.
Component({
  properties: {
    fen: { type: Number, value: 0 },
    // 'normal' or 'large'
    size: { type: String, value: 'normal' },
  },
  data: {
    yuan: fenToYuan(0),
  },
  observers: {
    fen(fen) {
      this.setData({ yuan: fenToYuan(fen) });
    },
  },
});
