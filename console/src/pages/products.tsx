// Products: every product, on sale or not; creating and editing one whole (its specs and SKUs
// with their prices; an existing SKU keeps its live stock); stock adjusted with a reason; on and
// off the shelf.
import { useEffect, useState } from "preact/hooks";

import { type Me, api, can, query, yuan } from "../api";
import type { Page } from "../types";
import { Failure, Field, type FieldErrors, FormError, errorsOf } from "../ui";

interface Sku {
  skuId: string;
  specValues: Record<string, string>;
  priceFen: number;
  stock: number;
  image?: string;
}

interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  images: string[];
  status: "ON_SALE" | "OFF_SALE";
  fulfilment: "physical" | "virtual";
  sortOrder: number;
  priceFen: number;
  stock: number;
  specs: { name: string; values: string[] }[];
  skus: Sku[];
}

export function ProductsPage({ me, id }: { me: Me; id?: string }) {
  if (id !== undefined) return <ProductForm me={me} id={id} />;
  return <ProductList me={me} />;
}

function ProductList({ me }: { me: Me }) {
  const [products, setProducts] = useState<Product[]>([]);
  const [next, setNext] = useState<string | null | undefined>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (after?: string | null) => {
    try {
      const page = await api<Page<Product>>("GET", "/admin/products" + query({ limit: 50, after }));
      setProducts(after ? [...products, ...page.items] : page.items);
      setNext(page.next);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, []);
  return (
    <section>
      <h1>商品</h1>
      {can(me, "catalog") && (
        <p>
          <a class="button" href="#/products/new">
            新建商品
          </a>
        </p>
      )}
      {error ? <Failure error={error} /> : null}
      <table class="list" data-list="products">
        <thead>
          <tr>
            <th>编号</th>
            <th>名称</th>
            <th>价格</th>
            <th>库存</th>
            <th>规格数</th>
            <th>状态</th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => {
            const prices = product.skus.map((sku) => sku.priceFen);
            const low = Math.min(...prices);
            const high = Math.max(...prices);
            return (
              <tr data-product={product.id}>
                <td>
                  <a href={`#/products/${product.id}`}>{product.id}</a>
                </td>
                <td>{product.name}</td>
                <td>{low === high ? `¥${yuan(low)}` : `¥${yuan(low)} - ¥${yuan(high)}`}</td>
                <td>{product.stock}</td>
                <td>{product.skus.length}</td>
                <td>{product.status === "ON_SALE" ? "在售" : "已下架"}</td>
              </tr>
            );
          })}
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

interface SpecDraft {
  name: string;
  values: string;
}

/** Every combination of the specs' values, in their order. */
function combinations(specs: { name: string; values: string[] }[]): Record<string, string>[] {
  return specs.reduce<Record<string, string>[]>(
    (rows, spec) => rows.flatMap((row) => spec.values.map((value) => ({ ...row, [spec.name]: value }))),
    [{}],
  );
}

const key = (values: Record<string, string>) => JSON.stringify(Object.entries(values).sort());

function ProductForm({ me, id }: { me: Me; id: string }) {
  const creating = id === "new";
  const [product, setProduct] = useState<Product | null>(null);
  const [specs, setSpecs] = useState<SpecDraft[]>([]);
  const [skus, setSkus] = useState<Sku[]>([]);
  const [images, setImages] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const adopt = (p: Product) => {
    setProduct(p);
    setSpecs(p.specs.map((spec) => ({ name: spec.name, values: spec.values.join("，") })));
    setSkus(p.skus);
    setImages(p.images);
  };
  useEffect(() => {
    if (creating) {
      adopt({
        id: "", name: "", description: "", category: "", images: [], status: "OFF_SALE", fulfilment: "physical",
        sortOrder: 100, priceFen: 0, stock: 0, specs: [], skus: [{ skuId: "default", specValues: {}, priceFen: 0, stock: 0 }],
      });
      return;
    }
    // No single-product admin read: the list has every product.
    (async () => {
      let after: string | null | undefined;
      do {
        const page = await api<Page<Product>>("GET", "/admin/products" + query({ limit: 50, after }));
        const found = page.items.find((p) => p.id === id);
        if (found) return adopt(found);
        after = page.next;
      } while (after);
      setError(new Error("未找到该商品"));
    })().catch(setError);
  }, [id]);

  const parsedSpecs = specs
    .filter((spec) => spec.name.trim())
    .map((spec) => ({ name: spec.name.trim(), values: spec.values.split(/[,，]/).map((v) => v.trim()).filter(Boolean) }));
  // The SKU rows follow the specs: one per combination, keeping what was typed for each.
  const rows: Sku[] = parsedSpecs.length
    ? combinations(parsedSpecs).map((values, i) => {
        const known = skus.find((sku) => key(sku.specValues) === key(values));
        return known ?? { skuId: `sku${i + 1}`, specValues: values, priceFen: 0, stock: 0 };
      })
    : [skus.find((sku) => Object.keys(sku.specValues).length === 0) ?? { skuId: "default", specValues: {}, priceFen: 0, stock: 0 }];
  const setRow = (index: number, change: Partial<Sku>) => {
    const next = rows.map((row, i) => (i === index ? { ...row, ...change } : row));
    setSkus([...next, ...skus.filter((sku) => !next.some((row) => key(row.specValues) === key(sku.specValues)))]);
  };

  if (error) return <Failure error={error} />;
  if (!product) return <p class="loading">加载中…</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const productId = creating ? String(form.get("id") ?? "").trim() : product.id;
    const local: FieldErrors = {};
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(productId)) local.id = "编号为 1-64 位字母、数字、- 或 _";
    const name = String(form.get("name") ?? "").trim();
    if (!name) local.name = "请填写商品名称";
    const category = String(form.get("category") ?? "").trim();
    if (!category) local.category = "请填写分类";
    rows.forEach((row, i) => {
      if (!(row.priceFen > 0)) local[`price${i}`] = "请填写价格";
    });
    setErrors(local);
    if (Object.keys(local).length) return;
    const body: Record<string, unknown> = {
      name,
      description: String(form.get("description") ?? ""),
      category,
      images,
      status: form.get("status"),
      fulfilment: form.get("fulfilment"),
      sortOrder: Number(form.get("sortOrder") ?? 0),
    };
    if (parsedSpecs.length) {
      body.specs = parsedSpecs;
      body.skus = rows.map((row) => ({
        skuId: row.skuId,
        specValues: row.specValues,
        priceFen: row.priceFen,
        stock: row.stock,
        ...(row.image ? { image: row.image } : {}),
      }));
    } else {
      body.priceFen = rows[0].priceFen;
      body.stock = rows[0].stock;
    }
    try {
      adopt(await api<Product>("PUT", `/admin/products/${encodeURIComponent(productId)}`, body));
      setSaved(true);
      if (creating) location.hash = `#/products/${encodeURIComponent(productId)}`;
    } catch (e) {
      setErrors(errorsOf(e));
      setSaved(false);
    }
  };

  return (
    <section>
      <h1>{creating ? "新建商品" : `编辑商品 ${product.id}`}</h1>
      <form class="card" onSubmit={submit} data-form="product" noValidate>
        <div class="filters">
          {creating && (
            <Field label="商品编号" name="id" errors={errors}>
              <input name="id" />
            </Field>
          )}
          <Field label="名称" name="name" errors={errors}>
            <input name="name" defaultValue={product.name} maxLength={100} />
          </Field>
          <Field label="分类" name="category" errors={errors}>
            <input name="category" defaultValue={product.category} />
          </Field>
          <Field label="排序" name="sortOrder" errors={errors}>
            <input name="sortOrder" type="number" min={0} defaultValue={String(product.sortOrder)} />
          </Field>
          <Field label="状态" name="status" errors={errors}>
            <select name="status">
              <option value="ON_SALE" selected={product.status === "ON_SALE"}>
                在售
              </option>
              <option value="OFF_SALE" selected={product.status === "OFF_SALE"}>
                下架
              </option>
            </select>
          </Field>
          <Field label="类型" name="fulfilment" errors={errors}>
            <select name="fulfilment">
              <option value="physical" selected={product.fulfilment === "physical"}>
                实物（需发货）
              </option>
              <option value="virtual" selected={product.fulfilment === "virtual"}>
                虚拟商品
              </option>
            </select>
          </Field>
        </div>
        <Field label="描述" name="description" errors={errors}>
          <textarea name="description" rows={3} maxLength={1000} defaultValue={product.description} />
        </Field>
        <Field label="图片链接（每行一个 https 地址，最多 9 张）" name="images" errors={errors}>
          <textarea name="images" rows={2} value={images.join("\n")} onInput={(e) => setImages((e.target as HTMLTextAreaElement).value.split(/\s+/).filter(Boolean))} />
        </Field>
        <ImageUpload onUploaded={(url) => setImages([...images, url])} disabled={images.length >= 9} />
        <h2>规格（最多 3 种，值用逗号分隔）</h2>
        {specs.map((spec, i) => (
          <div class="filters" data-spec={i}>
            <label class="field">
              <span>规格名</span>
              <input
                value={spec.name}
                aria-label={`规格名 ${i + 1}`}
                onInput={(e) => setSpecs(specs.map((s, j) => (j === i ? { ...s, name: (e.target as HTMLInputElement).value } : s)))}
              />
            </label>
            <label class="field">
              <span>规格值</span>
              <input
                value={spec.values}
                aria-label={`规格值 ${i + 1}`}
                onInput={(e) => setSpecs(specs.map((s, j) => (j === i ? { ...s, values: (e.target as HTMLInputElement).value } : s)))}
              />
            </label>
            <button type="button" class="secondary" onClick={() => setSpecs(specs.filter((_, j) => j !== i))}>
              删除
            </button>
          </div>
        ))}
        {specs.length < 3 && (
          <button type="button" class="secondary" onClick={() => setSpecs([...specs, { name: "", values: "" }])}>
            添加规格
          </button>
        )}
        <table class="list" data-list="skus">
          <thead>
            <tr>
              <th>规格</th>
              <th>SKU 编号</th>
              <th>价格（元）</th>
              <th>{creating ? "库存" : "库存（新 SKU）"}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const existing = !creating && product.skus.some((sku) => sku.skuId === row.skuId);
              return (
                <tr data-sku={i}>
                  <td>{Object.values(row.specValues).join(" / ") || "默认"}</td>
                  <td>
                    <input
                      aria-label={`SKU 编号 ${i + 1}`}
                      value={row.skuId}
                      disabled={existing || !parsedSpecs.length}
                      onInput={(e) => setRow(i, { skuId: (e.target as HTMLInputElement).value })}
                    />
                  </td>
                  <td>
                    <Field label="" name={`price${i}`} errors={errors}>
                      <input
                        aria-label={`价格 ${i + 1}`}
                        inputMode="decimal"
                        defaultValue={row.priceFen ? yuan(row.priceFen) : ""}
                        onInput={(e) => setRow(i, { priceFen: Math.round(Number((e.target as HTMLInputElement).value) * 100) })}
                      />
                    </Field>
                  </td>
                  <td>
                    {existing ? (
                      row.stock
                    ) : (
                      <input
                        aria-label={`库存 ${i + 1}`}
                        type="number"
                        min={0}
                        value={row.stock}
                        onInput={(e) => setRow(i, { stock: Number((e.target as HTMLInputElement).value) })}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <FormError errors={errors} />
        {saved && <p class="ok">已保存</p>}
        {can(me, "catalog") && <button type="submit">保存</button>}
      </form>
      {!creating && can(me, "catalog") && <StockForm product={product} onAdjusted={adopt} />}
    </section>
  );
}

interface ImageGrant {
  url: string;
  fields: Record<string, string>;
  imageUrl: string;
}

/** Uploads one image the way the mini-program uploads files: a presigned POST straight to the
 * bucket, then its URL goes into the product's images. */
function ImageUpload({ onUploaded, disabled }: { onUploaded: (url: string) => void; disabled: boolean }) {
  const [state, setState] = useState("");
  const [error, setError] = useState("");
  const upload = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError("");
    setState("上传中…");
    try {
      const grant = await api<ImageGrant>("POST", "/admin/images", { contentType: file.type, size: file.size });
      const form = new FormData();
      for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
      form.append("file", file);
      const posted = await fetch(grant.url, { method: "POST", body: form });
      if (posted.status !== 201 && posted.status !== 204) throw new Error(`上传失败（${posted.status}）`);
      onUploaded(grant.imageUrl);
      setState("已上传");
    } catch (e) {
      setState("");
      setError(errorsOf(e)[""] ?? Object.values(errorsOf(e))[0]);
    } finally {
      input.value = "";
    }
  };
  return (
    <div class="field">
      <span>上传图片（JPG、PNG、WebP，最大 5 MB）</span>
      <input type="file" accept="image/jpeg,image/png,image/webp" aria-label="上传图片" onChange={upload} disabled={disabled} />
      {state && <small data-upload-state>{state}</small>}
      {error && <small class="field-error" role="alert">{error}</small>}
    </div>
  );
}

function StockForm({ product, onAdjusted }: { product: Product; onAdjusted: (p: Product) => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const delta = Number(form.get("delta"));
    const reason = String(form.get("reason") ?? "").trim();
    const local: FieldErrors = {};
    if (!Number.isInteger(delta) || delta === 0) local.delta = "请输入非零整数（负数为减少）";
    if (!reason) local.reason = "请填写调整原因";
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      onAdjusted(await api<Product>("POST", `/admin/products/${product.id}/stock`, { skuId: form.get("skuId"), delta, reason }));
      (event.target as HTMLFormElement).reset();
    } catch (e) {
      setErrors(errorsOf(e));
    }
  };
  return (
    <form class="card" onSubmit={submit} data-form="stock" noValidate>
      <h2>调整库存</h2>
      <div class="filters">
        <Field label="SKU" name="skuId" errors={errors}>
          <select name="skuId">
            {product.skus.map((sku) => (
              <option value={sku.skuId}>
                {Object.values(sku.specValues).join(" / ") || "默认"}（库存 {sku.stock}）
              </option>
            ))}
          </select>
        </Field>
        <Field label="增减数量" name="delta" errors={errors}>
          <input name="delta" type="number" />
        </Field>
        <Field label="原因" name="reason" errors={errors}>
          <input name="reason" maxLength={200} />
        </Field>
        <button type="submit">调整</button>
      </div>
      <FormError errors={errors} />
    </form>
  );
}
