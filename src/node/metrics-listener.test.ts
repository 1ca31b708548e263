import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initSoloHome } from "./home.js";
import { type RunningNode, runNode } from "./run.js";

describe("metrics on a listener of their own", () => {
  let home: string;
  let running: RunningNode;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "mkl-metrics-listener-"));
    initSoloHome(home, {
      suite: "ed25519",
      chainId: "metrics-test",
      apiPort: 0,
      fundedAccounts: [],
      genesisTimeMs: 1_700_000_000_000n,
    });
    writeFileSync(
      join(home, "config.json"),
      JSON.stringify({
        moniker: "metrics-test",
        api: { host: "127.0.0.1", port: 0 },
        metrics: { host: "127.0.0.1", port: 0 },
      }),
    );
    running = await runNode(home, pino({ level: "silent" }));
  });

  afterAll(async () => {
    await running?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("serves the Prometheus text at /metrics on its own port, beside the API", async () => {
    expect(running.metricsUrl).toBeDefined();
    expect(running.metricsUrl).not.toBe(running.apiUrl);
    const response = await fetch(`${running.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("mkl_block_height");
  });

  it("serves nothing of the API there: other paths get the error shape", async () => {
    const response = await fetch(`${running.metricsUrl}/v1/status`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "NOT_FOUND", message: "this listener serves GET /metrics only" },
    });
  });
});
