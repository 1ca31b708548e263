import { taggedUnion, type UnionType } from "../../ledger/codec.js";
import { reportDoubleSignOperation } from "../governance/evidence.js";
import { approveProposalOperation, proposeGovernanceOperation } from "../governance/proposals.js";
import {
  registerIdentityOperation,
  revokeCertificateOperation,
  rotateKeyOperation,
} from "../identity/operations.js";
import { MARKETING_OPERATIONS } from "../marketing/operations.js";
import type { OperationHandler, TxContext } from "../operation.js";
import { transferOperation } from "./transfer.js";

/**
 * Every operation the chain knows, by kind. New modules (identity, marketing, governance)
 * add their handlers here; a tag, once used, is never reused for another meaning.
 */
export const OPERATIONS = {
  transfer: transferOperation,
  registerIdentity: registerIdentityOperation,
  revokeCertificate: revokeCertificateOperation,
  rotateKey: rotateKeyOperation,
  proposeGovernance: proposeGovernanceOperation,
  approveProposal: approveProposalOperation,
  reportDoubleSign: reportDoubleSignOperation,
  ...MARKETING_OPERATIONS,
} as const;

/**
 * Tags that meant an operation once and mean nothing now: they do not decode, and a new
 * operation never takes them. 220: recordPayout, merged into decideWithdrawal (protocol 5);
 * 300: proposeValidatorChange, replaced by proposeGovernance's tagged actions (protocol 7);
 * 100: registerOrganisation, which let the platform operator admit an organisation alone;
 * governance's admitOrganisation action is the only way in after genesis (protocol 8).
 */
export const RETIRED_OPERATION_TAGS: readonly number[] = [100, 220, 300];

export const operationCodec = taggedUnion("u16", OPERATIONS);
export type Operation = UnionType<typeof OPERATIONS>;
export type OperationKind = Operation["kind"];

export function executeOperation(ctx: TxContext, op: Operation): void {
  const handler = OPERATIONS[op.kind] as OperationHandler<unknown>;
  handler.checkValue?.(op.value);
  handler.execute(ctx, op.value);
}
