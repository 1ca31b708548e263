// Transaction results are hashed into resultsRoot: they hold the stable code and details only,
// so rewording an error message can never change the hash of a block already committed.
import { describe, expect, it } from "vitest";
import { toHex } from "../ledger/bytes.js";
import { encode } from "../ledger/codec.js";
import { describeResult, encodeTxResults, resultDetails, txResultCodec, txResultsCodec } from "./events.js";
import { pemOf, TestChain } from "./identity/testkit.test-util.js";

describe("transaction results", () => {
  it("encode the code and sorted details, never a message (fixed bytes)", () => {
    const result = {
      code: "INSUFFICIENT_FUNDS",
      details: resultDetails({ balanceFen: 5n, amountFen: "7" }),
      events: [],
    };
    expect(result.details.map((d) => d.key)).toEqual(["amountFen", "balanceFen"]);
    expect(toHex(encode(txResultCodec, result))).toBe(
      "00000012494e53554646494349454e545f46554e44530000000200000009616d6f756e7446656e0000000137" +
        "0000000a62616c616e636546656e000000013500000000",
    );
    expect(describeResult(result)).toBe("INSUFFICIENT_FUNDS (amountFen=7, balanceFen=5)");
  });

  it("are stored from their own encodings as the bytes the list codec makes", () => {
    const results = [
      {
        code: "OK",
        details: [],
        events: [{ type: "transfer", attributes: [{ key: "amountFen", value: "1" }] }],
      },
      { code: "INSUFFICIENT_FUNDS", details: resultDetails({ balanceFen: 5n }), events: [] },
    ];
    for (const some of [[], results.slice(0, 1), results])
      expect(encodeTxResults(some.map((r) => encode(txResultCodec, r)))).toEqual(
        encode(txResultsCodec, some),
      );
  });

  it("cut long detail text, so a detail always has an encoding", () => {
    const [detail] = resultDetails({ reason: "字".repeat(500) });
    expect(() => encode(txResultCodec, { code: "X", details: [detail!], events: [] })).not.toThrow();
  });

  it("an executed failure carries the error's code and details; its message is not hashed", () => {
    let admin!: ReturnType<TestChain["member"]>;
    const chain = new TestChain("ecdsa-p256", ["org1"], (c) => {
      admin = c.member("org1", "org-admin");
      return [{ role: "org-admin", certificate: pemOf(admin) }];
    });
    const result = chain.run(admin.keys, {
      kind: "transfer",
      value: { to: new Uint8Array(20).fill(7), amountFen: 10n, memo: "" },
    });
    expect(result).toEqual({
      code: "INSUFFICIENT_FUNDS",
      details: [
        { key: "amountFen", value: "10" },
        { key: "balanceFen", value: "0" },
      ],
      events: [],
    });
    const bytes = new TextDecoder().decode(encode(txResultCodec, result));
    expect(bytes).not.toContain("less than");
  });
});
