const { test, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sdk, wx, openPage, textOf, tap, settle, reset } = require('./support/harness');
const config = require('../config');

const USER = {
  openid: 'o-developer',
  nickname: '老王',
  avatarUrl: '',
  createdAt: '2026-11-24T05:13:21.123Z',
};

const templates = { ...config.subscribeTemplates };

beforeEach(() => {
  reset();
  sdk.handle('getUserInfo', () => USER);
});

afterEach(() => {
  config.subscribeTemplates = { ...templates };
});

async function submitNickname(page, nickname) {
  page.querySelector('.nickname-form').dispatchEvent('submit', { detail: { value: { nickname } } });
  await settle();
}

test('the profile shows the user getUserInfo answers', async () => {
  const page = await openPage('pages/profile/profile');
  const text = textOf(page);
  assert.match(text, /老王/);
  assert.match(text, /o-developer/);
  assert.match(text, /未绑定/);
});

test('a nickname refused by the content check (40013) says so and keeps the old one', async () => {
  sdk.handle('updateUserInfo', () => {
    throw sdk.apiError(40013, 'the nickname did not pass the content check');
  });
  const page = await openPage('pages/profile/profile');

  await submitNickname(page, '  forbidden name ');

  assert.deepEqual(sdk.calls('updateUserInfo')[0].data, { nickname: 'forbidden name' });
  const error = page.querySelector('.nickname-error');
  assert.ok(error, 'an error line is shown');
  assert.match(textOf(error), /未通过微信内容安全检查，请换一个/);
  assert.match(textOf(page.querySelector('.head__name')), /老王/);
});

test('an accepted nickname replaces the old one and clears the error', async () => {
  let calls = 0;
  sdk.handle('updateUserInfo', ({ nickname }) => {
    calls += 1;
    if (calls === 1) throw sdk.apiError(40013, 'refused');
    return { ...USER, nickname };
  });
  const page = await openPage('pages/profile/profile');

  await submitNickname(page, 'doubtful');
  assert.ok(page.querySelector('.nickname-error'));
  await submitNickname(page, '小王');

  assert.equal(page.querySelector('.nickname-error'), undefined);
  assert.match(textOf(page.querySelector('.head__name')), /小王/);
});

test('a chosen avatar is uploaded as an avatar, then set by its key', async () => {
  sdk.handle('updateUserInfo', ({ avatarKey }) => ({ ...USER, avatarKey, avatarUrl: 'https://files.example.cn/a.png' }));
  const page = await openPage('pages/profile/profile');

  page.querySelector('.avatar-button').dispatchEvent('chooseavatar', { detail: { avatarUrl: 'http://tmp/abc.png' } });
  await settle();

  assert.deepEqual(sdk.uploadFile.mock.calls[0].arguments[0], {
    filePath: 'http://tmp/abc.png',
    contentType: 'image/png',
    purpose: 'avatar',
  });
  assert.deepEqual(sdk.calls('updateUserInfo')[0].data, { avatarKey: 'uploads/o-dev/2026/11/avatar.png' });
  assert.ok(page.querySelector('.avatar'));
  assert.ok(wx.toasts().includes('头像已更新'));
});

test('the phone button binds the number with the button event', async () => {
  const page = await openPage('pages/profile/profile');
  const detail = { code: 'phone.alice', errMsg: 'getPhoneNumber:ok' };

  page.instance.onGetPhoneNumber({ detail });
  await settle();

  assert.equal(sdk.bindPhone.mock.calls[0].arguments[0].detail, detail);
  assert.match(textOf(page), /138\*\*\*\*8000/);
});

test('the subscribe prompt asks for the configured templates, and is skipped without any', async () => {
  config.subscribeTemplates = { orderPaid: 'TPL_PAID', orderShipped: '', orderExpiring: 'TPL_EXPIRING' };
  let page = await openPage('pages/profile/profile');
  await tap(page, '.subscribe');
  assert.deepEqual(sdk.subscribe.mock.calls[0].arguments[0], ['TPL_PAID', 'TPL_EXPIRING']);

  config.subscribeTemplates = { orderPaid: '', orderShipped: '', orderExpiring: '' };
  page = await openPage('pages/profile/profile');
  assert.equal(page.querySelector('.subscribe'), undefined);
  assert.match(textOf(page), /未配置订阅消息模板/);
  assert.equal(sdk.subscribe.mock.callCount(), 1);
});
