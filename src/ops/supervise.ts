import { LedgerError } from "../errors.js";
import { backoffDelayMs } from "../node/p2p/backoff.js";
import { describeExit, formatRecent, type NodeProcessInfo, servedWithin, stopChild } from "./network-up.js";

/**
 * How long to wait before restarting a node that exited: doubling from `initialMs` up to
 * `maxMs`, back to `initialMs` once a run lasted `stableMs` (a node that crashes at once is not
 * restarted in a tight loop, one that crashed after a day of service is restarted at once).
 */
export interface RestartBackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly stableMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffPolicy = {
  initialMs: 1_000,
  maxMs: 30_000,
  stableMs: 60_000,
};

/** The link backoff's ceiling, without its jitter: restart delays an operator can read and expect. */
const NO_JITTER = () => 1;

export class RestartBackoff {
  private failures = 0;
  /** Restarts so far, for the log. */
  restarts = 0;

  constructor(private readonly policy: RestartBackoffPolicy) {}

  /** The delay before the next restart of a process that ran `ranMs` before it exited. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.policy.stableMs) this.failures = 0;
    const delay = backoffDelayMs(
      this.failures,
      { baseMs: this.policy.initialMs, maxMs: this.policy.maxMs },
      NO_JITTER,
    );
    if (delay < this.policy.maxMs) this.failures++;
    this.restarts++;
    return delay;
  }
}

export interface SuperviseOptions {
  /** Restart a node that exits (with backoff); otherwise only report it. */
  readonly restart: boolean;
  readonly backoff?: RestartBackoffPolicy;
  /** Starts a node home again, as the first start did. */
  readonly start: (home: string) => NodeProcessInfo;
  /**
   * A restarted node that has not served this long is reported (NODE_STARTUP_TIMEOUT), stopped
   * and restarted again with backoff, as if it had exited. Default: no limit.
   */
  readonly startupTimeoutMs?: number;
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
 * asked, restarted after a backoff that grows while it keeps failing; a restart that hangs without
 * serving for `startupTimeoutMs` is a failure too.
 */
export function superviseNodes(started: readonly NodeProcessInfo[], options: SuperviseOptions): Supervision {
  const current = new Map(started.map((node) => [node.home, node]));
  const pending = new Set<NodeJS.Timeout>();
  const exited = new Set<string>();
  let stopping = false;

  /** `served`: the process has served (the first starts have); one that never did is no stable run. */
  const watch = (node: NodeProcessInfo, backoff: RestartBackoff, served: () => boolean) => {
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
      const delay = backoff.delayAfter(served() ? ranS * 1000 : 0);
      const after = delay < 1_000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`;
      options.log(`restarting ${node.name} in ${after} (restart ${backoff.restarts})`);
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (stopping) return;
        const next = options.start(node.home);
        current.set(node.home, next);
        let nextServed = false;
        watch(next, backoff, () => nextServed);
        const serving =
          options.startupTimeoutMs === undefined ? next.apiUrl : servedWithin(next, options.startupTimeoutMs);
        serving.then(
          (url) => {
            nextServed = true;
            options.log(`${node.name} restarted (pid ${next.child.pid}), serving ${url}`);
          },
          (error: unknown) => {
            // An exit is reported by the watch above; a hang is reported here, then ended like one.
            if (stopping || !(error instanceof LedgerError) || error.code !== "NODE_STARTUP_TIMEOUT") return;
            options.log(`${error.message} [NODE_STARTUP_TIMEOUT]; stopping it, to restart it with backoff`);
            void stopChild(next.child);
          },
        );
      }, delay);
      pending.add(timer);
    };
    // A process that already ended before the watch began is reported all the same.
    if (node.child.exitCode !== null || node.child.signalCode !== null) {
      onClose(node.child.exitCode, node.child.signalCode);
    } else node.child.once("close", onClose);
  };
  for (const node of started)
    watch(node, new RestartBackoff(options.backoff ?? DEFAULT_RESTART_BACKOFF), () => true);

  let stopped: Promise<void> | undefined;
  return {
    nodes: () => [...current.values()],
    stop: () => {
      stopping = true;
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      stopped ??= Promise.all([...current.values()].map((node) => stopChild(node.child))).then(
        () => undefined,
      );
      return stopped;
    },
  };
}
