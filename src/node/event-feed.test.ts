import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestChain, type TestChain } from "../integrations/testkit.test-util.js";
import { type EventsQuery, followEvents } from "../sdk/events.js";
import type { BlockEventsJson } from "../sdk/wire/events.js";
import { until } from "../until.test-util.js";

/**
 * The filtered, resumable event stream of a running node with demo orders flowing: filters keep
 * what they say, a replay from the store equals what subscribers saw live, and a follower that
 * stops and resumes from its last height sees every block exactly once.
 */

let chain: TestChain;
let li: string;
let running: { apiUrl: string };

beforeAll(async () => {
  chain = await startTestChain("feed");
  li = chain.code("marketer-li");
  running = { apiUrl: chain.url };
  await chain.demo();
}, 60_000);

afterAll(async () => {
  await chain?.stop();
});

/** Follows until a block at or past `height` was handled; returns every block handled. */
async function collect(query: EventsQuery, untilHeight: bigint): Promise<BlockEventsJson[]> {
  const blocks: BlockEventsJson[] = [];
  let done!: () => void;
  const reached = new Promise<void>((resolve) => {
    done = resolve;
  });
  const follower = followEvents(running.apiUrl, query, async (block) => {
    blocks.push(block);
    if (BigInt(block.height) >= untilHeight) done();
  });
  await reached;
  await follower.stop();
  return blocks.filter((b) => BigInt(b.height) <= untilHeight);
}

async function heightWithSettlements(): Promise<bigint> {
  await until(
    async () => {
      const cost = (await (await fetch(`${running.apiUrl}/v1/marketing/enterprises/org1/cost`)).json()) as {
        settledFen: string;
      };
      return BigInt(cost.settledFen) > 0n;
    },
    30_000,
    "a settled commission",
  );
  const status = (await (await fetch(`${running.apiUrl}/v1/status`)).json()) as { height: string };
  return BigInt(status.height);
}

describe("WebSocket /v1/events with filters and fromHeight", () => {
  it("replays every block from fromHeight in order, each event with a stable id, and filters by kind, enterprise and payee", async () => {
    const head = await heightWithSettlements();
    const all = await collect({ fromHeight: 0n }, head);
    expect(all.map((b) => BigInt(b.height))).toEqual(
      Array.from({ length: Number(head) + 1 }, (_, i) => BigInt(i)),
    );
    const events = all.flatMap((b) => b.events);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // Orders of products without a return window complete in the end-block work: no transaction.
    const endBlock = events.filter((e) => e.txHash === null);
    expect(endBlock.some((e) => e.type === "orderCompleted" && /^\d+-end-\d+$/.test(e.id))).toBe(true);

    const kinds = ["orderPaid", "commissionSettled"];
    const byKind = (await collect({ fromHeight: 0n, kinds }, head)).flatMap((b) => b.events);
    expect(byKind.length).toBeGreaterThan(0);
    expect(byKind).toEqual(events.filter((e) => kinds.includes(e.type)));

    const byEnterprise = (await collect({ fromHeight: 0n, enterprise: "org1" }, head)).flatMap(
      (b) => b.events,
    );
    expect(byEnterprise).toEqual(events.filter((e) => e.attributes.enterprise === "org1"));
    expect((await collect({ fromHeight: 0n, enterprise: "org9" }, head)).flatMap((b) => b.events)).toEqual(
      [],
    );

    const byPayee = (await collect({ fromHeight: 0n, payee: li }, head)).flatMap((b) => b.events);
    expect(byPayee.length).toBeGreaterThan(0);
    expect(byPayee).toEqual(events.filter((e) => Object.values(e.attributes).includes(li)));

    // txs=true lists every transaction of every block, whatever the filter keeps of its events.
    expect(all.every((b) => b.txs === undefined)).toBe(true);
    const withTxs = await collect({ fromHeight: 0n, kinds: ["orderPaid"], txs: true }, head);
    expect(withTxs.map((b) => b.events)).toEqual(
      all.map((b) => b.events.filter((e) => e.type === "orderPaid")),
    );
    const txHashes = new Set(withTxs.flatMap((b) => (b.txs ?? []).map((t) => t.hash)));
    for (const e of events) if (e.txHash !== null) expect(txHashes.has(e.txHash)).toBe(true);
    expect(withTxs.every((b) => (b.txs ?? []).every((t, i) => t.index === i && t.code.length > 0))).toBe(
      true,
    );
  }, 60_000);

  it("what a subscriber sees live equals the replay of the same blocks, and a resumed follower misses and repeats nothing", async () => {
    const start = await heightWithSettlements();
    const live = await collect({ fromHeight: start + 1n, txs: true }, start + 30n);
    const replayed = await collect({ fromHeight: start + 1n, txs: true }, start + 30n);
    expect(replayed).toEqual(live);
    expect(live.some((b) => (b.txs ?? []).length > 0)).toBe(true);

    // Stop in the middle, resume from the block after the last one handled.
    const first = await collect({ fromHeight: 0n, kinds: ["orderCreated"] }, start + 10n);
    const rest = await collect({ fromHeight: start + 11n, kinds: ["orderCreated"] }, start + 30n);
    const once = await collect({ fromHeight: 0n, kinds: ["orderCreated"] }, start + 30n);
    expect([...first, ...rest]).toEqual(once);
  }, 60_000);

  it("refuses a bad filter before the upgrade: HTTP 400 naming each field", async () => {
    const ws = new WebSocket(
      `${running.apiUrl.replace(/^http/, "ws")}/v1/events?payee=mkl1nonsense&fromHeight=x`,
    );
    ws.on("error", () => {});
    const [status, text] = await new Promise<[number, string]>((resolve) =>
      ws.on("unexpected-response", (_request, response) => {
        let data = "";
        response.on("data", (chunk: Buffer) => {
          data += chunk.toString();
        });
        response.on("end", () => resolve([response.statusCode ?? 0, data]));
      }),
    );
    expect(status).toBe(400);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(body.error.message).toMatch(/payee: not a valid user code/);
    expect(body.error.message).toMatch(/fromHeight: a decimal height/);
  });
});
