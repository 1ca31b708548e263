import { describe, expect, it } from "vitest";
import { bytes, string, struct, taggedUnion, u64 } from "./codec.js";
import { CodecError, TxError } from "./errors.js";
import { allTestSuites } from "./test-suites.test-util.js";
import {
  checkTxEnvelope,
  decodeSignedTx,
  encodeSignedTx,
  MAX_TX_BYTES,
  makeTxCodecs,
  signTx,
  txHash,
  txSignBytes,
  type UnsignedTx,
  verifyTxSignature,
} from "./tx.js";

const opCodec = taggedUnion("u8", {
  transfer: { tag: 1, codec: struct({ to: bytes(65), amountFen: u64 }) },
  memo: { tag: 2, codec: string(100_000) },
});
type Op = Parameters<typeof opCodec.encode>[0];
const codecs = makeTxCodecs<Op>(opCodec);

describe.each(allTestSuites())("transactions with $name", (t) => {
  const alice = t.key(1);
  const bob = t.key(2);
  const unsigned: UnsignedTx<Op> = {
    chainId: "mkl-test",
    sender: alice.publicKey,
    nonce: 7n,
    expiryHeight: 100n,
    op: { kind: "transfer", value: { to: bob.publicKey, amountFen: 12_345n } },
  };

  it("signs, encodes, decodes and verifies", () => {
    const tx = signTx(t.suite, alice.privateKey, unsigned, codecs);
    expect(verifyTxSignature(t.suite, tx, codecs)).toBe(true);
    const encoded = encodeSignedTx(tx, codecs);
    const decoded = decodeSignedTx(encoded, codecs);
    expect(decoded).toEqual(tx);
    expect(verifyTxSignature(t.suite, decoded, codecs)).toBe(true);
    expect(txHash(t.suite, encoded)).toEqual(t.hashFn(encoded));
  });

  it("rejects any change to a signed field, and another signer", () => {
    const tx = signTx(t.suite, alice.privateKey, unsigned, codecs);
    const changed = [
      { ...tx, chainId: "mkl-other" },
      { ...tx, nonce: 8n },
      { ...tx, expiryHeight: 101n },
      { ...tx, op: { kind: "transfer" as const, value: { to: bob.publicKey, amountFen: 12_346n } } },
      { ...tx, sender: bob.publicKey },
      { ...tx, sender: new Uint8Array([1, 2, 3]) },
      { ...tx, signature: tx.signature.map((b, i) => (i === 5 ? b ^ 1 : b)) },
      { ...tx, signature: new Uint8Array(0) },
    ];
    for (const bad of changed) expect(verifyTxSignature(t.suite, bad, codecs)).toBe(false);
    const byBob = signTx(t.suite, bob.privateKey, unsigned, codecs);
    expect(verifyTxSignature(t.suite, byBob, codecs)).toBe(false);
  });
});

describe("transaction envelope", () => {
  const [t] = allTestSuites();
  const key = t!.key(1);
  const unsigned: UnsignedTx<Op> = {
    chainId: "mkl-test",
    sender: key.publicKey,
    nonce: 0n,
    expiryHeight: 10n,
    op: { kind: "memo", value: "hello" },
  };

  it("signs the domain prefix followed by the unsigned encoding", () => {
    const sb = txSignBytes(unsigned, codecs);
    expect(new TextDecoder().decode(sb.subarray(0, 9))).toBe("MKL/tx/v1");
  });

  it("refuses txs over MAX_TX_BYTES on encode and decode", () => {
    const big = { ...unsigned, op: { kind: "memo" as const, value: "x".repeat(MAX_TX_BYTES) } };
    const tx = signTx(t!.suite, key.privateKey, { ...big, op: { kind: "memo", value: "x" } }, codecs);
    expect(() => encodeSignedTx({ ...tx, op: big.op }, codecs)).toThrow(TxError);
    try {
      decodeSignedTx(new Uint8Array(MAX_TX_BYTES + 1), codecs);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TxError);
      expect((e as TxError).code).toBe("TX_TOO_LARGE");
    }
    expect(() => decodeSignedTx(new Uint8Array(10), codecs)).toThrow(CodecError);
  });

  it("limits chainId to 64 bytes", () => {
    expect(() => txSignBytes({ ...unsigned, chainId: "c".repeat(65) }, codecs)).toThrow(CodecError);
    expect(txSignBytes({ ...unsigned, chainId: "c".repeat(64) }, codecs).length).toBeGreaterThan(64);
  });

  it("checks chain and expiry", () => {
    expect(() => checkTxEnvelope(unsigned, "mkl-test", 10n)).not.toThrow();
    expect(() => checkTxEnvelope(unsigned, "mkl-test", 11n)).toThrow(
      expect.objectContaining({ code: "TX_EXPIRED" }),
    );
    expect(() => checkTxEnvelope(unsigned, "other", 1n)).toThrow(
      expect.objectContaining({ code: "TX_WRONG_CHAIN" }),
    );
  });
});
