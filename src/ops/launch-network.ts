import { listenersOf, refuseBusyPorts } from "./network/port-check.js";
import { nodeStarter, type StartNetworkOptions, servedWithin, startNetwork } from "./network-up.js";
import { type RestartBackoffPolicy, type Supervision, superviseNodes } from "./supervise.js";

export interface LaunchOptions extends StartNetworkOptions {
  /** Every line the nodes print, prefixed with the node's name. */
  readonly print: (line: string) => void;
  /** What the supervisor says: exits, restarts. */
  readonly log: (line: string) => void;
  /** What to do about a busy port, appended to the error naming it. */
  readonly busyPortHint: string;
  /** Restart a node that exits after the network is up, with backoff. */
  readonly restart: boolean;
  readonly backoff?: RestartBackoffPolicy;
  /** Called once every node has exited and none will be restarted. */
  readonly onAllExited?: () => void;
  /**
   * A node that has not served this long after it was started fails the start-up (default 120 s);
   * one restarted that has not served this long after its restart is stopped and restarted again.
   */
  readonly startupTimeoutMs?: number;
}

/** Long enough for a node to open a big store and replay its log on a loaded machine. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;

export interface LaunchedNetwork extends Supervision {
  /** Each node's name, API URL and pid once all of them serve. */
  readonly serving: readonly { name: string; url: string; pid: number | undefined }[];
}

/**
 * Starts every node of a network on this machine, all or nothing: a busy port is refused before
 * any node starts, and a node that exits before it serves, or has not served within the
 * start-up timeout (it hangs, silent or not), stops the others (none is left running behind the
 * error, which names the node, what became of it and its last lines). Once all serve, each is
 * supervised: an exit is reported and, with `restart`, the node is started again with backoff
 * (and held to the same start-up timeout).
 */
export async function launchNetwork(networkDir: string, options: LaunchOptions): Promise<LaunchedNetwork> {
  await refuseBusyPorts(listenersOf(networkDir), options.busyPortHint);
  // One starter for the first start and every restart, so a restart runs the node the same way.
  const start = nodeStarter(options.print, options);
  const network = startNetwork(networkDir, start);
  const timeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const serving = await Promise.all(
    network.nodes.map(async (node) => ({
      name: node.name,
      url: await servedWithin(node, timeoutMs),
      pid: node.child.pid,
    })),
  ).catch(async (error: unknown) => {
    await network.stop();
    throw error;
  });
  const supervision = superviseNodes(network.nodes, {
    restart: options.restart,
    start,
    startupTimeoutMs: timeoutMs,
    log: options.log,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.onAllExited === undefined ? {} : { onAllExited: options.onAllExited }),
  });
  return { serving, ...supervision };
}
