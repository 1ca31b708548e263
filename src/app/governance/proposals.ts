import { hasPrefix } from "../../ledger/bytes.js";
import { type CodecType, decode, encode, list, oneOf, string, struct, u8, u64 } from "../../ledger/codec.js";
import { appEvent } from "../events.js";
import { listOrganisationIds } from "../identity/records.js";
import { activeSigner } from "../identity/signer.js";
import type { OperationHandler, TxContext } from "../operation.js";
import { GovernanceError } from "./errors.js";
import {
  applyChanges,
  readScheduledSet,
  readValidators,
  scheduleValidatorSet,
  VALIDATOR_CHANGE_DELAY,
  validatorChangesCodec,
} from "./validator-set.js";

/**
 * Governance of the validator set: an organisation admin proposes a change, admins of other
 * organisations approve it, and once more than 2/3 of the member organisations have approved,
 * it is scheduled for a later height (validator-set.ts). One organisation, one vote.
 */
const PENDING = 0;
const SCHEDULED = 1;
const proposalStatusCodec = oneOf([PENDING, SCHEDULED], u8);

const proposalCodec = struct({
  id: string(64),
  changes: validatorChangesCodec,
  proposedHeight: u64,
  approvals: list(string(32), 256),
  status: proposalStatusCodec,
  effectiveHeight: u64,
});
type ValidatorProposal = CodecType<typeof proposalCodec>;

/** The state keys to scan for proposals (a node's store lists entries by prefix). */
export const PROPOSAL_KEY_PREFIX = new TextEncoder().encode("gov/validators/");

function proposalKey(id: string): Uint8Array {
  return new TextEncoder().encode(`gov/validators/${id}`);
}

/** One proposal as anyone may read it: what it changes, who approved, and when it applies. */
export interface ProposalView extends Omit<ValidatorProposal, "status"> {
  readonly status: "pending" | "scheduled";
}

/** The proposals among state entries (from a scan under PROPOSAL_KEY_PREFIX), in id order. */
export function listProposals(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): ProposalView[] {
  const out: ProposalView[] = [];
  for (const { key, value } of entries) {
    if (!hasPrefix(key, PROPOSAL_KEY_PREFIX)) continue;
    const proposal = decode(proposalCodec, value);
    out.push({ ...proposal, status: proposal.status === PENDING ? "pending" : "scheduled" });
  }
  return out;
}

/** Approvals a proposal needs: more than 2/3 of `members` organisations. */
export function approvalsNeeded(members: number): number {
  return Math.floor((members * 2) / 3) + 1;
}

function readProposal(ctx: TxContext, id: string): ValidatorProposal | undefined {
  const value = ctx.state.get(proposalKey(id));
  return value === undefined ? undefined : decode(proposalCodec, value);
}

/** The organisation admin signing this transaction, and its organisation. */
function adminOrganisation(ctx: TxContext): string {
  const signer = activeSigner(ctx.state, ctx.timeMs, ctx.sender);
  if (signer.role !== "org-admin" || signer.organisation === "") {
    throw new GovernanceError(
      "GOVERNANCE_NOT_ADMIN",
      "only an organisation admin votes on the validator set",
    );
  }
  return signer.organisation;
}

/** Records one organisation's approval and schedules the change once > 2/3 have approved. */
function approve(ctx: TxContext, proposal: ValidatorProposal, organisation: string): void {
  if (proposal.status !== PENDING) {
    throw new GovernanceError("GOVERNANCE_CLOSED", `proposal ${proposal.id} is already scheduled`);
  }
  if (proposal.approvals.includes(organisation)) {
    throw new GovernanceError(
      "GOVERNANCE_ALREADY_APPROVED",
      `${organisation} already approved ${proposal.id}`,
    );
  }
  const approvals = [...proposal.approvals, organisation].sort();
  const members = listOrganisationIds(ctx.state).length; // ids only: no certificate to parse
  let next: ValidatorProposal = { ...proposal, approvals };
  ctx.emit(
    appEvent("validatorChangeApproved", {
      proposalId: proposal.id,
      organisation,
      approvals: approvals.length,
      members,
    }),
  );
  if (approvals.length >= approvalsNeeded(members)) {
    if (readScheduledSet(ctx.state) !== undefined) {
      throw new GovernanceError(
        "GOVERNANCE_BUSY",
        "another validator-set change is already scheduled; approve again after it applies",
      );
    }
    const effectiveHeight = ctx.height + VALIDATOR_CHANGE_DELAY;
    const validators = applyChanges(readValidators(ctx.state), proposal.changes);
    scheduleValidatorSet(ctx.state, { effectiveHeight, proposalId: proposal.id, validators });
    next = { ...next, status: SCHEDULED, effectiveHeight };
    ctx.emit(
      appEvent("validatorSetScheduled", {
        proposalId: proposal.id,
        effectiveHeight,
        validators: validators.length,
      }),
    );
  }
  ctx.state.set(proposalKey(proposal.id), encode(proposalCodec, next));
}

const proposeCodec = struct({ proposalId: string(64), changes: validatorChangesCodec });

export const proposeValidatorChangeOperation: OperationHandler<CodecType<typeof proposeCodec>> = {
  tag: 300,
  codec: proposeCodec,
  execute(ctx, op) {
    const organisation = adminOrganisation(ctx);
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(op.proposalId)) {
      throw new GovernanceError("GOVERNANCE_BAD_ID", "a proposal id is lowercase letters, digits and dashes");
    }
    if (readProposal(ctx, op.proposalId) !== undefined) {
      throw new GovernanceError("GOVERNANCE_DUPLICATE", `proposal ${op.proposalId} exists`);
    }
    if (op.changes.length === 0)
      throw new GovernanceError("GOVERNANCE_EMPTY", "a proposal changes at least one validator");
    applyChanges(readValidators(ctx.state), op.changes); // refuse now what could never apply
    const proposal: ValidatorProposal = {
      id: op.proposalId,
      changes: op.changes,
      proposedHeight: ctx.height,
      approvals: [],
      status: PENDING,
      effectiveHeight: 0n,
    };
    ctx.emit(
      appEvent("validatorChangeProposed", {
        proposalId: op.proposalId,
        organisation,
        changes: op.changes.length,
      }),
    );
    approve(ctx, proposal, organisation);
  },
};

const approveCodec = struct({ proposalId: string(64) });

export const approveValidatorChangeOperation: OperationHandler<CodecType<typeof approveCodec>> = {
  tag: 301,
  codec: approveCodec,
  execute(ctx, op) {
    const organisation = adminOrganisation(ctx);
    const proposal = readProposal(ctx, op.proposalId);
    if (proposal === undefined)
      throw new GovernanceError("GOVERNANCE_UNKNOWN", `no proposal ${op.proposalId}`);
    approve(ctx, proposal, organisation);
  },
};
