import { systemClock } from "../clock.js";
import type { KeyPair, PublicKey, Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { concatBytes, domainBytes, fromHex, toHex, utf8Bytes } from "../ledger/bytes.js";

/**
 * HTTP requests signed by a chain identity's key, for what is not a transaction: an operator's
 * write to the monitor (ops-request.ts), a buyer's payment in the node's simulator. A request
 * carries its signer's public key, a time, a nonce and a signature over canonical bytes of what
 * it asks, in four headers. Each use is a scheme with its own domain tag (so a signature for one
 * can never pass for another), header names and refusal codes; one signer and one verifier
 * serve them all. Browser-safe: the console signs with the key it keeps, the CLI with a key file.
 */
export interface RequestScheme {
  /** The domain tag the signature covers first: what the signature may be used for. */
  readonly tag: string;
  readonly headers: {
    readonly key: string;
    readonly time: string;
    readonly nonce: string;
    readonly signature: string;
  };
  /** Refusal codes: no signature, a bad one, a time outside the window, a nonce taken before. */
  readonly codes: {
    readonly unsigned: string;
    readonly invalid: string;
    readonly stale: string;
    readonly replayed: string;
  };
  /** Who signs such requests, for the message of an unsigned one. */
  readonly signers: string;
}

/** How far a request's time may be from the verifier's clock, either way. */
export const REQUEST_WINDOW_MS = 300_000;

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

export interface SignedRequestFields {
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
 * The bytes a request's signer signs: the scheme's domain tag, then a JSON array (ordered,
 * escaped: unambiguous) of the method, path, time, nonce, key and the body's canonical JSON.
 */
export function signedRequestBytes(scheme: RequestScheme, f: SignedRequestFields): Uint8Array {
  const fields = [f.method.toUpperCase(), f.path, String(f.timeMs), f.nonce, f.publicKey];
  return concatBytes(
    domainBytes(scheme.tag),
    utf8Bytes(JSON.stringify([...fields, canonicalJson(f.body ?? {})])),
  );
}

/** The four headers of a signed request; `randomBytes` and `nowMs` come from the caller. */
export function signRequest(
  scheme: RequestScheme,
  suite: Suite,
  key: KeyPair,
  request: { method: string; path: string; body?: unknown },
  nowMs: number,
  randomBytes: (n: number) => Uint8Array,
): Record<string, string> {
  const fields: SignedRequestFields = {
    method: request.method,
    path: request.path,
    body: request.body ?? {},
    timeMs: nowMs,
    nonce: toHex(randomBytes(16)),
    publicKey: toHex(key.publicKey.bytes),
  };
  const signature = suite.sign(key.privateKey, signedRequestBytes(scheme, fields));
  return {
    [scheme.headers.key]: fields.publicKey,
    [scheme.headers.time]: String(fields.timeMs),
    [scheme.headers.nonce]: fields.nonce,
    [scheme.headers.signature]: toHex(signature),
  };
}

/**
 * A fetch init for a request of `scheme` signed now with fresh random bytes: what `mkl ops`
 * sends to the monitor (or a node's proxy to it), and a buyer to the payment simulator.
 */
export function signedInit(
  scheme: RequestScheme,
  suite: Suite,
  key: KeyPair,
  method: "POST" | "DELETE",
  path: string,
  body?: object,
): RequestInit {
  const headers = signRequest(scheme, suite, key, { method, path, body }, systemClock.now(), (n) =>
    globalThis.crypto.getRandomValues(new Uint8Array(n)),
  );
  return {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/** A request as a server received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** A request whose signature verified: who signed it, and the nonce to take. */
export interface VerifiedRequest {
  readonly publicKey: PublicKey;
  readonly publicKeyHex: string;
  readonly timeMs: number;
  readonly nonce: string;
}

const HEX = /^([0-9a-f]{2})+$/;
const TIME = /^[0-9]{1,15}$/;

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The signed headers of a request, well formed and inside the time window; the signature is not yet checked. */
export interface SignedHeaders {
  readonly key: string;
  readonly timeMs: number;
  readonly nonce: string;
  readonly signature: string;
}

/**
 * Reads a request's four headers: all present (else `codes.unsigned`), lowercase hex and a time
 * (else `codes.invalid`), the time within the window of `nowMs` (else `codes.stale`). Cheap and
 * offline, so a verifier asks it before anything costs a lookup.
 */
export function readSignedHeaders(
  scheme: RequestScheme,
  request: ReceivedRequest,
  nowMs: number,
): SignedHeaders {
  const h = scheme.headers;
  const key = header(request, h.key);
  const time = header(request, h.time);
  const nonce = header(request, h.nonce);
  const signature = header(request, h.signature);
  if (key === undefined || time === undefined || nonce === undefined || signature === undefined) {
    throw new LedgerError(
      scheme.codes.unsigned,
      `${request.method} ${request.url} must be signed by ${scheme.signers} (headers ${Object.values(h).join(", ")})`,
    );
  }
  if (!HEX.test(key) || !HEX.test(nonce) || nonce.length < 32 || !HEX.test(signature) || !TIME.test(time))
    throw new LedgerError(
      scheme.codes.invalid,
      `the signed request's headers are malformed: ${h.key}, ${h.nonce} (16 bytes or more) and ${h.signature} are lowercase hex, ${h.time} is ms since 1970`,
    );
  const timeMs = Number(time);
  if (Math.abs(nowMs - timeMs) > REQUEST_WINDOW_MS) {
    throw new LedgerError(
      scheme.codes.stale,
      `the request was signed at ${new Date(timeMs).toISOString()}, more than ${REQUEST_WINDOW_MS / 1000} s from this server's clock (${new Date(nowMs).toISOString()}): sign it again (and check the clocks)`,
    );
  }
  return { key, timeMs, nonce, signature };
}

/** Checks the signature of headers `readSignedHeaders` read, under the chain's `suite` (else `codes.invalid`). */
export function verifySignedRequest(
  scheme: RequestScheme,
  suite: Suite,
  request: ReceivedRequest,
  signed: SignedHeaders,
): VerifiedRequest {
  const message = signedRequestBytes(scheme, {
    method: request.method,
    path: request.url,
    body: request.body ?? {},
    timeMs: signed.timeMs,
    nonce: signed.nonce,
    publicKey: signed.key,
  });
  let publicKey: PublicKey | undefined;
  try {
    publicKey = suite.publicKeyFromBytes(fromHex(signed.key));
    if (!suite.verify(publicKey, message, fromHex(signed.signature))) publicKey = undefined;
  } catch {
    publicKey = undefined; // a key off the curve or of another suite
  }
  if (publicKey === undefined) {
    throw new LedgerError(
      scheme.codes.invalid,
      `the signature does not verify for ${request.method} ${request.url} under the chain's ${suite.id} key ${signed.key.slice(0, 16)}…`,
    );
  }
  return { publicKey, publicKeyHex: signed.key, timeMs: signed.timeMs, nonce: signed.nonce };
}

/**
 * The nonces a verifier has taken, each with its request's time. A nonce need be kept only
 * while its time is inside the window: after that the time itself is refused as stale.
 */
export interface NonceBook {
  /** Whether `nonce` was taken before (and is still inside the window). */
  has(nonce: string): boolean;
  /** Takes it (durably, where the book is stored), forgetting what has left the window. */
  take(nonce: string, timeMs: number, nowMs: number): Promise<void> | void;
}

/** A nonce book in memory: forgotten when its process ends. */
export class MemoryNonceBook implements NonceBook {
  private readonly seen = new Map<string, number>();

  has(nonce: string): boolean {
    return this.seen.has(nonce);
  }

  take(nonce: string, timeMs: number, nowMs: number): void {
    for (const [old, at] of this.seen) if (at < nowMs - REQUEST_WINDOW_MS) this.seen.delete(old);
    this.seen.set(nonce, timeMs);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Refuses a nonce the book has taken (`codes.replayed`). */
export function refuseReplay(scheme: RequestScheme, book: NonceBook, nonce: string): void {
  if (book.has(nonce))
    throw new LedgerError(scheme.codes.replayed, `the request with nonce ${nonce} was already taken`);
}

/**
 * Refuses a nonce taken before, otherwise takes it. The check and the book's own record are
 * made in one turn of the event loop, so of two copies in flight at once one is refused.
 */
export async function takeNonce(
  scheme: RequestScheme,
  book: NonceBook,
  signed: { readonly nonce: string; readonly timeMs: number },
  nowMs: number,
): Promise<void> {
  refuseReplay(scheme, book, signed.nonce);
  await book.take(signed.nonce, signed.timeMs, nowMs);
}

/** The HTTP status of each of a scheme's refusals: 401 for the signature and its time, 409 for a replay. */
export function refusalStatuses(scheme: RequestScheme): Record<string, number> {
  const { unsigned, invalid, stale, replayed } = scheme.codes;
  return { [unsigned]: 401, [invalid]: 401, [stale]: 401, [replayed]: 409 };
}
