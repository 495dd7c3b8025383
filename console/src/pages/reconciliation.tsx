// Reconciliation: the days checked against WeChat Pay's bills (newest first), and one day's
// report: its figures, its differences, and the whole report to download.
import { useEffect, useState } from "preact/hooks";

import { api, chinaTime, query, yuan } from "../api";
import { DISCREPANCY_NAMES, type Page, type ReconciledDay, type ReconciledDayDetail, type Side } from "../types";
import { Failure } from "../ui";

const amount = (side: Side | null) => (side ? `¥${yuan(side.amountFen)}` : "-");

export function ReconciliationPage({ date }: { date?: string }) {
  return date ? <DayReport date={date} /> : <Days />;
}

function Days() {
  const [days, setDays] = useState<ReconciledDay[] | null>(null);
  const [next, setNext] = useState<string | null | undefined>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (after?: string | null) => {
    try {
      const page = await api<Page<ReconciledDay>>("GET", "/admin/reconciliations" + query({ after, limit: 30 }));
      setDays(after && days ? [...days, ...page.items] : page.items);
      setNext(page.next);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, []);
  if (error) return <Failure error={error} />;
  if (!days) return <p class="loading">加载中…</p>;
  return (
    <section>
      <h1>对账</h1>
      <p class="note">每天 10:30（北京时间）自动核对前一日的微信支付交易账单和资金账单：每一笔收款、退款都与我方记录逐笔比对。</p>
      {days.length === 0 && <p class="muted">还没有对账记录</p>}
      <table class="list" data-list="reconciliations">
        <thead>
          <tr>
            <th>日期</th>
            <th>账单笔数</th>
            <th>已核对</th>
            <th>差异</th>
            <th>账单收款</th>
            <th>我方收款</th>
            <th>账单退款</th>
            <th>我方退款</th>
            <th>手续费</th>
            <th>对账时间</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr>
              <td>
                <a href={`#/reconciliation/${day.date}`}>{day.date}</a>
              </td>
              <td>{day.rows}</td>
              <td>{day.matched}</td>
              <td class={day.discrepancies > 0 ? "error" : ""}>{day.discrepancies}</td>
              <td>¥{yuan(day.totals.billPaidFen)}</td>
              <td>¥{yuan(day.totals.herePaidFen)}</td>
              <td>¥{yuan(day.totals.billRefundedFen)}</td>
              <td>¥{yuan(day.totals.hereRefundedFen)}</td>
              <td>¥{day.totals.billFeesYuan}</td>
              <td>{chinaTime(day.generatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => load(next)}>
          加载更多
        </button>
      )}
    </section>
  );
}

function DayReport({ date }: { date: string }) {
  const [day, setDay] = useState<ReconciledDayDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<ReconciledDayDetail>("GET", `/admin/reconciliations/${encodeURIComponent(date)}`).then(setDay).catch(setError);
  }, [date]);
  if (error) return <Failure error={error} />;
  if (!day) return <p class="loading">加载中…</p>;
  const t = day.totals;
  return (
    <section>
      <p>
        <a href="#/reconciliation">← 对账</a>
      </p>
      <h1>{day.date} 对账报告</h1>
      <div class="card" data-figures="reconciliation">
        <p>
          账单 {day.rows} 笔，已核对 {day.matched} 笔，差异 <strong class={day.discrepancies > 0 ? "error" : ""}>{day.discrepancies}</strong> 笔
        </p>
        <p>
          收款：账单 ¥{yuan(t.billPaidFen)}，我方 ¥{yuan(t.herePaidFen)}；退款：账单 ¥{yuan(t.billRefundedFen)}，我方 ¥{yuan(t.hereRefundedFen)}；手续费 ¥{t.billFeesYuan}
        </p>
        <p>
          资金账单：收入 ¥{yuan(t.incomeFen)}，支出 ¥{yuan(t.expenseFen)}（退款 ¥{yuan(t.refundsFen)}，手续费 ¥{yuan(t.feesFen)}）
        </p>
        <p>
          <a href={day.csvUrl} download={`reconciliation-${day.date}.csv`}>
            下载 CSV
          </a>
          {" · "}
          <a href={day.reportUrl}>下载 JSON</a>
          <span class="muted">（链接 10 分钟内有效）</span>
        </p>
      </div>
      {day.discrepancies === 0 ? (
        <p class="muted">没有差异：账单与我方记录逐笔一致。</p>
      ) : (
        <>
          {day.discrepancies > day.firstDiscrepancies.length && (
            <p class="note">仅显示前 {day.firstDiscrepancies.length} 条，完整差异请下载 CSV。</p>
          )}
          <table class="list" data-list="discrepancies">
            <thead>
              <tr>
                <th>差异</th>
                <th>订单</th>
                <th>退款单号</th>
                <th>我方金额</th>
                <th>账单金额</th>
                <th>自动补记</th>
                <th>备注</th>
              </tr>
            </thead>
            <tbody>
              {day.firstDiscrepancies.map((d) => (
                <tr data-kind={d.kind}>
                  <td title={d.kind}>{DISCREPANCY_NAMES[d.kind] ?? d.kind}</td>
                  <td>{/^\d+$/.test(d.outTradeNo) ? <a href={`#/orders/${d.outTradeNo}`}>{d.outTradeNo}</a> : d.outTradeNo}</td>
                  <td>{d.outRefundNo ?? "-"}</td>
                  <td>{amount(d.here)}</td>
                  <td>{amount(d.there)}</td>
                  <td>{d.healed === undefined ? "-" : d.healed ? "已补记" : "未补记"}</td>
                  <td>{d.reason ?? (d.here?.status ? `我方状态 ${d.here.status}` : "")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
