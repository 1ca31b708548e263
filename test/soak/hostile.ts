import { connect, type Socket } from "node:net";
import type { Prng } from "../../src/consensus/sim/prng.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import { addressOfKey, buildSignedTx, transferOp } from "../../src/sdk/index.js";

/**
 * Hostile clients for the fault harness, aimed at one node while the load runs: silent sockets
 * on its p2p port and half-sent requests on its API (held until `release`), and a burst of bad
 * transactions and malformed requests. Every request must be refused in the documented
 * `{"error": {"code", "message"}}` shape with a 4xx status; a 5xx or another shape is a problem.
 */
export interface HostileTarget {
  readonly apiUrl: string;
  readonly p2pPort: number;
}

export interface HostileContext {
  readonly suite: Suite;
  readonly chainId: string;
  /** A funded key of the chain (its transactions are forged, replayed or mis-addressed here). */
  readonly key: KeyPair;
  /** Bytes of a transaction already committed: sent again, it is a replay. */
  readonly committed: () => Uint8Array | undefined;
  readonly prng: Prng;
}

export interface HostileOutcome {
  /** Requests answered in the documented shape with a 4xx, by kind. */
  readonly refused: Record<string, number>;
  /** Requests that found the node down (it may be mid-restart): not counted either way. */
  readonly unreachable: number;
  readonly problems: string[];
}

const IDLE_SOCKETS = 16;

/** Opens silent p2p sockets and half-sent API requests; `release` closes them. */
export function holdSockets(target: HostileTarget): { release(): void } {
  const sockets: Socket[] = [];
  const api = new URL(target.apiUrl);
  for (let i = 0; i < IDLE_SOCKETS; i++) {
    const p2p = connect({ host: "127.0.0.1", port: target.p2pPort });
    const slow = connect({ host: api.hostname, port: Number(api.port) }, () =>
      slow.write(`GET /v1/status HTTP/1.1\r\nHost: ${api.host}\r\nX-Slow: `),
    );
    for (const socket of [p2p, slow]) {
      socket.on("error", () => {});
      sockets.push(socket);
    }
  }
  return {
    release: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

export async function hostileBurst(target: HostileTarget, context: HostileContext): Promise<HostileOutcome> {
  const { suite, key, prng } = context;
  const refused: Record<string, number> = {};
  const problems: string[] = [];
  let unreachable = 0;
  const transfer = (chainId: string, nonce: bigint, expiryHeight: bigint, signer = key) =>
    buildSignedTx(
      suite,
      signer,
      { chainId, nonce, expiryHeight },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    ).bytes;
  const forged = (() => {
    const bytes = Uint8Array.from(transfer(context.chainId, 10n ** 9n + BigInt(prng.int(1000)), 10n ** 6n));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x01; // always a different byte
    return bytes;
  })();
  const randomBytes = Uint8Array.from({ length: 1 + prng.int(400) }, () => prng.int(256));
  const attempts: { kind: string; init: RequestInit; path?: string }[] = [
    { kind: "forged signature", init: txBody(forged) },
    { kind: "wrong chain", init: txBody(transfer("another-chain", 0n, 10n ** 6n)) },
    { kind: "expired", init: txBody(transfer(context.chainId, 10n ** 9n, 1n)) },
    {
      kind: "unregistered signer",
      init: txBody(transfer(context.chainId, 0n, 10n ** 6n, suite.generateKeyPair())),
    },
    { kind: "random bytes", init: txBody(randomBytes) },
    { kind: "not hex", init: json({ tx: "zz-not-hex" }) },
    {
      kind: "bad json",
      init: { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
    },
    { kind: "oversized", init: json({ tx: "ab".repeat(5 * 1024 * 1024) }) },
    {
      kind: "huge header",
      init: { method: "GET", headers: { "x-junk": "j".repeat(64 * 1024) } },
      path: "/v1/status",
    },
    { kind: "unknown route", init: { method: "GET" }, path: `/v1/${"x".repeat(prng.int(5000))}` },
  ];
  const replay = context.committed();
  if (replay !== undefined) attempts.push({ kind: "replay", init: txBody(replay) });
  for (const attempt of attempts) {
    let answer: Response;
    try {
      answer = await fetch(`${target.apiUrl}${attempt.path ?? "/v1/txs"}`, {
        ...attempt.init,
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      unreachable++;
      continue;
    }
    const text = await answer.text().catch(() => "");
    let body: { error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const documented = typeof body?.error?.code === "string" && typeof body.error.message === "string";
    if (answer.status >= 400 && answer.status < 500 && documented) {
      refused[attempt.kind] = (refused[attempt.kind] ?? 0) + 1;
    } else {
      problems.push(`hostile ${attempt.kind} got ${answer.status} ${text.slice(0, 160)}`);
    }
  }
  return { refused, unreachable, problems };
}

function json(value: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

function txBody(bytes: Uint8Array): RequestInit {
  return json({ tx: toHex(bytes) });
}
