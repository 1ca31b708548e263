import { commissionCodec, keys } from "../../../src/app/marketing/records.js";
import type { Suite } from "../../../src/crypto/suite.js";
import { toHex } from "../../../src/ledger/bytes.js";
import { decode } from "../../../src/ledger/codec.js";
import { VerificationError, verifyStateValue } from "../../../src/sdk/verify.js";
import { api } from "./api.js";
import { chainChecker } from "./chain-check.js";

/**
 * The Verify button: a commission checked in this browser, trusting no server. The node sends
 * the order with state proofs at height H; the console checks the chain from genesis up to H
 * (chain-check.ts: linked headers, every certificate, every governance change of the validator
 * set), checks block H's certificate with the set that signs H (the SDK's verifyBlock: > 2/3 of
 * the power signed this header), then each state proof against that header's state root
 * (verifyStateValue), and decodes the commission from the proven bytes, not from the JSON.
 */

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
  chainId: string,
  orderId: string,
): Promise<VerifiedCommission> {
  const view = await api.order(orderId, true);
  const proofs = view.proofs;
  if (!proofs || proofs.stateRoot === null)
    throw new VerificationError("VERIFICATION_FAILED", "the node sent no state proof");
  const checker = chainChecker(suite, chainId);
  const { header, block } = await checker.header(BigInt(proofs.height));
  const signers = checker.setAt(BigInt(proofs.height));
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
  const total = signers.reduce((n, v) => n + v.power, 0n);
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
