import type { Logger } from "pino";
import { LogBudget } from "../p2p/log-budget.js";
import type { Clock, EngineObserver } from "./ports.js";

/** At most this many refusal lines per window: a hostile peer must not flood the log. */
const REFUSAL_LINES = 20;
const REFUSAL_WINDOW_MS = 10_000;

/**
 * Warnings about what a peer sent (a bad signature, an undecodable message, an invalid
 * block): each goes to the observer, and to the log within a LogBudget that says how many
 * lines it suppressed.
 */
export class Refusals {
  private readonly budget: LogBudget;

  constructor(
    private readonly log: Logger,
    clock: Clock,
    private readonly observer: EngineObserver,
  ) {
    this.budget = new LogBudget(REFUSAL_LINES, REFUSAL_WINDOW_MS, () => clock.now());
  }

  /** `source` is the peer's id, or the proposer's for a proposal being validated. */
  refuse(source: string, reason: string, details: Record<string, unknown> = {}): void {
    this.observer.refused?.({ peer: source, reason });
    const suppressed = this.budget.take();
    if (suppressed === false) return;
    this.log.warn({ peer: source, ...details, ...(suppressed > 0 ? { suppressed } : {}) }, reason);
  }
}
