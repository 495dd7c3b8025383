// A mocked `wx`: in-memory storage and recorded UI calls.
const { mock } = require('node:test');

const storage = new Map();

function asyncApi(answer = {}) {
  return mock.fn((options = {}) => {
    const res = typeof answer === 'function' ? answer(options) : answer;
    if (options.success) options.success(res);
    if (options.complete) options.complete(res);
    return Promise.resolve(res);
  });
}

const wx = {
  getStorageSync: mock.fn((key) => (storage.has(key) ? JSON.parse(storage.get(key)) : '')),
  setStorageSync: mock.fn((key, value) => {
    storage.set(key, JSON.stringify(value));
  }),
  removeStorageSync: mock.fn((key) => {
    storage.delete(key);
  }),
  showToast: asyncApi(),
  showLoading: asyncApi(),
  hideLoading: asyncApi(),
  showModal: asyncApi({ confirm: true, cancel: false }),
  navigateTo: asyncApi(),
  redirectTo: asyncApi(),
  switchTab: asyncApi(),
  stopPullDownRefresh: asyncApi(),
  setNavigationBarTitle: asyncApi(),
  previewImage: asyncApi(),
  setClipboardData: asyncApi(),
  chooseAddress: asyncApi({
    userName: '张三',
    telNumber: '13800138000',
    provinceName: '广东省',
    cityName: '广州市',
    countyName: '天河区',
    detailInfo: '体育西路 103 号',
    postalCode: '510000',
    errMsg: 'chooseAddress:ok',
  }),
  openSetting: asyncApi({ authSetting: { 'scope.address': true } }),
  // two photos from the album; tests answer other choices with mockImplementationOnce
  chooseMedia: asyncApi({
    type: 'image',
    tempFiles: [
      { tempFilePath: 'http://tmp/one.jpg', size: 120000, fileType: 'image' },
      { tempFilePath: 'http://tmp/two.png', size: 80000, fileType: 'image' },
    ],
    errMsg: 'chooseMedia:ok',
  }),

  reset() {
    storage.clear();
    for (const value of Object.values(wx)) {
      if (value && value.mock) {
        value.mock.restore();
        value.mock.resetCalls();
      }
    }
  },
  /** The titles of every toast shown. */
  toasts() {
    return wx.showToast.mock.calls.map((c) => c.arguments[0].title);
  },
};

module.exports = wx;
