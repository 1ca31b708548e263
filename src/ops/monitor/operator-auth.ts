import { getSuite } from "../../crypto/index.js";
import { isSuiteId, type Suite } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import type { MarketLedgerClient } from "../../sdk/index.js";
import {
  type IdentityJson,
  type NonceBook,
  OPERATOR_ROLES,
  OPS_REQUEST,
  type ReceivedRequest,
  readSignedHeaders,
  refuseReplay,
  SdkError,
  takeNonce,
  verifySignedRequest,
} from "../../sdk/index.js";
import { MonitorError } from "./errors.js";

/** Codes the chain refuses a signer with (GET /v1/signers/:publicKey), passed on as they are. */
export const SIGNER_REFUSALS: ReadonlySet<string> = new Set([
  "IDENTITY_UNKNOWN",
  "KEY_RETIRED",
  "IDENTITY_REVOKED",
  "ORG_REMOVED",
  "CERT_EXPIRED",
  "ROLE_UNKNOWN",
]);

export type OpsWrite = ReceivedRequest;

/**
 * Verifies a signed operator request (src/sdk/ops-request.ts): its four headers are there and
 * well formed, its time is within the window of this monitor's clock, its nonce is not one
 * taken before, the signature is good for its canonical bytes under the chain's suite, the
 * chain takes its key as an active identity (asked of the best node), and the identity's role
 * may operate. Only then is the nonce taken (in `nonces`, which the monitor keeps in its store,
 * so a restart does not forget it). Throws a MonitorError with the code that says which.
 */
export class OperatorAuth {
  private suite: Suite | undefined;

  constructor(
    /** The nodes to ask, in order: the first that answers says who signed. */
    private readonly nodes: () => MarketLedgerClient[],
    private readonly now: () => number,
    private readonly nonces: NonceBook,
  ) {}

  async verify(request: OpsWrite): Promise<IdentityJson> {
    try {
      const signed = readSignedHeaders(OPS_REQUEST, request, this.now());
      // A replay is refused before it costs a question to a node.
      refuseReplay(OPS_REQUEST, this.nonces, signed.nonce);
      const verified = verifySignedRequest(OPS_REQUEST, await this.chainSuite(), request, signed);
      const signer = await this.signer(verified.publicKeyHex);
      if (!(OPERATOR_ROLES as readonly string[]).includes(signer.role)) {
        throw new MonitorError(
          "ROLE_NOT_PERMITTED",
          `${signer.code} is ${signer.role}: only ${OPERATOR_ROLES.join(" or ")} identities operate the monitor`,
        );
      }
      // Again, now that the lookups are done: two copies may have been in flight at once.
      await takeNonce(OPS_REQUEST, this.nonces, signed, this.now());
      return signer;
    } catch (error) {
      if (error instanceof LedgerError && !(error instanceof MonitorError))
        throw new MonitorError(error.code, error.message);
      throw error;
    }
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
}
