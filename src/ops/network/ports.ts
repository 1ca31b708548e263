import { NetworkError } from "./errors.js";

/** The base port when none is given: node1's API on 26651 and its p2p on 26661, as always. */
export const DEFAULT_BASE_PORT = 26651;
/**
 * The embedded monitor's port is this far above the base port (26670 at the default base):
 * past the API and p2p ports of a host of up to nine nodes, below their metrics ports
 * (node/config.ts: API port + 20 unless set).
 */
export const MONITOR_ABOVE_BASE = 19;
export const DEFAULT_MONITOR_URL = `http://127.0.0.1:${DEFAULT_BASE_PORT + MONITOR_ABOVE_BASE}`;

/** The p2p ports start this far above the API ports, or further when a host has more nodes. */
const P2P_OFFSET = 10;

export interface NodePorts {
  readonly api: number;
  readonly p2p: number;
}

/**
 * The ports of the nodes one host runs: the i-th (from 0) of `count` takes API base+i and p2p
 * base+max(10, count)+i, so the two ranges never overlap however many nodes share the host.
 */
export function hostPorts(basePort: number, count: number): NodePorts[] {
  const offset = Math.max(P2P_OFFSET, count);
  checkBasePort(basePort, offset + count);
  return Array.from({ length: count }, (_, i) => ({ api: basePort + i, p2p: basePort + offset + i }));
}

/** The span of ports a host needs from `basePort` (for `mkl start` to place its monitor beyond it). */
export function portSpan(count: number): number {
  return Math.max(P2P_OFFSET, count) + count;
}

export function checkBasePort(basePort: number, span = 1): void {
  if (!Number.isInteger(basePort) || basePort < 1 || basePort + span - 1 > 65_535) {
    throw new NetworkError(
      "NETWORK_BAD_PORT",
      `base port ${basePort} leaves no room: it must be 1..${65_536 - span} for ${span} ports`,
      { basePort, span },
    );
  }
}
