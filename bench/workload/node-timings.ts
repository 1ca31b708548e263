/**
 * The nodes' own timings of a height, read from each node's /v1/status figures (histogram sums
 * and counts) before and after a run: how long the engine spent in each consensus step, how long
 * its proposals waited and took to build, and the chain's block stages. Plain fetch, so an older
 * node that lacks a figure reads as zero.
 */

/** Figure name, then label value: summed seconds and count. */
type Sums = Map<string, { sum: number; count: number }>;

const FAMILIES: ReadonlyArray<{ name: string; label: string }> = [
  { name: "mkl_consensus_step_seconds", label: "step" },
  { name: "mkl_consensus_proposal_seconds", label: "phase" },
  { name: "mkl_block_stage_seconds", label: "stage" },
  // prom-client's default figure: V8's collections by kind (major, minor, incremental, weakcb).
  { name: "mkl_nodejs_gc_duration_seconds", label: "kind" },
];

interface Sample {
  name?: string;
  labels: Record<string, string | number>;
  value: number;
}

async function read(url: string): Promise<Sums> {
  const out: Sums = new Map();
  try {
    const status = (await (await fetch(`${url}/v1/status`)).json()) as {
      figures?: Record<string, number | Sample[]>;
    };
    for (const { name, label } of FAMILIES) {
      const samples = status.figures?.[name];
      if (!Array.isArray(samples)) continue;
      for (const s of samples) {
        const key = `${name}/${String(s.labels[label])}`;
        const entry = out.get(key) ?? { sum: 0, count: 0 };
        if (s.name === `${name}_sum`) entry.sum += s.value;
        else if (s.name === `${name}_count`) entry.count += s.value;
        out.set(key, entry);
      }
    }
  } catch {
    // A node that does not answer adds nothing.
  }
  return out;
}

/** Mean milliseconds per occurrence of each timed part, over every node, between two readings. */
export interface NodeTimings {
  /** "step/propose", "phase/wait", "stage/execute", "gc/major"…: mean ms, and occurrences summed over nodes. */
  readonly means: ReadonlyMap<string, { ms: number; count: number }>;
}

export class NodeTimingReader {
  private before: Sums[] = [];

  constructor(private readonly urls: readonly string[]) {}

  async start(): Promise<void> {
    this.before = await Promise.all(this.urls.map(read));
  }

  async stop(): Promise<NodeTimings> {
    const after = await Promise.all(this.urls.map(read));
    const total: Sums = new Map();
    after.forEach((sums, i) => {
      for (const [key, { sum, count }] of sums) {
        const was = this.before[i]?.get(key) ?? { sum: 0, count: 0 };
        const t = total.get(key) ?? { sum: 0, count: 0 };
        total.set(key, { sum: t.sum + sum - was.sum, count: t.count + count - was.count });
      }
    });
    const means = new Map<string, { ms: number; count: number }>();
    for (const [key, { sum, count }] of total) {
      const short = key
        .replace(/^mkl_consensus_step_seconds/, "step")
        .replace(/^mkl_consensus_proposal_seconds/, "proposal")
        .replace(/^mkl_block_stage_seconds/, "stage")
        .replace(/^mkl_nodejs_gc_duration_seconds/, "gc");
      means.set(short, { ms: count > 0 ? (sum * 1000) / count : Number.NaN, count });
    }
    return { means };
  }
}
