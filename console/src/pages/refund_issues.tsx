// Refund issues: refunds WeChat Pay ended ABNORMAL or CLOSED (whole orders and after-sales
// requests), to settle in WeChat Pay's merchant platform; each links to its order.
import { useEffect, useState } from "preact/hooks";

import { api, chinaTime, yuan } from "../api";
import type { AfterSales, Order } from "../types";
import { Failure } from "../ui";

export interface RefundIssues {
  orders: Order[];
  afterSales: AfterSales[];
}

export function RefundIssuesPage() {
  const [issues, setIssues] = useState<RefundIssues | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<RefundIssues>("GET", "/admin/refund-issues").then(setIssues).catch(setError);
  }, []);
  if (error) return <Failure error={error} />;
  if (!issues) return <p class="loading">加载中…</p>;
  return (
    <section>
      <h1>退款异常</h1>
      <p class="note">微信支付未能完成的退款（ABNORMAL 或 CLOSED）：请在微信支付商户平台处理，处理成功后订单会自动更新。</p>
      {issues.orders.length + issues.afterSales.length === 0 && <p class="muted">没有退款异常</p>}
      <table class="list" data-list="refund-issues">
        <thead>
          <tr>
            <th>订单</th>
            <th>退款单号</th>
            <th>金额</th>
            <th>微信支付状态</th>
            <th>时间</th>
          </tr>
        </thead>
        <tbody>
          {issues.orders.map((order) => (
            <tr>
              <td>
                <a href={`#/orders/${order.orderId}`}>{order.orderId}</a>
              </td>
              <td>整单退款</td>
              <td>¥{yuan(order.totalFen)}</td>
              <td>{order.refundIssue ?? "-"}</td>
              <td>{chinaTime(order.createdAt)}</td>
            </tr>
          ))}
          {issues.afterSales.map((request) => (
            <tr>
              <td>
                <a href={`#/orders/${request.orderId}`}>{request.orderId}</a>
              </td>
              <td>
                R{request.orderId}-{request.number}
              </td>
              <td>¥{yuan(request.amountFen)}</td>
              <td>{request.refundIssue ?? "-"}</td>
              <td>{chinaTime(request.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
