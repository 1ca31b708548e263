import { describe, expect, it } from "vitest";
import { encodePeerMessage, peerMessageKind } from "../consensus/wire.js";
import { NodeMetrics } from "../metrics.js";
import { PeerMessageCounts } from "./peer-messages.js";

async function samples(metrics: NodeMetrics) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "mkl_p2p_messages_total");
  return (metric?.values ?? []).map((v) => ({ ...v.labels, n: v.value }));
}

describe("peer message counts", () => {
  it("name each message by its kind from its first byte, and anything else unknown", () => {
    expect(peerMessageKind(encodePeerMessage({ kind: "tx", value: new Uint8Array([1, 2]) }))).toBe("tx");
    expect(peerMessageKind(encodePeerMessage({ kind: "status", value: { height: 3n } }))).toBe("status");
    expect(
      peerMessageKind(encodePeerMessage({ kind: "proposalRequest", value: { height: 3n, round: 0 } })),
    ).toBe("proposalRequest");
    expect(peerMessageKind(new Uint8Array([0xee]))).toBe("unknown");
    expect(peerMessageKind(new Uint8Array(0))).toBe("unknown");
  });

  it("count a broadcast once per peer that took it and publish the totals, not increments", async () => {
    const counts = new PeerMessageCounts();
    const metrics = new NodeMetrics();
    const tx = encodePeerMessage({ kind: "tx", value: new Uint8Array([7]) });
    counts.count("sent", tx, 3);
    counts.count("sent", tx, 0);
    counts.count("received", tx, 1);
    counts.count("received", tx, 1);
    counts.publish(metrics.p2pMessages);
    counts.publish(metrics.p2pMessages);
    expect(await samples(metrics)).toEqual([
      { direction: "sent", kind: "tx", n: 3 },
      { direction: "received", kind: "tx", n: 2 },
    ]);
    metrics.registry.clear();
  });
});
