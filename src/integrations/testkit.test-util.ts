import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { addressOf } from "../app/address.js";
import { consortiumKeys, consortiumPki, T0 } from "../app/marketing/testkit.test-util.js";
import { getSuite } from "../crypto/index.js";
import type { KeyPair } from "../crypto/suite.js";
import { toHex } from "../ledger/bytes.js";
import { initSoloHome } from "../node/home.js";
import { type RunningNode, runNode } from "../node/run.js";
import { type DemoMarketingKeys, startDemoMarketing } from "../ops/demo-marketing.js";
import { userCodeOf } from "../pki/user-code.js";
import { followEvents } from "../sdk/events.js";
import type { FeedEventJson } from "../sdk/wire/events.js";
import { until } from "../until.test-util.js";
import { BUSINESS_EVENT_KINDS } from "./business-events.js";

export { until };

/**
 * A solo node for the integrations' tests: the demo's enterprise (org1), marketers and buyer,
 * plus an enterprise identity of org2 (a payment company), with funds; demo orders on request.
 */

export const suite = getSuite("ed25519");
const ROLES = {
  "enterprise-a": { role: "enterprise", organisation: "org1" },
  "marketer-li": { role: "employee-marketer", organisation: "org1" },
  "marketer-wang": { role: "outside-marketer" },
  "buyer-zhao": { role: "buyer" },
  "pay-co": { role: "enterprise", organisation: "org2" },
} as const;
export type Party = keyof typeof ROLES;

export interface TestChain {
  readonly home: string;
  readonly node: RunningNode;
  readonly url: string;
  readonly key: (name: Party) => KeyPair;
  readonly code: (name: Party) => string;
  readonly demoKeys: DemoMarketingKeys;
  /** Starts demo orders flowing (a transaction every stepMs); returns the stop function. */
  demo(stepMs?: number): Promise<() => void>;
  /** Stops the demo and waits until its last transaction is committed (an empty mempool, two more blocks). */
  quiesce(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestChainHome {
  readonly home: string;
  readonly key: (name: Party) => KeyPair;
  readonly code: (name: Party) => string;
  readonly demoKeys: DemoMarketingKeys;
}

/**
 * A solo node's home with the parties above in its genesis (a node process starts from it too).
 * `config` is merged into its config.json.
 */
export function createTestChainHome(chainId: string, config: Record<string, unknown> = {}): TestChainHome {
  const home = mkdtempSync(join(tmpdir(), `mkl-${chainId}-`));
  const keys = new Map<Party, KeyPair>(Object.keys(ROLES).map((n) => [n as Party, suite.generateKeyPair()]));
  const key = (n: Party) => keys.get(n) as KeyPair;
  initSoloHome(home, { suite: "ed25519", chainId, apiPort: 0, fundedAccounts: [], genesisTimeMs: T0 });
  const genesis = JSON.parse(readFileSync(join(home, "genesis.json"), "utf8"));
  const { pki, organisations } = consortiumPki(consortiumKeys(suite));
  Object.assign(genesis, {
    pki,
    organisations,
    identities: Object.entries(ROLES).map(([n, r]) => ({
      ...r,
      publicKey: toHex(key(n as Party).publicKey.bytes),
    })),
    accounts: (["enterprise-a", "pay-co"] as const).map((n) => ({
      address: toHex(addressOf(suite.hash, key(n).publicKey.bytes)),
      balanceFen: "50000000",
    })),
  });
  writeFileSync(join(home, "genesis.json"), JSON.stringify(genesis));
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      moniker: chainId,
      api: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 50,
      ...config,
    }),
  );
  return {
    home,
    key,
    code: (n) => userCodeOf(suite.hash, key(n).publicKey.bytes),
    demoKeys: {
      enterprise: key("enterprise-a"),
      marketerLi: key("marketer-li"),
      marketerWang: key("marketer-wang"),
      buyerZhao: key("buyer-zhao"),
    },
  };
}

export async function startTestChain(chainId: string): Promise<TestChain> {
  const { home, key, code, demoKeys } = createTestChainHome(chainId);
  const node = await runNode(home, pino({ level: "silent" }));
  const stops: Array<() => void> = [];
  return {
    home,
    node,
    url: node.apiUrl,
    key,
    code,
    demoKeys,
    demo: async (stepMs = 20) => {
      const stop = await startDemoMarketing({
        apiUrl: node.apiUrl,
        suite,
        chainId,
        keys: demoKeys,
        stepMs,
        log: () => {},
      });
      stops.push(stop);
      return stop;
    },
    quiesce: async () => {
      for (const stop of stops.splice(0)) stop();
      const status = async () =>
        (await (await fetch(`${node.apiUrl}/v1/status`)).json()) as {
          height: string;
          mempool: { txs: number };
        };
      await until(async () => (await status()).mempool.txs === 0);
      const from = BigInt((await status()).height);
      await until(async () => BigInt((await status()).height) >= from + 2n);
    },
    stop: async () => {
      for (const stop of stops) stop();
      await node.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A withdrawal as the node lists it. */
export interface WithdrawalJson {
  id: number;
  status: string;
  amountFen: string;
  externalReference: string;
  origin: string;
}

export async function withdrawalsOf(nodeUrl: string, enterprise = "org1"): Promise<WithdrawalJson[]> {
  const response = await fetch(`${nodeUrl}/v1/marketing/enterprises/${enterprise}/withdrawals?limit=1000`);
  return ((await response.json()) as { withdrawals: WithdrawalJson[] }).withdrawals;
}

/** The chain's own business events of a scope from `fromHeight` to `head`, read from the node's stream. */
export async function chainEvents(
  nodeUrl: string,
  scope: { enterprise?: string; payee?: string },
  fromHeight: bigint,
  head: bigint,
): Promise<FeedEventJson[]> {
  const events: FeedEventJson[] = [];
  let reached!: () => void;
  const done = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const follower = followEvents(
    nodeUrl,
    { ...scope, kinds: BUSINESS_EVENT_KINDS, fromHeight },
    async (block) => {
      if (BigInt(block.height) <= head) events.push(...block.events);
      if (BigInt(block.height) >= head) reached();
    },
  );
  await done;
  await follower.stop();
  return events;
}
