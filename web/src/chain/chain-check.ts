import { VALIDATORS_KEY, validatorSetCodec } from "../../../src/app/genesis.js";
import type { Suite } from "../../../src/crypto/suite.js";
import type { BlockHeader } from "../../../src/ledger/block.js";
import { bytesEqual, fromHex, toHex } from "../../../src/ledger/bytes.js";
import { decode } from "../../../src/ledger/codec.js";
import { type Validator, validatorSetHash } from "../../../src/ledger/validators.js";
import type { BlockJson } from "../../../src/sdk/client.js";
import { VerificationError, verifyBlock, verifyStateValue } from "../../../src/sdk/verify.js";
import { client } from "./client.js";

/**
 * The chain checked from genesis in this browser: every header links to the one before it,
 * every commit certificate is signed by more than 2/3 of the power of the set that header
 * names, and when a header announces a new set for the next height (governance), the new set is
 * read with a state proof against that verified header and must hash to what it announced.
 * The only thing taken on trust is the genesis validator set, whose hash is shown so that it can
 * be compared with the genesis file.
 */

/** One checked block, as the auditor's CSV lists it. */
export interface CheckedBlock {
  height: bigint;
  hash: string;
  timeMs: bigint;
  txs: number;
  validatorSetHash: string;
  signatures: number;
}

export interface ChainCheckProgress {
  height: bigint;
  tip: bigint;
  block: CheckedBlock;
  /** Heights at which the validator set changed, and the new set's hash. */
  changes: Array<{ height: bigint; setHash: string }>;
}

export interface CheckedChain {
  genesisSetHash: string;
  tip: bigint;
  tipHash: string;
  /** The set that signs heights from `from` on, in order of height. */
  sets: Array<{ from: bigint; validators: Validator[] }>;
  changes: ChainCheckProgress["changes"];
}

/** How many blocks the check asks the node for at once (no range route: one request per block). */
const FETCH_BATCH = 16n;

function fail(message: string): never {
  throw new VerificationError("VERIFICATION_FAILED", message);
}

/** A validator set as the chain stores it, proven against a header this browser has verified (or, for genesis, checked by hash). */
async function provenSet(
  suite: Suite,
  height: bigint,
  header: BlockHeader | undefined,
): Promise<Validator[]> {
  const answer = await client.state(VALIDATORS_KEY, height);
  if (answer.value === null) fail(`no validator set in state at height ${height}`);
  const value =
    header === undefined
      ? fromHex(answer.value)
      : verifyStateValue(suite, { ...answer, header: null }, header);
  if (value === undefined) fail(`no validator set in state at height ${height}`);
  return decode(validatorSetCodec, value).map((v) => ({ publicKey: v.publicKey, power: v.power }));
}

/**
 * The genesis validator set: the state's set at height 0, which must hash to block 1's
 * validatorSetHash (and block 1's certificate is then checked with it).
 */
export async function genesisSet(suite: Suite, first: BlockJson): Promise<Validator[]> {
  const set = await provenSet(suite, 0n, undefined).catch(() => provenSet(suite, 1n, undefined));
  if (toHex(validatorSetHash(suite.hash, set)) !== first.header.validatorSetHash)
    fail("the node's genesis validator set does not hash to block 1's validator set hash");
  return set;
}

export class ChainChecker {
  private sets: Array<{ from: bigint; validators: Validator[] }> = [];
  private checkedTo = 0n;
  private previous: { hash: string; header: BlockHeader } | undefined;
  private genesisSetHash = "";
  private readonly changes: ChainCheckProgress["changes"] = [];

  constructor(private readonly suite: Suite) {}

  /** The set that signs `height`, for heights up to the last one checked + 1. */
  setAt(height: bigint): Validator[] {
    let found: Validator[] | undefined;
    for (const s of this.sets) if (s.from <= height) found = s.validators;
    if (found === undefined) fail(`no checked validator set for height ${height}`);
    return found;
  }

  get checkedHeight(): bigint {
    return this.checkedTo;
  }

  /**
   * Checks heights after the last checked one up to `tip`, reporting progress after each block
   * checked (not fetched). Blocks are fetched FETCH_BATCH at a time in parallel, and checked in
   * order of height as each batch arrives.
   */
  async checkTo(tip: bigint, onProgress?: (p: ChainCheckProgress) => void): Promise<CheckedChain> {
    for (let from = this.checkedTo + 1n; from <= tip; from += FETCH_BATCH) {
      const last = from + FETCH_BATCH - 1n < tip ? from + FETCH_BATCH - 1n : tip;
      const heights: bigint[] = [];
      for (let h = from; h <= last; h++) heights.push(h);
      const blocks = await Promise.all(heights.map((h) => client.block(h)));
      for (const [i, block] of blocks.entries()) await this.checkBlock(heights[i]!, block, tip, onProgress);
    }
    return {
      genesisSetHash: this.genesisSetHash,
      tip: this.checkedTo,
      tipHash: this.previous?.hash ?? "",
      sets: this.sets,
      changes: this.changes,
    };
  }

  /** One block after the last checked: its set, certificate, link, and any set it announces. */
  private async checkBlock(
    h: bigint,
    block: BlockJson,
    tip: bigint,
    onProgress?: (p: ChainCheckProgress) => void,
  ): Promise<void> {
    const suite = this.suite;
    if (h === 1n) {
      const set = await genesisSet(suite, block);
      this.sets = [{ from: 1n, validators: set }];
      this.genesisSetHash = toHex(validatorSetHash(suite.hash, set));
    }
    const validators = this.setAt(h);
    if (block.header.validatorSetHash !== toHex(validatorSetHash(suite.hash, validators)))
      fail(`block ${h} names a validator set the chain did not announce`);
    const header = verifyBlock(suite, block, validators);
    if (header.height !== h) fail(`the node sent block ${header.height} for height ${h}`);
    if (this.previous && toHex(header.previousHash) !== this.previous.hash)
      fail(`block ${h} does not link to block ${h - 1n}`);
    if (!bytesEqual(header.nextValidatorSetHash, header.validatorSetHash)) {
      const next = await provenSet(suite, h, header);
      const nextHash = toHex(validatorSetHash(suite.hash, next));
      if (nextHash !== toHex(header.nextValidatorSetHash))
        fail(`the set in state after block ${h} is not the one its header announced`);
      this.sets.push({ from: h + 1n, validators: next });
      this.changes.push({ height: h + 1n, setHash: nextHash });
    }
    this.previous = { hash: block.hash, header };
    this.checkedTo = h;
    onProgress?.({
      height: h,
      tip,
      changes: this.changes,
      block: {
        height: h,
        hash: block.hash,
        timeMs: header.timeMs,
        txs: block.txs.length,
        validatorSetHash: toHex(header.validatorSetHash),
        signatures: block.commit?.signatures.length ?? 0,
      },
    });
  }

  /**
   * A verified header at `height`: from the checked history when the set is known there,
   * otherwise after checking the chain up to it.
   */
  async header(height: bigint): Promise<{ header: BlockHeader; block: BlockJson }> {
    if (height > this.checkedTo + 1n) await this.checkTo(height - 1n);
    if (this.checkedTo === 0n) await this.checkTo(1n);
    const block = await client.block(height);
    return { header: verifyBlock(this.suite, block, this.setAt(height)), block };
  }
}

const checkers = new Map<string, ChainChecker>();

/** One checker per chain and tab: a second Verify continues where the first one stopped. */
export function chainChecker(suite: Suite, chainId: string): ChainChecker {
  let checker = checkers.get(chainId);
  if (!checker) {
    checker = new ChainChecker(suite);
    checkers.set(chainId, checker);
  }
  return checker;
}

/** A checker that has just checked from genesis becomes the tab's: later Verify clicks continue from it. */
export function adoptChainChecker(chainId: string, checker: ChainChecker): void {
  checkers.set(chainId, checker);
}
