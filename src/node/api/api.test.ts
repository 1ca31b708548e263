import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { accountCodec, accountKey } from "../../app/accounts.js";
import type { KeyPair } from "../../crypto/suite.js";
import { fromHex } from "../../ledger/bytes.js";
import { decode } from "../../ledger/codec.js";
import { userCodeOf } from "../../pki/user-code.js";
import {
  addressOfKey,
  buildSignedTx,
  MarketLedgerClient,
  messageText,
  SdkError,
  transferOp,
  VerificationError,
  verifyBlock,
  verifyStateValue,
  verifyTxInclusion,
} from "../../sdk/index.js";
import { until } from "../../until.test-util.js";
import { type RunningNode, runNode } from "../run.js";
import { type SoloTestHome, soloTestHome } from "../solo-home.test-util.js";
import { registeredRoutes } from "./server.js";

let solo: SoloTestHome;
let running: RunningNode;
let client: MarketLedgerClient;
let alice: KeyPair;
let bob: KeyPair;

beforeAll(async () => {
  solo = soloTestHome("api", {
    moniker: "api-test",
    api: { host: "127.0.0.1", port: 0 },
    emptyBlockIntervalMs: 100,
  });
  ({ alice, bob } = solo);
  running = await runNode(solo.home, pino({ level: "silent" }));
  client = new MarketLedgerClient(running.apiUrl);
});

afterAll(async () => {
  await running.stop();
  solo.remove();
});

function transfer(nonce: bigint, amountFen: bigint, signer = alice) {
  const suite = running.node.suite;
  return buildSignedTx(
    suite,
    signer,
    { chainId: "api-test", nonce, expiryHeight: 1_000n },
    transferOp(addressOfKey(suite, bob.publicKey.bytes), amountFen, "api test"),
  );
}

async function errorCode(promise: Promise<unknown>): Promise<[string, number | undefined]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SdkError) return [error.code, error.status];
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("node API", () => {
  it("commits a submitted transaction, and the SDK verifies it without trusting the node", async () => {
    const suite = running.node.suite;
    const validators = running.node.chain.validators();
    const tx = transfer(0n, 2_500n);
    const hash = await client.submitTx(tx.bytes);
    expect(hash).toBe(Buffer.from(tx.hash).toString("hex"));
    const committed = await client.waitForTx(hash, { timeoutMs: 10_000, pollMs: 20 });
    expect(committed.result.code).toBe("OK");
    expect(committed.result.events[0]?.attributes.amountFen).toBe("2500");

    const header = verifyBlock(suite, await client.block(BigInt(committed.height)), validators);
    verifyTxInclusion(suite, committed, header);
    const bobKey = accountKey(addressOfKey(suite, bob.publicKey.bytes));
    const value = verifyStateValue(suite, await client.state(bobKey, header.height), header);
    expect(decode(accountCodec, value as Uint8Array).balanceFen).toBe(2_500n);

    // A node that lies is caught: a tampered proof, a forged block, a wrong state value.
    const forgedPath = committed.proof.path.length > 0 ? ["00".repeat(32)] : ["11".repeat(32)];
    expect(() =>
      verifyTxInclusion(suite, { ...committed, proof: { ...committed.proof, path: forgedPath } }, header),
    ).toThrow(VerificationError);
    const state = await client.state(bobKey, header.height);
    const lie = {
      ...state,
      value: Buffer.from(fromHex(state.value as string).map((b, i) => (i === 0 ? b ^ 1 : b))).toString("hex"),
    };
    expect(() => verifyStateValue(suite, lie, header)).toThrow(VerificationError);
    const block = await client.block(header.height);
    const otherValidators = [{ publicKey: suite.generateKeyPair().publicKey.bytes, power: 10n }];
    expect(() => verifyBlock(suite, block, otherValidators)).toThrow(VerificationError);
  });

  it("refuses bad transactions with stable codes and statuses", async () => {
    expect(await errorCode(client.submitTx(new Uint8Array([1, 2, 3])))).toEqual(["CODEC_TRUNCATED", 400]);
    const good = transfer(1n, 1n);
    const forged = Uint8Array.from(good.bytes);
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0xff;
    expect((await errorCode(client.submitTx(forged)))[0]).toMatch(/^TX_BAD_SIGNATURE$|^CODEC_/);
    expect(await errorCode(client.submitTx(transfer(0n, 1n).bytes))).toEqual(["TX_NONCE_TOO_LOW", 409]);
    const goodHash = await client.submitTx(good.bytes);
    await client.waitForTx(goodHash, { timeoutMs: 10_000, pollMs: 20 });
    // Once committed, the same bytes are a replay of a used nonce.
    expect(await errorCode(client.submitTx(good.bytes))).toEqual(["TX_NONCE_TOO_LOW", 409]);
    // A transaction waiting behind a nonce gap stays pending: sending it again is a duplicate.
    const waiting = transfer(50n, 1n);
    await client.submitTx(waiting.bytes);
    expect(await errorCode(client.submitTx(waiting.bytes))).toEqual(["TX_DUPLICATE", 409]);
    expect((await client.tx(Buffer.from(waiting.hash).toString("hex")))?.status).toBe("pending");
    const res = await fetch(`${running.apiUrl}/v1/txs`, {
      method: "POST",
      body: JSON.stringify({ tx: "zz" }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    expect(await errorCode(client.block(999_999n))).toEqual(["NOT_FOUND", 404]);
    expect(await client.tx("ab".repeat(32))).toBeUndefined();
  });

  it("refuses a signer with no identity on the chain at admission, and looks up identities by user code", async () => {
    const stranger = running.node.suite.generateKeyPair();
    expect(await errorCode(client.submitTx(transfer(0n, 1n, stranger).bytes))).toEqual([
      "IDENTITY_UNKNOWN",
      403,
    ]);
    const code = userCodeOf((d) => running.node.suite.hash(d), alice.publicKey.bytes);
    const res = await fetch(`${running.apiUrl}/v1/identities/${code}`);
    expect(res.status).toBe(200);
    const identity = (await res.json()) as { role: string; status: string; settlementAccount: string };
    expect(identity.role).toBe("buyer");
    expect(identity.status).toBe("active");
    expect(identity.settlementAccount).toBe(
      Buffer.from(addressOfKey(running.node.suite, alice.publicKey.bytes)).toString("hex"),
    );
    const typo = `${code.slice(0, -1)}${code.endsWith("q") ? "p" : "q"}`;
    expect((await fetch(`${running.apiUrl}/v1/identities/${typo}`)).status).toBe(400);
    // Who a public key signs for, with the chain's own checks (the monitor asks it of operators).
    const signer = await client.signer(Buffer.from(alice.publicKey.bytes).toString("hex"));
    expect(signer).toMatchObject({ code, role: "buyer", status: "active" });
    const strangerKey = Buffer.from(stranger.publicKey.bytes).toString("hex");
    expect(await errorCode(client.signer(strangerKey))).toEqual(["IDENTITY_UNKNOWN", 403]);
    expect((await fetch(`${running.apiUrl}/v1/signers/${"00".repeat(65)}`)).status).toBe(400);
    expect((await fetch(`${running.apiUrl}/v1/signers/nothex`)).status).toBe(400);
  });

  it("admits or refuses each transaction of a batch on its own", async () => {
    const nonce = await client.account(addressOfKey(running.node.suite, alice.publicKey.bytes));
    const first = transfer(nonce.nonce, 1n);
    const results = await client.submitTxs([first.bytes, first.bytes, new Uint8Array([7])]);
    expect(results[0]).toEqual({ hash: Buffer.from(first.hash).toString("hex") });
    expect(results.slice(1).map((r) => ("error" in r ? r.error.code : "ok"))).toEqual([
      "TX_DUPLICATE",
      "CODEC_TRUNCATED",
    ]);
    await client.waitForTx(Buffer.from(first.hash).toString("hex"), { timeoutMs: 10_000, pollMs: 20 });
    expect((await errorCode(client.submitTxs([])))[0]).toBe("BAD_REQUEST");
  });

  it("answers a JSON batch (hex) as the binary one, and refuses a malformed binary body whole", async () => {
    const { nonce } = await client.account(addressOfKey(running.node.suite, alice.publicKey.bytes));
    const [a, b] = [transfer(nonce, 1n), transfer(nonce + 1n, 1n)];
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    const json = await fetch(`${running.apiUrl}/v1/txs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txs: [hex(a.bytes), hex(a.bytes)] }),
    });
    expect(json.status).toBe(202);
    expect(((await json.json()) as { results: unknown[] }).results).toEqual([
      { hash: hex(a.hash) },
      { error: { code: "TX_DUPLICATE", message: expect.any(String) } },
    ]);
    const binary = (body: Uint8Array) =>
      fetch(`${running.apiUrl}/v1/txs/batch/binary`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body,
      });
    const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    const framed = (...txs: Uint8Array[]) =>
      Buffer.concat([u32(txs.length), ...txs.flatMap((tx) => [u32(tx.length), tx])]);
    const whole = framed(b.bytes);
    const malformed = [
      ["an empty batch", framed(), "txs is empty"],
      ["more than 500", Buffer.concat([u32(501), whole.subarray(4)]), "at most 500 transactions"],
      ["a length past the end", whole.subarray(0, whole.length - 1), "not a batch"],
      ["bytes left over", Buffer.concat([whole, Uint8Array.of(0)]), "not a batch"],
      ["an empty transaction", framed(b.bytes, new Uint8Array(0)), "transaction 1 is empty"],
      ["no body", new Uint8Array(0), "txs is empty"],
    ] as const;
    for (const [what, body, message] of malformed) {
      const answer = await binary(body);
      expect(answer.status, what).toBe(400);
      const refused = (await answer.json()) as { error: { code: string; message: string } };
      expect(refused.error.code, what).toBe("BAD_REQUEST");
      expect(refused.error.message, what).toContain(message);
    }
    // None of them admitted b, which the well-formed batch then does.
    expect(running.node.mempool.has(hex(b.hash))).toBe(false);
    const answer = await binary(whole);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ results: [{ hash: hex(b.hash) }] });
    // JSON sent to the binary route is not a batch.
    const wrongType = await fetch(`${running.apiUrl}/v1/txs/batch/binary`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txs: [hex(a.bytes)] }),
    });
    expect(wrongType.status).toBe(400);
    // The next cases read the committed nonce: leave nothing of this one pending.
    await client.waitForTx(hex(b.hash), { timeoutMs: 10_000, pollMs: 20 });
  });

  it("records a failed operation as a failed result and moves no money", async () => {
    const before = running.node.chain.height;
    const nonce = decode(
      accountCodec,
      running.node.chain.state.get(
        accountKey(addressOfKey(running.node.suite, alice.publicKey.bytes)),
      ) as Uint8Array,
    ).nonce;
    const tx = transfer(nonce, 10_000_000n);
    const committed = await client.waitForTx(await client.submitTx(tx.bytes), {
      timeoutMs: 10_000,
      pollMs: 20,
    });
    expect(committed.result.code).toBe("INSUFFICIENT_FUNDS");
    expect(BigInt(committed.height)).toBeGreaterThan(before);
  });

  it("streams committed blocks over the WebSocket, naming the transactions and their results", async () => {
    const socket = new WebSocket(`${running.apiUrl.replace("http", "ws")}/v1/events`);
    type BlockEvent = {
      type: string;
      header: { height: string };
      txHashes: string[];
      results: Array<{ code: string }>;
      endBlockEvents: unknown[];
    };
    const messages: BlockEvent[] = [];
    socket.on("message", (data) => messages.push(JSON.parse(messageText(data))));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const { nonce } = await client.account(addressOfKey(running.node.suite, alice.publicKey.bytes));
    const tx = transfer(nonce, 3n);
    const hash = await client.submitTx(tx.bytes);
    const committed = await client.waitForTx(hash, { timeoutMs: 10_000, pollMs: 20 });
    await until(() => messages.some((m) => m.header.height === committed.height), 5_000, "the block's event");
    socket.close();
    const message = messages.find((m) => m.header.height === committed.height) as BlockEvent;
    expect(message.type).toBe("block");
    const index = message.txHashes.indexOf(hash);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(message.results[index]?.code).toBe("OK");
    expect(message.results).toHaveLength(message.txHashes.length);
    expect(Array.isArray(message.endBlockEvents)).toBe(true);
  });

  it("serves status, health, metrics and an OpenAPI document that covers every route", async () => {
    const status = await client.status();
    expect(status.chainId).toBe("api-test");
    // The pool alone answers what status says of it (read again if a commit came between).
    await until(
      async () => JSON.stringify(await client.mempool()) === JSON.stringify((await client.status()).mempool),
      10_000,
      "/v1/mempool equal to the mempool of /v1/status",
    );
    expect(Object.keys(await client.mempool()).sort()).toEqual(["bytes", "queued", "runnable", "txs"]);
    expect(status.suite).toBe("sm");
    expect(status.crypto.backend).toBe("native");
    for (const probe of ["/livez", "/readyz", "/healthz"]) {
      const answer = await fetch(`${running.apiUrl}${probe}`);
      const body = (await answer.json()) as { ok: boolean; failing: string[]; checks: { name: string }[] };
      expect([probe, answer.status, body.ok, body.failing]).toEqual([probe, 200, true, []]);
    }
    const ready = (await (await fetch(`${running.apiUrl}/readyz`)).json()) as { checks: { name: string }[] };
    expect(ready.checks.map((c) => c.name)).toEqual(["storage", "peers", "commit", "sync"]);
    const metrics = await (await fetch(`${running.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mkl_block_height \d+$/m);
    expect(metrics).toMatch(/mkl_txs_rejected_total\{code="TX_DUPLICATE"\} [1-9]/);
    expect(await (await fetch(`${running.apiUrl}/v1/evidence`)).json()).toEqual({ evidence: [] });
  });

  it("generates its OpenAPI document from the route schemas: every route, an operationId, every answer typed", async () => {
    type Operation = { operationId?: string; responses?: Record<string, { content?: unknown }> };
    const served = (await (await fetch(`${running.apiUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(served.openapi).toBe("3.1.0");
    const operations = Object.entries(served.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );
    const routes = registeredRoutes.get(running.api) ?? [];
    expect(routes.length).toBeGreaterThan(20);
    expect([...new Set(routes)].sort()).toEqual(operations.map((o) => o.route).sort());
    const ids = operations.map((o) => o.operation.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { route, operation } of operations) {
      const responses = operation.responses ?? {};
      const success = Object.keys(responses).filter((status) => /^(2\d\d|101)$/.test(status));
      expect(success, route).toHaveLength(1);
      expect(responses[success[0] as string]?.content, route).toBeDefined();
      expect(JSON.stringify(responses["4XX"]), route).toContain("#/components/schemas/Error");
    }
    expect(Object.keys(served.components.schemas)).toEqual(
      expect.arrayContaining(["Error", "Header", "Block", "TxStatus", "Status", "Peer", "Identity"]),
    );
  });
});
