import { Alert, Button, Card, Form, Input, Select, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { unlockKey } from "../keys/keystore.js";
import { useSession } from "../session.js";
import { useErrorText } from "./states.js";

/** Pages that sign show this until a key is unlocked: choose a stored key, type its passphrase. */
export function UnlockGate({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const session = useSession();
  const errorText = useErrorText();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (session.unlocked) return <>{children}</>;
  if (session.keys.length === 0) {
    return (
      <Alert
        type="info"
        showIcon
        title={t("keys.noneYet")}
        description={<Link to="/keys">{t("keys.createOrImport")}</Link>}
      />
    );
  }
  const onFinish = async (values: { id: string; passphrase: string }) => {
    const entry = session.keys.find((k) => k.id === values.id);
    if (!entry) return;
    setBusy(true);
    setError(undefined);
    try {
      session.unlock(entry.id, await unlockKey(entry, values.passphrase));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("keys.unlockTitle")} className="narrow-card">
      <Form layout="vertical" onFinish={onFinish} initialValues={{ id: session.active?.id }}>
        <Form.Item name="id" label={t("keys.key")} rules={[{ required: true }]}>
          <Select options={session.keys.map((k) => ({ value: k.id, label: `${k.label} (${k.userCode})` }))} />
        </Form.Item>
        <Form.Item
          name="passphrase"
          label={t("keys.passphrase")}
          rules={[{ required: true, message: t("keys.passphraseRequired") }]}
        >
          <Input.Password autoComplete="current-password" data-testid="unlock-passphrase" />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="unlock">
            {t("keys.unlock")}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
