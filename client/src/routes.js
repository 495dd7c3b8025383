// Generated from openapi.yaml by scripts/generate.js: do not edit (`npm run generate`).
'use strict';

/**
 * Every function a mini-program can call, by operationId: its HTTP method and path, whether it
 * needs the access token (auth "bearer") or not ("none"), which input names go in the path, the
 * query string and the JSON body (null: the route takes no body), and whether it carries an
 * Idempotency-Key header.
 */
module.exports = {
  login: { method: 'POST', path: '/auth/login', auth: 'none', pathParams: [], queryParams: [], bodyParams: ['code'], idempotencyKey: false },
  refresh: { method: 'POST', path: '/auth/refresh', auth: 'none', pathParams: [], queryParams: [], bodyParams: ['refreshToken'], idempotencyKey: false },
  logout: { method: 'POST', path: '/auth/logout', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['all'], idempotencyKey: false },
  getUserInfo: { method: 'GET', path: '/users/me', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: null, idempotencyKey: false },
  updateUserInfo: { method: 'PATCH', path: '/users/me', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['nickname', 'avatarUrl', 'avatarKey'], idempotencyKey: false },
  bindPhone: { method: 'POST', path: '/users/me/phone', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['code'], idempotencyKey: false },
  subscribe: { method: 'POST', path: '/users/me/subscriptions', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['accepted'], idempotencyKey: false },
  listProducts: { method: 'GET', path: '/products', auth: 'none', pathParams: [], queryParams: ['limit', 'cursor', 'category'], bodyParams: null, idempotencyKey: false },
  getProduct: { method: 'GET', path: '/products/{id}', auth: 'none', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  getProductCode: { method: 'GET', path: '/products/{id}/code', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  listOrders: { method: 'GET', path: '/orders', auth: 'bearer', pathParams: [], queryParams: ['limit', 'cursor'], bodyParams: null, idempotencyKey: false },
  submitOrder: { method: 'POST', path: '/orders', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['items', 'expectedTotalFen', 'remark', 'address'], idempotencyKey: true },
  getOrder: { method: 'GET', path: '/orders/{id}', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  cancelOrder: { method: 'POST', path: '/orders/{id}/cancel', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  payOrder: { method: 'POST', path: '/orders/{id}/pay', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  refundOrder: { method: 'POST', path: '/orders/{id}/refund', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  uploadToken: { method: 'POST', path: '/uploads/token', auth: 'bearer', pathParams: [], queryParams: [], bodyParams: ['contentType', 'size', 'purpose'], idempotencyKey: false },
  getFileUrl: { method: 'GET', path: '/files/url', auth: 'bearer', pathParams: [], queryParams: ['keys'], bodyParams: null, idempotencyKey: false },
  listAfterSales: { method: 'GET', path: '/orders/{id}/after-sales', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: null, idempotencyKey: false },
  requestAfterSales: { method: 'POST', path: '/orders/{id}/after-sales', auth: 'bearer', pathParams: ['id'], queryParams: [], bodyParams: ['type', 'lines', 'reason', 'photos'], idempotencyKey: false },
  cancelAfterSales: { method: 'POST', path: '/orders/{id}/after-sales/{number}/cancel', auth: 'bearer', pathParams: ['id', 'number'], queryParams: [], bodyParams: null, idempotencyKey: false },
  returnAfterSales: { method: 'POST', path: '/orders/{id}/after-sales/{number}/return', auth: 'bearer', pathParams: ['id', 'number'], queryParams: [], bodyParams: ['carrier', 'trackingNo'], idempotencyKey: false },
};
