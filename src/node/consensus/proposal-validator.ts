import { isInvalidInput } from "../../app/errors.js";
import type { Verdict } from "../../consensus/index.js";
import { blockHash, lastCommitHash } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import type { Chain } from "../chain.js";
import type { PreparedBlocks } from "./prepared-blocks.js";
import type { Refusals } from "./refusals.js";
import { decodeProposalPayload, type ProposalPayload } from "./wire.js";

const INVALID: Verdict = { valid: false };

/**
 * valid(v) of the paper for a proposed block: it decodes, its hash is `valueId`, it follows our
 * head, the certificate it carries for our head verifies, its time is that certificate's BFT
 * time, and it re-executes to exactly its header. A valid block stays prepared for the commit.
 */
export function validateProposal(
  chain: Chain,
  prepared: PreparedBlocks,
  refusals: Refusals,
  height: number,
  valueId: string,
  payloadBytes: Uint8Array,
  /** A deliberate bug (EngineFault): fit the header to whatever certificate the payload carries. */
  trustCarriedCertificate = false,
  /** The payload already decoded from exactly `payloadBytes` (the engine did when it arrived). */
  decoded?: ProposalPayload,
): Verdict {
  const known = prepared.get(valueId);
  if (known !== undefined) return { valid: true, blockTimeMs: Number(known.prepared.block.header.timeMs) };
  let payload: ProposalPayload;
  try {
    payload = decoded ?? decodeProposalPayload(payloadBytes);
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    refusals.refuse("unknown", "proposal with an undecodable block", { height, err: error.message });
    return INVALID;
  }
  const header = trustCarriedCertificate
    ? { ...payload.header, lastCommitHash: lastCommitHash(chain.suite, payload.lastCommit) }
    : payload.header;
  const source = toHex(header.proposer);
  try {
    const named = toHex(blockHash(chain.suite, payload.header)) === valueId;
    if (!named || header.height !== BigInt(height)) {
      refusals.refuse(source, "proposal whose block is not the one named", { height });
      return INVALID;
    }
    // The chain checks the certificate the block carries for our head, and the block's time.
    prepared.keep(valueId, {
      prepared: chain.executeBlock(header, payload.txs, payload.lastCommit),
      payload,
    });
    return { valid: true, blockTimeMs: Number(header.timeMs) };
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    refusals.refuse(source, "invalid proposal", { height, code: error.code, err: error.message });
    return INVALID;
  }
}
