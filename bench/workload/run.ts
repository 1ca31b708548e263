import { quantile } from "../measure.js";
import { type LatencySummary, latencies, summarise, type TxLatency } from "./latency-parts.js";
import type { CommitObserver } from "./observer.js";
import { type Submitter, TICK_MS } from "./submitter.js";

/** Offered load in transactions per second, held for a number of seconds; a ramp is several steps. */
export interface RateStep {
  readonly txPerSecond: number;
  readonly seconds: number;
}

/** A business load: told every tick how many transactions' worth of new work arrives. */
export interface Workload {
  readonly name: string;
  /** New work worth about `txs` transactions arrives now (new transfers, new orders). */
  arrive(txs: number): void;
}

export interface SecondSample {
  readonly second: number;
  readonly offeredTps: number;
  readonly committedTps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface StepFigures extends RateStep {
  /**
   * Committed per second over a window as long as the step, starting one median latency (from
   * the offer) of the step's own transactions after the step began: what the step is judged by.
   */
  readonly committedTps: number;
  /** That median latency, by which the window is shifted. */
  readonly lagMs: number;
  /** Committed per second within the step itself (the judgement before). */
  readonly committedInStepTps: number;
  /** p99 from admission of the transactions offered in the step. */
  readonly p99Ms: number;
  /** The step's own transactions: where their time went. */
  readonly latency: LatencySummary;
  /** The step's span, in performance.now() time. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface LoadRun {
  readonly durationS: number;
  readonly submitted: number;
  readonly committed: number;
  readonly succeeded: number;
  readonly refusedFinal: number;
  readonly refusals: ReadonlyMap<string, number>;
  /** Committed transactions whose operation failed, by result code. */
  readonly failures: ReadonlyMap<string, number>;
  readonly committedTps: number;
  /** Submit-to-commit, from the try a node admitted. */
  readonly latencyMs: { p50: number; p95: number; p99: number };
  /** The same transactions counted from their first try and from their offer, and split by where the time went. */
  readonly latency: LatencySummary;
  readonly steps: readonly StepFigures[];
  /** The highest offered step whose committed rate kept up (>= 95 % of offered, see StepFigures). */
  readonly saturationTps: number | undefined;
  readonly series: readonly SecondSample[];
  readonly blockIntervalMs: number;
  readonly txsPerBlock: number;
  readonly blockBytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drives `workload` open loop through the rate steps (arrivals do not wait for commits), then
 * lets what was sent drain for up to `drainMs`, and reads the figures off what the observer saw.
 */
export async function runLoad(
  workload: Workload,
  steps: readonly RateStep[],
  submitter: Submitter,
  observer: CommitObserver,
  drainMs = 60_000,
): Promise<LoadRun> {
  const started = performance.now();
  // The submitter may have served an earlier run (the ramp before the half-rate run): this run's
  // figures count only what it sent itself.
  const refusalsBefore = new Map(submitter.refusals);
  const stepWindows: Array<RateStep & { from: number; to: number }> = [];
  submitter.start();
  let due = started;
  for (const step of steps) {
    const from = performance.now();
    const end = from + step.seconds * 1000;
    let carry = 0;
    while (performance.now() < end) {
      carry += (step.txPerSecond * TICK_MS) / 1000;
      const whole = Math.floor(carry);
      carry -= whole;
      if (whole > 0) workload.arrive(whole);
      due += TICK_MS;
      await sleep(Math.max(0, due - performance.now()));
    }
    stepWindows.push({ ...step, from, to: performance.now() });
  }
  // Follow-up steps are queued in the same callback that sees their predecessor commit, so an
  // empty backlog means nothing more is coming.
  const settled = () => submitter.backlog === 0;
  await observer.until(settled, drainMs);
  submitter.stop();
  return analyse(started, refusalsBefore, stepWindows, submitter, observer);
}

function analyse(
  started: number,
  refusalsBefore: ReadonlyMap<string, number>,
  stepWindows: ReadonlyArray<RateStep & { from: number; to: number }>,
  submitter: Submitter,
  observer: CommitObserver,
): LoadRun {
  const times = {
    offeredAt: submitter.offeredAt,
    firstSubmittedAt: submitter.firstSubmittedAt,
    acceptedAt: submitter.acceptedAt,
    bySender: submitter.bySender,
    committedAt: observer.committedAt,
  };
  // This run's transactions: those its workload offered after it started (a follow-up step of an
  // earlier run's order, offered now, is load of this run).
  const offeredAt = (h: string) =>
    submitter.offeredAt.get(h) ?? submitter.firstSubmittedAt.get(h) ?? Number.NaN;
  const sent: Array<[string, number]> = [...submitter.firstSubmittedAt.keys()]
    .map((h): [string, number] => [h, offeredAt(h)])
    .filter(([, at]) => at >= started);
  const ours = new Set(sent.map(([h]) => h));
  const refusals = new Map(
    [...submitter.refusals]
      .map(([code, n]) => [code, n - (refusalsBefore.get(code) ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  const committed = sent.filter(([h]) => observer.committedAt.has(h));
  const commitOf = (h: string) => observer.committedAt.get(h) as number;
  const split = latencies(
    times,
    committed.map(([h]) => h),
  );
  const partsOf = (hashes: readonly string[]) => hashes.map((h) => split.get(h) as TxLatency);
  const parts = [...split.values()];
  const lastCommit = Math.max(started, ...committed.map(([h]) => commitOf(h)));
  const durationS = (lastCommit - started) / 1000;

  const seconds = Math.ceil(durationS);
  const series: SecondSample[] = Array.from({ length: seconds }, (_, s) => {
    const lo = started + s * 1000;
    const inSecond = committed.filter(([h]) => commitOf(h) >= lo && commitOf(h) < lo + 1000);
    const offered = sent.filter(([, at]) => at >= lo && at < lo + 1000).length;
    const lat = partsOf(inSecond.map(([h]) => h)).map((t) => t.fromAdmission);
    return {
      second: s,
      offeredTps: offered,
      committedTps: inSecond.length,
      p50Ms: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
    };
  });

  const commitTimes = committed.map(([h]) => commitOf(h));
  const committedBetween = (from: number, to: number) =>
    commitTimes.reduce((n, t) => n + (t >= from && t < to ? 1 : 0), 0);
  const steps = stepWindows.map((w): StepFigures => {
    const own = committed.filter(([, at]) => at >= w.from && at < w.to).map(([h]) => h);
    const summary = summarise(partsOf(own));
    // A transaction offered in the step's last second cannot commit inside it: the step is judged
    // over a window as long as itself, one median latency of its own transactions later.
    const lagMs = Number.isFinite(summary.p50Ms.fromOffer) ? summary.p50Ms.fromOffer : 0;
    const ms = w.to - w.from;
    return {
      txPerSecond: w.txPerSecond,
      seconds: w.seconds,
      fromMs: w.from,
      toMs: w.to,
      lagMs,
      committedTps: (committedBetween(w.from + lagMs, w.to + lagMs) * 1000) / ms,
      committedInStepTps: (committedBetween(w.from, w.to) * 1000) / ms,
      p99Ms: summary.p99Ms.fromAdmission,
      latency: summary,
    };
  });
  const keptUp = steps.filter((s) => s.committedTps >= 0.95 * s.txPerSecond);

  const blocks = observer.blocks.filter((b) => b.seenAtMs >= started && b.seenAtMs <= lastCommit);
  const busy = blocks.filter((b) => b.txs > 0);
  const gaps = blocks.slice(1).map((b, i) => b.seenAtMs - (blocks[i] as typeof b).seenAtMs);
  const bytesOf = (h: string) => submitter.txBytes.get(h) ?? 0;
  const latency = summarise(parts);
  return {
    durationS,
    submitted: sent.length,
    committed: committed.length,
    succeeded: committed.filter(([h]) => observer.results.get(h)?.code === "OK").length,
    refusedFinal: [...submitter.finalRefusals].filter((h) => ours.has(h)).length,
    refusals,
    failures: committed.reduce((m, [h]) => {
      const code = observer.results.get(h)?.code ?? "UNKNOWN";
      if (code !== "OK") m.set(code, (m.get(code) ?? 0) + 1);
      return m;
    }, new Map<string, number>()),
    committedTps: durationS > 0 ? committed.length / durationS : 0,
    latencyMs: {
      p50: quantile(
        parts.map((t) => t.fromAdmission),
        0.5,
      ),
      p95: quantile(
        parts.map((t) => t.fromAdmission),
        0.95,
      ),
      p99: latency.p99Ms.fromAdmission,
    },
    latency,
    steps,
    saturationTps: keptUp.length > 0 ? Math.max(...keptUp.map((s) => s.txPerSecond)) : undefined,
    series,
    blockIntervalMs: gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : Number.NaN,
    txsPerBlock: busy.length > 0 ? busy.reduce((a, b) => a + b.txs, 0) / busy.length : 0,
    blockBytes:
      busy.length > 0 ? committed.reduce((a, [h]) => a + bytesOf(h), 0) / Math.max(1, busy.length) : 0,
  };
}
