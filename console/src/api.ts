// The operator API, as the console calls it: same origin, the session in its HttpOnly cookie
// (never readable here), the session's CSRF token on every change, and each answer's envelope
// turned into data or an ApiError that knows which field it is about.

export type Role = "owner" | "manager" | "fulfilment" | "support" | "finance";

export interface Me {
  id: string;
  email: string;
  role: Role;
  csrfToken: string;
  mustChangePassword: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly requestId: string,
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken = "";

/** Remembers the session's CSRF token (from the sign-in or `GET /admin/me`). */
export function useCsrf(token: string) {
  csrfToken = token;
}

/** Calls the API; answers `data` or throws an ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 0, "网络连接失败，请检查网络后重试", "");
  }
  const envelope = await response.json().catch(() => ({ code: 50001, message: "internal error" }));
  if (response.ok) return envelope.data as T;
  const message: string = envelope.message ?? "请求失败";
  // "validation failed: <field>: <reason>": the field the form shows it next to.
  const validation = /^validation failed: ([A-Za-z0-9_.[\]]+): (.*)$/s.exec(message);
  const retryAfter = Number(response.headers.get("retry-after") ?? "") || undefined;
  throw new ApiError(
    response.status,
    envelope.code ?? 0,
    validation ? validation[2] : message,
    envelope.requestId ?? "",
    validation ? validation[1].split(/[.[]/)[0] : undefined,
    retryAfter,
  );
}

/** A query string of the given values, skipping empty ones. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** What the console says about an error (Chinese first, the request id for support). */
export function describe(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  const known: Record<number, string> = {
    40109: "登录已失效，请重新登录",
    40110: "邮箱、密码或验证码错误",
    40303: "当前角色无此权限",
    40304: "请求来源校验失败，请刷新页面后重试",
    40305: "请先修改初始密码",
    40401: "未找到",
    42904: `登录失败次数过多，请 ${error.retryAfter ?? 60} 秒后再试`,
  };
  const text = known[error.code] ?? error.message;
  return error.status >= 500 ? `${text}（请求编号 ${error.requestId}）` : text;
}

export const ROLE_NAMES: Record<Role, string> = {
  owner: "店主",
  manager: "店长",
  fulfilment: "仓储发货",
  support: "客服",
  finance: "财务",
};

/** Which roles see each part of the console (the server checks every call all the same). */
export const CAN = {
  orders: ["owner", "manager", "fulfilment", "support", "finance"],
  ship: ["owner", "manager", "fulfilment"],
  catalog: ["owner", "manager"],
  afterSales: ["owner", "manager", "fulfilment", "support", "finance"],
  decide: ["owner", "manager"],
  receive: ["owner", "manager", "fulfilment"],
  refund: ["owner", "manager", "finance"],
  records: ["owner", "manager", "finance"],
  operators: ["owner"],
} satisfies Record<string, Role[]>;

export function can(me: Me, what: keyof typeof CAN): boolean {
  return (CAN[what] as Role[]).includes(me.role);
}

/** Fen as yuan: 2500 -> "25.00". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Today in China time, YYYY-MM-DD (the shop's day). */
export function chinaDay(at: Date = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** A timestamp in China time, "2026-12-04 18:30". */
export function chinaTime(iso: string | undefined): string {
  if (!iso) return "-";
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
}
