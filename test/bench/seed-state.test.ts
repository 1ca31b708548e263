import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SeedState } from "../../bench/workload/seed-state.js";
import { addressOf } from "../../src/app/address.js";
import { txCodecs } from "../../src/app/executor.js";
import { parseGenesis } from "../../src/app/genesis.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import { encodeSignedTx, signTx, toHex } from "../../src/ledger/index.js";
import { Chain } from "../../src/node/chain.js";
import { ChainStore } from "../../src/storage/chain-store.js";

const dirs: string[] = [];
const stores: ChainStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mkl-seed-"));
  dirs.push(dir);
  return dir;
}

function transfer(suite: Suite, from: KeyPair, nonce: bigint, to: number, amountFen: bigint): Uint8Array {
  const recipient = addressOf(suite.hash, new Uint8Array([to >> 8, to & 0xff]));
  const tx = signTx(
    suite,
    from.privateKey,
    {
      chainId: "seed-chain",
      sender: from.publicKey.bytes,
      nonce,
      expiryHeight: 1_000n,
      op: { kind: "transfer", value: { to: recipient, amountFen, memo: "" } },
    },
    txCodecs,
  );
  return encodeSignedTx(tx, txCodecs);
}

/** Blocks of transfers to new accounts (one in each block refused: more than alice holds). */
function blocksOfTransfers(suite: Suite, alice: KeyPair, blocks: number, perBlock: number): Uint8Array[][] {
  let nonce = 0n;
  return Array.from({ length: blocks }, (_, b) =>
    Array.from({ length: perBlock }, (_, i) =>
      transfer(suite, alice, nonce++, b * perBlock + i, i === perBlock - 1 ? 10n ** 9n : BigInt(1 + i)),
    ),
  );
}

function openChain(suite: Suite, validator: KeyPair, alice: KeyPair) {
  const genesis = parseGenesis({
    chainId: "seed-chain",
    suite: "ed25519",
    genesisTimeMs: "1700000000000",
    validators: [{ name: "v0", publicKey: toHex(validator.publicKey.bytes), power: "10" }],
    accounts: [{ address: toHex(addressOf(suite.hash, alice.publicKey.bytes)), balanceFen: "1000000" }],
    identities: [{ role: "buyer", publicKey: toHex(alice.publicKey.bytes) }],
  });
  const store = ChainStore.open(tempDir());
  stores.push(store);
  return { store, chain: Chain.open(store, suite, genesis) };
}

/** The local chain's way: each block executed, its state root built and committed. */
function commitBlock(chain: Chain, validator: KeyPair, txs: Uint8Array[]): void {
  const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
  const prepared = chain.prepareBlock(txs, timeMs, validator.publicKey.bytes);
  chain.commit(prepared, chain.signCommit(prepared, [validator], timeMs + 1n));
}

function entries(store: ChainStore): string[] {
  return [...store.stateEntries()].map(({ key, value }) => `${toHex(key)}=${toHex(value)}`);
}

describe("SeedState (the scaling bench's pre-seed)", () => {
  it("leaves the keys, values and state root that committing the blocks one by one leaves, and the chain goes on from it", async () => {
    const suite = getSuite("ed25519");
    const validator = suite.generateKeyPair();
    const alice = suite.generateKeyPair();
    const blocks = blocksOfTransfers(suite, alice, 6, 20);
    const committed = openChain(suite, validator, alice);
    for (const txs of blocks) commitBlock(committed.chain, validator, txs);

    const seeded = openChain(suite, validator, alice);
    // A small flush threshold: later blocks read values the scratch store holds, not memory.
    const seed = new SeedState(seeded.chain, seeded.store, validator, tempDir(), 25);
    const codes = blocks.map((txs) => seed.execute(txs).results.map((r) => r.code));
    seed.finish();
    await seed.close();

    expect(codes.flat().filter((c) => c !== "OK")).toHaveLength(blocks.length);
    expect(seeded.store.head()).toBe(committed.store.head());
    const head = committed.store.head() as bigint;
    expect(toHex(seeded.store.stateRootAt(head) as Uint8Array)).toBe(
      toHex(committed.store.stateRootAt(head) as Uint8Array),
    );
    expect(entries(seeded.store)).toEqual(entries(committed.store));
    expect(seeded.chain.latestHeader().timeMs).toBe(committed.chain.latestHeader().timeMs);

    // The next block, on each, pays every account again (and one new): its update reads every
    // account's path, so the restored tree must hold each node of them.
    const next = Array.from({ length: 121 }, (_, i) => transfer(suite, alice, 120n + BigInt(i), i, 1n));
    commitBlock(committed.chain, validator, next);
    commitBlock(seeded.chain, validator, next);
    expect(seeded.chain.resultsAt(head + 1n)?.map((r) => r.code)).toEqual(next.map(() => "OK"));
    expect(toHex(seeded.chain.latestHeader().stateRoot)).toBe(
      toHex(committed.chain.latestHeader().stateRoot),
    );
    expect(seeded.chain.latestHeader().timeMs).toBe(committed.chain.latestHeader().timeMs);
  });
});
