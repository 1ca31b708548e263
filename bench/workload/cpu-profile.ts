import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

/**
 * The functions with the most self time in the V8 CPU profiles (`node --cpu-prof`) written to
 * `dir`: time per sample is attributed to the node that was on top of the stack.
 */
export function topSelfTime(dir: string, top = 15): HotFunction[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let totalUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      if (!node) return;
      totalUs += us;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = functionName || "(anonymous)";
      const where = url ? `${url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${lineNumber + 1}` : "";
      const key = `${name}@${where}`;
      const entry = selfUs.get(key) ?? { name, where, us: 0 };
      entry.us += us;
      selfUs.set(key, entry);
    });
  }
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      name: e.name,
      where: e.where,
      selfMs: e.us / 1000,
      selfPercent: totalUs > 0 ? (e.us / totalUs) * 100 : 0,
    }));
}

/** Where the raw profiles are kept, for Chrome DevTools or a closer look than the summary. */
const KEPT_DIR = new URL("../../../bench/out/profiles/", import.meta.url).pathname;

/** A fresh directory for the profiles of the processes a bench starts (`node --cpu-prof-dir`). */
export class CpuProfiles {
  readonly dir = mkdtempSync(join(tmpdir(), "mkl-cpuprof-"));

  /** `label` names the kept copies: bench/out/profiles/<label>-<file>.cpuprofile. */
  constructor(private readonly label: string) {}

  /**
   * The top functions by self time, once the profiled processes have exited; keeps a copy of
   * each profile under bench/out/profiles/ and removes the directory.
   */
  collect(): HotFunction[] {
    try {
      mkdirSync(KEPT_DIR, { recursive: true });
      for (const file of readdirSync(this.dir))
        copyFileSync(join(this.dir, file), join(KEPT_DIR, `${this.label}-${file}`));
      return topSelfTime(this.dir);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * Profiles this very process while `run` runs (the inspector's sampling profiler, as `node
 * --cpu-prof` would, but over that span only); keeps the profile as
 * bench/out/profiles/<label>.cpuprofile and returns the top functions by self time.
 */
export async function profileInProcess<T>(
  label: string,
  run: () => Promise<T> | T,
): Promise<{ result: T; hot: HotFunction[] }> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    const result = await run();
    const { profile } = await session.post("Profiler.stop");
    const dir = mkdtempSync(join(tmpdir(), "mkl-cpuprof-"));
    try {
      writeFileSync(join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
      mkdirSync(KEPT_DIR, { recursive: true });
      copyFileSync(join(dir, `${label}.cpuprofile`), join(KEPT_DIR, `${label}.cpuprofile`));
      return { result, hot: topSelfTime(dir) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    session.disconnect();
  }
}
