import { MarketLedgerClient } from "../../sdk/index.js";
import { MonitorError } from "./errors.js";
import type { Monitor } from "./monitor.js";

const clientOf = (url: string) => new MarketLedgerClient(url, { timeoutMs: 10_000 });

/** The reachable node with the highest height: the freshest view of the chain. */
export function bestNode(monitor: Monitor): { name: string; client: MarketLedgerClient } {
  const up = monitor.nodes().filter((n) => n.up && n.height !== undefined);
  const best = up.sort((a, b) => (b.height as number) - (a.height as number))[0];
  if (best === undefined) throw new MonitorError("NODE_UNREACHABLE", "no node of the network answers");
  return { name: best.name, client: clientOf(best.url) };
}

/**
 * Every node to ask, the reachable ones highest first, then the rest: a node the last scrape
 * missed (a slow answer under load) may still answer now.
 */
export function nodesBestFirst(monitor: Monitor): MarketLedgerClient[] {
  const seen = monitor.nodes();
  const up = seen
    .filter((n) => n.up && n.height !== undefined)
    .sort((a, b) => (b.height as number) - (a.height as number));
  const rest = monitor.targets.filter((t) => !up.some((n) => n.name === t.name));
  return [...up.map((n) => n.url), ...rest.map((t) => t.url)].map(clientOf);
}
