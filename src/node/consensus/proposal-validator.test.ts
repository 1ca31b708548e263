import { describe, expect, it } from "vitest";
import type { Block } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import { certify, growChain, manualTime, newChain, refusalsFor, validators } from "./engine-kit.test-util.js";
import { PreparedBlocks } from "./prepared-blocks.js";
import { validateProposal } from "./proposal-validator.js";
import { encodeProposalPayload } from "./wire.js";

function setup() {
  const chain = newChain();
  growChain(chain, 2);
  const previous = chain.latestBlock();
  const time = chain.nextBlockTime(previous.commit) as bigint;
  const proposer = (validators[1] as (typeof validators)[number]).publicKey.bytes;
  const prepared = chain.prepareBlock([], time, proposer);
  const { clock } = manualTime();
  const { refusals, refused } = refusalsFor(clock);
  return { chain, previous, time, proposer, prepared, refusals, refused, cache: new PreparedBlocks() };
}

describe("validateProposal", () => {
  it("accepts the block that follows our head with the BFT time of the certificate it carries, and keeps it", () => {
    const { chain, previous, prepared, refusals, cache } = setup();
    const valueId = toHex(prepared.hash);
    const payload = encodeProposalPayload(prepared.block, previous.commit);
    expect(validateProposal(chain, cache, refusals, 3, valueId, payload)).toEqual({
      valid: true,
      blockTimeMs: Number(prepared.block.header.timeMs),
    });
    expect(cache.get(valueId)?.prepared.hash).toEqual(prepared.hash);
  });

  it("refuses another time, a certificate that does not verify, a wrong value id or height, and junk", () => {
    const { chain, previous, time, proposer, prepared, refusals, refused, cache } = setup();
    const check = (valueId: string, payload: Uint8Array, height = 3) =>
      validateProposal(chain, cache, refusals, height, valueId, payload).valid;
    const late = chain.prepareBlock([], time + 1n, proposer);
    expect(check(toHex(late.hash), encodeProposalPayload(late.block, previous.commit))).toBe(false);
    const weak = certify(chain.blockAt(2n) as Block, validators.slice(0, 2)).commit;
    expect(check(toHex(prepared.hash), encodeProposalPayload(prepared.block, weak))).toBe(false);
    expect(check("00".repeat(32), encodeProposalPayload(prepared.block, previous.commit))).toBe(false);
    expect(check(toHex(prepared.hash), encodeProposalPayload(prepared.block, previous.commit), 4)).toBe(
      false,
    );
    expect(check(toHex(prepared.hash), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(refused.map((r) => r.reason)).toEqual([
      "invalid proposal", // BLOCK_BAD_TIME
      "invalid proposal", // BLOCK_LAST_COMMIT_MISMATCH
      "proposal whose block is not the one named",
      "proposal whose block is not the one named",
      "proposal with an undecodable block",
    ]);
    expect(cache.get(toHex(prepared.hash))).toBeUndefined();
  });
});
