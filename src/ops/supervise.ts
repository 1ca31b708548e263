import { describeExit, formatRecent, type NodeProcessInfo } from "./network-up.js";

/**
 * How long to wait before restarting a node that exited: doubling from `initialMs` up to
 * `maxMs`, back to `initialMs` once a run lasted `stableMs` (a node that crashes at once is not
 * restarted in a tight loop, one that crashed after a day of service is restarted at once).
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, stableMs: 60_000 };

export class Backoff {
  private failures = 0;
  /** Restarts so far, for the log. */
  restarts = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  /** The delay before the next restart of a process that ran `ranMs` before it exited. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.policy.stableMs) this.failures = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.failures);
    if (delay < this.policy.maxMs) this.failures++;
    this.restarts++;
    return delay;
  }
}

export interface SuperviseOptions {
  /** Restart a node that exits (with backoff); otherwise only report it. */
  readonly restart: boolean;
  readonly backoff?: BackoffPolicy;
  /** Starts a node home again, as the first start did. */
  readonly start: (home: string) => NodeProcessInfo;
  readonly log: (line: string) => void;
  /** Called once every node has exited and none will be restarted. */
  readonly onAllExited?: () => void;
}

export interface Supervision {
  /** The node processes now (a restarted node's new process replaces the old one). */
  nodes(): readonly NodeProcessInfo[];
  /** Stops supervising (no more restarts) and stops every node. */
  stop(): Promise<void>;
}

/**
 * Watches the node processes of a running network: a node that exits while nobody asked it to
 * is reported (which node, its exit code or signal, how long it ran, its last lines) and, when
 * asked, restarted after a backoff that grows while it keeps failing.
 */
export function superviseNodes(
  started: readonly NodeProcessInfo[],
  stopChild: (node: NodeProcessInfo) => Promise<void>,
  options: SuperviseOptions,
): Supervision {
  const current = new Map(started.map((node) => [node.home, node]));
  const pending = new Set<NodeJS.Timeout>();
  const exited = new Set<string>();
  let stopping = false;

  const watch = (node: NodeProcessInfo, backoff: Backoff) => {
    const since = performance.now();
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      if (stopping) return;
      const ranS = (performance.now() - since) / 1000;
      options.log(
        `${node.name} (pid ${node.child.pid}) exited (${describeExit(code, signal)}) after ${ranS.toFixed(1)} s${formatRecent(node.recentLines())}`,
      );
      if (!options.restart) {
        exited.add(node.home);
        if (exited.size === current.size) options.onAllExited?.();
        return;
      }
      const delay = backoff.delayAfter(ranS * 1000);
      const after = delay < 1_000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`;
      options.log(`restarting ${node.name} in ${after} (restart ${backoff.restarts})`);
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (stopping) return;
        const next = options.start(node.home);
        current.set(node.home, next);
        watch(next, backoff);
        next.apiUrl.then(
          (url) => options.log(`${node.name} restarted (pid ${next.child.pid}), serving ${url}`),
          () => {}, // its exit is reported by the watch above
        );
      }, delay);
      pending.add(timer);
    };
    // A process that already ended before the watch began is reported all the same.
    if (node.child.exitCode !== null || node.child.signalCode !== null) {
      onClose(node.child.exitCode, node.child.signalCode);
    } else node.child.once("close", onClose);
  };
  for (const node of started) watch(node, new Backoff(options.backoff ?? DEFAULT_BACKOFF));

  let stopped: Promise<void> | undefined;
  return {
    nodes: () => [...current.values()],
    stop: () => {
      stopping = true;
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      stopped ??= Promise.all([...current.values()].map(stopChild)).then(() => undefined);
      return stopped;
    },
  };
}
