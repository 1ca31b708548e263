/**
 * What the four nodes did per committed transaction, counted by the nodes themselves: peer
 * messages sent and received by kind, socket writes, API requests by route, signature checks
 * (transactions at admission, peers' proposals and votes), admissions and refusals (garbage
 * collection has its own row, from node-timings.ts). Read from each node's /v1/status figures before and after a run and summed over
 * the nodes. Plain fetch, so an older node that lacks a figure reads as zero (A/B runs).
 */

/** Each counted series ("family label=value,…"), summed over the nodes. */
type Counts = Map<string, number>;

/** The counters read; a series is named by its labels but the peer's (summed over peers). */
const FAMILIES: readonly string[] = [
  "mkl_p2p_messages_total",
  "mkl_p2p_socket_writes_total",
  "mkl_http_requests_total",
  "mkl_tx_signature_checks_total",
  "mkl_consensus_signature_checks_total",
  "mkl_txs_admitted_total",
  "mkl_txs_rejected_total",
];

interface Sample {
  labels: Record<string, string | number>;
  value: number;
}

function seriesKey(family: string, sample: Sample): string {
  const labels = Object.entries(sample.labels)
    .filter(([k]) => k !== "peer")
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return labels === "" ? family : `${family} ${labels}`;
}

async function read(url: string): Promise<Counts> {
  const out: Counts = new Map();
  try {
    const status = (await (await fetch(`${url}/v1/status`)).json()) as {
      figures?: Record<string, number | Sample[]>;
    };
    for (const family of FAMILIES) {
      const figure = status.figures?.[family];
      if (typeof figure === "number") out.set(family, figure);
      else if (Array.isArray(figure))
        for (const s of figure) {
          const key = seriesKey(family, s);
          out.set(key, (out.get(key) ?? 0) + s.value);
        }
    }
  } catch {
    // A node that does not answer adds nothing.
  }
  return out;
}

export class NodeCountReader {
  private before: Counts[] = [];

  constructor(private readonly urls: readonly string[]) {}

  async start(): Promise<void> {
    this.before = await Promise.all(this.urls.map(read));
  }

  /** Every series' increase since start(), summed over the nodes, largest first. */
  async stop(): Promise<Counts> {
    const after = await Promise.all(this.urls.map(read));
    const total: Counts = new Map();
    after.forEach((counts, i) => {
      for (const [key, value] of counts)
        total.set(key, (total.get(key) ?? 0) + value - (this.before[i]?.get(key) ?? 0));
    });
    return new Map([...total].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]));
  }
}

/** The counts as "series: n per committed tx" lines, with short names. */
export function perCommittedTx(counts: ReadonlyMap<string, number>, committed: number): string[] {
  const per = Math.max(1, committed);
  return [...counts].map(
    ([key, n]) => `${key.replace(/^mkl_/, "").replace(/_total/, "")}: ${(n / per).toFixed(3)}`,
  );
}
