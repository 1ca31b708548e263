import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressOfKey, buildSignedTx, MarketLedgerClient, SdkError, transferOp } from "../../sdk/index.js";
import { LedgerNode } from "../node.js";
import { type SoloTestHome, soloTestHome } from "../solo-home.test-util.js";
import { buildApi } from "./server.js";

/**
 * A pool without room tells the client when to come back. The node is never started, so no
 * block commits and the pool stays as full as the test leaves it; requests are injected.
 */
let solo: SoloTestHome;
let node: LedgerNode;
let app: FastifyInstance;
let client: MarketLedgerClient;

beforeAll(async () => {
  solo = soloTestHome("full", {
    api: { host: "127.0.0.1", port: 0, rateLimit: { allow: ["127.0.0.1"] } },
    mempool: { maxTxs: 2 },
  });
  node = await LedgerNode.open(solo.home, pino({ level: "silent" }));
  app = await buildApi(node);
  await app.ready();
  // The SDK's requests answered by the injected API.
  client = new MarketLedgerClient("http://node", {
    fetch: async (input, init) => {
      const answer = await app.inject({
        method: init?.method as "GET" | "POST",
        url: (input as string).replace("http://node", ""), // the SDK passes its URL as a string
        headers: init?.headers as Record<string, string>,
        payload: typeof init?.body === "string" ? init.body : Buffer.from(init?.body as Uint8Array),
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) headers.set(name, String(value));
      return new Response(answer.body, { status: answer.statusCode, headers });
    },
  });
});

afterAll(async () => {
  await app.close();
  await node.stop();
  solo.remove();
});

function transfer(nonce: bigint) {
  const suite = node.suite;
  return buildSignedTx(
    suite,
    solo.alice,
    { chainId: "full-test", nonce, expiryHeight: 1_000n },
    transferOp(addressOfKey(suite, solo.bob.publicKey.bytes), 1n, "full"),
  ).bytes;
}

describe("a full pool's answers", () => {
  it("say when to offer again only when something was refused for want of room: Retry-After, and retryAfterMs in a batch", async () => {
    const taken = await client.submitTxBatch([transfer(0n), transfer(1n)]);
    expect(taken.results.every((r) => "hash" in r)).toBe(true);
    expect(taken.retryAfterMs).toBeUndefined();

    const refused = await client.submitTxBatch([transfer(2n)]);
    expect(refused.results).toEqual([{ error: { code: "MEMPOOL_FULL", message: expect.any(String) } }]);
    // Nothing committed yet: the node has no interval to go by and says half a second.
    expect(refused.retryAfterMs).toBe(500);
    const raw = await app.inject({
      method: "POST",
      url: "/v1/txs",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ tx: Buffer.from(transfer(2n)).toString("hex") }),
    });
    expect(raw.statusCode).toBe(429);
    expect(raw.headers["retry-after"]).toBe("1");

    const error = await client.submitTx(transfer(2n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect([(error as SdkError).code, (error as SdkError).retryAfterMs]).toEqual(["MEMPOOL_FULL", 1_000]);
  });
});
