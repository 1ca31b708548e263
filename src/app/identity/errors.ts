import { OperationError } from "../errors.js";

/**
 * An identity check that failed: unknown or revoked signer, a role that may not sign the
 * operation, a bad certificate. As an OperationError it fails one transaction in a block (the
 * nonce is still taken) and is the reason the mempool refuses it at admission.
 */
export class IdentityError extends OperationError {}
