/**
 * Readiness, as Kubernetes and Fabric split it from liveness: a node is live while its process
 * serves and its storage works (a failing liveness probe asks for a restart); it is ready while
 * it can be trusted to answer with the chain's current state (a failing readiness probe takes it
 * out of a load balancer). Pure: the node gathers the inputs, this decides.
 */

export type ReadinessCheckName = "storage" | "peers" | "commit" | "sync";

export interface ReadinessCheck {
  readonly name: ReadinessCheckName;
  readonly ok: boolean;
  /** What was seen, in words an operator reads: "0 of 4 peers connected". */
  readonly detail: string;
}

export interface ReadinessLimits {
  /** Not ready when the last commit this node saw (made or synced) is older than this. */
  readonly commitWithinSeconds: number;
  /** Not ready while a peer reports more than this many blocks beyond ours (catching up). */
  readonly maxBlocksBehind: number;
}

export interface ReadinessInputs {
  /** The storage or WAL error that stopped the node, if one did. */
  readonly storageFault: unknown;
  /** Peers this node may talk to; undefined for a lone validator, which needs none. */
  readonly peers: { readonly connected: number; readonly known: number } | undefined;
  readonly secondsSinceCommit: number;
  readonly height: bigint;
  readonly bestPeerHeight: bigint;
}

export function livenessChecks(inputs: Pick<ReadinessInputs, "storageFault">): ReadinessCheck[] {
  return [storageCheck(inputs.storageFault)];
}

export function readinessChecks(inputs: ReadinessInputs, limits: ReadinessLimits): ReadinessCheck[] {
  const { peers, secondsSinceCommit, height, bestPeerHeight } = inputs;
  const behind = bestPeerHeight > height ? bestPeerHeight - height : 0n;
  return [
    storageCheck(inputs.storageFault),
    peers === undefined
      ? { name: "peers", ok: true, detail: "a lone validator: no peers needed" }
      : {
          name: "peers",
          ok: peers.connected > 0,
          detail: `${peers.connected} of ${peers.known} peers connected`,
        },
    {
      name: "commit",
      ok: secondsSinceCommit <= limits.commitWithinSeconds,
      detail: `last commit ${secondsSinceCommit.toFixed(1)} s ago (limit ${limits.commitWithinSeconds} s)`,
    },
    {
      name: "sync",
      ok: behind <= BigInt(limits.maxBlocksBehind),
      detail: `${behind} blocks behind the best peer (limit ${limits.maxBlocksBehind}), at height ${height}`,
    },
  ];
}

function storageCheck(fault: unknown): ReadinessCheck {
  if (fault === undefined) return { name: "storage", ok: true, detail: "no storage or WAL error" };
  const { code, message } = fault as { code?: unknown; message?: unknown };
  const what = typeof code === "string" ? code : typeof message === "string" ? message : "an unknown error";
  return { name: "storage", ok: false, detail: `stopped by a storage or WAL error: ${what}` };
}
