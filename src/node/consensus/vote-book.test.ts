import { describe, expect, it } from "vitest";
import type { Vote } from "../../consensus/index.js";
import type { SignedVote } from "../../ledger/signed-vote.js";
import { VoteBook, voteKey } from "./vote-book.js";

const vote = (
  validator: string,
  type: Vote["type"],
  round: number,
  valueId: string | null,
  timestampMs = 0,
): Vote => ({
  type,
  height: 3,
  round,
  valueId,
  validator,
  timestampMs,
});
const signed = (tag: number): SignedVote => ({
  voteType: 1,
  height: 3n,
  round: 0,
  blockHash: undefined,
  timestampMs: 0n,
  validator: new Uint8Array(32).fill(tag),
  signature: new Uint8Array(64).fill(tag),
});

describe("VoteBook", () => {
  it("keys a prevote without its timestamp and a precommit with it", () => {
    expect(voteKey(vote("aa", "prevote", 0, "v", 5))).toBe(voteKey(vote("aa", "prevote", 0, "v", 9)));
    expect(voteKey(vote("aa", "precommit", 0, "v", 5))).not.toBe(voteKey(vote("aa", "precommit", 0, "v", 9)));
  });

  it("finds a proof of lock and builds a certificate from the signatures it holds", () => {
    const book = new VoteBook();
    book.add(vote("aa", "prevote", 1, "v"), signed(1));
    book.add(vote("bb", "prevote", 1, "v"), signed(2));
    book.add(vote("cc", "prevote", 1, null), signed(3));
    book.add(vote("aa", "precommit", 1, "v", 7), signed(4));
    expect(book.proofOfLock(3, 1, "v").map((s) => s.signature[0])).toEqual([1, 2]);
    expect(book.proofOfLock(3, 0, "v")).toEqual([]);
    const decided = {
      height: 3,
      round: 1,
      proposal: {
        type: "proposal" as const,
        height: 3,
        round: 1,
        value: { valueId: "v", payload: new Uint8Array(0) },
        validRound: -1,
        proposer: "aa",
      },
      precommits: [vote("aa", "precommit", 1, "v", 7), vote("bb", "precommit", 1, "v", 8)],
      blockTimeMs: 0,
    };
    const certificate = book.certificate(decided, new Uint8Array(32));
    // Only the precommit whose signature we hold goes in.
    expect(certificate.signatures.map((s) => s.signature[0])).toEqual([4]);
    book.pruneThrough(3);
    expect(book.get(vote("aa", "precommit", 1, "v", 7))).toBeUndefined();
    expect(book.proofOfLock(3, 1, "v")).toEqual([]);
  });

  it("stops taking others' votes when full, but always keeps our own", () => {
    const book = new VoteBook(1);
    book.add(vote("aa", "prevote", 0, null), signed(1));
    book.add(vote("bb", "prevote", 0, null), signed(2));
    book.add(vote("me", "prevote", 0, null), signed(3), true);
    expect(book.get(vote("bb", "prevote", 0, null))).toBeUndefined();
    expect(book.get(vote("me", "prevote", 0, null))?.signature[0]).toBe(3);
  });
});
