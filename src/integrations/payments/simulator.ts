import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { z } from "zod";
import { LedgerError } from "../../errors.js";
import type { PaymentProvider, PayoutRequest, PayoutResult } from "./provider.js";

/**
 * A SIMULATED payment provider, for tests and demos only: it moves no money. It keeps every
 * payout it "made" by idempotency key in a file (written atomically before it answers), answers
 * a repeated key with the first result, and rejects payouts above a limit. `calls` counts every
 * request, `payouts` the distinct ones, so a test sees that a payout happened once.
 */

interface SimulatorBook {
  calls: number;
  payouts: Record<
    string,
    { request: Omit<PayoutRequest, "amountFen"> & { amountFen: string }; result: PayoutResult }
  >;
}

export interface SimulatorOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  /** Payouts above this are rejected (default: none). */
  readonly limitFen?: bigint;
  /** Pause after recording a payout and before answering (to let a test crash the caller in between). */
  readonly answerDelayMs?: number;
}

const payoutBody = z.strictObject({
  enterprise: z.string().max(32),
  withdrawalId: z.number().int().nonnegative(),
  payee: z.string().max(90),
  amountFen: z.string().regex(/^(0|[1-9][0-9]{0,19})$/),
});

export async function startPaymentSimulator(options: SimulatorOptions) {
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, "simulated-payouts.json");
  const book: SimulatorBook = existsSync(path)
    ? JSON.parse(readFileSync(path, "utf8"))
    : { calls: 0, payouts: {} };
  const save = () => {
    writeFileSync(`${path}.tmp`, JSON.stringify(book));
    renameSync(`${path}.tmp`, path);
  };
  const app = Fastify({ logger: false });
  app.post("/v1/payouts", async (request, reply) => {
    const key = request.headers["idempotency-key"];
    const body = payoutBody.safeParse(request.body);
    if (typeof key !== "string" || key.length === 0 || key.length > 128 || !body.success)
      return reply
        .status(400)
        .send({ error: { code: "BAD_REQUEST", message: "an Idempotency-Key and a payout" } });
    book.calls++;
    const first = book.payouts[key];
    if (first) {
      save();
      return { ...first.result, replayed: true };
    }
    const amountFen = BigInt(body.data.amountFen);
    const result: PayoutResult =
      options.limitFen !== undefined && amountFen > options.limitFen
        ? { status: "rejected", reason: `above the simulator's limit of ${options.limitFen} fen` }
        : { status: "paid", reference: `SIM-${Object.keys(book.payouts).length + 1}` };
    book.payouts[key] = { request: { idempotencyKey: key, ...body.data }, result };
    save();
    if (options.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs));
    return { ...result, replayed: false };
  });
  app.get("/v1/payouts", async () => ({ calls: book.calls, payouts: book.payouts }));
  const url = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  return { url, stop: () => app.close() };
}

/** The adapter for the simulator (the shape a real provider's adapter takes: HTTP, an Idempotency-Key). */
export class SimulatorPaymentProvider implements PaymentProvider {
  readonly name = "simulator";

  constructor(private readonly baseUrl: string) {}

  async pay(request: PayoutRequest): Promise<PayoutResult> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, "")}/v1/payouts`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": request.idempotencyKey },
        body: JSON.stringify({
          enterprise: request.enterprise,
          withdrawalId: request.withdrawalId,
          payee: request.payee,
          amountFen: request.amountFen.toString(),
        }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new LedgerError("PROVIDER_UNREACHABLE", `the payment simulator: ${(error as Error).message}`);
    }
    const body = (await response.json()) as PayoutResult & { error?: { message: string } };
    if (!response.ok)
      throw new LedgerError("PROVIDER_FAILED", body.error?.message ?? `HTTP ${response.status}`);
    return body.status === "paid"
      ? { status: "paid", reference: body.reference }
      : { status: "rejected", reason: body.reason };
  }
}
