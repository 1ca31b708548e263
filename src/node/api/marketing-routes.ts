import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readAccount } from "../../app/accounts.js";
import { addressHex } from "../../app/address.js";
import { endBlockEventsCodec, endEventsKey } from "../../app/marketing/end-block.js";
import {
  enterpriseCost,
  listProducts,
  marketerEarnings,
  orderView,
  payoutCsv,
  productView,
  type SalesDimension,
  salesBy,
  statements,
  withdrawals,
} from "../../app/marketing/queries.js";
import { keys, read, referralCodec } from "../../app/marketing/records.js";
import { vaultAddress } from "../../app/marketing/settlement.js";
import type { StateReader } from "../../app/state.js";
import { toHex } from "../../ledger/bytes.js";
import { encode, stateProofCodec } from "../../ledger/index.js";
import { decodeUserCode, encodeUserCode, USER_CODE_BYTES } from "../../pki/user-code.js";
import type { LedgerNode } from "../node.js";
import { notFound } from "./errors.js";
import { parseRequest } from "./request.js";

/**
 * Read-only marketing queries: earnings, commission cost, sales, stock cleared, statements,
 * orders and the payout CSV for finance. Amounts are decimal strings of fen. With `?prove=true`
 * an answer is read at one committed height and comes with a state proof of every key it read,
 * against that height's state root (check them with the SDK's verifyStateValue).
 */

const orgParam = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "an organisation id");
const proveQuery = z.object({ prove: z.enum(["true", "false"]).optional() });
const pageQuery = proveQuery.extend({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** bigint -> decimal string, bytes -> hex (10-byte user codes -> their typed form). */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array)
    return value.length === USER_CODE_BYTES ? encodeUserCode(value) : toHex(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

/** A reader of committed state; with proofs, pinned to one height and recording the keys read. */
function reader(node: LedgerNode, prove: boolean) {
  if (!prove) return { state: node.chain.state as StateReader, proofs: () => undefined };
  const height = node.chain.height;
  const seen = new Map<string, Uint8Array>();
  const state: StateReader = {
    get: (key) => {
      seen.set(toHex(key), key);
      return node.chain.proveState(key, height).value;
    },
  };
  const proofs = () => {
    const entries = [...seen.values()].map((key) => {
      const { value, proof } = node.chain.proveState(key, height);
      return {
        key: toHex(key),
        value: value === undefined ? null : toHex(value),
        proof: toHex(encode(stateProofCodec, proof)),
      };
    });
    const root =
      entries.length > 0 ? node.chain.proveState(seen.values().next().value!, height).root : undefined;
    return { height: height.toString(), stateRoot: root ? toHex(root) : null, entries };
  };
  return { state, proofs };
}

function answer(r: ReturnType<typeof reader>, body: Record<string, unknown>) {
  const proofs = r.proofs();
  return proofs ? { ...(toJson(body) as object), proofs } : toJson(body);
}

function userCode(value: string): Uint8Array {
  return decodeUserCode(value);
}

export const MARKETING_ROUTES = [
  "GET /v1/marketing/enterprises/{org}/cost",
  "GET /v1/marketing/enterprises/{org}/marketers/{code}/earnings",
  "GET /v1/marketing/enterprises/{org}/marketers/{code}/statement",
  "GET /v1/marketing/enterprises/{org}/sales/{dimension}",
  "GET /v1/marketing/enterprises/{org}/products",
  "GET /v1/marketing/enterprises/{org}/products/{sku}",
  "GET /v1/marketing/enterprises/{org}/withdrawals",
  "GET /v1/marketing/enterprises/{org}/payouts.csv",
  "GET /v1/marketing/orders/{id}",
  "GET /v1/marketing/referrals/{code}",
  "GET /v1/marketing/block-events/{height}",
] as const;

export function registerMarketingRoutes(app: FastifyInstance, node: LedgerNode): void {
  const base = "/v1/marketing/enterprises/:org";

  app.get(`${base}/cost`, async (request) => {
    const { org } = parseRequest(z.object({ org: orgParam }), request.params);
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const cost = enterpriseCost(r.state, org);
    const vault = vaultAddress(node.suite.hash, org);
    return answer(r, {
      enterprise: org,
      ...cost,
      // What commissions cost the enterprise so far: paid out of the escrow less clawed back into it.
      netCommissionCostFen: cost.settledFen - cost.returnedFen,
      vaultAddress: addressHex(vault),
      vaultBalanceFen: readAccount(r.state, vault).balanceFen,
    });
  });

  app.get(`${base}/marketers/:code/earnings`, async (request) => {
    const { org, code } = parseRequest(z.object({ org: orgParam, code: z.string().max(90) }), request.params);
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const payee = userCode(code);
    return answer(r, {
      enterprise: org,
      code: encodeUserCode(payee),
      ...marketerEarnings(r.state, org, payee),
    });
  });

  app.get(`${base}/marketers/:code/statement`, async (request) => {
    const { org, code } = parseRequest(z.object({ org: orgParam, code: z.string().max(90) }), request.params);
    const q = parseRequest(pageQuery, request.query);
    const r = reader(node, q.prove === "true");
    const payee = userCode(code);
    return answer(r, {
      enterprise: org,
      code: encodeUserCode(payee),
      entries: statements(r.state, org, payee, q.offset, q.limit),
    });
  });

  app.get(`${base}/sales/:dimension`, async (request) => {
    const { org, dimension } = parseRequest(
      z.object({ org: orgParam, dimension: z.enum(["product", "channel", "marketer"]) }),
      request.params,
    );
    const q = parseRequest(pageQuery, request.query);
    const r = reader(node, q.prove === "true");
    const rows = salesBy(r.state, org, dimension as SalesDimension, BigInt(q.offset), BigInt(q.limit));
    return answer(r, { enterprise: org, dimension, rows });
  });

  app.get(`${base}/products`, async (request) => {
    const { org } = parseRequest(z.object({ org: orgParam }), request.params);
    const q = parseRequest(pageQuery, request.query);
    const r = reader(node, q.prove === "true");
    const products = listProducts(r.state, org, BigInt(q.offset), BigInt(q.limit)).map((p) => ({
      ...p,
      stockClearedUnits: p.sold,
    }));
    return answer(r, { enterprise: org, products });
  });

  app.get(`${base}/products/:sku`, async (request) => {
    const { org, sku } = parseRequest(
      z.object({ org: orgParam, sku: z.string().min(1).max(64) }),
      request.params,
    );
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const product = productView(r.state, org, sku);
    if (!product) throw notFound(`product ${org}/${sku}`);
    return answer(r, { ...product, stockClearedUnits: product.sold });
  });

  app.get(`${base}/withdrawals`, async (request) => {
    const { org } = parseRequest(z.object({ org: orgParam }), request.params);
    const q = parseRequest(pageQuery, request.query);
    const r = reader(node, q.prove === "true");
    return answer(r, { enterprise: org, withdrawals: withdrawals(r.state, org, q.offset, q.limit) });
  });

  app.get(`${base}/payouts.csv`, async (request, reply) => {
    const { org } = parseRequest(z.object({ org: orgParam }), request.params);
    const { status } = parseRequest(
      z.object({ status: z.enum(["requested", "paid", "rejected"]).optional() }),
      request.query,
    );
    reply.header("content-type", "text/csv; charset=utf-8");
    reply.header("content-disposition", `attachment; filename="payouts-${org}.csv"`);
    return payoutCsv(node.chain.state, org, status);
  });

  app.get("/v1/marketing/orders/:id", async (request) => {
    const { id } = parseRequest(z.object({ id: z.string().regex(/^(0|[1-9][0-9]{0,19})$/) }), request.params);
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const view = orderView(r.state, BigInt(id));
    if (!view) throw notFound(`order ${id}`);
    return answer(r, { order: view.order, commission: view.commission ?? null });
  });

  // Events of a block's end-block work (orders completed by block time and their settlements).
  app.get("/v1/marketing/block-events/:height", async (request) => {
    const { height } = parseRequest(
      z.object({ height: z.string().regex(/^(0|[1-9][0-9]{0,19})$/) }),
      request.params,
    );
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const stored = read(r.state, endEventsKey(BigInt(height)), endBlockEventsCodec);
    const events = stored && stored.height === BigInt(height) ? stored.events : [];
    return answer(r, {
      height,
      events: events.map((e) => ({
        type: e.type,
        attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
      })),
    });
  });

  app.get("/v1/marketing/referrals/:code", async (request) => {
    const { code } = parseRequest(z.object({ code: z.string().regex(/^RC[0-9A-F]{12}$/) }), request.params);
    const r = reader(node, parseRequest(proveQuery, request.query).prove === "true");
    const referral = read(r.state, keys.referral(code), referralCodec);
    if (!referral) throw notFound(`referral code ${code}`);
    return answer(r, referral);
  });
}

const errorResponse = {
  description: "refused; `code` is stable, `message` is for people",
  content: { "application/json": { schema: { type: "object", required: ["error"] } } },
} as const;
const ok = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" } } },
});
const pathParam = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string" },
});
const query = (name: string, description: string, schema: object = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});
const prove = query("prove", "true: read at one height and add a state proof of every key read", {
  enum: ["true", "false"],
});
const paging = [
  query("offset", "first entry", { type: "integer", minimum: 0 }),
  query("limit", "at most this many (1..1000, default 100)", { type: "integer", minimum: 1, maximum: 1000 }),
];
const org = pathParam("org", "the enterprise's organisation id");
const code = pathParam("code", "the payee's user code (mkl1...)");
const get = (summary: string, parameters: object[]) => ({
  get: { summary, parameters, responses: { "200": ok("OK"), "400": errorResponse, "404": errorResponse } },
});

/** The OpenAPI paths of the marketing queries (spread into the node's document). */
export const MARKETING_OPENAPI_PATHS = {
  "/v1/marketing/enterprises/{org}/cost": get(
    "Enterprise commission cost: escrow balance, deposited, settled, payable, returned by clawbacks, withdrawn; the vault account",
    [org, prove],
  ),
  "/v1/marketing/enterprises/{org}/marketers/{code}/earnings": get(
    "A payee's earnings with an enterprise: pending sales, payable, settled, clawed back, withdrawn, balance, debt",
    [org, code, prove],
  ),
  "/v1/marketing/enterprises/{org}/marketers/{code}/statement": get(
    "A payee's statement: settled, payable, clawback, debt-netted and withdrawal entries in order",
    [org, code, prove, ...paging],
  ),
  "/v1/marketing/enterprises/{org}/sales/{dimension}": get(
    "Sales of completed orders net of refunds (orders, units, amount received, refunded, commission) by product, channel or marketer",
    [org, pathParam("dimension", "product, channel or marketer"), prove, ...paging],
  ),
  "/v1/marketing/enterprises/{org}/products": get(
    "The catalogue with stock, reserved units and stock cleared (units sold net of returns)",
    [org, prove, ...paging],
  ),
  "/v1/marketing/enterprises/{org}/products/{sku}": get("One product", [
    org,
    pathParam("sku", "the SKU"),
    prove,
  ]),
  "/v1/marketing/enterprises/{org}/withdrawals": get("Payout requests and their status", [
    org,
    prove,
    ...paging,
  ]),
  "/v1/marketing/enterprises/{org}/payouts.csv": {
    get: {
      summary:
        "Payout export for finance (CSV, RFC 4180): id, payee user code, fen, yuan, status, times, external reference",
      parameters: [
        org,
        query("status", "only requested, paid or rejected", { enum: ["requested", "paid", "rejected"] }),
      ],
      responses: {
        "200": { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } },
        "400": errorResponse,
      },
    },
  },
  "/v1/marketing/orders/{id}": get(
    "An order (buyer as salted commitment and user code only) and its commission: policy id, version, version hash, parts",
    [pathParam("id", "the order id (decimal)"), prove],
  ),
  "/v1/marketing/block-events/{height}": get(
    "Events of a block's end-block work: orders completed by block time, commissions computed, settled or payable (kept for the last 4096 blocks)",
    [pathParam("height", "a block height (decimal)"), prove],
  ),
  "/v1/marketing/referrals/{code}": get("A referral code: enterprise, product, marketer", [
    pathParam("code", "RC followed by 12 hex digits"),
    prove,
  ]),
} as const;
