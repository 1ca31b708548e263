import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import { systemClock } from "../../clock.js";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import type { Suite } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { readTextFile, writeSecretFile } from "../../node/files.js";
import { matchesFilter } from "../../sdk/event-filter.js";
import { type EventFollower, followEvents, MarketLedgerClient } from "../../sdk/index.js";
import type { BlockEventsJson } from "../../sdk/wire/events.js";
import { BUSINESS_EVENT_KINDS } from "../business-events.js";
import { authoriseSubscription, SubscriptionError, signedRequestSchema } from "./authorise.js";
import { DEFAULT_RETRY, Deliverer, type RetryPolicy } from "./deliver.js";
import { type Delivery, type Subscription, WebhookStore } from "./store.js";

/**
 * The webhook service (`mkl webhooks serve`): follows a node's business events from where it
 * stopped, queues each event for every subscription that wants it, and delivers each queue in
 * block order (deliver.ts). Its HTTP API takes signed subscription requests (authorise.ts) and,
 * with the operator's token (DATA/admin.token), lists subscriptions and dead letters and replays them.
 */

export interface WebhookServiceOptions {
  readonly nodeUrl: string;
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly log?: (line: string) => void;
}

export interface RunningWebhookService {
  readonly url: string;
  readonly adminToken: string;
  readonly store: WebhookStore;
  stop(): Promise<void>;
}

const MAX_SUBSCRIPTIONS = 1_000;

/** The operator's token: made once, kept in DATA/admin.token (0600). */
function adminTokenOf(dataDir: string): string {
  const path = join(dataDir, "admin.token");
  if (!existsSync(path)) writeSecretFile(path, `${randomBytes(24).toString("hex")}\n`);
  return readTextFile(path).trim();
}

/** The deliveries one block makes for each subscription, in event order. */
export function deliveriesOf(
  block: BlockEventsJson,
  subscriptions: readonly Subscription[],
): Map<string, Delivery[]> {
  const out = new Map<string, Delivery[]>();
  for (const sub of subscriptions) {
    if (BigInt(block.height) < BigInt(sub.fromHeight)) continue;
    const filter = { kinds: new Set(sub.kinds), ...sub.filter };
    const list = block.events
      .filter((e) => matchesFilter(filter, e))
      .map((e) => ({
        subscription: sub.id,
        eventId: e.id,
        height: block.height,
        body: JSON.stringify({
          id: e.id,
          subscription: sub.id,
          type: e.type,
          height: block.height,
          timeMs: block.timeMs,
          blockHash: block.hash,
          txHash: e.txHash,
          attributes: e.attributes,
        }),
        attempts: 0,
        nextAttemptMs: 0,
      }));
    if (list.length > 0) out.set(sub.id, list);
  }
  return out;
}

export async function startWebhookService(options: WebhookServiceOptions): Promise<RunningWebhookService> {
  const log = options.log ?? (() => {});
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  mkdirSync(options.dataDir, { recursive: true });
  const adminToken = adminTokenOf(options.dataDir);
  const store = WebhookStore.open(join(options.dataDir, "store"));
  const client = new MarketLedgerClient(options.nodeUrl);
  const deliverers = new Map<string, Deliverer>();
  const deliverer = (sub: Subscription) => {
    let d = deliverers.get(sub.id);
    if (d === undefined) {
      d = new Deliverer(store, sub, retry, log);
      deliverers.set(sub.id, d);
    }
    return d;
  };
  for (const sub of store.subscriptions()) deliverer(sub);

  const follower: EventFollower = followEvents(
    options.nodeUrl,
    { kinds: BUSINESS_EVENT_KINDS, fromHeight: (store.cursor() ?? -1n) + 1n },
    async (block) => {
      const deliveries = deliveriesOf(block, store.subscriptions());
      store.ingest(BigInt(block.height), deliveries);
      for (const id of deliveries.keys()) deliverers.get(id)?.poke();
    },
    { onError: (error) => log(`webhooks: event stream: ${error.message}`) },
  );

  let suite: Suite | undefined;
  const suiteOf = async () => {
    if (suite) return suite;
    const status = await client.status();
    if (!isSuiteId(status.suite))
      throw new LedgerError("SUITE_UNKNOWN", `the chain's suite ${status.suite} is unknown`);
    suite = getSuite(status.suite);
    return suite;
  };

  const app = buildApi({ store, adminToken, client, suiteOf, deliverer });
  const url = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  return {
    url,
    adminToken,
    store,
    stop: async () => {
      await app.close();
      await follower.stop();
      await Promise.all([...deliverers.values()].map((d) => d.stop()));
      await store.close();
    },
  };
}

interface ApiContext {
  store: WebhookStore;
  adminToken: string;
  client: MarketLedgerClient;
  suiteOf: () => Promise<Suite>;
  deliverer: (sub: Subscription) => Deliverer;
}

function buildApi(ctx: ApiContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof SubscriptionError) {
      const status =
        error.code === "SUBSCRIPTION_FORBIDDEN" || error.code === "SUBSCRIPTION_BAD_SIGNATURE" ? 403 : 400;
      return reply.status(status).send({ error: { code: error.code, message: error.message } });
    }
    if (error instanceof LedgerError)
      return reply.status(502).send({ error: { code: error.code, message: error.message } });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({
      error: { code: status >= 500 ? "INTERNAL" : "BAD_REQUEST", message: (error as Error).message },
    });
  });
  const admin = (authorization: string | undefined) => {
    if (authorization !== `Bearer ${ctx.adminToken}`)
      throw Object.assign(
        new Error("the operator's token is required (Authorization: Bearer, DATA/admin.token)"),
        { statusCode: 401 },
      );
  };

  app.get("/healthz", async () => ({ ok: true, cursor: ctx.store.cursor()?.toString() ?? null }));

  app.post("/v1/subscriptions", async (request, reply) => {
    const signed = signedRequestSchema.safeParse(request.body);
    if (!signed.success)
      throw new SubscriptionError("SUBSCRIPTION_INVALID", "expected {payload, publicKey, signature}");
    const suite = await ctx.suiteOf();
    const { request: wanted, filter } = await authoriseSubscription(
      suite,
      ctx.client,
      signed.data,
      systemClock.now(),
    );
    if (ctx.store.subscriptions().length >= MAX_SUBSCRIPTIONS)
      throw new SubscriptionError("SUBSCRIPTION_LIMIT", `at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    const subscription: Subscription = {
      id: randomBytes(8).toString("hex"),
      url: wanted.url,
      secret: randomBytes(32).toString("hex"),
      signer: wanted.signer,
      filter,
      kinds: wanted.kinds,
      createdAtMs: systemClock.now(),
      fromHeight: ((ctx.store.cursor() ?? -1n) + 1n).toString(),
    };
    ctx.store.addSubscription(subscription);
    ctx.deliverer(subscription);
    return reply.status(201).send({
      id: subscription.id,
      secret: subscription.secret,
      fromHeight: subscription.fromHeight,
      filter,
      kinds: subscription.kinds,
    });
  });

  app.get("/v1/subscriptions", async (request) => {
    admin(request.headers.authorization);
    return {
      subscriptions: ctx.store
        .subscriptions()
        .map(({ secret: _secret, ...s }) => ({ ...s, queued: ctx.store.queued(s.id) })),
    };
  });

  app.get("/v1/dead-letters", async (request) => {
    admin(request.headers.authorization);
    return {
      deadLetters: ctx.store.deadLetters().map(({ id, delivery }) => ({
        id,
        subscription: delivery.subscription,
        eventId: delivery.eventId,
        height: delivery.height,
        attempts: delivery.attempts,
        lastError: delivery.lastError ?? null,
      })),
    };
  });

  const replay = (ids: readonly string[]) => {
    const replayed = ctx.store.replay(ids, systemClock.now());
    for (const sub of ctx.store.subscriptions())
      if (replayed.some((id) => id.startsWith(`${sub.id}/`))) ctx.deliverer(sub).poke();
    return replayed;
  };

  app.post("/v1/dead-letters/:id/replay", async (request) => {
    admin(request.headers.authorization);
    const { id } = z.object({ id: z.string().max(256) }).parse(request.params);
    if (replay([id]).length === 0)
      throw Object.assign(new Error(`no dead letter ${id}`), { statusCode: 404 });
    return { replayed: id };
  });

  // Every dead letter (of one subscription, or all) at once, so they go back in block order.
  app.post("/v1/dead-letters/replay", async (request) => {
    admin(request.headers.authorization);
    const { subscription } = z
      .object({ subscription: z.string().max(64).optional() })
      .strict()
      .parse(request.body ?? {});
    return { replayed: replay(ctx.store.deadLetters(subscription).map((d) => d.id)) };
  });
  return app;
}
