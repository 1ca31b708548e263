// Golden vectors of every operation outside marketing (marketing's are in its own module):
// the exact bytes of operationCodec, tag and body. A new operation must add its vector here.
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../ledger/bytes.js";
import { decode, encode } from "../../ledger/codec.js";
import { golden } from "../../ledger/golden.test-util.js";
import { MARKETING_OPERATIONS } from "../marketing/operations.js";
import { OPERATIONS, type Operation, operationCodec, RETIRED_OPERATION_TAGS } from "./index.js";

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
  registerIdentity: { value: { certificate: b(4, 0xce) }, hex: "006500000004cececece" },
  revokeCertificate: {
    value: { code: b(10, 0x0c), reason: "keyCompromise" },
    hex: "00660c0c0c0c0c0c0c0c0c0c0000000d6b6579436f6d70726f6d697365",
  },
  rotateKey: {
    value: { code: b(10, 0x0d), certificate: b(2, 0xcf) },
    hex: "00670d0d0d0d0d0d0d0d0d0d00000002cfcf",
  },
  // Every governance action, in one proposal: tag 302, then the actions as a tagged union (u8).
  proposeGovernance: {
    value: {
      proposalId: "p6",
      actions: [
        { kind: "changeValidators", value: { changes: [{ name: "n5", publicKey: b(2, 0x04), power: 10n }] } },
        {
          kind: "admitOrganisation",
          value: { id: "org7", name: "S", caCertificate: b(2, 0xc1), tlsCaCertificate: undefined },
        },
        { kind: "removeOrganisation", value: { id: "org3" } },
        { kind: "addObserver", value: { certificate: b(2, 0xce) } },
        { kind: "removeObserver", value: { publicKey: b(2, 0x05) } },
        { kind: "renewNodeCertificate", value: { certificate: b(2, 0xcf) } },
      ],
    },
    hex: "012e000000027036000000060100000001000000026e35000000020404000000000000000a02000000046f726737000000015300000002c1c10003000000046f7267330400000002cece050000000205050600000002cfcf",
  },
  // Unchanged bytes since protocol 1: tag 301 kept its body when it came to approve any proposal.
  approveProposal: { value: { proposalId: "add-node5" }, hex: "012d000000096164642d6e6f646535" },
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

  // Bytes a retired tag once meant: they must never decode again (protocol 8 retired tag 100).
  it("refuses retired tags, registerOrganisation's old bytes included", () => {
    const oldRegisterOrganisation = "0064000000046f72673700000007536576656e746800000003c1c1c10100000002c2c2";
    expect(() => decode(operationCodec, fromHex(oldRegisterOrganisation))).toThrow();
    for (const tag of RETIRED_OPERATION_TAGS) {
      expect(Object.values(OPERATIONS).some((op) => op.tag === tag)).toBe(false);
      expect(() => decode(operationCodec, Uint8Array.of(tag >> 8, tag & 0xff, 0, 0, 0, 0))).toThrow();
    }
  });

  for (const [kind, sample] of Object.entries(SAMPLES)) {
    it(kind, () => {
      const op = { kind, value: sample.value } as Operation;
      golden(kind, toHex(encode(operationCodec, op)), sample.hex);
    });
  }
});
