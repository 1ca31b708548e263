import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets its old generation grow past what the last full collection kept, in percent.
 * Left to itself on a machine with gigabytes of memory, V8 grows the heap up to four times the
 * live set before it collects again, and the buffers that dead objects hold stay allocated
 * until then: a validator under the marketing load kept 1.2 GB resident with a live heap under
 * 100 MB. 100 % (the heap may double) keeps that bound; on four validators it held the
 * anonymous memory where 30 % did, with full and incremental marking at 0.5-1.8 % of a node's
 * CPU against 2.5-7.8 % at 30 % (README, Benchmarks, "heapGrowthPercent on four validators").
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 100;

/**
 * Sets the process's heap growth (`heapGrowthPercent` of config.json) for the collections to
 * come; 0 leaves V8's own choice. A process-wide setting of the runtime, never of consensus: it
 * changes when memory is reclaimed, not what any block or state holds.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
