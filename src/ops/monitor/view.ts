import type { NodeSample } from "./scrape.js";
import { seriesKey } from "./series.js";
import type { Target } from "./targets.js";

/** What the monitor knows of one node now. */
export interface NodeView {
  readonly name: string;
  readonly url: string;
  readonly up: boolean;
  readonly error?: string;
  readonly lastSeenMs?: number;
  readonly checkedAtMs?: number;
  readonly chainId?: string;
  readonly moniker?: string;
  readonly version?: string;
  readonly height?: number;
  readonly lagBlocks?: number;
  readonly role?: string;
  readonly round?: number;
  readonly step?: string;
  readonly peersConnected?: number;
  readonly peersConfigured?: number;
  readonly mempoolTxs?: number;
  readonly alerts: number;
}

export function nodeView(
  target: Target,
  sample: NodeSample | undefined,
  lastSeenMs: number | undefined,
  alerts: number,
): NodeView {
  const status = sample?.status;
  const series = new Map((sample?.series ?? []).map((s) => [seriesKey(s.metric, s.labels), s.value]));
  const consensus = (status?.consensus ?? {}) as { role?: string; round?: number; step?: string };
  return {
    name: target.name,
    url: target.url,
    up: sample?.up ?? false,
    ...(sample?.error === undefined ? {} : { error: sample.error }),
    ...(lastSeenMs === undefined ? {} : { lastSeenMs }),
    ...(sample === undefined ? {} : { checkedAtMs: sample.atMs }),
    ...(status === undefined
      ? {}
      : {
          chainId: status.chainId,
          moniker: status.moniker,
          version: status.version,
          height: Number(status.height),
          lagBlocks: series.get("mkl_ops_lag_blocks") ?? 0,
          ...(consensus.role === undefined ? {} : { role: consensus.role }),
          ...(consensus.round === undefined ? {} : { round: consensus.round }),
          ...(consensus.step === undefined ? {} : { step: consensus.step }),
          peersConnected: series.get("mkl_peers_connected") ?? 0,
          peersConfigured: series.get("mkl_peers_configured") ?? 0,
          mempoolTxs: status.mempool.txs,
        }),
    alerts,
  };
}

const RED = "\u001b[31m";
const RESET = "\u001b[0m";

/** Lag beyond this many blocks is shown in red. */
const LAG_WARN_BLOCKS = 5;

/** The network at a glance: one row per node, red where something is wrong (and why, at the end). */
export function renderStatus(nodes: readonly NodeView[], color: boolean): string[] {
  const header = [
    "NODE",
    "URL",
    "UP",
    "HEIGHT",
    "LAG",
    "ROLE",
    "ROUND",
    "PEERS",
    "MEMPOOL",
    "ALERTS",
    "PROBLEM",
  ];
  const rows = nodes.map((n) => {
    const peersShort = n.peersConfigured !== undefined && (n.peersConnected ?? 0) < n.peersConfigured;
    const problems = [
      ...(n.up ? [] : [`unreachable: ${n.error ?? "no answer yet"}`]),
      ...((n.lagBlocks ?? 0) > LAG_WARN_BLOCKS ? [`${n.lagBlocks} blocks behind`] : []),
      ...(peersShort ? ["peers missing"] : []),
      ...(n.alerts > 0 ? [`${n.alerts} alerts firing`] : []),
    ];
    return {
      bad: problems.length > 0,
      cells: [
        n.name,
        n.url,
        n.up ? "yes" : "NO",
        n.height === undefined ? "-" : String(n.height),
        n.lagBlocks === undefined ? "-" : String(n.lagBlocks),
        n.role ?? "-",
        n.round === undefined ? "-" : `${n.round}${n.step === undefined ? "" : ` ${n.step}`}`,
        n.peersConnected === undefined ? "-" : `${n.peersConnected}/${n.peersConfigured}`,
        n.mempoolTxs === undefined ? "-" : String(n.mempoolTxs),
        String(n.alerts),
        problems.join("; "),
      ],
    };
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...rows.map((r) => (r.bad && color ? `${RED}${line(r.cells)}${RESET}` : line(r.cells))),
  ];
}
