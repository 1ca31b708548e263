import { bftTime, ValidatorSet, type Vote } from "../../consensus/index.js";
import type { Block, CommitCertificate } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import type { Chain } from "../chain.js";

/**
 * The time the block after `previous` must carry: the BFT time (power-weighted median) of the
 * certificate it brings for `previous`; after genesis, which has none, genesis time + 1.
 * Undefined when no time is possible (a missing or unusable certificate).
 */
export function blockTimeAfter(
  chain: Chain,
  previous: Block,
  lastCommit: CommitCertificate | undefined,
): bigint | undefined {
  if (previous.header.height === 0n)
    return lastCommit === undefined ? previous.header.timeMs + 1n : undefined;
  if (lastCommit === undefined) return undefined;
  const votes: Vote[] = lastCommit.signatures.map((s) => ({
    type: "precommit",
    height: Number(lastCommit.height),
    round: lastCommit.round,
    valueId: toHex(lastCommit.blockHash),
    validator: toHex(s.validator),
    timestampMs: Number(s.timestampMs),
  }));
  const signers = chain
    .validatorsAt(lastCommit.height)
    .map((v) => ({ id: toHex(v.publicKey), power: v.power }));
  const time = bftTime(votes, new ValidatorSet(signers));
  return time === undefined ? undefined : BigInt(time);
}
