const cloud = require('wx-serverless');
const { errorText, showError } = require('../../utils/errors');
const { carrierName } = require('../../utils/delivery');
const {
  TRACKING_NO,
  CARRIER_CODE,
  canApply,
  openRequest,
  requestView,
  carrierOptions,
  fieldError,
  conflictOf,
} = require('../../utils/after-sales');

/** An empty return parcel form. */
const newForm = () => ({ carrierIndex: -1, carrierName: '', otherCarrier: '', trackingNo: '', carrierError: '', trackingError: '', notice: '' });

// The after-sales requests of one order (?id=, and &number= to point one out), newest first: each
// one's type, status, lines, amount, reason and photos, the reject reason or the refund's trouble;
// 撤销 (cancelAfterSales) while it is REQUESTED or APPROVED, and for an approved return the parcel
// the goods go back in (carrier + tracking number: returnAfterSales).
Component({
  data: {
    order: null,
    // requestView()s, newest first, each with its return parcel `form` when it takes one
    requests: [],
    // the request the page was opened for
    focus: 0,
    // photo key -> a download URL (getFileUrl)
    photoUrls: {},
    carriers: carrierOptions(),
    canApply: false,
    loaded: false,
    busy: false,
    error: '',
  },

  methods: {
    onLoad(query) {
      this.orderId = query.id || '';
      this.setData({ focus: Number(query.number) || 0 });
    },

    onShow() {
      this.load();
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      if (!this.orderId) {
        this.setData({ error: '缺少订单号' });
        return;
      }
      try {
        const [{ result: order }, { result: list }] = await Promise.all([
          cloud.callFunction({ name: 'getOrder', data: { id: this.orderId } }),
          cloud.callFunction({ name: 'listAfterSales', data: { id: this.orderId } }),
        ]);
        this.order = order;
        this.items = list.items;
        this.show();
        this.loadPhotos();
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },

    /** Shows this.items, keeping the parcel forms being filled in. */
    show() {
      const forms = {};
      this.data.requests.forEach((r) => {
        if (r.form) forms[r.number] = r.form;
      });
      const requests = this.items
        .slice()
        .reverse()
        .map((request) => {
          const view = requestView(request, this.order);
          view.form = view.canReturn ? forms[view.number] || newForm() : null;
          return view;
        });
      this.setData({
        order: this.order,
        requests,
        canApply: canApply(this.order) && !openRequest(this.items),
        loaded: true,
        error: '',
      });
    },

    /** The photos' download URLs, in one getFileUrl; without them the page shows none. */
    async loadPhotos() {
      const keys = [...new Set(this.items.reduce((all, r) => all.concat(r.photos || []), []))].filter(
        (key) => !this.data.photoUrls[key],
      );
      if (!keys.length) return;
      try {
        const { result } = await cloud.callFunction({ name: 'getFileUrl', data: { keys: keys.slice(0, 50).join(',') } });
        const urls = {};
        (result.files || []).forEach((file) => {
          if (file.status === 'OK') urls[file.key] = file.url;
        });
        this.setData({ photoUrls: Object.assign({}, this.data.photoUrls, urls) });
      } catch (err) {
        // the photos stay hidden
      }
    },

    onPreviewPhoto(e) {
      const { number, key } = e.currentTarget.dataset;
      const request = this.data.requests.find((r) => r.number === Number(number));
      const urls = ((request && request.photos) || []).map((k) => this.data.photoUrls[k]).filter(Boolean);
      wx.previewImage({ current: this.data.photoUrls[key], urls });
    },

    /** Replaces one request with the API's answer for it. */
    replace(request) {
      this.items = this.items.map((r) => (r.number === request.number ? request : r));
      this.show();
    },

    indexOf(number) {
      return this.data.requests.findIndex((r) => r.number === Number(number));
    },

    async onCancel(e) {
      const number = Number(e.currentTarget.dataset.number);
      if (this.data.busy) return;
      const { confirm } = await wx.showModal({ title: '撤销申请', content: `确定撤销售后单 #${number} 吗？撤销后可以重新申请。` });
      if (!confirm) return;
      this.setData({ busy: true });
      try {
        const { result } = await cloud.callFunction({ name: 'cancelAfterSales', data: { id: this.orderId, number: String(number) } });
        this.replace(result);
        wx.showToast({ title: '已撤销', icon: 'success' });
      } catch (err) {
        if (err && err.errCode === 40910) wx.showToast({ title: conflictOf(err).text, icon: 'none', duration: 3000 });
        else showError(err);
        this.load();
      }
      this.setData({ busy: false });
    },

    // --- the return parcel -----------------------------------------------------------------------

    onCarrierChange(e) {
      const index = this.indexOf(e.currentTarget.dataset.number);
      const carrierIndex = Number(e.detail.value);
      const carrier = this.data.carriers[carrierIndex];
      if (index < 0 || !carrier) return;
      this.setData({
        [`requests[${index}].form.carrierIndex`]: carrierIndex,
        [`requests[${index}].form.carrierName`]: carrier.name,
        [`requests[${index}].form.carrierError`]: '',
      });
    },

    onOtherCarrierInput(e) {
      const index = this.indexOf(e.currentTarget.dataset.number);
      if (index < 0) return;
      this.setData({ [`requests[${index}].form.otherCarrier`]: e.detail.value, [`requests[${index}].form.carrierError`]: '' });
    },

    onTrackingNoInput(e) {
      const index = this.indexOf(e.currentTarget.dataset.number);
      if (index < 0) return;
      this.setData({ [`requests[${index}].form.trackingNo`]: e.detail.value, [`requests[${index}].form.trackingError`]: '' });
    },

    async onSendBack(e) {
      const number = Number(e.currentTarget.dataset.number);
      const index = this.indexOf(number);
      if (index < 0 || this.data.busy) return;
      const { form } = this.data.requests[index];
      const chosen = this.data.carriers[form.carrierIndex];
      const carrier = chosen ? (chosen.code || form.otherCarrier.trim()) : '';
      // Tracking numbers are often copied with spaces.
      const trackingNo = form.trackingNo.replace(/\s+/g, '');
      const carrierError = !chosen
        ? '请选择快递公司'
        : CARRIER_CODE.test(carrier)
          ? ''
          : '请填写快递公司编码（字母或数字，如 ZJS）';
      const trackingError = !trackingNo ? '请填写快递单号' : TRACKING_NO.test(trackingNo) ? '' : '快递单号只能包含字母、数字、- 和 _';
      const at = `requests[${index}].form`;
      if (carrierError || trackingError) {
        this.setData({ [`${at}.carrierError`]: carrierError, [`${at}.trackingError`]: trackingError, [`${at}.notice`]: '' });
        return;
      }
      const { confirm } = await wx.showModal({ title: '确认寄回信息', content: `${carrierName(carrier)} ${trackingNo}` });
      if (!confirm) return;
      this.setData({ busy: true, [`${at}.carrierError`]: '', [`${at}.trackingError`]: '', [`${at}.notice`]: '' });
      try {
        const { result } = await cloud.callFunction({
          name: 'returnAfterSales',
          data: { id: this.orderId, number: String(number), carrier, trackingNo },
        });
        this.replace(result);
        wx.showToast({ title: '已提交寄回信息', icon: 'success' });
      } catch (err) {
        this.explainReturn(err, at);
      }
      this.setData({ busy: false });
    },

    /** Shows why returnAfterSales refused, next to the field it names. */
    explainReturn(err, at) {
      if (err && err.errCode === 40002) {
        const { target, text } = fieldError(err);
        if (target === 'carrier') this.setData({ [`${at}.carrierError`]: text });
        else if (target === 'trackingNo') this.setData({ [`${at}.trackingError`]: text });
        else this.setData({ [`${at}.notice`]: text });
        return;
      }
      if (err && err.errCode === 40910) {
        this.setData({ [`${at}.notice`]: conflictOf(err).text });
        this.load();
        return;
      }
      this.setData({ [`${at}.notice`]: errorText(err) });
    },

    onApply() {
      wx.navigateTo({ url: `/pages/after-sales/apply?id=${this.orderId}` });
    },
  },
});
