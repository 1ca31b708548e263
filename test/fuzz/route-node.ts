import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildApi } from "../../src/node/api/server.js";
import { LedgerNode } from "../../src/node/node.js";
import { soloTestHome } from "../../src/node/solo-home.test-util.js";
import { type Operation, operationsOf } from "./routes.js";

export interface FuzzedNode {
  readonly app: FastifyInstance;
  readonly operations: Operation[];
  close(): Promise<void>;
}

/** A solo node with its API (never listening: requests are injected), and its routes. */
export async function fuzzedNode(): Promise<FuzzedNode> {
  const solo = soloTestHome("route-fuzz", {
    moniker: "route-fuzz",
    api: { host: "127.0.0.1", port: 0, rateLimit: { allow: ["127.0.0.1"] } },
    emptyBlockIntervalMs: 200,
  });
  const node = await LedgerNode.open(solo.home, pino({ level: "silent" }));
  node.start();
  const app = await buildApi(node);
  await app.ready();
  const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
  return {
    app,
    operations: operationsOf(document),
    close: async () => {
      await app.close();
      await node.stop();
      solo.remove();
    },
  };
}
