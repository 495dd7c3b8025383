// Against the real local stack: an avatar uploaded straight to the bucket, the phone number of the
// getPhoneNumber button, and subscribe messages.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { skip, newShopper } = require('./stack.js');

const TEMPLATE_ID = process.env.WX_SERVERLESS_E2E_TEMPLATE_ID;

/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test('an avatar uploads to the bucket, becomes the profile avatar and downloads the same bytes', { skip }, async (t) => {
  const { shim, cloud } = newShopper('sdkavatar');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-serverless-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const filePath = path.join(dir, 'avatar.png');
  fs.writeFileSync(filePath, PNG);

  const { key } = await cloud.uploadFile({ filePath, contentType: 'image/png', size: PNG.length, purpose: 'avatar' });
  const updated = await cloud.callFunction({ name: 'updateUserInfo', data: { avatarKey: key } });
  const me = await cloud.callFunction({ name: 'getUserInfo' });

  // The key names an opaque per-user id, never the openid.
  assert.match(key, /^uploads\/u\/[0-9a-f]{32}\/\d{4}\/\d{2}\/[A-Za-z0-9_-]+\.png$/);
  assert.equal(updated.result.avatarKey, key);
  assert.equal(me.result.avatarKey, key);
  const download = await fetch(me.result.avatarUrl);
  assert.equal(download.status, 200);
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);
  assert.equal(shim.to('POST', '/uploads/token').length, 1);
});

test('the getPhoneNumber event binds the masked number; a declined one sends nothing', { skip }, async () => {
  const { user, shim, cloud } = newShopper('sdkphone');

  const bound = await cloud.bindPhone({ type: 'getphonenumber', detail: { errMsg: 'getPhoneNumber:ok', code: `phone.${user}.1` } });
  const declined = await cloud.bindPhone({ type: 'getphonenumber', detail: { errMsg: 'getPhoneNumber:fail user deny' } }).catch((e) => e);

  assert.match(bound.phone, /^\d{3}\*{4}\d{4}$/);
  assert.equal((await cloud.callFunction({ name: 'getUserInfo' })).result.phone, bound.phone);
  assert.deepEqual(declined, { errCode: -3, errMsg: 'cloud.bindPhone:fail no code' });
  assert.equal(shim.to('POST', '/users/me/phone').length, 1);
});

test(
  'subscribe reports the accepted templates and answers how many messages each allows',
  { skip: skip || (!TEMPLATE_ID && 'needs WX_SERVERLESS_E2E_TEMPLATE_ID (a templateId of the stack SUBSCRIBE_TEMPLATES)') },
  async () => {
    const { cloud } = newShopper('sdksub');

    const first = await cloud.subscribe([TEMPLATE_ID]);
    const second = await cloud.subscribe([TEMPLATE_ID]);

    assert.deepEqual(first, { accepted: [TEMPLATE_ID], subscriptions: { [TEMPLATE_ID]: 1 } });
    assert.deepEqual(second.subscriptions, { [TEMPLATE_ID]: 2 });
  },
);
