import { spawnSync } from "node:child_process";

/**
 * Network namespaces for the tests that give a node a host of its own (root, iproute2): `ip`
 * and what else runs inside a namespace, with what went wrong when it fails.
 */
export interface Run {
  readonly ok: boolean;
  readonly out: string;
  readonly error: string;
}

/** How a harness runs a system command (ip, nft, mount): as this process, or as another user. */
export type CommandRunner = (command: string, args: readonly string[], input?: string) => Run;

/** Runs `command args` (stdin from `input`), never throwing: a missing binary is an error too. */
export function run(command: string, args: readonly string[], input?: string): Run {
  const done = spawnSync(command, args, { encoding: "utf8", ...(input === undefined ? {} : { input }) });
  return {
    ok: done.status === 0,
    out: done.stdout ?? "",
    error: `${done.stderr ?? ""}${done.error?.message ?? ""}`.trim(),
  };
}

/**
 * Commands run as `user` and `group`, with no other groups and so no capabilities (util-linux's
 * setpriv, from root): what a harness meets where it is not root, for the tests of its skip paths.
 */
export function asUser(user: string, group: string): CommandRunner {
  return (command, args, input) =>
    run("setpriv", ["--reuid", user, "--regid", group, "--clear-groups", "--", command, ...args], input);
}

export function ip(args: readonly string[], runner: CommandRunner = run): Run {
  return runner("ip", args);
}

/** Like `ip`, but a failure throws with the command and what it printed. */
export function mustIp(args: readonly string[], runner: CommandRunner = run): void {
  const done = ip(args, runner);
  if (!done.ok) throw new Error(`ip ${args.join(" ")}: ${done.error}`);
}

/** Why namespaces cannot be made here (not root, no iproute2), probed by making one; undefined if they can. */
export function namespacesUnavailable(probe: string): string | undefined {
  const made = ip(["netns", "add", probe]);
  if (!made.ok) return made.error || "ip netns add failed";
  ip(["netns", "delete", probe]);
  return undefined;
}
