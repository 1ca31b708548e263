import type { z } from "zod";
import { accountCodec, accountKey } from "../app/accounts.js";
import { systemClock } from "../clock.js";
import { LedgerError } from "../errors.js";
import { fromHex, toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";
import {
  type BatchResultJson,
  type BlockJson,
  blockSchema,
  type ChainNodeListJson,
  type CommittedTxJson,
  chainNodeListSchema,
  type ExpiringCertificatesJson,
  encodeTxBatch,
  errorSchema,
  expiringCertificatesSchema,
  type IdentityJson,
  identitySchema,
  type MempoolJson,
  mempoolSchema,
  type ProposalListJson,
  proposalListSchema,
  type StateJson,
  type StatusJson,
  type SubmittedBatchJson,
  stateValueSchema,
  statusSchema,
  submittedBatchSchema,
  submittedSchema,
  TX_BATCH_CONTENT_TYPE,
  type TxStatusJson,
  txStatusSchema,
} from "./wire/index.js";

/**
 * An error the node answered with (its stable code and message), or a transport failure. A
 * refusal that says when to ask again (429 RATE_LIMITED or MEMPOOL_FULL, with Retry-After)
 * carries `retryAfterMs`.
 */
export class SdkError extends LedgerError {
  constructor(
    code: string,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(code, message, status === undefined ? {} : { status });
  }
}

export interface ClientOptions {
  /** Give up on a request after this long (NODE_UNREACHABLE); default, never. */
  readonly timeoutMs?: number;
  /** The fetch to send requests with (e.g. one bound to a source address or a proxy); default, the global one. */
  readonly fetch?: typeof fetch;
}

export type {
  BatchResultJson,
  BlockJson,
  ChainNodeJson,
  ChainNodeListJson,
  CommittedTxJson,
  ExpiringCertificatesJson,
  HeaderJson,
  IdentityJson,
  PeerJson,
  ProposalActionJson,
  ProposalJson,
  ProposalListJson,
  ResultJson,
  StateJson,
  StatusJson,
  SubmittedBatchJson,
  TxStatusJson,
} from "./wire/index.js";

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** How often to ask (default 100 ms). */
  pollMs?: number;
}

/**
 * A small HTTP client of one node's API. Every answer is checked against the API's schema
 * (src/sdk/wire) before it is returned; what it says is verified by verify.ts.
 */
export class MarketLedgerClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number | undefined;
  private readonly fetch: typeof fetch;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  status(): Promise<StatusJson> {
    return this.request(statusSchema, "GET", "/v1/status");
  }

  /** What the node's pool holds now: /v1/status's mempool part, without building its figures. */
  mempool(): Promise<MempoolJson> {
    return this.request(mempoolSchema, "GET", "/v1/mempool");
  }

  async submitTx(encodedTx: Uint8Array): Promise<string> {
    const answer = await this.request(submittedSchema, "POST", "/v1/txs", { tx: toHex(encodedTx) });
    return answer.hash;
  }

  /**
   * Submits many transactions at once (at most MAX_BATCH_TXS), as bytes: the binary batch route,
   * no hex and no JSON for the node to parse. Each result is a hash or the error that refused it.
   */
  async submitTxs(encodedTxs: readonly Uint8Array[]): Promise<BatchResultJson[]> {
    return (await this.submitTxBatch(encodedTxs)).results;
  }

  /**
   * submitTxs, with when to offer again what was refused for now: a node without room
   * (MEMPOOL_FULL) or rate limiting the signer says how long to wait (`retryAfterMs`, absent when
   * nothing was refused so). A client that honours it sends its refused transactions once per
   * commit instead of probing a full pool.
   */
  async submitTxBatch(encodedTxs: readonly Uint8Array[]): Promise<SubmittedBatchJson> {
    return this.request(
      submittedBatchSchema,
      "POST",
      "/v1/txs/batch/binary",
      new RawBody(encodeTxBatch(encodedTxs), TX_BATCH_CONTENT_TYPE),
    );
  }

  /** The transaction's status, or undefined when the node has never heard of it. */
  async tx(hash: string): Promise<TxStatusJson | undefined> {
    try {
      return await this.request(txStatusSchema, "GET", `/v1/txs/${hash}`);
    } catch (error) {
      if (error instanceof SdkError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** Polls until the transaction is committed; bounded by timeoutMs. */
  async waitForTx(hash: string, options: WaitOptions = {}): Promise<CommittedTxJson> {
    const deadline = systemClock.now() + (options.timeoutMs ?? 30_000);
    const pollMs = options.pollMs ?? 100;
    for (;;) {
      const status = await this.tx(hash);
      if (status?.status === "committed") return status;
      if (systemClock.now() >= deadline) {
        throw new SdkError(
          "TX_WAIT_TIMEOUT",
          `transaction ${hash} was not committed in time (last: ${status?.status ?? "unknown"})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  block(height: bigint | "latest"): Promise<BlockJson> {
    return this.request(blockSchema, "GET", `/v1/blocks/${height.toString()}`);
  }

  /** An account's balance (fen) and next nonce, as the node's latest state says. */
  async account(address: Uint8Array): Promise<{ balanceFen: bigint; nonce: bigint }> {
    const answer = await this.state(accountKey(address));
    return answer.value === null
      ? { balanceFen: 0n, nonce: 0n }
      : decode(accountCodec, fromHex(answer.value));
  }

  state(key: Uint8Array, height?: bigint): Promise<StateJson> {
    const query = height === undefined ? "" : `?height=${height}`;
    return this.request(stateValueSchema, "GET", `/v1/state/${toHex(key)}${query}`);
  }

  /** The identity a user code names, or undefined when the chain has none. */
  async identity(code: string): Promise<IdentityJson | undefined> {
    try {
      return await this.request(identitySchema, "GET", `/v1/identities/${encodeURIComponent(code)}`);
    } catch (error) {
      if (error instanceof SdkError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /**
   * The identity a public key (hex) signs for, if the chain would take its signature now; an
   * SdkError with the chain's code (IDENTITY_UNKNOWN, IDENTITY_REVOKED, ...) otherwise.
   */
  signer(publicKeyHex: string): Promise<IdentityJson> {
    return this.request(identitySchema, "GET", `/v1/signers/${encodeURIComponent(publicKeyHex)}`);
  }

  /** Organisation CAs and active identities whose certificates lapse before `beforeMs`. */
  expiringCertificates(beforeMs: bigint): Promise<ExpiringCertificatesJson> {
    return this.request(expiringCertificatesSchema, "GET", `/v1/certificates/expiring?beforeMs=${beforeMs}`);
  }

  /** The validators and the observers governance registered. */
  chainNodes(): Promise<ChainNodeListJson> {
    return this.request(chainNodeListSchema, "GET", "/v1/governance/nodes");
  }

  /** Governance proposals, pending and scheduled, with their approvals. */
  proposals(): Promise<ProposalListJson> {
    return this.request(proposalListSchema, "GET", "/v1/governance/proposals");
  }

  private async request<S extends z.ZodType>(
    schema: S,
    method: "GET" | "POST",
    path: string,
    body?: unknown,
  ): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        ...(this.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(this.timeoutMs) }),
        ...(body === undefined
          ? {}
          : body instanceof RawBody
            ? { body: body.bytes, headers: { "content-type": body.contentType } }
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
    } catch (error) {
      throw new SdkError("NODE_UNREACHABLE", `cannot reach ${this.baseUrl}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SdkError(
        "BAD_RESPONSE",
        `${method} ${path} answered ${response.status} with non-JSON`,
        response.status,
      );
    }
    if (!response.ok) {
      const refusal = errorSchema.safeParse(parsed);
      throw new SdkError(
        refusal.success ? refusal.data.error.code : "HTTP_ERROR",
        refusal.success ? refusal.data.error.message : `HTTP ${response.status}`,
        response.status,
        retryAfterMs(response.headers.get("retry-after")),
      );
    }
    const answer = schema.safeParse(parsed);
    if (!answer.success) {
      throw new SdkError(
        "BAD_RESPONSE",
        `${method} ${path} answered in an unexpected shape: ${answer.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
          .join("; ")}`,
        response.status,
      );
    }
    return answer.data;
  }
}

/** A request body sent as it is, not as JSON. */
class RawBody {
  /** A copy on its own ArrayBuffer, which is what fetch takes. */
  readonly bytes: Uint8Array<ArrayBuffer>;

  constructor(
    bytes: Uint8Array,
    readonly contentType: string,
  ) {
    this.bytes = new Uint8Array(bytes);
  }
}

/** Retry-After in whole seconds (what the node sends with a 429), in ms; undefined when absent or a date. */
function retryAfterMs(header: string | null): number | undefined {
  return header !== null && /^\d{1,6}$/.test(header.trim()) ? Number(header.trim()) * 1000 : undefined;
}
