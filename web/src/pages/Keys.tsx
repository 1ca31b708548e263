import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { QRCodeSVG } from "qrcode.react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { createCsr } from "../../../src/pki/csr.js";
import { toPem } from "../../../src/pki/pem.js";
import { ROLES } from "../../../src/pki/roles.js";
import { useSuite } from "../chain/suite.js";
import { downloadText } from "../components/download.js";
import { ErrorState, Loading, useErrorText } from "../components/states.js";
import { UnlockGate } from "../components/unlock.js";
import { createKey, importKey } from "../keys/keystore.js";
import { removeKey, type StoredKey } from "../keys/storage.js";
import { useSession } from "../session.js";

const MIN_PASSPHRASE = 8;

function passphraseRules(t: (k: string) => string) {
  return [
    { required: true, message: t("keys.passphraseRequired") },
    { min: MIN_PASSPHRASE, message: t("keys.passphraseShort") },
  ];
}

function CreateKey() {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const onFinish = async (v: { label: string; passphrase: string }) => {
    if (!suite) return;
    setBusy(true);
    setError(undefined);
    try {
      const { entry, pair } = await createKey(suite.id, v.label, v.passphrase);
      session.refreshKeys();
      session.unlock(entry.id, pair);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("keys.createTitle")}>
      <Typography.Paragraph type="secondary">
        {t("keys.createHelp", { suite: suite?.id ?? "…" })}
      </Typography.Paragraph>
      <Form layout="vertical" onFinish={onFinish}>
        <Form.Item
          name="label"
          label={t("keys.label")}
          rules={[{ required: true, message: t("keys.labelRequired") }]}
        >
          <Input data-testid="create-label" maxLength={40} />
        </Form.Item>
        <Form.Item name="passphrase" label={t("keys.passphrase")} rules={passphraseRules(t)}>
          <Input.Password data-testid="create-passphrase" autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t("keys.confirmPassphrase")}
          dependencies={["passphrase"]}
          rules={[
            { required: true, message: t("keys.passphraseRequired") },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                value === getFieldValue("passphrase")
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("keys.passphraseMismatch"))),
            }),
          ]}
        >
          <Input.Password data-testid="create-confirm" autoComplete="new-password" />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
        <Button type="primary" htmlType="submit" loading={busy} disabled={!suite} data-testid="create-key">
          {busy ? t("keys.encrypting") : t("keys.create")}
        </Button>
      </Form>
    </Card>
  );
}

function ImportKey() {
  const { t } = useTranslation();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [form] = Form.useForm();
  const onFile = async (file: File | undefined) => {
    if (file) form.setFieldValue("pem", await file.text());
  };
  const onFinish = async (v: { label: string; pem: string; passphrase: string; pemPassphrase?: string }) => {
    if (!suite) return;
    setBusy(true);
    setError(undefined);
    try {
      const { entry, pair } = await importKey(
        suite.id,
        v.label,
        v.pem,
        v.passphrase,
        v.pemPassphrase || undefined,
      );
      session.refreshKeys();
      session.unlock(entry.id, pair);
      form.resetFields();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("keys.importTitle")}>
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item
          name="label"
          label={t("keys.label")}
          rules={[{ required: true, message: t("keys.labelRequired") }]}
        >
          <Input data-testid="import-label" maxLength={40} />
        </Form.Item>
        <Form.Item label={t("keys.pemFile")}>
          <input
            type="file"
            accept=".pem,.key,text/plain"
            aria-label={t("keys.pemFile")}
            data-testid="import-file"
            onChange={(e) => void onFile(e.target.files?.[0])}
          />
        </Form.Item>
        <Form.Item
          name="pem"
          label={t("keys.pem")}
          rules={[{ required: true, message: t("keys.pemRequired") }]}
        >
          <Input.TextArea rows={4} data-testid="import-pem" placeholder="-----BEGIN PRIVATE KEY-----" />
        </Form.Item>
        <Form.Item name="pemPassphrase" label={t("keys.pemPassphrase")}>
          <Input.Password autoComplete="off" />
        </Form.Item>
        <Form.Item name="passphrase" label={t("keys.passphrase")} rules={passphraseRules(t)}>
          <Input.Password data-testid="import-passphrase" autoComplete="new-password" />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
        <Button htmlType="submit" loading={busy} disabled={!suite} data-testid="import-key">
          {t("keys.import")}
        </Button>
      </Form>
    </Card>
  );
}

function KeyList() {
  const { t } = useTranslation();
  const session = useSession();
  const { modal } = AntApp.useApp();
  const remove = (k: StoredKey) =>
    modal.confirm({
      title: t("keys.removeConfirm", { label: k.label }),
      content: t("keys.removeWarning"),
      okButtonProps: { danger: true },
      onOk: () => {
        removeKey(k.id);
        session.refreshKeys();
      },
    });
  return (
    <Table<StoredKey>
      rowKey="id"
      size="small"
      pagination={false}
      scroll={{ x: true }}
      dataSource={session.keys}
      locale={{ emptyText: t("keys.noneYet") }}
      columns={[
        { title: t("keys.label"), dataIndex: "label" },
        {
          title: t("keys.userCode"),
          dataIndex: "userCode",
          render: (c: string) => <Typography.Text copyable>{c}</Typography.Text>,
        },
        { title: t("keys.suite"), dataIndex: "suite" },
        {
          title: "",
          key: "actions",
          render: (_, k) => (
            <Space wrap>
              <Button
                size="small"
                onClick={() => session.select(k.id)}
                disabled={session.active?.id === k.id}
              >
                {session.active?.id === k.id ? t("keys.inUse") : t("keys.use")}
              </Button>
              <Button size="small" onClick={() => downloadText(`${k.label}.key.pem`, k.encryptedPem)}>
                {t("keys.export")}
              </Button>
              <Button size="small" danger onClick={() => remove(k)}>
                {t("keys.remove")}
              </Button>
            </Space>
          ),
        },
      ]}
    />
  );
}

function Identity() {
  const { t } = useTranslation();
  const session = useSession();
  const [csr, setCsr] = useState<string>();
  const active = session.active;
  if (!active) return null;
  const makeCsr = (v: { organisation: string; role: string }) => {
    if (!session.unlocked) return;
    const der = createCsr(session.unlocked.privateKey, {
      commonName: active.userCode,
      organization: v.organisation,
      organizationalUnit: v.role,
    });
    setCsr(toPem("CERTIFICATE REQUEST", der));
  };
  return (
    <Card title={t("keys.identityTitle")} data-testid="identity-card">
      <Row gutter={[24, 16]}>
        <Col xs={24} md={8}>
          <div className="qr-box">
            <QRCodeSVG value={active.userCode} size={160} title={active.userCode} />
            <Typography.Text strong copyable data-testid="user-code">
              {active.userCode}
            </Typography.Text>
          </div>
        </Col>
        <Col xs={24} md={16}>
          {session.identityLoading ? (
            <Loading />
          ) : session.identity ? (
            <Descriptions column={1} size="small" data-testid="identity-registered">
              <Descriptions.Item label={t("keys.status")}>
                <Tag color="green">
                  {t(`identityStatus.${session.identity.status}`, { defaultValue: session.identity.status })}
                </Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t("keys.role")}>
                {t(`roles.${session.identity.role}`)}
              </Descriptions.Item>
              <Descriptions.Item label={t("keys.organisation")}>
                {session.identity.organisation || "—"}
              </Descriptions.Item>
            </Descriptions>
          ) : (
            <>
              <Alert
                type="warning"
                showIcon
                title={t("keys.notRegistered")}
                description={t("keys.notRegisteredHelp")}
              />
              <UnlockGate>
                <Form
                  layout="inline"
                  className="csr-form"
                  onFinish={makeCsr}
                  initialValues={{ organisation: "org1", role: "outside-marketer" }}
                >
                  <Form.Item
                    name="organisation"
                    label={t("keys.organisation")}
                    rules={[
                      { required: true, pattern: /^[a-z0-9][a-z0-9-]{0,31}$/, message: t("keys.orgInvalid") },
                    ]}
                  >
                    <Input data-testid="csr-org" />
                  </Form.Item>
                  <Form.Item name="role" label={t("keys.role")}>
                    <Select
                      data-testid="csr-role"
                      className="role-select"
                      options={ROLES.filter((r) => r !== "platform-operator" && r !== "node-operator").map(
                        (r) => ({ value: r, label: t(`roles.${r}`) }),
                      )}
                    />
                  </Form.Item>
                  <Button htmlType="submit" data-testid="make-csr">
                    {t("keys.makeCsr")}
                  </Button>
                  <Button onClick={() => session.refreshIdentity()} data-testid="check-registration">
                    {t("keys.checkRegistration")}
                  </Button>
                </Form>
              </UnlockGate>
              {csr ? (
                <div className="csr-box">
                  <Typography.Paragraph type="secondary">{t("keys.csrHelp")}</Typography.Paragraph>
                  <Input.TextArea
                    readOnly
                    rows={6}
                    value={csr}
                    data-testid="csr-pem"
                    aria-label={t("keys.csr")}
                  />
                  <Space className="csr-actions">
                    <Typography.Text copyable={{ text: csr }}>{t("keys.copyCsr")}</Typography.Text>
                    <Button size="small" onClick={() => downloadText(`${active.userCode}.csr.pem`, csr)}>
                      {t("keys.downloadCsr")}
                    </Button>
                  </Space>
                </div>
              ) : null}
            </>
          )}
        </Col>
      </Row>
    </Card>
  );
}

export default function KeysPage() {
  const { t } = useTranslation();
  const session = useSession();
  if (session.statusError) return <ErrorState error={session.statusError} title={t("app.nodeDown")} />;
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("keys.title")}</Typography.Title>
      <Typography.Paragraph>{t("keys.intro")}</Typography.Paragraph>
      <Identity />
      <KeyList />
      <Row gutter={[24, 24]}>
        <Col xs={24} lg={12}>
          <CreateKey />
        </Col>
        <Col xs={24} lg={12}>
          <ImportKey />
        </Col>
      </Row>
    </Space>
  );
}
