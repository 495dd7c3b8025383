// The day at a glance: today's paid orders and revenue, what waits to ship, open after-sales,
// refund issues.
import { useEffect, useState } from "preact/hooks";

import { type Me, api, can, chinaDay, query, yuan } from "../api";
import type { Order, Page } from "../types";
import { Failure } from "../ui";
import type { RefundIssues } from "./refund_issues";

interface Figures {
  paid: number;
  revenueFen: number;
  toShip: number;
  afterSales: number | null;
  refundIssues: number | null;
}

const PAID_STATES = ["PAID", "PARTIALLY_SHIPPED", "SHIPPED", "COMPLETED", "REFUNDING", "REFUNDED"];

/** Every page of a listing (a day's orders are at most a few thousand). */
export async function allPages<T>(path: string, params: Record<string, string>): Promise<T[]> {
  const items: T[] = [];
  let after: string | null | undefined;
  do {
    const page = await api<Page<T>>("GET", path + query({ ...params, limit: 50, after }));
    items.push(...page.items);
    after = page.next;
  } while (after);
  return items;
}

export function Dashboard({ me }: { me: Me }) {
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    (async () => {
      const orders = await allPages<Order>("/admin/orders", { day: chinaDay() });
      const paid = orders.filter((o) => PAID_STATES.includes(o.status));
      const requested = can(me, "afterSales")
        ? (await allPages<unknown>("/admin/after-sales", { status: "REQUESTED" })).length
        : null;
      const issues = can(me, "refund") ? await api<RefundIssues>("GET", "/admin/refund-issues") : null;
      setFigures({
        paid: paid.length,
        revenueFen: paid.reduce((sum, o) => sum + o.totalFen, 0),
        toShip: orders.filter((o) => o.status === "PAID" || o.status === "PARTIALLY_SHIPPED").length,
        afterSales: requested,
        refundIssues: issues ? issues.orders.length + issues.afterSales.length : null,
      });
    })().catch(setError);
  }, [me]);

  if (error) return <Failure error={error} />;
  if (!figures) return <p class="loading">加载中…</p>;
  return (
    <section>
      <h1>今日概览（{chinaDay()}）</h1>
      <div class="tiles">
        <a class="tile" href="#/orders">
          <b data-figure="paid">{figures.paid}</b>
          <span>今日支付订单</span>
        </a>
        <div class="tile">
          <b data-figure="revenue">¥{yuan(figures.revenueFen)}</b>
          <span>今日支付金额</span>
        </div>
        <a class="tile" href="#/orders">
          <b data-figure="to-ship">{figures.toShip}</b>
          <span>今日待发货</span>
        </a>
        {figures.afterSales !== null && (
          <a class="tile" href="#/after-sales">
            <b data-figure="after-sales">{figures.afterSales}</b>
            <span>待处理售后</span>
          </a>
        )}
        {figures.refundIssues !== null && (
          <a class="tile" href="#/refund-issues">
            <b data-figure="refund-issues">{figures.refundIssues}</b>
            <span>退款异常</span>
          </a>
        )}
        <div class="tile muted">
          <b>—</b>
          <span>最近对账：尚未对账</span>
        </div>
      </div>
    </section>
  );
}
