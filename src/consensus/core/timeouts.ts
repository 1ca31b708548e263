import type { TimeoutConfig, TimeoutKind } from "./types.js";

/** timeoutX(round) = initTimeoutX + round · timeoutDelta: grows per round so, after GST, rounds last long enough. */
export function timeoutDuration(config: TimeoutConfig, kind: TimeoutKind, round: number): number {
  switch (kind) {
    case "propose":
      return config.proposeBaseMs + round * config.proposeDeltaMs;
    case "prevote":
      return config.prevoteBaseMs + round * config.prevoteDeltaMs;
    case "precommit":
      return config.precommitBaseMs + round * config.precommitDeltaMs;
  }
}
