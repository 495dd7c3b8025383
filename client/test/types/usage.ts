// Type-checked by `npm run check` (tsc --noEmit): how a TypeScript mini-program uses the SDK. The
// `@ts-expect-error` lines fail the check if the declarations stop refusing what they must refuse.
import * as cloud from 'wx-serverless';
import type { CloudError, Order, Product } from 'wx-serverless';

async function shop(): Promise<void> {
  cloud.init({ baseUrl: 'https://api.example.cn' });

  const product = await cloud.callFunction({ name: 'getProduct', data: { id: 'tea-longjing-250g' } });
  const price: number = product.result.priceFen;
  const typed: Product = product.result;
  const ok: 'cloud.callFunction:ok' = product.errMsg;

  const page = await cloud.callFunction<'listProducts'>({ name: 'listProducts' });
  const next: string | null = page.result.nextCursor;

  const key = cloud.newCheckoutKey();
  const order = await cloud.callFunction({
    name: 'submitOrder',
    data: { items: [{ productId: typed.id, quantity: 1 }], expectedTotalFen: price },
    idempotencyKey: key,
  });
  const paid: Order = await cloud.pay(order.result.orderId, { timeoutMs: 10000 });
  const status: 'PAID' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'COMPLETED' | 'REFUNDING' | 'REFUNDED' | 'PENDING_PAYMENT' | 'CANCELLED' =
    paid.status;
  const skuPicked: string = paid.items[0].skuId;

  const me = await cloud.callFunction({ name: 'getUserInfo' });
  const avatar: string = me.result.avatarUrl;

  const { key: avatarKey } = await cloud.uploadFile({ filePath: 'wxfile://tmp.png', contentType: 'image/png', size: 68, purpose: 'avatar' });
  await cloud.callFunction({ name: 'updateUserInfo', data: { avatarKey } });

  const subscribed = await cloud.subscribe(['TPL_PAID']);
  const left: number | undefined = subscribed.subscriptions ? subscribed.subscriptions.TPL_PAID : undefined;

  cloud.callFunction({
    name: 'getOrder',
    data: { id: '1' },
    success: (res) => {
      console.log(res.result.totalFen);
      // @ts-expect-error: the result is typed from the name (an Order has no priceFen)
      console.log(res.result.priceFen);
    },
    fail: (err: CloudError) => console.log(err.errCode, err.errMsg, err.requestID),
  });

  const route = cloud.routes.getProduct;
  const method: string = route.method;
  await cloud.logout();
  console.log(price, ok, next, status, avatar, left, method);

  const slow = cloud.callFunction({ name: 'listProducts', data: { limit: 10 }, timeout: 5000 });
  slow.abort();
  const upload = cloud.uploadFile({
    filePath: 'wxfile://photo.jpg',
    contentType: 'image/jpeg',
    size: 2048,
    timeout: 120000,
    onProgress: (event) => console.log(event.progress, event.totalBytesSent, event.totalBytesExpectedToSend),
  });
  upload.abort();
  cloud.pay('1').abort();
  cloud.init({ baseUrl: 'https://api.example.com', timeout: 10000, uploadTimeout: 90000 });
  // @ts-expect-error: a timeout is a number of milliseconds
  cloud.callFunction({ name: 'listProducts', timeout: '5s' });

  // @ts-expect-error: an unknown function
  cloud.callFunction({ name: 'shipOrder', data: { id: '1', carrier: 'SF', trackingNo: 'x' } });
  // @ts-expect-error: the session's own functions are not callable
  cloud.callFunction({ name: 'login', data: { code: 'x' } });
  // @ts-expect-error: submitOrder needs its data
  cloud.callFunction({ name: 'submitOrder' });
  // @ts-expect-error: a field the function does not take
  cloud.callFunction({ name: 'getProduct', data: { id: 'x', colour: 'red' } });
  // @ts-expect-error: updateUserInfo needs at least one field
  cloud.callFunction({ name: 'updateUserInfo', data: {} });
  // @ts-expect-error: a content type the contract does not allow
  cloud.uploadFile({ filePath: 'wxfile://a', contentType: 'text/plain' });
  // @ts-expect-error: routes are read-only
  cloud.routes.getProduct = route;
}

function onGetPhoneNumber(event: WechatMiniprogram.ButtonGetPhoneNumber): void {
  cloud.bindPhone(event).then((bound) => console.log(bound.phone, bound.countryCode));
}

export { shop, onGetPhoneNumber };
