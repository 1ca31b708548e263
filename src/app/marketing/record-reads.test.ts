import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, utf8Bytes } from "../../ledger/bytes.js";
import { encode } from "../../ledger/codec.js";
import { USER_CODE_BYTES } from "../../pki/user-code.js";
import { keys, ORDER_STATUSES, orderCodec, orderStatusOf } from "./records.js";

describe("marketing records read in part", () => {
  it("a tier volume key is its bucket's common start followed by the index", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 32 }),
        fc.uint8Array({ minLength: USER_CODE_BYTES, maxLength: USER_CODE_BYTES }),
        fc.constantFrom(1, 16),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        (org, code, days, index) => {
          const start = keys.tierVolume(org, code, days, "");
          expect(concatBytes(start, utf8Bytes(String(index)))).toEqual(
            keys.tierVolume(org, code, days, index),
          );
        },
      ),
    );
  });

  it("an order's status is read from its leading fields alone", () => {
    for (const status of ORDER_STATUSES) {
      const bytes = encode(orderCodec, {
        id: 7n,
        basketId: 7n,
        line: 0,
        lines: 2,
        enterprise: "org1",
        sku: "TEA-\u8336",
        quantity: 3,
        channel: "online",
        listValueFen: 900n,
        unitCostFen: 100n,
        status,
        referralCode: "R1",
        marketer: new Uint8Array(USER_CODE_BYTES).fill(5),
        buyerCommitment: new Uint8Array(32),
        buyerCode: undefined,
        selfReferral: false,
        inTierVolume: true,
        receivedFen: 900n,
        refundedFen: 0n,
        returnedUnits: 0,
        createdAtMs: 1n,
        deliveredAtMs: 2n,
        dueAtMs: 3n,
        completedAtMs: 4n,
        netAtCompletionFen: 900n,
        lastReason: "delivered",
      });
      expect(orderStatusOf(bytes)).toBe(status);
    }
  });
});
