import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LedgerError } from "../errors.js";

export interface NodeProcessInfo {
  readonly name: string;
  readonly home: string;
  readonly child: ChildProcess;
  /** Resolves with the API URL the node printed once it serves. */
  readonly apiUrl: Promise<string>;
  /** Its last lines of output (at most `RECENT_LINES`), for a report when it exits. */
  recentLines(): readonly string[];
}

/** How many of a node's last lines of output are kept for the report of its exit. */
export const RECENT_LINES = 12;

export interface RunningNetwork {
  readonly nodes: readonly NodeProcessInfo[];
  /** Stops every node (SIGTERM, then SIGKILL after a grace period) and waits for them. */
  stop(): Promise<void>;
}

/** One node of a network directory: its name (nodeN), its home and, in a bundle, its host. */
export interface NetworkNode {
  readonly name: string;
  readonly home: string;
  /** The machine of its bundle (bundle.json's host); undefined in the one-machine layout. */
  readonly host?: string;
}

const NODE_DIR = /^node\d+$/;
const byNumber = (a: { name: string }, b: { name: string }) =>
  Number(a.name.slice(4)) - Number(b.name.slice(4));

function nodesIn(dir: string, host: string | undefined): NetworkNode[] {
  return readdirSync(dir)
    .filter((name) => NODE_DIR.test(name) && existsSync(join(dir, name, "config.json")))
    .map((name) => ({ name, home: join(dir, name), ...(host === undefined ? {} : { host }) }));
}

function bundleHost(dir: string): string | undefined {
  const path = join(dir, "bundle.json");
  if (!existsSync(path)) return undefined;
  const { host } = JSON.parse(readFileSync(path, "utf8")) as { host?: unknown };
  return typeof host === "string" ? host : undefined;
}

/**
 * The one reader of a network directory, for every command that takes one: its nodes in order,
 * whatever the layout. DIR/nodeN (`mkl network init`, one machine); DIR/hosts/HOST/nodeN (one
 * bundle per host, `mkl network init --hosts`); or one bundle (DIR/nodeN beside DIR/bundle.json).
 */
export function networkNodes(networkDir: string): NetworkNode[] {
  if (!existsSync(networkDir)) throw new LedgerError("NETWORK_NOT_FOUND", `no network in ${networkDir}`);
  const local = nodesIn(networkDir, bundleHost(networkDir));
  const hostsDir = join(networkDir, "hosts");
  const bundled =
    local.length === 0 && existsSync(hostsDir)
      ? readdirSync(hostsDir).flatMap((b) => nodesIn(join(hostsDir, b), bundleHost(join(hostsDir, b))))
      : [];
  const nodes = [...local, ...bundled].sort(byNumber);
  if (nodes.length === 0)
    throw new LedgerError(
      "NETWORK_NOT_FOUND",
      `${networkDir} holds no nodeN directories, nor hosts/HOST/nodeN bundles`,
    );
  return nodes;
}

/** The node homes of a network directory, in order (see networkNodes). */
export function nodeHomes(networkDir: string): string[] {
  return networkNodes(networkDir).map((node) => node.home);
}

/** The home of one node of a network directory, in either layout. */
export function nodeHomeOf(networkDir: string, name: string): string | undefined {
  return networkNodes(networkDir).find((node) => node.name === name)?.home;
}

/** How `nodeStarter` runs a node. */
export interface StartNetworkOptions {
  /** How to run `mkl`: default, the same runtime and script as this process. */
  readonly command?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts every node of a generated network as its own process on this machine (the same
 * `mkl node start` one would run on separate machines), each with `start` (see nodeStarter).
 */
export function startNetwork(networkDir: string, start: (home: string) => NodeProcessInfo): RunningNetwork {
  const nodes = nodeHomes(networkDir).map(start);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.all(nodes.map((node) => stopChild(node.child))).then(() => undefined);
    return stopping;
  };
  return { nodes, stop };
}

/** What starts (and restarts) one node home of a network the way `startNetwork` does. */
export function nodeStarter(
  print: (line: string) => void,
  options: StartNetworkOptions = {},
): (home: string) => NodeProcessInfo {
  const [executable, ...prefix] = options.command ?? [
    process.execPath,
    ...process.execArgv,
    process.argv[1] as string,
  ];
  // One MKL_API_PORT for every node would make them collide: each takes its own config's port.
  const { MKL_API_PORT: _ignored, ...env } = options.env ?? process.env;
  return (home) => startNodeProcess(home, executable as string, prefix, print, env);
}

/** "exit code 3" or "signal SIGKILL": how a process ended, for a report. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return code !== null ? `exit code ${code}` : `signal ${signal ?? "unknown"}`;
}

/** Starts one node home as a process running `mkl node start --home HOME`. */
export function startNodeProcess(
  home: string,
  executable: string,
  prefix: readonly string[],
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): NodeProcessInfo {
  const name = home.split("/").pop() as string;
  const child = spawn(executable, [...prefix, "node", "start", "--home", home], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffered = "";
  const recent: string[] = [];
  const apiUrl = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /API (http:\/\/[^\s,]+)/.exec(line); // a comma follows when metrics are on
        if (match?.[1] !== undefined) resolve(match[1]);
        recent.push(line);
        if (recent.length > RECENT_LINES) recent.shift();
        print(`[${name}] ${line}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    // "close", not "exit": by then its last lines have been read from the pipes.
    child.once("close", (code, signal) =>
      reject(
        new LedgerError(
          "NODE_EXITED",
          `${name} exited (${describeExit(code, signal)}) before serving${formatRecent(recent)}`,
          { node: name, code, signal },
        ),
      ),
    );
  });
  apiUrl.catch(() => {});
  return { name, home, child, apiUrl, recentLines: () => [...recent] };
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A node's last lines, indented under the line that reports its exit (nothing if it printed none). */
export function formatRecent(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `; its last lines:\n${lines.map((line) => `    ${line}`).join("\n")}`;
}

/** The node's API URL once it serves, or NODE_STARTUP_TIMEOUT when it has not within `timeoutMs`. */
export function servedWithin(node: NodeProcessInfo, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seconds = timeoutMs < 1_000 ? `${timeoutMs} ms` : `${(timeoutMs / 1000).toFixed(0)} s`;
      reject(
        new LedgerError(
          "NODE_STARTUP_TIMEOUT",
          `${node.name} (pid ${node.child.pid}) did not serve within ${seconds} of starting${formatRecent(node.recentLines())}`,
          { node: node.name, timeoutMs },
        ),
      );
    }, timeoutMs);
  });
  return Promise.race([node.apiUrl, timedOut]).finally(() => clearTimeout(timer));
}
