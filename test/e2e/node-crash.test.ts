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
  writeTestConfig(home, { emptyBlockIntervalMs: 50 });
  return { home, alice: accounts.get("alice") as KeyPair, bob: accounts.get("bob") as KeyPair };
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
    return head;
  } finally {
    await store.close();
  }
}

describe("a node killed in the middle of a commit", () => {
  it("keeps the previous height intact and resumes from it", async () => {
    const { home, alice, bob } = makeHome();
    writeTestConfig(home, { emptyBlockIntervalMs: 50, testFaults: { crashMidCommitAtHeight: 6 } });
    const crashing = startNode(home);
    const [, signal] = (await once(crashing.child, "exit")) as [number | null, string | null];
    expect(signal).toBe("SIGKILL");
    expect(await checkStoreConsistent(home)).toBe(5n);

    writeTestConfig(home, { emptyBlockIntervalMs: 50, testFaults: undefined });
    const restarted = startNode(home);
    try {
      const client = new MarketLedgerClient(await restarted.apiUrl);
      const suite = getSuite("sm");
      const tx = buildSignedTx(
        suite,
        alice,
        { chainId: "crash-test", nonce: 0n, expiryHeight: 10_000n },
        transferOp(addressOfKey(suite, bob.publicKey.bytes), 42n),
      );
      const committed = await client.waitForTx(await client.submitTx(tx.bytes), {
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
        const tx = buildSignedTx(
          suite,
          alice,
          { chainId: "crash-test", nonce: nonce++, expiryHeight: 10_000n },
          transferOp(addressOfKey(suite, bob.publicKey.bytes), 1n),
        );
        await client.submitTx(tx.bytes).catch(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 40 + round * 37));
      await killNode(node.child);
      const head = await checkStoreConsistent(home);
      expect(head).toBeGreaterThanOrEqual(lastHead);
      lastHead = head;
    }
  });
});
