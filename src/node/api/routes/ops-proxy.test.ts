import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSuite } from "../../../crypto/index.js";
import type { KeyPair } from "../../../crypto/suite.js";
import { type RunningMonitor, runMonitor } from "../../../ops/monitor/run.js";
import { targetsFromUrls } from "../../../ops/monitor/targets.js";
import { freePort } from "../../../ops/peers.js";
import { signedOpsInit } from "../../../sdk/ops-request.js";
import { HOME_FILES } from "../../config.js";
import { readKeyPairFile } from "../../key-files.js";
import { type RunningNode, runNode } from "../../run.js";
import { type SoloTestHome, soloTestHome } from "../../solo-home.test-util.js";
import { opsWriterCheck } from "./ops-proxy.js";

/**
 * The node serves the embedded monitor's /v1/ops API on its own origin (for the console, whose
 * CSP allows 'self' only): a real monitor watching the node, reached through the node.
 */
let solo: SoloTestHome;
let node: RunningNode;
let monitor: RunningMonitor;
let monitorDir: string;
/** The solo validator's key: a node-operator identity at genesis, so it may operate. */
let operator: KeyPair;
const ops = (path: string, init?: RequestInit) => fetch(`${node.apiUrl}${path}`, init);
const signed = (method: "POST" | "DELETE", path: string, body?: object) =>
  signedOpsInit(getSuite("sm"), operator, method, path, body);

beforeAll(async () => {
  const [apiPort, monitorPort] = [await freePort(), await freePort()];
  monitorDir = mkdtempSync(join(tmpdir(), "mkl-ops-proxy-"));
  writeFileSync(join(monitorDir, "monitor.json"), JSON.stringify({ interval: "200ms" }));
  monitor = await runMonitor({
    targets: targetsFromUrls(`http://127.0.0.1:${apiPort}`),
    dataDir: join(monitorDir, "data"),
    configPath: join(monitorDir, "monitor.json"),
    port: monitorPort,
    log: () => {},
  });
  solo = soloTestHome("ops-proxy", {
    api: { host: "127.0.0.1", port: apiPort },
    emptyBlockIntervalMs: 100,
    opsProxy: { url: monitor.url },
  });
  operator = readKeyPairFile(join(solo.home, HOME_FILES.nodeKey));
  node = await runNode(solo.home, pino({ level: "silent" }));
});

afterAll(async () => {
  await node?.stop();
  await monitor?.stop();
  solo?.remove();
  rmSync(monitorDir, { recursive: true, force: true });
});

describe("who may write through the proxy", () => {
  it("matches addresses and subnets of both families, IPv4 seen through a dual-stack socket included", () => {
    const loopback = opsWriterCheck(["127.0.0.0/8", "::1/128"]);
    expect(["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"].map(loopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["10.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1"].map(loopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const office = opsWriterCheck(["10.1.2.3", "2001:db8::/32"]);
    expect(["10.1.2.3", "10.1.2.4", "2001:db8::7", "2001:db9::7"].map(office)).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(opsWriterCheck([])("127.0.0.1")).toBe(false);
  });
});

describe("/v1/ops on the node's origin", () => {
  it("passes reads, signed writes and refusals through, query, body and signature included", async () => {
    // Until the monitor's first scrape of the node (seconds on a loaded machine, not poll's default 1 s).
    await expect
      .poll(
        async () => ((await (await ops("/v1/ops/nodes")).json()) as { nodes: Array<{ up: boolean }> }).nodes,
        { timeout: 30_000 },
      )
      .toMatchObject([{ up: true }]);
    const series = await ops("/v1/ops/series?node=nope&series=height&maxPoints=0");
    expect(series.status).toBe(400); // the monitor's own refusal of maxPoints=0, as it gave it
    expect(((await series.json()) as { error: { message: string } }).error.message).toContain("maxPoints");
    const body = { node: "127.0.0.1", duration: "1h", comment: "maintenance" };
    // Unsigned, the monitor refuses it; the proxy passes its refusal on.
    const bare = await ops("/v1/ops/silences", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe("OPS_UNSIGNED");
    const created = await ops("/v1/ops/silences", signed("POST", "/v1/ops/silences", body));
    expect(created.status).toBe(201);
    const silence = (await created.json()) as { id: string; comment: string };
    expect(silence.comment).toBe("maintenance");
    expect((await (await ops("/v1/ops/silences")).json()) as object).toMatchObject({
      silences: [{ id: silence.id }],
    });
    const removed = await ops(
      `/v1/ops/silences/${silence.id}`,
      signed("DELETE", `/v1/ops/silences/${silence.id}`),
    );
    expect(await removed.json()).toEqual({ removed: silence.id });
    const unknown = await ops("/v1/ops/alerts/nope/ack", signed("POST", "/v1/ops/alerts/nope/ack", {}));
    expect(unknown.status).toBe(404);
  });

  it("takes writes only from opsProxy.writers (this machine by default), signed or not, reads from anyone", async () => {
    // A second node whose writers exclude this machine: the test's loopback client is refused.
    const other = soloTestHome("ops-proxy-writers", {
      api: { host: "127.0.0.1", port: await freePort() },
      emptyBlockIntervalMs: 100,
      opsProxy: { url: monitor.url, writers: ["192.0.2.0/24", "2001:db8::/32"] },
    });
    const strict = await runNode(other.home, pino({ level: "silent" }));
    try {
      expect((await fetch(`${strict.apiUrl}/v1/ops/silences`)).status).toBe(200);
      const write = await fetch(
        `${strict.apiUrl}/v1/ops/silences`,
        signed("POST", "/v1/ops/silences", { node: "127.0.0.1", duration: "1h", comment: "from afar" }),
      );
      expect(write.status).toBe(403);
      const refusal = (await write.json()) as { error: { code: string; message: string } };
      expect(refusal.error).toMatchObject({ code: "OPS_WRITE_NOT_PERMITTED" });
      expect(refusal.error.message).toContain("192.0.2.0/24");
      const removal = await fetch(
        `${strict.apiUrl}/v1/ops/silences/any`,
        signed("DELETE", "/v1/ops/silences/any"),
      );
      expect(removal.status).toBe(403);
      expect((await (await ops("/v1/ops/silences")).json()) as object).toMatchObject({ silences: [] });
    } finally {
      await strict.stop();
      other.remove();
    }
  });

  it("answers 502 MONITOR_UNREACHABLE while the monitor is down, and keeps serving the chain", async () => {
    await monitor.stop();
    const answer = await ops("/v1/ops/alerts");
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("MONITOR_UNREACHABLE");
    expect((await ops("/v1/status")).status).toBe(200);
  });
});
