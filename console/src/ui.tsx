// The console's small shared pieces: a form field that shows its own error, an error line, a
// progress bar, and CSV (UTF-8 with a BOM, so Excel reads the Chinese) downloads.
import type { ComponentChildren } from "preact";

import { ApiError, describe } from "./api";

/** Errors of a form, by field name; `""` is the form's own. */
export type FieldErrors = Record<string, string>;

/** The errors a failed call puts on a form: on its field when the server named one. */
export function errorsOf(error: unknown): FieldErrors {
  if (error instanceof ApiError && error.field) return { [error.field]: error.message };
  return { "": describe(error) };
}

export function Field(props: {
  label: string;
  name: string;
  errors: FieldErrors;
  children: ComponentChildren;
}) {
  const error = props.errors[props.name];
  return (
    <label class={error ? "field invalid" : "field"}>
      <span>{props.label}</span>
      {props.children}
      {error && (
        <small class="field-error" id={`${props.name}-error`} role="alert">
          {error}
        </small>
      )}
    </label>
  );
}

/** The form's own error (not about one field). */
export function FormError({ errors }: { errors: FieldErrors }) {
  return errors[""] ? (
    <p class="error" role="alert">
      {errors[""]}
    </p>
  ) : null;
}

/** A failed load, said plainly; an ended session reloads into the sign-in. */
export function Failure({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.code === 40109) location.reload();
  return (
    <p class="error" role="alert">
      {describe(error)}
    </p>
  );
}

/** Progress of a long operation: done of total, with a label. */
export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  return (
    <div class="progress" role="status">
      <progress max={Math.max(total, 1)} value={done} />
      <span>
        {label} {done}/{total}
      </span>
    </div>
  );
}

/** One CSV cell: quoted when it must be, and never read by Excel as a formula. */
function cell(value: unknown): string {
  let text = value === undefined || value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV file of `rows` under `header`: UTF-8 with a BOM and CRLF lines, for Excel. */
export function csv(header: string[], rows: unknown[][]): string {
  return "\uFEFF" + [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Offers `text` as a download named `name`. */
export function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Parses CSV text (quoted cells, CRLF or LF, a BOM) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cellText = "";
  let quoted = false;
  const input = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        cellText += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cellText += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cellText);
      cellText = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i++;
      row.push(cellText);
      rows.push(row);
      row = [];
      cellText = "";
    } else cellText += c;
  }
  if (cellText !== "" || row.length) {
    row.push(cellText);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ""));
}

/** Runs `work` over `items`, `width` at a time, reporting each one done. */
export async function pool<T, R>(
  items: T[],
  width: number,
  work: (item: T, index: number) => Promise<R>,
  onDone: (index: number, result: R) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      onDone(index, await work(items[index], index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
