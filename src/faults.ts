/**
 * Fault injection in the spirit of FoundationDB's BUGGIFY: code that a test may make misbehave
 * asks an injected `Faults` object at a named point instead of reading a flag or the
 * environment. Production passes `noFaults()`, which never fires; only test kits and the
 * node's documented test-only config (`testFaults` in config.json) build others.
 */
export interface Faults<Point extends string> {
  /**
   * True to take the faulty path at `point` (`at` says where, e.g. a height). An injector may
   * also act itself here (an end-to-end test's injector ends the process).
   */
  fires(point: Point, at?: bigint): boolean;
}

export function noFaults<Point extends string>(): Faults<Point> {
  return { fires: () => false };
}

/** Fires exactly the points listed (and, for points with a place, only at that place). */
export function faultsAt<Point extends string>(
  points: ReadonlyMap<Point, bigint | undefined>,
): Faults<Point> {
  return {
    fires: (point, at) => points.has(point) && (points.get(point) === undefined || points.get(point) === at),
  };
}
