import { readFileSync } from "node:fs";
import { ConfigError } from "./config.js";

/**
 * File descriptors: the API must never take the ones storage, the WAL and p2p need. The process's
 * open-files limit is read once at start and the API's connection cap set below it.
 */

/** The soft open-files limit of this process (Linux /proc/self/limits); undefined where unknown. */
export function openFilesSoftLimit(
  readLimits = () => readFileSync("/proc/self/limits", "utf8"),
): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(readLimits());
    if (match === null || match[1] === "unlimited") return undefined;
    return Number(match[1]);
  } catch {
    return undefined;
  }
}

/** The fewest connections worth serving; below it the limit is an operator's mistake to report. */
const MIN_API_CONNECTIONS = 16;

/** The API's connection cap: the configured one, lowered to leave `fdReserve` descriptors free. */
export function apiConnectionCap(
  maxConnections: number,
  fdReserve: number,
  softLimit: number | undefined,
): number {
  if (softLimit === undefined) return maxConnections;
  const room = softLimit - fdReserve;
  if (room < MIN_API_CONNECTIONS) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `the open-files limit ${softLimit} leaves no room for API connections after api.fdReserve ${fdReserve}: raise the limit (ulimit -n) or lower api.fdReserve`,
      { softLimit, fdReserve },
    );
  }
  return Math.min(maxConnections, room);
}
