// Golden vectors of what nodes send one another: consensus messages inside the p2p data
// frames, and the p2p hello. A change here is a protocol version bump, made on purpose.
import { describe, it } from "vitest";
import type { BlockHeader, CommitCertificate } from "../ledger/block.js";
import { toHex } from "../ledger/bytes.js";
import { golden } from "../ledger/golden.test-util.js";
import { encodeCompactPayload, encodePeerMessage, encodeProposalPayload } from "./consensus/wire.js";
import { helloSignBytes } from "./p2p/hello.js";
import { encodeWire } from "./p2p/wire.js";

const h = (byte: number, length = 32) => new Uint8Array(length).fill(byte);

const header: BlockHeader = {
  chainId: "mkl-golden",
  height: 2n,
  timeMs: 1_767_225_600_000n,
  previousHash: h(0x11),
  lastCommitHash: h(0x12),
  txRoot: h(0x22),
  resultsRoot: h(0x33),
  stateRoot: h(0x44),
  proposer: h(0x0a),
  validatorSetHash: h(0x55),
  nextValidatorSetHash: h(0x55),
};
const lastCommit: CommitCertificate = {
  height: 1n,
  round: 0,
  blockHash: h(0x11),
  signatures: [{ validator: h(0x0a), timestampMs: 1_767_225_600_000n, signature: h(0xa1, 64) }],
};

describe("node wire golden vectors", () => {
  it("proposal: payload (block and the certificate it carries) and the signed proposal", () => {
    const payload = encodeProposalPayload(
      { header, txs: [h(0x7a, 3)], lastCommit, commit: undefined },
      lastCommit,
    );
    golden(
      "proposal payload",
      toHex(payload),
      "0000000a6d6b6c2d676f6c64656e00000000000000020000019b76daa80011111111111111111111111111111111111111111111111111111111111111111212121212121212121212121212121212121212121212121212121212121212222222222222222222222222222222222222222222222222222222222222222233333333333333333333333333333333333333333333333333333333333333334444444444444444444444444444444444444444444444444444444444444444000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a5555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555500000001000000037a7a7a01000000000000000100000000111111111111111111111111111111111111111111111111111111111111111100000001000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0000019b76daa80000000040a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
    );
    const signed = {
      height: 2n,
      round: 1,
      validRound: 0,
      proposer: h(0x0a),
      payload: h(0xee, 4),
      signature: h(0xa3, 64),
    };
    golden(
      "proposal message",
      toHex(encodePeerMessage({ kind: "proposal", value: signed })),
      "010000000000000002000000010100000000000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a00000004eeeeeeee00000040a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3",
    );
    golden(
      "proposal message, no valid round",
      toHex(encodePeerMessage({ kind: "proposal", value: { ...signed, validRound: undefined } })),
      "0100000000000000020000000100000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a00000004eeeeeeee00000040a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3",
    );
  });

  it("compact proposal (protocol 11): the block's transactions by hash, and the request for the whole", () => {
    golden(
      "compact proposal payload",
      toHex(encodeCompactPayload({ header, txHashes: [h(0x7b)], lastCommit })),
      "0000000a6d6b6c2d676f6c64656e00000000000000020000019b76daa80011111111111111111111111111111111111111111111111111111111111111111212121212121212121212121212121212121212121212121212121212121212222222222222222222222222222222222222222222222222222222222222222233333333333333333333333333333333333333333333333333333333333333334444444444444444444444444444444444444444444444444444444444444444000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a55555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555000000017b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b01000000000000000100000000111111111111111111111111111111111111111111111111111111111111111100000001000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0000019b76daa80000000040a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
    );
    const signed = {
      height: 2n,
      round: 1,
      validRound: undefined,
      proposer: h(0x0a),
      payload: h(0xee, 4),
      signature: h(0xa3, 64),
    };
    golden(
      "compact proposal message",
      toHex(encodePeerMessage({ kind: "compactProposal", value: signed })),
      "0900000000000000020000000100000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a00000004eeeeeeee00000040a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3",
    );
    golden(
      "proposal request message",
      toHex(encodePeerMessage({ kind: "proposalRequest", value: { height: 2n, round: 1 } })),
      "0a000000000000000200000001",
    );
  });

  it("votes, transactions, status and block sync", () => {
    const vote = {
      voteType: 2 as const,
      height: 2n,
      round: 1,
      blockHash: h(0x77),
      timestampMs: 1_767_225_600_123n,
      validator: h(0x0a),
      signature: h(0xa2, 64),
    };
    golden(
      "vote message",
      toHex(encodePeerMessage({ kind: "vote", value: vote })),
      "02020000000000000002000000010177777777777777777777777777777777777777777777777777777777777777770000019b76daa87b000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a00000040a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2",
    );
    golden("tx message", toHex(encodePeerMessage({ kind: "tx", value: h(0x7a, 3) })), "03000000037a7a7a");
    golden(
      "status message",
      toHex(encodePeerMessage({ kind: "status", value: { height: 7n } })),
      "040000000000000007",
    );
    golden(
      "blocks request message",
      toHex(encodePeerMessage({ kind: "blocksRequest", value: { fromHeight: 8n, max: 32 } })),
      "05000000000000000800000020",
    );
    golden(
      "blocks message",
      toHex(encodePeerMessage({ kind: "blocks", value: [h(0xb0, 2), h(0xb1, 1)] })),
      "060000000200000002b0b000000001b1",
    );
    golden(
      "backfill request message",
      toHex(encodePeerMessage({ kind: "backfillRequest", value: { toHeight: 9n, max: 32 } })),
      "07000000000000000900000020",
    );
    golden(
      "backfill blocks message",
      toHex(
        encodePeerMessage({
          kind: "backfillBlocks",
          value: { toHeight: 9n, blocks: [{ block: h(0xb0, 2), results: h(0xc0, 1) }] },
        }),
      ),
      "0800000000000000090000000100000002b0b000000001c0",
    );
  });

  it("p2p hello: the frame message and the bytes it signs", () => {
    const ctx = {
      chainId: "mkl-golden",
      incarnation: h(0x1c, 16),
      role: "acceptor" as const,
      binding: h(0xbd),
    };
    golden(
      "hello sign bytes",
      toHex(helloSignBytes(h(0x0a), ctx)),
      "4d4b4c2f7032702d68656c6c6f2f76310000000a6d6b6c2d676f6c64656e000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c01bdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdbd",
    );
    const hello = {
      chainId: "mkl-golden",
      nodeId: h(0x0a),
      incarnation: h(0x1c, 16),
      signature: h(0xa4, 64),
    };
    golden(
      "hello message",
      toHex(encodeWire({ kind: "hello", value: hello })),
      "010000000a6d6b6c2d676f6c64656e000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c00000040a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4",
    );
    golden("data message", toHex(encodeWire({ kind: "data", value: h(0xda, 2) })), "0200000002dada");
    golden("ping message", toHex(encodeWire({ kind: "ping", value: null })), "03");
  });
});
