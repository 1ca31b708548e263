import { join } from "node:path";
import { systemClock } from "../../clock.js";
import { type ChainNodeJson, MarketLedgerClient } from "../../sdk/client.js";
import { type Alert, AlertBook, type AlertEvent } from "./alerts.js";
import { withRegisteredCertificates } from "./chain-certificates.js";
import { DEFAULT_CONFIG, type MonitorConfig } from "./config.js";
import { type Condition, evaluateRules, type HistoryPoint } from "./evaluate.js";
import { MonitorHistory } from "./history.js";
import { Dispatcher, type RetryPolicy } from "./notify.js";
import { type NodeSample, scrapeNode, withNetworkFigures } from "./scrape.js";
import { type SeriesValue, seriesKey } from "./series.js";
import type { Target } from "./targets.js";
import { type NodeView, nodeView } from "./view.js";

const PRUNE_INTERVAL_MS = 10 * 60_000;
/** Most recent points kept in memory per node for the rules' windows. */
const MAX_RECENT_POINTS = 4_000;

export interface MonitorOptions {
  readonly targets: readonly Target[];
  /** Where the history lives (an LMDB environment). */
  readonly dataDir: string;
  readonly config?: MonitorConfig;
  /** Why the configuration asked for could not be used (the monitor then runs on the defaults). */
  readonly configError?: string;
  readonly log?: (line: string) => void;
  readonly nowMs?: () => number;
  readonly retry?: RetryPolicy;
}

/**
 * The monitor: looks at every node each interval (its figures, whether it answers, how far it
 * is behind the best), keeps the history, evaluates the early-warning rules and sends what
 * fires or resolves to the notifiers. Nothing a node or a notifier does can stop the loop.
 */
export class Monitor {
  readonly history: MonitorHistory;
  readonly alerts: AlertBook;
  private config: MonitorConfig;
  configError: string | undefined;
  private dispatcher: Dispatcher;
  private readonly recent = new Map<string, HistoryPoint[]>();
  private readonly latest = new Map<string, NodeSample>();
  private readonly lastSeen = new Map<string, number>();
  /** The nodes the chain registered (gov/node/), as last read; kept while no node answers. */
  private registered: readonly ChainNodeJson[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastPruneMs = 0;
  private ticking: Promise<void> | undefined;
  /** Completed evaluation cycles (tests wait on it instead of on time). */
  cycles = 0;
  url = "";
  private readonly log: (line: string) => void;
  private readonly nowMs: () => number;

  constructor(private readonly options: MonitorOptions) {
    this.log = options.log ?? (() => {});
    this.nowMs = options.nowMs ?? systemClock.now;
    this.config = options.config ?? DEFAULT_CONFIG;
    this.configError = options.configError;
    this.history = new MonitorHistory({ path: join(options.dataDir), retentionMs: this.config.retentionMs });
    this.alerts = new AlertBook((alert) => this.history.recordAlert(alert));
    this.dispatcher = this.makeDispatcher();
  }

  private makeDispatcher(): Dispatcher {
    return new Dispatcher(this.config.notify, () => this.url, this.log, this.options.retry, this.nowMs);
  }

  get targets(): readonly Target[] {
    return this.options.targets;
  }

  get rules() {
    return this.config.rules;
  }

  get intervalMs(): number {
    return this.config.intervalMs;
  }

  notifiers() {
    return this.dispatcher.statuses();
  }

  /** Replaces the configuration (rules, notifications); a bad one is refused by the caller's parse. */
  reconfigure(config: MonitorConfig): void {
    this.config = config;
    this.configError = undefined;
    this.dispatcher.stop();
    this.dispatcher = this.makeDispatcher();
    // A new interval takes effect now, not after the old one has run out.
    if (this.running && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.loop, 0);
    }
  }

  start(): void {
    this.running = true;
    this.loop();
  }

  private readonly loop = (): void => {
    if (!this.running) return;
    this.timer = undefined;
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.running) this.timer = setTimeout(this.loop, this.config.intervalMs);
    });
  };

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.ticking;
    this.dispatcher.stop();
    await this.history.close();
  }

  /** One cycle: look at every node, record, evaluate, notify. Never throws. */
  async tick(): Promise<void> {
    try {
      const timeoutMs = Math.max(500, Math.min(this.config.intervalMs, 3_000));
      const scraped = withNetworkFigures(
        await Promise.all(this.options.targets.map((t) => scrapeNode(t, timeoutMs, this.nowMs))),
      );
      await this.readRegisteredNodes(scraped, timeoutMs);
      const samples = withRegisteredCertificates(scraped, this.registered);
      for (const sample of samples) this.observe(sample);
      const now = this.nowMs();
      const events = this.alerts.update(this.evaluate(now), now);
      for (const event of events) this.announce(event);
      if (now - this.lastPruneMs >= PRUNE_INTERVAL_MS) {
        this.lastPruneMs = now;
        await this.history.prune(now);
      }
    } catch (error) {
      this.log(`monitor cycle failed: ${(error as Error).stack ?? error}`);
    }
    this.cycles++;
  }

  /** The chain's registered nodes, from the highest node that answered; a failure keeps the last. */
  private async readRegisteredNodes(samples: readonly NodeSample[], timeoutMs: number): Promise<void> {
    const best = samples
      .filter((s) => s.status !== undefined)
      .sort((a, b) => Number(b.status?.height) - Number(a.status?.height))[0];
    if (best === undefined) return;
    try {
      this.registered = (await new MarketLedgerClient(best.target.url, { timeoutMs }).chainNodes()).nodes;
    } catch (error) {
      this.log(
        `cannot read the chain's registered nodes from ${best.target.name}: ${(error as Error).message}`,
      );
    }
  }

  evaluate(nowMs: number): Condition[] {
    return evaluateRules(this.config.rules, this.recent, nowMs);
  }

  private observe(sample: NodeSample): void {
    const name = sample.target.name;
    const previous = this.latest.get(name);
    if (previous !== undefined && previous.up !== sample.up)
      this.log(sample.up ? `${name} is reachable again` : `${name} is unreachable: ${sample.error}`);
    this.latest.set(name, sample);
    if (sample.up) this.lastSeen.set(name, sample.atMs);
    this.history.record(name, sample.atMs, sample.series);
    const points = this.recent.get(name) ?? [];
    points.push({ atMs: sample.atMs, up: sample.up, series: byKey(sample.series) });
    const keepFrom = sample.atMs - this.longestWindowMs();
    while (points.length > MAX_RECENT_POINTS || (points[1]?.atMs ?? Number.POSITIVE_INFINITY) <= keepFrom)
      points.shift();
    this.recent.set(name, points);
  }

  private longestWindowMs(): number {
    return Math.max(60_000, ...this.config.rules.map((r) => r.windowMs + this.config.intervalMs));
  }

  private announce(event: AlertEvent): void {
    const a = event.alert;
    this.log(
      `alert ${event.kind}: ${a.rule} (${a.severity}) ${a.node === "" ? "network" : a.node} ${JSON.stringify(a.labels)} value ${a.value}`,
    );
    this.dispatcher.send(event);
  }

  /** What the monitor knows of each node, in the order of the targets. */
  nodes(): NodeView[] {
    const firing = this.firingAlerts();
    return this.options.targets.map((target) =>
      nodeView(
        target,
        this.latest.get(target.name),
        this.lastSeen.get(target.name),
        firing.filter((a) => a.node === target.name).length,
      ),
    );
  }

  firingAlerts(): Alert[] {
    return this.alerts.list().filter((a) => a.state === "firing");
  }
}

function byKey(series: readonly SeriesValue[]): Map<string, SeriesValue> {
  return new Map(series.map((s) => [seriesKey(s.metric, s.labels), s]));
}
