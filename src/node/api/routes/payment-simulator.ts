import { z } from "zod";
import { systemClock } from "../../../clock.js";
import { LedgerError } from "../../../errors.js";
import { toHex } from "../../../ledger/bytes.js";
import { encodeUserCode } from "../../../pki/user-code.js";
import { PAYMENT_REQUEST, SIMULATED_PAYMENTS_PATH } from "../../../sdk/payment-request.js";
import {
  MemoryNonceBook,
  type ReceivedRequest,
  readSignedHeaders,
  refuseReplay,
  type VerifiedRequest,
  verifySignedRequest,
} from "../../../sdk/signed-request.js";
import { readKeyPairFile } from "../../key-files.js";
import type { LedgerNode } from "../../node.js";
import { PaymentSimulator } from "../../payment-simulator.js";
import { ApiError } from "../errors.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

const enterprise = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "an organisation id")
  .describe("the enterprise's organisation id");
const simulatorSchema = z
  .object({
    simulated: z.literal(true).describe("no money moves: a simulator for demos and tests"),
    code: z.string().describe("the payment-service identity's user code, for the enterprise to authorise"),
    authorised: z
      .boolean()
      .optional()
      .describe("with ?enterprise=ORG: whether that enterprise authorised it"),
  })
  .meta({ id: "PaymentSimulator" });
const paidSchema = z
  .object({
    hash: z.string().describe("the confirmPayment transaction, signed by the payment service"),
    amountFen: z.string(),
    height: z.string().describe("the height it committed at"),
  })
  .meta({ id: "SimulatedPayment" });
const tags = ["payment simulator"];

/**
 * A buyer's signed payment request, checked (time, replay, signature) and its nonce taken, so
 * the same request is never taken twice whatever the payment's outcome; refusals are the API's.
 */
function verifiedPayer(node: LedgerNode, request: ReceivedRequest, nonces: MemoryNonceBook): VerifiedRequest {
  try {
    const now = systemClock.now();
    const signed = readSignedHeaders(PAYMENT_REQUEST, request, now);
    refuseReplay(PAYMENT_REQUEST, nonces, signed.nonce);
    const verified = verifySignedRequest(PAYMENT_REQUEST, node.suite, request, signed);
    nonces.take(signed.nonce, signed.timeMs, now);
    return verified;
  } catch (error) {
    if (error instanceof LedgerError) throw new ApiError(error.code, error.message);
    throw error;
  }
}

/**
 * The node's payment simulator (payment-simulator.ts), same origin as the console: present only
 * when the node's config names one (`paymentSimulator`), 404 PAYMENT_SIMULATOR_OFF otherwise.
 * A payment is a request signed by the basket's buyer (src/sdk/payment-request.ts); its nonces
 * are kept in memory for the time window: after a restart a replay finds its basket paid.
 */
export const paymentSimulatorRoutes: RouteModule = async (app, { node }) => {
  const config = node.config.paymentSimulator;
  const simulator = config ? new PaymentSimulator(node, readKeyPairFile(config.keyFile)) : undefined;
  const nonces = new MemoryNonceBook();
  const required = () => {
    if (!simulator) throw new ApiError("PAYMENT_SIMULATOR_OFF", "this node runs no payment simulator");
    return simulator;
  };
  app.get(
    "/v1/payment-simulator",
    {
      schema: {
        operationId: "getPaymentSimulator",
        tags,
        summary: "The SIMULATED payment service of this node (demo only): its user code",
        querystring: z.object({ enterprise: enterprise.optional() }),
        response: { 200: simulatorSchema, ...refusals },
      },
    },
    async (request) => {
      const s = required();
      const org = request.query.enterprise;
      return {
        simulated: true as const,
        code: encodeUserCode(s.code),
        ...(org === undefined ? {} : { authorised: s.authorisedBy(org) }),
      };
    },
  );
  app.post(
    SIMULATED_PAYMENTS_PATH,
    {
      schema: {
        operationId: "simulatePayment",
        tags,
        summary:
          "Pay a basket in the simulator (no money moves): the payment service confirms its whole list value on the chain, answered once that has committed. Signed by the basket's buyer (headers mkl-payer-key, -time, -nonce, -signature)",
        body: z.strictObject({
          orderId: z
            .string()
            .regex(/^(0|[1-9][0-9]{0,19})$/)
            .describe("the basket's id (its first line)"),
        }),
        response: { 200: paidSchema, ...refusals },
      },
    },
    async (request) => {
      const s = required();
      const payer = verifiedPayer(node, request, nonces);
      const paid = await s.pay(BigInt(request.body.orderId), payer.publicKey.bytes);
      return { hash: toHex(paid.hash), amountFen: paid.amountFen.toString(), height: paid.height.toString() };
    },
  );
};
