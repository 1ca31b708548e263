import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { afterEach, describe, expect, it } from "vitest";
import { accountKey, readAccount } from "../app/accounts.js";
import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { parseGenesis, VALIDATORS_KEY } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import type { KeyPair, SuiteId } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { encodeSignedTx, signTx, verifyCommit, verifyInclusion, verifyStateProof } from "../ledger/index.js";
import { ChainStore, type StoreOptions } from "../storage/chain-store.js";
import { Chain } from "./chain.js";
import { storedBlockEvents } from "./event-feed.js";
import { Mempool } from "./mempool.js";
import { prepareFromMempool } from "./propose.js";
import { takeSnapshot, verifySnapshot } from "./snapshot.js";
import { pinValidatorSetsOfOlderStore, StatePruner } from "./state-pruner.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(suiteId: SuiteId, storeOptions?: StoreOptions) {
  const suite = getSuite(suiteId);
  const validator = suite.generateKeyPair();
  const alice = suite.generateKeyPair();
  const bob = suite.generateKeyPair();
  const genesis = parseGenesis({
    chainId: "test-chain",
    suite: suiteId,
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
    // Every signer is an identity: alice from genesis, by key alone (no certificate needed).
    identities: [{ role: "buyer", publicKey: Buffer.from(alice.publicKey.bytes).toString("hex") }],
  });
  const dir = mkdtempSync(join(tmpdir(), "mkl-chain-"));
  dirs.push(dir);
  const store = ChainStore.open(dir, undefined, storeOptions);
  return { suite, validator, alice, bob, genesis, dir, store, chain: Chain.open(store, suite, genesis) };
}

function transfer(
  suiteId: SuiteId,
  from: KeyPair,
  to: KeyPair,
  nonce: bigint,
  amountFen: bigint,
): Uint8Array {
  const suite = getSuite(suiteId);
  const tx = signTx(
    suite,
    from.privateKey,
    {
      chainId: "test-chain",
      sender: from.publicKey.bytes,
      nonce,
      expiryHeight: 100n,
      op: { kind: "transfer", value: { to: addressOf(suite.hash, to.publicKey.bytes), amountFen, memo: "" } },
    },
    txCodecs,
  );
  return encodeSignedTx(tx, txCodecs);
}

describe.each(["sm", "ed25519"] as const)("Chain on the %s suite", (suiteId) => {
  it("executes, commits and proves a block of transfers", () => {
    const { suite, validator, alice, bob, chain } = setup(suiteId);
    expect(chain.height).toBe(0n);
    const txs = [transfer(suiteId, alice, bob, 0n, 300n), transfer(suiteId, alice, bob, 1n, 5000n)];
    const prepared = chain.prepareBlock(txs, 1700000001000n, validator.publicKey.bytes);
    const block = chain.signCommit(prepared, [validator], 1700000001000n);
    chain.commit(prepared, block);

    expect(chain.height).toBe(1n);
    expect(chain.resultsAt(1n)?.map((r) => r.code)).toEqual(["OK", "INSUFFICIENT_FUNDS"]);
    const aliceAddress = addressOf(suite.hash, alice.publicKey.bytes);
    const bobAddress = addressOf(suite.hash, bob.publicKey.bytes);
    expect(readAccount(chain.state, aliceAddress)).toEqual({ balanceFen: 700n, nonce: 2n });
    expect(readAccount(chain.state, bobAddress)).toEqual({ balanceFen: 300n, nonce: 0n });

    const committed = chain.latestBlock();
    expect(verifyCommit(suite, committed.header, committed.commit!, chain.validators())).toEqual({
      ok: true,
    });

    const record = chain.txRecord(prepared.outcome.txHashes[0]!)!;
    expect(
      verifyInclusion(
        suite.hash,
        committed.header.txRoot,
        record.txBytes,
        record.index,
        record.treeSize,
        record.proof,
      ),
    ).toBe(true);

    const { value, proof, root } = chain.proveState(accountKey(bobAddress), 1n);
    expect(root).toEqual(committed.header.stateRoot);
    expect(verifyStateProof(suite.hash, root, accountKey(bobAddress), value, proof)).toBe(true);
    // Bob had no account at genesis: the proof at height 0 proves absence.
    const before = chain.proveState(accountKey(bobAddress), 0n);
    expect(before.value).toBeUndefined();
    expect(verifyStateProof(suite.hash, before.root, accountKey(bobAddress), undefined, before.proof)).toBe(
      true,
    );
  });

  it("takes a block only with the head's certificate its header commits to, at that certificate's BFT time", () => {
    const { validator, alice, bob, chain } = setup(suiteId);
    const key = validator.publicKey.bytes;
    expect(chain.nextBlockTime(undefined)).toBe(1700000000001n);
    const first = chain.prepareBlock([], 1700000000001n, key);
    chain.commit(first, chain.signCommit(first, [validator], 1700000000500n));
    const seen = chain.latestBlock().commit!;
    // Another valid certificate of the same block: the same validator, another timestamp.
    const other = chain.signCommit(first, [validator], 1700000000700n).commit!;
    const forged = { ...other, signatures: [{ ...other.signatures[0]!, timestampMs: 1700000000900n }] };
    const txs = [transfer(suiteId, alice, bob, 0n, 1n)];

    const honest = chain.prepareBlock(txs, chain.nextBlockTime(seen)!, key, seen);
    expect(honest.block.header.timeMs).toBe(1700000000500n);
    const { header } = honest.block;
    expect(chain.executeBlock(header, txs, seen).hash).toEqual(honest.hash);
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return "accepted";
    };
    expect(refusal(() => chain.executeBlock(header, txs, other))).toBe("BLOCK_LAST_COMMIT_MISMATCH");
    expect(refusal(() => chain.executeBlock(header, txs, undefined))).toBe("BLOCK_LAST_COMMIT_MISMATCH");
    const wrongTime = chain.prepareBlock(txs, 1700000000500n, key, other).block.header;
    expect(refusal(() => chain.executeBlock(wrongTime, txs, other))).toBe("BLOCK_BAD_TIME");
    const withForged = chain.prepareBlock(txs, 1700000000900n, key, forged).block.header;
    expect(refusal(() => chain.executeBlock(withForged, txs, forged))).toBe("BLOCK_BAD_LAST_COMMIT");
    expect(chain.height).toBe(1n);

    // A block carrying the other certificate, at its time, is valid; committing it stores that
    // certificate with block 1, so every node ends up holding the one the chain committed to.
    const swapped = chain.prepareBlock(txs, 1700000000700n, key, other);
    const validated = chain.executeBlock(swapped.block.header, txs, other);
    chain.commit(validated, chain.signCommit(validated, [validator], 1700000000800n));
    expect(chain.blockAt(1n)?.commit).toEqual(other);
    expect(chain.blockAt(2n)?.lastCommit).toEqual(other);
  });

  it("rejects a block with a replayed nonce and keeps the committed state", () => {
    const { validator, alice, bob, chain } = setup(suiteId);
    const tx = transfer(suiteId, alice, bob, 0n, 1n);
    expect(() => chain.prepareBlock([tx, tx], 1700000001000n, validator.publicKey.bytes)).toThrow(/nonce/);
    expect(chain.height).toBe(0n);
  });

  it("resumes at the committed height after a reopen, and refuses another genesis", async () => {
    const { suite, validator, alice, bob, chain, store, dir, genesis } = setup(suiteId);
    const prepared = chain.prepareBlock(
      [transfer(suiteId, alice, bob, 0n, 1n)],
      1700000001000n,
      validator.publicKey.bytes,
    );
    chain.commit(prepared, chain.signCommit(prepared, [validator], 1700000001000n));
    await store.close();
    const reopened = ChainStore.open(dir);
    expect(Chain.open(reopened, suite, genesis).height).toBe(1n);
    expect(() => Chain.open(reopened, suite, { ...genesis, chainId: "other-chain" })).toThrow(
      /another genesis/,
    );
    await reopened.close();
  });

  it("leaves out, evicts and reports a pending transaction that would make the block invalid", () => {
    const { validator, alice, bob, chain } = setup(suiteId);
    const mempool = new Mempool({ maxTxs: 10, maxBytes: 100_000, nonceWindow: 8 });
    const good = transfer(suiteId, alice, bob, 0n, 5n);
    const replay = transfer(suiteId, alice, bob, 0n, 6n); // same nonce: only one can run
    const candidates = [good, replay].map((bytes, i) => ({
      hashHex: `tx${i}`,
      senderHex: "alice",
      nonce: BigInt(i),
      expiryHeight: 100n,
      bytes,
    }));
    for (const tx of candidates) mempool.add(tx, 0n, 1n);
    const dropped: string[] = [];
    const prepared = prepareFromMempool(
      chain,
      mempool,
      candidates,
      1700000001000n,
      validator.publicKey.bytes,
      (hash) => dropped.push(hash),
    );
    expect(dropped).toEqual(["tx1"]);
    expect(prepared.block.txs).toEqual([good]);
    expect(mempool.has("tx1")).toBe(false);
    expect(mempool.has("tx0")).toBe(true);
  });

  it("verifies a block's signatures unless this node already verified those exact bytes", () => {
    const { validator, alice, bob, chain, suite } = setup(suiteId);
    const forged = transfer(suiteId, alice, bob, 0n, 5n);
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1; // breaks the signature
    expect(() => chain.prepareBlock([forged], 1700000001000n, validator.publicKey.bytes)).toThrow(
      /signature/,
    );
    const good = transfer(suiteId, alice, bob, 0n, 5n);
    chain.verifiedTxs.add(suite.hash(good));
    expect(chain.verifiedTxs.has(suite.hash(forged))).toBe(false);
    expect(
      chain.prepareBlock([good], 1700000001000n, validator.publicKey.bytes).outcome.results[0]?.code,
    ).toBe("OK");
  });
});

/** Commits the next block, holding one transfer of `amountFen` from alice at `nonce`, signed by the one validator. */
function commitTransfer(
  chain: Chain,
  validator: KeyPair,
  alice: KeyPair,
  bob: KeyPair,
  nonce: bigint,
  amountFen: bigint,
): void {
  const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
  const prepared = chain.prepareBlock(
    [transfer("ed25519", alice, bob, nonce, amountFen)],
    timeMs,
    validator.publicKey.bytes,
  );
  chain.commit(prepared, chain.signCommit(prepared, [validator], timeMs + 1n));
}

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
    const { suite, validator, alice, bob, genesis, store, chain, dir } = setup("ed25519", {
      staleIndex: true,
    });
    const to = addressOf(suite.hash, bob.publicKey.bytes);
    for (let nonce = 0n; nonce < 8n; nonce++) commitTransfer(chain, validator, alice, bob, nonce, 1n + nonce);
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

describe("a store made before pins", () => {
  it("pins the validator set's path once when it first prunes, so the set stays provable at genesis", async () => {
    // Indexed from genesis, so that pruning reaches genesis's root: only the pins keep its set.
    const { suite, validator, alice, bob, genesis, chain, store, dir } = setup("ed25519", {
      staleIndex: true,
    });
    for (let nonce = 0n; nonce < 3n; nonce++) commitTransfer(chain, validator, alice, bob, nonce, 1n);
    await store.close();
    // What an older store lacks: its pins and the mark that they are recorded.
    const raw = open({ path: dir, maxDbs: 16 });
    await raw.openDB({ name: "pinned-roots", encoding: "binary", keyEncoding: "binary" }).clearAsync();
    await raw.openDB({ name: "meta", encoding: "binary" }).remove("pins-recorded");
    await raw.close();

    const older = ChainStore.open(dir, undefined, { staleIndex: true });
    const reopened = Chain.open(older, suite, genesis);
    expect(older.hasPinnedRoot(0n)).toBe(false);
    expect(pinValidatorSetsOfOlderStore(older, reopened)).toBe(1);
    expect(pinValidatorSetsOfOlderStore(older, reopened)).toBe(0);
    for (let nonce = 3n; nonce < 6n; nonce++) commitTransfer(reopened, validator, alice, bob, nonce, 1n);
    while (!older.pruneState(6n, 64).done);
    expect(older.stateAvailableFrom()).toBe(6n);
    const { value, proof } = reopened.proveState(VALIDATORS_KEY, 0n);
    expect(
      verifyStateProof(suite.hash, reopened.blockAt(0n)!.header.stateRoot, VALIDATORS_KEY, value, proof),
    ).toBe(true);
    await older.close();
  });
});
