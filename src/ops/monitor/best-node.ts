import { MarketLedgerClient } from "../../sdk/index.js";
import { MonitorError } from "./errors.js";
import type { Monitor } from "./monitor.js";

/** The reachable node with the highest height: the freshest view of the chain. */
export function bestNode(monitor: Monitor): { name: string; client: MarketLedgerClient } {
  const up = monitor.nodes().filter((n) => n.up && n.height !== undefined);
  const best = up.sort((a, b) => (b.height as number) - (a.height as number))[0];
  if (best === undefined) throw new MonitorError("NODE_UNREACHABLE", "no node of the network answers");
  return { name: best.name, client: new MarketLedgerClient(best.url, { timeoutMs: 10_000 }) };
}
