import { NetworkError } from "./errors.js";
import type { Topology } from "./plan.js";
import { checkBasePort, DEFAULT_BASE_PORT } from "./ports.js";

export const MAX_ORGS = 64;

/** `--orgs N` on one machine: org1..orgN, each running one validator on loopback. */
export function localTopology(chainId: string, orgCount: number, basePort = DEFAULT_BASE_PORT): Topology {
  if (!Number.isInteger(orgCount) || orgCount < 1 || orgCount > MAX_ORGS) {
    throw new NetworkError("NETWORK_BAD_TOPOLOGY", `--orgs must be 1..${MAX_ORGS}`);
  }
  checkChainId(chainId);
  checkBasePort(basePort);
  const orgs = Array.from({ length: orgCount }, (_, i) => ({
    id: `org${i + 1}`,
    name: `Organisation ${i + 1}`,
    nodes: [{ host: "127.0.0.1" }],
  }));
  return { chainId, basePort, placement: "local", orgs };
}

export function checkChainId(chainId: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(chainId)) {
    throw new NetworkError(
      "NETWORK_BAD_TOPOLOGY",
      `bad --chain-id "${chainId}": lowercase letters, digits, dashes`,
    );
  }
}
