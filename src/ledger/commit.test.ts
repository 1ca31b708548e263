import { describe, expect, it } from "vitest";
import {
  type BlockHeader,
  blockHash,
  type CommitCertificate,
  type CommitSignature,
  decodeBlock,
  encodeBlock,
} from "./block.js";
import { verifyCommit } from "./commit.js";
import { BlockError } from "./errors.js";
import { merkleRoot } from "./merkle.js";
import { allTestSuites, type TestSuite } from "./test-suites.test-util.js";
import { type Validator, validatorSetHash } from "./validators.js";
import { commitVoteSignBytes } from "./vote.js";

function fixture(t: TestSuite, powers: bigint[]) {
  const keys = powers.map((_, i) => t.key(10 + i));
  const validators: Validator[] = keys.map((k, i) => ({ publicKey: k.publicKey, power: powers[i]! }));
  const vh = validatorSetHash(t.hashFn, validators);
  const header: BlockHeader = {
    chainId: "mkl-test",
    height: 5n,
    timeMs: 1_700_000_000_000n,
    previousHash: new Uint8Array(32).fill(1),
    lastCommitHash: new Uint8Array(32).fill(2),
    txRoot: merkleRoot(t.hashFn, []),
    resultsRoot: merkleRoot(t.hashFn, []),
    stateRoot: new Uint8Array(32),
    proposer: keys[0]!.publicKey,
    validatorSetHash: vh,
    nextValidatorSetHash: vh,
  };
  const hash = blockHash(t.suite, header);
  const sign = (i: number, round = 0, h = hash): CommitSignature => {
    const timestampMs = 1_700_000_000_100n + BigInt(i);
    const msg = commitVoteSignBytes(header.chainId, header.height, round, h, timestampMs);
    return { validator: keys[i]!.publicKey, timestampMs, signature: t.suite.sign(keys[i]!.privateKey, msg) };
  };
  const cert = (signatures: CommitSignature[], round = 0): CommitCertificate => ({
    height: header.height,
    round,
    blockHash: hash,
    signatures,
  });
  return { validators, header, hash, sign, cert };
}

describe.each(allTestSuites())("verifyCommit with $name", (t) => {
  const f = fixture(t, [1n, 1n, 1n, 1n]);

  it("accepts more than 2/3 of the power, in any order", () => {
    expect(verifyCommit(t.suite, f.header, f.cert([f.sign(0), f.sign(1), f.sign(2)]), f.validators)).toEqual({
      ok: true,
    });
    expect(
      verifyCommit(t.suite, f.header, f.cert([f.sign(3), f.sign(1), f.sign(0), f.sign(2)]), f.validators),
    ).toEqual({ ok: true });
    expect(
      verifyCommit(t.suite, f.header, f.cert([f.sign(0, 2), f.sign(1, 2), f.sign(2, 2)], 2), f.validators).ok,
    ).toBe(true);
    const reordered = [...f.validators].reverse();
    expect(verifyCommit(t.suite, f.header, f.cert([f.sign(0), f.sign(1), f.sign(2)]), reordered).ok).toBe(
      true,
    );
  });

  it("refuses exactly 2/3 and less", () => {
    const r = verifyCommit(t.suite, f.header, f.cert([f.sign(0), f.sign(1)]), f.validators);
    expect(r.ok).toBe(false);
    const g = fixture(t, [2n, 1n]);
    expect(verifyCommit(t.suite, g.header, g.cert([g.sign(0)]), g.validators).ok).toBe(false);
    expect(verifyCommit(t.suite, g.header, g.cert([g.sign(0), g.sign(1)]), g.validators).ok).toBe(true);
    expect(verifyCommit(t.suite, g.header, g.cert([]), g.validators).ok).toBe(false);
  });

  it("weighs by power", () => {
    const g = fixture(t, [7n, 1n, 1n, 1n]);
    expect(verifyCommit(t.suite, g.header, g.cert([g.sign(0)]), g.validators).ok).toBe(true);
    expect(verifyCommit(t.suite, g.header, g.cert([g.sign(1), g.sign(2), g.sign(3)]), g.validators).ok).toBe(
      false,
    );
  });

  it("refuses duplicates, strangers, bad signatures and mismatches", () => {
    const s = [f.sign(0), f.sign(1), f.sign(2)];
    const check = (c: CommitCertificate, header = f.header, validators = f.validators) =>
      verifyCommit(t.suite, header, c, validators);
    expect(check(f.cert([...s, f.sign(0)]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/twice/),
    });
    expect(check(f.cert([f.sign(0), f.sign(1), f.sign(1)])).ok).toBe(false);
    const stranger = t.key(99);
    const msg = commitVoteSignBytes(f.header.chainId, f.header.height, 0, f.hash, 1n);
    const strangerSig = {
      validator: stranger.publicKey,
      timestampMs: 1n,
      signature: t.suite.sign(stranger.privateKey, msg),
    };
    expect(check(f.cert([...s, strangerSig]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a validator/),
    });
    const bad = { ...s[2]!, timestampMs: s[2]!.timestampMs + 1n };
    expect(check(f.cert([s[0]!, s[1]!, bad, f.sign(3)]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/bad signature/),
    });
    expect(check(f.cert([f.sign(0, 1), f.sign(1, 1), f.sign(2, 1)]))).toMatchObject({ ok: false });
    expect(check({ ...f.cert(s), height: 6n }).ok).toBe(false);
    expect(check({ ...f.cert(s), blockHash: new Uint8Array(32) }).ok).toBe(false);
    expect(check(f.cert(s), { ...f.header, stateRoot: new Uint8Array(32).fill(9) }).ok).toBe(false);
    expect(check(f.cert(s), f.header, f.validators.slice(0, 3)).ok).toBe(false);
    expect(check(f.cert(s), f.header, [...f.validators, f.validators[0]!]).ok).toBe(false);
    const garbage = { ...s[0]!, signature: new Uint8Array([1, 2, 3]) };
    expect(check(f.cert([garbage, s[1]!, s[2]!, f.sign(3)])).ok).toBe(false);
  });
});

describe("validator sets and blocks", () => {
  const [t] = allTestSuites();

  it("hashes a validator set independently of its order and refuses bad sets", () => {
    const a = { publicKey: new Uint8Array([2]), power: 5n };
    const b = { publicKey: new Uint8Array([1, 9]), power: 3n };
    expect(validatorSetHash(t!.hashFn, [a, b])).toEqual(validatorSetHash(t!.hashFn, [b, a]));
    expect(() => validatorSetHash(t!.hashFn, [a, a])).toThrow(BlockError);
    expect(() => validatorSetHash(t!.hashFn, [{ ...a, power: 0n }])).toThrow(BlockError);
  });

  it("round-trips a block and leaves the commit out of the block hash", () => {
    const f = fixture(t!, [1n, 1n, 1n]);
    const block = {
      header: f.header,
      txs: [new Uint8Array([1, 2]), new Uint8Array(0)],
      lastCommit: undefined,
      commit: undefined,
    };
    const withCommit = { ...block, commit: f.cert([f.sign(0), f.sign(1), f.sign(2)]) };
    expect(decodeBlock(encodeBlock(block))).toEqual(block);
    expect(decodeBlock(encodeBlock(withCommit))).toEqual(withCommit);
    expect(blockHash(t!.suite, decodeBlock(encodeBlock(withCommit)).header)).toEqual(f.hash);
  });
});
