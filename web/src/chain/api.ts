import type { z } from "zod";
import { LedgerError } from "../../../src/errors.js";
import type { StatusJson } from "../../../src/sdk/client.js";
import { SIMULATED_PAYMENTS_PATH } from "../../../src/sdk/payment-request.js";
import type {
  anomaliesSchema,
  costSchema,
  earningsSchema,
  IdentityJson,
  orderViewSchema,
  productSchema,
  productsSchema,
  referralSchema,
  salesSchema,
  statementSchema,
  withdrawalsSchema,
} from "../../../src/sdk/wire/index.js";

// Answers typed by the node's own wire schemas, the SDK's types (types only: nothing of zod is
// loaded here), so the console's types follow every record the chain changes.
export type SalesJson = z.infer<typeof salesSchema>;
export type WithdrawalsJson = z.infer<typeof withdrawalsSchema>;
export type WithdrawalJson = WithdrawalsJson["withdrawals"][number];
export type ProductJson = z.infer<typeof productSchema>;
export type OrderViewJson = z.infer<typeof orderViewSchema>;
export type OrderJson = OrderViewJson["order"];
export type CommissionJson = NonNullable<OrderViewJson["commission"]>;
export type ProofsJson = NonNullable<OrderViewJson["proofs"]>;
export type EarningsJson = z.infer<typeof earningsSchema>;
export type CostJson = z.infer<typeof costSchema>;
export type StatementEntryJson = z.infer<typeof statementSchema>["entries"][number];
export type ReferralJson = z.infer<typeof referralSchema>;
export type AnomaliesJson = z.infer<typeof anomaliesSchema>;
export type { IdentityJson };

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

/** POST a JSON body (with `headers`, e.g. a signed request's) and read the node's JSON answer. */
export async function postJson<T>(path: string, body: object, headers?: Record<string, string>): Promise<T> {
  const { status, answer } = await request("POST", path, body, headers);
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

const enterprise = (org: string) => `/v1/marketing/enterprises/${encodeURIComponent(org)}`;

export const api = {
  status: () => getJson<StatusJson>("/v1/status"),
  products: (org: string) => getJson<z.infer<typeof productsSchema>>(`${enterprise(org)}/products`),
  product: (org: string, sku: string) =>
    getJson<ProductJson>(`${enterprise(org)}/products/${encodeURIComponent(sku)}`),
  earnings: (org: string, code: string) =>
    getJson<EarningsJson>(`${enterprise(org)}/marketers/${code}/earnings`),
  statement: (org: string, code: string) =>
    getJson<z.infer<typeof statementSchema>>(`${enterprise(org)}/marketers/${code}/statement?limit=1000`),
  cost: (org: string) => getJson<CostJson>(`${enterprise(org)}/cost`),
  order: (id: string, prove = false) =>
    getJson<OrderViewJson>(`/v1/marketing/orders/${id}${prove ? "?prove=true" : ""}`),
  referral: (code: string) => getJson<ReferralJson>(`/v1/marketing/referrals/${code}`),
  identity: (code: string) => getJson<IdentityJson>(`/v1/identities/${code}`),
  sales: (org: string, dimension: "product" | "channel" | "marketer") =>
    getJson<SalesJson>(`${enterprise(org)}/sales/${dimension}`),
  withdrawals: (org: string) => getJson<WithdrawalsJson>(`${enterprise(org)}/withdrawals?limit=1000`),
  anomalies: (org: string) => getJson<AnomaliesJson>(`${enterprise(org)}/anomalies`),
  /** This node's SIMULATED payment service (404 when it has none), and whether `org` authorised it. */
  paymentSimulator: (org?: string) =>
    getJson<{ simulated: true; code: string; authorised?: boolean }>(
      `/v1/payment-simulator${org ? `?enterprise=${encodeURIComponent(org)}` : ""}`,
    ),
  /**
   * Pays a basket in the simulator: a request signed with the buyer's key (`sign` gives its
   * headers for the path and body); the payment service signs its confirmation on the node.
   */
  simulatePayment: (orderId: string, sign: (path: string, body: object) => Record<string, string>) =>
    postJson<{ hash: string; amountFen: string }>(
      SIMULATED_PAYMENTS_PATH,
      { orderId },
      sign(SIMULATED_PAYMENTS_PATH, { orderId }),
    ),
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
