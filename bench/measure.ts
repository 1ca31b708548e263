import type { Suite } from "../src/crypto/suite.js";

/** Bounded measurement loops shared by the benchmarks. */

/** Operations per second of fn, over about durationMs after a short warm-up. */
export function opsPerSecond(fn: () => unknown, durationMs: number): number {
  const warmUntil = performance.now() + Math.min(100, durationMs / 10);
  while (performance.now() < warmUntil) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 16; i++) fn();
    ops += 16;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** The q-quantile (0..1) of a list of numbers, by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Signature verifications per second of a suite on one core, over about `durationMs`. */
export function verifyRate(suite: Suite, durationMs = 500): number {
  const key = suite.generateKeyPair();
  const message = new Uint8Array(200).fill(3);
  const signature = suite.sign(key.privateKey, message);
  return opsPerSecond(() => suite.verify(key.publicKey, message, signature), durationMs);
}
