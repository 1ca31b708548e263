import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REQUEST_WINDOW_MS } from "../../sdk/index.js";
import { MonitorHistory } from "./history.js";

const dir = mkdtempSync(join(tmpdir(), "mkl-nonces-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the monitor's stored nonces", () => {
  it("keeps a taken nonce across a reopening, and only while its time is inside the window", async () => {
    const t0 = 1_800_000_000_000;
    const first = new MonitorHistory({ path: join(dir, "h") });
    const book = first.nonceBook(t0);
    await book.take("aa".repeat(16), t0, t0);
    await book.take("bb".repeat(16), t0 + 1_000, t0 + 1_000);
    expect(book.has("aa".repeat(16))).toBe(true);
    await first.close();

    // Reopened inside the window of both: both are still taken.
    const second = new MonitorHistory({ path: join(dir, "h") });
    const again = second.nonceBook(t0 + 2_000);
    expect([again.has("aa".repeat(16)), again.has("bb".repeat(16)), again.has("cc".repeat(16))]).toEqual([
      true,
      true,
      false,
    ]);
    // A take past the first's window forgets it (its time is refused as stale by then anyway).
    const later = t0 + REQUEST_WINDOW_MS + 500;
    await again.take("cc".repeat(16), later, later);
    expect(again.size).toBe(2);
    expect(again.has("aa".repeat(16))).toBe(false);
    await second.close();

    // Reopened after every window: nothing is loaded, and the store is emptied of them.
    const third = new MonitorHistory({ path: join(dir, "h") });
    const empty = third.nonceBook(later + 2 * REQUEST_WINDOW_MS);
    expect(empty.size).toBe(0);
    await third.close();
    const fourth = new MonitorHistory({ path: join(dir, "h") });
    expect(fourth.nonceBook(t0).size).toBe(0);
    await fourth.close();
  });
});
