import { Alert, Button, Card, Descriptions, Form, Input, InputNumber, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { systemClock } from "../../../src/clock.js";
import { randomBytes } from "../../../src/crypto/bytes.js";
import { detectPemSuite, getSuite } from "../../../src/crypto/index.js";
import type { PrivateKey } from "../../../src/crypto/suite.js";
import { LedgerError } from "../../../src/errors.js";
import { issueCertificate, type ParsedCertificate, parseCertificate } from "../../../src/pki/certificate.js";
import { type ParsedCsr, parseAndVerifyCsr } from "../../../src/pki/csr.js";
import { decryptPkcs8, isEncryptedPkcs8 } from "../../../src/pki/encrypted-pkcs8.js";
import { toPem } from "../../../src/pki/pem.js";
import { isRole } from "../../../src/pki/roles.js";
import { decodeUserCode } from "../../../src/pki/user-code.js";
import { eventAttribute } from "../chain/tx.js";
import { useErrorText } from "../components/states.js";
import { useSubmit } from "../components/submit.js";
import { UnlockGate } from "../components/unlock.js";

const DAY_MS = 86_400_000n;

interface Ca {
  cert: ParsedCertificate;
  key: PrivateKey;
}

/** The organisation CA, held in this tab's memory only while the admin issues certificates. */
function CaLoader({ onLoaded }: { onLoaded: (ca: Ca) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const onFinish = async (v: { cert: string; key: string; passphrase?: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const cert = parseCertificate(v.cert);
      if (!cert.isCa) throw new LedgerError("CA_NOT_CA", "this certificate is not a CA certificate");
      const key = isEncryptedPkcs8(v.key)
        ? await decryptPkcs8(v.key, v.passphrase ?? "")
        : getSuite(detectPemSuite(v.key)).privateKeyFromPem(v.key);
      const pub = getSuite(key.suite).publicKeyOf(key).bytes;
      if (pub.join() !== cert.publicKey.bytes.join())
        throw new LedgerError("CA_KEY_MISMATCH", "the key is not this CA's key");
      onLoaded({ cert, key });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("admin.caTitle")}>
      <Typography.Paragraph type="secondary">{t("admin.caHelp")}</Typography.Paragraph>
      <Form layout="vertical" onFinish={onFinish}>
        <Form.Item
          name="cert"
          label={t("admin.caCert")}
          rules={[{ required: true, message: t("admin.caCertRequired") }]}
        >
          <Input.TextArea rows={3} data-testid="ca-cert" placeholder="-----BEGIN CERTIFICATE-----" />
        </Form.Item>
        <Form.Item
          name="key"
          label={t("admin.caKey")}
          rules={[{ required: true, message: t("admin.caKeyRequired") }]}
        >
          <Input.TextArea rows={3} data-testid="ca-key" placeholder="-----BEGIN PRIVATE KEY-----" />
        </Form.Item>
        <Form.Item name="passphrase" label={t("admin.caPassphrase")}>
          <Input.Password autoComplete="off" />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
        <Button htmlType="submit" loading={busy} data-testid="load-ca">
          {t("admin.loadCa")}
        </Button>
      </Form>
    </Card>
  );
}

function Issue({ ca }: { ca: Ca }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { submit, busy } = useSubmit();
  const [csr, setCsr] = useState<ParsedCsr>();
  const [error, setError] = useState<string>();
  const [registered, setRegistered] = useState<{ code: string; role: string; certificate: string }>();
  const org = ca.cert.subject.organization ?? "";

  const check = (text: string) => {
    setError(undefined);
    setCsr(undefined);
    setRegistered(undefined);
    if (!text.trim()) return;
    try {
      const parsed = parseAndVerifyCsr(text);
      if (parsed.subject.organization !== org)
        throw new LedgerError(
          "CSR_WRONG_ORG",
          t("admin.csrWrongOrg", { csr: parsed.subject.organization ?? "", org }),
        );
      if (!isRole(parsed.subject.organizationalUnit))
        throw new LedgerError("ROLE_UNKNOWN", t("admin.csrBadRole"));
      decodeUserCode(parsed.subject.commonName);
      setCsr(parsed);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const issue = async (days: number) => {
    if (!csr) return;
    const serial = randomBytes(16);
    serial[0] = (serial[0]! & 0x7f) | 0x01;
    // X.509 times are whole seconds.
    const now = (BigInt(systemClock.now()) / 1000n) * 1000n;
    let cert: ParsedCertificate;
    try {
      cert = issueCertificate({
        profile: "user",
        subject: csr.subject,
        subjectPublicKey: csr.publicKey,
        serial,
        notBeforeMs: now - 5n * 60_000n,
        notAfterMs: now + BigInt(days) * DAY_MS,
        issuer: ca.cert,
        issuerKey: ca.key,
      });
    } catch (e) {
      setError(errorText(e));
      return;
    }
    const done = await submit({ kind: "registerIdentity", value: { certificate: cert.der } });
    if (done) {
      setRegistered({
        code: eventAttribute(done.result, "identityRegistered", "code") ?? csr.subject.commonName,
        role: csr.subject.organizationalUnit ?? "",
        certificate: toPem("CERTIFICATE", cert.der),
      });
    }
  };

  return (
    <Card title={t("admin.issueTitle", { org })}>
      <Form
        layout="vertical"
        initialValues={{ days: 365 }}
        onFinish={(v: { days: number }) => void issue(v.days)}
      >
        <Form.Item
          name="csr"
          label={t("admin.csr")}
          rules={[{ required: true, message: t("admin.csrRequired") }]}
        >
          <Input.TextArea
            rows={6}
            data-testid="admin-csr"
            onChange={(e) => check(e.target.value)}
            placeholder="-----BEGIN CERTIFICATE REQUEST-----"
          />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
        {csr ? (
          <Descriptions size="small" column={1} bordered data-testid="csr-details">
            <Descriptions.Item label={t("keys.userCode")}>{csr.subject.commonName}</Descriptions.Item>
            <Descriptions.Item label={t("keys.organisation")}>{csr.subject.organization}</Descriptions.Item>
            <Descriptions.Item label={t("keys.role")}>
              {t(`roles.${csr.subject.organizationalUnit}`)}
            </Descriptions.Item>
            <Descriptions.Item label={t("keys.suite")}>{csr.publicKey.suite}</Descriptions.Item>
          </Descriptions>
        ) : null}
        <Form.Item name="days" label={t("admin.days")}>
          <InputNumber min={1} max={3650} />
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={!csr} loading={busy} data-testid="issue-register">
          {t("admin.issueAndRegister")}
        </Button>
      </Form>
      {registered ? (
        <Alert
          className="gap-top"
          type="success"
          showIcon
          data-testid="registered"
          title={t("admin.registered", { code: registered.code, role: t(`roles.${registered.role}`) })}
          description={
            <Input.TextArea
              readOnly
              rows={4}
              value={registered.certificate}
              aria-label={t("admin.certificate")}
            />
          }
        />
      ) : null}
    </Card>
  );
}

export default function AdminPage() {
  const { t } = useTranslation();
  const [ca, setCa] = useState<Ca>();
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("admin.title")}</Typography.Title>
      <Typography.Paragraph>{t("admin.intro")}</Typography.Paragraph>
      <UnlockGate>{ca ? <Issue ca={ca} /> : <CaLoader onLoaded={setCa} />}</UnlockGate>
    </Space>
  );
}
