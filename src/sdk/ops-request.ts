import { systemClock } from "../clock.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { concatBytes, domainBytes, toHex, utf8Bytes } from "../ledger/bytes.js";

/**
 * Signed operator requests: every write to the monitor's `/v1/ops` API (acknowledge an alert,
 * create or remove a silence, reload the rules) carries its signer's public key, a time, a nonce
 * and a signature over canonical bytes of what it asks, in four headers. The monitor checks the
 * signature, refuses a stale time or a nonce it saw, and asks a node whether the key is a
 * registered, active identity of a role that may operate (src/ops/monitor/operator-auth.ts).
 * Browser-safe: the console signs with the key it keeps, the CLI with a key file.
 */
export const OPS_HEADERS = {
  key: "mkl-ops-key",
  time: "mkl-ops-time",
  nonce: "mkl-ops-nonce",
  signature: "mkl-ops-signature",
} as const;

/** The roles that may operate the monitor: who runs the platform and who runs its nodes. */
export const OPERATOR_ROLES = ["platform-operator", "node-operator"] as const;

/** How far a request's time may be from the monitor's clock, either way. */
export const OPS_REQUEST_WINDOW_MS = 300_000;

const DOMAIN = domainBytes("MKL/ops-request/v1");

/** JSON with every object's keys sorted: the same value gives the same text on both sides. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface OpsRequestFields {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v1/ops/silences/s1`. */
  readonly path: string;
  /** The JSON body as parsed; none is `{}` (a proxy may send `{}` for an empty body). */
  readonly body: unknown;
  readonly timeMs: number;
  /** Hex, 16 random bytes or more. */
  readonly nonce: string;
  /** Hex of the signer's public key. */
  readonly publicKey: string;
}

/**
 * The bytes an operator signs: a domain tag, then a JSON array (ordered, escaped: unambiguous)
 * of the method, path, time, nonce, key and the body's canonical JSON.
 */
export function opsRequestBytes(f: OpsRequestFields): Uint8Array {
  const fields = [f.method.toUpperCase(), f.path, String(f.timeMs), f.nonce, f.publicKey];
  return concatBytes(DOMAIN, utf8Bytes(JSON.stringify([...fields, canonicalJson(f.body ?? {})])));
}

/** The four headers of a signed request; `randomBytes` and `nowMs` come from the caller. */
export function signOpsRequest(
  suite: Suite,
  key: KeyPair,
  request: { method: string; path: string; body?: unknown },
  nowMs: number,
  randomBytes: (n: number) => Uint8Array,
): Record<string, string> {
  const fields: OpsRequestFields = {
    method: request.method,
    path: request.path,
    body: request.body ?? {},
    timeMs: nowMs,
    nonce: toHex(randomBytes(16)),
    publicKey: toHex(key.publicKey.bytes),
  };
  const signature = suite.sign(key.privateKey, opsRequestBytes(fields));
  return {
    [OPS_HEADERS.key]: fields.publicKey,
    [OPS_HEADERS.time]: String(fields.timeMs),
    [OPS_HEADERS.nonce]: fields.nonce,
    [OPS_HEADERS.signature]: toHex(signature),
  };
}

/**
 * A fetch init for a signed write to `/v1/ops/...` (the monitor, or a node's proxy to it), signed
 * now with fresh random bytes: what `mkl ops` and the console send.
 */
export function signedOpsInit(
  suite: Suite,
  key: KeyPair,
  method: "POST" | "DELETE",
  path: string,
  body?: object,
): RequestInit {
  const headers = signOpsRequest(suite, key, { method, path, body }, systemClock.now(), (n) =>
    globalThis.crypto.getRandomValues(new Uint8Array(n)),
  );
  return {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}
