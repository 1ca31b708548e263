import { describe, expect, it } from "vitest";
import { type Alert, AlertBook } from "./alerts.js";
import type { Condition } from "./evaluate.js";
import { resolveRules } from "./rules.js";

const rule = resolveRules({ rules: [{ name: "NodeUnreachable", for: "2s" }] }).find(
  (r) => r.name === "NodeUnreachable",
)!;
const down = (node: string, active = true): Condition => ({ rule, node, labels: {}, value: 0, active });

describe("alerts", () => {
  it("fire once after `for`, de-duplicate, and resolve by themselves into the history", () => {
    const history: Alert[] = [];
    const book = new AlertBook((a) => history.push(a));
    expect(book.update([down("n1")], 0)).toEqual([]); // pending
    expect(book.list()[0]?.state).toBe("pending");
    expect(book.update([down("n1"), down("n1")], 1_000)).toEqual([]);
    const fired = book.update([down("n1")], 2_000);
    expect(fired.map((e) => e.kind)).toEqual(["firing"]);
    expect(book.update([down("n1")], 3_000)).toEqual([]); // no repeat while it holds
    expect(book.list()).toHaveLength(1);
    const resolved = book.update([down("n1", false)], 4_000);
    expect(resolved.map((e) => [e.kind, e.alert.resolvedAtMs])).toEqual([["resolved", 4_000]]);
    expect(book.list()).toEqual([]);
    expect(history.map((a) => a.id)).toEqual([fired[0]?.alert.id]);
  });

  it("drop a pending alert that clears before `for` without a word", () => {
    const book = new AlertBook();
    book.update([down("n1")], 0);
    expect(book.update([], 1_000)).toEqual([]);
    expect(book.list()).toEqual([]);
  });

  it("are acknowledged by id, and silences keep matching alerts quiet for their time", () => {
    const book = new AlertBook();
    const silence = book.silence({ node: "n2" }, 10_000, { comment: "maintenance", by: "mkl1operator" }, 0);
    book.update([down("n1"), down("n2")], 0);
    const events = book.update([down("n1"), down("n2")], 2_000);
    expect(events.map((e) => e.alert.node)).toEqual(["n1"]);
    const silenced = book.list().find((a) => a.node === "n2");
    expect(silenced).toMatchObject({ state: "firing", silenced: true });
    const acked = book.acknowledge(events[0]?.alert.id as string, "li", 2_500);
    expect(acked?.acknowledged).toEqual({ by: "li", atMs: 2_500 });
    expect(book.acknowledge("nope", "li", 0)).toBeUndefined();
    expect(book.listSilences(5_000).map((s) => s.id)).toEqual([silence.id]);
    expect(book.listSilences(10_000)).toEqual([]); // expired
    // n2 resolves quietly (it fired silenced); n1 resolves with a notification.
    expect(book.update([], 12_000).map((e) => e.alert.node)).toEqual(["n1"]);
    expect(book.unsilence(silence.id)).toBe(false);
  });
});
