// The audit log of a day: who did what to what, with what input, from where; exportable as CSV.
import { useEffect, useState } from "preact/hooks";

import { ROLE_NAMES, type Role, api, chinaTime, query } from "../api";
import { ACTION_NAMES, type AuditRecord, type Page } from "../types";
import { Failure, csv, download } from "../ui";

export function AuditPage() {
  const [day, setDay] = useState(new Date().toISOString().slice(0, 10));
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [next, setNext] = useState<string | null | undefined>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async (after?: string | null) => {
    try {
      const page = await api<Page<AuditRecord>>("GET", "/admin/audit" + query({ day, after, limit: 50 }));
      setRecords(after ? [...records, ...page.items] : page.items);
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, [day]);

  const exportCsv = () =>
    download(
      `audit-${day}.csv`,
      csv(
        ["时间", "操作员", "角色", "操作", "对象", "内容", "IP", "请求编号"],
        records.map((r) => [chinaTime(r.at), r.email, r.role, ACTION_NAMES[r.action] ?? r.action, r.target ?? "", JSON.stringify(r.changes), r.ip, r.requestId]),
      ),
    );

  return (
    <section>
      <h1>操作日志</h1>
      <div class="filters">
        <label class="field">
          <span>日期（UTC）</span>
          <input type="date" value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" class="secondary" onClick={exportCsv}>
          导出 CSV
        </button>
      </div>
      {error ? <Failure error={error} /> : null}
      <table class="list" data-list="audit">
        <thead>
          <tr>
            <th>时间</th>
            <th>操作员</th>
            <th>角色</th>
            <th>操作</th>
            <th>对象</th>
            <th>内容</th>
            <th>IP</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr>
              <td>{chinaTime(r.at)}</td>
              <td>{r.email}</td>
              <td>{ROLE_NAMES[r.role as Role] ?? r.role}</td>
              <td title={r.action}>{ACTION_NAMES[r.action] ?? r.action}</td>
              <td>{r.target ?? "-"}</td>
              <td class="changes">{JSON.stringify(r.changes)}</td>
              <td>{r.ip}</td>
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
