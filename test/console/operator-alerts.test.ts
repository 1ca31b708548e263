import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSuite } from "../../src/crypto/index.js";
import { HOME_FILES } from "../../src/node/config.js";
import { readKeyPairFile } from "../../src/node/key-files.js";
import { type RunningMonitor, runMonitor } from "../../src/ops/monitor/run.js";
import { targetsFromUrls } from "../../src/ops/monitor/targets.js";
import { type NodeProcessInfo, stopChild } from "../../src/ops/network-up.js";
import { freePort } from "../../src/ops/peers.js";
import { userCodeOf } from "../../src/pki/user-code.js";
import { initTestNetwork, startNode } from "../e2e/harness.js";

/**
 * The console's operator alerts in headless Chromium, against four validator processes and the
 * real embedded monitor: node1 passes /v1/ops on to the monitor (its opsProxy, as `npm start`
 * sets it), so the page reaches it under its CSP. A validator is stopped; its alert appears,
 * is acknowledged and silenced from the page with requests signed in the browser by node1's
 * operator key (imported into the console's keystore), and the page shows every node's height
 * and state.
 */
const BROWSER_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-sync"];
const RULE = "NodeUnreachable";
const PASS = "correct horse 42";

let root: string;
let homes: string[];
let nodes: NodeProcessInfo[] = [];
let monitor: RunningMonitor | undefined;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "mkl-operator-"));
  const apiPorts = await Promise.all([0, 1, 2, 3].map(() => freePort()));
  const urls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
  const configPath = join(root, "monitor.json");
  writeFileSync(configPath, JSON.stringify({ interval: "300ms", rules: [{ name: RULE, for: "1s" }] }));
  monitor = await runMonitor({
    targets: targetsFromUrls(urls.join(",")),
    dataDir: join(root, "monitor"),
    configPath,
    port: 0,
    log: () => {},
  });
  homes = await initTestNetwork(join(root, "net"), (i) => ({
    api: { host: "127.0.0.1", port: apiPorts[i] },
    emptyBlockIntervalMs: 500,
    ...(i === 0 ? { opsProxy: { url: monitor?.url } } : {}),
  }));
  nodes = homes.map((home) => startNode(home));
  await Promise.all(nodes.map((n) => n.apiUrl));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: BROWSER_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en" });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(nodes.map((n) => stopChild(n.child)));
  await monitor?.stop();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const text = async (testId: string) => (await page.getByTestId(testId).textContent()) ?? "";

describe("the operator page's alerts", () => {
  it("shows every node, a stopped validator's alert, and acknowledges and silences it, signed", async () => {
    const origin = await nodes[0]!.apiUrl;
    await page.goto(`${origin}/keys`);
    await page.evaluate(`localStorage.setItem("mkl.lang", "en")`);
    await page.reload();
    // node1's key: a node-operator identity at genesis, so the monitor takes its requests.
    const keyPath = join(homes[0]!, HOME_FILES.nodeKey);
    const key = readKeyPairFile(keyPath);
    const operatorCode = userCodeOf(getSuite(key.privateKey.suite).hash, key.publicKey.bytes);
    await page.getByTestId("import-label").fill("node1-operator");
    await page.getByTestId("import-pem").fill(readFileSync(keyPath, "utf8"));
    await page.getByTestId("import-passphrase").fill(PASS);
    await page.getByTestId("import-key").click();
    await page.getByTestId("identity-registered").waitFor();
    await page.goto(`${origin}/operator`);
    await page.getByTestId("ops-card").waitFor();
    // Every node, with its height, through this node's origin.
    await expect.poll(() => text("ops-nodes"), { timeout: 60_000 }).toMatch(/127\.0\.0\.1[\s\S]*up/);
    const nodeRows = page.getByTestId("ops-nodes").locator("tbody tr.ant-table-row");
    await expect.poll(() => nodeRows.count(), { timeout: 30_000 }).toBe(4);
    const stopped = nodes[3]!;
    const stoppedName = new URL(await stopped.apiUrl).host;
    const ack = page.getByTestId(`ack-${RULE}-${stoppedName}`);
    // The monitor started before the nodes: any alert of their start-up has resolved first. Only
    // once the alerts table has rendered and every node is up does "no ack button" mean that
    // (while the table loads there is no button either).
    await page.getByTestId("ops-alerts").waitFor();
    await expect
      .poll(() => page.getByTestId("ops-nodes").getByTestId("node-up").count(), { timeout: 60_000 })
      .toBe(4);
    await expect.poll(() => ack.count(), { timeout: 60_000 }).toBe(0);
    await stopChild(stopped.child);
    await ack.waitFor({ timeout: 60_000 });
    const row = page.getByTestId("ops-alerts").locator("tr", { has: ack });
    await expect.poll(async () => (await row.textContent()) ?? "", { timeout: 30_000 }).toContain("firing");
    await expect.poll(() => text("ops-nodes"), { timeout: 30_000 }).toContain("down");

    // Locked (a page load forgets the unlocked key), the page refuses to send; unlocked, it signs.
    await ack.click();
    await expect.poll(() => text("ops-failure"), { timeout: 30_000 }).toContain("Unlock a key first");
    await page.getByTestId("unlock-passphrase").fill(PASS);
    await page.getByTestId("unlock").click();
    await page.getByTestId("unlock").waitFor({ state: "detached" });
    await ack.click();
    await expect
      .poll(async () => (await row.textContent()) ?? "")
      .toContain(`acknowledged by ${operatorCode}`);
    const listed = (await (await fetch(`${monitor!.url}/v1/ops/alerts`)).json()) as {
      alerts: Array<{ rule: string; acknowledged?: { by: string } }>;
    };
    expect(listed.alerts.find((a) => a.rule === RULE)?.acknowledged?.by).toBe(operatorCode);

    await page.getByTestId(`silence-${RULE}-${stoppedName}`).click();
    await expect.poll(() => text("ops-silences"), { timeout: 30_000 }).toContain(RULE);
    const silences = (await (await fetch(`${monitor!.url}/v1/ops/silences`)).json()) as {
      silences: Array<{ rule?: string; node?: string }>;
    };
    expect(silences.silences).toMatchObject([{ rule: RULE, node: stoppedName, by: operatorCode }]);
    expect(cspViolations).toEqual([]);
  }, 180_000);
});
