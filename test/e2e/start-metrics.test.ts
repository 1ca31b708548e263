import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MONITOR_ABOVE_BASE } from "../../src/ops/network/ports.js";
import { type CliProcess, startCli } from "./harness.js";

/**
 * A whole `mkl start --metrics`: four nodes (API base..base+3, p2p base+10..base+13), the
 * embedded monitor (base+19) and every node's own metrics listener (base+20..base+23) all
 * listen at once on their default ports, none taking another's (the monitor would otherwise
 * move to a free port, and a node would fail to start).
 */
const dir = mkdtempSync(join(tmpdir(), "mkl-start-metrics-"));
let start: CliProcess | undefined;

afterAll(async () => {
  if (start !== undefined && start.child.exitCode === null && start.child.signalCode === null) {
    const exited = once(start.child, "exit");
    start.child.kill("SIGINT");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });

/** A base whose 24 ports are free now, below the ephemeral range so no client socket takes one. */
async function freeBase(): Promise<number> {
  for (let base = 22_000; base < 32_000; base += 25) {
    const ports = Array.from({ length: 24 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error("no 24 free ports in a row between 22000 and 32000");
}

describe("mkl start with metrics on", () => {
  it("listens on every node's API, p2p and metrics port and the monitor's, with no clash", async () => {
    const base = await freeBase();
    start = startCli(
      ["start", "--home", join(dir, "local"), "--no-demo", "--metrics", "--base-port", String(base)],
      /monitor (http:\/\/[^/\s]+)\/v1\/ops\/nodes[\s\S]*Ctrl-C stops everything/,
    );
    const [, monitorUrl] = await start.ready;
    // Its default port, not another one found free because a node took it.
    expect(new URL(monitorUrl as string).port).toBe(String(base + MONITOR_ABOVE_BASE));
    expect((await fetch(`${monitorUrl}/v1/ops/network`)).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      expect((await fetch(`http://127.0.0.1:${base + i}/v1/status`)).status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${base + 20 + i}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("mkl_block_height");
    }
    expect(start.output()).not.toMatch(/is taken|in use/);
  }, 180_000);
});
