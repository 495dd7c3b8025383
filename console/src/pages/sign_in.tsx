// Signing in (e-mail, password, the authenticator's code) and changing the password (required
// after the first sign-in).
import { useState } from "preact/hooks";

import { type Me, api } from "../api";
import { Field, type FieldErrors, FormError, errorsOf } from "../ui";

export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const totp = String(form.get("totp") ?? "").trim();
    const local: FieldErrors = {};
    if (!email.includes("@")) local.email = "请输入邮箱地址";
    if (!password) local.password = "请输入密码";
    if (!/^\d{6}$/.test(totp)) local.totp = "请输入身份验证器中的 6 位数字";
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      onSignedIn(await api<Me>("POST", "/admin/session", { email, password, totp }));
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card narrow" onSubmit={submit} noValidate>
      <h1>商家后台登录</h1>
      <Field label="邮箱" name="email" errors={errors}>
        <input name="email" type="email" autocomplete="username" required />
      </Field>
      <Field label="密码" name="password" errors={errors}>
        <input name="password" type="password" autocomplete="current-password" required />
      </Field>
      <Field label="动态验证码" name="totp" errors={errors}>
        <input name="totp" inputMode="numeric" autocomplete="one-time-code" maxLength={6} required />
      </Field>
      <FormError errors={errors} />
      <button type="submit" disabled={busy}>
        {busy ? "登录中…" : "登录"}
      </button>
    </form>
  );
}

export function PasswordPage(props: { me: Me; forced?: boolean; onChanged: () => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const current = String(form.get("current") ?? "");
    const next = String(form.get("new") ?? "");
    const local: FieldErrors = {};
    if (!current) local.current = "请输入当前密码";
    if ([...next].length < 12) local.new = "新密码至少 12 个字符";
    else if (next !== form.get("again")) local.again = "两次输入的新密码不一致";
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      await api("POST", "/admin/password", { current, new: next });
      setDone(true);
      props.onChanged();
    } catch (error) {
      setErrors(errorsOf(error));
    }
  };

  return (
    <form class="card narrow" onSubmit={submit} noValidate>
      <h1>修改密码</h1>
      {props.forced && <p class="note">首次登录请先修改初始密码。其他已登录的设备将退出登录。</p>}
      <Field label="当前密码" name="current" errors={errors}>
        <input name="current" type="password" autocomplete="current-password" />
      </Field>
      <Field label="新密码（至少 12 个字符）" name="new" errors={errors}>
        <input name="new" type="password" autocomplete="new-password" />
      </Field>
      <Field label="再次输入新密码" name="again" errors={errors}>
        <input name="again" type="password" autocomplete="new-password" />
      </Field>
      <FormError errors={errors} />
      {done && <p class="ok">密码已修改</p>}
      <button type="submit">保存</button>
    </form>
  );
}
