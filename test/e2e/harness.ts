import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly apiUrl: Promise<string>;
  output(): string;
}

/** Starts `mkl node start --home HOME` as its own process (through tsx, from the sources). */
export function startNodeProcess(home: string, env: Record<string, string> = {}): NodeProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "node", "start", "--home", home],
    {
      cwd: ROOT,
      env: { ...process.env, MKL_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const apiUrl = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) =>
      reject(new Error(`node exited (${code ?? signal}) before serving:\n${output}`)),
    );
  });
  apiUrl.catch(() => {});
  return { child, apiUrl, output: () => output };
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** A config.json for tests: an ephemeral API port and fast empty blocks. */
export function writeTestConfig(home: string, extra: Record<string, unknown> = {}): void {
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      moniker: "e2e",
      api: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 100,
      ...extra,
    }),
  );
}
