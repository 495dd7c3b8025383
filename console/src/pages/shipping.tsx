// Bulk shipping from a CSV file (订单号,快递公司,运单号 per line, a header line allowed): each row
// shipped as one parcel of the whole order, four at a time, with progress and a result per row.
import { useState } from "preact/hooks";

import { api, describe } from "../api";
import { CARRIERS } from "../types";
import { Progress, parseCsv, pool } from "../ui";

interface Row {
  line: number;
  orderId: string;
  carrier: string;
  trackingNo: string;
  result?: string;
  ok?: boolean;
}

const CARRIER_CODES = new Map<string, string>(CARRIERS.flatMap(([code, name]) => [[code, code], [name, code]]));

export function ShippingPage() {
  const [rows, setRows] = useState<Row[]>([]);
  const [done, setDone] = useState(0);
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState("");

  const read = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      setProblem("文件过大（最多 2 MB）");
      return;
    }
    const cells = parseCsv(await file.text());
    const body = cells[0] && /订单|order/i.test(cells[0][0]) ? cells.slice(1) : cells;
    if (body.length > 2000) {
      setProblem("一次最多 2000 行");
      return;
    }
    setProblem("");
    setDone(0);
    setRows(
      body.map((cell, i) => ({
        line: i + 1,
        orderId: (cell[0] ?? "").trim(),
        carrier: CARRIER_CODES.get((cell[1] ?? "").trim()) ?? (cell[1] ?? "").trim(),
        trackingNo: (cell[2] ?? "").trim(),
      })),
    );
  };

  const run = async () => {
    setRunning(true);
    setDone(0);
    const results = [...rows];
    await pool(
      rows,
      4,
      async (row) => {
        if (!row.orderId || !row.carrier || !row.trackingNo) return { ok: false, result: "缺少订单号、快递公司或运单号" };
        try {
          await api("POST", `/admin/orders/${encodeURIComponent(row.orderId)}/deliveries`, {
            carrier: row.carrier,
            trackingNo: row.trackingNo,
          });
          return { ok: true, result: "已发货" };
        } catch (error) {
          return { ok: false, result: describe(error) };
        }
      },
      (index, outcome) => {
        results[index] = { ...results[index], ...outcome };
        setRows([...results]);
        setDone((n) => n + 1);
      },
    );
    setRunning(false);
  };

  const failed = rows.filter((row) => row.ok === false).length;
  return (
    <section>
      <h1>批量发货</h1>
      <p class="note">上传 CSV 文件，每行：订单号,快递公司,运单号（快递公司可写编码如 SF 或名称如 顺丰速运）。每行作为一个包裹发出整单。</p>
      <input type="file" accept=".csv,text/csv" onChange={read} aria-label="CSV 文件" />
      {problem && <p class="error">{problem}</p>}
      {rows.length > 0 && (
        <>
          <p>
            共 {rows.length} 行
            <button type="button" onClick={run} disabled={running} data-action="ship-all">
              {running ? "发货中…" : "开始发货"}
            </button>
          </p>
          {(running || done > 0) && <Progress done={done} total={rows.length} label="已处理" />}
          {done === rows.length && done > 0 && (
            <p class={failed ? "error" : "ok"} data-summary="shipping">
              完成：成功 {rows.length - failed} 行，失败 {failed} 行
            </p>
          )}
          <table class="list" data-list="bulk">
            <thead>
              <tr>
                <th>行</th>
                <th>订单号</th>
                <th>快递</th>
                <th>运单号</th>
                <th>结果</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr class={row.ok === false ? "failed" : ""}>
                  <td>{row.line}</td>
                  <td>{row.orderId}</td>
                  <td>{row.carrier}</td>
                  <td>{row.trackingNo}</td>
                  <td>{row.result ?? "等待中"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
