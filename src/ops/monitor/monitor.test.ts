import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { initSoloHome } from "../../node/home.js";
import { type RunningNode, runNode } from "../../node/run.js";
import { addressOfKey, buildSignedTx, transferOp } from "../../sdk/index.js";
import { until } from "../../until.test-util.js";
import { freePort } from "../peers.js";
import { monitorRoutes } from "./api.js";
import type { MONITOR_OPENAPI } from "./openapi.js";
import { type RunningMonitor, runMonitor } from "./run.js";
import { targetsFromUrls } from "./targets.js";
import { renderStatus } from "./view.js";

let dir: string;
let node: RunningNode;
let running: RunningMonitor;
let configPath: string;
const lines: string[] = [];

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${running.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const post = (path: string, body: unknown) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mkl-monitor-"));
  const home = join(dir, "node");
  initSoloHome(home, {
    suite: "ed25519",
    chainId: "monitor-test",
    apiPort: 0,
    fundedAccounts: [],
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ moniker: "solo", api: { host: "127.0.0.1", port: 0 }, emptyBlockIntervalMs: 100 }),
  );
  node = await runNode(home, pino({ level: "silent" }));
  configPath = join(dir, "monitor.json");
  // A typo in a rule: the monitor says so and runs the default rules.
  writeFileSync(
    configPath,
    JSON.stringify({
      interval: "200ms",
      rules: [
        {
          name: "Typo",
          severity: "warning",
          for: "0s",
          metric: "mkl_blok_height",
          op: ">",
          threshold: 0,
          summary: "x",
        },
      ],
    }),
  );
  const dead = await freePort(); // nothing listens there
  running = await runMonitor({
    targets: targetsFromUrls(`${node.apiUrl},http://127.0.0.1:${dead}`),
    dataDir: join(dir, "history"),
    configPath,
    configRequired: true,
    log: (line) => lines.push(line),
  });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the monitor", () => {
  it("reports a bad rules file clearly and keeps running on the defaults", async () => {
    expect(lines.join("\n")).toMatch(/rule Typo names unknown metric mkl_blok_height/);
    const { body } = await api("/v1/ops/rules");
    expect(String(body.configError)).toMatch(/mkl_blok_height/);
    expect((body.rules as unknown[]).length).toBeGreaterThan(10);
    const before = running.monitor.cycles;
    await until(() => running.monitor.cycles >= before + 1);
  });

  it("follows a reachable node and an unreachable URL, without stopping", async () => {
    writeFileSync(
      configPath,
      JSON.stringify({ interval: "200ms", rules: [{ name: "NodeUnreachable", for: "0s" }] }),
    );
    expect((await post("/v1/ops/rules/reload", {})).body).toMatchObject({ rules: expect.any(Number) });
    await until(
      async () =>
        (((await api("/v1/ops/nodes")).body.nodes as Array<{ height?: number }>)[0]?.height ?? 0) >= 2,
    );
    const { body } = await api("/v1/ops/nodes");
    const [solo, dead] = body.nodes as Array<Record<string, unknown>>;
    expect(solo).toMatchObject({ up: true, chainId: "monitor-test", lagBlocks: 0, role: "validator" });
    expect(dead).toMatchObject({ up: false, error: expect.stringMatching(/cannot reach/) });
    const table = renderStatus(body.nodes as never, true);
    const RED = "\u001b[31m";
    expect(table[1]?.startsWith(RED)).toBe(false);
    expect(table[2]?.startsWith(RED)).toBe(true);
    expect(table[2]).toMatch(/NO.*unreachable/);
    const network = (await api("/v1/ops/network")).body;
    expect(network).toMatchObject({ nodes: 2, up: 1 });
  });

  it("serves history of a series for charts", async () => {
    const name = targetsFromUrls(node.apiUrl)[0]?.name as string;
    const names = (await api(`/v1/ops/nodes/${encodeURIComponent(name)}/series`)).body.series as string[];
    expect(names).toContain("mkl_block_height");
    const query = `/v1/ops/series?node=${encodeURIComponent(name)}&series=mkl_block_height&maxPoints=1000`;
    await until(async () => ((await api(query)).body.points as unknown[]).length > 2);
    const { body } = await api(query);
    const points = body.points as Array<{ atMs: number; value: number }>;
    expect(points.length).toBeGreaterThan(1);
    expect(points.at(-1)?.value).toBeGreaterThanOrEqual(points[0]?.value ?? 0);
    expect((await api("/v1/ops/series?node=x&series=y&from=5&to=1")).status).toBe(400);
    expect((await api("/v1/ops/nodes/nope/series")).status).toBe(404);
  });

  it("fires for the unreachable node, takes an acknowledgement, a silence, and a good rules file", async () => {
    type A = { id: string; rule: string; state: string; node: string };
    const firing = async () =>
      ((await api("/v1/ops/alerts")).body.alerts as A[]).find(
        (a) => a.rule === "NodeUnreachable" && a.state === "firing",
      );
    await until(async () => (await firing()) !== undefined);
    const alert = (await firing()) as A;
    expect(alert.node).toMatch(/^127\.0\.0\.1:/);
    const acked = await post(`/v1/ops/alerts/${alert?.id}/ack`, { by: "wang" });
    expect(acked.body.acknowledged).toMatchObject({ by: "wang" });
    expect((await post("/v1/ops/alerts/nope/ack", {})).status).toBe(404);
    const silence = await post("/v1/ops/silences", {
      rule: "NodeUnreachable",
      duration: "1h",
      comment: "known",
    });
    expect(silence.status).toBe(201);
    expect(((await api("/v1/ops/silences")).body.silences as unknown[]).length).toBe(1);
    expect((await post("/v1/ops/silences", { duration: "soon" })).status).toBe(400);
    expect((await api(`/v1/ops/silences/${silence.body.id}`, { method: "DELETE" })).status).toBe(200);
    // A bad file on reload is refused and the rules in force stay.
    writeFileSync(configPath, "{ not json");
    const refused = await post("/v1/ops/rules/reload", {});
    expect(refused.status).toBe(400);
    expect(String((refused.body.error as { message: string }).message)).toMatch(/not JSON/);
    expect(running.monitor.rules.find((r) => r.name === "NodeUnreachable")?.forMs).toBe(0);
  });

  it("reads governance from the best node and forwards governance transactions only", async () => {
    const { status, body } = await api("/v1/ops/governance/proposals");
    expect(status).toBe(200);
    expect(body).toMatchObject({ node: targetsFromUrls(node.apiUrl)[0]?.name, proposals: [] });
    const suite = getSuite("ed25519");
    const key = suite.generateKeyPair();
    const transfer = buildSignedTx(
      suite,
      key,
      { chainId: "monitor-test", nonce: 0n, expiryHeight: 100n },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    );
    const refused = await post("/v1/ops/governance/txs", { tx: Buffer.from(transfer.bytes).toString("hex") });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "NOT_GOVERNANCE" });
    expect((await post("/v1/ops/governance/txs", { tx: "abc" })).status).toBe(400);
    expect((await post("/v1/ops/governance/txs", { tx: "00ff" })).status).toBe(400);
  });

  it("documents every route in its OpenAPI document", async () => {
    const served = (await api("/openapi.json")).body as unknown as typeof MONITOR_OPENAPI;
    const documented = Object.entries(served.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = monitorRoutes.get(running.api) ?? [];
    expect([...new Set(routes)].sort()).toEqual([...documented].sort());
  });
});
