import { compareBytes, toHex } from "../../ledger/bytes.js";
import { bytes, type CodecType, decode, encode, list, string, struct, u64 } from "../../ledger/codec.js";
import { type GenesisValidator, VALIDATORS_KEY, validatorSetCodec } from "../genesis.js";
import type { StateOverlay, StateReader } from "../state.js";
import { GovernanceError } from "./errors.js";

/**
 * Validator-set changes. A change approved by governance in block A is scheduled for height
 * A + VALIDATOR_CHANGE_DELAY: the consensus engine learns of it when A commits, before the
 * height it applies to starts (the core refuses changes to a height already under way), and
 * the app writes the new set at the end of the block before it, so that block's header names
 * the new set as its nextValidatorSetHash.
 */
export const VALIDATOR_CHANGE_DELAY = 2n;
export const MAX_VALIDATORS = 100;

export const validatorChangeCodec = struct({ name: string(64), publicKey: bytes(65), power: u64 });
export type ValidatorChange = CodecType<typeof validatorChangeCodec>;

const scheduledSetCodec = struct({
  effectiveHeight: u64,
  proposalId: string(64),
  validators: validatorSetCodec,
});
export type ScheduledValidatorSet = CodecType<typeof scheduledSetCodec>;

export const SCHEDULED_SET_KEY = new TextEncoder().encode("validators/scheduled");
/**
 * The set a change replaced, and the last height it signed: the block after a change carries
 * the commit certificate of the block before it, which the old set signed.
 */
export const PREVIOUS_SET_KEY = new TextEncoder().encode("validators/previous");
const previousSetCodec = struct({ lastHeight: u64, validators: validatorSetCodec });

/** The validators that sign (and whose power counts for) block `height`, given state after height - 1 or later. */
export function validatorsForHeight(state: StateReader, height: bigint): GenesisValidator[] {
  const previous = state.get(PREVIOUS_SET_KEY);
  if (previous !== undefined) {
    const entry = decode(previousSetCodec, previous);
    if (height <= entry.lastHeight) return entry.validators;
  }
  return readValidators(state);
}

export function readValidators(state: StateReader): GenesisValidator[] {
  const bytesValue = state.get(VALIDATORS_KEY);
  return bytesValue === undefined ? [] : decode(validatorSetCodec, bytesValue);
}

export function readScheduledSet(state: StateReader): ScheduledValidatorSet | undefined {
  const value = state.get(SCHEDULED_SET_KEY);
  return value === undefined ? undefined : decode(scheduledSetCodec, value);
}

/**
 * The set after `changes`: power 0 removes a validator, any other power adds it or sets its
 * power. The result is sorted by public key, non-empty and bounded.
 */
export function applyChanges(
  current: readonly GenesisValidator[],
  changes: readonly ValidatorChange[],
): GenesisValidator[] {
  const byKey = new Map(current.map((v) => [toHex(v.publicKey), v]));
  const touched = new Set<string>();
  for (const change of changes) {
    const key = toHex(change.publicKey);
    if (touched.has(key)) {
      throw new GovernanceError(
        "VALIDATOR_CHANGE_DUPLICATE",
        `validator ${key.slice(0, 16)}… appears twice in one change`,
      );
    }
    touched.add(key);
    if (change.power === 0n) {
      if (!byKey.delete(key))
        throw new GovernanceError("VALIDATOR_UNKNOWN", `no validator ${key.slice(0, 16)}… to remove`);
    } else {
      byKey.set(key, { name: change.name, publicKey: change.publicKey, power: change.power });
    }
  }
  const next = [...byKey.values()].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  if (next.length === 0)
    throw new GovernanceError("VALIDATOR_SET_EMPTY", "a change may not remove every validator");
  if (next.length > MAX_VALIDATORS) {
    throw new GovernanceError("VALIDATOR_SET_TOO_LARGE", `at most ${MAX_VALIDATORS} validators`);
  }
  return next;
}

export function scheduleValidatorSet(state: StateOverlay, scheduled: ScheduledValidatorSet): void {
  state.set(SCHEDULED_SET_KEY, encode(scheduledSetCodec, scheduled));
}

/** End of block `height`: a set scheduled for the next height becomes the validator set. */
export function applyScheduledValidatorSet(state: StateOverlay, height: bigint): boolean {
  const scheduled = readScheduledSet(state);
  if (scheduled === undefined || scheduled.effectiveHeight !== height + 1n) return false;
  state.set(
    PREVIOUS_SET_KEY,
    encode(previousSetCodec, { lastHeight: height, validators: readValidators(state) }),
  );
  state.set(VALIDATORS_KEY, encode(validatorSetCodec, scheduled.validators));
  state.delete(SCHEDULED_SET_KEY);
  return true;
}

export const validatorChangesCodec = list(validatorChangeCodec, MAX_VALIDATORS);
