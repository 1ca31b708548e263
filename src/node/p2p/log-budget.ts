import { systemClock } from "../../clock.js";
/**
 * At most `max` log lines per window. take() returns false when over budget, else how many
 * lines were suppressed since the last one written (so the log still says something was lost).
 */
export class LogBudget {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = systemClock.now,
  ) {}

  take(): number | false {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.used = 0;
    }
    if (this.used >= this.max) {
      this.suppressed++;
      return false;
    }
    this.used++;
    const dropped = this.suppressed;
    this.suppressed = 0;
    return dropped;
  }
}
