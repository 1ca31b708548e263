import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningMonitor, runMonitor } from "../../../ops/monitor/run.js";
import { targetsFromUrls } from "../../../ops/monitor/targets.js";
import { freePort } from "../../../ops/peers.js";
import { type RunningNode, runNode } from "../../run.js";
import { type SoloTestHome, soloTestHome } from "../../solo-home.test-util.js";

/**
 * The node serves the embedded monitor's /v1/ops API on its own origin (for the console, whose
 * CSP allows 'self' only): a real monitor watching the node, reached through the node.
 */
let solo: SoloTestHome;
let node: RunningNode;
let monitor: RunningMonitor;
let monitorDir: string;
const ops = (path: string, init?: RequestInit) => fetch(`${node.apiUrl}${path}`, init);
const json = { "content-type": "application/json" };

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
  node = await runNode(solo.home, pino({ level: "silent" }));
});

afterAll(async () => {
  await node?.stop();
  await monitor?.stop();
  solo?.remove();
  rmSync(monitorDir, { recursive: true, force: true });
});

describe("/v1/ops on the node's origin", () => {
  it("passes reads, writes and refusals through, query and body included", async () => {
    await expect
      .poll(
        async () => ((await (await ops("/v1/ops/nodes")).json()) as { nodes: Array<{ up: boolean }> }).nodes,
      )
      .toMatchObject([{ up: true }]);
    const series = await ops("/v1/ops/series?node=nope&series=height&maxPoints=0");
    expect(series.status).toBe(400); // the monitor's own refusal of maxPoints=0, as it gave it
    expect(((await series.json()) as { error: { message: string } }).error.message).toContain("maxPoints");
    const created = await ops("/v1/ops/silences", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ node: "127.0.0.1", duration: "1h", comment: "maintenance" }),
    });
    expect(created.status).toBe(201);
    const silence = (await created.json()) as { id: string; comment: string };
    expect(silence.comment).toBe("maintenance");
    expect((await (await ops("/v1/ops/silences")).json()) as object).toMatchObject({
      silences: [{ id: silence.id }],
    });
    const removed = await ops(`/v1/ops/silences/${silence.id}`, { method: "DELETE" });
    expect(await removed.json()).toEqual({ removed: silence.id });
    const unknown = await ops("/v1/ops/alerts/nope/ack", { method: "POST", headers: json, body: "{}" });
    expect(unknown.status).toBe(404);
  });

  it("answers 502 MONITOR_UNREACHABLE while the monitor is down, and keeps serving the chain", async () => {
    await monitor.stop();
    const answer = await ops("/v1/ops/alerts");
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("MONITOR_UNREACHABLE");
    expect((await ops("/v1/status")).status).toBe(200);
  });
});
