// Operators (owners): who may sign in and in which role; new accounts show their initial
// password and authenticator URI once.
import { useEffect, useState } from "preact/hooks";

import { type Me, ROLE_NAMES, type Role, api, chinaTime } from "../api";
import { Failure, Field, type FieldErrors, FormError, errorsOf } from "../ui";

interface Operator {
  id: string;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  lockedUntil?: string;
  lastSignInAt?: string;
}

interface Credentials {
  email: string;
  password: string;
  totpUri: string;
}

export function OperatorsPage({ me }: { me: Me }) {
  const [operators, setOperators] = useState<Operator[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [shown, setShown] = useState<Credentials | null>(null);
  const load = () =>
    api<{ items: Operator[] }>("GET", "/admin/operators")
      .then((list) => setOperators(list.items))
      .catch(setError);
  useEffect(() => {
    load();
  }, []);

  const create = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get("email") ?? "").trim();
    if (!email.includes("@")) {
      setErrors({ email: "请输入邮箱地址" });
      return;
    }
    try {
      const created = await api<{ operator: Operator; password: string; totpUri: string }>("POST", "/admin/operators", {
        email,
        role: form.get("role"),
      });
      setErrors({});
      setShown({ email: created.operator.email, password: created.password, totpUri: created.totpUri });
      (event.target as HTMLFormElement).reset();
      load();
    } catch (e) {
      setErrors(errorsOf(e));
    }
  };
  const change = async (operator: Operator, body: { role?: Role; reset?: boolean }) => {
    try {
      const changed = await api<{ password?: string; totpUri?: string }>("PATCH", `/admin/operators/${operator.id}`, body);
      if (changed.password && changed.totpUri) {
        setShown({ email: operator.email, password: changed.password, totpUri: changed.totpUri });
      }
      load();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (operator: Operator) => {
    if (!confirm(`删除操作员 ${operator.email}？`)) return;
    await api("DELETE", `/admin/operators/${operator.id}`).catch(setError);
    load();
  };

  return (
    <section>
      <h1>操作员</h1>
      {error ? <Failure error={error} /> : null}
      {shown && (
        <div class="card notice" role="status" data-credentials={shown.email}>
          <p>
            {shown.email} 的初始密码（只显示这一次）：<code data-field="password">{shown.password}</code>
          </p>
          <p>
            身份验证器链接：<code data-field="totp-uri">{shown.totpUri}</code>
          </p>
          <button type="button" class="secondary" onClick={() => setShown(null)}>
            我已记下
          </button>
        </div>
      )}
      <table class="list" data-list="operators">
        <thead>
          <tr>
            <th>邮箱</th>
            <th>角色</th>
            <th>状态</th>
            <th>最近登录</th>
            <th>操作</th>
          </tr>
        </thead>
        <tbody>
          {operators.map((operator) => (
            <tr data-operator={operator.email}>
              <td>{operator.email}</td>
              <td>
                {operator.id === me.id ? (
                  ROLE_NAMES[operator.role]
                ) : (
                  <select
                    value={operator.role}
                    aria-label="角色"
                    onChange={(e) => change(operator, { role: (e.target as HTMLSelectElement).value as Role })}
                  >
                    {Object.entries(ROLE_NAMES).map(([value, label]) => (
                      <option value={value}>{label}</option>
                    ))}
                  </select>
                )}
              </td>
              <td>
                {operator.lockedUntil ? `锁定至 ${chinaTime(operator.lockedUntil)}` : operator.mustChangePassword ? "待修改初始密码" : "正常"}
              </td>
              <td>{chinaTime(operator.lastSignInAt)}</td>
              <td>
                {operator.id !== me.id && (
                  <>
                    <button type="button" class="secondary" onClick={() => change(operator, { reset: true })}>
                      重置密码和验证器
                    </button>
                    <button type="button" class="danger" onClick={() => remove(operator)}>
                      删除
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card" onSubmit={create} noValidate>
        <h2>新建操作员</h2>
        <div class="filters">
          <Field label="邮箱" name="email" errors={errors}>
            <input name="email" type="email" />
          </Field>
          <Field label="角色" name="role" errors={errors}>
            <select name="role">
              {Object.entries(ROLE_NAMES).map(([value, label]) => (
                <option value={value}>{label}</option>
              ))}
            </select>
          </Field>
          <button type="submit">创建</button>
        </div>
        <FormError errors={errors} />
      </form>
    </section>
  );
}
