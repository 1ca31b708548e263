/** The public API of the ledger: pure, deterministic primitives (see README.md). */
export * from "./block.js";
export * from "./bytes.js";
export * from "./codec.js";
export * from "./commit.js";
export * from "./errors.js";
export * from "./merkle.js";
export * from "./signed-vote.js";
export { MemoryNodeStore } from "./state/memory-store.js";
export {
  EMPTY_ROOT,
  isEmptyHash,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_VALUE_BYTES,
  type SmtNode,
  smtLeafHash,
  smtNodeCodec,
} from "./state/nodes.js";
export { type ProofEnd, proveAt, type StateProof, stateProofCodec, verifyStateProof } from "./state/proof.js";
export {
  applyBatch,
  type BatchResult,
  getAt,
  nodesOnPath,
  type SmtNodeStore,
  type StateChange,
} from "./state/smt.js";
export type { Hasher, LedgerSuite } from "./suite.js";
export * from "./tx.js";
export * from "./validators.js";
export * from "./vote.js";
