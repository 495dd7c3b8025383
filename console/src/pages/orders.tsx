// The orders of a day: by state or the phone's last four digits, page by page; an order id goes
// straight to its file; the day's (or a range's) orders export as CSV for Excel.
import { useEffect, useState } from "preact/hooks";

import { type Me, api, chinaDay, chinaTime, query, yuan } from "../api";
import { type Order, type Page, STATUS_NAMES } from "../types";
import { Failure, Field, type FieldErrors, Progress, csv, download } from "../ui";
import { allPages } from "./dashboard";

export function OrdersPage(_props: { me: Me }) {
  const [day, setDay] = useState(chinaDay());
  const [status, setStatus] = useState("");
  const [phone, setPhone] = useState("");
  const [orders, setOrders] = useState<Order[]>([]);
  const [next, setNext] = useState<string | null | undefined>(null);
  const [error, setError] = useState<unknown>(null);
  const [errors, setErrors] = useState<FieldErrors>({});

  const load = async (after?: string | null) => {
    const local: FieldErrors = {};
    if (phone && !/^\d{4}$/.test(phone)) local.phone = "请输入手机号后 4 位";
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      const page = await api<Page<Order>>("GET", "/admin/orders" + query({ day, status, phone, after }));
      setOrders(after ? [...orders, ...page.items] : page.items);
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [day, status]);

  const find = (event: Event) => {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget as HTMLFormElement).get("id") ?? "").trim();
    if (id) location.hash = `#/orders/${encodeURIComponent(id)}`;
  };

  return (
    <section>
      <h1>订单</h1>
      <div class="filters">
        <Field label="日期" name="day" errors={errors}>
          <input type="date" value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="状态" name="status" errors={errors}>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">全部</option>
            {Object.entries(STATUS_NAMES).map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </Field>
        <Field label="手机号后 4 位" name="phone" errors={errors}>
          <input
            name="phone"
            value={phone}
            maxLength={4}
            inputMode="numeric"
            onInput={(e) => setPhone((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => e.key === "Enter" && load()}
          />
        </Field>
        <button type="button" onClick={() => load()}>
          查询
        </button>
        <form class="inline" onSubmit={find}>
          <input name="id" placeholder="订单号" aria-label="订单号" />
          <button type="submit">打开</button>
        </form>
      </div>
      {error ? <Failure error={error} /> : null}
      <table class="list" data-list="orders">
        <thead>
          <tr>
            <th>订单号</th>
            <th>下单时间</th>
            <th>商品</th>
            <th>金额</th>
            <th>收货人</th>
            <th>状态</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr data-order={order.orderId}>
              <td>
                <a href={`#/orders/${order.orderId}`}>{order.orderId}</a>
              </td>
              <td>{chinaTime(order.createdAt)}</td>
              <td>{order.items.map((line) => `${line.name}×${line.quantity}`).join("，")}</td>
              <td>¥{yuan(order.totalFen)}</td>
              <td>{order.address ? `${order.address.userName} ${order.address.telNumber}` : "-"}</td>
              <td>{STATUS_NAMES[order.status] ?? order.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {orders.length === 0 && !error && <p class="muted">这一天没有订单</p>}
      {next && (
        <button type="button" onClick={() => load(next)}>
          加载更多
        </button>
      )}
      <Export />
    </section>
  );
}

/** The orders of a range of days as a CSV file (UTF-8 with BOM), with progress. */
function Export() {
  const [from, setFrom] = useState(chinaDay());
  const [to, setTo] = useState(chinaDay());
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});

  const run = async () => {
    const days: string[] = [];
    for (let at = new Date(`${from}T00:00:00Z`); at <= new Date(`${to}T00:00:00Z`); at = new Date(at.getTime() + 86_400_000)) {
      days.push(at.toISOString().slice(0, 10));
    }
    if (!days.length || days.length > 92) {
      setErrors({ to: days.length ? "一次最多导出 92 天" : "结束日期不能早于开始日期" });
      return;
    }
    setErrors({});
    setProgress({ done: 0, total: days.length });
    const rows: unknown[][] = [];
    try {
      for (const [index, day] of days.entries()) {
        for (const order of await allPages<Order>("/admin/orders", { day })) {
          rows.push([
            order.orderId,
            chinaTime(order.createdAt),
            STATUS_NAMES[order.status] ?? order.status,
            order.items.map((line) => `${line.name}×${line.quantity}`).join("；"),
            yuan(order.totalFen),
            yuan(order.refundedFen ?? 0),
            order.address?.userName ?? "",
            order.address?.telNumber ?? "",
            order.address ? `${order.address.provinceName}${order.address.cityName}${order.address.countyName}` : "",
            order.remark ?? "",
          ]);
        }
        setProgress({ done: index + 1, total: days.length });
      }
      download(
        `orders-${from}-${to}.csv`,
        csv(["订单号", "下单时间", "状态", "商品", "金额（元）", "已退款（元）", "收货人", "电话", "地区", "备注"], rows),
      );
    } catch (error) {
      setErrors({ "": String(error instanceof Error ? error.message : error) });
    }
  };

  return (
    <div class="card export">
      <h2>导出订单（CSV）</h2>
      <div class="filters">
        <Field label="开始日期" name="from" errors={errors}>
          <input type="date" name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="结束日期" name="to" errors={errors}>
          <input type="date" name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </Field>
        <button type="button" onClick={run} data-action="export">
          导出
        </button>
      </div>
      {progress && <Progress done={progress.done} total={progress.total} label="已导出天数" />}
      {errors[""] && <p class="error">{errors[""]}</p>}
    </div>
  );
}
