// After-sales: the requests in one state, oldest first; approving (optionally a lower amount),
// rejecting with a reason, and marking a return received.
import { useEffect, useState } from "preact/hooks";

import { type Me, api, can, chinaTime, query, yuan } from "../api";
import { AFTER_SALES_NAMES, type AfterSales, type Page } from "../types";
import { Failure, errorsOf } from "../ui";

export function AfterSalesPage({ me }: { me: Me }) {
  const [status, setStatus] = useState("REQUESTED");
  const [requests, setRequests] = useState<AfterSales[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    api<Page<AfterSales>>("GET", "/admin/after-sales" + query({ status, limit: 50 }))
      .then((page) => {
        setRequests(page.items);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    load();
  }, [status]);

  return (
    <section>
      <h1>售后</h1>
      <div class="filters">
        <label class="field">
          <span>状态</span>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            {["REQUESTED", "RETURNING", "APPROVED", "REFUNDING", "FAILED"].map((value) => (
              <option value={value}>{AFTER_SALES_NAMES[value]}</option>
            ))}
          </select>
        </label>
      </div>
      {error ? <Failure error={error} /> : <AfterSalesTable me={me} requests={requests} onChanged={load} withOrder />}
    </section>
  );
}

export function AfterSalesTable(props: {
  me: Me;
  requests: AfterSales[];
  onChanged: () => void;
  withOrder?: boolean;
}) {
  const [problem, setProblem] = useState<Record<string, string>>({});
  if (props.requests.length === 0) return <p class="muted">没有售后申请</p>;

  const act = async (request: AfterSales, action: string, body: unknown) => {
    const key = `${request.orderId}-${request.number}`;
    try {
      await api("POST", `/admin/orders/${request.orderId}/after-sales/${request.number}/${action}`, body);
      setProblem({ ...problem, [key]: "" });
      props.onChanged();
    } catch (error) {
      const errors = errorsOf(error);
      setProblem({ ...problem, [key]: Object.values(errors)[0] });
    }
  };
  const approve = (request: AfterSales) => {
    const text = prompt(`同意退款金额（元），最多 ${yuan(request.amountFen)}`, yuan(request.amountFen));
    if (text === null) return;
    act(request, "approve", { amountFen: Math.round(Number(text) * 100) });
  };
  const reject = (request: AfterSales) => {
    const reason = prompt("拒绝原因（买家可见）");
    if (reason) act(request, "reject", { reason });
  };

  return (
    <table class="list" data-list="after-sales">
      <thead>
        <tr>
          {props.withOrder && <th>订单</th>}
          <th>编号</th>
          <th>类型</th>
          <th>件数</th>
          <th>金额</th>
          <th>原因</th>
          <th>申请时间</th>
          <th>状态</th>
          <th>操作</th>
        </tr>
      </thead>
      <tbody>
        {props.requests.map((request) => {
          const key = `${request.orderId}-${request.number}`;
          return (
            <tr data-after-sales={key}>
              {props.withOrder && (
                <td>
                  <a href={`#/orders/${request.orderId}`}>{request.orderId}</a>
                </td>
              )}
              <td>{request.number}</td>
              <td>{request.byOperator ? "主动退款" : request.type === "refund" ? "仅退款" : "退货退款"}</td>
              <td>{request.lines.reduce((sum, line) => sum + line.quantity, 0)}</td>
              <td>¥{yuan(request.amountFen)}</td>
              <td>{request.reason}</td>
              <td>{chinaTime(request.createdAt)}</td>
              <td>
                {AFTER_SALES_NAMES[request.status] ?? request.status}
                {request.rejectReason && `：${request.rejectReason}`}
                {request.returnParcel && `（${request.returnParcel.carrier} ${request.returnParcel.trackingNo}）`}
              </td>
              <td>
                {request.status === "REQUESTED" && can(props.me, "decide") && (
                  <>
                    <button type="button" data-action="approve" onClick={() => approve(request)}>
                      同意
                    </button>
                    <button type="button" class="secondary" data-action="reject" onClick={() => reject(request)}>
                      拒绝
                    </button>
                  </>
                )}
                {request.status === "RETURNING" && can(props.me, "receive") && (
                  <button type="button" data-action="receive" onClick={() => act(request, "receive", {})}>
                    确认收货并退款
                  </button>
                )}
                {problem[key] && <small class="field-error">{problem[key]}</small>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
