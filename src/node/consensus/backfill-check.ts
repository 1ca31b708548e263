import { InvalidBlockError } from "../../app/errors.js";
import { txResultCodec, txResultsCodec } from "../../app/events.js";
import {
  type Block,
  blockHash,
  bytesEqual,
  type CommitCertificate,
  commitCertificateCodec,
  decode,
  decodeBlock,
  encode,
  encodeBlock,
  type Hasher,
  lastCommitHash,
  merkleRoot,
  toHex,
  txHash,
} from "../../ledger/index.js";
import type { BackfilledBlock } from "../../storage/chain-store.js";

/**
 * Backfill's check of one block below a restored node's snapshot, made backwards from a block
 * already trusted (the snapshot's, then each one stored): block h+1's header names h's hash
 * (previousHash) and carries h's commit certificate (lastCommit, which its lastCommitHash binds),
 * so h's header is certified by the hash link; its transactions must hash to its txRoot and the
 * results sent with it to its resultsRoot. Nothing is re-executed (the state below the snapshot
 * is not here).
 */

/** What the block at `height` must be: named by the trusted block above it. */
export interface BackfillAnchor {
  readonly height: bigint;
  /** Its hash: the previousHash of the block above (or, for the snapshot's own block, its own). */
  readonly hash: Uint8Array;
  /**
   * The certificate it must carry, the lastCommit of the block above; undefined for the
   * snapshot's own block while nothing is above it (the store holds it already, certified).
   */
  readonly commit: CommitCertificate | undefined;
  /** The hash of this chain's genesis block, which block 1 must follow. */
  readonly genesisHash: Uint8Array;
}

export interface CheckedBackfill {
  /** What the store writes for it. */
  readonly stored: BackfilledBlock;
  /** What the block below it must be; undefined once block 1 is checked. */
  readonly below: BackfillAnchor | undefined;
}

function refuse(
  code: ConstructorParameters<typeof InvalidBlockError>[0],
  height: bigint,
  why: string,
): never {
  throw new InvalidBlockError(code, `backfilled block ${height}: ${why}`, { height: height.toString() });
}

function sameCommit(a: CommitCertificate | undefined, b: CommitCertificate | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return bytesEqual(encode(commitCertificateCodec, a), encode(commitCertificateCodec, b));
}

/**
 * Checks a block and its results a peer sent against `anchor`; throws InvalidBlockError with the
 * BACKFILL_ code of the first thing that does not hold (or the codec's error for bytes that do not
 * decode). What it returns is stored in canonical encodings, never the peer's bytes as sent.
 */
export function checkBackfilledBlock(
  suite: Hasher,
  anchor: BackfillAnchor,
  blockBytes: Uint8Array,
  resultsBytes: Uint8Array,
): CheckedBackfill {
  const block: Block = decodeBlock(blockBytes);
  const { header } = block;
  const height = anchor.height;
  if (header.height !== height) refuse("BACKFILL_WRONG_HEIGHT", height, `it says height ${header.height}`);
  const hash = blockHash(suite, header);
  if (!bytesEqual(hash, anchor.hash))
    refuse(
      "BACKFILL_HASH_MISMATCH",
      height,
      `its header hashes to ${toHex(hash).slice(0, 16)}…, the block above names ${toHex(anchor.hash).slice(0, 16)}…`,
    );
  if (
    !bytesEqual(
      merkleRoot((d) => suite.hash(d), block.txs),
      header.txRoot,
    )
  )
    refuse("BACKFILL_TXS_MISMATCH", height, "its transactions do not hash to its header's txRoot");
  if (!bytesEqual(lastCommitHash(suite, block.lastCommit), header.lastCommitHash))
    refuse("BACKFILL_LAST_COMMIT_MISMATCH", height, "it carries a last commit its header does not commit to");
  if (height === 1n) {
    if (!bytesEqual(header.previousHash, anchor.genesisHash))
      refuse("BACKFILL_GENESIS_MISMATCH", height, "it does not follow this chain's genesis block");
  } else if (
    block.lastCommit === undefined ||
    block.lastCommit.height !== height - 1n ||
    !bytesEqual(block.lastCommit.blockHash, header.previousHash)
  ) {
    refuse("BACKFILL_LAST_COMMIT_MISMATCH", height, `its last commit does not certify block ${height - 1n}`);
  }
  if (anchor.commit !== undefined && !sameCommit(block.commit, anchor.commit))
    refuse("BACKFILL_COMMIT_MISMATCH", height, "its certificate is not the one the block above carries");
  const results = decode(txResultsCodec, resultsBytes);
  const encodedResults = results.map((r) => encode(txResultCodec, r));
  if (
    results.length !== block.txs.length ||
    !bytesEqual(
      merkleRoot((d) => suite.hash(d), encodedResults),
      header.resultsRoot,
    )
  )
    refuse(
      "BACKFILL_RESULTS_MISMATCH",
      height,
      `its ${results.length} results do not hash to the resultsRoot of its ${block.txs.length} transactions`,
    );
  return {
    stored: {
      height,
      blockHash: hash,
      blockBytes: anchor.commit === undefined ? undefined : encodeBlock({ ...block, commit: anchor.commit }),
      resultsBytes: encode(txResultsCodec, results),
      txHashes: block.txs.map((tx) => txHash(suite, tx)),
    },
    below:
      height === 1n
        ? undefined
        : {
            height: height - 1n,
            hash: header.previousHash,
            commit: block.lastCommit,
            genesisHash: anchor.genesisHash,
          },
  };
}
