// The console: signs the operator in, then shows the screens their role may use. Routes are
// hashes (#/orders, #/orders/<id>), so the page is one static file behind the API's domain.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { type Me, ROLE_NAMES, api, can, useCsrf } from "./api";
import { AfterSalesPage } from "./pages/after_sales";
import { AuditPage } from "./pages/audit";
import { Dashboard } from "./pages/dashboard";
import { OrderPage } from "./pages/order";
import { OrdersPage } from "./pages/orders";
import { OperatorsPage } from "./pages/operators";
import { ProductsPage } from "./pages/products";
import { ReconciliationPage } from "./pages/reconciliation";
import { RefundIssuesPage } from "./pages/refund_issues";
import { PasswordPage, SignInPage } from "./pages/sign_in";
import { ShippingPage } from "./pages/shipping";

function useHash(): string {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const changed = () => setHash(location.hash || "#/");
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();

  useEffect(() => {
    api<Me>("GET", "/admin/me")
      .then((who) => {
        useCsrf(who.csrfToken);
        setMe(who);
      })
      .catch(() => setMe(null));
  }, []);

  if (me === undefined) return <p class="loading">加载中…</p>;
  if (me === null) {
    return (
      <SignInPage
        onSignedIn={(who) => {
          useCsrf(who.csrfToken);
          setMe(who);
          location.hash = "#/";
        }}
      />
    );
  }
  if (me.mustChangePassword) {
    return <PasswordPage me={me} forced onChanged={() => setMe({ ...me, mustChangePassword: false })} />;
  }

  const signOut = async () => {
    await api("DELETE", "/admin/session").catch(() => undefined);
    setMe(null);
  };
  const nav: [string, string, boolean][] = [
    ["#/", "概览", true],
    ["#/orders", "订单", can(me, "orders")],
    ["#/products", "商品", can(me, "orders")],
    ["#/shipping", "批量发货", can(me, "ship")],
    ["#/after-sales", "售后", can(me, "afterSales")],
    ["#/refund-issues", "退款异常", can(me, "refund")],
    ["#/reconciliation", "对账", can(me, "records")],
    ["#/audit", "操作日志", can(me, "records")],
    ["#/operators", "操作员", can(me, "operators")],
    ["#/password", "修改密码", true],
  ];
  const [, route, param] = /^#\/([a-z-]*)\/?(.*)$/.exec(hash) ?? ["", "", ""];
  let page;
  switch (route) {
    case "orders":
      page = param ? <OrderPage me={me} id={decodeURIComponent(param)} /> : <OrdersPage me={me} />;
      break;
    case "products":
      page = <ProductsPage me={me} id={param ? decodeURIComponent(param) : undefined} />;
      break;
    case "shipping":
      page = <ShippingPage />;
      break;
    case "after-sales":
      page = <AfterSalesPage me={me} />;
      break;
    case "refund-issues":
      page = <RefundIssuesPage />;
      break;
    case "reconciliation":
      page = <ReconciliationPage date={param ? decodeURIComponent(param) : undefined} />;
      break;
    case "audit":
      page = <AuditPage />;
      break;
    case "operators":
      page = <OperatorsPage me={me} />;
      break;
    case "password":
      page = <PasswordPage me={me} onChanged={() => (location.hash = "#/")} />;
      break;
    default:
      page = <Dashboard me={me} />;
  }
  return (
    <div class="shell">
      <header>
        <strong>商家后台</strong>
        <nav>
          {nav
            .filter(([, , shown]) => shown)
            .map(([href, label]) => (
              <a href={href} class={hash === href || (href !== "#/" && hash.startsWith(href)) ? "active" : ""}>
                {label}
              </a>
            ))}
        </nav>
        <span class="who">
          {me.email}（{ROLE_NAMES[me.role]}）
          <button type="button" class="link" onClick={signOut}>
            退出
          </button>
        </span>
      </header>
      <main>{page}</main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
