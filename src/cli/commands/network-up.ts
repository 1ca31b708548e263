import { resolve } from "node:path";
import type { Command } from "commander";
import { LedgerError } from "../../errors.js";
import {
  DEFAULT_STARTUP_TIMEOUT_MS,
  type LaunchedNetwork,
  type LaunchOptions,
  launchNetwork,
} from "../../ops/launch-network.js";
import { DEFAULT_RESTART_BACKOFF } from "../../ops/supervise.js";
import { CliError, EXIT_BAD_INPUT, EXIT_REFUSED } from "../io.js";
import { stopOnSignals } from "./node.js";

const BACKOFF_HELP =
  `restart a node that exits, after ${DEFAULT_RESTART_BACKOFF.initialMs / 1000} s, doubling up to ` +
  `${DEFAULT_RESTART_BACKOFF.maxMs / 1000} s while it keeps failing, back to ${DEFAULT_RESTART_BACKOFF.initialMs / 1000} s ` +
  `once it ran ${DEFAULT_RESTART_BACKOFF.stableMs / 1000} s`;

/** `--startup-timeout <seconds>` of `mkl network up` and `mkl start`. */
export const STARTUP_TIMEOUT_FLAG = "--startup-timeout <seconds>";
export const STARTUP_TIMEOUT_HELP =
  "fail the start (stopping every node) when a node has not served this long after it started " +
  `(default ${DEFAULT_STARTUP_TIMEOUT_MS / 1000})`;

/** The start-up timeout in ms from its flag: whole seconds, 1 to 3600. */
export function parseStartupTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_STARTUP_TIMEOUT_MS;
  const seconds = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 3_600))
    throw new CliError(
      `--startup-timeout must be whole seconds from 1 to 3600, got "${value}"`,
      EXIT_BAD_INPUT,
    );
  return seconds * 1000;
}

/**
 * `mkl network up --home DIR`: every node of a generated network as its own process on this
 * machine, all or none, each supervised. On several machines, run `mkl node start --home
 * DIR/nodeN` on each instead (or the systemd unit of its `--hosts` bundle).
 */
export function registerNetworkUpCommand(program: Command): void {
  const network = program.commands.find((c) => c.name() === "network") ?? program.command("network");
  network
    .command("up")
    .description("start every node of a network made by `mkl network init`, each in its own process")
    .requiredOption("--home <dir>", "the network directory")
    .option("--restart", BACKOFF_HELP, false)
    .option(STARTUP_TIMEOUT_FLAG, STARTUP_TIMEOUT_HELP)
    .action(async (opts: { home: string; restart: boolean; startupTimeout?: string }) => {
      const startupTimeoutMs = parseStartupTimeout(opts.startupTimeout);
      const running = await launchOrRefuse(resolve(opts.home), {
        startupTimeoutMs,
        print: (line) => console.log(line),
        log: (line) => console.error(`mkl: ${line}`),
        busyPortHint: "stop what holds it, or move the network's ports in its nodes' config.json",
        restart: opts.restart,
        onAllExited: () => {
          console.error("mkl: every node has exited; nothing left to run");
          process.exit(1);
        },
      });
      console.log(
        [
          "",
          "network is up:",
          ...running.serving.map((n) => `  ${n.name}  ${n.url}/v1/status   (pid ${n.pid})`),
          opts.restart
            ? "a node that exits is reported and restarted with backoff; Ctrl-C stops every node"
            : "a node that exits is reported (--restart restarts it); Ctrl-C stops every node",
          "",
        ].join("\n"),
      );
      stopOnSignals(running.stop);
    });
}

/** Why a start-up failed because of a node, not because of what the command was asked. */
const NODE_FAILED = new Set(["NODE_EXITED", "NODE_STARTUP_TIMEOUT"]);

/** `launchNetwork` for a command: a node that exited or hung before serving is a refusal (exit 1), not bad input. */
export function launchOrRefuse(networkDir: string, options: LaunchOptions): Promise<LaunchedNetwork> {
  return launchNetwork(networkDir, options).catch((error: unknown) => {
    if (error instanceof LedgerError && NODE_FAILED.has(error.code))
      throw new CliError(error.message, EXIT_REFUSED, error.code);
    throw error;
  });
}
