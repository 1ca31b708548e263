import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApi } from "./api/server.js";
import { startupFailure } from "./fail-stop.js";
import { LedgerNode } from "./node.js";

export interface RunningNode {
  readonly node: LedgerNode;
  readonly apiUrl: string;
  readonly api: FastifyInstance;
  stop(): Promise<void>;
}

/** Opens a node home, starts block production and the API; stop() shuts both down cleanly. */
export async function runNode(home: string, logger?: Logger): Promise<RunningNode> {
  const node = await LedgerNode.open(home, logger);
  const { host, port } = node.config.api;
  let api: FastifyInstance | undefined;
  let address: string;
  try {
    api = await buildApi(node);
    address = await api.listen({ host, port });
  } catch (error) {
    // Nothing is left half-started: the engine never ran, the store and links close again.
    await api?.close();
    await node.stop();
    throw startupFailure(error, `cannot listen for the API on ${host}:${port}`);
  }
  node.start();
  let stopping: Promise<void> | undefined;
  return {
    node,
    apiUrl: address,
    api,
    stop: () => {
      stopping ??= (async () => {
        await api.close();
        await node.stop();
      })();
      return stopping;
    },
  };
}
