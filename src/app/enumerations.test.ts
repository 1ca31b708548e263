// Statuses, roles, reasons and vote types are closed enumerations in the codec: a value this
// version does not know is a decode error (CODEC_UNKNOWN_VALUE), never a string passed along.
import { describe, expect, it } from "vitest";
import { decode, encode, oneOf, string, u8 } from "../ledger/codec.js";
import { signedVoteCodec } from "../ledger/signed-vote.js";
import { evidenceRecordCodec } from "./governance/evidence.js";
import { identityCodec, revocationCodec } from "./identity/records.js";

const unknownValue = expect.objectContaining({ code: "CODEC_UNKNOWN_VALUE" });

/** The encoding `bytes` with one string field swapped for `replacement` of the same length. */
function swapped(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const hex = Buffer.from(bytes).toString("hex");
  const fromHex = Buffer.from(from).toString("hex");
  expect(from.length).toBe(to.length);
  expect(hex).toContain(fromHex);
  return Uint8Array.from(Buffer.from(hex.replace(fromHex, Buffer.from(to).toString("hex")), "hex"));
}

describe("closed enumerations in the codec", () => {
  it("oneOf encodes like its inner codec and refuses other values both ways", () => {
    const status = oneOf(["active", "revoked"], string(16));
    expect(encode(status, "active")).toEqual(encode(string(16), "active"));
    expect(() => encode(status, "paused" as never)).toThrow(unknownValue);
    expect(() => decode(status, encode(string(16), "paused"))).toThrow(unknownValue);
    expect(() => decode(oneOf([1, 2], u8), Uint8Array.of(3))).toThrow(unknownValue);
  });

  it("identity records: status and role", () => {
    const record = {
      code: new Uint8Array(10),
      role: "buyer" as const,
      organisation: "org1",
      status: "active" as const,
      publicKey: new Uint8Array(65),
      settlementAccount: new Uint8Array(20),
      certificate: undefined,
      certificateSerial: "",
      certificateNotAfterMs: undefined,
      registeredHeight: 1n,
      keyVersion: 1,
    };
    const bytes = encode(identityCodec, record);
    expect(decode(identityCodec, bytes)).toEqual(record);
    expect(() => decode(identityCodec, swapped(bytes, "active", "paused"))).toThrow(unknownValue);
    expect(() => decode(identityCodec, swapped(bytes, "buyer", "buyee"))).toThrow(unknownValue);
  });

  it("revocation records: reason", () => {
    const record = {
      serialHex: "01",
      code: undefined,
      reason: "keyCompromise" as const,
      revokedAtMs: 5n,
      height: 1n,
    };
    const bytes = encode(revocationCodec, record);
    expect(() => decode(revocationCodec, swapped(bytes, "keyCompromise", "keyCompromize"))).toThrow(
      unknownValue,
    );
  });

  it("vote types, in signed votes and in evidence records", () => {
    const vote = {
      voteType: 1 as const,
      height: 1n,
      round: 0,
      blockHash: undefined,
      timestampMs: 0n,
      validator: new Uint8Array(32),
      signature: new Uint8Array(64),
    };
    const bytes = encode(signedVoteCodec, vote);
    expect(() => decode(signedVoteCodec, Uint8Array.of(3, ...bytes.subarray(1)))).toThrow(unknownValue);
    const evidence = encode(evidenceRecordCodec, {
      validator: "v",
      height: 1n,
      round: 0,
      voteType: 2,
      reportedHeight: 2n,
      reporter: "r",
    });
    const voteTypeAt = 4 + 1 + 8 + 4;
    expect(evidence[voteTypeAt]).toBe(2);
    const bad = Uint8Array.from(evidence);
    bad[voteTypeAt] = 9;
    expect(() => decode(evidenceRecordCodec, bad)).toThrow(unknownValue);
  });
});
