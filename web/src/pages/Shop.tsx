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
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { bytesToHex, randomBytes } from "../../../src/crypto/bytes.js";
import { decodeUserCode } from "../../../src/pki/user-code.js";
import { api, type OrderViewJson } from "../chain/api.js";
import { useSuite } from "../chain/suite.js";
import { eventAttribute, idempotencyKey } from "../chain/tx.js";
import { yuan } from "../components/format.js";
import { QueryState } from "../components/states.js";
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

interface MyOrder {
  orderId: string;
  enterprise: string;
  sku: string;
  salt: string;
  createdAt: number;
}

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
  const onFinish = async (v: { quantity: number; channel: string; name: string; address: string }) => {
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
        lines: [{ sku: referral.data.sku, quantity: v.quantity, referralCode: code }],
        buyerCommitment: commitment,
        buyerCode: decodeUserCode(session.active.userCode),
      },
    });
    const orderId = done ? eventAttribute(done.result, "orderCreated", "orderId") : undefined;
    if (orderId !== undefined) {
      const mine = load<MyOrder>(ORDERS_KEY);
      mine.push({
        orderId,
        enterprise: referral.data.enterprise,
        sku: referral.data.sku,
        salt: bytesToHex(salt),
        createdAt: Date.now(),
      });
      localStorage.setItem(ORDERS_KEY, JSON.stringify(mine));
      navigate("/shop");
    }
  };
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

/** A payment-service simulator: no money moves; the enterprise then confirms the amount received on the chain. */
function PaySimulator({ view, onClose }: { view: OrderViewJson; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const pay = () => {
    const payments = load<{ orderId: string; reference: string; amountFen: string }>(PAYMENTS_KEY);
    const reference = `SIM-${bytesToHex(randomBytes(4)).toUpperCase()}`;
    payments.push({ orderId: view.order.id, reference, amountFen: view.order.listValueFen });
    localStorage.setItem(PAYMENTS_KEY, JSON.stringify(payments));
    void message.success(t("pay.done", { reference }));
    onClose();
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
        title={yuan(view.order.listValueFen)}
        subTitle={t("pay.forOrder", { id: view.order.id })}
        extra={
          <Button type="primary" onClick={pay} data-testid="simulate-pay">
            {t("pay.payNow")}
          </Button>
        }
      />
    </Modal>
  );
}

function MyOrders() {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const [paying, setPaying] = useState<OrderViewJson>();
  const mine = load<MyOrder>(ORDERS_KEY);
  const orders = useQuery({
    queryKey: ["myOrders", mine.map((o) => o.orderId).join(",")],
    queryFn: () => Promise.all(mine.map((o) => api.order(o.orderId))),
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
          <Table<OrderViewJson>
            rowKey={(v) => v.order.id}
            size="small"
            scroll={{ x: true }}
            pagination={false}
            dataSource={[...d].reverse()}
            data-testid="my-orders"
            columns={[
              { title: t("orders.id"), render: (_, v) => v.order.id },
              { title: t("product.sku"), render: (_, v) => `${v.order.sku} × ${v.order.quantity}` },
              { title: t("orders.value"), render: (_, v) => yuan(v.order.listValueFen) },
              {
                title: t("orders.status"),
                render: (_, v) => (
                  <Space direction="vertical" size={0}>
                    <span data-testid={`my-status-${v.order.id}`}>{statusTag(t, v.order.status)}</span>
                    {v.order.status === "created" && paid.has(v.order.id) ? (
                      <Typography.Text type="secondary">{t("shop.awaitingConfirmation")}</Typography.Text>
                    ) : null}
                  </Space>
                ),
              },
              {
                title: "",
                render: (_, v) => (
                  <Space wrap>
                    {v.order.status === "created" && !paid.has(v.order.id) ? (
                      <Button
                        size="small"
                        type="primary"
                        onClick={() => setPaying(v)}
                        data-testid={`pay-${v.order.id}`}
                      >
                        {t("shop.pay")}
                      </Button>
                    ) : null}
                    {v.order.status === "created" ? (
                      <Button size="small" loading={busy} onClick={() => void cancel(v.order.id)}>
                        {t("orders.cancel")}
                      </Button>
                    ) : null}
                    {v.order.status === "delivered" ? (
                      <Button
                        size="small"
                        type="primary"
                        loading={busy}
                        onClick={() => void receipt(v.order.id)}
                        data-testid={`receipt-${v.order.id}`}
                      >
                        {t("shop.confirmReceipt")}
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
          view={paying}
          onClose={() => {
            setPaying(undefined);
            void orders.refetch();
          }}
        />
      ) : null}
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
