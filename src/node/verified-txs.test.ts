import { describe, expect, it } from "vitest";
import { decodeTxEnvelope, executeBlock, txCodecs } from "../app/executor.js";
import { toHex } from "../ledger/bytes.js";
import { encodeSignedTx, signTx } from "../ledger/tx.js";
import { newChain, newMempool, suite, validators } from "./consensus/engine-kit.test-util.js";
import { CHAIN_ID, clientKey, signedTx, transfer } from "./consensus/sim/fixture.js";
import { admitToMempool } from "./tx-admission.js";
import { VerifiedTxs } from "./verified-txs.js";
import { VerifyBudget } from "./verify-budget.js";

const hash = (n: number) => new Uint8Array(32).fill(n);

describe("VerifiedTxs", () => {
  it("remembers verified hashes up to its capacity, forgetting the oldest first", () => {
    const verified = new VerifiedTxs(3);
    for (const n of [1, 2, 3]) verified.add(hash(n));
    verified.add(hash(1)); // seen again: now the newest
    verified.add(hash(4));
    expect([1, 2, 3, 4].map((n) => verified.has(hash(n)))).toEqual([true, false, true, true]);
    expect(verified.has(hash(9))).toBe(false);
  });

  it("serves the admitted form of the very arrays admission verified, and a block of them executes as one of copies", () => {
    const chain = newChain();
    const budget = new VerifyBudget({ perSecond: 1e6, burst: 1e6, maxClients: 10 }, () => 0);
    const deps = { suite, chain, mempool: newMempool(), clientBudget: budget, peerBudget: budget };
    const txs = [0n, 1n].map((nonce) => signedTx(suite, clientKey, nonce, transfer(5n)));
    for (const tx of txs) admitToMempool(deps, tx, { kind: "client", address: "test" });
    expect(txs.map((tx) => chain.verifiedTxs.admitted(tx)?.bytes)).toEqual(txs);
    // A copy is another array: it is decoded and hashed as any block's transaction.
    expect(chain.verifiedTxs.admitted(Uint8Array.from(txs[0] as Uint8Array))).toBeUndefined();
    const time = chain.nextBlockTime(undefined) as bigint;
    const proposer = (validators[0] as (typeof validators)[0]).publicKey.bytes;
    const fromPool = chain.prepareBlock(txs, time, proposer);
    const fromCopies = chain.prepareBlock(
      txs.map((tx) => Uint8Array.from(tx)),
      time,
      proposer,
    );
    expect(toHex(fromPool.hash)).toBe(toHex(fromCopies.hash));
    expect(fromPool.outcome.results.map((r) => r.code)).toEqual(["OK", "OK"]);
  });

  it("trusts a remembered form's signature but checks its expiry at the block's height", () => {
    const chain = newChain();
    const sign = (expiryHeight: bigint) =>
      encodeSignedTx(
        signTx(
          suite,
          clientKey.privateKey,
          { chainId: CHAIN_ID, sender: clientKey.publicKey.bytes, nonce: 0n, expiryHeight, op: transfer(5n) },
          txCodecs,
        ),
        txCodecs,
      );
    const env = (height: bigint) => ({ chainId: CHAIN_ID, height, timeMs: 1_767_225_600_001n });
    const verified = new VerifiedTxs();
    const tx = sign(1n);
    verified.remember(decodeTxEnvelope(suite, env(1n), tx));
    expect(executeBlock(suite, chain.state, env(1n), [tx], verified).results[0]?.code).toBe("OK");
    expect(() => executeBlock(suite, chain.state, env(2n), [tx], verified)).toThrow(
      expect.objectContaining({
        code: "BLOCK_INVALID_TX",
        details: expect.objectContaining({ cause: "TX_EXPIRED" }),
      }),
    );
    // What the cache holds is taken as verified: only admission, after the signature check, puts it there.
    const forged = Uint8Array.from(sign(5n));
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(() => executeBlock(suite, chain.state, env(1n), [forged], verified)).toThrow(
      expect.objectContaining({ code: "BLOCK_INVALID_TX" }),
    );
    verified.remember(decodeTxEnvelope(suite, env(1n), forged));
    expect(executeBlock(suite, chain.state, env(1n), [forged], verified).results[0]?.code).toBe("OK");
  });
});
