import { isInvalidInput } from "../../app/errors.js";
import { type AdmittedTx, decodeTx, txCodecs } from "../../app/executor.js";
import type { Block, CommitSignature } from "../../ledger/block.js";
import { commitSignatureChecks } from "../../ledger/commit.js";
import { txSignBytes } from "../../ledger/tx.js";
import type { Chain } from "../chain.js";
import type { SignatureCheck, VerifyPool } from "../verify/pool.js";

/** A pool job holds at least this many checks (a few small blocks together), unless the batch ends. */
const MIN_JOB_CHECKS = 512;

/** Synced blocks whose signatures one pool job checks. */
interface Job {
  readonly blocks: readonly Block[];
  readonly checks: readonly SignatureCheck[];
  /** What each check vouches for once it verifies: a transaction's decoded form, or a certificate's entry. */
  readonly vouches: ReadonlyArray<{ tx: AdmittedTx } | { entry: CommitSignature }>;
}

/**
 * Signatures of synced blocks verified on the worker pool ahead of their execution, so the event
 * loop executes block after block while the workers check the next ones. What verifies is
 * recorded as admission records it: a transaction's decoded form (VerifiedTxs, keyed by its very
 * bytes, so executing the block decodes, hashes and checks nothing again) and a certificate's
 * signature entries (verifyCommit skips them). What does not decode or verify is recorded as
 * nothing, so execution and the certificate check meet it and refuse it exactly as without the
 * pool. Jobs go to the pool only while it has room, so none is verified on the event loop.
 */
export class VerifyAhead {
  private readonly unsent: Job[] = [];
  private readonly pending = new Set<Block>();
  private readonly signatures = new WeakSet<CommitSignature>();

  constructor(
    private readonly chain: Chain,
    private readonly pool: VerifyPool,
    /** A job's blocks were checked (or found wanting): they may be applied now. */
    private readonly onChecked: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues the checks of `blocks`, in order. */
  add(blocks: readonly Block[]): void {
    let job: Block[] = [];
    let checks = 0;
    for (const block of blocks) {
      job.push(block);
      this.pending.add(block);
      checks += block.txs.length + (block.commit?.signatures.length ?? 0);
      if (checks >= MIN_JOB_CHECKS) {
        this.unsent.push(this.jobOf(job));
        job = [];
        checks = 0;
      }
    }
    if (job.length > 0) this.unsent.push(this.jobOf(job));
    this.pump();
  }

  /** Whether `block`'s checks are done (it was never queued, or its job answered). */
  checked(block: Block): boolean {
    return !this.pending.has(block);
  }

  /** Whether this certificate entry verified in the pool. */
  readonly verified = (entry: CommitSignature): boolean => this.signatures.has(entry);

  /** Forgets queued blocks (they will not be applied): their jobs not yet sent are dropped. */
  clear(): void {
    this.unsent.length = 0;
    this.pending.clear();
  }

  private jobOf(blocks: readonly Block[]): Job {
    const { suite, verifiedTxs } = this.chain;
    const checks: SignatureCheck[] = [];
    const vouches: Job["vouches"][number][] = [];
    for (const block of blocks) {
      for (const bytes of block.txs) {
        let tx: AdmittedTx;
        try {
          tx = decodeTx(suite, bytes);
        } catch (error) {
          if (isInvalidInput(error)) continue; // execution refuses it
          throw error;
        }
        if (verifiedTxs.admitted(bytes) !== undefined) continue;
        checks.push({
          publicKey: tx.tx.sender,
          message: txSignBytes(tx.tx, txCodecs),
          signature: tx.tx.signature,
        });
        vouches.push({ tx });
      }
      if (block.commit !== undefined)
        for (const { entry, ...check } of commitSignatureChecks(suite, block.header, block.commit)) {
          checks.push(check);
          vouches.push({ entry });
        }
    }
    return { blocks, checks, vouches };
  }

  private pump(): void {
    for (;;) {
      const job = this.unsent[0];
      if (job === undefined) return;
      const { pendingChecks, capacity } = this.pool;
      if (pendingChecks > 0 && pendingChecks + job.checks.length > capacity) return;
      this.unsent.shift();
      this.pool.verify(job.checks).then(
        (valid) => this.answered(job, valid),
        (error: unknown) => this.onError(error),
      );
    }
  }

  private answered(job: Job, valid: readonly boolean[]): void {
    job.vouches.forEach((vouch, i) => {
      if (valid[i] !== true) return;
      if ("tx" in vouch) this.chain.verifiedTxs.remember(vouch.tx);
      else this.signatures.add(vouch.entry);
    });
    for (const block of job.blocks) this.pending.delete(block);
    this.pump();
    this.onChecked();
  }
}
