import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { BenchRow } from "../table.js";

// Linux reports process CPU time in clock ticks; 100 per second on every platform Node supports here.
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number, thread?: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is 14th, stime 15th.
    const stat = readFileSync(
      thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`,
      "utf8",
    );
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) a process has used so far, or one of its threads (the main thread's
 * id is the process id: its event loop), in seconds; undefined once it is gone.
 */
export function cpuSecondsOf(pid: number, thread?: number): number | undefined {
  const ticks = cpuTicks(pid, thread);
  return ticks === undefined ? undefined : ticks / TICKS_PER_SECOND;
}

/** CPU seconds of each thread of a process so far, by thread id (empty once it is gone). */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let ids: string[];
  try {
    ids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const id of ids) {
    const ticks = cpuTicks(pid, Number(id));
    if (ticks !== undefined) threads.set(Number(id), ticks / TICKS_PER_SECOND);
  }
  return threads;
}

/** The kB fields of /proc/PID/status this sampler reads. */
const MEMORY_FIELDS = ["VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"] as const;
type MemoryField = (typeof MEMORY_FIELDS)[number];

function readStatus(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined; // the process is gone
  }
}

const fieldBytes = (status: string, field: string): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;

/** A kB field of /proc/PID/status (VmRSS, RssAnon, ...) in bytes, or undefined once the process is gone. */
export function statusBytes(pid: number, field: string): number | undefined {
  const status = readStatus(pid);
  return status === undefined ? undefined : fieldBytes(status, field);
}

function memoryBytes(pid: number): Record<MemoryField, number> | undefined {
  const status = readStatus(pid);
  if (status === undefined) return undefined;
  return Object.fromEntries(MEMORY_FIELDS.map((f) => [f, fieldBytes(status, f)])) as Record<
    MemoryField,
    number
  >;
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
  /**
   * Peak resident memory: the kernel's own high-water mark (VmHWM, since the process started, so
   * nothing between samples is missed), or the sampled peak if larger.
   */
  readonly peakRssBytes: number;
  /**
   * The sampled peak of each part of it (once a second: a lower bound): anonymous memory (V8's
   * heap, buffers, the allocator's arenas), file-backed pages (LMDB's map of its file, the
   * executable's code) and shared memory. Each peaks on its own, so they need not add up to it.
   */
  readonly peakAnonBytes: number;
  readonly peakFileBytes: number;
  readonly peakShmemBytes: number;
}

/** Samples CPU and resident memory of a set of processes once a second, between start() and stop(). */
export class ProcessSampler {
  private readonly first = new Map<number, { ticks: number; at: number }>();
  private readonly last = new Map<number, { ticks: number; at: number }>();
  private readonly peaks = new Map<number, Record<MemoryField, number>>();
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
      const memory = memoryBytes(pid);
      if (memory === undefined) continue;
      const peak = this.peaks.get(pid);
      if (peak === undefined) this.peaks.set(pid, memory);
      else for (const field of MEMORY_FIELDS) peak[field] = Math.max(peak[field], memory[field]);
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
      const peak = this.peaks.get(pid);
      return {
        name,
        cpuPercent,
        cpuSeconds,
        peakRssBytes: Math.max(peak?.VmHWM ?? 0, peak?.VmRSS ?? 0),
        peakAnonBytes: peak?.RssAnon ?? 0,
        peakFileBytes: peak?.RssFile ?? 0,
        peakShmemBytes: peak?.RssShmem ?? 0,
      };
    });
  }
}

/** Issue 14's limit on a node's resident memory under load. */
export const NODE_RSS_LIMIT_BYTES = 300_000_000;

/** A process's peak RSS against the node limit, with what it was made of (sampled peaks). */
export function peakRssRow(label: string, p: ProcessFigures): BenchRow {
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    name: `${label} peak RSS (sampled peaks: anonymous ${mib(p.peakAnonBytes)}, file-backed ${mib(p.peakFileBytes)}, shared ${mib(p.peakShmemBytes)} MiB)`,
    value: p.peakRssBytes / 2 ** 20,
    unit: "MiB",
    limit: "<= 300 MB (286 MiB); ratio to it",
    ratio: p.peakRssBytes / NODE_RSS_LIMIT_BYTES,
  };
}
