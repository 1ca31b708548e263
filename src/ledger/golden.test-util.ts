import { expect } from "vitest";

/**
 * Golden vectors: exact bytes of encodings that other nodes and clients depend on. A failure
 * means an encoding or a hash changed, which is a protocol version bump and a deliberate,
 * visible update of the vector, never a silent fix. PRINT_GOLDEN=1 prints the actual values.
 */
const PRINT = process.env.PRINT_GOLDEN === "1";

export function golden(name: string, actual: string, expected: string): void {
  if (PRINT) {
    console.log(`${name}: ${actual}`);
    return;
  }
  expect(actual, name).toBe(expected);
}
