import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApi } from "./api/server.js";
import { startupFailure } from "./fail-stop.js";
import { listenForMetrics } from "./metrics-listener.js";
import { LedgerNode } from "./node.js";

export interface RunningNode {
  readonly node: LedgerNode;
  readonly apiUrl: string;
  /** Where `/metrics` has a listener of its own, when config.json asks for one. */
  readonly metricsUrl: string | undefined;
  readonly api: FastifyInstance;
  stop(): Promise<void>;
}

/** Opens a node home, starts block production and the API; stop() shuts both down cleanly. */
export async function runNode(home: string, logger?: Logger): Promise<RunningNode> {
  const node = await LedgerNode.open(home, logger);
  const { host, port } = node.config.api;
  let api: FastifyInstance | undefined;
  let metrics: Awaited<ReturnType<typeof listenForMetrics>> | undefined;
  let address: string;
  let what = `the API on ${host}:${port}`;
  try {
    api = await buildApi(node);
    address = await api.listen({ host, port });
    const wanted = node.config.metrics;
    if (wanted) {
      what = `metrics on ${wanted.host}:${wanted.port}`;
      metrics = await listenForMetrics(node.metrics, wanted.host, wanted.port);
    }
  } catch (error) {
    // Nothing is left half-started: the engine never ran, the store and links close again.
    await api?.close();
    await node.stop();
    throw startupFailure(error, `cannot listen for ${what}`);
  }
  node.start();
  let stopping: Promise<void> | undefined;
  return {
    node,
    apiUrl: address,
    metricsUrl: metrics?.url,
    api,
    stop: () => {
      stopping ??= (async () => {
        await metrics?.close();
        await api.close();
        await node.stop();
      })();
      return stopping;
    },
  };
}
