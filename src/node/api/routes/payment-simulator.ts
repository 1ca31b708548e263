import { z } from "zod";
import { toHex } from "../../../ledger/bytes.js";
import { encodeUserCode } from "../../../pki/user-code.js";
import { readKeyPairFile } from "../../key-files.js";
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
  })
  .meta({ id: "SimulatedPayment" });
const tags = ["payment simulator"];

/**
 * The node's payment simulator (payment-simulator.ts), same origin as the console: present only
 * when the node's config names one (`paymentSimulator`), 404 PAYMENT_SIMULATOR_OFF otherwise.
 */
export const paymentSimulatorRoutes: RouteModule = async (app, { node }) => {
  const config = node.config.paymentSimulator;
  const simulator = config ? new PaymentSimulator(node, readKeyPairFile(config.keyFile)) : undefined;
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
    "/v1/payment-simulator/payments",
    {
      schema: {
        operationId: "simulatePayment",
        tags,
        summary:
          "Pay a basket in the simulator (no money moves): the payment service confirms its whole list value on the chain",
        body: z.strictObject({
          orderId: z
            .string()
            .regex(/^(0|[1-9][0-9]{0,19})$/)
            .describe("the basket's id (its first line)"),
        }),
        response: { 202: paidSchema, ...refusals },
      },
    },
    async (request, reply) => {
      const { hash, amountFen } = required().pay(BigInt(request.body.orderId));
      return reply.status(202).send({ hash: toHex(hash), amountFen: amountFen.toString() });
    },
  );
};
