import type { Socket } from "node:net";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { InvariantError } from "../../errors.js";
import type { ApiConfig } from "../config.js";
import { apiConnectionCap, openFilesSoftLimit } from "../fd-limit.js";
import type { LedgerNode } from "../node.js";
import { ApiError, clientErrorHandler, frameworkErrors, RateLimitedError, refusalOf } from "./errors.js";
import { OPENAPI_OPTIONS } from "./openapi.js";
import { monotonicRateLimitStore } from "./rate-limit-store.js";
import { ROUTE_MODULES } from "./routes/index.js";

/** Every route registered, as "METHOD /path" with OpenAPI-style {params}: tests hold the document to it. */
export const registeredRoutes = new WeakMap<FastifyInstance, string[]>();

/** Longest path parameter: a 1024-byte state key in hex, with room to spare. */
const MAX_PARAM_CHARS = 2_100;

/**
 * What a browser may do with what the node serves (the console is served from the same origin):
 * its own scripts, styles and connections only, nothing inline, never framed.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** The Fastify instance with every bound against hostile clients that the config sets. */
function boundedServer(limits: ApiConfig): FastifyInstance {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return Fastify({
    logger: false,
    bodyLimit: 8 * 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout,
      // How often Node looks for requests past their deadlines (its default is 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
    frameworkErrors,
    clientErrorHandler,
  });
}

/**
 * A connection that sends nothing is closed after `ms` (Node's header timeout only starts with
 * the first byte): thousands of silent sockets must not hold the API's connection slots.
 */
function closeSilentConnections(app: FastifyInstance, ms: number): void {
  app.server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    const clear = () => clearTimeout(timer);
    socket.once("data", clear);
    socket.once("close", clear);
  });
}

/** The node's HTTP + WebSocket API; its routes live in ./routes, one module per resource. */
export async function buildApi(node: LedgerNode): Promise<FastifyInstance> {
  const limits = node.config.api;
  const app = boundedServer(limits);
  const openFiles = openFilesSoftLimit();
  app.server.maxConnections = apiConnectionCap(limits.maxConnections, limits.fdReserve, openFiles);
  closeSilentConnections(app, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs));
  node.log.info(
    {
      maxConnections: app.server.maxConnections,
      openFilesLimit: openFiles ?? "unknown",
      fdReserve: limits.fdReserve,
    },
    "API connection cap",
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: string[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return; // the console's pages and files
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") routes.push(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
    }
  });

  // Requests per route (the route's pattern, not the path: a bounded label set).
  app.addHook("onResponse", (request, _reply, done) => {
    node.metrics.httpRequests.inc({ route: request.routeOptions.url ?? "unmatched" });
    done();
  });

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = refusalOf(error);
    if (error instanceof InvariantError) node.stopOnBug(error);
    else if (status >= 500) node.log.error({ err: error }, "request failed");
    if (error instanceof RateLimitedError) void reply.header("retry-after", error.retryAfterSeconds);
    // A pool without room has some again after the next commit.
    else if (status === 429 && (error as { code?: unknown }).code === "MEMPOOL_FULL")
      void reply.header("retry-after", Math.ceil(node.retryAfterMs() / 1000));
    return reply.status(status).send(body);
  });
  await app.register(helmet, {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    // The node speaks plain HTTP; whoever terminates TLS in front of it sets HSTS.
    strictTransportSecurity: false,
  });
  if (limits.corsOrigins.length > 0) await app.register(cors, { origin: limits.corsOrigins });
  await app.register(rateLimit, {
    max: limits.rateLimit.requestsPerSecond,
    timeWindow: 1_000,
    allowList: limits.rateLimit.allow,
    // Bounded memory: the least recently seen clients are forgotten first. Windows timed on the
    // monotonic clock, so a step of the wall clock neither shortens nor lengthens them.
    store: monotonicRateLimitStore(10_000),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        "RATE_LIMITED",
        `more than ${context.max} requests per second from this address; retry in ${context.after}`,
      ),
  });
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) =>
    reply.status(404).send({
      error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url.slice(0, 200)}` },
    }),
  );
  await app.register(swagger, OPENAPI_OPTIONS);
  await app.register(websocket, { options: { maxPayload: 4096 } });

  for (const module of ROUTE_MODULES) await app.register(module, { node });
  return app;
}
