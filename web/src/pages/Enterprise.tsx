import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { computeCommission } from "../../../src/app/marketing/policy.js";
import { yuan as yuanDigits } from "../../../src/app/marketing/queries.js";
import type { ProductInput } from "../../../src/app/marketing/records.js";
import {
  type PolicyRules,
  policyRules,
  REASON_CODES,
  type ReasonCode,
} from "../../../src/app/marketing/records.js";
import { api, type OrderViewJson, type ProductJson } from "../chain/api.js";
import { importBatch, PRODUCT_COLUMNS, PRODUCT_EXAMPLE, parseProductsCsv } from "../chain/import-csv.js";
import { recentOrders } from "../chain/orders.js";
import { checkRefundRequest, parseRefundRequest, type RefundRequest } from "../chain/refund-request.js";
import { useSuite } from "../chain/suite.js";
import { eventAttribute, idempotencyKey } from "../chain/tx.js";
import { parseYuan, percentOfBps, yuan } from "../components/format.js";
import { ErrorState, QueryState, useErrorText } from "../components/states.js";
import { statusTag } from "../components/status-tag.js";
import { useSubmit } from "../components/submit.js";
import { UnlockGate } from "../components/unlock.js";
import { useSession } from "../session.js";
import { Dashboard } from "./enterprise/Dashboard.js";
import { Employees } from "./enterprise/Employees.js";
import { ImportCsv } from "./enterprise/ImportCsv.js";
import { PaymentService } from "./enterprise/PaymentService.js";
import { PolicyVersions } from "./enterprise/PolicyVersions.js";
import { Withdrawals } from "./enterprise/Withdrawals.js";

const yuanRule = (t: (k: string) => string) => ({
  validator: (_: unknown, v: string) =>
    parseYuan(v ?? "") !== undefined ? Promise.resolve() : Promise.reject(new Error(t("form.yuanInvalid"))),
});

interface ProductForm {
  sku: string;
  name: string;
  category: string;
  price: string;
  cost: string;
  stock: number;
  channels: string[];
  returnWindowDays: number;
  terms?: string;
  status: "active" | "inactive";
}

const NEW_PRODUCT = {
  channels: ["online"],
  returnWindowDays: 7,
  stock: 100,
  category: "tea",
  status: "active",
};

/** A product as the form shows it: fen as yuan text, with no float on the way. */
function formOf(p: ProductJson): ProductForm {
  return {
    sku: p.sku,
    name: p.name,
    category: p.category,
    price: yuanDigits(BigInt(p.priceFen)),
    cost: yuanDigits(BigInt(p.costFen)),
    stock: Number(p.stock),
    channels: p.channels,
    returnWindowDays: p.returnWindowDays,
    terms: p.serviceTerms,
    status: p.status === "inactive" ? "inactive" : "active",
  };
}

/** An amount that may be left empty. */
const optionalYuanRule = (t: (k: string) => string) => ({
  validator: (_: unknown, v: string | undefined) =>
    !v || parseYuan(v) !== undefined ? Promise.resolve() : Promise.reject(new Error(t("form.yuanInvalid"))),
});

function Products({ org }: { org: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { submit, busy } = useSubmit();
  const [form] = Form.useForm<ProductForm>();
  // The SKU being edited: the same importBatch writes it again, keeping its reserved and sold units.
  const [editing, setEditing] = useState<string>();
  const products = useQuery({ queryKey: ["products", org], queryFn: () => api.products(org) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["products", org] });
  const onFinish = async (v: ProductForm) => {
    const done = await submit(
      importBatch({
        products: [
          {
            sku: v.sku,
            name: v.name,
            category: v.category,
            priceFen: parseYuan(v.price)!,
            costFen: parseYuan(v.cost)!,
            stock: BigInt(v.stock),
            channels: v.channels,
            serviceTerms: v.terms ?? "",
            returnWindowDays: v.returnWindowDays,
            status: v.status,
          },
        ],
      }),
    );
    if (done) {
      setEditing(undefined);
      form.resetFields();
      await refresh();
    }
  };
  const edit = (p: ProductJson) => {
    setEditing(p.sku);
    form.setFieldsValue(formOf(p));
  };
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} xl={14}>
        <Space direction="vertical" size="large" className="full-width">
          <QueryState
            query={products}
            isEmpty={(d) => d.products.length === 0}
            empty={t("enterprise.noProducts")}
          >
            {(d) => (
              <Table<ProductJson>
                rowKey="sku"
                size="small"
                scroll={{ x: true }}
                dataSource={d.products}
                pagination={false}
                data-testid="product-table"
                columns={[
                  { title: t("product.sku"), dataIndex: "sku" },
                  { title: t("product.name"), dataIndex: "name" },
                  { title: t("product.price"), dataIndex: "priceFen", render: yuan },
                  { title: t("product.cost"), dataIndex: "costFen", render: yuan },
                  {
                    title: t("product.stock"),
                    dataIndex: "stock",
                    render: (s: string, p) => <span data-testid={`stock-${p.sku}`}>{s}</span>,
                  },
                  { title: t("product.sold"), dataIndex: "sold" },
                  {
                    title: t("product.channels"),
                    dataIndex: "channels",
                    render: (c: string[]) => c.map((x) => <Tag key={x}>{x}</Tag>),
                  },
                  {
                    title: t("product.status"),
                    dataIndex: "status",
                    render: (s: string) => t(`productStatus.${s}`, { defaultValue: s }),
                  },
                  {
                    title: "",
                    render: (_, p) => (
                      <Button size="small" onClick={() => edit(p)} data-testid={`edit-${p.sku}`}>
                        {t("enterprise.edit")}
                      </Button>
                    ),
                  },
                ]}
              />
            )}
          </QueryState>
          <ImportCsv<ProductInput>
            testId="erp"
            title={t("import.erpTitle")}
            columns={PRODUCT_COLUMNS}
            example={PRODUCT_EXAMPLE}
            parse={parseProductsCsv}
            toOperation={(products) => importBatch({ products })}
            onImported={() => void refresh()}
          />
        </Space>
      </Col>
      <Col xs={24} xl={10}>
        <Card
          title={editing ? t("enterprise.editProduct", { sku: editing }) : t("enterprise.listProduct")}
          data-testid={editing ? "product-editing" : "product-new"}
          extra={
            editing ? (
              <Button
                size="small"
                onClick={() => {
                  setEditing(undefined);
                  form.resetFields();
                }}
              >
                {t("enterprise.cancelEdit")}
              </Button>
            ) : null
          }
        >
          <Form<ProductForm> form={form} layout="vertical" onFinish={onFinish} initialValues={NEW_PRODUCT}>
            <Form.Item
              name="sku"
              label={t("product.sku")}
              rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,64}$/, message: t("form.skuInvalid") }]}
            >
              <Input data-testid="product-sku" disabled={editing !== undefined} />
            </Form.Item>
            <Form.Item
              name="name"
              label={t("product.name")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <Input data-testid="product-name" />
            </Form.Item>
            <Form.Item
              name="category"
              label={t("product.category")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <Input />
            </Form.Item>
            <Space wrap>
              <Form.Item
                name="price"
                label={t("product.priceYuan")}
                rules={[{ required: true, message: t("form.required") }, yuanRule(t)]}
              >
                <Input data-testid="product-price" inputMode="decimal" />
              </Form.Item>
              <Form.Item
                name="cost"
                label={t("product.costYuan")}
                rules={[{ required: true, message: t("form.required") }, yuanRule(t)]}
              >
                <Input data-testid="product-cost" inputMode="decimal" />
              </Form.Item>
              <Form.Item name="stock" label={t("product.stock")} rules={[{ required: true }]}>
                <InputNumber min={0} max={1_000_000_000} data-testid="product-stock" />
              </Form.Item>
              <Form.Item name="returnWindowDays" label={t("product.returnWindow")}>
                <InputNumber min={0} max={365} data-testid="product-return-window" />
              </Form.Item>
            </Space>
            <Form.Item
              name="channels"
              label={t("product.channels")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <Select
                mode="tags"
                data-testid="product-channels"
                options={["online", "distributor", "offline"].map((c) => ({ value: c, label: c }))}
              />
            </Form.Item>
            <Form.Item name="terms" label={t("product.terms")}>
              <Input.TextArea rows={2} maxLength={512} data-testid="product-terms" />
            </Form.Item>
            <Form.Item name="status" label={t("product.status")}>
              <Select
                className="role-select"
                data-testid="product-status"
                options={(["active", "inactive"] as const).map((s) => ({
                  value: s,
                  label: t(`productStatus.${s}`),
                }))}
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="product-submit">
              {editing ? t("enterprise.saveProduct") : t("enterprise.listProductSubmit")}
            </Button>
          </Form>
        </Card>
      </Col>
    </Row>
  );
}

interface PolicyForm {
  policyId: string;
  scopeKind: "enterprise" | "category" | "product";
  scopeValue?: string;
  basePercent: number;
  fixedYuan?: string;
  capOrderYuan?: string;
  sampleYuan: string;
  sampleUnits: number;
}

function rulesOf(v: Partial<PolicyForm>): PolicyRules {
  const cap = v.capOrderYuan ? parseYuan(v.capOrderYuan) : undefined;
  return policyRules({
    baseBps: Math.round((v.basePercent ?? 0) * 100),
    fixedPerUnitFen: (v.fixedYuan ? parseYuan(v.fixedYuan) : 0n) ?? 0n,
    capPerOrderFen: cap,
  });
}

/** A live preview of a sample order under the draft, by the chain's own commission function. */
function Preview({ values }: { values: Partial<PolicyForm> }) {
  const { t } = useTranslation();
  const amount = parseYuan(values.sampleYuan ?? "");
  if (amount === undefined || values.basePercent === undefined)
    return <Typography.Text type="secondary">{t("policy.previewHint")}</Typography.Text>;
  const outcome = computeCommission({
    rules: rulesOf(values),
    netReceivedFen: amount,
    units: BigInt(values.sampleUnits ?? 1),
    channel: "online",
    windowVolumeFen: 0n,
    windowCommissionFen: 0n,
    ownPurchase: false,
    hasTeamLead: false,
  });
  return (
    <Space size="large" wrap data-testid="policy-preview">
      <Statistic title={t("policy.previewRate")} value={percentOfBps(outcome.rateBps)} />
      <Statistic title={t("policy.previewCommission")} value={yuan(outcome.totalFen)} />
      <Statistic
        title={t("policy.previewNote")}
        value={t(`notes.${outcome.note}`, { defaultValue: outcome.note })}
      />
    </Space>
  );
}

function Policy({ org }: { org: string }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [form] = Form.useForm<PolicyForm>();
  const values = Form.useWatch([], form) ?? {};
  const [published, setPublished] = useState<string>();
  const onFinish = async (v: PolicyForm) => {
    const done = await submit({
      kind: "setRoyaltyPolicy",
      value: {
        idempotencyKey: idempotencyKey("policy"),
        policyId: v.policyId,
        scopeKind: v.scopeKind,
        scopeValue: v.scopeKind === "enterprise" ? "" : (v.scopeValue ?? ""),
        rules: rulesOf(v),
      },
    });
    // The publishing block refreshes the versions below (live invalidation).
    if (done) setPublished(eventAttribute(done.result, "royaltyPolicyPublished", "version"));
  };
  return (
    <Space direction="vertical" size="large" className="full-width">
      <Card title={t("policy.title", { org })}>
        <Form<PolicyForm>
          form={form}
          layout="vertical"
          onFinish={onFinish}
          initialValues={{
            policyId: "default",
            scopeKind: "enterprise",
            basePercent: 10,
            sampleYuan: "298.00",
            sampleUnits: 1,
          }}
        >
          <Space wrap>
            <Form.Item
              name="policyId"
              label={t("policy.id")}
              rules={[{ required: true, pattern: /^[a-z0-9-]{1,32}$/, message: t("form.idInvalid") }]}
            >
              <Input data-testid="policy-id" />
            </Form.Item>
            <Form.Item name="scopeKind" label={t("policy.scope")}>
              <Select
                className="role-select"
                options={(["enterprise", "category", "product"] as const).map((k) => ({
                  value: k,
                  label: t(`policy.scope_${k}`),
                }))}
              />
            </Form.Item>
            {values.scopeKind && values.scopeKind !== "enterprise" ? (
              <Form.Item
                name="scopeValue"
                label={t("policy.scopeValue")}
                rules={[{ required: true, message: t("form.required") }]}
              >
                <Input />
              </Form.Item>
            ) : null}
          </Space>
          <Space wrap>
            <Form.Item
              name="basePercent"
              label={t("policy.basePercent")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <InputNumber min={0} max={100} step={0.5} data-testid="policy-base" />
            </Form.Item>
            <Form.Item name="fixedYuan" label={t("policy.fixedYuan")} rules={[optionalYuanRule(t)]}>
              <Input inputMode="decimal" />
            </Form.Item>
            <Form.Item name="capOrderYuan" label={t("policy.capOrderYuan")} rules={[optionalYuanRule(t)]}>
              <Input inputMode="decimal" data-testid="policy-cap" />
            </Form.Item>
          </Space>
          <Card size="small" title={t("policy.preview")} className="gap-bottom">
            <Space wrap>
              <Form.Item name="sampleYuan" label={t("policy.sampleYuan")}>
                <Input inputMode="decimal" />
              </Form.Item>
              <Form.Item name="sampleUnits" label={t("policy.sampleUnits")}>
                <InputNumber min={1} max={1000} />
              </Form.Item>
            </Space>
            <Preview values={values} />
          </Card>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="policy-submit">
            {t("policy.publish")}
          </Button>
          {published ? (
            <Alert
              className="gap-top"
              type="success"
              showIcon
              title={t("policy.published", { version: published })}
            />
          ) : null}
        </Form>
      </Card>
      <PolicyVersions org={org} initialId="default" />
    </Space>
  );
}

function OrderActions({
  view,
  basketValueFen,
  onDone,
}: {
  view: OrderViewJson;
  /** What the basket's lines awaiting payment are worth together: the amount the seller confirms. */
  basketValueFen: bigint;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  // Until the user types an amount, the refund is what is left of the amount received (now, not at first render).
  const [typed, setRefund] = useState<string>();
  const refund = typed ?? yuanDigits(BigInt(view.order.receivedFen) - BigInt(view.order.refundedFen));
  const [reason, setReason] = useState<ReasonCode>("not-as-described");
  const o = view.order;
  const orderId = BigInt(o.id);
  const step = async (kind: "shipOrder" | "confirmDelivery" | "cancelOrder", stepReason: ReasonCode) => {
    if (await submit({ kind, value: { idempotencyKey: idempotencyKey(kind), orderId, reason: stepReason } }))
      onDone();
  };
  const basketHead = o.id === o.basketId;
  return (
    <Space wrap>
      {o.status === "created" && basketHead ? (
        <>
          <Button
            size="small"
            type="primary"
            loading={busy}
            data-testid={`confirm-payment-${o.id}`}
            onClick={async () => {
              if (
                await submit({
                  kind: "confirmPayment",
                  value: {
                    idempotencyKey: idempotencyKey("pay"),
                    orderId,
                    amountReceivedFen: basketValueFen,
                  },
                })
              )
                onDone();
            }}
          >
            {t("orders.confirmPayment", { amount: yuan(basketValueFen) })}
          </Button>
          <Button
            size="small"
            danger
            loading={busy}
            onClick={() => void step("cancelOrder", "customer-request")}
          >
            {t("orders.cancel")}
          </Button>
        </>
      ) : null}
      {o.status === "paid" && basketHead ? (
        <Button
          size="small"
          type="primary"
          loading={busy}
          data-testid={`ship-${o.id}`}
          onClick={() => void step("shipOrder", "shipped")}
        >
          {t("orders.ship")}
        </Button>
      ) : null}
      {o.status === "shipped" && basketHead ? (
        <Button
          size="small"
          type="primary"
          loading={busy}
          data-testid={`deliver-${o.id}`}
          onClick={() => void step("confirmDelivery", "delivered")}
        >
          {t("orders.deliver")}
        </Button>
      ) : null}
      {["paid", "shipped", "delivered", "completed"].includes(o.status) &&
      BigInt(o.receivedFen) > BigInt(o.refundedFen) ? (
        <Popconfirm
          title={t("orders.refundTitle")}
          description={
            <Space direction="vertical">
              <Input
                aria-label={t("orders.refundAmount")}
                value={refund}
                onChange={(e) => setRefund(e.target.value)}
                data-testid={`refund-amount-${o.id}`}
              />
              <Select
                aria-label={t("orders.refundReason")}
                value={reason}
                onChange={setReason}
                className="role-select"
                options={REASON_CODES.filter(
                  (r) =>
                    ![
                      "payment-confirmed",
                      "shipped",
                      "delivered",
                      "buyer-confirmed",
                      "return-window-passed",
                      "last-touch",
                    ].includes(r),
                ).map((r) => ({ value: r, label: t(`reasons.${r}`, { defaultValue: r }) }))}
              />
            </Space>
          }
          okButtonProps={{ "data-testid": `refund-ok-${o.id}` }}
          onConfirm={async () => {
            const amountFen = parseYuan(refund);
            if (amountFen === undefined) return;
            const done = await submit({
              kind: "refundOrder",
              value: {
                idempotencyKey: idempotencyKey("refund"),
                orderId,
                amountFen,
                returnedUnits: o.quantity - o.returnedUnits,
                reason,
              },
            });
            if (done) onDone();
          }}
        >
          <Button size="small" danger data-testid={`refund-${o.id}`}>
            {t("orders.refund")}
          </Button>
        </Popconfirm>
      ) : null}
    </Space>
  );
}

function Orders({ org }: { org: string }) {
  const { t } = useTranslation();
  const orders = useQuery({
    queryKey: ["orders", org],
    queryFn: () => recentOrders(50, org),
    refetchInterval: 5000,
  });
  return (
    <Space direction="vertical" className="full-width">
      <PaymentService org={org} />
      <RefundRequests onDone={() => void orders.refetch()} />
      <QueryState query={orders} isEmpty={(d) => d.length === 0} empty={t("orders.none")}>
        {(d) => <OrderTable views={d} onDone={() => void orders.refetch()} />}
      </QueryState>
    </Space>
  );
}

/** What each basket's lines still awaiting payment are worth, by basket id. */
function awaitingPayment(views: OrderViewJson[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const { order } of views) {
    if (order.status === "created")
      sums.set(order.basketId, (sums.get(order.basketId) ?? 0n) + BigInt(order.listValueFen));
  }
  return sums;
}

function OrderTable({ views, onDone }: { views: OrderViewJson[]; onDone: () => void }) {
  const { t } = useTranslation();
  const baskets = awaitingPayment(views);
  return (
    <Table<OrderViewJson>
      rowKey={(v) => v.order.id}
      size="small"
      scroll={{ x: true }}
      dataSource={views}
      pagination={{ pageSize: 20 }}
      data-testid="orders-table"
      columns={[
        { title: t("orders.id"), render: (_, v) => v.order.id },
        { title: t("product.sku"), render: (_, v) => `${v.order.sku} × ${v.order.quantity}` },
        { title: t("orders.value"), render: (_, v) => yuan(v.order.listValueFen) },
        {
          title: t("orders.status"),
          render: (_, v) => (
            <span data-testid={`order-status-${v.order.id}`}>{statusTag(t, v.order.status)}</span>
          ),
        },
        { title: t("orders.referral"), render: (_, v) => v.order.referralCode ?? "—" },
        {
          title: t("orders.commission"),
          render: (_, v) => (v.commission ? yuan(v.commission.totalFen) : "—"),
        },
        {
          title: "",
          render: (_, v) => (
            <OrderActions view={v} basketValueFen={baskets.get(v.order.basketId) ?? 0n} onDone={onDone} />
          ),
        },
      ]}
    />
  );
}

/** A buyer's signed refund request, pasted here: checked against the chain, then refunded as asked. */
function RefundRequests({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const { submit, busy } = useSubmit();
  const [text, setText] = useState("");
  const [checked, setChecked] = useState<{ request?: RefundRequest; error?: string }>({});
  const check = async () => {
    if (!suite) return;
    try {
      setChecked({ request: await checkRefundRequest(suite, session.chainId, parseRefundRequest(text)) });
    } catch (error) {
      setChecked({ error: errorText(error) });
    }
  };
  const refund = async (r: RefundRequest) => {
    const { order } = await api.order(r.orderId);
    const done = await submit({
      kind: "refundOrder",
      value: {
        idempotencyKey: idempotencyKey("refund"),
        orderId: BigInt(r.orderId),
        amountFen: BigInt(r.amountFen),
        returnedUnits: order.quantity - order.returnedUnits,
        reason: r.reason,
      },
    });
    if (done) {
      setText("");
      setChecked({});
      onDone();
    }
  };
  return (
    <Card size="small" title={t("refundRequest.inbox")}>
      <Space direction="vertical" className="full-width">
        <Input.TextArea
          aria-label={t("refundRequest.paste")}
          placeholder={t("refundRequest.paste")}
          rows={3}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setChecked({});
          }}
          data-testid="refund-request-input"
        />
        <Button onClick={() => void check()} disabled={!text.trim()} data-testid="refund-request-check">
          {t("refundRequest.check")}
        </Button>
        {checked.error ? <Alert type="error" showIcon title={checked.error} /> : null}
        {checked.request ? (
          <Alert
            type="success"
            showIcon
            data-testid="refund-request-valid"
            title={t("refundRequest.valid", {
              id: checked.request.orderId,
              buyer: checked.request.buyer,
              amount: yuan(checked.request.amountFen),
              reason: t(`reasons.${checked.request.reason}`),
            })}
            action={
              <Button
                danger
                loading={busy}
                onClick={() => void refund(checked.request!)}
                data-testid="refund-request-refund"
              >
                {t("orders.refund")}
              </Button>
            }
          />
        ) : null}
      </Space>
    </Card>
  );
}

function Escrow({ org }: { org: string }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const cost = useQuery({ queryKey: ["cost", org], queryFn: () => api.cost(org) });
  const onFinish = async (v: { amount: string; reference: string }) => {
    const amountFen = parseYuan(v.amount);
    if (amountFen === undefined) return;
    if (
      await submit({
        kind: "depositEscrow",
        value: { idempotencyKey: idempotencyKey("deposit"), amountFen, reference: v.reference },
      })
    )
      void cost.refetch();
  };
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} lg={14}>
        <QueryState query={cost}>
          {(c) => (
            <Space wrap size="large" data-testid="escrow">
              <Statistic title={t("escrow.balance")} value={yuan(c.balanceFen)} />
              <Statistic title={t("escrow.deposited")} value={yuan(c.depositedFen)} />
              <Statistic title={t("escrow.settled")} value={yuan(c.settledFen)} />
              <Statistic title={t("escrow.payable")} value={yuan(c.payableFen)} />
              <Statistic title={t("escrow.returned")} value={yuan(c.returnedFen)} />
              <Statistic title={t("escrow.netCost")} value={yuan(c.netCommissionCostFen)} />
            </Space>
          )}
        </QueryState>
      </Col>
      <Col xs={24} lg={10}>
        <Card title={t("escrow.deposit")}>
          <Form layout="vertical" onFinish={onFinish} initialValues={{ reference: "FIN-" }}>
            <Form.Item
              name="amount"
              label={t("escrow.amountYuan")}
              rules={[{ required: true, message: t("form.required") }, yuanRule(t)]}
            >
              <Input data-testid="deposit-amount" inputMode="decimal" />
            </Form.Item>
            <Form.Item
              name="reference"
              label={t("escrow.reference")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <Input maxLength={128} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="deposit-submit">
              {t("escrow.depositSubmit")}
            </Button>
          </Form>
        </Card>
      </Col>
    </Row>
  );
}

export default function EnterprisePage() {
  const { t } = useTranslation();
  const session = useSession();
  const org = session.identity?.organisation ?? "";
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("enterprise.title")}</Typography.Title>
      <UnlockGate>
        {session.identity && session.identity.role !== "enterprise" ? (
          <Alert
            type="warning"
            showIcon
            title={t("enterprise.notEnterprise", { role: t(`roles.${session.identity.role}`) })}
          />
        ) : !session.identity ? (
          session.identityLoading ? null : (
            <ErrorState error={new Error(t("keys.notRegistered"))} />
          )
        ) : (
          <Tabs
            items={[
              { key: "products", label: t("enterprise.products"), children: <Products org={org} /> },
              { key: "policy", label: t("enterprise.policy"), children: <Policy org={org} /> },
              { key: "orders", label: t("enterprise.orders"), children: <Orders org={org} /> },
              { key: "escrow", label: t("enterprise.escrow"), children: <Escrow org={org} /> },
              { key: "withdrawals", label: t("enterprise.withdrawals"), children: <Withdrawals org={org} /> },
              { key: "employees", label: t("enterprise.employees"), children: <Employees org={org} /> },
              { key: "dashboard", label: t("enterprise.dashboard"), children: <Dashboard org={org} /> },
            ]}
          />
        )}
      </UnlockGate>
    </Space>
  );
}
