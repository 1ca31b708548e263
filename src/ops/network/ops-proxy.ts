import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { readJsonFile, writeJsonFile } from "../../node/files.js";
import { nodeHomes } from "../network-up.js";

/**
 * Points every node of a local network at the embedded monitor (`opsProxy.url` in its config),
 * so the console each node serves reaches `/v1/ops` on its own origin; with no monitor, takes
 * the setting out again, and the nodes answer 404 there. A config already so is left unwritten.
 */
export function pointNodesAtMonitor(networkDir: string, monitorUrl: string | undefined): void {
  const wanted = monitorUrl === undefined ? undefined : { url: monitorUrl };
  for (const home of nodeHomes(networkDir)) {
    const path = join(home, "config.json");
    const { opsProxy: previous, ...config } = readJsonFile(path) as Record<string, unknown>;
    if (isDeepStrictEqual(previous, wanted)) continue;
    writeJsonFile(path, wanted === undefined ? config : { ...config, opsProxy: wanted });
  }
}
