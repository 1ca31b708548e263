import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MonitorHistory } from "./history.js";

const dirs: string[] = [];
const open = (options: { retentionMs?: number; rawRetentionMs?: number } = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "mkl-history-"));
  dirs.push(dir);
  return new MonitorHistory({ path: dir, ...options });
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const MIN = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MIN);

describe("the monitor's history", () => {
  it("keeps every scrape, then minute points (mean of gauges, last of counters), and prunes by retention", async () => {
    const history = open({ retentionMs: 10 * MIN, rawRetentionMs: 2 * MIN });
    for (let i = 0; i < 6 * 12; i++) {
      const at = T0 + i * 5_000; // every 5 s for 6 minutes
      history.record("n1", at, [
        { metric: "mkl_block_height", labels: {}, value: i },
        { metric: "mkl_txs_rejected_total", labels: { code: "X" }, value: 100 + i },
      ]);
    }
    history.record("n1", T0 + 6 * MIN, [{ metric: "mkl_block_height", labels: {}, value: 72 }]);
    const now = T0 + 6 * MIN;
    const recent = await history.query("n1", "mkl_block_height", now - MIN, now, now);
    expect(recent.tier).toBe("raw");
    expect(recent.points.at(-1)).toEqual({ atMs: now, value: 72 });
    const older = await history.query("n1", "mkl_block_height", T0, now, now);
    expect(older.tier).toBe("1m");
    expect(older.points.slice(0, 2)).toEqual([
      { atMs: T0, value: 5.5 }, // mean of 0..11
      { atMs: T0 + MIN, value: 17.5 },
    ]);
    const counter = await history.query("n1", 'mkl_txs_rejected_total{code="X"}', T0, now, now);
    expect(counter.points[0]).toEqual({ atMs: T0, value: 111 }); // the minute's last value
    expect(history.seriesNames("n1")).toEqual(["mkl_block_height", 'mkl_txs_rejected_total{code="X"}']);

    await history.prune(T0 + 12 * MIN);
    expect(await history.count("raw", "n1")).toBe(0);
    expect(await history.count("1m", "n1")).toBe(4); // minutes 2..5 are within 10 minutes of 12
    await history.close();
  });

  it("thins a long range to at most maxPoints, and keeps series numbers across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-history-"));
    dirs.push(dir);
    let history = new MonitorHistory({ path: dir });
    for (let i = 0; i < 100; i++)
      history.record("n1", T0 + i * 1_000, [{ metric: "up", labels: {}, value: i % 2 }]);
    const thinned = await history.query("n1", "up", T0, T0 + 99_000, T0 + 99_000, 10);
    expect(thinned.points).toHaveLength(10);
    expect(thinned.points.every((p) => p.value === 0.5)).toBe(true);
    await history.close();
    history = new MonitorHistory({ path: dir });
    history.record("n1", T0 + 200_000, [{ metric: "mkl_block_height", labels: {}, value: 9 }]);
    expect((await history.query("n1", "up", T0, T0 + 99_000, T0 + 99_000)).points).toHaveLength(100);
    expect((await history.query("n1", "mkl_block_height", T0, T0 + 300_000, T0 + 200_000)).points).toEqual([
      { atMs: T0 + 200_000, value: 9 },
    ]);
    await history.close();
  });
});
