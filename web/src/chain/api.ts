import type { z } from "zod";
import { LedgerError } from "../../../src/errors.js";
import type { StatusJson } from "../../../src/sdk/client.js";
import type { salesSchema, withdrawalsSchema } from "../../../src/sdk/wire/index.js";

/** Answers typed by the node's own wire schemas (types only: nothing of zod is loaded here). */
export type SalesJson = z.infer<typeof salesSchema>;
export type WithdrawalsJson = z.infer<typeof withdrawalsSchema>;
export type WithdrawalJson = WithdrawalsJson["withdrawals"][number];

// Plain fetch rather than the SDK client, so the first page does not load the SDK's schemas.

type ErrorAnswer = { error?: { code: string; message: string } } | undefined;

/**
 * One request to the node that served the console (same origin): its status and JSON answer
 * (undefined when it sent none). A failure is a LedgerError with the node's code (HTTP_ERROR
 * when it gave none, NODE_UNREACHABLE when it could not be reached).
 */
async function request(
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; answer: unknown }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...headers,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new LedgerError("NODE_UNREACHABLE", `cannot reach the node: ${(error as Error).message}`);
  }
  const answer = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) throw httpError(response.status, answer as ErrorAnswer);
  return { status: response.status, answer };
}

function httpError(status: number, answer: ErrorAnswer): LedgerError {
  return new LedgerError(answer?.error?.code ?? "HTTP_ERROR", answer?.error?.message ?? `HTTP ${status}`, {
    status,
  });
}

/** GET a JSON answer of the node (an answer that is not JSON is an HTTP_ERROR). */
export async function getJson<T>(path: string): Promise<T> {
  const { status, answer } = await request("GET", path);
  if (answer === undefined) throw httpError(status, undefined);
  return answer as T;
}

/** POST or DELETE to the node, its answer not needed (the monitor's acknowledgements and silences). */
export async function sendJson(
  method: "POST" | "DELETE",
  path: string,
  body?: object,
  headers?: Record<string, string>,
): Promise<void> {
  await request(method, path, body, headers);
}

export interface ProductJson {
  sku: string;
  name: string;
  category: string;
  priceFen: string;
  costFen: string;
  stock: string;
  reserved: string;
  sold: string;
  channels: string[];
  serviceTerms: string;
  returnWindowDays: number;
  status: string;
}

export interface OrderJson {
  id: string;
  basketId: string;
  lines: number;
  enterprise: string;
  sku: string;
  quantity: number;
  channel: string;
  listValueFen: string;
  status: string;
  referralCode?: string;
  marketer?: string;
  buyerCode?: string;
  receivedFen: string;
  refundedFen: string;
  returnedUnits: number;
  createdAtMs: string;
  completedAtMs: string;
  lastReason: string;
}

export interface CommissionJson {
  orderId: string;
  enterprise: string;
  policyId: string;
  policyVersion: number;
  policyHash: string;
  rateBps: number;
  baseFen: string;
  totalFen: string;
  note: string;
  parts: Array<{
    payee: string;
    role: string;
    grossFen: string;
    clawedBackFen: string;
    settledFen: string;
    status: string;
  }>;
}

export interface ProofsJson {
  height: string;
  stateRoot: string | null;
  entries: Array<{ key: string; value: string | null; proof: string }>;
}

export interface OrderViewJson {
  order: OrderJson;
  commission: CommissionJson | null;
  proofs?: ProofsJson;
}

export interface EarningsJson {
  balanceFen: string;
  debtFen: string;
  payableFen: string;
  settledFen: string;
  clawedBackFen: string;
  withdrawnFen: string;
  pendingWithdrawalFen: string;
  pendingSalesFen: string;
  referredOrders: number;
  refundedOrders: number;
}

export interface CostJson {
  balanceFen: string;
  depositedFen: string;
  settledFen: string;
  payableFen: string;
  returnedFen: string;
  withdrawnFen: string;
  netCommissionCostFen: string;
}

export interface StatementEntryJson {
  kind: string;
  orderId: string;
  amountFen: string;
  height: string;
  timeMs: string;
  reference: string;
}

export interface ReferralJson {
  code: string;
  enterprise: string;
  sku: string;
  marketer: string;
}

export interface IdentityJson {
  code: string;
  role: string;
  organisation: string;
  status: string;
  /** The address of the key now registered for the code (it follows key rotation). */
  settlementAccount: string;
}

const enterprise = (org: string) => `/v1/marketing/enterprises/${encodeURIComponent(org)}`;

export const api = {
  status: () => getJson<StatusJson>("/v1/status"),
  products: (org: string) => getJson<{ products: ProductJson[] }>(`${enterprise(org)}/products`),
  product: (org: string, sku: string) =>
    getJson<ProductJson>(`${enterprise(org)}/products/${encodeURIComponent(sku)}`),
  earnings: (org: string, code: string) =>
    getJson<EarningsJson>(`${enterprise(org)}/marketers/${code}/earnings`),
  statement: (org: string, code: string) =>
    getJson<{ entries: StatementEntryJson[] }>(`${enterprise(org)}/marketers/${code}/statement?limit=1000`),
  cost: (org: string) => getJson<CostJson>(`${enterprise(org)}/cost`),
  order: (id: string, prove = false) =>
    getJson<OrderViewJson>(`/v1/marketing/orders/${id}${prove ? "?prove=true" : ""}`),
  referral: (code: string) => getJson<ReferralJson>(`/v1/marketing/referrals/${code}`),
  identity: (code: string) => getJson<IdentityJson>(`/v1/identities/${code}`),
  sales: (org: string, dimension: "product" | "channel" | "marketer") =>
    getJson<SalesJson>(`${enterprise(org)}/sales/${dimension}`),
  withdrawals: (org: string) => getJson<WithdrawalsJson>(`${enterprise(org)}/withdrawals?limit=1000`),
};

/** The identity a code names, or undefined when the chain has none (any other failure is thrown). */
export async function identityOrNone(code: string): Promise<IdentityJson | undefined> {
  try {
    return await api.identity(code);
  } catch (error) {
    if (error instanceof LedgerError && error.code === "NOT_FOUND") return undefined;
    throw error;
  }
}
