import { consoleRoutes } from "../static.js";
import { blockRoutes } from "./blocks.js";
import { eventRoutes } from "./events.js";
import { evidenceRoutes } from "./evidence.js";
import { healthRoutes } from "./health.js";
import { identityRoutes } from "./identities.js";
import { marketingRoutes } from "./marketing.js";
import { metricsRoutes } from "./metrics.js";
import { openApiRoutes } from "./openapi.js";
import { opsProxyRoutes } from "./ops-proxy.js";
import { paymentSimulatorRoutes } from "./payment-simulator.js";
import { proposalRoutes } from "./proposals.js";
import { stateRoutes } from "./state.js";
import { statusRoutes } from "./status.js";
import { txRoutes } from "./txs.js";
import type { RouteModule } from "./types.js";

/**
 * Every route module of the API, one per resource. A new resource is a new module here; its
 * schemas (src/sdk/wire) validate it, serialise it and describe it in /openapi.json.
 */
export const ROUTE_MODULES: readonly RouteModule[] = [
  openApiRoutes,
  healthRoutes,
  metricsRoutes,
  statusRoutes,
  txRoutes,
  blockRoutes,
  stateRoutes,
  evidenceRoutes,
  proposalRoutes,
  identityRoutes,
  marketingRoutes,
  eventRoutes,
  opsProxyRoutes,
  paymentSimulatorRoutes,
  consoleRoutes,
];
