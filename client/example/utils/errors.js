// What to tell the user about a failed call. The SDK rejects with
// { errCode, errMsg: 'cloud.callFunction:fail <message>', requestID } (and `data` when the API
// sent some); the codes are the API's (docs/errors.md).

const MESSAGES = {
  40003: '列表已过期，请下拉刷新',
  40005: '部分商品已下架，请调整购物车',
  40012: '手机号授权已失效，请重新点击授权',
  40013: '内容未通过微信内容安全检查，请修改后再试',
  40301: '该账号暂时无法使用',
  40401: '内容不存在或已删除',
  40901: '部分商品库存不足',
  40902: '商品价格有变动，请确认新的金额',
  40903: '这次结算已经生成过订单，请到「订单」查看',
  40904: '订单已无法取消，请刷新',
  40905: '未支付的订单太多，请先支付或取消之前的订单',
  40906: '上传空间已满',
  40907: '订单已无法支付（已关闭或已支付），请刷新',
  40908: '订单当前无法退款，请刷新',
  41301: '内容太长了',
  42901: '操作太频繁，请稍后再试',
  42902: '操作太频繁，请稍后再试',
  42903: '操作太频繁，请稍后再试',
};

/** The API's own message, without the SDK's prefix. */
function serverMessage(err) {
  return String((err && err.errMsg) || '').replace(/^[\w.]+:fail\s*/, '');
}

/** A short Chinese message for a rejected SDK call. */
function errorText(err) {
  const code = err && err.errCode;
  if (MESSAGES[code]) return MESSAGES[code];
  if (code >= 40100 && code < 40200) return '登录已失效，请重试';
  if (code >= 50000 && code < 60000) {
    // 5xx messages carry no internals: the request id finds the log line.
    return `服务暂时不可用，请稍后再试${err.requestID ? `（请求 ID：${err.requestID}）` : ''}`;
  }
  if (code >= 40000 && code < 50000) return serverMessage(err) || '请求有误';
  return '网络异常，请检查网络后重试';
}

function showError(err) {
  wx.showToast({ title: errorText(err), icon: 'none', duration: 3000 });
}

module.exports = { errorText, serverMessage, showError };
