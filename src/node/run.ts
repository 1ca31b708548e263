import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApi } from "./api/server.js";
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
  const api = await buildApi(node);
  const address = await api.listen({ host: node.config.api.host, port: node.config.api.port });
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
