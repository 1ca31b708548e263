import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { getSuite } from "../../crypto/index.js";
import type { Suite } from "../../crypto/suite.js";
import { type Faults, noFaults } from "../../faults.js";
import { verifySignatureBytes } from "../../ledger/suite.js";
import { packChecks, type SignatureCheck } from "./checks.js";
import type { VerifyAnswer, VerifyRequest } from "./worker.js";

export type { SignatureCheck } from "./checks.js";

/** `workerCrash`: the worker given the next batch dies before it answers (tests only). */
export type VerifyPoolFault = "workerCrash";

export interface VerifyPoolOptions {
  readonly suite: Suite;
  /**
   * Worker threads at most; 0 verifies every check on the caller's thread (the node's event
   * loop). They start with the first batch of `startBatch` checks and end after `idleMs` without one.
   */
  readonly workers: number;
  /** A worker given no batch for this long ends (a node that caught up holds no idle threads). */
  readonly idleMs?: number;
  /** Most checks the workers hold at once; beyond it the caller's thread verifies (backpressure). */
  readonly maxPendingChecks?: number;
  /** Batches smaller than this are verified on the caller's thread: the trip costs more. */
  readonly minBatch?: number;
  /**
   * A batch this large starts the workers not running (a smaller one goes to those running, or
   * inline): a node a few blocks behind starts no thread, one catching up does at once.
   */
  readonly startBatch?: number;
  readonly log?: Logger;
  readonly faults?: Faults<VerifyPoolFault>;
  /** Told of each check verified, and where (a metric). */
  readonly onVerified?: (where: "worker" | "inline", checks: number) => void;
  /** Told of each worker restarted after it died (a metric). */
  readonly onRestart?: () => void;
}

/** One batch sent to a worker, kept until it answers so that a dead worker's work is sent again. */
interface Job {
  readonly id: number;
  readonly checks: readonly SignatureCheck[];
  attempts: number;
  readonly resolve: (valid: boolean[]) => void;
}

interface Slot {
  /** Undefined before the first batch, once idle long enough, and once given up. */
  worker: Worker | undefined;
  readonly jobs: Map<number, Job>;
  /** Deaths since the slot's worker last answered: a worker that cannot start is given up. */
  failures: number;
  /** Ends the idle worker (set while it has no job). */
  idleTimer: NodeJS.Timeout | undefined;
}

const DEFAULT_MAX_PENDING = 65_536;
const DEFAULT_MIN_BATCH = 8;
const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_START_BATCH = 256;
/** A slot whose worker died this many times in a row without answering verifies inline from then on. */
const MAX_FAILURES = 3;

// Built, the worker is the compiled file beside this one. From source (the tests) it is
// TypeScript: a bootstrap registers tsx's loader in the thread, then imports it (Node 20 does not
// apply `--import tsx` in a worker's execArgv to the worker's own entry file).
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./worker.ts" : "./worker.js", import.meta.url);
const WORKER_SOURCE = FROM_SOURCE
  ? `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`
  : undefined;

/**
 * Signature verification on worker threads, one pool per node: a batch (a block's transactions,
 * an admission batch, a synced batch of blocks) is split over the workers and verified in
 * parallel while the event loop goes on. The answers are those of the caller's own thread, since
 * verification is a pure function of the bytes; only where the work runs changes.
 *
 * Bounded: at most `maxPendingChecks` in the workers, beyond which the caller verifies inline (so
 * load never queues without limit). Workers start with the first large batch and end when idle
 * (each holds 15-20 MB of memory, and only a node catching up sends them work). A worker that dies is replaced and its batches are sent
 * again, once; a batch that kills two workers, and every batch after a slot gave up, is verified
 * inline. close() waits for the batches in flight, then ends the workers.
 */
export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly maxPending: number;
  private readonly minBatch: number;
  private readonly startBatch: number;
  private readonly faults: Faults<VerifyPoolFault>;
  private pending = 0;
  private nextId = 0;
  private closing = false;
  private drained: (() => void) | undefined;

  constructor(private readonly options: VerifyPoolOptions) {
    this.maxPending = options.maxPendingChecks ?? DEFAULT_MAX_PENDING;
    this.minBatch = options.minBatch ?? DEFAULT_MIN_BATCH;
    this.startBatch = options.startBatch ?? DEFAULT_START_BATCH;
    this.faults = options.faults ?? noFaults();
    // A worker verifies with getSuite(id): any other suite object (a test's simulated one) could
    // answer differently, so it is verified inline, where the answers are its own.
    const workers = getSuite(options.suite.id) === options.suite ? options.workers : 0;
    for (let i = 0; i < workers; i++)
      this.slots.push({ worker: undefined, jobs: new Map(), failures: 0, idleTimer: undefined });
  }

  /** Worker threads alive now. */
  get workers(): number {
    return this.slots.filter((s) => s.worker !== undefined).length;
  }

  /** Worker threads it may run (0: it verifies on the caller's thread). */
  get maxWorkers(): number {
    return this.slots.length;
  }

  /** Checks the workers hold now. */
  get pendingChecks(): number {
    return this.pending;
  }

  /** Most checks the workers hold at once (a batch past it is verified on the caller's thread). */
  get capacity(): number {
    return this.maxPending;
  }

  /** Verifies every check on the calling thread. */
  verifyInline(checks: readonly SignatureCheck[]): boolean[] {
    const { suite } = this.options;
    const valid = checks.map((c) => verifySignatureBytes(suite, c.publicKey, c.message, c.signature));
    if (checks.length > 0) this.options.onVerified?.("inline", checks.length);
    return valid;
  }

  /** Verifies `checks`, in the workers where they have room; the answers in the checks' order. */
  async verify(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (!this.closing && checks.length >= Math.max(this.minBatch, this.startBatch))
      for (const slot of this.slots)
        if (slot.worker === undefined && slot.failures < MAX_FAILURES) this.spawn(slot);
    const live = this.slots.filter((s) => s.worker !== undefined);
    if (
      live.length === 0 ||
      this.closing ||
      checks.length < this.minBatch ||
      this.pending + checks.length > this.maxPending
    )
      return this.verifyInline(checks);
    // One share per worker, none smaller than minBatch, the least busy workers first.
    const shares = Math.max(1, Math.min(live.length, Math.floor(checks.length / this.minBatch)));
    const size = Math.ceil(checks.length / shares);
    live.sort((a, b) => a.jobs.size - b.jobs.size);
    const parts: Array<Promise<boolean[]>> = [];
    for (let i = 0, at = 0; at < checks.length; i++, at += size)
      parts.push(this.send(live[i % live.length] as Slot, checks.slice(at, at + size)));
    return (await Promise.all(parts)).flat();
  }

  /** Waits for the batches in flight, then ends the workers; later batches are verified inline. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.pending > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const workers = this.slots.map((s) => s.worker).filter((w) => w !== undefined);
    for (const slot of this.slots) {
      clearTimeout(slot.idleTimer);
      slot.worker = undefined;
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private send(slot: Slot, checks: readonly SignatureCheck[]): Promise<boolean[]> {
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, checks, attempts: 0, resolve };
      this.pending += checks.length;
      this.dispatch(slot, job);
    });
  }

  private dispatch(slot: Slot, job: Job): void {
    const worker = slot.worker;
    if (worker === undefined) {
      this.finish(job, this.verifyInline(job.checks));
      return;
    }
    job.attempts++;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.jobs.set(job.id, job);
    if (slot.jobs.size === 1) worker.ref(); // busy: keep the process alive for the answer
    const packed = packChecks(job.checks);
    const request: VerifyRequest = this.faults.fires("workerCrash")
      ? { id: job.id, packed, crash: true }
      : { id: job.id, packed };
    worker.postMessage(request, [packed.buffer as ArrayBuffer]);
  }

  private finish(job: Job, valid: boolean[]): void {
    this.pending -= job.checks.length;
    job.resolve(valid);
    if (this.pending === 0) this.drained?.();
  }

  private spawn(slot: Slot): void {
    const workerData = { suiteId: this.options.suite.id };
    const worker =
      WORKER_SOURCE === undefined
        ? new Worker(WORKER_URL, { workerData })
        : new Worker(WORKER_SOURCE, { eval: true, workerData });
    worker.unref(); // idle workers never keep the process alive
    slot.worker = worker;
    worker.on("message", (answer: VerifyAnswer) => this.answered(slot, answer));
    worker.on("error", (error) => this.died(slot, worker, error.message));
    worker.on("exit", (code) => this.died(slot, worker, `exit code ${code}`));
    this.endWhenIdle(slot); // until its first job
  }

  private answered(slot: Slot, answer: VerifyAnswer): void {
    const job = slot.jobs.get(answer.id);
    if (job === undefined) return;
    slot.jobs.delete(answer.id);
    slot.failures = 0;
    if (slot.jobs.size === 0) {
      slot.worker?.unref();
      this.endWhenIdle(slot);
    }
    this.options.onVerified?.("worker", job.checks.length);
    this.finish(
      job,
      Array.from(answer.valid, (v) => v === 1),
    );
  }

  /** Ends the slot's worker if no job comes for idleMs; a later batch starts another. */
  private endWhenIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      const worker = slot.worker;
      if (worker === undefined || slot.jobs.size > 0) return;
      slot.worker = undefined; // its exit is then no death (died() ignores it)
      void worker.terminate();
    }, this.options.idleMs ?? DEFAULT_IDLE_MS);
    slot.idleTimer.unref();
  }

  /** A worker died ('error' then 'exit', or 'exit' alone): replace it and send its batches again. */
  private died(slot: Slot, worker: Worker, reason: string): void {
    if (slot.worker !== worker) return; // already replaced, or the pool closed
    slot.worker = undefined;
    slot.failures++;
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    if (!this.closing && slot.failures < MAX_FAILURES) {
      this.options.log?.warn({ reason, batches: jobs.length }, "a verification worker died; restarting it");
      this.options.onRestart?.();
      this.spawn(slot);
    } else if (!this.closing) {
      this.options.log?.error({ reason }, "a verification worker keeps dying; its share is verified inline");
    }
    for (const job of jobs) {
      if (job.attempts >= 2) this.finish(job, this.verifyInline(job.checks));
      else this.dispatch(slot, job);
    }
  }
}
