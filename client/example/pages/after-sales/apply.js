const cloud = require('wx-serverless');
const { specText } = require('../../utils/sku');
const { lineKey } = require('../../utils/delivery');
const { errorText } = require('../../utils/errors');
const { contentTypeOf } = require('../../utils/media');
const {
  REASON_MAX,
  MAX_PHOTOS,
  TYPES,
  canApply,
  reasonLength,
  openRequest,
  availableUnits,
  fieldError,
  conflictOf,
} = require('../../utils/after-sales');

const NO_ERRORS = { type: '', lines: '', reason: '', photos: '' };

const TYPE_HINTS = {
  refund: '未收到货，或不需要退回商品',
  return_refund: '已收到货，需要把商品寄回',
};

// 申请售后 for one order (?id=): 仅退款 or 退货退款, which lines and how many (at most what was
// bought less what other requests hold), a reason (200 characters at most) and up to 9 photos, each
// uploaded at once with purpose `review` (their keys go with the request), then requestAfterSales.
// The API's refusals show next to the field they name (40002), or say why no request can be made
// now (40910: the order's status, the window closed, or a request still open: linked to).
Component({
  data: {
    order: null,
    // the order's lines: [{ key, productId, skuId, name, specText, priceFen, bought, available,
    // selected, quantity }]
    lines: [],
    types: Object.keys(TYPES).map((value) => ({ value, text: TYPES[value], hint: TYPE_HINTS[value] })),
    type: 'refund',
    reason: '',
    reasonLength: 0,
    reasonMax: REASON_MAX,
    // [{ id, path, key, progress (0-100), status: 'uploading' | 'done' | 'failed' | 'refused' (by
    // the API: not the buyer's own review upload) }]
    photos: [],
    maxPhotos: MAX_PHOTOS,
    // the refund of the chosen units at the prices paid (the API's answer decides)
    amountFen: 0,
    errors: NO_ERRORS,
    // line key -> why the API refused that line
    lineErrors: {},
    notice: '',
    // a request of this order still waiting (the list, or 40910 open): linked to
    openNumber: 0,
    submitting: false,
    error: '',
  },

  methods: {
    onLoad(query) {
      this.orderId = query.id || '';
      this.photoSeq = 0;
      this.uploads = {};
      this.load();
    },

    onUnload() {
      // Uploads still under way are of no use any more.
      Object.keys(this.uploads || {}).forEach((id) => this.abortUpload(id));
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
        this.show(order, list.items);
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },

    show(order, requests) {
      const available = availableUnits(order, requests);
      const open = openRequest(requests);
      const lines = order.items.map((item) => {
        const key = lineKey(item);
        return {
          key,
          productId: item.productId,
          skuId: item.skuId,
          name: item.name,
          specText: specText(item.specValues),
          priceFen: item.priceFen,
          bought: item.quantity,
          available: available[key],
          boughtText: `购买 ${item.quantity} 件${available[key] < item.quantity ? `，可申请 ${available[key]} 件` : ''}`,
          // one line: chosen already
          selected: order.items.length === 1 && available[key] > 0,
          quantity: available[key],
        };
      });
      this.setData({
        order,
        lines,
        // Nothing has left a PAID order: the money back is what fits.
        type: order.status === 'PAID' ? 'refund' : this.data.type,
        openNumber: open ? open.number : 0,
        notice: open
          ? conflictOf({ data: { reason: 'open', number: open.number } }).text
          : canApply(order)
            ? ''
            : conflictOf({ data: { reason: 'status', status: order.status } }).text,
        error: '',
      });
      this.updateAmount();
    },

    updateAmount() {
      const amountFen = this.data.lines
        .filter((l) => l.selected)
        .reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
      this.setData({ amountFen });
    },

    clearError(name) {
      if (this.data.errors[name]) this.setData({ [`errors.${name}`]: '' });
    },

    onChooseType(e) {
      this.setData({ type: e.currentTarget.dataset.type });
      this.clearError('type');
    },

    onToggleLine(e) {
      const index = e.currentTarget.dataset.index;
      const line = this.data.lines[index];
      if (!line || !line.available) return;
      this.setData({
        [`lines[${index}].selected`]: !line.selected,
        [`lineErrors.${line.key}`]: '',
        'errors.lines': '',
      });
      this.updateAmount();
    },

    onMinus(e) {
      this.changeQuantity(e.currentTarget.dataset.index, -1);
    },

    onPlus(e) {
      this.changeQuantity(e.currentTarget.dataset.index, 1);
    },

    /** Between 1 and what can still be asked of the line; a change selects it. */
    changeQuantity(index, step) {
      const line = this.data.lines[index];
      if (!line || !line.available) return;
      const quantity = Math.min(line.available, Math.max(1, line.quantity + step));
      this.setData({
        [`lines[${index}].quantity`]: quantity,
        [`lines[${index}].selected`]: true,
        [`lineErrors.${line.key}`]: '',
        'errors.lines': '',
      });
      this.updateAmount();
    },

    onReasonInput(e) {
      const reason = e.detail.value;
      this.setData({ reason, reasonLength: reasonLength(reason) });
      this.clearError('reason');
    },

    // --- photos ----------------------------------------------------------------------------------

    async onChoosePhotos() {
      const room = MAX_PHOTOS - this.data.photos.length;
      if (room <= 0) return;
      let chosen;
      try {
        chosen = await wx.chooseMedia({ count: room, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'] });
      } catch (err) {
        return; // cancelled
      }
      const files = ((chosen && chosen.tempFiles) || []).slice(0, room);
      if (!files.length) return;
      const added = files.map((file) => {
        this.photoSeq += 1;
        return { id: `photo-${this.photoSeq}`, path: file.tempFilePath, size: file.size, key: '', progress: 0, status: 'uploading' };
      });
      this.setData({ photos: this.data.photos.concat(added), 'errors.photos': '' });
      await Promise.all(added.map((photo) => this.upload(photo)));
    },

    /** Uploads one photo (purpose review) and keeps its key, showing its progress. */
    async upload(photo) {
      const task = cloud.uploadFile({
        filePath: photo.path,
        contentType: contentTypeOf(photo.path),
        size: photo.size || undefined,
        purpose: 'review',
        onProgress: ({ progress }) => this.updatePhoto(photo.id, { progress }),
      });
      this.uploads[photo.id] = task;
      try {
        const { key } = await task;
        this.updatePhoto(photo.id, { key, progress: 100, status: 'done' });
      } catch (err) {
        this.updatePhoto(photo.id, { status: 'failed' });
      }
      delete this.uploads[photo.id];
    },

    /** Sets fields of the photo `id`, if it is still there. */
    updatePhoto(id, fields) {
      const index = this.data.photos.findIndex((p) => p.id === id);
      if (index < 0) return;
      const changes = {};
      Object.keys(fields).forEach((name) => {
        changes[`photos[${index}].${name}`] = fields[name];
      });
      this.setData(changes);
    },

    abortUpload(id) {
      const task = this.uploads[id];
      delete this.uploads[id];
      if (task && typeof task.abort === 'function') task.abort();
    },

    onRemovePhoto(e) {
      const { id } = e.currentTarget.dataset;
      this.abortUpload(id);
      this.setData({ photos: this.data.photos.filter((p) => p.id !== id), 'errors.photos': '' });
    },

    onTapPhoto(e) {
      const photo = this.data.photos.find((p) => p.id === e.currentTarget.dataset.id);
      if (!photo) return;
      if (photo.status === 'failed') {
        this.updatePhoto(photo.id, { status: 'uploading', progress: 0 });
        this.upload(photo);
        return;
      }
      wx.previewImage({ current: photo.path, urls: this.data.photos.map((p) => p.path) });
    },

    // --- submit ----------------------------------------------------------------------------------

    /** What the form lacks before it can be sent: { errors, ok }. */
    check() {
      const errors = Object.assign({}, NO_ERRORS);
      if (!this.data.types.some((t) => t.value === this.data.type)) errors.type = '请选择售后类型';
      if (!this.data.lines.some((l) => l.selected)) errors.lines = '请选择要售后的商品';
      const length = reasonLength(this.data.reason.trim());
      if (!length) errors.reason = '请填写售后原因';
      else if (length > REASON_MAX) errors.reason = `原因最多 ${REASON_MAX} 字`;
      const { photos } = this.data;
      if (photos.some((p) => p.status === 'uploading')) errors.photos = '图片还在上传，请稍候';
      else if (photos.some((p) => p.status === 'failed')) errors.photos = '有图片上传失败，请点击重试或删除';
      else if (photos.some((p) => p.status === 'refused')) errors.photos = '有图片无法使用，请删除后重新添加';
      return { errors, ok: !Object.keys(errors).some((name) => errors[name]) };
    },

    async onSubmit() {
      if (this.data.submitting || !this.data.order) return;
      const { errors, ok } = this.check();
      if (!ok) {
        this.setData({ errors, lineErrors: {}, notice: '' });
        return;
      }
      const sent = this.data.lines.filter((l) => l.selected);
      const data = {
        id: this.orderId,
        type: this.data.type,
        lines: sent.map((l) => ({ productId: l.productId, skuId: l.skuId, quantity: l.quantity })),
        reason: this.data.reason.trim(),
      };
      const photos = this.data.photos.map((p) => p.key);
      if (photos.length) data.photos = photos;

      this.setData({ submitting: true, errors: NO_ERRORS, lineErrors: {}, notice: '', openNumber: 0 });
      try {
        const { result } = await cloud.callFunction({ name: 'requestAfterSales', data });
        this.setData({ submitting: false });
        wx.showToast({ title: result.status === 'REFUNDING' ? '已提交，正在退款' : '已提交售后申请', icon: 'success' });
        wx.redirectTo({ url: `/pages/after-sales/list?id=${this.orderId}&number=${result.number}` });
      } catch (err) {
        this.setData({ submitting: false });
        this.explain(err, sent);
      }
    },

    /** Shows why requestAfterSales refused, next to the field it names. */
    explain(err, sent) {
      switch (err && err.errCode) {
        case 40002: {
          const { target, index, text } = fieldError(err);
          if (target === 'line' && sent[index]) {
            this.setData({ [`lineErrors.${sent[index].key}`]: text });
          } else if (target === 'photo') {
            const photo = this.data.photos[index];
            if (photo) this.updatePhoto(photo.id, { status: 'refused' });
            this.setData({ 'errors.photos': text });
          } else if (target === 'line') {
            this.setData({ 'errors.lines': text });
          } else if (['type', 'lines', 'reason', 'photos'].includes(target)) {
            this.setData({ [`errors.${target}`]: text });
          } else {
            this.setData({ notice: text });
          }
          break;
        }
        case 40013:
          this.setData({ 'errors.reason': '原因未通过微信内容安全检查，请修改后再提交' });
          break;
        case 40910: {
          const { text, openNumber } = conflictOf(err);
          this.setData({ notice: text, openNumber });
          break;
        }
        default:
          this.setData({ notice: errorText(err) });
      }
    },

    onOpenRequest() {
      const number = this.data.openNumber;
      wx.navigateTo({ url: `/pages/after-sales/list?id=${this.orderId}${number ? `&number=${number}` : ''}` });
    },
  },
});
