import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Prng } from "../../src/consensus/sim/prng.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import { type NodeProcessInfo, nodeHomes, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import { CLI, killNode, ROOT, startNode, until, writeTestConfig } from "../e2e/harness.js";

/**
 * The fault harness: a 4-validator network of real processes under a transfer load, while a
 * seeded schedule SIGKILLs and restarts one, two at once, or all four validators. Afterwards every
 * transaction acknowledged as committed must be on every node at the same height, every node
 * must hold the same header (hence block hash and state root) at every height, money is
 * conserved, and commits resume within 5 s once a quorum is back. A failure names its seed.
 */
export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly print: (line: string) => void;
}

export interface SoakReport {
  readonly seed: number;
  readonly seconds: number;
  readonly height: bigint;
  readonly acknowledged: number;
  readonly faults: Record<string, number>;
  /** Seconds from a quorum serving again to the next commit, per heal. */
  readonly resumeSeconds: number[];
  readonly problems: string[];
}

const CHAIN_ID = "marketledger-local";
const RECIPIENTS = 8;
const RESUME_LIMIT_S = 5;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { seed, print } = options;
  const prng = new Prng(seed);
  const root = mkdtempSync(join(tmpdir(), "mkl-soak-"));
  const dir = join(root, "net");
  const nodes = new Map<string, NodeProcessInfo>();
  const problems: string[] = [];
  const faults: Record<string, number> = { killOne: 0, killTwo: 0, killAll: 0 };
  const resumeSeconds: number[] = [];
  const acknowledged = new Map<string, bigint>();
  const started = performance.now();
  try {
    execFileSync(
      CLI[0],
      [...CLI.slice(1), "network", "init", "--orgs", "4", "--suite", "ecdsa-p256", "--out", dir],
      {
        cwd: ROOT,
        stdio: "pipe",
      },
    );
    const homes = nodeHomes(dir);
    wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
    for (const home of homes) writeTestConfig(home);
    const start = (home: string) => nodes.set(home, startNode(home));
    for (const home of homes) start(home);
    const clientOf = async (home: string) => new MarketLedgerClient(await nodes.get(home)!.apiUrl);
    const live = () =>
      homes.filter((h) => nodes.get(h)!.child.exitCode === null && nodes.get(h)!.child.signalCode === null);
    await Promise.all(homes.map(clientOf));

    const suite = getSuite("ecdsa-p256");
    const operatorPrivate = suite.privateKeyFromPem(
      readFileSync(join(dir, "operator", "operator.key.pem"), "utf8"),
    );
    const operator: KeyPair = { privateKey: operatorPrivate, publicKey: suite.publicKeyOf(operatorPrivate) };
    const recipients = Array.from({ length: RECIPIENTS }, () =>
      addressOfKey(suite, suite.generateKeyPair().publicKey.bytes),
    );
    const accounts = [addressOfKey(suite, operator.publicKey.bytes), ...recipients];
    const first = await clientOf(homes[0]!);
    const moneyBefore = await totalBalance(first, accounts);

    // The load: transfers, one nonce at a time, each retried on other nodes until acknowledged.
    let stopping = false;
    const load = (async () => {
      for (let nonce = 0n; !stopping; nonce++) {
        const signed = buildSignedTx(
          suite,
          operator,
          { chainId: CHAIN_ID, nonce, expiryHeight: 1_000_000n },
          transferOp(recipients[Number(nonce % BigInt(RECIPIENTS))]!, 1n + (nonce % 7n)),
        );
        const tx = { bytes: signed.bytes, hash: toHex(signed.hash) };
        while (!stopping) {
          const targets = live();
          const home = targets[prng.int(targets.length)];
          if (home === undefined) {
            await sleep(100);
            continue;
          }
          try {
            const client = await clientOf(home);
            await client.submitTx(tx.bytes).catch((error: { code?: string }) => {
              // Already pending or committed from an earlier attempt: wait for it all the same.
              if (
                error.code !== "TX_DUPLICATE" &&
                error.code !== "TX_NONCE_TOO_LOW" &&
                error.code !== "TX_NONCE_TAKEN"
              )
                throw error;
            });
            const committed = await client.waitForTx(tx.hash, { timeoutMs: 5_000, pollMs: 50 });
            acknowledged.set(tx.hash, BigInt(committed.height));
            break;
          } catch {
            await sleep(50);
          }
        }
      }
    })();

    // The schedule: a fault every few seconds, each healed before the next.
    const deadline = performance.now() + options.minutes * 60_000;
    while (performance.now() < deadline) {
      await sleep(3_000 + prng.int(5_000));
      const kind = (["killOne", "killOne", "killTwo", "killAll"] as const)[prng.int(4)]!;
      const count = kind === "killOne" ? 1 : kind === "killTwo" ? 2 : 4;
      const victims = shuffled(homes, prng).slice(0, count);
      faults[kind]!++;
      const before = await maxHeight(homes, clientOf);
      print(`fault: ${kind} (${victims.map((h) => h.split("/").pop()).join(", ")})`);
      await Promise.all(victims.map((home) => killNode(nodes.get(home)!.child)));
      await sleep(500 + prng.int(2_500));
      for (const home of victims) start(home);
      await Promise.all(victims.map(clientOf)); // serving again: the fault is healed
      const healedAt = performance.now();
      try {
        await until(async () => (await maxHeight(homes, clientOf)) > before, 30_000);
        const seconds = (performance.now() - healedAt) / 1000;
        resumeSeconds.push(seconds);
        if (seconds > RESUME_LIMIT_S)
          problems.push(`commits resumed ${seconds.toFixed(1)} s after the heal of ${kind}`);
      } catch {
        problems.push(`no commit within 30 s after the heal of ${kind}`);
      }
    }
    stopping = true;
    await load;

    // Every node at one height, then the checks.
    const target = await maxHeight(homes, clientOf);
    await until(
      async () =>
        (
          await Promise.all(homes.map(async (h) => BigInt((await (await clientOf(h)).status()).height)))
        ).every((x) => x >= target),
      60_000,
    );
    const clients = await Promise.all(homes.map(clientOf));
    for (let h = 1n; h <= target; h++) {
      const headers = await Promise.all(clients.map(async (c) => JSON.stringify((await c.block(h)).header)));
      if (new Set(headers).size !== 1) problems.push(`nodes disagree on the header at height ${h}`);
    }
    for (const [hash, height] of acknowledged) {
      for (const [i, c] of clients.entries()) {
        const status = await c.tx(hash);
        if (status?.status !== "committed" || BigInt(status.height) !== height) {
          problems.push(
            `acknowledged tx ${hash} at ${height} is ${status?.status ?? "missing"} on node ${i + 1}`,
          );
        }
      }
    }
    for (const [i, c] of clients.entries()) {
      const money = await totalBalance(c, accounts);
      if (money !== moneyBefore) problems.push(`node ${i + 1}: money ${money} fen, was ${moneyBefore}`);
    }
    return {
      seed,
      seconds: (performance.now() - started) / 1000,
      height: target,
      acknowledged: acknowledged.size,
      faults,
      resumeSeconds,
      problems,
    };
  } finally {
    await Promise.all([...nodes.values()].map((n) => stopChild(n.child)));
    rmSync(root, { recursive: true, force: true });
  }
}

async function totalBalance(client: MarketLedgerClient, accounts: readonly Uint8Array[]): Promise<bigint> {
  let sum = 0n;
  for (const address of accounts) sum += (await client.account(address)).balanceFen;
  return sum;
}

async function maxHeight(
  homes: readonly string[],
  clientOf: (h: string) => Promise<MarketLedgerClient>,
): Promise<bigint> {
  const heights = await Promise.all(
    homes.map(async (h) => {
      try {
        return BigInt((await (await clientOf(h)).status()).height);
      } catch {
        return 0n;
      }
    }),
  );
  return heights.reduce((a, b) => (a > b ? a : b), 0n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describeReport(r: SoakReport): string {
  const resume = r.resumeSeconds.length === 0 ? "-" : `max ${Math.max(...r.resumeSeconds).toFixed(1)} s`;
  return (
    `soak seed ${r.seed}: ${r.seconds.toFixed(0)} s, height ${r.height}, ${r.acknowledged} acknowledged txs, ` +
    `faults ${JSON.stringify(r.faults)}, commits resumed ${resume} after a heal, ${r.problems.length} problems`
  );
}

/** Fisher-Yates with the schedule's generator: the same seed kills the same nodes. */
function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
