import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// Linux reports process CPU time in clock ticks; 100 per second on every platform Node supports here.
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is 14th, stime 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes under a directory (du), for disk cost per committed transaction. */
export function diskBytes(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

export interface ProcessFigures {
  readonly name: string;
  /** Mean CPU over the sampled span, in % of one core. */
  readonly cpuPercent: number;
  /** CPU time the process used over the sampled span (user + system). */
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
}

/** Samples CPU and RSS of a set of processes once a second, between start() and stop(). */
export class ProcessSampler {
  private readonly first = new Map<number, { ticks: number; at: number }>();
  private readonly last = new Map<number, { ticks: number; at: number }>();
  private readonly peakRss = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly processes: ReadonlyArray<{ name: string; pid: number }>) {}

  private sample(): void {
    const at = performance.now();
    for (const { pid } of this.processes) {
      const ticks = cpuTicks(pid);
      if (ticks !== undefined) {
        if (!this.first.has(pid)) this.first.set(pid, { ticks, at });
        this.last.set(pid, { ticks, at });
      }
      const rss = rssBytes(pid);
      if (rss !== undefined) this.peakRss.set(pid, Math.max(rss, this.peakRss.get(pid) ?? 0));
    }
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  stop(): ProcessFigures[] {
    clearInterval(this.timer);
    this.sample();
    return this.processes.map(({ name, pid }) => {
      const a = this.first.get(pid);
      const b = this.last.get(pid);
      const seconds = a && b ? (b.at - a.at) / 1000 : 0;
      const cpuPercent = a && b && seconds > 0 ? ((b.ticks - a.ticks) / TICKS_PER_SECOND / seconds) * 100 : 0;
      const cpuSeconds = a && b ? (b.ticks - a.ticks) / TICKS_PER_SECOND : 0;
      return { name, cpuPercent, cpuSeconds, peakRssBytes: this.peakRss.get(pid) ?? 0 };
    });
  }
}
