import { getSuite } from "../../crypto/index.js";
import { isSuiteId, type Suite } from "../../crypto/suite.js";
import { fromHex } from "../../ledger/bytes.js";
import type { MarketLedgerClient } from "../../sdk/index.js";
import {
  type IdentityJson,
  OPERATOR_ROLES,
  OPS_HEADERS,
  OPS_REQUEST_WINDOW_MS,
  opsRequestBytes,
  SdkError,
} from "../../sdk/index.js";
import { MonitorError } from "./errors.js";

/** Codes the chain refuses a signer with (GET /v1/signers/:publicKey), passed on as they are. */
const SIGNER_REFUSALS: ReadonlySet<string> = new Set([
  "IDENTITY_UNKNOWN",
  "KEY_RETIRED",
  "IDENTITY_REVOKED",
  "ORG_REMOVED",
  "CERT_EXPIRED",
  "ROLE_UNKNOWN",
]);

const HEX = /^([0-9a-f]{2})+$/;
const TIME = /^[0-9]{1,15}$/;

export interface OpsWrite {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

function header(request: OpsWrite, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a signed operator request (src/sdk/ops-request.ts): its four headers are there and
 * well formed, its time is within the window of this monitor's clock, the signature is good for
 * its canonical bytes under the chain's suite, the chain takes its key as an active identity
 * (asked of the best node), the identity's role may operate, and its nonce is new. Throws a
 * MonitorError with the code that says which; changes nothing until all of it holds.
 */
export class OperatorAuth {
  /** Nonces seen, with the request time: a replay inside the window is refused, older ones are stale. */
  private readonly seen = new Map<string, number>();
  private suite: Suite | undefined;

  constructor(
    /** The nodes to ask, in order: the first that answers says who signed. */
    private readonly nodes: () => MarketLedgerClient[],
    private readonly now: () => number,
  ) {}

  async verify(request: OpsWrite): Promise<IdentityJson> {
    const key = header(request, OPS_HEADERS.key);
    const time = header(request, OPS_HEADERS.time);
    const nonce = header(request, OPS_HEADERS.nonce);
    const signature = header(request, OPS_HEADERS.signature);
    if (key === undefined || time === undefined || nonce === undefined || signature === undefined) {
      throw new MonitorError(
        "OPS_UNSIGNED",
        `${request.method} ${request.url} must be signed by an operator's key (headers ${Object.values(OPS_HEADERS).join(", ")}; mkl ops and the console sign)`,
      );
    }
    if (!HEX.test(key) || !HEX.test(nonce) || nonce.length < 32 || !HEX.test(signature) || !TIME.test(time))
      throw new MonitorError(
        "OPS_SIGNATURE_INVALID",
        `the signed request's headers are malformed: ${OPS_HEADERS.key}, ${OPS_HEADERS.nonce} (16 bytes or more) and ${OPS_HEADERS.signature} are lowercase hex, ${OPS_HEADERS.time} is ms since 1970`,
      );
    const timeMs = Number(time);
    const now = this.now();
    if (Math.abs(now - timeMs) > OPS_REQUEST_WINDOW_MS) {
      throw new MonitorError(
        "OPS_REQUEST_STALE",
        `the request was signed at ${new Date(timeMs).toISOString()}, more than ${OPS_REQUEST_WINDOW_MS / 1000} s from this monitor's clock (${new Date(now).toISOString()}): sign it again (and check the clocks)`,
      );
    }
    const suite = await this.chainSuite();
    const message = opsRequestBytes({
      method: request.method,
      path: request.url,
      body: request.body ?? {},
      timeMs,
      nonce,
      publicKey: key,
    });
    let good: boolean;
    try {
      good = suite.verify(suite.publicKeyFromBytes(fromHex(key)), message, fromHex(signature));
    } catch {
      good = false; // a key off the curve or of another suite
    }
    if (!good) {
      throw new MonitorError(
        "OPS_SIGNATURE_INVALID",
        `the signature does not verify for ${request.method} ${request.url} under the chain's ${suite.id} key ${key.slice(0, 16)}…`,
      );
    }
    const signer = await this.signer(key);
    if (!(OPERATOR_ROLES as readonly string[]).includes(signer.role)) {
      throw new MonitorError(
        "ROLE_NOT_PERMITTED",
        `${signer.code} is ${signer.role}: only ${OPERATOR_ROLES.join(" or ")} identities operate the monitor`,
      );
    }
    this.forget(now);
    if (this.seen.has(nonce))
      throw new MonitorError("OPS_REQUEST_REPLAYED", `the request with nonce ${nonce} was already taken`);
    this.seen.set(nonce, timeMs);
    return signer;
  }

  private async chainSuite(): Promise<Suite> {
    if (this.suite !== undefined) return this.suite;
    const status = await this.ask((client) => client.status());
    const id = status.crypto.suite;
    if (!isSuiteId(id)) throw new MonitorError("NODE_UNREACHABLE", `the node names an unknown suite ${id}`);
    this.suite = getSuite(id);
    return this.suite;
  }

  private async signer(key: string): Promise<IdentityJson> {
    try {
      return await this.ask((client) => client.signer(key));
    } catch (error) {
      if (error instanceof SdkError && SIGNER_REFUSALS.has(error.code))
        throw new MonitorError(error.code, `the request's signer: ${error.message}`);
      throw error;
    }
  }

  /**
   * The first answer of the nodes in turn. The chain's refusal of the signer is an answer; a node
   * that cannot be reached or fails is skipped, and when none answers the request is refused.
   */
  private async ask<T>(call: (client: MarketLedgerClient) => Promise<T>): Promise<T> {
    let last: unknown = new Error("the monitor follows no node");
    for (const client of this.nodes()) {
      try {
        return await call(client);
      } catch (error) {
        if (error instanceof SdkError && SIGNER_REFUSALS.has(error.code)) throw error;
        last = error;
      }
    }
    throw new MonitorError(
      "NODE_UNREACHABLE",
      `cannot ask the chain who signed the request: ${(last as Error).message}`,
    );
  }

  /** Nonces older than the window can never be taken again: their time is refused as stale. */
  private forget(now: number): void {
    for (const [nonce, timeMs] of this.seen)
      if (timeMs < now - OPS_REQUEST_WINDOW_MS) this.seen.delete(nonce);
  }
}
