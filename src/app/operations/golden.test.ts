// Golden vectors of every operation outside marketing (marketing's are in its own module):
// the exact bytes of operationCodec, tag and body. A new operation must add its vector here.
import { describe, expect, it } from "vitest";
import { toHex } from "../../ledger/bytes.js";
import { encode } from "../../ledger/codec.js";
import { golden } from "../../ledger/golden.test-util.js";
import { MARKETING_OPERATIONS } from "../marketing/operations.js";
import { OPERATIONS, type Operation, operationCodec } from "./index.js";

type CoreKind = Exclude<Operation["kind"], keyof typeof MARKETING_OPERATIONS>;
type Sample = { [K in CoreKind]: { value: Extract<Operation, { kind: K }>["value"]; hex: string } };

const b = (length: number, byte: number) => new Uint8Array(length).fill(byte);
const vote = (blockByte: number) => ({
  voteType: 1 as const,
  height: 9n,
  round: 2,
  blockHash: b(32, blockByte),
  timestampMs: 0n,
  validator: b(32, 0x0e),
  signature: b(64, 0x5e),
});

const SAMPLES: Sample = {
  transfer: {
    value: { to: b(20, 0xa1), amountFen: 12_345n, memo: "rent" },
    hex: "0001a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a100000000000030390000000472656e74",
  },
  registerOrganisation: {
    value: { id: "org7", name: "Seventh", caCertificate: b(3, 0xc1), tlsCaCertificate: b(2, 0xc2) },
    hex: "0064000000046f72673700000007536576656e746800000003c1c1c10100000002c2c2",
  },
  registerIdentity: { value: { certificate: b(4, 0xce) }, hex: "006500000004cececece" },
  revokeCertificate: {
    value: { code: b(10, 0x0c), reason: "keyCompromise" },
    hex: "00660c0c0c0c0c0c0c0c0c0c0000000d6b6579436f6d70726f6d697365",
  },
  rotateKey: {
    value: { code: b(10, 0x0d), certificate: b(2, 0xcf) },
    hex: "00670d0d0d0d0d0d0d0d0d0d00000002cfcf",
  },
  proposeValidatorChange: {
    value: { proposalId: "add-node5", changes: [{ name: "node5", publicKey: b(65, 0x04), power: 10n }] },
    hex: "012c000000096164642d6e6f64653500000001000000056e6f646535000000410404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404000000000000000a",
  },
  approveValidatorChange: { value: { proposalId: "add-node5" }, hex: "012d000000096164642d6e6f646535" },
  reportDoubleSign: {
    value: { first: vote(0xb1), second: vote(0xb2) },
    hex: "01360100000000000000090000000201b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000000000000000000000200e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e000000405e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e0100000000000000090000000201b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b20000000000000000000000200e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e000000405e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
  },
};

describe("operation golden vectors", () => {
  it("cover every operation outside marketing", () => {
    const core = Object.keys(OPERATIONS).filter((kind) => !(kind in MARKETING_OPERATIONS));
    expect(Object.keys(SAMPLES).sort()).toEqual(core.sort());
  });

  for (const [kind, sample] of Object.entries(SAMPLES)) {
    it(kind, () => {
      const op = { kind, value: sample.value } as Operation;
      golden(kind, toHex(encode(operationCodec, op)), sample.hex);
    });
  }
});
