// One order's file: address, lines, payment, refunds, parcels; shipping it (one parcel, split
// parcels or virtual goods), its after-sales requests and an operator's own refund; its audit
// lines.
import { useEffect, useState } from "preact/hooks";

import { type Me, api, can, chinaTime, yuan } from "../api";
import { ACTION_NAMES, CARRIERS, type OrderFile, STATUS_NAMES } from "../types";
import { Failure, Field, type FieldErrors, FormError, errorsOf } from "../ui";
import { AfterSalesTable } from "./after_sales";

export function OrderPage({ me, id }: { me: Me; id: string }) {
  const [file, setFile] = useState<OrderFile | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () =>
    api<OrderFile>("GET", `/admin/orders/${encodeURIComponent(id)}`)
      .then((f) => {
        setFile(f);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    reload();
  }, [id]);

  if (error) return <Failure error={error} />;
  if (!file) return <p class="loading">加载中…</p>;
  const shippable = file.status === "PAID" || file.status === "PARTIALLY_SHIPPED";
  return (
    <section data-order={file.orderId}>
      <h1>
        订单 {file.orderId} <span class="badge" data-status={file.status}>{STATUS_NAMES[file.status] ?? file.status}</span>
      </h1>
      <div class="columns">
        <div class="card">
          <h2>收货信息</h2>
          {file.address ? (
            <p data-field="address">
              {file.address.userName} {file.address.telNumber}
              <br />
              {file.address.provinceName}
              {file.address.cityName}
              {file.address.countyName}
              {file.address.detailInfo}
            </p>
          ) : (
            <p class="muted">虚拟商品，无需收货地址</p>
          )}
          {file.remark && <p>买家备注：{file.remark}</p>}
        </div>
        <div class="card">
          <h2>支付</h2>
          <p>
            订单金额 ¥{yuan(file.totalFen)}，已退款 ¥{yuan(file.refundedFen ?? 0)}
            <br />
            下单 {chinaTime(file.createdAt)}，支付 {chinaTime(file.paidAt)}
            <br />
            微信支付单号 {file.transactionId ?? "-"}
          </p>
        </div>
      </div>
      <table class="list">
        <thead>
          <tr>
            <th>商品</th>
            <th>规格</th>
            <th>单价</th>
            <th>数量</th>
            <th>小计</th>
          </tr>
        </thead>
        <tbody>
          {file.items.map((line) => (
            <tr>
              <td>{line.name}</td>
              <td>{(line.specValues ?? []).map(([, value]) => value).join(" / ") || "-"}</td>
              <td>¥{yuan(line.priceFen)}</td>
              <td>{line.quantity}</td>
              <td>¥{yuan(line.subtotalFen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>包裹</h2>
      {(file.deliveries ?? []).length === 0 && <p class="muted">尚未发货</p>}
      <ul data-list="parcels">
        {(file.deliveries ?? []).flatMap((delivery) =>
          delivery.parcels.map((parcel) => (
            <li>
              {parcel.carrier} {parcel.trackingNo}（{chinaTime(delivery.shippedAt)}）
              {parcel.items && `：${parcel.items.map((item) => `${item.productId}×${item.quantity}`).join("，")}`}
            </li>
          )),
        )}
      </ul>
      {shippable && can(me, "ship") && <ShipForm file={file} onShipped={reload} />}
      <h2>售后</h2>
      <AfterSalesTable me={me} requests={file.afterSales} onChanged={reload} />
      {can(me, "refund") && ["PAID", "PARTIALLY_SHIPPED", "SHIPPED", "COMPLETED"].includes(file.status) && (
        <RefundForm file={file} onRefunded={reload} />
      )}
      <h2>操作记录</h2>
      <table class="list" data-list="audit">
        <thead>
          <tr>
            <th>时间</th>
            <th>操作员</th>
            <th>操作</th>
            <th>内容</th>
          </tr>
        </thead>
        <tbody>
          {file.audit.map((record) => (
            <tr>
              <td>{chinaTime(record.at)}</td>
              <td>{record.email}</td>
              <td title={record.action}>{ACTION_NAMES[record.action] ?? record.action}</td>
              <td class="changes">{JSON.stringify(record.changes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface ParcelDraft {
  carrier: string;
  trackingNo: string;
  quantities: number[];
}

/** WeChat's delivery companies (the list parcels may name), or the common ones if it fails. */
function useCarriers(): [string, string][] {
  const [carriers, setCarriers] = useState<[string, string][]>(CARRIERS);
  useEffect(() => {
    api<{ items: { code: string; name: string }[] }>("GET", "/admin/carriers")
      .then((list) => list.items.length && setCarriers(list.items.map((c) => [c.code, c.name])))
      .catch(() => undefined);
  }, []);
  return carriers;
}

function ShipForm({ file, onShipped }: { file: OrderFile; onShipped: () => void }) {
  const physical = Boolean(file.address);
  const carriers = useCarriers();
  const [parcels, setParcels] = useState<ParcelDraft[]>([
    { carrier: "SF", trackingNo: "", quantities: file.items.map((line) => line.quantity) },
  ]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const update = (index: number, change: Partial<ParcelDraft>) =>
    setParcels(parcels.map((parcel, i) => (i === index ? { ...parcel, ...change } : parcel)));

  const submit = async (event: Event) => {
    event.preventDefault();
    let body: unknown;
    if (!physical) {
      body = { logisticsType: 3 };
    } else {
      const local: FieldErrors = {};
      parcels.forEach((parcel, i) => {
        if (!parcel.trackingNo.trim()) local[`trackingNo${i}`] = "请填写运单号";
      });
      setErrors(local);
      if (Object.keys(local).length) return;
      const whole =
        parcels.length === 1 && parcels[0].quantities.every((q, i) => q === file.items[i].quantity);
      body = {
        logisticsType: 1,
        parcels: parcels.map((parcel) => ({
          carrier: parcel.carrier,
          trackingNo: parcel.trackingNo.trim(),
          ...(whole
            ? {}
            : {
                items: file.items
                  .map((line, i) => ({ productId: line.productId, skuId: line.skuId ?? "default", quantity: parcel.quantities[i] }))
                  .filter((item) => item.quantity > 0),
              }),
        })),
      };
    }
    setBusy(true);
    try {
      await api("POST", `/admin/orders/${file.orderId}/deliveries`, body);
      onShipped();
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} data-form="ship" noValidate>
      <h2>发货</h2>
      {physical ? (
        parcels.map((parcel, index) => (
          <fieldset data-parcel={index}>
            <legend>包裹 {index + 1}</legend>
            <div class="filters">
              <Field label="快递公司" name={`carrier${index}`} errors={errors}>
                <select value={parcel.carrier} onChange={(e) => update(index, { carrier: (e.target as HTMLSelectElement).value })}>
                  {carriers.map(([code, name]) => (
                    <option value={code}>{name}</option>
                  ))}
                </select>
              </Field>
              <Field label="运单号" name={`trackingNo${index}`} errors={errors}>
                <input
                  name={`trackingNo${index}`}
                  value={parcel.trackingNo}
                  onInput={(e) => update(index, { trackingNo: (e.target as HTMLInputElement).value })}
                />
              </Field>
              {file.items.map((line, i) => (
                <Field label={`${line.name} 件数`} name={`quantity${index}-${i}`} errors={errors}>
                  <input
                    type="number"
                    min={0}
                    max={line.quantity}
                    name={`quantity${index}-${i}`}
                    value={parcel.quantities[i]}
                    onInput={(e) => {
                      const quantities = [...parcel.quantities];
                      quantities[i] = Number((e.target as HTMLInputElement).value);
                      update(index, { quantities });
                    }}
                  />
                </Field>
              ))}
            </div>
          </fieldset>
        ))
      ) : (
        <p>虚拟商品：确认后直接标记为已发货</p>
      )}
      {physical && parcels.length < 15 && (
        <button
          type="button"
          class="secondary"
          onClick={() => setParcels([...parcels, { carrier: parcels[0].carrier, trackingNo: "", quantities: file.items.map(() => 0) }])}
        >
          再加一个包裹（拆单发货）
        </button>
      )}
      <FormError errors={errors} />
      <button type="submit" disabled={busy}>
        {busy ? "提交中…" : "确认发货"}
      </button>
    </form>
  );
}

function RefundForm({ file, onRefunded }: { file: OrderFile; onRefunded: () => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const left = file.totalFen - (file.refundedFen ?? 0);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const amount = Math.round(Number(form.get("amount")) * 100);
    const reason = String(form.get("reason") ?? "").trim();
    const local: FieldErrors = {};
    if (!(amount >= 1 && amount <= left)) local.amountFen = `请输入 0.01 到 ${yuan(left)} 元`;
    if (!reason) local.reason = "请填写退款原因";
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      await api("POST", `/admin/orders/${file.orderId}/refunds`, { amountFen: amount, reason });
      (event.target as HTMLFormElement).reset();
      onRefunded();
    } catch (error) {
      setErrors(errorsOf(error));
    }
  };

  return (
    <form class="card" onSubmit={submit} data-form="refund" noValidate>
      <h2>主动退款（部分退款、补偿、改价）</h2>
      <div class="filters">
        <Field label={`金额（元，最多 ${yuan(left)}）`} name="amountFen" errors={errors}>
          <input name="amount" inputMode="decimal" />
        </Field>
        <Field label="原因" name="reason" errors={errors}>
          <input name="reason" maxLength={200} />
        </Field>
      </div>
      <FormError errors={errors} />
      <button type="submit">退款</button>
    </form>
  );
}
