/** Public API of the consensus core: a pure Tendermint state machine, BFT time, proposer selection. */
export { bftTime, voteTimestamp } from "./core/bftTime.js";
export { ConsensusCore, type ConsensusSnapshot } from "./core/core.js";
export { ConsensusError } from "./core/errors.js";
export { proposer } from "./core/proposer.js";
export { timeoutDuration } from "./core/timeouts.js";
export type {
  CommitCertificate,
  ConsensusConfig,
  ConsensusMessage,
  DuplicateVoteEvidence,
  Effect,
  Input,
  Proposal,
  Step,
  TimeoutConfig,
  TimeoutKind,
  TimeoutRef,
  Validator,
  ValidatorId,
  Value,
  Verdict,
  Vote,
  VoteType,
  WalRecord,
} from "./core/types.js";
export { isOneThird, isQuorum, ValidatorSet } from "./core/validatorSet.js";
export { restore } from "./core/wal.js";
