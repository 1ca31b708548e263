import { readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Prng } from "../../src/consensus/sim/prng.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import { fromHex, toHex } from "../../src/ledger/bytes.js";
import { txHash } from "../../src/ledger/tx.js";
import { EXIT_CODE } from "../../src/node/fail-stop.js";
import { DEMO_PARTIES, type DemoParty, loadDemoKeys, seedDemoGenesis } from "../../src/ops/demo-genesis.js";
import { demoMarketingKeys, startDemoMarketing } from "../../src/ops/demo-marketing.js";
import type { NodeProcessInfo } from "../../src/ops/network-up.js";
import { encodeUserCode, userCodeBytesOf } from "../../src/pki/user-code.js";
import { addressOfKey, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import { initTestNetwork, killNode, startNode, until } from "../e2e/harness.js";
import { type CommandRunner, run } from "../e2e/netns.js";
import { fillDisk, mountSmallDisk, unmountSmallDisk } from "../e2e/small-disk.js";
import { fetchFrom } from "./bound-fetch.js";
import { ClockSkew } from "./clock-skew.js";
import { Committer, type LiveClients, SoakStopping, sleep } from "./committer.js";
import { holdSockets, hostileBurst } from "./hostile.js";
import { makeSoakRoot, removeSoakLeftovers } from "./leftovers.js";
import { LinkProxies } from "./link-proxy.js";
import { LossyHost } from "./lossy-host.js";
import { SoakScope } from "./scope.js";

/**
 * The fault harness: a 4-validator network of real processes under a transfer load and a
 * marketing load (orders through payment, shipment, delivery, completion and settlement,
 * cancellations and refunds), while a seeded schedule applies one fault at a time and heals it:
 * SIGKILL and restart of one, two or all four validators; one node cut off, or the network split
 * in halves (TCP proxies on every p2p link); one node's links slowed; one node's packets dropped
 * and duplicated by the kernel (node2 runs in a network namespace of its own); one validator's
 * wall clock skewed by minutes (libfaketime); one node's disk filled (a tmpfs), which must stop it with exit
 * code 3 and one log line, and it must recover once space is back; and hostile clients (silent
 * sockets, half-sent requests, forged, replayed, mis-addressed and malformed transactions).
 * Every kind runs once first, in a seeded order, then kinds are drawn until the time is up.
 *
 * Afterwards: every node holds the same block hash, header and state root at every height,
 * every acknowledged transaction is on every node at the height it was acknowledged at, money
 * is conserved (balances, the vault and the escrow's books), and commits resumed within 5 s of
 * every heal. A failure names its seed.
 */
export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly print: (line: string) => void;
  /**
   * The run gives up after this long: it stops, removes all it holds and rejects naming its seed.
   * The slice in npm test sets it below vitest's timeout, so its clean-up runs before the test ends.
   */
  readonly deadlineMs?: number;
  /** Stops the run the same way when aborted (the clean-up's test). */
  readonly signal?: AbortSignal;
}

export const FAULT_KINDS = [
  "killOne",
  "killTwo",
  "killAll",
  "isolateOne",
  "splitHalves",
  "slowLinks",
  "lossyLinks",
  "clockSkew",
  "diskFull",
  "hostile",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SoakReport {
  readonly seed: number;
  readonly seconds: number;
  readonly height: bigint;
  readonly acknowledged: number;
  /** Acknowledged transactions by operation kind. */
  readonly operations: Record<string, number>;
  /** Acknowledged transactions whose result was a refusal of the chain, by code. */
  readonly refusedResults: Record<string, number>;
  /** Faults applied and healed (the next commit awaited after the heal), by kind. */
  readonly faults: Record<string, number>;
  /** Fault kinds this machine cannot apply, with the reason. */
  readonly skipped: Record<string, string>;
  /** Hostile requests refused in the documented shape. */
  readonly hostileRefused: number;
  /** Rate-limit refusals the untrusted client was given (and waited out), by what was limited. */
  readonly rateLimited: { address: number; signer: number };
  /** Packets the kernel dropped and duplicated on the lossy node's link. */
  readonly packets: { dropped: number; duplicated: number };
  /** Seconds from each heal to the next commit. */
  readonly resumeSeconds: number[];
  readonly problems: string[];
}

const RECIPIENTS = 8;
/** Funded accounts that pay the transfers, each its own stream of nonces beside the others. */
const PAYERS: readonly DemoParty[] = Array.from({ length: 3 }, (_, i) => ({
  name: `soak-payer-${i}`,
  role: "buyer",
  balanceFen: 10n ** 12n,
}));
/** A funded account no load uses: the hostile clients sign with it at the nonce a node reports. */
const HOSTILE: DemoParty = { name: "soak-hostile", role: "buyer", balanceFen: 10n ** 6n };
const PARTIES = [...DEMO_PARTIES, ...PAYERS, HOSTILE];
const RESUME_LIMIT_S = 5;
/**
 * The nodes' rate limits, low enough that the payer sending from an address off the allow-list
 * (127.0.0.2, or the lossy node's link's second address) is refused with 429 again and again:
 * it asks one node for its nonce, offers every other transaction to one node twice at once (the
 * second is over its signer's 1 a second, unless its address's 5 a second refuses it first),
 * polls every 50 ms until it commits, and offers it again after any failure.
 */
const RATE_LIMIT = { requestsPerSecond: 5, txsPerSignerPerSecond: 1 };
const UNTRUSTED_PAYER = 2;
/** The validators in a network namespace of their own (node2), with a skewed clock (node3), on a small disk (node4). */
const LOSSY = 1;
const SKEWED = 2;
const SMALL_DISK = 3;

/** Runs going on in this process, for `stopRunningSoaks`. */
const running = new Set<SoakScope>();

/**
 * The fault harness's run (see above). Whatever way it ends (its report, a failure, its deadline,
 * an abort), every node process, proxy, namespace, tmpfs and file it made is gone before it
 * returns; what an earlier run killed outright left is removed first.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  for (const dir of removeSoakLeftovers()) options.print(`removed what a stopped soak left: ${dir}`);
  const scope = new SoakScope();
  running.add(scope);
  const stopped = new AbortController();
  const timer =
    options.deadlineMs === undefined
      ? undefined
      : setTimeout(
          () =>
            stopped.abort(
              new Error(
                `the soak did not finish within ${(options.deadlineMs! / 1000).toFixed(0)} s (seed ${options.seed}); ` +
                  "it was stopped and all it held removed",
              ),
            ),
          options.deadlineMs,
        );
  const signal =
    options.signal === undefined ? stopped.signal : AbortSignal.any([stopped.signal, options.signal]);
  const aborted = new Promise<never>((_, reject) => {
    const stop = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
  try {
    // On an abort the run's own awaits are abandoned: the scope stops its nodes under it.
    return await Promise.race([soak(options, scope), aborted]);
  } finally {
    clearTimeout(timer);
    await scope.close();
    running.delete(scope);
  }
}

/** Stops every run of this process and removes all they hold (a test file's afterAll). */
export async function stopRunningSoaks(): Promise<void> {
  await Promise.all([...running].map((scope) => scope.close()));
}

/**
 * The fault kinds this machine cannot apply, each with its reason (printed), beside what the
 * others need: a tmpfs under `root` for the full disk, a namespace for the lossy link. What they
 * make is undone by `scope`. `runner`: how their commands run (as this process, or unprivileged).
 */
export function probeFaults(
  root: string,
  scope: SoakScope,
  print: (line: string) => void,
  runner: CommandRunner = run,
): {
  disk: { dir: string } | { reason: string };
  lossy: LossyHost | { reason: string };
  skipped: Record<string, string>;
} {
  const skipped: Record<string, string> = {};
  const disk = mountSmallDisk("512m", root, runner);
  if ("reason" in disk) skipped.diskFull = `cannot mount a tmpfs: ${disk.reason}`;
  else scope.defer("unmount the small disk", () => unmountSmallDisk(disk.dir), true);
  const lossy = LossyHost.create(runner);
  if (!(lossy instanceof LossyHost)) skipped.lossyLinks = lossy.reason;
  else scope.defer("remove the lossy host's namespace", () => lossy.remove(), true);
  for (const [kind, reason] of Object.entries(skipped)) print(`skipping the ${kind} fault: ${reason}`);
  return { disk, lossy, skipped };
}

async function soak(options: SoakOptions, scope: SoakScope): Promise<SoakReport> {
  const { seed, print } = options;
  const schedule = new Prng(seed);
  const root = makeSoakRoot();
  // Deferred first, so undone last: after the tmpfs in it is unmounted.
  scope.defer("remove the soak's directory", () => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, "net");
  const nodes: NodeProcessInfo[] = [];
  const problems: string[] = [];
  const faults: Record<string, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  const resumeSeconds: number[] = [];
  let hostileRefused = 0;
  const packets = { dropped: 0, duplicated: 0 };
  const started = performance.now();
  const { disk, lossy, skipped } = probeFaults(root, scope, print);
  let stopDemo = () => {};
  scope.defer("stop the marketing load", () => stopDemo());
  const untrusted = {
    loopback: fetchFrom("127.0.0.2"),
    lossy: fetchFrom(lossy instanceof LossyHost ? lossy.otherHostAddress : "127.0.0.2"),
  };
  scope.defer("close the untrusted clients", () =>
    Promise.all([untrusted.loopback.close(), untrusted.lossy.close()]).then(() => undefined),
  );
  // The harness's checker and loads are one trusted client, never rate-limited, but for one payer.
  const inNamespace = (i: number): LossyHost | undefined =>
    i === LOSSY && lossy instanceof LossyHost ? lossy : undefined;
  const homes = await initTestNetwork(dir, (i) => {
    const host = inNamespace(i);
    return {
      api: {
        host: host?.nodeAddress ?? "127.0.0.1",
        port: 0,
        rateLimit: { ...RATE_LIMIT, allow: [host?.hostAddress ?? "127.0.0.1"] },
      },
      ...(i === SMALL_DISK && "dir" in disk ? { dataDir: join(disk.dir, "data") } : {}),
    };
  });
  const p2pListeners = homes.map((home, i) => {
    const path = join(home, "config.json");
    const config = JSON.parse(readFileSync(path, "utf8"));
    config.p2p.host = inNamespace(i)?.nodeAddress ?? config.p2p.host ?? "127.0.0.1";
    writeFileSync(path, JSON.stringify(config));
    return config.p2p as { host: string; port: number };
  });
  seedDemoGenesis(dir, PARTIES);
  const proxies = await LinkProxies.install(homes, (i) => inNamespace(i)?.hostAddress ?? "127.0.0.1");
  scope.defer("close the link proxies", () => proxies.close());
  const skew = ClockSkew.create(root);
  if (!(skew instanceof ClockSkew)) skipped.clockSkew = skew.reason;
  const start = (i: number) => {
    scope.ensureOpen();
    const node = startNode(
      homes[i] as string,
      i === SKEWED && skew instanceof ClockSkew ? skew.env() : {},
      () => {},
      inNamespace(i)?.wrapper,
    );
    scope.track(node.child);
    nodes[i] = node;
  };
  homes.forEach((_, i) => {
    start(i);
  });
  const up = (i: number) => nodes[i]!.child.exitCode === null && nodes[i]!.child.signalCode === null;
  const clientOf = async (i: number) => new MarketLedgerClient(await nodes[i]!.apiUrl);
  const all = homes.map((_, i) => i);
  const heightOf = async (i: number) => {
    try {
      // Bounded: a status request to a node whose packets are being dropped may take a while.
      const client = new MarketLedgerClient(await nodes[i]!.apiUrl, { timeoutMs: 1_000 });
      return BigInt((await client.status()).height);
    } catch {
      return 0n;
    }
  };
  const maxHeight = async (among = all) =>
    (await Promise.all(among.map(heightOf))).reduce((a, b) => (a > b ? a : b), 0n);
  await Promise.all(all.map(clientOf));
  print(
    `network up: ${all.length} validators serving (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const suite = getSuite("ecdsa-p256");
  const chainId = (await (await clientOf(0)).status()).chainId;
  const partyKeys = loadDemoKeys(dir, PARTIES);
  const demoKeys = demoMarketingKeys(partyKeys);
  const payers = partyKeys.slice(DEMO_PARTIES.length, DEMO_PARTIES.length + PAYERS.length);
  const hostileKey = partyKeys[PARTIES.indexOf(HOSTILE)]!;
  const recipients = Array.from({ length: RECIPIENTS }, () =>
    addressOfKey(suite, suite.generateKeyPair().publicKey.bytes),
  );
  const vault = fromHex((await enterpriseCost(await nodes[0]!.apiUrl)).vaultAddress as string);
  const accounts = [
    ...partyKeys.map((key: KeyPair) => addressOfKey(suite, key.publicKey.bytes)),
    ...recipients,
    vault,
  ];
  const moneyBefore = await totalBalance(await clientOf(0), accounts);

  // The loads: transfers, and the marketing demo's business, both through a careful client.
  const committer = new Committer(
    suite,
    chainId,
    async () => Promise.all(all.filter(up).map(clientOf)),
    new Prng(seed ^ 0x5eed),
  );
  scope.defer("stop the loads", () => committer.stop());
  const sender = committer;
  // One payer's transfers through clients the nodes do not know: they are rate-limited.
  const untrustedClients: LiveClients = async () =>
    Promise.all(
      all.filter(up).map(
        async (i) =>
          new MarketLedgerClient(await nodes[i]!.apiUrl, {
            fetch: (inNamespace(i) ? untrusted.lossy : untrusted.loopback).fetch,
          }),
      ),
    );
  let untrustedTransfers = 0;
  const transfers = payers.map((payer, p) =>
    (async () => {
      for (let n = 0n; ; n++) {
        const op = transferOp(recipients[Number(n % BigInt(RECIPIENTS))]!, 1n + (n % 7n));
        if (p !== UNTRUSTED_PAYER) await sender.send(payer, op);
        else {
          // Every other one offered twice at once: refused per signer, the others per address as they poll.
          await sender.send(payer, op, untrustedClients, n % 2n === 0n);
          untrustedTransfers++;
        }
      }
    })().catch((error: unknown) => {
      if (!(error instanceof SoakStopping)) problems.push(`transfer load: ${(error as Error).message}`);
    }),
  );
  const demoStarted = startDemoMarketing({
    apiUrl: await nodes[0]!.apiUrl,
    suite,
    chainId,
    keys: demoKeys,
    enterprise: "org1",
    stepMs: 25,
    maxOpenOrders: 8,
    refundEvery: 2,
    send: (key, op) => sender.send(key, op),
    log: (line) => {
      if (!line.includes("the soak is stopping")) print(`[demo] ${line}`);
    },
  }).then((stop) => {
    stopDemo = stop;
  });
  // Awaited at the end; a run abandoned before (its deadline) must not leave it unhandled.
  demoStarted.catch(() => {});

  /** Waits for the next commit after `kind` was healed, then counts the fault as applied. */
  const afterHeal = async (kind: FaultKind) => {
    const healedAt = performance.now();
    const at = await maxHeight();
    try {
      await until(async () => (await maxHeight()) > at, 30_000);
      const seconds = (performance.now() - healedAt) / 1000;
      resumeSeconds.push(seconds);
      if (seconds > RESUME_LIMIT_S)
        problems.push(`commits resumed ${seconds.toFixed(1)} s after the heal of ${kind}`);
    } catch {
      problems.push(`no commit within 30 s after the heal of ${kind}`);
    }
    faults[kind]!++;
  };
  /** The chain (or `among` its nodes) commits `blocks` more blocks within 20 s, while a fault holds. */
  const keepsCommitting = async (what: string, among = all, blocks = 2n) => {
    const from = await maxHeight(among);
    await until(async () => (await maxHeight(among)) >= from + blocks, 20_000).catch(() =>
      problems.push(`no commits ${what}`),
    );
  };
  const name = (i: number) => `node${i + 1}`;
  const restart = async (victims: readonly number[]) => {
    for (const i of victims) start(i);
    await Promise.all(victims.map(clientOf));
  };

  const apply: Record<FaultKind, () => Promise<void>> = {
    killOne: () => kill(1),
    killTwo: () => kill(2),
    killAll: () => kill(4),
    isolateOne: async () => {
      const victim = schedule.int(4);
      const rest = all.filter((i) => i !== victim);
      print(`fault: isolateOne (${name(victim)})`);
      proxies.partition([victim]);
      await keepsCommitting(`among the other three while ${name(victim)} was cut off`, rest);
      proxies.heal();
      await afterHeal("isolateOne");
    },
    splitHalves: async () => {
      const half = shuffled(all, schedule).slice(0, 2);
      print(`fault: splitHalves (${half.map(name).join(", ")} | the others)`);
      proxies.partition(half);
      await sleep(1_000 + schedule.int(3_000));
      proxies.heal();
      await afterHeal("splitHalves");
    },
    slowLinks: async () => {
      const victim = schedule.int(4);
      const ms = 50 + schedule.int(200);
      print(`fault: slowLinks (${name(victim)}, ${ms} ms each way)`);
      proxies.slow(victim, ms);
      await keepsCommitting(`while ${name(victim)}'s links were ${ms} ms slow`);
      proxies.heal();
      await afterHeal("slowLinks");
    },
    lossyLinks: async () => {
      if (!(lossy instanceof LossyHost)) return;
      const impairment = { lossPercent: 10 + schedule.int(21), duplicatePercent: schedule.int(6) };
      const what = `${name(LOSSY)} lost ${impairment.lossPercent}% of its packets each way`;
      print(`fault: lossyLinks (${what}, ${impairment.duplicatePercent}% of those it sent twice)`);
      lossy.impair(impairment);
      await keepsCommitting(`while ${what}`);
      // Proof the fault was real, not a rule that matched nothing: it holds until the kernel dropped some.
      await until(() => lossy.counts().dropped > 0, 20_000).catch(() =>
        problems.push(`no packet of ${name(LOSSY)} was dropped in 20 s while ${what}`),
      );
      const healed = lossy.heal();
      packets.dropped += healed.dropped;
      packets.duplicated += healed.duplicated;
      await afterHeal("lossyLinks");
      const at = await maxHeight();
      await until(async () => (await heightOf(LOSSY)) >= at, 30_000).catch(() =>
        problems.push(`${name(LOSSY)} did not catch up with height ${at} within 30 s of its link healing`),
      );
    },
    clockSkew: async () => {
      if (!(skew instanceof ClockSkew)) return;
      const seconds = (schedule.int(2) === 0 ? -1 : 1) * (30 + schedule.int(600));
      print(`fault: clockSkew (${name(SKEWED)} ${seconds > 0 ? "+" : ""}${seconds} s)`);
      skew.set(seconds);
      await sleep(1_500); // libfaketime reads the offset at most once a second
      // The skewed node takes time from block headers: it neither halts nor forks.
      await keepsCommitting(`on ${name(SKEWED)} while its clock was ${seconds} s off`, [SKEWED], 3n);
      await keepsCommitting(`while ${name(SKEWED)}'s clock was ${seconds} s off`);
      skew.set(0);
      await sleep(1_500);
      await afterHeal("clockSkew");
    },
    diskFull: async () => {
      if (!("dir" in disk)) return;
      const victim = SMALL_DISK;
      const filler = join(disk.dir, "filler");
      print(`fault: diskFull (${name(victim)})`);
      if (!up(victim)) await restart([victim]);
      const child = nodes[victim]!.child;
      scope.ensureOpen(); // never fill the disk under a tmpfs the clean-up unmounted
      fillDisk(filler);
      await until(() => child.exitCode !== null || child.signalCode !== null, 30_000).catch(() =>
        problems.push(`${name(victim)} did not stop within 30 s of a full disk`),
      );
      await until(() => child.stdout?.closed !== false, 5_000).catch(() => {});
      const lines = nodes[victim]!.recentLines();
      if (child.exitCode !== EXIT_CODE.storageFault)
        problems.push(
          `${name(victim)} on a full disk: exit ${child.exitCode ?? child.signalCode}, not ${EXIT_CODE.storageFault}`,
        );
      if (lines.filter((line) => line.includes("storage fault")).length !== 1)
        problems.push(
          `${name(victim)} on a full disk did not log one storage fault line: ${lines.join(" | ")}`,
        );
      if (lines.some((line) => /^\s+at /.test(line)))
        problems.push(`${name(victim)} on a full disk printed a stack trace: ${lines.join(" | ")}`);
      await sleep(schedule.int(2_000));
      unlinkSync(filler);
      await restart([victim]);
      await afterHeal("diskFull");
    },
    hostile: async () => {
      print("fault: hostile (silent sockets, half-sent requests and bad transactions on every node)");
      const held = await Promise.all(
        all
          .filter(up)
          .map(async (i) => holdSockets({ apiUrl: await nodes[i]!.apiUrl, p2p: p2pListeners[i]! })),
      );
      for (const i of all.filter(up)) {
        const outcome = await hostileBurst(
          { apiUrl: await nodes[i]!.apiUrl, p2p: p2pListeners[i]! },
          { suite, chainId, key: hostileKey, committed: () => sender.lastCommitted, prng: schedule },
        );
        hostileRefused += Object.values(outcome.refused).reduce((a, b) => a + b, 0);
        problems.push(...outcome.problems.map((p) => `${name(i)}: ${p}`));
      }
      await keepsCommitting("while hostile clients held sockets on every node");
      for (const sockets of held) sockets.release();
      await afterHeal("hostile");
    },
  };

  async function kill(count: number): Promise<void> {
    const victims = shuffled(all, schedule).slice(0, count);
    const kind = count === 1 ? "killOne" : count === 2 ? "killTwo" : "killAll";
    print(`fault: ${kind} (${victims.map(name).join(", ")})`);
    await Promise.all(victims.map((i) => killNode(nodes[i]!.child)));
    await sleep(500 + schedule.int(2_500));
    await restart(victims);
    await afterHeal(kind);
  }

  // The schedule: every kind once in a seeded order, then drawn until the time is up.
  const deadline = performance.now() + options.minutes * 60_000;
  const queue: FaultKind[] = shuffled(FAULT_KINDS, schedule);
  while (queue.length > 0 || performance.now() < deadline) {
    const kind = queue.shift() ?? shuffled(FAULT_KINDS, schedule).pop();
    if (kind === undefined) break;
    await sleep(1_000 + schedule.int(3_000));
    if (kind in skipped) continue;
    scope.ensureOpen();
    const began = performance.now();
    await apply[kind]();
    print(`  ${kind} applied and healed in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }

  // Stop the loads, let every node reach one height, then the checks.
  await demoStarted.catch((error: unknown) => {
    if (!(error instanceof SoakStopping)) problems.push(`marketing load: ${(error as Error).message}`);
  });
  stopDemo();
  committer.stop();
  await Promise.all(transfers);
  const target = await maxHeight();
  await until(async () => (await Promise.all(all.map(heightOf))).every((h) => h >= target), 60_000);
  const clients = await Promise.all(all.map(clientOf));
  const urls = await Promise.all(nodes.map((n) => n.apiUrl));
  // Each node's own block at every height: one hash, header and state root, and in it every
  // transaction acknowledged at that height.
  const acknowledgedAt = new Map<bigint, string[]>();
  for (const [hash, height] of committer.acknowledged)
    acknowledgedAt.set(height, [...(acknowledgedAt.get(height) ?? []), hash]);
  for (let h = 1n; h <= target; h++) {
    const blocks = await Promise.all(clients.map((c) => c.block(h)));
    const seen = new Set(blocks.map((b) => JSON.stringify({ hash: b.hash, header: b.header })));
    if (seen.size !== 1)
      problems.push(
        `nodes disagree at height ${h}: hashes ${blocks.map((b) => b.hash).join(" ")}, state roots ${blocks.map((b) => b.header.stateRoot).join(" ")}`,
      );
    for (const [i, block] of blocks.entries()) {
      const inBlock = new Set(block.txs.map((tx) => toHex(txHash(suite, fromHex(tx)))));
      for (const hash of acknowledgedAt.get(h) ?? [])
        if (!inBlock.has(hash)) problems.push(`acknowledged tx ${hash} is not in ${name(i)}'s block ${h}`);
    }
  }
  // And the node's index answers for them (a sample: every one would be thousands of requests).
  for (const [hash, height] of [...committer.acknowledged].filter((_, n) => n % 25 === 0)) {
    for (const [i, c] of clients.entries()) {
      const status = await c.tx(hash);
      if (status?.status !== "committed" || BigInt(status.height) !== height)
        problems.push(`acknowledged tx ${hash} at ${height} is ${status?.status ?? "missing"} on ${name(i)}`);
    }
  }
  for (const [i, c] of clients.entries()) {
    const money = await totalBalance(c, accounts);
    if (money !== moneyBefore) problems.push(`${name(i)}: money ${money} fen, was ${moneyBefore}`);
    problems.push(...(await escrowProblems(urls[i]!, demoKeys, suite)).map((p) => `${name(i)}: ${p}`));
  }
  // Refused results are the chain's answer to a bad request, and this load sends none.
  for (const [code, count] of Object.entries(committer.notOk))
    problems.push(`${count} acknowledged transactions were refused by the chain with ${code}`);
  if ((await totalBalance(clients[0]!, recipients)) === 0n) problems.push("no transfer moved money");
  if (untrustedTransfers === 0) problems.push("the payer off the allow-list committed no transfer");
  problems.push(
    ...committer.misshapenRefusals.map((r) => `a rate-limit refusal not in the documented shape: ${r}`),
  );
  for (const kind of ["transfer", "createOrder", "confirmDelivery", "refundOrder"])
    if ((committer.byKind[kind] ?? 0) === 0) problems.push(`the marketing load never committed a ${kind}`);
  return {
    seed,
    seconds: (performance.now() - started) / 1000,
    height: target,
    acknowledged: committer.acknowledged.size,
    operations: committer.byKind,
    refusedResults: committer.notOk,
    faults,
    skipped,
    hostileRefused,
    rateLimited: committer.rateLimited,
    packets,
    resumeSeconds,
    problems,
  };
}

async function totalBalance(client: MarketLedgerClient, accounts: readonly Uint8Array[]): Promise<bigint> {
  let sum = 0n;
  for (const address of accounts) sum += (await client.account(address)).balanceFen;
  return sum;
}

/** The demo enterprise's commission books and vault, as a node's API shows them. */
async function enterpriseCost(apiUrl: string): Promise<Record<string, string>> {
  return (await (await fetch(`${apiUrl}/v1/marketing/enterprises/org1/cost`)).json()) as Record<
    string,
    string
  >;
}

/**
 * The escrow's books: what was deposited is in the escrow, in the marketers' earnings (balance
 * or pending withdrawal) or withdrawn, and the vault account holds exactly what is not withdrawn.
 */
async function escrowProblems(
  apiUrl: string,
  keys: ReturnType<typeof demoMarketingKeys>,
  suite: ReturnType<typeof getSuite>,
): Promise<string[]> {
  const books = await enterpriseCost(apiUrl);
  let earned = 0n;
  for (const marketer of [keys.marketerLi, keys.marketerWang]) {
    const code = encodeUserCode(userCodeBytesOf(suite.hash, marketer.publicKey.bytes));
    const earnings = (await (
      await fetch(`${apiUrl}/v1/marketing/enterprises/org1/marketers/${code}/earnings`)
    ).json()) as Record<string, string>;
    earned += BigInt(earnings.balanceFen ?? "0") + BigInt(earnings.pendingWithdrawalFen ?? "0");
  }
  const [deposited, balance, withdrawn, vault] = [
    "depositedFen",
    "balanceFen",
    "withdrawnFen",
    "vaultBalanceFen",
  ].map((field) => BigInt(books[field] ?? "0")) as [bigint, bigint, bigint, bigint];
  const problems: string[] = [];
  if (deposited !== balance + earned + withdrawn)
    problems.push(
      `escrow: deposited ${deposited} != escrow ${balance} + earnings ${earned} + withdrawn ${withdrawn}`,
    );
  if (vault !== balance + earned)
    problems.push(`escrow: vault ${vault} != escrow ${balance} + earnings ${earned}`);
  return problems;
}

export function describeReport(r: SoakReport): string {
  const resume = r.resumeSeconds.length === 0 ? "-" : `max ${Math.max(...r.resumeSeconds).toFixed(1)} s`;
  return (
    `soak seed ${r.seed}: ${r.seconds.toFixed(0)} s, height ${r.height}, ${r.acknowledged} acknowledged txs ` +
    `${JSON.stringify(r.operations)}, refused results ${JSON.stringify(r.refusedResults)}, ` +
    `faults ${JSON.stringify(r.faults)}, skipped ${JSON.stringify(r.skipped)}, ` +
    `${r.hostileRefused} hostile requests refused, ${r.rateLimited.address} + ${r.rateLimited.signer} ` +
    `rate-limit refusals (address + signer) waited out, ${r.packets.dropped} packets dropped and ` +
    `${r.packets.duplicated} duplicated, commits resumed ${resume} after a heal, ${r.problems.length} problems`
  );
}

/** Fisher-Yates with the schedule's generator: the same seed applies the same faults. */
function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
