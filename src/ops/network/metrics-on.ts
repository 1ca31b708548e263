import { join } from "node:path";
import { HOME_FILES } from "../../node/config.js";
import { readJsonFile, writeJsonFile } from "../../node/files.js";
import { nodeHomes } from "../network-up.js";

/**
 * Turns on every local node's own metrics listener (`"metrics": {}` in its config: loopback, the
 * API port + 20, see node/config.ts). A node that already has a metrics setting keeps it.
 */
export function turnOnMetrics(networkDir: string): void {
  for (const home of nodeHomes(networkDir)) {
    const path = join(home, HOME_FILES.config);
    const config = readJsonFile(path) as Record<string, unknown>;
    if (config.metrics === undefined) writeJsonFile(path, { ...config, metrics: {} });
  }
}
