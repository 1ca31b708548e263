import { addressOf } from "../../app/address.js";
import { txCodecs } from "../../app/executor.js";
import { parseGenesis } from "../../app/genesis.js";
import { getSuite } from "../../crypto/index.js";
import { encodeSignedTx, signTx } from "../../ledger/index.js";
import { MemoryStore } from "../../storage/memory-store.js";
import { Chain } from "../chain.js";

/** A real chain in memory for backfill's tests: one validator, alice's transfers to bob in the blocks listed. */
export const suite = getSuite("ed25519");
const validator = suite.generateKeyPair();
const alice = suite.generateKeyPair();
const bob = suite.generateKeyPair();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const genesis = parseGenesis({
  chainId: "backfill-test",
  suite: "ed25519",
  genesisTimeMs: "1700000000000",
  validators: [{ name: "v0", publicKey: hex(validator.publicKey.bytes), power: "10" }],
  accounts: [{ address: hex(addressOf(suite.hash, alice.publicKey.bytes)), balanceFen: "1000" }],
  identities: [{ role: "buyer", publicKey: hex(alice.publicKey.bytes) }],
});

/** Commits one block per entry of `amounts` (alice's transfers to bob, in fen) and returns the chain. */
export function memoryChain(amounts: ReadonlyArray<readonly bigint[]>): { chain: Chain; store: MemoryStore } {
  const store = new MemoryStore();
  const chain = Chain.open(store, suite, genesis);
  let nonce = 0n;
  amounts.forEach((block, i) => {
    const txs = block.map((amountFen) =>
      encodeSignedTx(
        signTx(
          suite,
          alice.privateKey,
          {
            chainId: "backfill-test",
            sender: alice.publicKey.bytes,
            nonce: nonce++,
            expiryHeight: 1_000n,
            op: {
              kind: "transfer",
              value: { to: addressOf(suite.hash, bob.publicKey.bytes), amountFen, memo: "" },
            },
          },
          txCodecs,
        ),
        txCodecs,
      ),
    );
    const time = 1_700_000_001_000n + BigInt(i) * 1000n;
    const prepared = chain.prepareBlock(txs, time, validator.publicKey.bytes);
    chain.commit(prepared, chain.signCommit(prepared, [validator], time));
  });
  return { chain, store };
}
