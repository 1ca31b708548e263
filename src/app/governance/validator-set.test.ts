import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../ledger/bytes.js";
import { encode } from "../../ledger/codec.js";
import { VALIDATORS_KEY, validatorSetCodec } from "../genesis.js";
import { StateOverlay } from "../state.js";
import {
  applyChanges,
  applyScheduledValidatorSet,
  readScheduledSet,
  readValidators,
  scheduleValidatorSet,
  validatorsForHeight,
} from "./validator-set.js";

const key = (n: number) => new Uint8Array(65).fill(n);
const v = (n: number, power: bigint) => ({ name: `v${n}`, publicKey: key(n), power });

describe("validator-set changes", () => {
  it("adds, re-weights and removes, and refuses what cannot apply", () => {
    const current = [v(1, 10n), v(2, 10n), v(3, 10n)];
    const next = applyChanges(current, [
      { name: "v4", publicKey: key(4), power: 5n },
      { name: "v2", publicKey: key(2), power: 20n },
      { name: "v3", publicKey: key(3), power: 0n },
    ]);
    expect(next.map((x) => [x.name, x.power])).toEqual([
      ["v1", 10n],
      ["v2", 20n],
      ["v4", 5n],
    ]);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as { code: string }).code;
      }
      return undefined;
    };
    expect(code(() => applyChanges(current, [{ name: "x", publicKey: key(9), power: 0n }]))).toBe(
      "VALIDATOR_UNKNOWN",
    );
    expect(code(() => applyChanges([v(1, 1n)], [{ name: "v1", publicKey: key(1), power: 0n }]))).toBe(
      "VALIDATOR_SET_EMPTY",
    );
    expect(
      code(() =>
        applyChanges(current, [
          { name: "a", publicKey: key(4), power: 1n },
          { name: "b", publicKey: key(4), power: 2n },
        ]),
      ),
    ).toBe("VALIDATOR_CHANGE_DUPLICATE");
  });

  it("gives a result sorted by key whatever order the changes come in", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([1, 2, 3, 4, 5, 6], { minLength: 1 }), (order) => {
        const changes = order.map((n) => ({ name: `v${n}`, publicKey: key(n), power: BigInt(n) }));
        const keys = applyChanges([v(9, 1n)], changes).map((x) => toHex(x.publicKey));
        expect(keys).toEqual([...keys].sort());
      }),
    );
  });

  it("takes effect at the end of the block before its height, keeping the old set for that block's certificate", () => {
    const state = new StateOverlay({ get: () => undefined });
    state.set(VALIDATORS_KEY, encode(validatorSetCodec, [v(1, 10n)]));
    scheduleValidatorSet(state, {
      effectiveHeight: 12n,
      proposalId: "p",
      validators: [v(1, 10n), v(2, 10n)],
    });
    expect(applyScheduledValidatorSet(state, 10n)).toBe(false);
    expect(readValidators(state)).toHaveLength(1);
    expect(applyScheduledValidatorSet(state, 11n)).toBe(true);
    expect(readScheduledSet(state)).toBeUndefined();
    expect(readValidators(state)).toHaveLength(2);
    expect(validatorsForHeight(state, 11n)).toHaveLength(1);
    expect(validatorsForHeight(state, 12n)).toHaveLength(2);
  });
});
