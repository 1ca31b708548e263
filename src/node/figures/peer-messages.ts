import type { Counter } from "prom-client";
import { peerMessageKind } from "../consensus/wire.js";

/**
 * Peer messages sent and received, by kind: plain numbers on the hot path (a labelled counter's
 * increment hashes its labels), copied into the metric when the figures are read.
 */
export class PeerMessageCounts {
  private readonly counts = new Map<string, { direction: string; kind: string; n: number }>();

  /** `times` messages of the kind `encoded` names (a broadcast counts once per peer that took it). */
  count(direction: "sent" | "received", encoded: Uint8Array, times: number): void {
    if (times === 0) return;
    const kind = peerMessageKind(encoded);
    const key = `${direction}/${kind}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { direction, kind, n: times });
    else entry.n += times;
  }

  publish(metric: Counter<"direction" | "kind">): void {
    metric.reset();
    for (const { direction, kind, n } of this.counts.values()) metric.inc({ direction, kind }, n);
  }
}
