import { hasPrefix } from "../../ledger/bytes.js";
import { type CodecType, decode, encode, list, oneOf, string, struct, u8, u64 } from "../../ledger/codec.js";
import { appEvent } from "../events.js";
import { listOrganisationIds } from "../identity/records.js";
import { activeSigner } from "../identity/signer.js";
import type { OperationHandler, TxContext } from "../operation.js";
import { applyActions, checkActions, checkActionValues, proposalActionsCodec } from "./actions.js";
import { GovernanceError } from "./errors.js";

/**
 * Governance: an organisation admin proposes a list of actions (actions.ts: validator-set
 * changes, admitting or removing an organisation, adding or removing an observer, renewing a
 * node certificate), admins of other organisations approve it, and once more than 2/3 of the
 * member organisations have approved, it applies. One organisation, one vote; an approval of an
 * organisation removed since then no longer counts.
 */
const PENDING = 0;
const SCHEDULED = 1;
const proposalStatusCodec = oneOf([PENDING, SCHEDULED], u8);

const proposalCodec = struct({
  id: string(64),
  actions: proposalActionsCodec,
  proposedHeight: u64,
  approvals: list(string(32), 256),
  status: proposalStatusCodec,
  effectiveHeight: u64,
});
type Proposal = CodecType<typeof proposalCodec>;

/** The state keys to scan for proposals (a node's store lists entries by prefix). */
export const PROPOSAL_KEY_PREFIX = new TextEncoder().encode("gov/proposals/");

function proposalKey(id: string): Uint8Array {
  return new TextEncoder().encode(`gov/proposals/${id}`);
}

/** One proposal as anyone may read it: what it does, who approved, and when it applies. */
export interface ProposalView extends Omit<Proposal, "status"> {
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

function readProposal(ctx: TxContext, id: string): Proposal | undefined {
  const value = ctx.state.get(proposalKey(id));
  return value === undefined ? undefined : decode(proposalCodec, value);
}

/** The organisation admin signing this transaction, and its organisation. */
function adminOrganisation(ctx: TxContext): string {
  const signer = activeSigner(ctx.state, ctx.timeMs, ctx.sender);
  if (signer.role !== "org-admin" || signer.organisation === "") {
    throw new GovernanceError("GOVERNANCE_NOT_ADMIN", "only an organisation admin votes in governance");
  }
  return signer.organisation;
}

/** Records one organisation's approval and applies the proposal once > 2/3 of the members approved. */
function approve(ctx: TxContext, proposal: Proposal, organisation: string): void {
  if (proposal.status !== PENDING) {
    throw new GovernanceError("GOVERNANCE_CLOSED", `proposal ${proposal.id} is already decided`);
  }
  if (proposal.approvals.includes(organisation)) {
    throw new GovernanceError(
      "GOVERNANCE_ALREADY_APPROVED",
      `${organisation} already approved ${proposal.id}`,
    );
  }
  const approvals = [...proposal.approvals, organisation].sort();
  const members = listOrganisationIds(ctx.state); // ids only: no certificate to parse
  const counted = approvals.filter((id) => members.includes(id)).length;
  let next: Proposal = { ...proposal, approvals };
  ctx.emit(
    appEvent("proposalApproved", {
      proposalId: proposal.id,
      organisation,
      approvals: counted,
      members: members.length,
    }),
  );
  if (counted >= approvalsNeeded(members.length)) {
    const effectiveHeight = applyActions(ctx, proposal.id, proposal.actions);
    next = { ...next, status: SCHEDULED, effectiveHeight };
    ctx.emit(appEvent("proposalAccepted", { proposalId: proposal.id, effectiveHeight }));
  }
  ctx.state.set(proposalKey(proposal.id), encode(proposalCodec, next));
}

/** A proposal id: lowercase letters, digits and dashes, 1-64 of them, not starting with a dash. */
export const PROPOSAL_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

const proposeCodec = struct({ proposalId: string(64), actions: proposalActionsCodec });

/** Tag 302 (protocol 7) replaced tag 300, which could only change the validator set. */
export const proposeGovernanceOperation: OperationHandler<CodecType<typeof proposeCodec>> = {
  tag: 302,
  codec: proposeCodec,
  checkValue(op) {
    if (!PROPOSAL_ID_PATTERN.test(op.proposalId)) {
      throw new GovernanceError("GOVERNANCE_BAD_ID", "a proposal id is lowercase letters, digits and dashes");
    }
    checkActionValues(op.actions);
  },
  execute(ctx, op) {
    const organisation = adminOrganisation(ctx);
    if (readProposal(ctx, op.proposalId) !== undefined) {
      throw new GovernanceError("GOVERNANCE_DUPLICATE", `proposal ${op.proposalId} exists`);
    }
    checkActions(ctx, op.actions);
    const proposal: Proposal = {
      id: op.proposalId,
      actions: op.actions,
      proposedHeight: ctx.height,
      approvals: [],
      status: PENDING,
      effectiveHeight: 0n,
    };
    ctx.emit(
      appEvent("proposalMade", {
        proposalId: op.proposalId,
        organisation,
        actions: op.actions.map((a) => a.kind).join(","),
      }),
    );
    approve(ctx, proposal, organisation);
  },
};

const approveCodec = struct({ proposalId: string(64) });

export const approveProposalOperation: OperationHandler<CodecType<typeof approveCodec>> = {
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
