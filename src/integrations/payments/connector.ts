import { join } from "node:path";
import { keys as marketingKeys } from "../../app/marketing/records.js";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { decodeUserCode, userCodeBytesOf, userCodeOf } from "../../pki/user-code.js";
import { type EventFollower, followEvents, MarketLedgerClient, TxSender } from "../../sdk/index.js";
import type { FeedEventJson } from "../../sdk/wire/events.js";
import { CursorFile } from "../cursor-file.js";
import { type PaymentProvider, payoutIdempotencyKey } from "./provider.js";

/**
 * The payment connector (`mkl connector payments`): runs as a payment service identity, follows
 * the withdrawals requested (by a payee, or an instant payout created in the block that settled
 * the commission) of each enterprise that authorised it on the chain (authorisePaymentService),
 * pays them through its provider, then records the outcome on the chain (decideWithdrawal) with the
 * provider's reference.
 *
 * Idempotent end to end: the provider call carries `mkl-withdrawal/ENTERPRISE/ID` as its
 * idempotency key, so after a crash between paying and recording, the replayed call returns the
 * first payout instead of paying again; the decision carries a key of its own, so recording twice
 * changes nothing; a withdrawal someone else decided meanwhile is left as it is.
 */

export interface PaymentConnectorOptions {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly dataDir: string;
  readonly provider: PaymentProvider;
  readonly log?: (line: string) => void;
}

export interface RunningConnector {
  readonly code: string;
  lastHeight(): bigint | undefined;
  stop(): Promise<void>;
}

const DONE_CODES = new Set(["OK", "WITHDRAWAL_DECIDED"]);

export async function startPaymentConnector(options: PaymentConnectorOptions): Promise<RunningConnector> {
  const log = options.log ?? (() => {});
  const suite = getSuite(options.key.privateKey.suite);
  const client = new MarketLedgerClient(options.nodeUrl);
  const code = userCodeOf(suite.hash, options.key.publicKey.bytes);
  const codeBytes = userCodeBytesOf(suite.hash, options.key.publicKey.bytes);
  const cursor = new CursorFile(join(options.dataDir, "cursor.json"));
  let sender: TxSender | undefined;

  const authorised = async (enterprise: string) =>
    (await client.state(marketingKeys.paymentService(enterprise, codeBytes))).value !== null;

  const settle = async (event: FeedEventJson) => {
    const { enterprise, payee, amountFen } = event.attributes;
    const withdrawalId = Number(event.attributes.withdrawalId);
    if (
      enterprise === undefined ||
      payee === undefined ||
      amountFen === undefined ||
      !Number.isInteger(withdrawalId)
    )
      throw new LedgerError("EVENT_INVALID", `withdrawal event ${event.id} lacks its fields`);
    if (!(await authorised(enterprise))) return;
    decodeUserCode(payee);
    const idempotencyKey = payoutIdempotencyKey(enterprise, withdrawalId);
    const outcome = await options.provider.pay({
      idempotencyKey,
      enterprise,
      withdrawalId,
      payee,
      amountFen: BigInt(amountFen),
    });
    sender ??= await TxSender.connect(client, suite);
    const result = await sender.send(options.key, {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: `payout-${enterprise}-${withdrawalId}`,
        enterprise,
        withdrawalId,
        paid: outcome.status === "paid",
        externalReference: outcome.status === "paid" ? outcome.reference : outcome.reason.slice(0, 128),
      },
    });
    if (!DONE_CODES.has(result.code))
      throw new LedgerError(result.code, `deciding ${idempotencyKey}: ${result.message}`);
    log(
      `payout ${idempotencyKey}: ${outcome.status} ${outcome.status === "paid" ? outcome.reference : outcome.reason} (${result.code})`,
    );
  };

  const follower: EventFollower = followEvents(
    options.nodeUrl,
    { kinds: ["withdrawalRequested"], fromHeight: cursor.next() },
    async (block) => {
      for (const event of block.events) await settle(event);
      cursor.write(BigInt(block.height));
    },
    { onError: (error) => log(`payment connector: ${error.message}`), retryMs: 200, maxRetryMs: 2_000 },
  );
  return { code, lastHeight: () => cursor.read(), stop: () => follower.stop() };
}
