import { commissionCodec, keys } from "../../../src/app/marketing/records.js";
import type { Suite } from "../../../src/crypto/suite.js";
import { fromHex, toHex } from "../../../src/ledger/bytes.js";
import { decode } from "../../../src/ledger/codec.js";
import { type Validator, validatorSetHash } from "../../../src/ledger/validators.js";
import type { StatusJson } from "../../../src/sdk/client.js";
import { VerificationError, verifyBlock, verifyStateValue } from "../../../src/sdk/verify.js";
import { api } from "./api.js";
import { client } from "./tx.js";

/**
 * The Verify button: a commission checked in this browser, trusting no server. The node sends
 * the order with state proofs at height H; the console fetches block H, checks its commit
 * certificate against the validator set it trusts (the SDK's verifyBlock: > 2/3 of the power
 * signed this header), then each state proof against that header's state root
 * (verifyStateValue), and decodes the commission from the proven bytes, not from the JSON.
 */

const TRUST_KEY = "mkl.trustedValidators.v1";

export interface TrustedSet {
  chainId: string;
  validators: Validator[];
  /** Hex of the set's hash under the chain's suite, shown so a user can compare it with genesis. */
  setHash: string;
  pinnedAtHeight: string;
}

/**
 * The validator set this browser trusts for the chain: pinned the first time it sees the chain
 * (trust on first use) and never replaced silently afterwards.
 */
export function trustedSet(suite: Suite, status: StatusJson): TrustedSet {
  const stored = localStorage.getItem(`${TRUST_KEY}.${status.chainId}`);
  if (stored) {
    const parsed = JSON.parse(stored) as {
      validators: Array<{ publicKey: string; power: string }>;
      pinnedAtHeight: string;
    };
    const validators = parsed.validators.map((v) => ({
      publicKey: fromHex(v.publicKey),
      power: BigInt(v.power),
    }));
    return {
      chainId: status.chainId,
      validators,
      setHash: toHex(validatorSetHash(suite.hash, validators)),
      pinnedAtHeight: parsed.pinnedAtHeight,
    };
  }
  const validators = status.validators.map((v) => ({
    publicKey: fromHex(v.publicKey),
    power: BigInt(v.power),
  }));
  localStorage.setItem(
    `${TRUST_KEY}.${status.chainId}`,
    JSON.stringify({
      validators: status.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })),
      pinnedAtHeight: status.height,
    }),
  );
  return {
    chainId: status.chainId,
    validators,
    setHash: toHex(validatorSetHash(suite.hash, validators)),
    pinnedAtHeight: status.height,
  };
}

export interface VerifiedCommission {
  orderId: string;
  height: string;
  blockHash: string;
  signedPowerOf: string;
  totalFen: bigint;
  settledFen: bigint;
  clawedBackFen: bigint;
  policyId: string;
  policyVersion: number;
}

export async function verifyCommission(
  suite: Suite,
  trusted: TrustedSet,
  orderId: string,
): Promise<VerifiedCommission> {
  const view = await api.order(orderId, true);
  const proofs = view.proofs;
  if (!proofs || proofs.stateRoot === null)
    throw new VerificationError("VERIFICATION_FAILED", "the node sent no state proof");
  const block = await client.block(BigInt(proofs.height));
  const header = verifyBlock(suite, block, trusted.validators);
  const commissionKey = toHex(keys.commission(BigInt(orderId)));
  let proven: Uint8Array | undefined;
  for (const entry of proofs.entries) {
    const value = verifyStateValue(
      suite,
      {
        key: entry.key,
        height: proofs.height,
        value: entry.value,
        stateRoot: proofs.stateRoot,
        proof: entry.proof,
        header: null,
      },
      header,
    );
    if (entry.key === commissionKey) proven = value;
  }
  if (proven === undefined)
    throw new VerificationError("VERIFICATION_FAILED", "no proven commission for this order");
  const c = decode(commissionCodec, proven);
  const sum = (f: (p: (typeof c.parts)[number]) => bigint) => c.parts.reduce((n, p) => n + f(p), 0n);
  const total = trusted.validators.reduce((n, v) => n + v.power, 0n);
  return {
    orderId,
    height: proofs.height,
    blockHash: block.hash,
    signedPowerOf: total.toString(),
    totalFen: c.totalFen,
    settledFen: sum((p) => p.settledFen),
    clawedBackFen: sum((p) => p.clawedBackFen),
    policyId: c.policyId,
    policyVersion: c.policyVersion,
  };
}
