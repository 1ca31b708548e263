import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { KeyPair } from "../../crypto/suite.js";
import { addressOfKey, buildSignedTx, transferOp } from "../../sdk/index.js";
import { encodeTxBatch } from "../../sdk/wire/index.js";
import { until } from "../../until.test-util.js";
import { initSoloHome } from "../home.js";
import { type RunningNode, runNode } from "../run.js";

/**
 * The API under hostile clients: every refusal, the framework's own included, in the documented
 * shape; a connection cap, slow and idle clients cut off, per-address and per-signer rate limits,
 * a bound on WebSocket subscribers; and the node keeps committing meanwhile.
 */

const CAP = 24;
const RATE = 40;
const SIGNER_RATE = 3;
let home: string;
let running: RunningNode;
let alice: KeyPair;
let port: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "mkl-api-hard-"));
  const { accounts } = initSoloHome(home, {
    suite: "ed25519",
    chainId: "hard",
    apiPort: 0,
    fundedAccounts: [{ name: "alice", balanceFen: 1_000_000n }],
    genesisTimeMs: 1_700_000_000_000n,
  });
  alice = accounts.get("alice") as KeyPair;
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      moniker: "hard",
      emptyBlockIntervalMs: 100,
      api: {
        host: "127.0.0.1",
        port: 0,
        maxConnections: CAP,
        headersTimeoutMs: 400,
        requestTimeoutMs: 800,
        keepAliveTimeoutMs: 300,
        idleTimeoutMs: 1_000,
        maxHeaderBytes: 4_096,
        rateLimit: { requestsPerSecond: RATE, txsPerSignerPerSecond: SIGNER_RATE },
        maxEventSubscribers: 2,
        corsOrigins: ["https://console.example"],
      },
    }),
  );
  running = await runNode(home, pino({ level: "silent" }));
  port = Number(new URL(running.apiUrl).port);
}, 30_000);

afterAll(async () => {
  await running?.stop();
  rmSync(home, { recursive: true, force: true });
});

/**
 * A raw exchange: writes `request`, returns what the server sent until it closed, `ms` passed
 * or (unless `untilClose`) the first answer was complete.
 */
function raw(request: string | Buffer, ms = 3_000, untilClose = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, ms);
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (!untilClose && /\r\n\r\n/.test(answer) && /content-length: (\d+)/i.test(answer)) {
        const length = Number(/content-length: (\d+)/i.exec(answer)?.[1]);
        if (Buffer.byteLength(answer.split("\r\n\r\n").slice(1).join("\r\n\r\n"), "latin1") >= length) done();
      }
    });
    socket.on("close", done);
    socket.on("error", done);
    socket.write(request);
  });
}

/** Status line and parsed JSON body of a raw answer. */
function parsed(answer: string): { status: number; body: { error?: { code: string; message: string } } } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  const text = answer.slice(answer.indexOf("\r\n\r\n") + 4);
  return { status, body: JSON.parse(text) };
}

/** Waits until the per-address budget has room again (a fixed window of one second). */
async function untilAnswered(path = "/v1/status"): Promise<Response> {
  let response: Response | undefined;
  await until(
    async () => {
      response = await fetch(`${running.apiUrl}${path}`);
      return response.status !== 429;
    },
    5_000,
    "the rate limit's window to pass",
  );
  return response as Response;
}

const heightNow = () => running.node.chain.height;
async function untilHeight(target: bigint): Promise<void> {
  while (heightNow() < target) await new Promise((resolve) => running.node.events.once("block", resolve));
}

describe("the API under hostile clients", () => {
  it("answers every framework refusal in the documented shape with a stable code", async () => {
    const get = (path: string, headers = "") =>
      raw(`GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`).then(parsed);
    const cases: Array<[Promise<ReturnType<typeof parsed>>, number, string]> = [
      [get("/v1/status", `X-Big: ${"a".repeat(8_000)}\r\n`), 431, "HEADERS_TOO_LARGE"],
      [get(`/v1/state/${"ab".repeat(1_100)}`), 414, "URI_TOO_LONG"],
      [get("/v1/blocks/%E0%A4%A"), 400, "BAD_URL"],
      [get("/nowhere"), 404, "NOT_FOUND"],
      [get("/v1/blocks/abc"), 400, "BAD_REQUEST"],
      [get("/v1/events"), 426, "UPGRADE_REQUIRED"],
      [raw("NOT HTTP AT ALL\r\n\r\n").then(parsed), 400, "BAD_REQUEST"],
      [
        raw(
          `POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
        ).then(parsed),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
      [
        raw(
          `POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"tx"`,
        ).then(parsed),
        400,
        "BAD_JSON",
      ],
      [
        raw(
          `POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9000000\r\nConnection: close\r\n\r\n`,
        ).then(parsed),
        413,
        "BODY_TOO_LARGE",
      ],
    ];
    for (const [answer, status, code] of cases) {
      const { status: got, body } = await answer;
      expect([got, body.error?.code], code).toEqual([status, code]);
      expect(typeof body.error?.message).toBe("string");
    }
  });

  it("sends strict browser headers, and CORS only to an allowed origin", async () => {
    const response = await untilAnswered();
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const allowed = await fetch(`${running.apiUrl}/v1/status`, {
      headers: { origin: "https://console.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example");
    const other = await fetch(`${running.apiUrl}/v1/status`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("limits requests per address and transactions per signer, in the error shape", async () => {
    // Pipelined on one socket, so the node reads them all at once, far inside one window.
    const request = "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n";
    const last = "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const answers = await raw(request.repeat(RATE * 3) + last, 5_000, true);
    // Not anchored: a pipelined answer starts right after the last one's body.
    const statuses = [...answers.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses.filter((s) => s === "200").length).toBeLessThanOrEqual(RATE * 2);
    expect(statuses).toContain("429");
    expect(answers).toContain('"code":"RATE_LIMITED"');
    // When to ask again, which the SDK hands on as SdkError.retryAfterMs.
    expect(answers).toMatch(/^retry-after: \d+\r$/im);
    await untilAnswered();

    const suite = running.node.suite;
    const bob = addressOfKey(suite, suite.generateKeyPair().publicKey.bytes);
    const txs = Array.from({ length: SIGNER_RATE * 4 }, (_, i) =>
      buildSignedTx(
        suite,
        alice,
        { chainId: "hard", nonce: BigInt(i), expiryHeight: 10_000n },
        transferOp(bob, 1n, "r"),
      ),
    );
    const response = await fetch(`${running.apiUrl}/v1/txs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txs: txs.map((tx) => Buffer.from(tx.bytes).toString("hex")) }),
    });
    const { results } = (await response.json()) as { results: Array<{ error?: { code: string } }> };
    const refused = results.filter((r) => r.error?.code === "RATE_LIMITED").length;
    expect(refused).toBeGreaterThanOrEqual(SIGNER_RATE * 2);
    expect(results.slice(0, SIGNER_RATE).every((r) => r.error === undefined)).toBe(true);
    expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  });

  it("limits one signer's transactions in a binary batch as in a JSON one", async () => {
    await untilAnswered();
    const suite = running.node.suite;
    const bob = addressOfKey(suite, suite.generateKeyPair().publicKey.bytes);
    const dave = suite.generateKeyPair(); // a signer of its own: no other case's window counts here
    const txs = Array.from(
      { length: SIGNER_RATE * 4 },
      (_, i) =>
        buildSignedTx(
          suite,
          dave,
          { chainId: "hard", nonce: BigInt(i), expiryHeight: 10_000n },
          transferOp(bob, 1n, "b"),
        ).bytes,
    );
    const response = await fetch(`${running.apiUrl}/v1/txs/batch/binary`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: encodeTxBatch(txs),
    });
    expect(response.status).toBe(202);
    const { results } = (await response.json()) as { results: Array<{ error?: { code: string } }> };
    expect(results.filter((r) => r.error?.code === "RATE_LIMITED").length).toBeGreaterThanOrEqual(
      SIGNER_RATE * 2,
    );
    expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  });

  it("limits one signer's transactions sent one request each, with a Retry-After, in the error shape", async () => {
    await untilAnswered();
    const suite = running.node.suite;
    const bob = addressOfKey(suite, suite.generateKeyPair().publicKey.bytes);
    // A signer of its own, so the batch case's window cannot count here; pipelined, far inside one window.
    const carol = suite.generateKeyPair();
    const requests = Array.from({ length: SIGNER_RATE * 4 }, (_, i) => {
      const tx = buildSignedTx(
        suite,
        carol,
        { chainId: "hard", nonce: BigInt(i), expiryHeight: 10_000n },
        transferOp(bob, 1n, "s"),
      );
      const body = JSON.stringify({ tx: Buffer.from(tx.bytes).toString("hex") });
      const close = i === SIGNER_RATE * 4 - 1 ? "Connection: close\r\n" : "";
      return `POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${close}\r\n${body}`;
    });
    const answers = await raw(requests.join(""), 5_000, true);
    // Each answer: its status line, its headers, its body.
    const limited = answers
      .split(/(?=HTTP\/1\.1 \d{3} )/)
      .filter((answer) => answer.startsWith("HTTP/1.1 429 "));
    expect(limited.length).toBeGreaterThanOrEqual(SIGNER_RATE);
    for (const answer of limited) {
      expect(answer).toMatch(/^retry-after: [1-9]\d*\r$/im);
      expect(answer).toContain('"code":"RATE_LIMITED"');
      expect(answer).toContain("transactions per second from this signer; retry in");
    }
  });

  it("bounds WebSocket subscribers, refusing the next before the upgrade", async () => {
    await untilAnswered();
    const url = `${running.apiUrl.replace("http", "ws")}/v1/events`;
    const open = (ws: WebSocket) =>
      new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const first = new WebSocket(url);
    const second = new WebSocket(url);
    await Promise.all([open(first), open(second)]);
    const third = new WebSocket(url);
    const status = await new Promise<number>((resolve) => {
      third.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      third.once("open", () => resolve(101));
    });
    expect(status).toBe(503);
    first.close();
    second.close();
  });

  it("cuts off slow clients (slowloris) with 408", async () => {
    await untilAnswered();
    const answer = await raw("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ", 5_000);
    expect(parsed(answer).status).toBe(408);
    expect(parsed(answer).body.error?.code).toBe("REQUEST_TIMEOUT");
  });

  it("caps connections: idle ones past the cap are closed at once, the rest time out, the node keeps committing", async () => {
    await untilAnswered();
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    for (let i = 0; i < CAP * 3; i++) {
      const socket = connect(port, "127.0.0.1");
      socket.on("close", () => closed.add(socket));
      socket.on("error", () => {});
      // Read what the server says (a 408), so its closing reaches us.
      socket.resume();
      sockets.push(socket);
    }
    // The server drops what exceeds its cap straight away: at least 2 x CAP close before any timeout.
    const start = heightNow();
    await until(() => closed.size >= CAP * 2, 10_000, "the connections over the cap closed");
    await untilHeight(start + 3n);
    // The silent ones within the cap are closed by the header timeout; then the API answers again.
    await until(() => closed.size >= sockets.length, 30_000, "every connection closed");
    expect((await untilAnswered()).status).toBe(200);
  });
});
