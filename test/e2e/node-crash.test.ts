import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accountCodec, accountKey } from "../../src/app/accounts.js";
import { parseGenesis } from "../../src/app/genesis.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import {
  applyBatch,
  blockHash,
  bytesEqual,
  decode,
  decodeBlock,
  EMPTY_ROOT,
  fromHex,
  MemoryNodeStore,
} from "../../src/ledger/index.js";
import { smtNodeCodec } from "../../src/ledger/state/nodes.js";
import { initSoloHome } from "../../src/node/home.js";
import { stopChild } from "../../src/ops/network-up.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import { ChainStore } from "../../src/storage/chain-store.js";
import { killNode, startNode, writeTestConfig } from "./harness.js";

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function makeHome(): { home: string; alice: KeyPair; bob: KeyPair } {
  const home = mkdtempSync(join(tmpdir(), "mkl-crash-"));
  homes.push(home);
  const { accounts } = initSoloHome(home, {
    suite: "sm",
    chainId: "crash-test",
    apiPort: 0,
    fundedAccounts: [
      { name: "alice", balanceFen: 1_000_000n },
      { name: "bob", balanceFen: 0n },
    ],
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeTestConfig(home, { emptyBlockIntervalMs: 50, statePruning: AGGRESSIVE_PRUNING });
  return { home, alice: accounts.get("alice") as KeyPair, bob: accounts.get("bob") as KeyPair };
}

/** Every kill in this file may land in a pruning batch: few roots kept, small batches. */
const AGGRESSIVE_PRUNING = { keepHeights: 3, batchNodes: 16 };

/** The config of a node that injects `testFaults` (none: a clean restart). */
function writeCrashConfig(home: string, testFaults?: Record<string, unknown>): void {
  writeTestConfig(home, { emptyBlockIntervalMs: 50, statePruning: AGGRESSIVE_PRUNING, testFaults });
}

/** A signed transfer of `amountFen` from alice to bob. */
function transfer(alice: KeyPair, bob: KeyPair, nonce: bigint, amountFen = 1n): Uint8Array {
  const suite = getSuite("sm");
  return buildSignedTx(
    suite,
    alice,
    { chainId: "crash-test", nonce, expiryHeight: 10_000n },
    transferOp(addressOfKey(suite, bob.publicKey.bytes), amountFen),
  ).bytes;
}

/**
 * What a committed store must always satisfy: blocks 0..head all present and linked by hash,
 * and the flat state that execution reads hashes to the state root of the head block.
 */
async function checkStoreConsistent(home: string): Promise<bigint> {
  const genesis = parseGenesis(JSON.parse(readFileSync(join(home, "genesis.json"), "utf8")));
  const suite = getSuite(genesis.suite);
  const store = ChainStore.open(join(home, "data"));
  try {
    const head = store.head() as bigint;
    let previous: Uint8Array | undefined;
    for (let h = 0n; h <= head; h++) {
      const block = decodeBlock(store.getBlock(h) as Uint8Array);
      if (previous !== undefined) expect(bytesEqual(block.header.previousHash, previous)).toBe(true);
      previous = blockHash(suite, block.header);
    }
    const entries = [...store.stateEntries()];
    const recomputed = applyBatch(new MemoryNodeStore(), (d) => suite.hash(d), EMPTY_ROOT, entries).root;
    const headBlock = decodeBlock(store.getBlock(head) as Uint8Array);
    expect(Buffer.from(recomputed).toString("hex")).toBe(
      Buffer.from(headBlock.header.stateRoot).toString("hex"),
    );
    // Pruning deleted nothing that a root it still claims to keep whole reaches.
    expect(store.stateAvailableFrom()).toBeLessThanOrEqual(head);
    for (let h = store.stateAvailableFrom(); h <= head; h++) {
      const stack = [store.stateRootAt(h) as Uint8Array];
      while (stack.length > 0) {
        const hash = stack.pop() as Uint8Array;
        if (hash.every((b) => b === 0)) continue;
        const bytes = store.getStateNode(hash);
        expect(bytes, `a node of the root of height ${h}`).toBeDefined();
        const node = decode(smtNodeCodec, bytes as Uint8Array);
        if (node.kind === "inner") stack.push(node.value.left, node.value.right);
      }
    }
    return head;
  } finally {
    await store.close();
  }
}

describe("a node killed in the middle of a commit", () => {
  it("keeps the previous height intact and resumes from it", async () => {
    const { home, alice, bob } = makeHome();
    writeCrashConfig(home, { crashMidCommitAtHeight: 6 });
    const crashing = startNode(home);
    const [, signal] = (await once(crashing.child, "exit")) as [number | null, string | null];
    expect(signal).toBe("SIGKILL");
    expect(await checkStoreConsistent(home)).toBe(5n);

    writeCrashConfig(home);
    const restarted = startNode(home);
    try {
      const client = new MarketLedgerClient(await restarted.apiUrl);
      const committed = await client.waitForTx(await client.submitTx(transfer(alice, bob, 0n, 42n)), {
        timeoutMs: 15_000,
        pollMs: 25,
      });
      expect(committed.result.code).toBe("OK");
      expect(BigInt(committed.height)).toBeGreaterThanOrEqual(6n);
    } finally {
      await stopChild(restarted.child);
    }
    expect(await checkStoreConsistent(home)).toBeGreaterThanOrEqual(6n);
  });

  it("loses nothing live when killed halfway through a pruning batch, and prunes on after a restart", async () => {
    const { home, alice, bob } = makeHome();
    writeCrashConfig(home, { crashMidPrune: true });
    const suite = getSuite("sm");
    const crashing = startNode(home);
    let exited = false;
    const exit = once(crashing.child, "exit").then((result) => {
      exited = true;
      return result as [number | null, string | null];
    });
    const client = new MarketLedgerClient(await crashing.apiUrl);
    // One transfer a block changes state every block, so the pruner has superseded nodes to delete.
    let nonce = 0n;
    while (!exited && nonce < 100n) {
      const hash = await client.submitTx(transfer(alice, bob, nonce)).catch(() => undefined);
      if (hash === undefined) break;
      nonce++;
      await client.waitForTx(hash, { timeoutMs: 15_000, pollMs: 25 }).catch(() => undefined);
    }
    const [, signal] = await exit;
    expect(signal).toBe("SIGKILL");
    const crashedAt = await checkStoreConsistent(home);

    writeCrashConfig(home);
    const restarted = startNode(home);
    try {
      const again = new MarketLedgerClient(await restarted.apiUrl);
      const state = await again.state(accountKey(addressOfKey(suite, alice.publicKey.bytes)));
      nonce = decode(accountCodec, fromHex(state.value as string)).nonce;
      for (let i = 0; i < 6; i++) {
        const committed = await again.waitForTx(await again.submitTx(transfer(alice, bob, nonce++)), {
          timeoutMs: 15_000,
          pollMs: 25,
        });
        expect(committed.result.code).toBe("OK");
      }
      // A height the node no longer keeps is refused with what it does keep.
      const refused = await again
        .state(accountKey(addressOfKey(suite, bob.publicKey.bytes)), 1n)
        .catch((e) => e);
      expect(refused.code).toBe("STATE_PRUNED");
    } finally {
      await stopChild(restarted.child);
    }
    expect(await checkStoreConsistent(home)).toBeGreaterThan(crashedAt);
  });

  it("survives SIGKILL at arbitrary moments under a stream of transactions", async () => {
    const { home, alice, bob } = makeHome();
    const suite = getSuite("sm");
    let nonce = 0n;
    let lastHead = 0n;
    for (let round = 0; round < 3; round++) {
      const node = startNode(home);
      const client = new MarketLedgerClient(await node.apiUrl);
      const state = await client.state(accountKey(addressOfKey(suite, alice.publicKey.bytes)));
      if (state.value !== null) nonce = decode(accountCodec, fromHex(state.value)).nonce;
      // Submit a bounded burst, then kill without warning while blocks are being made.
      for (let i = 0; i < 30; i++) {
        await client.submitTx(transfer(alice, bob, nonce++)).catch(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 40 + round * 37));
      await killNode(node.child);
      const head = await checkStoreConsistent(home);
      expect(head).toBeGreaterThanOrEqual(lastHead);
      lastHead = head;
    }
  });
});
