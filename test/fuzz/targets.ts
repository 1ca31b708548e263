import { addressOf } from "../../src/app/address.js";
import { eventCodec, txResultCodec } from "../../src/app/events.js";
import { txCodecs } from "../../src/app/executor.js";
import { parseGenesis, validatorSetCodec } from "../../src/app/genesis.js";
import { getSuite } from "../../src/crypto/index.js";
import { LedgerError } from "../../src/errors.js";
import {
  blockHeaderCodec,
  commitCertificateCodec,
  decode,
  decodeBlock,
  decodeSignedTx,
  encode,
  encodeBlock,
  encodeSignedTx,
  signTx,
} from "../../src/ledger/index.js";
import { signedVoteCodec } from "../../src/ledger/signed-vote.js";
import { Chain } from "../../src/node/chain.js";
import {
  decodeCompactPayload,
  decodePeerMessage,
  decodeProposalPayload,
  encodeCompactPayload,
  encodePeerMessage,
  encodeProposalPayload,
} from "../../src/node/consensus/wire.js";
import { FrameDecoder, frameHeader } from "../../src/node/p2p/frame.js";
import { decodeWire, encodeWire, INCARNATION_BYTES } from "../../src/node/p2p/wire.js";
import { issueCertificate, parseCertificate } from "../../src/pki/certificate.js";
import { createCrl, parseAndVerifyCrl } from "../../src/pki/crl.js";
import { createCsr, parseAndVerifyCsr } from "../../src/pki/csr.js";
import { toPem } from "../../src/pki/pem.js";
import { decodeUserCode, userCodeOf } from "../../src/pki/user-code.js";
import { decodeTxBatch, encodeTxBatch } from "../../src/sdk/wire/tx-batch.js";
import { MemoryStore } from "../../src/storage/memory-store.js";

/**
 * Every decoder of untrusted input, with one valid input to mutate from. A decoder may return
 * or throw a LedgerError (a typed error with a code); anything else thrown is a crash. Where
 * the format is canonical, what decodes must also re-encode to the same bytes.
 */
export interface FuzzTarget {
  readonly name: string;
  readonly seed: Uint8Array;
  /** Decodes; returns the re-encoding when the format has exactly one encoding per value. */
  run(input: Uint8Array): Uint8Array | undefined;
}

const T0 = 1_700_000_000_000n;
const text = new TextEncoder();
const untext = new TextDecoder();

export function buildTargets(): FuzzTarget[] {
  const suite = getSuite("sm");
  const validator = suite.generateKeyPair();
  const alice = suite.generateKeyPair();
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const genesis = parseGenesis({
    chainId: "fuzz",
    suite: "sm",
    genesisTimeMs: T0.toString(),
    validators: [{ name: "v0", publicKey: hex(validator.publicKey.bytes), power: "10" }],
    accounts: [{ address: hex(addressOf(suite.hash, alice.publicKey.bytes)), balanceFen: "1000" }],
    identities: [{ role: "buyer", publicKey: hex(alice.publicKey.bytes) }],
  });
  const chain = Chain.open(new MemoryStore(), suite, genesis);
  const tx = encodeSignedTx(
    signTx(
      suite,
      alice.privateKey,
      {
        chainId: "fuzz",
        sender: alice.publicKey.bytes,
        nonce: 0n,
        expiryHeight: 10n,
        op: {
          kind: "transfer",
          value: { to: addressOf(suite.hash, validator.publicKey.bytes), amountFen: 5n, memo: "m" },
        },
      },
      txCodecs,
    ),
    txCodecs,
  );
  const prepared = chain.prepareBlock([tx], T0 + 1000n, validator.publicKey.bytes);
  const block = chain.signCommit(prepared, [validator], T0 + 1000n);
  const blockBytes = encodeBlock(block);
  const commit = block.commit!;
  const vote = encode(signedVoteCodec, {
    voteType: 2,
    height: 1n,
    round: 0,
    blockHash: prepared.hash,
    timestampMs: T0,
    validator: validator.publicKey.bytes,
    signature: new Uint8Array(64).fill(7),
  });
  const proposalPayload = encodeProposalPayload(block, commit);
  const peerMessage = encodePeerMessage({
    kind: "proposal",
    value: {
      height: 1n,
      round: 0,
      validRound: undefined,
      proposer: validator.publicKey.bytes,
      payload: proposalPayload,
      signature: new Uint8Array(64).fill(9),
    },
  });
  const compactPayload = encodeCompactPayload({
    header: block.header,
    txHashes: prepared.outcome.txHashes,
    lastCommit: commit,
  });
  const compactMessage = encodePeerMessage({
    kind: "compactProposal",
    value: {
      height: 1n,
      round: 0,
      validRound: 2,
      proposer: validator.publicKey.bytes,
      payload: compactPayload,
      signature: new Uint8Array(64).fill(9),
    },
  });
  const hello = encodeWire({
    kind: "hello",
    value: {
      chainId: "fuzz",
      nodeId: validator.publicKey.bytes,
      incarnation: new Uint8Array(INCARNATION_BYTES).fill(3),
      signature: new Uint8Array(64).fill(4),
    },
  });
  const framed = new Uint8Array([...frameHeader(hello.length), ...hello, ...frameHeader(1), 3]);

  const root = suite.generateKeyPair();
  const rootCert = issueCertificate({
    profile: "root-ca",
    subject: { commonName: "Fuzz Root", organization: "Fuzz" },
    subjectPublicKey: root.publicKey,
    serial: Uint8Array.of(1),
    notBeforeMs: T0,
    notAfterMs: T0 + 86_400_000n,
    issuerKey: root.privateKey,
  });
  const csr = createCsr(alice.privateKey, { commonName: "alice", organization: "Fuzz" });
  const crl = createCrl({
    issuer: rootCert,
    issuerKey: root.privateKey,
    entries: [{ serialHex: "01ab", revokedAtMs: T0, reason: "keyCompromise" }],
    crlNumber: 1,
    thisUpdateMs: T0,
    nextUpdateMs: T0 + 86_400_000n,
  });
  const results = prepared.outcome.results;
  const canonical =
    <T>(codec: Parameters<typeof decode<T>>[0]) =>
    (input: Uint8Array) =>
      encode(codec, decode(codec, input));

  return [
    { name: "tx", seed: tx, run: (b) => encodeSignedTx(decodeSignedTx(b, txCodecs), txCodecs) },
    {
      name: "binary tx batch (submit route)",
      seed: encodeTxBatch([tx, tx]),
      run: (b) => encodeTxBatch(decodeTxBatch(b)),
    },
    { name: "block", seed: blockBytes, run: (b) => encodeBlock(decodeBlock(b)) },
    { name: "block header", seed: encode(blockHeaderCodec, block.header), run: canonical(blockHeaderCodec) },
    {
      name: "commit certificate",
      seed: encode(commitCertificateCodec, commit),
      run: canonical(commitCertificateCodec),
    },
    { name: "signed vote", seed: vote, run: canonical(signedVoteCodec) },
    { name: "tx result", seed: encode(txResultCodec, results[0]!), run: canonical(txResultCodec) },
    {
      name: "validator set",
      seed: encode(validatorSetCodec, genesis.validators),
      run: canonical(validatorSetCodec),
    },
    {
      name: "event",
      seed: encode(eventCodec, { type: "transfer", attributes: [{ key: "amountFen", value: "5" }] }),
      run: canonical(eventCodec),
    },
    { name: "consensus message", seed: peerMessage, run: (b) => encodePeerMessage(decodePeerMessage(b)) },
    {
      name: "proposal payload",
      seed: proposalPayload,
      run: (b) => {
        const p = decodeProposalPayload(b);
        return encodeProposalPayload({ ...block, header: p.header, txs: p.txs }, p.lastCommit);
      },
    },
    {
      name: "compact proposal payload",
      seed: compactPayload,
      run: (b) => encodeCompactPayload(decodeCompactPayload(b)),
    },
    {
      name: "compact proposal message",
      seed: compactMessage,
      run: (b) => encodePeerMessage(decodePeerMessage(b)),
    },
    {
      name: "proposal request message",
      seed: encodePeerMessage({ kind: "proposalRequest", value: { height: 3n, round: 1 } }),
      run: (b) => encodePeerMessage(decodePeerMessage(b)),
    },
    { name: "p2p wire message", seed: hello, run: (b) => encodeWire(decodeWire(b)) },
    {
      name: "p2p frame stream",
      seed: framed,
      run: (b) => {
        const decoder = new FrameDecoder(1024);
        decoder.push(Buffer.from(b));
        for (let body = decoder.next(); body !== undefined; body = decoder.next()) decodeWire(body);
        return undefined;
      },
    },
    { name: "certificate (DER)", seed: rootCert.der, run: decodeOnly((b) => parseCertificate(b)) },
    {
      name: "certificate (PEM)",
      seed: text.encode(toPem("CERTIFICATE", rootCert.der)),
      run: decodeOnly((b) => parseCertificate(untext.decode(b))),
    },
    { name: "CSR", seed: csr, run: decodeOnly((b) => parseAndVerifyCsr(b)) },
    { name: "CRL", seed: crl, run: decodeOnly((b) => parseAndVerifyCrl(b, rootCert)) },
    {
      name: "user code",
      seed: text.encode(userCodeOf(suite.hash, alice.publicKey.bytes)),
      run: decodeOnly((b) => decodeUserCode(untext.decode(b))),
    },
  ];
}

/** A parser whose format admits several encodings (DER, PEM, text): only its errors are checked. */
function decodeOnly(parse: (input: Uint8Array) => unknown): (input: Uint8Array) => undefined {
  return (input) => {
    parse(input);
    return undefined;
  };
}

export function isTypedError(error: unknown): boolean {
  return error instanceof LedgerError;
}
