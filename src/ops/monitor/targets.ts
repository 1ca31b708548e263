import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeHomes } from "../network-up.js";
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

/** `--network DIR`: every DIR/nodeN, at the API address of its config.json. */
export function targetsFromNetwork(dir: string): Target[] {
  return nodeHomes(dir).map((home) => {
    const config = JSON.parse(readFileSync(join(home, "config.json"), "utf8")) as {
      api?: { host?: string; port?: number };
    };
    const host = config.api?.host ?? "127.0.0.1";
    const port = config.api?.port ?? 26650;
    const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    return { name: home.split("/").pop() as string, url: `http://${reachable}:${port}` };
  });
}
