import { useQuery } from "@tanstack/react-query";
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Result,
  Select,
  Space,
  Table,
  Typography,
} from "antd";
import { QRCodeSVG } from "qrcode.react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import type { ReasonCode } from "../../../src/app/marketing/records.js";
import { systemClock } from "../../../src/clock.js";
import { bytesToHex, randomBytes } from "../../../src/crypto/bytes.js";
import { LedgerError } from "../../../src/errors.js";
import { decodeUserCode } from "../../../src/pki/user-code.js";
import { PAYMENT_REQUEST } from "../../../src/sdk/payment-request.js";
import { api, type OrderViewJson, type ProductJson } from "../chain/api.js";
import { signRefundRequest } from "../chain/refund-request.js";
import { useRequestSigner } from "../chain/request-signer.js";
import { useSuite } from "../chain/suite.js";
import { ChainRefusal, client, eventAttribute, idempotencyKey } from "../chain/tx.js";
import { yuan } from "../components/format.js";
import { ErrorState, QueryState } from "../components/states.js";
import { statusTag } from "../components/status-tag.js";
import { useSubmit } from "../components/submit.js";
import { UnlockGate } from "../components/unlock.js";
import { useSession } from "../session.js";

/**
 * The buyer's storefront, reached by a marketer's referral link. The buyer's name and address
 * stay in this browser: the order carries only hash(salt || details), the salted commitment.
 */

const ORDERS_KEY = "mkl.myOrders.v1";
const PAYMENTS_KEY = "mkl.simulatedPayments.v1";

/** One basket this browser ordered: `orderId` is its first line's id, the lines follow it. */
interface MyOrder {
  orderId: string;
  lines?: number;
  enterprise: string;
  sku: string;
  salt: string;
  createdAt: number;
}

/** A basket holds the referred product and up to two more of the same seller. */
const MAX_LINES = 3;
const TERMINAL = ["completed", "cancelled", "refunded"];

function load<T>(key: string): T[] {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "[]") as T[];
  } catch {
    return [];
  }
}

function Storefront({ code }: { code: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const { submit, busy } = useSubmit();
  const navigate = useNavigate();
  const referral = useQuery({
    queryKey: ["referral", code],
    queryFn: () => api.referral(code),
    retry: false,
  });
  const product = useQuery({
    queryKey: ["product", referral.data?.enterprise, referral.data?.sku],
    queryFn: () => api.product(referral.data!.enterprise, referral.data!.sku),
    enabled: referral.data !== undefined,
  });
  const others = useQuery({
    queryKey: ["products", referral.data?.enterprise],
    queryFn: () => api.products(referral.data!.enterprise),
    enabled: referral.data !== undefined,
  });
  const onFinish = async (v: {
    quantity: number;
    channel: string;
    name: string;
    address: string;
    extra?: Array<{ sku?: string; quantity?: number }>;
  }) => {
    if (!suite || !session.active || !referral.data) return;
    const salt = randomBytes(32);
    const details = new TextEncoder().encode(JSON.stringify({ name: v.name, address: v.address }));
    const commitment = suite.hash(new Uint8Array([...salt, ...details]));
    const done = await submit({
      kind: "createOrder",
      value: {
        idempotencyKey: idempotencyKey("order"),
        enterprise: referral.data.enterprise,
        channel: v.channel,
        lines: [
          { sku: referral.data.sku, quantity: v.quantity, referralCode: code },
          ...(v.extra ?? []).flatMap((l) =>
            l.sku ? [{ sku: l.sku, quantity: l.quantity ?? 1, referralCode: undefined }] : [],
          ),
        ],
        buyerCommitment: commitment,
        buyerCode: decodeUserCode(session.active.userCode),
      },
    });
    const orderId = done ? eventAttribute(done.result, "orderCreated", "orderId") : undefined;
    if (orderId !== undefined) {
      const mine = load<MyOrder>(ORDERS_KEY);
      mine.push({
        orderId,
        lines: 1 + (v.extra ?? []).filter((l) => l.sku).length,
        enterprise: referral.data.enterprise,
        sku: referral.data.sku,
        salt: bytesToHex(salt),
        createdAt: systemClock.now(),
      });
      localStorage.setItem(ORDERS_KEY, JSON.stringify(mine));
      void navigate("/shop");
    }
  };
  // A code of the right form that the chain does not know: say which, not just "not found".
  if (referral.error instanceof LedgerError && referral.error.code === "NOT_FOUND")
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={t("shop.unknownCode", { code })}
        data-testid="storefront-unknown-code"
      />
    );
  return (
    <QueryState query={referral}>
      {(r) => (
        <QueryState query={product}>
          {(p) => (
            <Card
              title={p.name}
              extra={<span className="price">{yuan(p.priceFen)}</span>}
              data-testid="storefront"
            >
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t("product.sku")}>{p.sku}</Descriptions.Item>
                <Descriptions.Item label={t("shop.seller")}>{r.enterprise}</Descriptions.Item>
                <Descriptions.Item label={t("product.terms")}>{p.serviceTerms || "—"}</Descriptions.Item>
                <Descriptions.Item label={t("product.returnWindow")}>
                  {t("shop.days", { n: p.returnWindowDays })}
                </Descriptions.Item>
                <Descriptions.Item label={t("shop.referredBy")}>{r.marketer}</Descriptions.Item>
              </Descriptions>
              <UnlockGate>
                <Form
                  layout="vertical"
                  onFinish={onFinish}
                  initialValues={{ quantity: 1, channel: p.channels[0] }}
                >
                  <Space wrap>
                    <Form.Item name="quantity" label={t("shop.quantity")} rules={[{ required: true }]}>
                      <InputNumber min={1} max={Math.max(1, Number(p.stock))} data-testid="order-quantity" />
                    </Form.Item>
                    <Form.Item name="channel" label={t("product.channels")}>
                      <Select
                        className="role-select"
                        options={p.channels.map((c) => ({ value: c, label: c }))}
                      />
                    </Form.Item>
                  </Space>
                  <Form.Item noStyle dependencies={["channel"]}>
                    {({ getFieldValue }) => (
                      <ExtraLines
                        products={(others.data?.products ?? []).filter(
                          (o) =>
                            o.sku !== p.sku &&
                            o.status === "active" &&
                            o.stock !== "0" &&
                            o.channels.includes(getFieldValue("channel") as string),
                        )}
                      />
                    )}
                  </Form.Item>
                  <Typography.Paragraph type="secondary">{t("shop.privacy")}</Typography.Paragraph>
                  <Form.Item
                    name="name"
                    label={t("shop.name")}
                    rules={[{ required: true, message: t("form.required") }]}
                  >
                    <Input autoComplete="name" data-testid="order-name" />
                  </Form.Item>
                  <Form.Item
                    name="address"
                    label={t("shop.address")}
                    rules={[{ required: true, message: t("form.required") }]}
                  >
                    <Input autoComplete="street-address" data-testid="order-address" />
                  </Form.Item>
                  <Button
                    type="primary"
                    htmlType="submit"
                    loading={busy}
                    data-testid="place-order"
                    disabled={p.status !== "active" || p.stock === "0"}
                  >
                    {t("shop.placeOrder")}
                  </Button>
                </Form>
              </UnlockGate>
            </Card>
          )}
        </QueryState>
      )}
    </QueryState>
  );
}

/** The basket's other lines: products of the same seller, sold through the chosen channel, without referral. */
function ExtraLines({ products }: { products: ProductJson[] }) {
  const { t } = useTranslation();
  return (
    <Form.List name="extra">
      {(fields, { add, remove }) => (
        <Space direction="vertical" className="basket-lines">
          {fields.map((field, i) => (
            <Space key={field.key} wrap align="baseline">
              <Form.Item
                name={[field.name, "sku"]}
                label={t("shop.line", { n: i + 2 })}
                rules={[{ required: true, message: t("form.required") }]}
              >
                <Select
                  className="role-select"
                  aria-label={t("shop.line", { n: i + 2 })}
                  data-testid={`basket-sku-${i + 2}`}
                  options={products.map((o) => ({ value: o.sku, label: `${o.name} ${yuan(o.priceFen)}` }))}
                />
              </Form.Item>
              <Form.Item name={[field.name, "quantity"]} label={t("shop.quantity")} initialValue={1}>
                <InputNumber min={1} data-testid={`basket-quantity-${i + 2}`} />
              </Form.Item>
              <Button onClick={() => remove(field.name)} aria-label={t("shop.removeLine")}>
                {t("shop.removeLine")}
              </Button>
            </Space>
          ))}
          {fields.length < MAX_LINES - 1 && products.length > fields.length ? (
            <Button onClick={() => add()} data-testid="basket-add">
              {t("shop.addLine")}
            </Button>
          ) : null}
        </Space>
      )}
    </Form.List>
  );
}

/** The lines of one basket as the chain has them now; the head line carries the basket's id. */
interface Basket {
  id: string;
  lines: OrderViewJson[];
  /** The status the basket's live lines share (terminal lines are left behind). */
  status: string;
  listValueFen: bigint;
}

function basketOf(lines: OrderViewJson[]): Basket {
  const live = lines.filter((l) => !TERMINAL.includes(l.order.status));
  const head = lines[0]!.order;
  return {
    id: head.id,
    lines,
    status: (live[0] ?? lines[0]!).order.status,
    listValueFen: live.reduce((n, l) => n + BigInt(l.order.listValueFen), 0n),
  };
}

/**
 * A payment-service simulator: no money moves. Paying asks the node's simulated payment service
 * (its key stays in the node) to confirm the basket's amount on the chain, as a provider's
 * notification would; the order is then paid with no step of the seller's. A node without one
 * only records the payment here, and the seller confirms the amount received.
 */
function PaySimulator({ basket, onClose }: { basket: Basket; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  // The payment is the buyer's request, signed with the unlocked key (the node checks it is the basket's buyer).
  const sign = useRequestSigner(PAYMENT_REQUEST);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const record = (reference: string) => {
    const payments = load<{ orderId: string; reference: string; amountFen: string }>(PAYMENTS_KEY);
    payments.push({ orderId: basket.id, reference, amountFen: basket.listValueFen.toString() });
    localStorage.setItem(PAYMENTS_KEY, JSON.stringify(payments));
  };
  const pay = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { hash } = await api.simulatePayment(basket.id, (path, body) => sign("POST", path, body));
      const status = await client.waitForTx(hash, { timeoutMs: 60_000, pollMs: 250 });
      if (status.result.code !== "OK")
        throw new ChainRefusal(status.result.code, status.result.message, status.height, hash);
      record(hash);
      void message.success(t("pay.confirmedOnChain", { height: status.height }));
      onClose();
    } catch (e) {
      if (e instanceof LedgerError && e.code === "PAYMENT_SIMULATOR_OFF") {
        // This node runs no simulator: the payment is only noted here, for the seller to confirm.
        const reference = `SIM-${bytesToHex(randomBytes(4)).toUpperCase()}`;
        record(reference);
        void message.success(t("pay.done", { reference }));
        onClose();
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t("pay.title")} onCancel={onClose} footer={null}>
      <Alert
        type="warning"
        showIcon
        title={t("pay.simulatorBanner")}
        description={t("pay.simulatorHelp")}
        data-testid="simulator-banner"
      />
      <Result
        status="info"
        title={yuan(basket.listValueFen)}
        subTitle={t("pay.forOrder", { id: basket.id })}
        extra={
          <Button type="primary" loading={busy} onClick={() => void pay()} data-testid="simulate-pay">
            {t("pay.payNow")}
          </Button>
        }
      />
      {error ? (
        <div data-testid="simulate-error">
          <ErrorState error={error} />
        </div>
      ) : null}
    </Modal>
  );
}

const REFUND_REASONS: ReasonCode[] = ["not-as-described", "damaged", "not-delivered", "customer-request"];

/** The buyer signs a refund request for one line; the seller's console checks it and refunds. */
function RefundRequestDialog({ basket, onClose }: { basket: Basket; onClose: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const refundable = basket.lines.filter(
    (l) =>
      ["paid", "shipped", "delivered", "completed"].includes(l.order.status) &&
      BigInt(l.order.receivedFen) > BigInt(l.order.refundedFen),
  );
  const [lineId, setLineId] = useState(refundable[0]?.order.id);
  const [reason, setReason] = useState<ReasonCode>("not-as-described");
  const [text, setText] = useState<string>();
  const line = refundable.find((l) => l.order.id === lineId);
  const sign = () => {
    if (!suite || !session.unlocked || !session.active || !line) return;
    setText(
      signRefundRequest(suite, session.unlocked, {
        chainId: session.chainId,
        orderId: line.order.id,
        amountFen: (BigInt(line.order.receivedFen) - BigInt(line.order.refundedFen)).toString(),
        reason,
        buyer: session.active.userCode,
      }),
    );
  };
  return (
    <Modal open title={t("refundRequest.title")} onCancel={onClose} footer={null}>
      <Space direction="vertical" className="full-width">
        <Select
          aria-label={t("refundRequest.line")}
          className="full-width"
          value={lineId}
          onChange={(v) => {
            setLineId(v);
            setText(undefined);
          }}
          options={refundable.map((l) => ({
            value: l.order.id,
            label: `${l.order.id}: ${l.order.sku} × ${l.order.quantity}, ${yuan(
              BigInt(l.order.receivedFen) - BigInt(l.order.refundedFen),
            )}`,
          }))}
        />
        <Select
          aria-label={t("orders.refundReason")}
          className="full-width"
          value={reason}
          onChange={(v) => {
            setReason(v);
            setText(undefined);
          }}
          options={REFUND_REASONS.map((r) => ({ value: r, label: t(`reasons.${r}`) }))}
          data-testid="refund-request-reason"
        />
        <Button type="primary" onClick={sign} disabled={!line} data-testid="refund-request-sign">
          {t("refundRequest.sign")}
        </Button>
        {text ? (
          <>
            <Typography.Paragraph type="secondary">{t("refundRequest.handOver")}</Typography.Paragraph>
            <QRCodeSVG value={text} size={160} title={t("refundRequest.title")} />
            <Typography.Paragraph copyable={{ text }} className="break-all" data-testid="refund-request-text">
              {text}
            </Typography.Paragraph>
          </>
        ) : null}
      </Space>
    </Modal>
  );
}

function MyOrders() {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [paying, setPaying] = useState<Basket>();
  const [refunding, setRefunding] = useState<Basket>();
  const mine = load<MyOrder>(ORDERS_KEY);
  const orders = useQuery({
    queryKey: ["myOrders", mine.map((o) => `${o.orderId}+${o.lines ?? 1}`).join(",")],
    queryFn: () =>
      Promise.all(
        mine.map(async (o) =>
          basketOf(
            await Promise.all(
              Array.from({ length: o.lines ?? 1 }, (_, i) =>
                api.order((BigInt(o.orderId) + BigInt(i)).toString()),
              ),
            ),
          ),
        ),
      ),
    refetchInterval: 4000,
  });
  const paid = new Set(load<{ orderId: string }>(PAYMENTS_KEY).map((p) => p.orderId));
  const receipt = async (id: string) => {
    if (
      await submit({
        kind: "confirmReceipt",
        value: { idempotencyKey: idempotencyKey("receipt"), orderId: BigInt(id), reason: "buyer-confirmed" },
      })
    )
      void orders.refetch();
  };
  const cancel = async (id: string) => {
    if (
      await submit({
        kind: "cancelOrder",
        value: { idempotencyKey: idempotencyKey("cancel"), orderId: BigInt(id), reason: "customer-request" },
      })
    )
      void orders.refetch();
  };
  return (
    <Card title={t("shop.myOrders")}>
      <QueryState query={orders} isEmpty={(d) => d.length === 0} empty={t("shop.noOrders")}>
        {(d) => (
          <Table<Basket>
            rowKey={(b) => b.id}
            size="small"
            scroll={{ x: true }}
            pagination={false}
            dataSource={[...d].reverse()}
            data-testid="my-orders"
            columns={[
              { title: t("orders.id"), render: (_, b) => b.id },
              {
                title: t("shop.basket"),
                render: (_, b) => (
                  <Space direction="vertical" size={0}>
                    {b.lines.map((l) => (
                      <span key={l.order.id} data-testid={`my-line-${l.order.id}`}>
                        {l.order.sku} × {l.order.quantity} {yuan(l.order.listValueFen)}{" "}
                        {b.lines.length > 1 ? statusTag(t, l.order.status) : null}
                      </span>
                    ))}
                  </Space>
                ),
              },
              {
                title: t("orders.status"),
                render: (_, b) => (
                  <Space direction="vertical" size={0}>
                    <span data-testid={`my-status-${b.id}`}>{statusTag(t, b.status)}</span>
                    {b.status === "created" && paid.has(b.id) ? (
                      <Typography.Text type="secondary">{t("shop.awaitingConfirmation")}</Typography.Text>
                    ) : null}
                  </Space>
                ),
              },
              {
                title: "",
                render: (_, b) => (
                  <Space wrap>
                    {b.status === "created" && !paid.has(b.id) ? (
                      <Button
                        size="small"
                        type="primary"
                        onClick={() => setPaying(b)}
                        data-testid={`pay-${b.id}`}
                      >
                        {t("shop.pay")} {yuan(b.listValueFen)}
                      </Button>
                    ) : null}
                    {b.status === "created" ? (
                      <Button size="small" loading={busy} onClick={() => void cancel(b.id)}>
                        {t("orders.cancel")}
                      </Button>
                    ) : null}
                    {b.status === "delivered" ? (
                      <Button
                        size="small"
                        type="primary"
                        loading={busy}
                        onClick={() => void receipt(b.id)}
                        data-testid={`receipt-${b.id}`}
                      >
                        {t("shop.confirmReceipt")}
                      </Button>
                    ) : null}
                    {b.lines.some(
                      (l) =>
                        ["paid", "shipped", "delivered", "completed"].includes(l.order.status) &&
                        BigInt(l.order.receivedFen) > BigInt(l.order.refundedFen),
                    ) ? (
                      <Button size="small" onClick={() => setRefunding(b)} data-testid={`ask-refund-${b.id}`}>
                        {t("shop.askRefund")}
                      </Button>
                    ) : null}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      {paying ? (
        <PaySimulator
          basket={paying}
          onClose={() => {
            setPaying(undefined);
            void orders.refetch();
          }}
        />
      ) : null}
      {refunding ? <RefundRequestDialog basket={refunding} onClose={() => setRefunding(undefined)} /> : null}
    </Card>
  );
}

export default function ShopPage() {
  const { t } = useTranslation();
  const { code } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const valid = code !== undefined && /^RC[0-9A-F]{12}$/.test(code);
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("shop.title")}</Typography.Title>
      {code !== undefined && !valid ? (
        <Alert type="error" showIcon title={t("shop.badCode", { code })} />
      ) : null}
      {valid ? <Storefront code={code} /> : null}
      {!valid ? (
        <Input.Search
          className="narrow-card"
          placeholder="RC0123456789AB"
          enterButton={t("shop.open")}
          aria-label={t("shop.enterCode")}
          onSearch={(v) => navigate(`/shop/${v.trim().toUpperCase()}`)}
        />
      ) : null}
      {/* One passphrase prompt per page: the storefront's, or this one when no code is open. */}
      {valid ? session.unlocked ? <MyOrders /> : null : <UnlockGate>{<MyOrders />}</UnlockGate>}
    </Space>
  );
}
