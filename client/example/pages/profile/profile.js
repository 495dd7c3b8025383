const cloud = require('wx-serverless');
const config = require('../../config');
const { errorText, showError } = require('../../utils/errors');
const { contentTypeOf } = require('../../utils/media');

// The caller's profile: avatar (chooseAvatar -> uploadFile -> updateUserInfo {avatarKey}),
// nickname (type="nickname" input -> updateUserInfo {nickname}, through WeChat's content check),
// phone number (getPhoneNumber -> cloud.bindPhone), subscribe messages, and logout.
Component({
  data: {
    user: null,
    loading: false,
    error: '',
    nicknameError: '',
    avatarUploading: false,
    subscribeIds: [],
  },

  methods: {
    onLoad() {
      const templates = config.subscribeTemplates || {};
      this.setData({ subscribeIds: Object.keys(templates).map((k) => templates[k]).filter(Boolean) });
    },

    onShow() {
      if (!this.loggedOut) this.loadUser();
    },

    async loadUser() {
      this.loggedOut = false;
      this.setData({ loading: true, error: '' });
      try {
        const { result } = await cloud.callFunction({ name: 'getUserInfo' });
        this.setData({ user: result, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) });
      }
    },

    async onChooseAvatar(e) {
      const filePath = e.detail.avatarUrl;
      if (!filePath || this.data.avatarUploading) return;
      this.setData({ avatarUploading: true });
      try {
        const { key } = await cloud.uploadFile({ filePath, contentType: contentTypeOf(filePath), purpose: 'avatar' });
        const { result } = await cloud.callFunction({ name: 'updateUserInfo', data: { avatarKey: key } });
        this.setData({ user: result });
        wx.showToast({ title: '头像已更新', icon: 'success' });
      } catch (err) {
        showError(err);
      }
      this.setData({ avatarUploading: false });
    },

    async onNicknameSubmit(e) {
      const nickname = String(e.detail.value.nickname || '').trim();
      if (!nickname) {
        this.setData({ nicknameError: '请输入昵称' });
        return;
      }
      if (this.data.user && nickname === this.data.user.nickname) return;
      this.setData({ nicknameError: '' });
      try {
        const { result } = await cloud.callFunction({ name: 'updateUserInfo', data: { nickname } });
        this.setData({ user: result });
        wx.showToast({ title: '昵称已保存', icon: 'success' });
      } catch (err) {
        this.setData({
          nicknameError:
            err.errCode === 40013 ? '这个昵称未通过微信内容安全检查，请换一个' : errorText(err),
        });
      }
    },

    async onGetPhoneNumber(e) {
      if (!e.detail.code) {
        // The user declined, or the mini-program may not ask (it must be verified, 已认证).
        wx.showToast({ title: '未授权手机号', icon: 'none' });
        return;
      }
      try {
        const { phone } = await cloud.bindPhone(e);
        this.setData({ 'user.phone': phone });
        wx.showToast({ title: '手机号已绑定', icon: 'success' });
      } catch (err) {
        showError(err);
      }
    },

    async onSubscribe() {
      const ids = this.data.subscribeIds;
      if (!ids.length) return;
      try {
        const { accepted } = await cloud.subscribe(ids);
        wx.showToast({ title: accepted.length ? `已订阅 ${accepted.length} 项通知` : '未订阅', icon: 'none' });
      } catch (err) {
        showError(err);
      }
    },

    async onLogout() {
      const { confirm } = await wx.showModal({ title: '退出登录', content: '确定退出登录吗？' });
      if (!confirm) return;
      try {
        await cloud.logout();
      } catch (err) {
        // the session is dropped on this phone either way
      }
      this.loggedOut = true;
      this.setData({ user: null, nicknameError: '' });
    },
  },
});
