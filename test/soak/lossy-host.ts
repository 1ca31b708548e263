import { existsSync } from "node:fs";
import { type CommandRunner, ip, mustIp, run } from "../e2e/netns.js";

/**
 * A host of its own for one node of the fault harness: a network namespace joined to this one
 * by a veth pair, where the kernel drops a share of the packets that enter or leave the node
 * and duplicates some of those it sends (nftables' random numbers in the namespace's own
 * ruleset, so nothing outside it is touched). Real packet loss, unlike the TCP proxies': TCP
 * retransmits and backs off, and peers and clients see the node late rather than cut off.
 * Linux's netem qdisc would do the same, but the kernel of these machines is built without it.
 *
 * Addresses come from 198.19.0.0/16 (half of the benchmarking range; the multi-host test takes
 * 198.18), one /29 per run: .1 and .3 on this side (.3 is a second source address for a client
 * the node must not recognise), .2 the node's.
 */
const NS_PREFIX = "mkl-soak-";
/** Host-side veth names: "mks<pid>h" (at most 15 characters with a 7-digit pid). */
const VETH = /^\d+: (mks(\d+)h)[@:]/;
const TABLE = "mkl_faults";

export interface Impairment {
  /** Packets dropped, each way, in percent. */
  readonly lossPercent: number;
  /** Packets the node sends that arrive twice, in percent. */
  readonly duplicatePercent: number;
}

export class LossyHost {
  /** The command prefix that runs a process inside the namespace. */
  readonly wrapper: readonly string[];
  private readonly onExit = () => this.remove();

  private constructor(
    readonly namespace: string,
    private readonly hostVeth: string,
    private readonly nodeVeth: string,
    /** This side's address on the link: where the node reaches the harness's proxies. */
    readonly hostAddress: string,
    /** A second address on this side, for a client the node does not know. */
    readonly otherHostAddress: string,
    /** The node's address. */
    readonly nodeAddress: string,
    private readonly runner: CommandRunner,
  ) {
    this.wrapper = ["ip", "netns", "exec", namespace];
    process.once("exit", this.onExit);
  }

  /**
   * The namespace and its link, after removing what crashed runs left; or why there can be
   * none here (not root, no iproute2 or nftables), with nothing left behind. `runner`: how its
   * commands run (the skip path's test runs them as an unprivileged user).
   */
  static create(runner: CommandRunner = run): LossyHost | { reason: string } {
    removeLeftovers(runner);
    const nft = runner("nft", ["--version"]);
    if (!nft.ok) return { reason: `no nft to drop packets with (apt-get install nftables): ${nft.error}` };
    const namespace = `${NS_PREFIX}${process.pid}`;
    const hostVeth = `mks${process.pid}h`;
    ip(["netns", "delete", namespace], runner);
    ip(["link", "delete", hostVeth], runner);
    const address = freeSubnet(runner);
    const made = ip(["netns", "add", namespace], runner);
    if (!made.ok) return { reason: `network namespaces cannot be made here (ip netns add: ${made.error})` };
    const host = new LossyHost(
      namespace,
      hostVeth,
      `mks${process.pid}n`,
      address(1),
      address(3),
      address(2),
      runner,
    );
    try {
      host.link();
      // The probe: an empty ruleset loads, or nftables cannot drop anything here.
      host.loadRules([]);
      host.heal();
      return host;
    } catch (error) {
      host.remove();
      return { reason: `cannot give a node a lossy link: ${(error as Error).message}` };
    }
  }

  private link(): void {
    const subnet = (address: string) => `${address}/29`;
    const must = (args: readonly string[]) => mustIp(args, this.runner);
    must(["link", "add", this.hostVeth, "type", "veth", "peer", "name", this.nodeVeth]);
    must(["link", "set", this.nodeVeth, "netns", this.namespace]);
    must(["addr", "add", subnet(this.hostAddress), "dev", this.hostVeth]);
    must(["addr", "add", subnet(this.otherHostAddress), "dev", this.hostVeth]);
    must(["link", "set", this.hostVeth, "up"]);
    must(["-n", this.namespace, "addr", "add", subnet(this.nodeAddress), "dev", this.nodeVeth]);
    must(["-n", this.namespace, "link", "set", this.nodeVeth, "up"]);
    must(["-n", this.namespace, "link", "set", "lo", "up"]);
  }

  /** From now on the node's link loses and duplicates packets as `impairment` says. */
  impair({ lossPercent, duplicatePercent }: Impairment): void {
    const dev = `"${this.nodeVeth}"`;
    const random = (percent: number) => `numgen random mod 100 < ${percent}`;
    this.loadRules([
      `chain inbound { type filter hook input priority 0; policy accept;`,
      `  iifname ${dev} ${random(lossPercent)} counter drop; }`,
      `chain outbound { type filter hook output priority 0; policy accept;`,
      `  oifname ${dev} ${random(lossPercent)} counter drop;`,
      // A copy sent to the same neighbour: the peer's TCP sees the segment twice.
      `  oifname ${dev} ${random(duplicatePercent)} counter dup to ${this.hostAddress} device ${dev}; }`,
    ]);
  }

  /** How many packets were dropped and duplicated since `impair`. */
  counts(): { dropped: number; duplicated: number } {
    const listed = this.nft(["list", "table", "ip", TABLE]);
    const counted = (action: string) =>
      [...listed.matchAll(new RegExp(`counter packets (\\d+) bytes \\d+ ${action}`, "g"))].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    return { dropped: counted("drop"), duplicated: counted("dup") };
  }

  /** The link whole again; how many packets were dropped and duplicated while it was not. */
  heal(): { dropped: number; duplicated: number } {
    const counts = this.counts();
    this.nft(["delete", "table", "ip", TABLE]);
    return counts;
  }

  /** Removes the namespace and its link (its processes must have stopped); safe to call twice. */
  remove(): void {
    process.removeListener("exit", this.onExit);
    ip(["netns", "delete", this.namespace], this.runner);
    ip(["link", "delete", this.hostVeth], this.runner);
  }

  private loadRules(chains: readonly string[]): void {
    this.nft(["-f", "-"], `table ip ${TABLE} {\n${chains.join("\n")}\n}\n`);
  }

  private nft(args: readonly string[], input?: string): string {
    const done = this.runner("ip", ["netns", "exec", this.namespace, "nft", ...args], input);
    if (!done.ok) throw new Error(`nft ${args.join(" ")}: ${done.error}`);
    return done.out;
  }
}

/** Whether a soak run of process `pid` has its namespace now. */
export function hasSoakNamespace(pid = process.pid): boolean {
  return ip(["netns", "list"])
    .out.split("\n")
    .some((line) => line.split(" ")[0] === `${NS_PREFIX}${pid}`);
}

/**
 * Namespaces and links of earlier runs whose process is gone (a crash or a kill skips the
 * cleanup): their processes are stopped and both removed. A live run's are left alone.
 */
function removeLeftovers(runner: CommandRunner): void {
  const alive = (pid: string) => pid === String(process.pid) || existsSync(`/proc/${pid}`);
  for (const line of ip(["netns", "list"], runner).out.split("\n")) {
    const namespace = line.split(" ")[0] ?? "";
    const pid = namespace.startsWith(NS_PREFIX) ? namespace.slice(NS_PREFIX.length) : "";
    if (!/^\d+$/.test(pid) || alive(pid)) continue;
    for (const orphan of ip(["netns", "pids", namespace], runner).out.split("\n").filter(Boolean))
      runner("kill", ["-KILL", orphan]);
    ip(["netns", "delete", namespace], runner);
  }
  for (const line of ip(["-o", "link", "show"], runner).out.split("\n")) {
    const match = VETH.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && !alive(match[2]))
      ip(["link", "delete", match[1]], runner);
  }
}

/** A /29 of 198.19.0.0/16 with no address of this namespace in it, from one the pid picks: its address n. */
function freeSubnet(runner: CommandRunner): (n: number) => string {
  const taken = new Set(
    [...ip(["-o", "-4", "addr", "show"], runner).out.matchAll(/inet 198\.19\.(\d+)\.(\d+)\//g)].map(
      ([, third, fourth]) => Number(third) * 32 + Math.floor(Number(fourth) / 8),
    ),
  );
  const blocks = 256 * 32;
  for (let n = 0; n < blocks; n++) {
    const block = (process.pid + n) % blocks;
    if (!taken.has(block)) return (host) => `198.19.${Math.floor(block / 32)}.${(block % 32) * 8 + host}`;
  }
  throw new Error("every /29 of 198.19.0.0/16 is taken on this machine");
}
