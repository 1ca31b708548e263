import type { Prng } from "../../../consensus/sim/prng.js";
import type { KeyPair, Suite } from "../../../crypto/suite.js";
import { type CommitCertificate, decodeBlock, encodeBlock } from "../../../ledger/block.js";
import { bytesEqual } from "../../../ledger/bytes.js";
import { encode } from "../../../ledger/codec.js";
import { verifyCommit } from "../../../ledger/commit.js";
import { PREVOTE_TYPE, type SignedVote } from "../../../ledger/signed-vote.js";
import { commitVoteSignBytes, prevoteSignBytes } from "../../../ledger/vote.js";
import type { Chain } from "../../chain.js";
import {
  type CompactPayload,
  decodeCompactPayload,
  decodePeerMessage,
  decodeProposalPayload,
  encodeCompactPayload,
  encodePeerMessage,
  type PeerMessage,
  type ProposalPayload,
  proposalPayloadCodec,
} from "../wire.js";
import type { EngineFaultCounts } from "./fault-counts.js";
import { CHAIN_ID } from "./fixture.js";
import type { Behavior } from "./schedule.js";

/**
 * A Byzantine validator: it runs the real engine, and this rewrites what it sends and adds
 * what an attacker would. It signs only with its own key (signatures are not broken).
 */
export class Byzantine {
  private readonly selfHex: string;
  private readonly swapped = new Set<string>();

  constructor(
    private readonly behaviors: readonly Behavior[],
    private readonly key: KeyPair,
    private readonly suite: Suite,
    private readonly rng: Prng,
    private readonly counts: () => EngineFaultCounts,
  ) {
    this.selfHex = Buffer.from(key.publicKey.bytes).toString("hex");
  }

  private has(behavior: Behavior): boolean {
    return this.behaviors.includes(behavior);
  }

  /** What goes to peer `to` instead of `data`. */
  rewrite(data: Uint8Array, to: number): Uint8Array[] {
    if (this.has("silent")) return [];
    const message = decodePeerMessage(data);
    const out: Uint8Array[] = [];
    if (
      this.has("equivocate") &&
      message.kind === "vote" &&
      bytesEqual(message.value.validator, this.key.publicKey.bytes) &&
      to % 2 === 0
    ) {
      out.push(encodePeerMessage({ kind: "vote", value: this.conflicting(message.value) }));
    } else if (this.has("badSyncBlocks") && message.kind === "blocks") {
      out.push(encodePeerMessage({ kind: "blocks", value: message.value.map((b) => this.tamperCommit(b)) }));
    } else {
      out.push(data);
    }
    if (
      this.has("badSignature") &&
      (message.kind === "vote" || message.kind === "proposal" || message.kind === "compactProposal") &&
      this.rng.chance(300)
    )
      out.push(this.badSignature(message));
    if (this.has("garbage") && this.rng.chance(50))
      out.push(Uint8Array.from({ length: this.rng.range(0, 64) }, () => this.rng.int(256)));
    this.counts().byzantineMessages += out.length - (out.includes(data) ? 1 : 0);
    return out;
  }

  /**
   * A proposal reached us: send it on with another certificate for the previous block (a
   * valid one: a subset of the same precommits that keeps the BFT time), which no signature
   * covers unless the header commits to it.
   */
  observe(data: Uint8Array, chain: Chain, broadcast: (data: Uint8Array) => void): void {
    if (!this.has("swapCertificate") || this.has("silent")) return;
    const message = decodePeerMessage(data);
    if (message.kind !== "proposal" && message.kind !== "compactProposal") return;
    const signed = message.value;
    if (Buffer.from(signed.proposer).toString("hex") === this.selfHex) return;
    const tag = `${signed.height}/${signed.round}`;
    if (this.swapped.has(tag)) return;
    let payload: ProposalPayload | CompactPayload;
    try {
      payload =
        message.kind === "proposal"
          ? decodeProposalPayload(signed.payload)
          : decodeCompactPayload(signed.payload);
    } catch {
      return;
    }
    const lastCommit = payload.lastCommit;
    const previous = chain.latestBlock();
    if (lastCommit === undefined || previous.header.height + 1n !== payload.header.height) return;
    const swapped = this.otherCertificate(chain, lastCommit);
    if (swapped === undefined) return;
    this.swapped.add(tag);
    this.counts().swappedCertificates++;
    this.counts().byzantineMessages++;
    // Sent on in the form it came in (a compact proposal names the same transactions by hash).
    const bytes =
      "txs" in payload
        ? encode(proposalPayloadCodec, { ...payload, lastCommit: swapped })
        : encodeCompactPayload({ ...payload, lastCommit: swapped });
    broadcast(encodePeerMessage({ kind: message.kind, value: { ...signed, payload: bytes } }));
  }

  private otherCertificate(chain: Chain, certificate: CommitCertificate): CommitCertificate | undefined {
    const previous = chain.latestBlock();
    const time = chain.nextBlockTime(certificate);
    const signers = chain.validatorsAt(previous.header.height);
    for (let i = 0; i < certificate.signatures.length; i++) {
      const candidate = { ...certificate, signatures: certificate.signatures.filter((_, j) => j !== i) };
      if (!verifyCommit(this.suite, previous.header, candidate, signers).ok) continue;
      if (chain.nextBlockTime(candidate) === time) return candidate;
    }
    return undefined;
  }

  /** The same (height, round, type), another value: nil for a value, a made-up block for nil. */
  private conflicting(vote: SignedVote): SignedVote {
    const blockHash =
      vote.blockHash === undefined ? Uint8Array.from({ length: 32 }, () => this.rng.int(256)) : undefined;
    const bytes =
      vote.voteType === PREVOTE_TYPE
        ? prevoteSignBytes(CHAIN_ID, vote.height, vote.round, blockHash)
        : commitVoteSignBytes(CHAIN_ID, vote.height, vote.round, blockHash, vote.timestampMs);
    return { ...vote, blockHash, signature: this.suite.sign(this.key.privateKey, bytes) };
  }

  private badSignature(
    message: Extract<PeerMessage, { kind: "vote" | "proposal" | "compactProposal" }>,
  ): Uint8Array {
    const signature = Uint8Array.from(message.value.signature);
    signature[0] = (signature[0] as number) ^ 0xff;
    return message.kind === "vote"
      ? encodePeerMessage({ kind: "vote", value: { ...message.value, signature } })
      : encodePeerMessage({ kind: message.kind, value: { ...message.value, signature } });
  }

  private tamperCommit(encoded: Uint8Array): Uint8Array {
    const block = decodeBlock(encoded);
    const first = block.commit?.signatures[0];
    if (block.commit === undefined || first === undefined) return encoded;
    const signature = Uint8Array.from(first.signature);
    signature[1] = (signature[1] as number) ^ 0x01;
    const signatures = [{ ...first, signature }, ...block.commit.signatures.slice(1)];
    return encodeBlock({ ...block, commit: { ...block.commit, signatures } });
  }
}
