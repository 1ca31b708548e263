import type { FastifyInstance } from "fastify";
import { buildMonitorApi } from "./api.js";
import { DEFAULT_CONFIG, loadMonitorConfig, type MonitorConfig } from "./config.js";
import { Monitor } from "./monitor.js";
import type { RetryPolicy } from "./notify.js";
import type { Target } from "./targets.js";

export interface RunMonitorOptions {
  readonly targets: readonly Target[];
  readonly dataDir: string;
  /** The monitor's file (rules, notifications); a bad one is reported and the defaults run. */
  readonly configPath?: string;
  /** Whether the file must exist (it was named on the command line). */
  readonly configRequired?: boolean;
  readonly host?: string;
  readonly port?: number;
  /** When the port is taken, listen on any free port instead of failing. */
  readonly anyPortIfBusy?: boolean;
  readonly log: (line: string) => void;
  readonly retry?: RetryPolicy;
}

export interface RunningMonitor {
  readonly monitor: Monitor;
  readonly api: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
}

function loadOrDefaults(options: RunMonitorOptions): { config: MonitorConfig; error?: string } {
  try {
    return { config: loadMonitorConfig(options.configPath, options.configRequired ?? false) };
  } catch (error) {
    return { config: DEFAULT_CONFIG, error: (error as Error).message };
  }
}

/** Starts the monitor and its API; resolves once the API listens. Bad config never stops it. */
export async function runMonitor(options: RunMonitorOptions): Promise<RunningMonitor> {
  const { config, error } = loadOrDefaults(options);
  if (error !== undefined) options.log(`monitor configuration refused, running the default rules: ${error}`);
  const monitor = new Monitor({
    targets: options.targets,
    dataDir: options.dataDir,
    config,
    ...(error === undefined ? {} : { configError: error }),
    log: options.log,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  const api = await buildMonitorApi(monitor, options.configPath);
  const host = options.host ?? "127.0.0.1";
  let url: string;
  try {
    url = await api.listen({ host, port: options.port ?? 0 });
  } catch (listenError) {
    if ((listenError as { code?: string }).code !== "EADDRINUSE" || options.anyPortIfBusy !== true) {
      await monitor.stop();
      throw listenError;
    }
    options.log(`port ${options.port} is taken: the monitor listens on another`);
    url = await api.listen({ host, port: 0 });
  }
  monitor.url = url;
  monitor.start();
  let stopping: Promise<void> | undefined;
  return {
    monitor,
    api,
    url,
    stop: () => {
      stopping ??= (async () => {
        await api.close();
        await monitor.stop();
      })();
      return stopping;
    },
  };
}
