import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketLedgerClient, SdkError } from "./client.js";

/** The client's handling of refusals, against a small HTTP server that answers as told. */
let server: Server;
let url: string;
let answer: { status: number; headers: Record<string, string>; body: string };

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    response.end(answer.body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

const refusal = (code: string) => JSON.stringify({ error: { code, message: `refused: ${code}` } });

describe("MarketLedgerClient refusals", () => {
  it("hands on a 429's code, message and Retry-After", async () => {
    answer = { status: 429, headers: { "retry-after": "3" }, body: refusal("RATE_LIMITED") };
    const error = await new MarketLedgerClient(url).status().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect(error).toMatchObject({ code: "RATE_LIMITED", status: 429, retryAfterMs: 3_000 });
  });

  it("has no retryAfterMs without a Retry-After in seconds, and names an answer in another shape", async () => {
    answer = { status: 429, headers: { "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT" }, body: "{}" };
    const error = await new MarketLedgerClient(url).status().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HTTP_ERROR", status: 429, retryAfterMs: undefined });
  });

  it("sends its requests through the fetch it was given", async () => {
    answer = { status: 404, headers: {}, body: refusal("NOT_FOUND") };
    const asked: string[] = [];
    const client = new MarketLedgerClient(url, {
      fetch: (input, init) => {
        asked.push(input instanceof Request ? input.url : input.toString());
        return fetch(input, init);
      },
    });
    expect(await client.tx("ab".repeat(32))).toBeUndefined();
    expect(asked).toEqual([`${url}/v1/txs/${"ab".repeat(32)}`]);
  });
});
