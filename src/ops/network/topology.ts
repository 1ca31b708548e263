import { isIP } from "node:net";
import { z } from "zod";
import { parseWith } from "../../node/config.js";
import { isOrgId } from "../../pki/index.js";
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

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A host other machines can reach: an IPv4 or IPv6 address or a DNS name (not a wildcard). */
export function isHostAddress(host: string): boolean {
  if (host === "0.0.0.0" || host === "::") return false;
  return isIP(host) !== 0 || DNS_NAME.test(host);
}

function checkHosts(hosts: readonly string[], where: string): void {
  const bad = hosts.find((host) => !isHostAddress(host));
  if (bad !== undefined) {
    throw new NetworkError(
      "NETWORK_BAD_TOPOLOGY",
      `${where}: "${bad}" is not a host address (an IP address or a DNS name others can reach)`,
    );
  }
}

/** `--hosts h1,h2,...`: one organisation per host (org1..orgN), each running one validator there. */
export function hostsTopology(
  chainId: string,
  hosts: readonly string[],
  basePort = DEFAULT_BASE_PORT,
): Topology {
  checkChainId(chainId);
  checkBasePort(basePort);
  if (hosts.length < 1 || hosts.length > MAX_ORGS) {
    throw new NetworkError("NETWORK_BAD_TOPOLOGY", `--hosts must name 1..${MAX_ORGS} hosts`);
  }
  checkHosts(hosts, "--hosts");
  const twice = hosts.find((host, i) => hosts.indexOf(host) !== i);
  if (twice !== undefined) {
    throw new NetworkError("NETWORK_BAD_TOPOLOGY", `--hosts names ${twice} twice: one validator per host`);
  }
  const orgs = hosts.map((host, i) => ({
    id: `org${i + 1}`,
    name: `Organisation ${i + 1}`,
    nodes: [{ host }],
  }));
  return { chainId, basePort, placement: "hosts", orgs };
}

/** The manifest file of `mkl network init --manifest FILE`: who runs which nodes on which hosts. */
export const manifestSchema = z.strictObject({
  organisations: z
    .array(
      z.strictObject({
        id: z.string().refine(isOrgId, "must be lowercase letters, digits and dashes"),
        name: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters"),
        nodes: z
          .array(
            z.strictObject({
              host: z.string().refine(isHostAddress, "must be an IP address or a DNS name others can reach"),
              observer: z.boolean().optional(),
            }),
          )
          .min(1, "an organisation runs at least one node"),
      }),
    )
    .min(1, "name at least one organisation")
    .max(MAX_ORGS, `at most ${MAX_ORGS} organisations`),
});

export type ManifestFile = z.infer<typeof manifestSchema>;

/** A manifest's topology; the checks zod cannot make alone are here, each naming what is wrong. */
export function manifestTopology(
  chainId: string,
  value: unknown,
  what: string,
  basePort = DEFAULT_BASE_PORT,
): Topology {
  checkChainId(chainId);
  checkBasePort(basePort);
  const manifest = parseWith(manifestSchema, value, what);
  const ids = manifest.organisations.map((org) => org.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new NetworkError("NETWORK_BAD_TOPOLOGY", `${what}: organisation ${twice} is named twice`);
  const nodes = manifest.organisations.flatMap((org) => org.nodes.map((node) => ({ ...node, org: org.id })));
  if (nodes.length > MAX_ORGS) {
    throw new NetworkError("NETWORK_BAD_TOPOLOGY", `${what}: ${nodes.length} nodes, at most ${MAX_ORGS}`);
  }
  if (nodes.every((node) => node.observer === true)) {
    throw new NetworkError(
      "NETWORK_BAD_TOPOLOGY",
      `${what}: every node is an observer: the chain needs a validator`,
    );
  }
  // A host's bundle holds the private keys of the nodes on it: they must all be one organisation's.
  for (const node of nodes) {
    const other = nodes.find((n) => n.host === node.host && n.org !== node.org);
    if (other !== undefined) {
      throw new NetworkError(
        "NETWORK_BAD_TOPOLOGY",
        `${what}: host ${node.host} runs nodes of ${node.org} and ${other.org}: one organisation per host, so no bundle holds another's keys`,
      );
    }
  }
  return { chainId, basePort, placement: "hosts", orgs: manifest.organisations };
}
