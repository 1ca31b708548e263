/**
 * A verification worker thread (see pool.ts): verifies packed signature checks with the chain's
 * suite and answers one byte per check (1 valid, 0 not). Pure: the answer depends on the bytes
 * alone, so which thread verifies never changes an outcome.
 */
import { parentPort, workerData } from "node:worker_threads";
import { getSuite, type SuiteId } from "../../crypto/index.js";
import { verifySignatureBytes } from "../../ledger/suite.js";
import { unpackChecks } from "./checks.js";

export interface VerifyRequest {
  readonly id: number;
  readonly packed: Uint8Array;
  /** A deliberate crash before answering (the pool's fault point `workerCrash`, tests only). */
  readonly crash?: true;
}

export interface VerifyAnswer {
  readonly id: number;
  readonly valid: Uint8Array;
}

/** Exit code of a deliberate crash. */
export const CRASH_EXIT_CODE = 70;

const port = parentPort;
if (port !== null) {
  const suite = getSuite((workerData as { suiteId: SuiteId }).suiteId);
  port.on("message", (request: VerifyRequest) => {
    if (request.crash) process.exit(CRASH_EXIT_CODE);
    const checks = unpackChecks(request.packed);
    const valid = new Uint8Array(checks.length);
    checks.forEach((c, i) => {
      valid[i] = verifySignatureBytes(suite, c.publicKey, c.message, c.signature) ? 1 : 0;
    });
    const answer: VerifyAnswer = { id: request.id, valid };
    port.postMessage(answer, [valid.buffer]);
  });
}
