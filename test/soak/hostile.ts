import { connect, type Socket } from "node:net";
import type { Prng } from "../../src/consensus/sim/prng.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import type { ErrorJson } from "../../src/sdk/wire/index.js";
import { isDocumentedRefusal } from "../fuzz/routes.js";
import { ALREADY_IN } from "./committer.js";

/**
 * Hostile clients for the fault harness, aimed at one node while the load runs: silent sockets
 * on its p2p port and half-sent requests on its API (held until `release`), and a burst of bad
 * transactions and malformed requests. Every request must be refused in the documented
 * `{"error": {"code", "message"}}` shape with a 4xx status and the code its kind expects; a 5xx,
 * another shape or another code is a problem.
 */
export interface HostileTarget {
  readonly apiUrl: string;
  readonly p2p: { readonly host: string; readonly port: number };
}

export interface HostileContext {
  readonly suite: Suite;
  readonly chainId: string;
  /**
   * A funded key of the chain that no load uses, so its next nonce is what the target says: its
   * transactions are forged or mis-addressed here with that nonce, so only the flaw is refused.
   */
  readonly key: KeyPair;
  /** Bytes of a transaction already committed: sent again, it is a replay. */
  readonly committed: () => Uint8Array | undefined;
  readonly prng: Prng;
}

export interface HostileOutcome {
  /** Requests refused in the documented shape with a 4xx and the code their kind expects, by kind. */
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
    const p2p = connect(target.p2p);
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

interface Attempt {
  readonly kind: string;
  readonly init: RequestInit;
  readonly path?: string;
  /** The codes this kind is refused with (more than one where the node's state or the draw decides). */
  readonly codes: readonly string[] | RegExp;
}

export async function hostileBurst(target: HostileTarget, context: HostileContext): Promise<HostileOutcome> {
  const { suite, key, prng } = context;
  const refused: Record<string, number> = {};
  const problems: string[] = [];
  let unreachable = 0;
  let nonce: bigint;
  try {
    nonce = (await new MarketLedgerClient(target.apiUrl).account(addressOfKey(suite, key.publicKey.bytes)))
      .nonce;
  } catch {
    return { refused, unreachable: 1, problems };
  }
  const transfer = (chainId: string, expiryHeight: bigint, signer = key) =>
    buildSignedTx(
      suite,
      signer,
      { chainId, nonce, expiryHeight },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    ).bytes;
  // Right chain, nonce and expiry, a registered signer: only the signature is wrong.
  const forged = Uint8Array.from(transfer(context.chainId, 10n ** 9n));
  forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0x01; // always a different byte
  const randomBytes = Uint8Array.from({ length: 1 + prng.int(400) }, () => prng.int(256));
  const attempts: Attempt[] = [
    { kind: "forged signature", init: txBody(forged), codes: ["TX_BAD_SIGNATURE"] },
    { kind: "wrong chain", init: txBody(transfer("another-chain", 10n ** 9n)), codes: ["TX_WRONG_CHAIN"] },
    // Height 0 is genesis: a transaction that expires there is expired at every height it could run.
    { kind: "expired", init: txBody(transfer(context.chainId, 0n)), codes: ["TX_EXPIRED"] },
    {
      kind: "unregistered signer",
      init: txBody(transfer(context.chainId, 10n ** 9n, suite.generateKeyPair())),
      codes: ["IDENTITY_UNKNOWN"],
    },
    // Random bytes almost never decode; if they ever do, their chain id is not this one.
    { kind: "random bytes", init: txBody(randomBytes), codes: /^(CODEC_[A-Z0-9_]+|TX_WRONG_CHAIN)$/ },
    { kind: "not hex", init: json({ tx: "zz-not-hex" }), codes: ["BAD_REQUEST"] },
    {
      kind: "bad json",
      init: { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
      codes: ["BAD_JSON"],
    },
    { kind: "oversized", init: json({ tx: "ab".repeat(5 * 1024 * 1024) }), codes: ["BODY_TOO_LARGE"] },
    {
      kind: "huge header",
      init: { method: "GET", headers: { "x-junk": "j".repeat(64 * 1024) } },
      path: "/v1/status",
      codes: ["HEADERS_TOO_LARGE"],
    },
    {
      kind: "unknown route",
      init: { method: "GET" },
      path: `/v1/${"x".repeat(prng.int(5000))}`,
      codes: ["NOT_FOUND"],
    },
  ];
  const replay = context.committed();
  // Committed, or still pending on a node that is behind: the codes of a transaction already in.
  if (replay !== undefined) attempts.push({ kind: "replay", init: txBody(replay), codes: [...ALREADY_IN] });
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
    const code = isDocumentedRefusal(text) ? (JSON.parse(text) as ErrorJson).error.code : undefined;
    const expected =
      code !== undefined &&
      (attempt.codes instanceof RegExp ? attempt.codes.test(code) : attempt.codes.includes(code));
    if (answer.status >= 400 && answer.status < 500 && expected) {
      refused[attempt.kind] = (refused[attempt.kind] ?? 0) + 1;
    } else {
      problems.push(
        `hostile ${attempt.kind} got ${answer.status} ${text.slice(0, 160)}, not ${attempt.codes}`,
      );
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
