import { App as AntApp, ConfigProvider, Layout, Menu, Select, Space, Tag, theme } from "antd";
import enUS from "antd/locale/en_US";
import zhCNLocale from "antd/locale/zh_CN";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Routes, useLocation } from "react-router-dom";
import { useLiveBlocks } from "./chain/live.js";
import { Loading } from "./components/states.js";
import { pageNonce } from "./csp.js";
import { type Language, setLanguage } from "./i18n/index.js";
import { useSession } from "./session.js";

// One chunk per page: the first page loads only what it shows.
const Home = lazy(() => import("./pages/Home.js"));
const Keys = lazy(() => import("./pages/Keys.js"));
const Admin = lazy(() => import("./pages/Admin.js"));
const Enterprise = lazy(() => import("./pages/Enterprise.js"));
const Marketer = lazy(() => import("./pages/Marketer.js"));
const Shop = lazy(() => import("./pages/Shop.js"));
const Auditor = lazy(() => import("./pages/Auditor.js"));
const Operator = lazy(() => import("./pages/Operator.js"));

/** The nonce the node put in this page's CSP: Ant Design's style tags carry it. */
const nonce = pageNonce();

const NAV = ["keys", "admin", "enterprise", "marketer", "shop", "auditor", "operator"] as const;

export function App() {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const session = useSession();
  const live = useLiveBlocks();
  const section = location.pathname.split("/")[1] ?? "";
  return (
    <ConfigProvider
      locale={i18n.language === "en" ? enUS : zhCNLocale}
      {...(nonce ? { csp: { nonce } } : {})}
      theme={{ algorithm: theme.defaultAlgorithm, token: { colorPrimary: "#c0392b" } }}
    >
      <AntApp>
        <Layout className="shell">
          <Layout.Header className="shell-header">
            <Link to="/" className="brand">
              {t("app.name")}
            </Link>
            <Menu
              mode="horizontal"
              theme="dark"
              className="shell-menu"
              selectedKeys={[section]}
              items={NAV.map((key) => ({ key, label: <Link to={`/${key}`}>{t(`nav.${key}`)}</Link> }))}
            />
            <Space className="shell-tools">
              <Tag color={live ? "green" : "default"} data-testid={live ? "live" : "offline"}>
                {t(live ? "app.live" : "app.offline")}
              </Tag>
              {session.active ? (
                <Tag color={session.unlocked ? "green" : "default"} data-testid="active-key">
                  {session.active.label}
                </Tag>
              ) : null}
              <Select<Language>
                aria-label={t("app.language")}
                data-testid="language"
                size="small"
                value={i18n.language === "en" ? "en" : "zh-CN"}
                onChange={setLanguage}
                options={[
                  { value: "zh-CN", label: "中文" },
                  { value: "en", label: "English" },
                ]}
              />
            </Space>
          </Layout.Header>
          <Layout.Content className="shell-content">
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<Home />} />
                <Route path="/keys" element={<Keys />} />
                <Route path="/admin" element={<Admin />} />
                <Route path="/enterprise" element={<Enterprise />} />
                <Route path="/marketer" element={<Marketer />} />
                <Route path="/shop" element={<Shop />} />
                <Route path="/shop/:code" element={<Shop />} />
                <Route path="/auditor" element={<Auditor />} />
                <Route path="/operator" element={<Operator />} />
                <Route path="*" element={<Home />} />
              </Routes>
            </Suspense>
          </Layout.Content>
          <Layout.Footer className="shell-footer">
            {session.status
              ? t("app.footer", {
                  chain: session.status.chainId,
                  suite: session.status.suite,
                  height: session.status.height,
                })
              : t("app.connecting")}
          </Layout.Footer>
        </Layout>
      </AntApp>
    </ConfigProvider>
  );
}
