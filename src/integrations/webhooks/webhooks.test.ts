import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chainEvents,
  type Party,
  startTestChain,
  suite,
  type TestChain,
  until,
} from "../testkit.test-util.js";
import { signSubscriptionRequest } from "./authorise.js";
import { inBlockOrder, Receiver } from "./receiver.test-util.js";
import { type RunningWebhookService, startWebhookService } from "./service.js";

/**
 * The webhook service against a node with demo orders flowing: who may subscribe to what,
 * signed deliveries in block order with retries, dead letters an operator replays, and a
 * restart that loses nothing.
 */

let chain: TestChain;
let receiver: Receiver;
let dataDir: string;
let service: RunningWebhookService;
const retry = { baseMs: 10, maxMs: 40, maxAttempts: 3, timeoutMs: 2_000 };
const start = () => startWebhookService({ nodeUrl: chain.url, dataDir, retry });

beforeAll(async () => {
  chain = await startTestChain("hooks");
  receiver = new Receiver();
  await receiver.start();
  dataDir = mkdtempSync(join(tmpdir(), "mkl-hooks-"));
  service = await start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await receiver?.stop();
  await chain?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function subscribe(who: Party, scope: object, nowMs = Date.now(), url = receiver.url) {
  const signed = signSubscriptionRequest(suite, chain.key(who), { url, scope } as never, nowMs);
  const response = await fetch(`${service.url}/v1/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(signed),
  });
  const body = (await response.json()) as {
    id: string;
    secret: string;
    fromHeight: string;
    error?: { code: string };
  };
  if (response.ok) receiver.secrets.set(body.id, body.secret);
  return { status: response.status, body, signed };
}

describe("webhooks", () => {
  let enterpriseSub: string;
  let liSub: string;
  let liFrom: bigint;

  it("authorises a subscription by a signed request: an enterprise to its own events, anyone to events naming it", async () => {
    const enterprise = await subscribe("enterprise-a", { enterprise: "org1" });
    expect(enterprise.status).toBe(201);
    enterpriseSub = enterprise.body.id;
    const li = await subscribe("marketer-li", { payee: chain.code("marketer-li") });
    expect(li.status).toBe(201);
    liSub = li.body.id;
    liFrom = BigInt(li.body.fromHeight);
    expect((await subscribe("marketer-wang", { enterprise: "org1" })).body.error?.code).toBe(
      "SUBSCRIPTION_FORBIDDEN",
    );
    expect((await subscribe("pay-co", { enterprise: "org1" })).body.error?.code).toBe(
      "SUBSCRIPTION_FORBIDDEN",
    );
    expect((await subscribe("marketer-li", { payee: chain.code("buyer-zhao") })).body.error?.code).toBe(
      "SUBSCRIPTION_FORBIDDEN",
    );
    expect(
      (await subscribe("enterprise-a", { enterprise: "org1" }, Date.now() - 3_600_000)).body.error?.code,
    ).toBe("SUBSCRIPTION_EXPIRED");
    // Someone else's key cannot claim the enterprise's identity, and a changed payload does not verify.
    const forged = signSubscriptionRequest(
      suite,
      chain.key("marketer-wang"),
      { url: receiver.url, scope: { enterprise: "org1" } },
      Date.now(),
    );
    const claimed = {
      ...forged,
      payload: forged.payload.replace(chain.code("marketer-wang"), chain.code("enterprise-a")),
    };
    const answer = await fetch(`${service.url}/v1/subscriptions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(claimed),
    });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
      "SUBSCRIPTION_BAD_SIGNATURE",
    );
  });

  it("delivers every event of the scope, signed, in block order, retrying failures, and resumes after a restart", async () => {
    receiver.failNext = 2;
    await chain.demo();
    await until(() => receiver.of(enterpriseSub).some((e) => e.type === "commissionSettled"), 40_000);
    // A restart: events committed while the service is down arrive after it is back.
    await service.stop();
    const downFrom = BigInt(
      ((await (await fetch(`${chain.url}/v1/status`)).json()) as { height: string }).height,
    );
    await until(
      async () =>
        BigInt(((await (await fetch(`${chain.url}/v1/status`)).json()) as { height: string }).height) >
        downFrom + 20n,
    );
    service = await start();
    const target = downFrom + 30n;
    await until(() => receiver.of(enterpriseSub).some((e) => BigInt(e.height) > target), 40_000);
    const lastHeight = (sub: string) => BigInt(receiver.of(sub).at(-1)!.height);
    await until(() => service.store.queued(enterpriseSub) === 0 || lastHeight(enterpriseSub) > target);

    expect(receiver.badSignatures).toBe(0);
    const enterpriseGot = receiver.of(enterpriseSub).filter((e) => BigInt(e.height) <= target);
    expect(inBlockOrder(enterpriseGot.map((e) => e.id))).toBe(true);
    const expected = await chainEvents(
      chain.url,
      { enterprise: "org1" },
      BigInt(enterpriseGot[0]!.height),
      target,
    );
    expect(enterpriseGot.map((e) => e.id)).toEqual(
      expected.map((e) => e.id).slice(expected.findIndex((e) => e.id === enterpriseGot[0]!.id)),
    );
    expect(new Set(enterpriseGot.map((e) => e.type)).has("orderPaid")).toBe(true);

    const liGot = receiver.of(liSub).filter((e) => BigInt(e.height) <= target);
    expect(liGot.length).toBeGreaterThan(0);
    expect(inBlockOrder(liGot.map((e) => e.id))).toBe(true);
    expect(liGot.every((e) => Object.values(e.attributes).includes(chain.code("marketer-li")))).toBe(true);
    const liExpected = await chainEvents(chain.url, { payee: chain.code("marketer-li") }, liFrom, target);
    expect(liGot.map((e) => e.id)).toEqual(liExpected.map((e) => e.id));
  }, 120_000);

  it("dead-letters an event after its attempts and delivers it when the operator replays it", async () => {
    receiver.down = true;
    const before = receiver.posts;
    await until(() => service.store.deadLetters().length > 0, 30_000);
    expect(receiver.posts - before).toBeGreaterThanOrEqual(retry.maxAttempts);
    receiver.down = false;
    const headers = { authorization: `Bearer ${service.adminToken}` };
    expect((await fetch(`${service.url}/v1/dead-letters`)).status).toBe(401);
    const { deadLetters } = (await (await fetch(`${service.url}/v1/dead-letters`, { headers })).json()) as {
      deadLetters: Array<{ id: string; eventId: string; attempts: number }>;
    };
    expect(deadLetters[0]!.attempts).toBe(retry.maxAttempts);
    const [first, ...rest] = deadLetters;
    const one = await fetch(`${service.url}/v1/dead-letters/${encodeURIComponent(first!.id)}/replay`, {
      method: "POST",
      headers,
    });
    expect(one.status).toBe(200);
    const all = await fetch(`${service.url}/v1/dead-letters/replay`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{}",
    });
    const replayed = ((await all.json()) as { replayed: string[] }).replayed;
    expect(replayed).toEqual(expect.arrayContaining(rest.map((d) => d.id)));
    await until(() => deadLetters.every((d) => receiver.seen.has(d.id)), 30_000);
    // Replayed together, one subscription's dead letters arrive in block order.
    for (const sub of [enterpriseSub, liSub]) {
      const ids = rest.filter((d) => d.id.startsWith(`${sub}/`)).map((d) => d.eventId);
      const arrived = receiver.of(sub).filter((e) => ids.includes(e.id));
      expect(inBlockOrder(arrived.map((e) => e.id))).toBe(true);
    }
    expect(service.store.deadLetters().filter((d) => deadLetters.some((x) => x.id === d.id))).toEqual([]);
  }, 60_000);
});
