import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Space, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { LedgerError } from "../../../../src/errors.js";
import { decodeUserCode } from "../../../../src/pki/user-code.js";
import { api } from "../../chain/api.js";
import { idempotencyKey } from "../../chain/tx.js";
import { ErrorState, Loading } from "../../components/states.js";
import { useSubmit } from "../../components/submit.js";

/**
 * The payment service that confirms this enterprise's payments on the chain: the node's
 * SIMULATED one in the demo. Authorising it (signed here) lets it confirm the amounts received,
 * so a buyer's payment in the simulator marks the order paid with no step of the seller's.
 */
export function PaymentService({ org }: { org: string }) {
  const { t } = useTranslation();
  const { submit, busy } = useSubmit();
  const simulator = useQuery({
    queryKey: ["payment-simulator", org],
    queryFn: () => api.paymentSimulator(org),
    retry: (n, error) => !(error instanceof LedgerError && error.code === "PAYMENT_SIMULATOR_OFF") && n < 2,
  });
  if (simulator.isLoading) return <Loading />;
  if (simulator.error instanceof LedgerError && simulator.error.code === "PAYMENT_SIMULATOR_OFF")
    return <Alert type="info" showIcon title={t("paymentService.none")} data-testid="payment-service-none" />;
  if (simulator.error) return <ErrorState error={simulator.error} />;
  const s = simulator.data;
  if (!s) return null;
  const setAuthorised = async (authorised: boolean) => {
    const done = await submit({
      kind: "authorisePaymentService",
      value: { idempotencyKey: idempotencyKey("payer"), code: decodeUserCode(s.code), authorised },
    });
    if (done) void simulator.refetch();
  };
  return (
    <Card size="small" title={t("paymentService.title")} data-testid="payment-service">
      <Space direction="vertical" className="full-width">
        <Typography.Text type="secondary">{t("paymentService.help")}</Typography.Text>
        <Space wrap>
          <Tag color="orange">{t("paymentService.simulated")}</Tag>
          <Typography.Text code copyable className="break-all">
            {s.code}
          </Typography.Text>
          <span data-testid="payment-service-state">
            {s.authorised ? (
              <Tag color="green">{t("paymentService.authorised")}</Tag>
            ) : (
              <Tag>{t("paymentService.notAuthorised")}</Tag>
            )}
          </span>
        </Space>
        <Button
          loading={busy}
          onClick={() => void setAuthorised(!s.authorised)}
          data-testid="payment-service-toggle"
        >
          {s.authorised ? t("paymentService.revoke") : t("paymentService.authorise")}
        </Button>
      </Space>
    </Card>
  );
}
