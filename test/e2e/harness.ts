import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type NodeProcessInfo, nodeHomes, startNodeProcess } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { until } from "../../src/until.test-util.js";

export { until };

/** Shared by the end-to-end tests: real node processes, started from the sources through tsx. */
export const ROOT = new URL("../../", import.meta.url).pathname;
export const CLI = [process.execPath, "--import", "tsx", join(ROOT, "src/cli/main.ts")] as const;

/**
 * `mkl node start --home HOME` as its own process, the way `mkl network up` starts one; under
 * `wrapper` (e.g. `ip netns exec NS`), which must exec the node in its place.
 */
export function startNode(
  home: string,
  env: Record<string, string> = {},
  print: (line: string) => void = () => {},
  wrapper: readonly string[] = [],
): NodeProcessInfo {
  const [executable, ...prefix] = [...wrapper, ...CLI];
  return startNodeProcess(home, executable, prefix, print, {
    ...process.env,
    MKL_LOG_LEVEL: "warn",
    ...env,
  });
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** The first line of its output that matched `ready` (rejects if it exits before). */
  readonly ready: Promise<RegExpExecArray>;
  /** Everything it printed so far (for a failing test's message). */
  output(): string;
}

/** Any `mkl` command as its own process, ready once a line of its output matches `ready`. */
export function startCli(args: readonly string[], ready: RegExp): CliProcess {
  const child = spawn(CLI[0], [...CLI.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, MKL_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = ready.exec(text);
      if (match !== null) resolve(match);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) =>
      reject(new Error(`mkl ${args[0]} ${args[1] ?? ""} exited (${code ?? signal}): ${text}`)),
    );
  });
  matched.catch(() => {});
  return { child, ready: matched, output: () => text };
}

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `mkl node ARGS` run to its end as its own process: its exit status and output. Not spawnSync,
 * because the test talks HTTP to nodes meanwhile: a blocked event loop misses a node closing a
 * kept-alive socket, and the next request reuses it.
 */
export const runMklNode = (...args: string[]): Promise<CliRun> =>
  new Promise((resolve) =>
    execFile(
      CLI[0],
      [...CLI.slice(1), "node", ...args],
      { cwd: ROOT, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );

/** Kills a node without warning and waits until it is gone. */
export async function killNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** Test settings merged into a node's config.json: an ephemeral API port, fast blocks and timeouts. */
export function writeTestConfig(home: string, extra: Record<string, unknown> = {}): void {
  const path = join(home, "config.json");
  const config = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(
    path,
    JSON.stringify({
      ...config,
      api: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 200,
      timeouts: {
        proposeBaseMs: 1_000,
        proposeDeltaMs: 200,
        prevoteBaseMs: 300,
        prevoteDeltaMs: 100,
        precommitBaseMs: 300,
        precommitDeltaMs: 100,
      },
      ...extra,
    }),
  );
}

/**
 * `mkl network init` of four ecdsa-p256 validators in `dir`, wired to free p2p ports, with the
 * test settings (plus `extra(index)` for each node); returns the node homes in order.
 */
export async function initTestNetwork(
  dir: string,
  extra: (index: number) => Record<string, unknown> = () => ({}),
): Promise<string[]> {
  execFileSync(
    CLI[0],
    [...CLI.slice(1), "network", "init", "--orgs", "4", "--suite", "ecdsa-p256", "--out", dir],
    { cwd: ROOT, stdio: "pipe" },
  );
  const homes = nodeHomes(dir);
  wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
  homes.forEach((home, i) => {
    writeTestConfig(home, extra(i));
  });
  return homes;
}
