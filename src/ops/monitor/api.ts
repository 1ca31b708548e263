import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { z } from "zod";
import { systemClock } from "../../clock.js";
import { LedgerError } from "../../errors.js";
import { type IdentityJson, OPS_REQUEST, refusalStatuses } from "../../sdk/index.js";
import { nodesBestFirst } from "./best-node.js";
import { loadMonitorConfig } from "./config.js";
import { parseDuration } from "./duration.js";
import { MonitorError } from "./errors.js";
import { governanceRoutes } from "./governance.js";
import type { Monitor } from "./monitor.js";
import { MONITOR_OPENAPI } from "./openapi.js";
import { OperatorAuth, SIGNER_REFUSALS } from "./operator-auth.js";

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new MonitorError("BAD_REQUEST", problems);
  }
  return parsed.data;
}

const ms = z.coerce.number().int().min(0);
const seriesQuery = z.object({
  node: z.string().min(1),
  series: z.string().min(1),
  from: ms.optional(),
  to: ms.optional(),
  maxPoints: z.coerce.number().int().min(1).max(5_000).default(500),
});
const silenceBody = z
  .object({
    rule: z.string().optional(),
    node: z.string().optional(),
    duration: z.string(),
    comment: z.string().max(500).default(""),
  })
  .strict();

/** The HTTP status of each refusal code; any other LedgerError is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  NODE_UNREACHABLE: 502,
  ...refusalStatuses(OPS_REQUEST),
  // The chain's refusals of the signer, and a signer whose role may not operate.
  ...Object.fromEntries([...SIGNER_REFUSALS].map((code) => [code, 403])),
  ROLE_NOT_PERMITTED: 403,
};

/**
 * Writes a governance transaction carries its own signature, which the chain checks: the
 * monitor only relays it. Every other write must be a signed operator request.
 */
const SIGNED_BY_ITSELF = "/v1/ops/governance/txs";

/** Every route, as "METHOD /path": a test holds the OpenAPI document to it. */
export const monitorRoutes = new WeakMap<FastifyInstance, string[]>();

/**
 * The monitor's HTTP API (`/v1/ops/...`, described at /openapi.json): the nodes now, series for
 * charts, rules, alerts (acknowledge, silence), the notifiers' state and governance.
 */
export async function buildMonitorApi(monitor: Monitor, configPath?: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const routes: string[] = [];
  monitorRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat())
      if (method !== "HEAD") routes.push(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof LedgerError) {
      const status = STATUS_BY_CODE[error.code] ?? 400;
      return reply.status(status).send({ error: { code: error.code, message: error.message } });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({
      error: { code: status >= 500 ? "INTERNAL" : "BAD_REQUEST", message: (error as Error).message },
    });
  });
  const now = () => systemClock.now();
  // Who signed each write (the hook below runs once the body is parsed, before the handler).
  const auth = new OperatorAuth(() => nodesBestFirst(monitor), now, monitor.history.nonceBook(now()));
  const operators = new WeakMap<FastifyRequest, IdentityJson>();
  app.addHook("preHandler", async (request) => {
    if (request.method === "GET" || request.method === "HEAD" || request.url === SIGNED_BY_ITSELF) return;
    operators.set(request, await auth.verify(request));
  });
  const operator = (request: FastifyRequest) => (operators.get(request) as IdentityJson).code;

  app.get("/openapi.json", async () => MONITOR_OPENAPI);
  app.get("/v1/ops/network", async () => {
    const nodes = monitor.nodes();
    const heights = nodes.flatMap((n) => (n.height === undefined ? [] : [n.height]));
    return {
      nodes: nodes.length,
      up: nodes.filter((n) => n.up).length,
      bestHeight: heights.length === 0 ? null : Math.max(...heights),
      firing: monitor.firingAlerts().length,
      intervalMs: monitor.intervalMs,
      configError: monitor.configError ?? null,
      cycles: monitor.cycles,
    };
  });
  app.get("/v1/ops/nodes", async () => ({ nodes: monitor.nodes() }));
  app.get("/v1/ops/nodes/:node/series", async (request) => {
    const { node } = parse(z.object({ node: z.string() }), request.params);
    if (!monitor.targets.some((t) => t.name === node)) throw new MonitorError("NOT_FOUND", `no node ${node}`);
    return { node, series: monitor.history.seriesNames(node) };
  });
  app.get("/v1/ops/series", async (request) => {
    const q = parse(seriesQuery, request.query);
    const to = q.to ?? now();
    const from = q.from ?? to - 3_600_000;
    if (from > to) throw new MonitorError("BAD_REQUEST", "from is after to");
    return {
      node: q.node,
      series: q.series,
      from,
      to,
      ...(await monitor.history.query(q.node, q.series, from, to, now(), q.maxPoints)),
    };
  });
  app.get("/v1/ops/rules", async () => ({ rules: monitor.rules, configError: monitor.configError ?? null }));
  app.post("/v1/ops/rules/reload", async () => {
    // A bad file is refused with its error and the rules in force stay.
    const config = loadMonitorConfig(configPath, configPath !== undefined);
    monitor.reconfigure(config);
    return { rules: monitor.rules.length };
  });
  app.get("/v1/ops/alerts", async () => ({ alerts: monitor.alerts.list() }));
  app.get("/v1/ops/alerts/history", async () => ({ alerts: await monitor.history.alertHistory() }));
  app.post("/v1/ops/alerts/:id/ack", async (request) => {
    const { id } = parse(z.object({ id: z.string() }), request.params);
    parse(z.object({}).strict(), request.body);
    const alert = monitor.alerts.acknowledge(id, operator(request), now());
    if (alert === undefined) throw new MonitorError("NOT_FOUND", `no active alert ${id}`);
    return alert;
  });
  app.get("/v1/ops/silences", async () => ({ silences: monitor.alerts.listSilences(now()) }));
  app.post("/v1/ops/silences", async (request, reply) => {
    const body = parse(silenceBody, request.body);
    const durationMs = parseDuration(body.duration, "duration");
    const silence = monitor.alerts.silence(
      {
        ...(body.rule === undefined ? {} : { rule: body.rule }),
        ...(body.node === undefined ? {} : { node: body.node }),
      },
      durationMs,
      { comment: body.comment, by: operator(request) },
      now(),
    );
    return reply.status(201).send(silence);
  });
  app.delete("/v1/ops/silences/:id", async (request) => {
    const { id } = parse(z.object({ id: z.string() }), request.params);
    if (!monitor.alerts.unsilence(id)) throw new MonitorError("NOT_FOUND", `no silence ${id}`);
    return { removed: id };
  });
  app.get("/v1/ops/notifiers", async () => ({ notifiers: monitor.notifiers() }));
  governanceRoutes(app, monitor);
  return app;
}
