import { describe, expect, it } from "vitest";
import type { ChainNodeJson } from "../../sdk/client.js";
import { AlertBook } from "./alerts.js";
import { CERTIFICATE_EXPIRY, withRegisteredCertificates } from "./chain-certificates.js";
import { evaluateRules, type HistoryPoint } from "./evaluate.js";
import { resolveRules } from "./rules.js";
import type { NodeSample } from "./scrape.js";
import { seriesKey, seriesOfFigures } from "./series.js";
import { RECORDED_STATUS } from "./testkit.test-util.js";

const DAY_MS = 86_400_000;
const T0 = 1_800_000_000_000;
const RULE = resolveRules({}).find((r) => r.name === "NodeCertificateExpiring")!;
const target = { name: "node1", url: "http://127.0.0.1:1" };

/** A real node's sample (recorded), whose own certificate files lapse far from T0. */
function sample(atMs: number): NodeSample {
  const series = seriesOfFigures(RECORDED_STATUS.figures).map((s) =>
    s.metric === CERTIFICATE_EXPIRY ? { ...s, value: (atMs + 365 * DAY_MS) / 1000 } : s,
  );
  return { target, atMs, up: true, status: RECORDED_STATUS, series };
}

function registered(publicKey: string, notAfterMs: number | null): ChainNodeJson {
  return {
    name: "node1",
    publicKey,
    organisation: "org1",
    role: "observer",
    power: "0",
    certificateSerial: notAfterMs === null ? null : "01",
    certificateNotAfterMs: notAfterMs === null ? null : String(notAfterMs),
    registeredHeight: "3",
  };
}

const point = (s: NodeSample): HistoryPoint => ({
  atMs: s.atMs,
  up: true,
  series: new Map(s.series.map((v) => [seriesKey(v.metric, v.labels), v])),
});

describe("the node certificate rule reads the chain's registered node certificates", () => {
  const nodeId = RECORDED_STATUS.consensus.nodeId;

  it("adds the registered expiry of the node whose key matches, and nothing for others", () => {
    const [mine] = withRegisteredCertificates([sample(T0)], [registered(nodeId, T0 + 3 * DAY_MS)]);
    const chain = mine!.series.filter((s) => s.metric === CERTIFICATE_EXPIRY && s.labels.source === "chain");
    expect(chain).toEqual([
      {
        metric: CERTIFICATE_EXPIRY,
        labels: { scope: "node", source: "chain" },
        value: (T0 + 3 * DAY_MS) / 1000,
      },
    ]);
    // Another node's key (differs from this one's in its last byte), or no certificate recorded.
    const other = `${nodeId.slice(0, -2)}${nodeId.endsWith("00") ? "01" : "00"}`;
    for (const nodes of [[registered(other, T0)], [registered(nodeId, null)], []])
      expect(withRegisteredCertificates([sample(T0)], nodes)[0]!.series).toEqual(sample(T0).series);
  });

  it("fires while the registered certificate lapses within 14 days, and resolves once governance renews it", () => {
    const book = new AlertBook();
    const history: HistoryPoint[] = [];
    const step = (atMs: number, notAfterMs: number) => {
      history.push(point(withRegisteredCertificates([sample(atMs)], [registered(nodeId, notAfterMs)])[0]!));
      return book.update(evaluateRules([RULE], new Map([["node1", history]]), atMs), atMs);
    };
    // Far away: nothing (the node's own files lapse far away too).
    expect(step(T0, T0 + 60 * DAY_MS)).toEqual([]);
    // The chain's record lapses in 10 days: one firing alert, labelled as the chain's.
    const fired = step(T0 + 1_000, T0 + 10 * DAY_MS);
    expect(fired).toMatchObject([
      {
        kind: "firing",
        alert: { rule: "NodeCertificateExpiring", node: "node1", labels: { source: "chain" } },
      },
    ]);
    expect(step(T0 + 2_000, T0 + 10 * DAY_MS)).toEqual([]); // once, not again
    // Renewed through governance: a year later. It resolves by itself.
    expect(step(T0 + 3_000, T0 + 365 * DAY_MS)).toMatchObject([{ kind: "resolved" }]);
  });
});
