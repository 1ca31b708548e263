// Decoders of untrusted input (txs from the mempool, blocks from peers, proofs from nodes)
// throw only typed ledger errors, whatever the bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LedgerError } from "../errors.js";
import { blockHeaderCodec, commitCertificateCodec, decodeBlock } from "./block.js";
import { bytes, decode, encode, string, struct, taggedUnion, u64 } from "./codec.js";
import { decodeSignedTx, encodeSignedTx, makeTxCodecs } from "./tx.js";

const opCodec = taggedUnion("u8", {
  transfer: { tag: 1, codec: struct({ to: bytes(65), amountFen: u64 }) },
  memo: { tag: 2, codec: string(200) },
});
const codecs = makeTxCodecs(opCodec);
const validTx = encodeSignedTx(
  {
    chainId: "c",
    sender: new Uint8Array(32).fill(1),
    nonce: 1n,
    expiryHeight: 2n,
    op: { kind: "memo", value: "hi" },
    signature: new Uint8Array(64).fill(2),
  },
  codecs,
);

function onlyLedgerErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
  }
}

describe("decoding hostile bytes", () => {
  it("throws only ledger errors for txs, blocks, headers and commits", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        onlyLedgerErrors(() => decodeSignedTx(b, codecs));
        onlyLedgerErrors(() => decodeBlock(b));
        onlyLedgerErrors(() => decode(blockHeaderCodec, b));
        onlyLedgerErrors(() => decode(commitCertificateCodec, b));
      }),
      { numRuns: 2000 },
    );
  });

  it("a mutated valid tx either fails with a ledger error or re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.nat(validTx.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = validTx.slice();
        b[at]! ^= x;
        try {
          const tx = decodeSignedTx(b, codecs);
          expect(encode(codecs.signed, tx)).toEqual(b);
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
