import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LedgerError } from "../errors.js";

export interface NodeProcessInfo {
  readonly name: string;
  readonly home: string;
  readonly child: ChildProcess;
  /** Resolves with the API URL the node printed once it serves. */
  readonly apiUrl: Promise<string>;
}

export interface RunningNetwork {
  readonly nodes: readonly NodeProcessInfo[];
  /** Stops every node (SIGTERM, then SIGKILL after a grace period) and waits for them. */
  stop(): Promise<void>;
}

/** The node homes of a generated network: every DIR/nodeN with a config.json, in order. */
export function nodeHomes(networkDir: string): string[] {
  if (!existsSync(networkDir)) throw new LedgerError("NETWORK_NOT_FOUND", `no network in ${networkDir}`);
  const homes = readdirSync(networkDir)
    .filter((name) => /^node\d+$/.test(name) && existsSync(join(networkDir, name, "config.json")))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  if (homes.length === 0)
    throw new LedgerError("NETWORK_NOT_FOUND", `${networkDir} holds no nodeN directories`);
  return homes.map((name) => join(networkDir, name));
}

/**
 * Starts every node of a generated network as its own process on this machine (the same
 * `mkl node start` one would run on separate machines), prefixing each line of their output.
 */
export interface StartNetworkOptions {
  /** How to run `mkl`: default, the same runtime and script as this process. */
  readonly command?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export function startNetwork(
  networkDir: string,
  print: (line: string) => void,
  options: StartNetworkOptions = {},
): RunningNetwork {
  const [executable, ...prefix] = options.command ?? [
    process.execPath,
    ...process.execArgv,
    process.argv[1] as string,
  ];
  // One MKL_API_PORT for every node would make them collide: each takes its own config's port.
  const { MKL_API_PORT: _ignored, ...env } = options.env ?? process.env;
  const nodes = nodeHomes(networkDir).map(
    (home): NodeProcessInfo => startNodeProcess(home, executable as string, prefix, print, env),
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.all(nodes.map((node) => stopChild(node.child))).then(() => undefined);
    return stopping;
  };
  return { nodes, stop };
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
  const apiUrl = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /API (http:\/\/\S+)/.exec(line);
        if (match?.[1] !== undefined) resolve(match[1]);
        print(`[${name}] ${line}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) =>
      reject(new LedgerError("NODE_EXITED", `${name} exited (${code ?? signal})`)),
    );
  });
  apiUrl.catch(() => {});
  return { name, home, child, apiUrl };
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
