import { accountCodec, accountKey } from "../app/accounts.js";
import { LedgerError } from "../errors.js";
import { fromHex, toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";

/** An error the node answered with (its stable code and message), or a transport failure. */
export class SdkError extends LedgerError {
  constructor(
    code: string,
    message: string,
    readonly status?: number,
  ) {
    super(code, message, status === undefined ? {} : { status });
  }
}

export interface HeaderJson {
  chainId: string;
  height: string;
  timeMs: string;
  previousHash: string;
  txRoot: string;
  resultsRoot: string;
  stateRoot: string;
  proposer: string;
  validatorSetHash: string;
  nextValidatorSetHash: string;
}

export interface ResultJson {
  code: string;
  /** For people, derived from code and details (results are hashed without it). */
  message: string;
  /** The offending data of a failure, by name. */
  details: Record<string, string>;
  events: Array<{ type: string; attributes: Record<string, string> }>;
}

export type TxStatusJson =
  | { hash: string; status: "pending" }
  | {
      hash: string;
      status: "committed";
      height: string;
      index: number;
      tx: string;
      result: ResultJson;
      proof: { treeSize: number; path: string[] };
      header: HeaderJson;
    };

export interface BlockJson {
  hash: string;
  header: HeaderJson;
  txs: string[];
  results: ResultJson[];
  commit: unknown;
  encoded: string;
}

export interface StateJson {
  key: string;
  height: string;
  value: string | null;
  stateRoot: string;
  proof: string;
  header: HeaderJson | null;
}

export interface StatusJson {
  chainId: string;
  suite: string;
  version: string;
  moniker: string;
  height: string;
  lastBlockTimeMs: string;
  validators: Array<{ name: string; publicKey: string; address: string; power: string }>;
  peers: string[];
  mempool: { txs: number; bytes: number };
  crypto: {
    suite: string;
    hash: string;
    backend: "native" | "pure-js";
    sm2Native: { available: boolean; reason?: string };
  };
  consensus: Record<string, unknown>;
}

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** How often to ask (default 100 ms). */
  pollMs?: number;
}

/** A small HTTP client of one node's API. It trusts nothing it is told: see verify.ts. */
export class MarketLedgerClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  status(): Promise<StatusJson> {
    return this.request("GET", "/v1/status");
  }

  async submitTx(encodedTx: Uint8Array): Promise<string> {
    const answer = await this.request<{ hash: string }>("POST", "/v1/txs", { tx: toHex(encodedTx) });
    return answer.hash;
  }

  /** Submits many transactions at once; each result is a hash or the error that refused it. */
  async submitTxs(
    encodedTxs: readonly Uint8Array[],
  ): Promise<Array<{ hash: string } | { error: { code: string; message: string } }>> {
    const answer = await this.request<{
      results: Array<{ hash: string } | { error: { code: string; message: string } }>;
    }>("POST", "/v1/txs/batch", { txs: encodedTxs.map(toHex) });
    return answer.results;
  }

  /** The transaction's status, or undefined when the node has never heard of it. */
  async tx(hash: string): Promise<TxStatusJson | undefined> {
    try {
      return await this.request<TxStatusJson>("GET", `/v1/txs/${hash}`);
    } catch (error) {
      if (error instanceof SdkError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** Polls until the transaction is committed; bounded by timeoutMs. */
  async waitForTx(
    hash: string,
    options: WaitOptions = {},
  ): Promise<Extract<TxStatusJson, { status: "committed" }>> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const pollMs = options.pollMs ?? 100;
    for (;;) {
      const status = await this.tx(hash);
      if (status?.status === "committed") return status;
      if (Date.now() >= deadline) {
        throw new SdkError(
          "TX_WAIT_TIMEOUT",
          `transaction ${hash} was not committed in time (last: ${status?.status ?? "unknown"})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  block(height: bigint | "latest"): Promise<BlockJson> {
    return this.request("GET", `/v1/blocks/${height.toString()}`);
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
    return this.request("GET", `/v1/state/${toHex(key)}${query}`);
  }

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        ...(body === undefined
          ? {}
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
      const err = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new SdkError(
        err?.code ?? "HTTP_ERROR",
        err?.message ?? `HTTP ${response.status}`,
        response.status,
      );
    }
    return parsed as T;
  }
}
