import { type CodecType, fixedBytes, string, struct, u64 } from "../../ledger/codec.js";
import { moveFunds, requirePositiveAmount } from "../accounts.js";
import { ADDRESS_BYTES, addressHex } from "../address.js";
import { appEvent } from "../events.js";
import type { OperationHandler } from "../operation.js";

export const transferCodec = struct({ to: fixedBytes(ADDRESS_BYTES), amountFen: u64, memo: string(256) });
export type Transfer = CodecType<typeof transferCodec>;

/** Moves fen from the sender's account to another. */
export const transferOperation: OperationHandler<Transfer> = {
  tag: 1,
  codec: transferCodec,
  checkValue(op) {
    requirePositiveAmount(op.amountFen);
  },
  execute(ctx, op) {
    moveFunds(ctx.state, ctx.sender, op.to, op.amountFen);
    ctx.emit(
      appEvent("transfer", {
        from: addressHex(ctx.sender),
        to: addressHex(op.to),
        amountFen: op.amountFen,
      }),
    );
  },
};
