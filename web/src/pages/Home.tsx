import { Card, Col, Row, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ErrorState } from "../components/states.js";
import { useSession } from "../session.js";

const ROLES = ["keys", "admin", "enterprise", "marketer", "shop", "auditor", "operator"] as const;

export default function HomePage() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <Space direction="vertical" size="large" className="page">
      <Typography.Title level={2}>{t("home.title")}</Typography.Title>
      <Typography.Paragraph>{t("home.intro")}</Typography.Paragraph>
      {session.statusError ? <ErrorState error={session.statusError} title={t("app.nodeDown")} /> : null}
      <Row gutter={[16, 16]}>
        {ROLES.map((role) => (
          <Col xs={24} sm={12} lg={8} key={role}>
            <Link to={`/${role}`}>
              <Card hoverable title={t(`nav.${role}`)} data-testid={`home-${role}`}>
                {t(`home.${role}`)}
              </Card>
            </Link>
          </Col>
        ))}
      </Row>
    </Space>
  );
}
