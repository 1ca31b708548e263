import { bytesEqual, hasPrefix, toHex } from "../../ledger/bytes.js";
import { type CodecType, decode, encode, string, struct, u32, u64 } from "../../ledger/codec.js";
import { signedVoteCodec, verifySignedVote, voteTypeCodec } from "../../ledger/signed-vote.js";
import { appEvent } from "../events.js";
import type { OperationHandler } from "../operation.js";
import type { StateReader } from "../state.js";
import { GovernanceError, type GovernanceErrorCode } from "./errors.js";
import { validatorsForHeight } from "./validator-set.js";

/**
 * Evidence of double signing: two different votes signed by one validator for the same
 * height, round and type. Any node that sees it reports it; the chain checks both signatures
 * itself and keeps one record per offence, so every organisation can see who equivocated.
 */
const reportCodec = struct({ first: signedVoteCodec, second: signedVoteCodec });

export const evidenceRecordCodec = struct({
  validator: string(256),
  height: u64,
  round: u32,
  voteType: voteTypeCodec,
  reportedHeight: u64,
  reporter: string(64),
});
export type EvidenceRecord = CodecType<typeof evidenceRecordCodec>;

export const EVIDENCE_PREFIX = "evidence/";
/** The state keys to scan for evidence (a node's store lists entries by prefix). */
export const EVIDENCE_KEY_PREFIX = new TextEncoder().encode(EVIDENCE_PREFIX);

/** One offence on record, as anyone may read it. */
export interface EvidenceView extends Omit<EvidenceRecord, "voteType"> {
  readonly voteType: "prevote" | "precommit";
}

const voteTypeName = (voteType: number) => (voteType === 1 ? "prevote" : "precommit");

/** The evidence records among state entries (from a scan under EVIDENCE_KEY_PREFIX), in key order. */
export function listEvidence(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): EvidenceView[] {
  const out: EvidenceView[] = [];
  for (const { key, value } of entries) {
    if (!hasPrefix(key, EVIDENCE_KEY_PREFIX)) continue;
    const record = decode(evidenceRecordCodec, value);
    out.push({ ...record, voteType: voteTypeName(record.voteType) });
  }
  return out;
}

function evidenceKey(validatorHex: string, height: bigint, round: number, voteType: number): Uint8Array {
  return new TextEncoder().encode(`${EVIDENCE_PREFIX}${validatorHex}/${height}/${round}/${voteType}`);
}

export function readEvidence(state: StateReader, key: Uint8Array): EvidenceRecord | undefined {
  const value = state.get(key);
  return value === undefined ? undefined : decode(evidenceRecordCodec, value);
}

function reject(code: GovernanceErrorCode, message: string): never {
  throw new GovernanceError(code, message);
}

export const reportDoubleSignOperation: OperationHandler<CodecType<typeof reportCodec>> = {
  tag: 310,
  codec: reportCodec,
  execute(ctx, { first, second }) {
    if (!bytesEqual(first.validator, second.validator))
      reject("EVIDENCE_MISMATCH", "the votes are by different validators");
    if (
      first.height !== second.height ||
      first.round !== second.round ||
      first.voteType !== second.voteType
    ) {
      reject("EVIDENCE_MISMATCH", "the votes are for different heights, rounds or types");
    }
    const same =
      first.timestampMs === second.timestampMs &&
      (first.blockHash === undefined
        ? second.blockHash === undefined
        : second.blockHash !== undefined && bytesEqual(first.blockHash, second.blockHash));
    if (same) reject("EVIDENCE_NOT_CONFLICTING", "the two votes say the same thing");
    if (first.height > ctx.height)
      reject("EVIDENCE_FROM_FUTURE", "the votes are for a height not yet reached");
    if (
      !verifySignedVote(ctx.signatures, ctx.chainId, first) ||
      !verifySignedVote(ctx.signatures, ctx.chainId, second)
    ) {
      reject("EVIDENCE_BAD_SIGNATURE", "a vote's signature does not verify");
    }
    const validatorHex = toHex(first.validator);
    const wasValidator = validatorsForHeight(ctx.state, first.height).some((v) =>
      bytesEqual(v.publicKey, first.validator),
    );
    if (!wasValidator) reject("EVIDENCE_NOT_VALIDATOR", "the signer was not a validator at that height");
    const key = evidenceKey(validatorHex, first.height, first.round, first.voteType);
    if (ctx.state.get(key) !== undefined) reject("EVIDENCE_DUPLICATE", "this offence is already on record");
    const record: EvidenceRecord = {
      validator: validatorHex,
      height: first.height,
      round: first.round,
      voteType: first.voteType,
      reportedHeight: ctx.height,
      reporter: toHex(ctx.sender),
    };
    ctx.state.set(key, encode(evidenceRecordCodec, record));
    ctx.emit(
      appEvent("doubleSignEvidence", {
        validator: validatorHex,
        height: first.height,
        round: first.round,
        voteType: voteTypeName(first.voteType),
      }),
    );
  },
};
