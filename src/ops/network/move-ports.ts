import { join } from "node:path";
import { readJsonFile, writeJsonFile } from "../../node/files.js";
import { nodeHomes } from "../network-up.js";
import { wirePeers } from "../peers.js";
import { NetworkError } from "./errors.js";
import { readManifest } from "./grow.js";
import { DEFAULT_BASE_PORT, hostPorts } from "./ports.js";

/** The base port a generated network was made with (networks from before it: the default). */
export function basePortOf(networkDir: string): number {
  return readManifest(networkDir).basePort ?? DEFAULT_BASE_PORT;
}

/**
 * Moves every node of a network on this machine to the ports of `basePort` (API and p2p, by
 * ports.ts) and rewires the peers; the chain itself is untouched. Only for loopback networks:
 * on several hosts, a port is part of what the other machines dial.
 */
export function moveLocalPorts(networkDir: string, basePort: number): void {
  const manifest = readManifest(networkDir);
  if (manifest.nodes.some((node) => node.host !== undefined)) {
    throw new NetworkError(
      "NETWORK_NOT_LOCAL",
      `${networkDir} is a network of several hosts: its ports stay`,
    );
  }
  const homes = nodeHomes(networkDir);
  const ports = hostPorts(basePort, homes.length);
  homes.forEach((home, i) => {
    const path = join(home, "config.json");
    const config = readJsonFile(path) as { api?: Record<string, unknown>; p2p?: Record<string, unknown> };
    config.api = { ...config.api, port: ports[i]!.api };
    config.p2p = { host: "127.0.0.1", ...config.p2p, port: ports[i]!.p2p };
    writeJsonFile(path, config);
  });
  wirePeers(networkDir);
  writeJsonFile(join(networkDir, "network.json"), { ...manifest, basePort });
}
