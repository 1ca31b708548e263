// A broken invariant while validating a proposal or applying a synced block is a bug: it must
// escape (and stop the node), never become a nil vote or a refused block as bad input does.
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidBlockError } from "../../app/errors.js";
import { parseGenesis } from "../../app/genesis.js";
import { getSuite } from "../../crypto/index.js";
import { InvariantError } from "../../errors.js";
import { encodeBlock } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import { MemoryStore } from "../../storage/memory-store.js";
import { Chain } from "../chain.js";
import { BlockSync } from "./block-sync.js";
import { PreparedBlocks } from "./prepared-blocks.js";
import { validateProposal } from "./proposal-validator.js";
import { Refusals } from "./refusals.js";
import { encodeProposalPayload } from "./wire.js";

afterEach(() => vi.restoreAllMocks());

function setup() {
  const suite = getSuite("ed25519");
  const key = suite.generateKeyPair();
  const genesis = parseGenesis({
    chainId: "invariants",
    suite: "ed25519",
    genesisTimeMs: "1700000000000",
    validators: [{ name: "v0", publicKey: toHex(key.publicKey.bytes), power: "10" }],
  });
  const chain = Chain.open(new MemoryStore(), suite, genesis);
  const clock = { now: () => 0 };
  const refusals = new Refusals(pino({ level: "silent" }), clock, {});
  const prepared = chain.prepareBlock([], 1700000000001n, key.publicKey.bytes);
  const certified = chain.signCommit(prepared, [key], 1700000000002n);
  return { chain, clock, refusals, prepared, certified };
}

const bug = () => {
  throw new InvariantError("a broken invariant");
};
const badInput = () => {
  throw new InvalidBlockError("BLOCK_HEADER_MISMATCH", "bad input");
};

describe("an InvariantError", () => {
  it("while validating a proposal escapes; an invalid block is a nil vote", () => {
    const { chain, refusals, prepared } = setup();
    const payload = encodeProposalPayload(prepared.block, undefined);
    const validate = () =>
      validateProposal(chain, new PreparedBlocks(), refusals, 1, toHex(prepared.hash), payload);
    expect(validate()).toEqual({ valid: true, blockTimeMs: 1700000000001 });
    vi.spyOn(chain, "executeBlock").mockImplementation(badInput);
    expect(validate()).toEqual({ valid: false });
    vi.spyOn(chain, "executeBlock").mockImplementation(bug);
    expect(validate).toThrow(InvariantError);
  });

  it("while applying a synced block escapes; an invalid block is refused", () => {
    const { chain, clock, refusals, certified } = setup();
    const sync = new BlockSync({
      chain,
      clock,
      refusals,
      network: { broadcast: () => {}, send: () => true },
      onApplied: () => {},
    });
    const blocks = [encodeBlock(certified)];
    vi.spyOn(chain, "executeBlock").mockImplementation(badInput);
    expect(sync.apply("peer", blocks)).toBe(0);
    vi.spyOn(chain, "executeBlock").mockImplementation(bug);
    expect(() => sync.apply("peer", blocks)).toThrow(InvariantError);
    vi.restoreAllMocks();
    expect(sync.apply("peer", blocks)).toBe(1);
  });
});
