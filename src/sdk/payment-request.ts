import type { RequestScheme } from "./signed-request.js";

/**
 * A buyer's payment in a node's SIMULATED payment service (demo only,
 * src/node/api/routes/payment-simulator.ts): a signed request (signed-request.ts) of this
 * scheme, by the key of the buyer the basket names, so no one else can mark it paid.
 */
export const PAYMENT_REQUEST: RequestScheme = {
  tag: "MKL/payment-request/v1",
  headers: {
    key: "mkl-payer-key",
    time: "mkl-payer-time",
    nonce: "mkl-payer-nonce",
    signature: "mkl-payer-signature",
  },
  codes: {
    unsigned: "PAYMENT_UNSIGNED",
    invalid: "PAYMENT_SIGNATURE_INVALID",
    stale: "PAYMENT_REQUEST_STALE",
    replayed: "PAYMENT_REQUEST_REPLAYED",
  },
  signers: "the basket's buyer (the console signs with the buyer's unlocked key)",
};

/** Where a buyer pays a basket in the simulator. */
export const SIMULATED_PAYMENTS_PATH = "/v1/payment-simulator/payments";
