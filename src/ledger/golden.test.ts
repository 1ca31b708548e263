// Golden vectors: exact bytes of the encodings other nodes and clients depend on. A failure
// here means the wire format or a hash changed: that is a new protocol version, never a fix.
import { describe, expect, it } from "vitest";
import {
  type Block,
  type BlockHeader,
  blockHash,
  blockHeaderCodec,
  type CommitCertificate,
  commitCertificateCodec,
  encodeBlock,
  lastCommitHash,
} from "./block.js";
import { toHex } from "./bytes.js";
import { bytes, encode, struct, taggedUnion, u64 } from "./codec.js";
import { golden } from "./golden.test-util.js";
import { merkleRoot } from "./merkle.js";
import { signedVoteCodec } from "./signed-vote.js";
import { MemoryNodeStore } from "./state/memory-store.js";
import { proveAt, stateProofCodec, verifyStateProof } from "./state/proof.js";
import { applyBatch } from "./state/smt.js";
import { nobleEd25519, sha256, sm3 } from "./test-suites.test-util.js";
import { encodeSignedTx, makeTxCodecs, signTx, txHash } from "./tx.js";
import { validatorSetHash } from "./validators.js";
import { commitVoteSignBytes, prevoteSignBytes, proposalSignBytes } from "./vote.js";

const h = (byte: number) => new Uint8Array(32).fill(byte);
const utf8 = (s: string) => new TextEncoder().encode(s);

const header: BlockHeader = {
  chainId: "mkl-golden",
  height: 42n,
  timeMs: 1_767_225_600_000n,
  previousHash: h(0x11),
  lastCommitHash: h(0x12),
  txRoot: h(0x22),
  resultsRoot: h(0x33),
  stateRoot: h(0x44),
  proposer: new Uint8Array(65).fill(0x04),
  validatorSetHash: h(0x55),
  nextValidatorSetHash: h(0x66),
};

const opCodec = taggedUnion("u8", {
  transfer: { tag: 1, codec: struct({ to: bytes(65), amountFen: u64 }) },
});
type Op = Parameters<typeof opCodec.encode>[0];

describe("golden vectors", () => {
  it("block header encoding and hash", () => {
    golden(
      "header",
      toHex(encode(blockHeaderCodec, header)),
      "0000000a6d6b6c2d676f6c64656e000000000000002a0000019b76daa8001111111111111111111111111111111111111111111111111111111111111111121212121212121212121212121212121212121212121212121212121212121222222222222222222222222222222222222222222222222222222222222222223333333333333333333333333333333333333333333333333333333333333333444444444444444444444444444444444444444444444444444444444444444400000041040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040455555555555555555555555555555555555555555555555555555555555555556666666666666666666666666666666666666666666666666666666666666666",
    );
    golden(
      "blockHash sha256",
      toHex(blockHash({ hash: sha256 }, header)),
      "59031c8c83090ffc7db45464fee331c23500ac1430511b6a7fa40b4a7cde4f31",
    );
    golden(
      "blockHash sm3",
      toHex(blockHash({ hash: sm3 }, header)),
      "ea47e9740ab7f6c3bba258696881a90425730892e3ec2e7fa8e55861c9f9c35d",
    );
  });

  it("signed tx encoding and hash (ed25519 signatures are deterministic)", () => {
    const t = nobleEd25519();
    const alice = t.key(1);
    const codecs = makeTxCodecs<Op>(opCodec);
    const tx = signTx(
      t.suite,
      alice.privateKey,
      {
        chainId: "mkl-golden",
        sender: alice.publicKey,
        nonce: 3n,
        expiryHeight: 1000n,
        op: { kind: "transfer", value: { to: new Uint8Array(32).fill(0xb0), amountFen: 123_456_789n } },
      },
      codecs,
    );
    const encoded = encodeSignedTx(tx, codecs);
    golden(
      "tx",
      toHex(encoded),
      "0000000a6d6b6c2d676f6c64656e000000208d115d44563d894cd99daedb76b0bc859e5759ec03548ce1813e49eb7444a57b000000000000000300000000000003e80100000020b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b000000000075bcd150000004010ee8c7486ac0d60a682fd450bba8e7961b0b2b8bf8c55f0c3d3984c400e02c810915dbea507957fbcd3a18a7cfe2672eff4a36f868accd08b87316c3715960e",
    );
    golden(
      "txHash",
      toHex(txHash(t.suite, encoded)),
      "aec19a34ee131962114329ca6443797c139efd22906c6ec9f0f8dcab3fe003c8",
    );
  });

  it("state root, node and proof encodings", () => {
    // alice, carol and dave all have paths starting with bit 0, so the root's right child is empty.
    const store = new MemoryNodeStore();
    const changes = ["alice", "carol", "dave"].map((k, i) => ({ key: utf8(k), value: new Uint8Array([i]) }));
    const { root, newNodes } = applyBatch(store, sha256, new Uint8Array(32), changes);
    store.putAll(newNodes);
    golden("state root", toHex(root), "bbfb006f013addee35b8e0e193b7b3d44c58a010e65d9acc092cb46ac85a3ce2");
    golden(
      "root node bytes",
      toHex(store.get(root)!),
      "00652c10ef879a2937eb9065b0ddf73e1e90fb041f4b85f5d82cac58efbc35f0760000000000000000000000000000000000000000000000000000000000000000",
    );
    const aliceLeaf = [...newNodes.values()].find((b) => toHex(b).startsWith("0100000005616c696365"))!;
    golden("alice leaf bytes", toHex(aliceLeaf), "0100000005616c6963650000000100");
    const cases: Array<[string, Uint8Array | undefined, string, string]> = [
      [
        "carol",
        new Uint8Array([1]),
        "proof carol (present)",
        "000360296db7fec710ecbdc88dd1284d2d96b278c30e86c40ad7967fd9151f10d7c363437e7c09c4cb6df82de6c5cd8c547033f9ca6cb4ef56907db48b7e3d7c6d57aa014c26d9074c27d89ede59270c0ac14b71e071b15239519f75474b2f3ba63481f54bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
      ],
      [
        "bob",
        undefined,
        "proof bob (absent, empty end)",
        "000180652c10ef879a2937eb9065b0ddf73e1e90fb041f4b85f5d82cac58efbc35f07600",
      ],
      [
        "heidi",
        undefined,
        "proof heidi (absent, ends at alice)",
        "000240a57735bb1708972ed9319cd091fdf4cb5fe16326e4e5507af3f8cfaa57eaf01e012bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e906e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      ],
    ];
    for (const [key, value, name, want] of cases) {
      const proof = proveAt(store, sha256, root, utf8(key));
      expect(verifyStateProof(sha256, root, utf8(key), value, proof)).toBe(true);
      golden(name, toHex(encode(stateProofCodec, proof)), want);
    }
  });

  it("commit certificate, lastCommitHash, block with both certificates, signed vote", () => {
    const certificate: CommitCertificate = {
      height: 41n,
      round: 1,
      blockHash: h(0x11),
      signatures: [
        { validator: new Uint8Array(32).fill(0x0a), timestampMs: 1_767_225_599_000n, signature: h(0xa1) },
        { validator: new Uint8Array(32).fill(0x0b), timestampMs: 1_767_225_599_500n, signature: h(0xb1) },
      ],
    };
    golden(
      "commit certificate",
      toHex(encode(commitCertificateCodec, certificate)),
      "000000000000002900000001111111111111111111111111111111111111111111111111111111111111111100000002000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0000019b76daa41800000020a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1000000200b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0000019b76daa60c00000020b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1",
    );
    golden(
      "lastCommitHash none sha256",
      toHex(lastCommitHash({ hash: sha256 }, undefined)),
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    golden(
      "lastCommitHash sha256",
      toHex(lastCommitHash({ hash: sha256 }, certificate)),
      "a9c77554ad83db1151a2e3cd2c38f6c63bf04f3119a73b86922de6d38aba4bff",
    );
    const own: CommitCertificate = { ...certificate, height: 42n, round: 0, blockHash: h(0x99) };
    const block: Block = { header, txs: [utf8("tx-a"), utf8("tx-b")], lastCommit: certificate, commit: own };
    golden(
      "block",
      toHex(encodeBlock(block)),
      "0000000a6d6b6c2d676f6c64656e000000000000002a0000019b76daa8001111111111111111111111111111111111111111111111111111111111111111121212121212121212121212121212121212121212121212121212121212121222222222222222222222222222222222222222222222222222222222222222223333333333333333333333333333333333333333333333333333333333333333444444444444444444444444444444444444444444444444444444444444444400000041040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040455555555555555555555555555555555555555555555555555555555555555556666666666666666666666666666666666666666666666666666666666666666000000020000000474782d610000000474782d6201000000000000002900000001111111111111111111111111111111111111111111111111111111111111111100000002000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0000019b76daa41800000020a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1000000200b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0000019b76daa60c00000020b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b101000000000000002a00000000999999999999999999999999999999999999999999999999999999999999999900000002000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0000019b76daa41800000020a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1000000200b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0000019b76daa60c00000020b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1",
    );
    golden(
      "signed precommit",
      toHex(
        encode(signedVoteCodec, {
          voteType: 2 as const,
          height: 42n,
          round: 1,
          blockHash: h(0x77),
          timestampMs: 1_767_225_600_123n,
          validator: new Uint8Array(32).fill(0x0a),
          signature: h(0xa2),
        }),
      ),
      "02000000000000002a000000010177777777777777777777777777777777777777777777777777777777777777770000019b76daa87b000000200a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a00000020a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2",
    );
    golden(
      "signed nil prevote",
      toHex(
        encode(signedVoteCodec, {
          voteType: 1 as const,
          height: 42n,
          round: 1,
          blockHash: undefined,
          timestampMs: 0n,
          validator: new Uint8Array(32).fill(0x0b),
          signature: h(0xb2),
        }),
      ),
      "01000000000000002a00000001000000000000000000000000200b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b00000020b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
    );
  });

  it("vote sign bytes", () => {
    golden(
      "prevote",
      toHex(prevoteSignBytes("mkl-golden", 42n, 1, h(0x77))),
      "4d4b4c2f707265766f74652f76310000000a6d6b6c2d676f6c64656e000000000000002a00000001017777777777777777777777777777777777777777777777777777777777777777",
    );
    golden(
      "prevote nil",
      toHex(prevoteSignBytes("mkl-golden", 42n, 1, undefined)),
      "4d4b4c2f707265766f74652f76310000000a6d6b6c2d676f6c64656e000000000000002a0000000100",
    );
    golden(
      "precommit",
      toHex(commitVoteSignBytes("mkl-golden", 42n, 1, h(0x77), 1_767_225_600_123n)),
      "4d4b4c2f707265636f6d6d69742f76310000000a6d6b6c2d676f6c64656e000000000000002a000000010177777777777777777777777777777777777777777777777777777777777777770000019b76daa87b",
    );
    golden(
      "proposal",
      toHex(proposalSignBytes("mkl-golden", 42n, 1, h(0x77), -1)),
      "4d4b4c2f70726f706f73616c2f76310000000a6d6b6c2d676f6c64656e000000000000002a00000001777777777777777777777777777777777777777777777777777777777777777700",
    );
    golden(
      "proposal vr",
      toHex(proposalSignBytes("mkl-golden", 42n, 3, h(0x77), 2)),
      "4d4b4c2f70726f706f73616c2f76310000000a6d6b6c2d676f6c64656e000000000000002a0000000377777777777777777777777777777777777777777777777777777777777777770100000002",
    );
  });

  it("merkle and validator set roots", () => {
    golden(
      "merkleRoot sm3",
      toHex(merkleRoot(sm3, [utf8("a"), utf8("b"), utf8("c")])),
      "2706e4e4d41c1ed9c3fe7f7822bf360a67abcc052cc2c00022c1313ec3ded965",
    );
    const validators = [
      { publicKey: new Uint8Array(32).fill(2), power: 10n },
      { publicKey: new Uint8Array(32).fill(1), power: 20n },
    ];
    golden(
      "validatorSetHash",
      toHex(validatorSetHash(sha256, validators)),
      "b5ad9052456f1be2d4cde5a5f2b238208d38ae7f4330a1a44efd8ec9628b9372",
    );
  });
});
