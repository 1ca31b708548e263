import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import { networkNodes } from "../network-up.js";
import { MonitorError } from "./errors.js";

/** A node the monitor follows: a name for people and the base URL of its API. */
export interface Target {
  readonly name: string;
  readonly url: string;
}

/** `--nodes URL,URL,...`: each must be an http(s) URL; names are host:port. */
export function targetsFromUrls(list: string): Target[] {
  const urls = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (urls.length === 0) throw new MonitorError("MONITOR_NO_NODES", "--nodes names no node URL");
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new MonitorError("MONITOR_BAD_URL", `"${raw}" is not a URL (expected http://host:port)`, {
        url: raw,
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new MonitorError("MONITOR_BAD_URL", `"${raw}" is not an http(s) URL`, { url: raw });
    return { name: url.host, url: url.origin + url.pathname.replace(/\/+$/, "") };
  });
}

/**
 * `--network DIR`: every node of the directory (nodeN, or hosts/HOST/nodeN bundles) at the API
 * address of its config.json; a wildcard address is reached at the bundle's host, or loopback.
 */
export function targetsFromNetwork(dir: string): Target[] {
  return networkNodes(dir).map((node) => {
    const config = JSON.parse(readFileSync(join(node.home, "config.json"), "utf8")) as {
      api?: { host?: string; port?: number };
    };
    const host = config.api?.host ?? "127.0.0.1";
    const port = config.api?.port ?? 26650;
    const wildcard = host === "0.0.0.0" || host === "::";
    const reachable = wildcard ? (node.host ?? "127.0.0.1") : host;
    const address = isIPv6(reachable) ? `[${reachable}]` : reachable;
    return { name: node.name, url: `http://${address}:${port}` };
  });
}
