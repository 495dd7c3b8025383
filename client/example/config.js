// Where the sample finds its backend, and its subscribe message templates.
module.exports = {
  // `make dev` serves every function on http://127.0.0.1:9000 (API_PORT changes the port). To test
  // on a phone against `make dev`, start it with LAN=1 (make dev LAN=1) and put this computer's LAN
  // address here (and turn on the phone's debug mode so it skips the domain check).
  //
  // For a deployed stack, put the API's custom domain here, e.g. 'https://api.example.cn' (the
  // stack's CustomDomainUrl output). It must be ICP-filed, served over HTTPS and added to the
  // mini-program's request, uploadFile and downloadFile legal domains (mp.weixin.qq.com >
  // 开发管理 > 开发设置 > 服务器域名), together with the upload and download domains the stack
  // answers with (the bucket or UPLOAD_PUBLIC_BASE_URL; the CDN domain of download URLs).
  baseUrl: 'http://127.0.0.1:9000',

  // `make dev` only: the fake WeChat Pay (http://127.0.0.1:9200) pays orders instead of
  // wx.requestPayment, which cannot pay the fake's prepay. Remove it (or set '') for a deployed
  // stack: the SDK refuses anything but localhost or a LAN address here.
  devPayUrl: 'http://127.0.0.1:9200',

  // The template ids of your mini-program's subscribe messages (mp.weixin.qq.com > 订阅消息),
  // the same ones as the backend's SUBSCRIBE_TEMPLATES. Empty ones are skipped; with none, the
  // profile page skips the subscribe prompt.
  subscribeTemplates: {
    orderPaid: '',
    orderShipped: '',
    orderExpiring: '',
  },
};
