const cloud = require('wx-serverless');
const config = require('./config');

App({
  onLaunch() {
    // Once, before any page calls the backend. The SDK logs in with wx.login() on the first call
    // that needs a user, and keeps the session in storage.
    cloud.init({ baseUrl: config.baseUrl, devPayUrl: config.devPayUrl || undefined });
  },
});
