import { ROLES, type Role } from "../../pki/roles.js";
import type { OperationKind } from "../operations/index.js";

/**
 * The permission matrix: which roles may sign each kind of operation. An operation kind with
 * no row may be signed by nobody (deny by default), so a new operation is unusable until its
 * module adds a row here; permissions.test.ts lists any kind without one.
 */
export const PERMISSIONS: Partial<Record<OperationKind, readonly Role[]>> = {
  transfer: [
    "platform-operator",
    "org-admin",
    "enterprise",
    "employee-marketer",
    "outside-marketer",
    "buyer",
  ],
  // One organisation, one vote: its admin speaks for it (governance/proposals.ts).
  proposeGovernance: ["org-admin"],
  approveProposal: ["org-admin"],
  // Nodes report what they saw; operators and admins may too. The chain checks the signatures.
  reportDoubleSign: ["node-operator", "platform-operator", "org-admin"],
  registerIdentity: ["platform-operator", "org-admin"],
  revokeCertificate: ["platform-operator", "org-admin"],
  // Every identity may rotate its own key; admins may also rotate one of their organisation's.
  rotateKey: ROLES,
  // Marketing (src/app/marketing): the enterprise (its ERP, HR and finance systems sign as the
  // enterprise identity) runs its catalogue, policies, escrow, order steps and payouts; the
  // operation itself checks the order or product belongs to the signer's organisation.
  importBatch: ["enterprise"],
  setRoyaltyPolicy: ["enterprise"],
  depositEscrow: ["enterprise"],
  createReferralCode: ["employee-marketer", "outside-marketer"],
  createOrder: ["enterprise", "buyer"],
  touchReferral: ["enterprise", "buyer"],
  confirmPayment: ["enterprise"],
  shipOrder: ["enterprise"],
  confirmDelivery: ["enterprise"],
  confirmReceipt: ["buyer"],
  cancelOrder: ["enterprise", "buyer"],
  refundOrder: ["enterprise"],
  requestWithdrawal: ["employee-marketer", "outside-marketer"],
  decideWithdrawal: ["enterprise"],
  authorisePaymentService: ["enterprise"],
  setPayoutOptions: ["enterprise"],
  // A payment service is an enterprise identity of its own organisation (operations.ts checks it is authorised).
};

export function maySign(role: Role, kind: string): boolean {
  // Own properties only: "valueOf" or "__proto__" is no operation kind.
  if (!Object.hasOwn(PERMISSIONS, kind)) return false;
  const allowed = (PERMISSIONS as Record<string, readonly Role[] | undefined>)[kind];
  return allowed?.includes(role) ?? false;
}
