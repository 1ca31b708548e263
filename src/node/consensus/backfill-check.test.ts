import { describe, expect, it } from "vitest";
import { isInvalidInput } from "../../app/errors.js";
import { txResultsCodec } from "../../app/events.js";
import {
  type Block,
  type BlockHeader,
  blockHash,
  bytesEqual,
  decode,
  decodeBlock,
  encode,
  encodeBlock,
  toHex,
  txHash,
} from "../../ledger/index.js";
import { memoryChain, suite } from "./backfill.test-util.js";
import { type BackfillAnchor, checkBackfilledBlock } from "./backfill-check.js";

/**
 * The backwards check of backfill over a real chain of four blocks (made and committed by the
 * chain's own code): the honest blocks pass down to block 1, and every forged field of a block,
 * its transactions, its certificates or its results is refused with its code.
 */
// The second transfer of block 2 overdraws: a failed result among the results.
const { chain, store } = memoryChain([[10n], [20n, 5_000n], [], [1n]]);
const genesisHash = blockHash(suite, (chain.blockAt(0n) as Block).header);
const stored = (h: bigint) => ({
  block: store.getBlock(h) as Uint8Array,
  results: store.getResults(h) as Uint8Array,
});
/** What block 2 must be: named by block 3, as backfill meets it. */
const above = chain.blockAt(3n) as Block;
const anchor2: BackfillAnchor = {
  height: 2n,
  hash: above.header.previousHash,
  commit: above.lastCommit,
  genesisHash,
};

/** The code the check refuses block 2 with, once it is changed by `change` (which must change it). */
function refusal(change: (block: Block, results: ReturnType<typeof decodeResults>) => void): string {
  const original = stored(2n);
  const block = decodeBlock(original.block);
  const results = decodeResults(original.results);
  change(block, results);
  const blockBytes = encodeBlock(block);
  const resultsBytes = encode(txResultsCodec, results);
  expect(bytesEqual(blockBytes, original.block) && bytesEqual(resultsBytes, original.results)).toBe(false);
  try {
    checkBackfilledBlock(suite, anchor2, blockBytes, resultsBytes);
  } catch (error) {
    expect(isInvalidInput(error)).toBe(true);
    return (error as { code: string }).code;
  }
  throw new Error("the forged block passed");
}
const decodeResults = (bytes: Uint8Array) => decode(txResultsCodec, bytes);
/** A byte array with its first byte flipped: always different. */
const flipped = (bytes: Uint8Array) => {
  const out = Uint8Array.from(bytes);
  out[0] = (out[0] as number) ^ 0xff;
  return out;
};

describe("backfill's backwards check", () => {
  it("passes the honest blocks from block 3 down to block 1, in canonical encodings with their indexes", () => {
    let anchor: BackfillAnchor | undefined = {
      height: 3n,
      hash: (chain.blockAt(4n) as Block).header.previousHash,
      commit: (chain.blockAt(4n) as Block).lastCommit,
      genesisHash,
    };
    const heights: bigint[] = [];
    while (anchor !== undefined) {
      const h: bigint = anchor.height;
      const { block, results } = stored(h);
      const checked = checkBackfilledBlock(suite, anchor, block, results);
      expect(checked.stored.blockBytes).toEqual(block);
      expect(checked.stored.resultsBytes).toEqual(results);
      expect(checked.stored.txHashes.map(toHex)).toEqual(
        decodeBlock(block).txs.map((tx) => toHex(txHash(suite, tx))),
      );
      heights.push(h);
      anchor = checked.below;
    }
    expect(heights).toEqual([3n, 2n, 1n]);
    expect(decodeResults(stored(2n).results).map((r) => r.code)).toEqual(["OK", "INSUFFICIENT_FUNDS"]);
  });

  it("keeps the snapshot's own block as held, checking only its results, while nothing is above it", () => {
    const head = chain.blockAt(4n) as Block;
    const { block, results } = stored(4n);
    const checked = checkBackfilledBlock(
      suite,
      { height: 4n, hash: blockHash(suite, head.header), commit: undefined, genesisHash },
      block,
      results,
    );
    expect(checked.stored.blockBytes).toBeUndefined();
    expect(checked.below?.hash).toEqual(head.header.previousHash);
  });

  it("refuses every forged header field, by the hash link or the height", () => {
    const fields = Object.keys(decodeBlock(stored(2n).block).header) as Array<keyof BlockHeader>;
    expect(fields).toHaveLength(11);
    for (const field of fields) {
      const code = refusal((block) => {
        const header = block.header as unknown as Record<string, unknown>;
        const value = header[field];
        header[field] =
          typeof value === "bigint"
            ? value + 1n
            : typeof value === "string"
              ? `${value}x`
              : flipped(value as Uint8Array);
      });
      expect([field, code]).toEqual([
        field,
        field === "height" ? "BACKFILL_WRONG_HEIGHT" : "BACKFILL_HASH_MISMATCH",
      ]);
    }
  });

  it("refuses forged transactions, certificates and results", () => {
    expect(refusal((block) => block.txs.pop())).toBe("BACKFILL_TXS_MISMATCH");
    expect(refusal((block) => block.txs.reverse())).toBe("BACKFILL_TXS_MISMATCH");
    expect(refusal((block) => (block.txs[0] = flipped(block.txs[0] as Uint8Array)))).toBe(
      "BACKFILL_TXS_MISMATCH",
    );
    const signature = (commit: Block["commit"]) => commit?.signatures[0] as { signature: Uint8Array };
    expect(
      refusal((block) => {
        signature(block.lastCommit).signature = flipped(signature(block.lastCommit).signature);
      }),
    ).toBe("BACKFILL_LAST_COMMIT_MISMATCH");
    expect(refusal((block) => (block.lastCommit = undefined))).toBe("BACKFILL_LAST_COMMIT_MISMATCH");
    expect(
      refusal((block) => {
        signature(block.commit).signature = flipped(signature(block.commit).signature);
      }),
    ).toBe("BACKFILL_COMMIT_MISMATCH");
    expect(refusal((block) => (block.commit = undefined))).toBe("BACKFILL_COMMIT_MISMATCH");
    expect(refusal((_, results) => results.pop())).toBe("BACKFILL_RESULTS_MISMATCH");
    expect(refusal((_, results) => results.reverse())).toBe("BACKFILL_RESULTS_MISMATCH");
    expect(refusal((_, results) => ((results[1] as { code: string }).code = "OK"))).toBe(
      "BACKFILL_RESULTS_MISMATCH",
    );
    expect(refusal((_, results) => results.push(results[0] as (typeof results)[number]))).toBe(
      "BACKFILL_RESULTS_MISMATCH",
    );
  });

  it("refuses another height's block, bytes that do not decode, and a block 1 that does not follow genesis", () => {
    const { block, results } = stored(1n);
    expect(() => checkBackfilledBlock(suite, anchor2, block, results)).toThrow(
      expect.objectContaining({ code: "BACKFILL_WRONG_HEIGHT" }),
    );
    const junk = () => checkBackfilledBlock(suite, anchor2, Uint8Array.of(1, 2, 3), stored(2n).results);
    expect(junk).toThrow();
    try {
      junk();
    } catch (error) {
      expect(isInvalidInput(error)).toBe(true);
    }
    const block2 = chain.blockAt(2n) as Block;
    const otherGenesis = flipped(genesisHash);
    expect(() =>
      checkBackfilledBlock(
        suite,
        {
          height: 1n,
          hash: block2.header.previousHash,
          commit: block2.lastCommit,
          genesisHash: otherGenesis,
        },
        block,
        results,
      ),
    ).toThrow(expect.objectContaining({ code: "BACKFILL_GENESIS_MISMATCH" }));
  });
});
