import { z } from "zod";
import { readAccount } from "../../../app/accounts.js";
import { addressHex } from "../../../app/address.js";
import { endBlockEventsCodec, endEventsKey } from "../../../app/marketing/end-block.js";
import {
  anomalyCounts,
  enterpriseCost,
  listProducts,
  marketerEarnings,
  orderView,
  payoutCsv,
  productView,
  salesBy,
  statements,
  withdrawals,
} from "../../../app/marketing/queries.js";
import { keys, read, referralCodec } from "../../../app/marketing/records.js";
import { vaultAddress } from "../../../app/marketing/settlement.js";
import type { StateReader } from "../../../app/state.js";
import { toHex } from "../../../ledger/bytes.js";
import { encode, stateProofCodec } from "../../../ledger/index.js";
import { decodeUserCode, encodeUserCode } from "../../../pki/user-code.js";
import {
  anomaliesSchema,
  blockEndEventsSchema,
  costSchema,
  earningsSchema,
  type Json,
  orderViewSchema,
  productSchema,
  productsSchema,
  referralSchema,
  salesSchema,
  statementSchema,
  withdrawalsSchema,
} from "../../../sdk/wire/index.js";
import type { LedgerNode } from "../../node.js";
import { notFound } from "../errors.js";
import { toJson } from "../json.js";
import { heightString, refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/**
 * Read-only marketing queries: earnings, commission cost, sales, stock cleared, statements,
 * orders and the payout CSV for finance. Amounts are decimal strings of fen. With `?prove=true`
 * an answer is read at one committed height and comes with a state proof of every key it read,
 * against that height's state root (check them with the SDK's verifyStateValue).
 */

const org = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "an organisation id")
  .describe("the enterprise's organisation id");
const payee = z.string().max(90).describe("the payee's user code (mkl1…)");
const proveQuery = z.object({
  prove: z
    .enum(["true", "false"])
    .optional()
    .describe("true: read at one height and add a state proof of every key read"),
});
const pageQuery = proveQuery.extend({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0).describe("first entry"),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe("at most this many"),
});

/** A reader of committed state; with proofs, pinned to one height and recording the keys read. */
function reader(node: LedgerNode, prove: boolean) {
  if (!prove) return { state: node.chain.state, proofs: () => undefined };
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

/** The answer as JSON, with the proofs of what it read when they were asked for. */
function answer<T extends object>(r: ReturnType<typeof reader>, body: T) {
  const proofs = r.proofs();
  const json = toJson(body) as Json<T> & object;
  return proofs ? { ...json, proofs } : json;
}

const get = (operationId: string, summary: string) => ({ operationId, tags: ["marketing"], summary });

export const marketingRoutes: RouteModule = async (app, { node }) => {
  const base = "/v1/marketing/enterprises/:org";

  app.get(
    `${base}/cost`,
    {
      schema: {
        ...get(
          "getEnterpriseCost",
          "Enterprise commission cost: escrow balance, deposited, settled, payable, returned by clawbacks, withdrawn; the vault account",
        ),
        params: z.object({ org }),
        querystring: proveQuery,
        response: { 200: costSchema, ...refusals },
      },
    },
    async (request) => {
      const { org } = request.params;
      const r = reader(node, request.query.prove === "true");
      const cost = enterpriseCost(r.state, org);
      const vault = vaultAddress(node.suite.hash, org);
      return answer(r, {
        enterprise: org,
        ...cost,
        netCommissionCostFen: cost.settledFen - cost.returnedFen,
        vaultAddress: addressHex(vault),
        vaultBalanceFen: readAccount(r.state, vault).balanceFen,
      });
    },
  );

  app.get(
    `${base}/marketers/:code/earnings`,
    {
      schema: {
        ...get(
          "getMarketerEarnings",
          "A payee's earnings with an enterprise: pending sales, payable, settled, clawed back, withdrawn, balance, debt",
        ),
        params: z.object({ org, code: payee }),
        querystring: proveQuery,
        response: { 200: earningsSchema, ...refusals },
      },
    },
    async (request) => {
      const { org, code } = request.params;
      const r = reader(node, request.query.prove === "true");
      const bytes = decodeUserCode(code);
      return answer(r, {
        enterprise: org,
        code: encodeUserCode(bytes),
        ...marketerEarnings(r.state, org, bytes),
      });
    },
  );

  app.get(
    `${base}/marketers/:code/statement`,
    {
      schema: {
        ...get(
          "getMarketerStatement",
          "A payee's statement: settled, payable, clawback, debt-netted and withdrawal entries in order",
        ),
        params: z.object({ org, code: payee }),
        querystring: pageQuery,
        response: { 200: statementSchema, ...refusals },
      },
    },
    async (request) => {
      const { org, code } = request.params;
      const q = request.query;
      const r = reader(node, q.prove === "true");
      const bytes = decodeUserCode(code);
      return answer(r, {
        enterprise: org,
        code: encodeUserCode(bytes),
        entries: statements(r.state, org, bytes, q.offset, q.limit),
      });
    },
  );

  app.get(
    `${base}/sales/:dimension`,
    {
      schema: {
        ...get(
          "getSales",
          "Sales of completed orders net of refunds (orders, units, amount received, refunded, commission) by product, channel or marketer",
        ),
        params: z.object({ org, dimension: z.enum(["product", "channel", "marketer"]) }),
        querystring: pageQuery,
        response: { 200: salesSchema, ...refusals },
      },
    },
    async (request) => {
      const { org, dimension } = request.params;
      const q = request.query;
      const r = reader(node, q.prove === "true");
      const rows = salesBy(r.state, org, dimension, BigInt(q.offset), BigInt(q.limit));
      return answer(r, { enterprise: org, dimension, rows });
    },
  );

  app.get(
    `${base}/anomalies`,
    {
      schema: {
        ...get(
          "getAnomalies",
          "How many anomalies of each kind the chain flagged for the enterprise: self-referrals, abnormal refund rates, completions that failed",
        ),
        params: z.object({ org }),
        querystring: proveQuery,
        response: { 200: anomaliesSchema, ...refusals },
      },
    },
    async (request) => {
      const { org } = request.params;
      const r = reader(node, request.query.prove === "true");
      return answer(r, { enterprise: org, counts: anomalyCounts(r.state, org) });
    },
  );

  app.get(
    `${base}/products`,
    {
      schema: {
        ...get(
          "listProducts",
          "The catalogue with stock, reserved units and stock cleared (units sold net of returns)",
        ),
        params: z.object({ org }),
        querystring: pageQuery,
        response: { 200: productsSchema, ...refusals },
      },
    },
    async (request) => {
      const { org } = request.params;
      const q = request.query;
      const r = reader(node, q.prove === "true");
      const products = listProducts(r.state, org, BigInt(q.offset), BigInt(q.limit)).map((p) => ({
        ...p,
        stockClearedUnits: p.sold,
      }));
      return answer(r, { enterprise: org, products });
    },
  );

  app.get(
    `${base}/products/:sku`,
    {
      schema: {
        ...get("getProduct", "One product"),
        params: z.object({ org, sku: z.string().min(1).max(64).describe("the SKU") }),
        querystring: proveQuery,
        response: { 200: productSchema, ...refusals },
      },
    },
    async (request) => {
      const { org, sku } = request.params;
      const r = reader(node, request.query.prove === "true");
      const product = productView(r.state, org, sku);
      if (!product) throw notFound(`product ${org}/${sku}`);
      return answer(r, { ...product, stockClearedUnits: product.sold });
    },
  );

  app.get(
    `${base}/withdrawals`,
    {
      schema: {
        ...get("listWithdrawals", "Payout requests and their status"),
        params: z.object({ org }),
        querystring: pageQuery,
        response: { 200: withdrawalsSchema, ...refusals },
      },
    },
    async (request) => {
      const { org } = request.params;
      const q = request.query;
      const r = reader(node, q.prove === "true");
      return answer(r, { enterprise: org, withdrawals: withdrawals(r.state, org, q.offset, q.limit) });
    },
  );

  app.get(
    `${base}/payouts.csv`,
    {
      schema: {
        ...get(
          "getPayoutsCsv",
          "Payout export for finance (CSV, RFC 4180): id, payee user code, fen, yuan, status, times, external reference",
        ),
        params: z.object({ org }),
        querystring: z.object({
          status: z
            .enum(["requested", "paid", "rejected"])
            .optional()
            .describe("only payouts in this status"),
        }),
        response: {
          200: { description: "CSV", content: { "text/csv": { schema: z.string() } } },
          ...refusals,
        },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      reply.header("content-type", "text/csv; charset=utf-8");
      reply.header("content-disposition", `attachment; filename="payouts-${org}.csv"`);
      return payoutCsv(node.chain.state, org, request.query.status);
    },
  );

  app.get(
    "/v1/marketing/orders/:id",
    {
      schema: {
        ...get(
          "getOrder",
          "An order (buyer as salted commitment and user code only) and its commission: policy id, version, version hash, parts",
        ),
        params: z.object({
          id: z
            .string()
            .regex(/^(0|[1-9][0-9]{0,19})$/)
            .describe("the order id (decimal)"),
        }),
        querystring: proveQuery,
        response: { 200: orderViewSchema, ...refusals },
      },
    },
    async (request) => {
      const { id } = request.params;
      const r = reader(node, request.query.prove === "true");
      const view = orderView(r.state, BigInt(id));
      if (!view) throw notFound(`order ${id}`);
      return answer(r, { order: view.order, commission: view.commission ?? null });
    },
  );

  app.get(
    "/v1/marketing/block-events/:height",
    {
      schema: {
        ...get(
          "getBlockEndEvents",
          "Events of a block's end-block work: orders completed by block time, commissions computed, settled or payable (kept for the last 4096 blocks)",
        ),
        params: z.object({ height: heightString }),
        querystring: proveQuery,
        response: { 200: blockEndEventsSchema, ...refusals },
      },
    },
    async (request) => {
      const { height } = request.params;
      const r = reader(node, request.query.prove === "true");
      const stored = read(r.state, endEventsKey(BigInt(height)), endBlockEventsCodec);
      const events = stored && stored.height === BigInt(height) ? stored.events : [];
      return answer(r, {
        height,
        events: events.map((e) => ({
          type: e.type,
          attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
        })),
      });
    },
  );

  app.get(
    "/v1/marketing/referrals/:code",
    {
      schema: {
        ...get("getReferral", "A referral code: enterprise, product, marketer"),
        params: z.object({
          code: z
            .string()
            .regex(/^RC[0-9A-F]{12}$/)
            .describe("RC followed by 12 hex digits"),
        }),
        querystring: proveQuery,
        response: { 200: referralSchema, ...refusals },
      },
    },
    async (request) => {
      const { code } = request.params;
      const r = reader(node, request.query.prove === "true");
      const referral = read(r.state, keys.referral(code), referralCodec);
      if (!referral) throw notFound(`referral code ${code}`);
      return answer(r, referral);
    },
  );
};
