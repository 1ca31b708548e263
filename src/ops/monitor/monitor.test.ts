import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../clock.js";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { initSoloHome } from "../../node/home.js";
import { type RunningNode, runNode } from "../../node/run.js";
import { userCodeOf } from "../../pki/user-code.js";
import {
  addressOfKey,
  buildSignedTx,
  OPS_HEADERS,
  OPS_REQUEST_WINDOW_MS,
  signedOpsInit,
  signOpsRequest,
  transferOp,
} from "../../sdk/index.js";
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
const suite = getSuite("ed25519");
/** The solo validator's key: genesis makes it a node-operator identity, which may operate. */
let operator: KeyPair;
/** A genesis buyer: an identity, of a role that may not operate. */
let buyer: KeyPair;

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${running.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const unsigned = (path: string, body: unknown) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
/** A write signed by `key` (the operator unless told otherwise). */
const post = (path: string, body: object, key = operator) =>
  api(path, signedOpsInit(suite, key, "POST", path, body));
const remove = (path: string, key = operator) => api(path, signedOpsInit(suite, key, "DELETE", path));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mkl-monitor-"));
  const home = join(dir, "node");
  const keys = initSoloHome(home, {
    suite: "ed25519",
    chainId: "monitor-test",
    apiPort: 0,
    fundedAccounts: [{ name: "buyer", balanceFen: 0n }],
    genesisTimeMs: 1_700_000_000_000n,
  });
  operator = keys.validator;
  buyer = keys.accounts.get("buyer") as KeyPair;
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
    // A signed write asks the best node who signed it: wait until the monitor has seen it up.
    await until(() => running.monitor.nodes().some((n) => n.up));
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
    const acked = await post(`/v1/ops/alerts/${alert?.id}/ack`, {});
    // Recorded as by whom the chain says signed it, not by a name the request gives.
    const operatorCode = userCodeOf(suite.hash, operator.publicKey.bytes);
    expect(acked.body.acknowledged).toMatchObject({ by: operatorCode });
    expect((await post(`/v1/ops/alerts/${alert?.id}/ack`, { by: "wang" })).status).toBe(400);
    expect((await post("/v1/ops/alerts/nope/ack", {})).status).toBe(404);
    const silence = await post("/v1/ops/silences", {
      rule: "NodeUnreachable",
      duration: "1h",
      comment: "known",
    });
    expect(silence.status).toBe(201);
    expect(silence.body).toMatchObject({ by: operatorCode, comment: "known" });
    expect(((await api("/v1/ops/silences")).body.silences as unknown[]).length).toBe(1);
    expect((await post("/v1/ops/silences", { duration: "soon" })).status).toBe(400);
    expect((await remove(`/v1/ops/silences/${silence.body.id}`)).status).toBe(200);
    // A bad file on reload is refused and the rules in force stay.
    writeFileSync(configPath, "{ not json");
    const refused = await post("/v1/ops/rules/reload", {});
    expect(refused.status).toBe(400);
    expect(String((refused.body.error as { message: string }).message)).toMatch(/not JSON/);
    expect(running.monitor.rules.find((r) => r.name === "NodeUnreachable")?.forMs).toBe(0);
  });

  it("takes a write only signed by an operator's chain identity, once, and changes nothing otherwise", async () => {
    const path = "/v1/ops/silences";
    const body = { duration: "1h", comment: "by whom?" };
    const count = async () => ((await api(path)).body.silences as unknown[]).length;
    const before = await count();
    const refusal = (answer: { status: number; body: Record<string, unknown> }) => ({
      status: answer.status,
      code: (answer.body.error as { code: string } | undefined)?.code,
    });
    expect(refusal(await unsigned(path, body))).toEqual({ status: 401, code: "OPS_UNSIGNED" });
    expect(refusal(await api("/v1/ops/silences/s1", { method: "DELETE" }))).toEqual({
      status: 401,
      code: "OPS_UNSIGNED",
    });
    expect(refusal(await unsigned("/v1/ops/rules/reload", {}))).toEqual({
      status: 401,
      code: "OPS_UNSIGNED",
    });
    const sign = (key: KeyPair, atMs: number, signed: object = body) =>
      signOpsRequest(suite, key, { method: "POST", path, body: signed }, atMs, (n) =>
        crypto.getRandomValues(new Uint8Array(n)),
      );
    const send = (headers: Record<string, string>, sent: object = body) =>
      api(path, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(sent),
      });
    // The signature covers the body: a changed duration (always different from 1h) fails.
    const headers = sign(operator, systemClock.now());
    expect(refusal(await send(headers, { ...body, duration: "24h" }))).toEqual({
      status: 401,
      code: "OPS_SIGNATURE_INVALID",
    });
    // ...and the path, the method and the time.
    const elsewhere = signOpsRequest(
      suite,
      operator,
      { method: "POST", path: "/v1/ops/rules/reload" },
      systemClock.now(),
      (n) => crypto.getRandomValues(new Uint8Array(n)),
    );
    expect(refusal(await send(elsewhere))).toEqual({ status: 401, code: "OPS_SIGNATURE_INVALID" });
    const later = String(Number(headers[OPS_HEADERS.time]) + 1);
    expect(refusal(await send({ ...headers, [OPS_HEADERS.time]: later }))).toEqual({
      status: 401,
      code: "OPS_SIGNATURE_INVALID",
    });
    expect(refusal(await send({ ...headers, [OPS_HEADERS.signature]: "zz" }))).toEqual({
      status: 401,
      code: "OPS_SIGNATURE_INVALID",
    });
    const stale = sign(operator, systemClock.now() - OPS_REQUEST_WINDOW_MS - 60_000);
    expect(refusal(await send(stale))).toEqual({ status: 401, code: "OPS_REQUEST_STALE" });
    // A good signature by a key the chain does not know, and by an identity that may not operate.
    expect(refusal(await send(sign(suite.generateKeyPair(), systemClock.now())))).toEqual({
      status: 403,
      code: "IDENTITY_UNKNOWN",
    });
    const asBuyer = await send(sign(buyer, systemClock.now()));
    expect(refusal(asBuyer)).toEqual({ status: 403, code: "ROLE_NOT_PERMITTED" });
    expect(String((asBuyer.body.error as { message: string }).message)).toMatch(/buyer/);
    expect(await count()).toBe(before);
    // The operator's request is taken once; the same bytes again are a replay.
    const good = sign(operator, systemClock.now());
    expect((await send(good)).status).toBe(201);
    expect(refusal(await send(good))).toEqual({ status: 409, code: "OPS_REQUEST_REPLAYED" });
    expect(await count()).toBe(before + 1);

    // A restarted monitor still knows the nonce: its store kept it (the window has not passed).
    await running.stop();
    running = await runMonitor({
      targets: targetsFromUrls(node.apiUrl),
      dataDir: join(dir, "history"),
      log: (line) => lines.push(line),
    });
    await until(() => running.monitor.nodes().some((n) => n.up));
    expect(refusal(await send(good))).toEqual({ status: 409, code: "OPS_REQUEST_REPLAYED" });
    expect((await send(sign(operator, systemClock.now()))).status).toBe(201);
  });

  it("reads governance from the best node and forwards governance transactions only", async () => {
    const { status, body } = await api("/v1/ops/governance/proposals");
    expect(status).toBe(200);
    expect(body).toMatchObject({ node: targetsFromUrls(node.apiUrl)[0]?.name, proposals: [] });
    const key = suite.generateKeyPair();
    const transfer = buildSignedTx(
      suite,
      key,
      { chainId: "monitor-test", nonce: 0n, expiryHeight: 100n },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    );
    // A governance transaction carries its own signature: the monitor relays it unsigned.
    const tx = Buffer.from(transfer.bytes).toString("hex");
    const refused = await unsigned("/v1/ops/governance/txs", { tx });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "NOT_GOVERNANCE" });
    expect((await unsigned("/v1/ops/governance/txs", { tx: "abc" })).status).toBe(400);
    expect((await unsigned("/v1/ops/governance/txs", { tx: "00ff" })).status).toBe(400);
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
