import type { Verdict } from "../../consensus/index.js";
import { blockHash } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import { verifyCommit } from "../../ledger/commit.js";
import type { Chain } from "../chain.js";
import { blockTimeAfter } from "./block-time.js";
import type { PreparedBlocks } from "./prepared-blocks.js";
import { isInputError, type Refusals } from "./refusals.js";
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
): Verdict {
  const known = prepared.get(valueId);
  if (known !== undefined) return { valid: true, blockTimeMs: Number(known.prepared.block.header.timeMs) };
  let payload: ProposalPayload;
  try {
    payload = decodeProposalPayload(payloadBytes);
  } catch (error) {
    if (!isInputError(error)) throw error;
    refusals.refuse("unknown", "proposal with an undecodable block", { height, err: error.message });
    return INVALID;
  }
  const { header } = payload;
  const source = toHex(header.proposer);
  try {
    if (toHex(blockHash(chain.suite, header)) !== valueId || header.height !== BigInt(height)) {
      refusals.refuse(source, "proposal whose block is not the one named", { height });
      return INVALID;
    }
    const previous = chain.latestBlock();
    if (payload.lastCommit !== undefined) {
      const signers = chain.validatorsAt(previous.header.height);
      const check = verifyCommit(chain.suite, previous.header, payload.lastCommit, signers);
      if (!check.ok) {
        refusals.refuse(source, "proposal carries a bad last commit", { height, reason: check.reason });
        return INVALID;
      }
    }
    if (blockTimeAfter(chain, previous, payload.lastCommit) !== header.timeMs) {
      refusals.refuse(source, "proposal's block time is not the BFT time of its last commit", { height });
      return INVALID;
    }
    prepared.keep(valueId, { prepared: chain.executeBlock(header, payload.txs), payload });
    return { valid: true, blockTimeMs: Number(header.timeMs) };
  } catch (error) {
    if (!isInputError(error)) throw error;
    refusals.refuse(source, "invalid proposal", { height, code: error.code, err: error.message });
    return INVALID;
  }
}
