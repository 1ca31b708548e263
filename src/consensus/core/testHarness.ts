/** Helpers for the core's unit tests: four equal validators v0..v3, crafted messages. */
import { ConsensusCore } from "./core.js";
import { proposer } from "./proposer.js";
import type {
  ConsensusConfig,
  ConsensusMessage,
  Effect,
  Proposal,
  TimeoutConfig,
  Validator,
  Value,
  Vote,
  VoteType,
} from "./types.js";
import { ValidatorSet } from "./validatorSet.js";

export const TIMEOUTS: TimeoutConfig = {
  proposeBaseMs: 1000,
  proposeDeltaMs: 100,
  prevoteBaseMs: 500,
  prevoteDeltaMs: 50,
  precommitBaseMs: 500,
  precommitDeltaMs: 50,
};
export const GENESIS_MS = 1_000_000;
export const VALIDATORS: readonly Validator[] = ["v0", "v1", "v2", "v3"].map((id) => ({ id, power: 1n }));
export const SET = new ValidatorSet(VALIDATORS);

export function config(self: string, extra: Partial<ConsensusConfig> = {}): ConsensusConfig {
  return {
    self,
    initialHeight: 1,
    genesisTimeMs: GENESIS_MS,
    validators: VALIDATORS,
    timeouts: TIMEOUTS,
    ...extra,
  };
}

export function value(name: string): Value {
  return { valueId: name, payload: new TextEncoder().encode(name) };
}

export function proposerOf(height: number, round: number, set: ValidatorSet = SET): string {
  return proposer(set, height, round);
}

export function proposal(height: number, round: number, v: Value, validRound = -1): Proposal {
  return { type: "proposal", height, round, value: v, validRound, proposer: proposerOf(height, round) };
}

export function vote(
  type: VoteType,
  height: number,
  round: number,
  valueId: string | null,
  validator: string,
): Vote {
  return { type, height, round, valueId, validator, timestampMs: GENESIS_MS + 10 };
}

/** A driver around one core that keeps `nowMs` and answers validation requests on demand. */
export class Driver {
  readonly core: ConsensusCore;
  nowMs = GENESIS_MS + 100;

  constructor(selfOrCore: string | ConsensusCore, extra: Partial<ConsensusConfig> = {}) {
    this.core = typeof selfOrCore === "string" ? new ConsensusCore(config(selfOrCore, extra)) : selfOrCore;
  }

  start(): Effect[] {
    return this.core.step({ kind: "start", nowMs: this.nowMs });
  }

  deliver(message: ConsensusMessage): Effect[] {
    return message.type === "proposal"
      ? this.core.step({ kind: "proposal", proposal: message, nowMs: this.nowMs })
      : this.core.step({ kind: "vote", vote: message, nowMs: this.nowMs });
  }

  votes(
    type: VoteType,
    height: number,
    round: number,
    valueId: string | null,
    from: readonly string[],
  ): Effect[] {
    return from.flatMap((v) => this.deliver(vote(type, height, round, valueId, v)));
  }

  valid(height: number, valueId: string, blockTimeMs = GENESIS_MS): Effect[] {
    return this.core.step({
      kind: "validation",
      height,
      valueId,
      verdict: { valid: true, blockTimeMs },
      nowMs: this.nowMs,
    });
  }

  invalid(height: number, valueId: string): Effect[] {
    return this.core.step({
      kind: "validation",
      height,
      valueId,
      verdict: { valid: false },
      nowMs: this.nowMs,
    });
  }

  timeout(kind: "propose" | "prevote" | "precommit", height: number, round: number): Effect[] {
    return this.core.step({ kind: "timeout", timeout: { kind, height, round }, nowMs: this.nowMs });
  }

  /** A proposal that the app has already judged valid. */
  validProposal(p: Proposal, blockTimeMs = GENESIS_MS): Effect[] {
    return [...this.deliver(p), ...this.valid(p.height, p.value.valueId, blockTimeMs)];
  }
}

export function broadcasts(effects: readonly Effect[]): ConsensusMessage[] {
  return effects.flatMap((e) => (e.kind === "broadcast" ? [e.message] : []));
}

export function sentVotes(effects: readonly Effect[], type?: VoteType): Vote[] {
  return broadcasts(effects).filter(
    (m): m is Vote => m.type !== "proposal" && (type === undefined || m.type === type),
  );
}

export function timeouts(effects: readonly Effect[]): { kind: string; round: number; durationMs: number }[] {
  return effects.flatMap((e) =>
    e.kind === "scheduleTimeout"
      ? [{ kind: e.timeout.kind, round: e.timeout.round, durationMs: e.durationMs }]
      : [],
  );
}

export function kinds(effects: readonly Effect[]): string[] {
  return effects.map((e) => (e.kind === "persist" ? `persist:${e.record.kind}` : e.kind));
}
