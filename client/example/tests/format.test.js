const { test } = require('node:test');
const assert = require('node:assert/strict');
const { fenToYuan } = require('../utils/format');

test('fen become yuan with two decimals', () => {
  assert.equal(fenToYuan(58800), '588.00');
  assert.equal(fenToYuan(16805), '168.05');
  assert.equal(fenToYuan(5), '0.05');
  assert.equal(fenToYuan(0), '0.00');
  assert.equal(fenToYuan(-1250), '-12.50');
  assert.equal(fenToYuan(123456789), '1234567.89');
});
