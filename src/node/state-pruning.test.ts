import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accountKey } from "../app/accounts.js";
import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { parseGenesis, VALIDATORS_KEY } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import { LedgerError } from "../errors.js";
import { encodeSignedTx, signTx, verifyStateProof } from "../ledger/index.js";
import { ChainStore } from "../storage/chain-store.js";
import { Chain } from "./chain.js";
import { storedBlockEvents } from "./event-feed.js";
import { takeSnapshot, verifySnapshot } from "./snapshot.js";
import { StatePruner } from "./state-pruner.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function refusal(run: () => unknown): LedgerError {
  try {
    run();
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("a pruning node's chain", () => {
  it("proves and snapshots every retained height, refuses older ones with STATE_PRUNED, and keeps the validator set at genesis", async () => {
    const suite = getSuite("ed25519");
    const validator = suite.generateKeyPair();
    const alice = suite.generateKeyPair();
    const bob = suite.generateKeyPair();
    const genesis = parseGenesis({
      chainId: "test-chain",
      suite: "ed25519",
      genesisTimeMs: "1700000000000",
      validators: [
        { name: "v0", publicKey: Buffer.from(validator.publicKey.bytes).toString("hex"), power: "10" },
      ],
      accounts: [
        {
          address: Buffer.from(addressOf(suite.hash, alice.publicKey.bytes)).toString("hex"),
          balanceFen: "1000",
        },
      ],
      identities: [{ role: "buyer", publicKey: Buffer.from(alice.publicKey.bytes).toString("hex") }],
    });
    const dir = mkdtempSync(join(tmpdir(), "mkl-pruning-"));
    dirs.push(dir);
    const store = ChainStore.open(dir, undefined, { staleIndex: true });
    const chain = Chain.open(store, suite, genesis);
    const to = addressOf(suite.hash, bob.publicKey.bytes);
    for (let nonce = 0n; nonce < 8n; nonce++) {
      const tx = signTx(
        suite,
        alice.privateKey,
        {
          chainId: "test-chain",
          sender: alice.publicKey.bytes,
          nonce,
          expiryHeight: 100n,
          op: { kind: "transfer", value: { to, amountFen: 1n + nonce, memo: "" } },
        },
        txCodecs,
      );
      const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
      const prepared = chain.prepareBlock([encodeSignedTx(tx, txCodecs)], timeMs, validator.publicKey.bytes);
      chain.commit(prepared, chain.signCommit(prepared, [validator], timeMs + 1n));
    }
    expect(chain.height).toBe(8n);

    // The node's job, keeping the last 3 roots: batches of 2 nodes until done.
    let batches = 0;
    let done = false;
    const faults: unknown[] = [];
    const pruner = new StatePruner(
      store,
      { keepHeights: 3, batchNodes: 2 },
      (error) => faults.push(error),
      (progress) => {
        batches++;
        done = progress.done;
      },
    );
    pruner.committed(chain.height);
    await expect.poll(() => done, { timeout: 30_000 }).toBe(true);
    pruner.stop();
    expect(faults).toEqual([]);
    expect(batches).toBeGreaterThan(1);
    expect(store.stateAvailableFrom()).toBe(6n);

    const bobKey = accountKey(to);
    for (let height = 6n; height <= 8n; height++) {
      const { value, proof, root } = chain.proveState(bobKey, height);
      expect(verifyStateProof(suite.hash, root, bobKey, value, proof)).toBe(true);
    }
    for (const height of [1n, 5n]) {
      const error = refusal(() => chain.proveState(bobKey, height));
      expect(error.code).toBe("STATE_PRUNED");
      expect(error.details).toEqual({ height: height.toString(), oldestAvailable: "6" });
    }
    // A height never committed is still not found, not pruned.
    expect(refusal(() => chain.proveState(bobKey, 9n)).code).toBe("HEIGHT_NOT_FOUND");

    // The validator set where it was written (genesis) stays provable against that root.
    const genesisSet = chain.proveState(VALIDATORS_KEY, 0n);
    expect(genesisSet.value).toBeDefined();
    expect(
      verifyStateProof(
        suite.hash,
        chain.blockAt(0n)!.header.stateRoot,
        VALIDATORS_KEY,
        genesisSet.value,
        genesisSet.proof,
      ),
    ).toBe(true);
    expect(refusal(() => chain.proveState(bobKey, 0n)).code).toBe("STATE_PRUNED");

    // The event feed replays old heights from the ring of end-event slots in the latest state.
    expect(storedBlockEvents(chain, 2n)?.height).toBe(2n);

    const file = join(dir, "snapshot");
    expect(refusal(() => takeSnapshot(store, suite, genesis, 5n, file)).code).toBe("STATE_PRUNED");
    takeSnapshot(store, suite, genesis, 6n, file);
    expect(verifySnapshot(file, suite, genesis).height).toBe(6n);
    await store.close();
  });
});
