import { bytesEqual, toHex } from "../../ledger/bytes.js";
import { bytes, type CodecType, list, string, struct, taggedUnion } from "../../ledger/codec.js";
import { appEvent } from "../events.js";
import type { GenesisValidator } from "../genesis.js";
import { IdentityError } from "../identity/errors.js";
import { admitOrganisation, checkOrganisationValue, organisationCodec } from "../identity/operations.js";
import {
  isOrganisationRemoved,
  listOrganisationIds,
  MAX_CERT_BYTES,
  readOrganisation,
  removeOrganisation,
} from "../identity/records.js";
import type { TxContext } from "../operation.js";
import { GovernanceError } from "./errors.js";
import {
  deleteNode,
  nodeRecordOf,
  readNode,
  validatorOrganisation,
  verifyNodeCertificate,
  writeNode,
} from "./nodes.js";
import {
  applyChanges,
  readScheduledSet,
  readValidators,
  scheduleValidatorSet,
  VALIDATOR_CHANGE_DELAY,
  validatorChangesCodec,
} from "./validator-set.js";

/**
 * What a governance proposal may do, as tagged actions: one proposal type for every decision
 * the consortium takes together, so a new kind of decision is a new tag here and nothing else.
 * Validator-set changes apply VALIDATOR_CHANGE_DELAY heights after the approving block (the
 * engine must learn of them first); every other action applies in the approving block itself.
 */
export const proposalActionCodec = taggedUnion("u8", {
  changeValidators: { tag: 1, codec: struct({ changes: validatorChangesCodec }) },
  admitOrganisation: { tag: 2, codec: organisationCodec },
  removeOrganisation: { tag: 3, codec: struct({ id: string(32) }) },
  addObserver: { tag: 4, codec: struct({ certificate: bytes(MAX_CERT_BYTES) }) },
  removeObserver: { tag: 5, codec: struct({ publicKey: bytes(65) }) },
  renewNodeCertificate: { tag: 6, codec: struct({ certificate: bytes(MAX_CERT_BYTES) }) },
});
export type ProposalAction = CodecType<typeof proposalActionCodec>;
export const MAX_PROPOSAL_ACTIONS = 16;
export const proposalActionsCodec = list(proposalActionCodec, MAX_PROPOSAL_ACTIONS);

type Action<K extends ProposalAction["kind"]> = Extract<ProposalAction, { kind: K }>["value"];
const short = (publicKey: Uint8Array) => `${toHex(publicKey).slice(0, 16)}…`;
const isIn = (set: readonly GenesisValidator[], publicKey: Uint8Array) =>
  set.some((v) => bytesEqual(v.publicKey, publicKey));

function removeOrganisationAction(
  ctx: TxContext,
  op: Action<"removeOrganisation">,
  next: GenesisValidator[],
) {
  if (readOrganisation(ctx.state, op.id) === undefined)
    throw new IdentityError("ORG_UNKNOWN", `no organisation "${op.id}" on the chain`, {
      organisation: op.id,
    });
  if (isOrganisationRemoved(ctx.state, op.id))
    throw new IdentityError("ORG_REMOVED", `organisation "${op.id}" is already removed`, {
      organisation: op.id,
    });
  if (listOrganisationIds(ctx.state).length <= 1)
    throw new GovernanceError(
      "GOVERNANCE_LAST_ORGANISATION",
      "the last organisation of the consortium stays",
    );
  const running = next.filter((v) => validatorOrganisation(ctx.state, ctx.hash, v) === op.id);
  if (running.length > 0) {
    throw new GovernanceError(
      "GOVERNANCE_ORG_RUNS_VALIDATORS",
      `${op.id} runs validators ${running.map((v) => v.name).join(", ")}; remove them first (in this proposal or before)`,
      { organisation: op.id },
    );
  }
  // Its observers go with it: nodes of a removed organisation are no longer permitted peers.
  removeOrganisation(ctx.state, op.id, ctx.height);
  ctx.emit(appEvent("organisationRemoved", { id: op.id }));
}

function addObserverAction(ctx: TxContext, op: Action<"addObserver">, next: GenesisValidator[]) {
  const member = verifyNodeCertificate(ctx.state, op.certificate, ctx.timeMs);
  const record = nodeRecordOf(member, ctx.height);
  if (
    readNode(ctx.state, record.publicKey) !== undefined ||
    isIn(readValidators(ctx.state), record.publicKey) ||
    isIn(next, record.publicKey)
  ) {
    throw new GovernanceError(
      "NODE_EXISTS",
      `node ${short(record.publicKey)} is already registered or a validator`,
      {
        node: toHex(record.publicKey),
      },
    );
  }
  writeNode(ctx.state, record);
  ctx.emit(
    appEvent("observerAdded", {
      name: record.name,
      organisation: record.organisation,
      node: toHex(record.publicKey),
    }),
  );
}

function removeObserverAction(ctx: TxContext, op: Action<"removeObserver">, next: GenesisValidator[]) {
  const node = readNode(ctx.state, op.publicKey);
  if (node === undefined)
    throw new GovernanceError("NODE_UNKNOWN", `no registered node ${short(op.publicKey)}`, {
      node: toHex(op.publicKey),
    });
  if (isIn(next, op.publicKey)) {
    throw new GovernanceError(
      "NODE_IS_VALIDATOR",
      `${node.name} is a validator; remove it from the validator set first`,
      {
        node: toHex(op.publicKey),
      },
    );
  }
  deleteNode(ctx.state, op.publicKey);
  ctx.emit(appEvent("observerRemoved", { name: node.name, node: toHex(op.publicKey) }));
}

/** A later certificate for the same node key, name and organisation, from that organisation's CA. */
function renewNodeCertificateAction(ctx: TxContext, op: Action<"renewNodeCertificate">) {
  const member = verifyNodeCertificate(ctx.state, op.certificate, ctx.timeMs);
  const renewed = nodeRecordOf(member, ctx.height);
  const current = readNode(ctx.state, renewed.publicKey);
  const validator = readValidators(ctx.state).find((v) => bytesEqual(v.publicKey, renewed.publicKey));
  if (current === undefined && validator === undefined) {
    throw new GovernanceError(
      "NODE_UNKNOWN",
      `node ${short(renewed.publicKey)} is neither a validator nor a registered observer`,
      {
        node: toHex(renewed.publicKey),
      },
    );
  }
  const name = current?.name ?? validator?.name ?? "";
  const organisation =
    current?.organisation ?? (validator ? validatorOrganisation(ctx.state, ctx.hash, validator) : "");
  if (renewed.name !== name || (organisation !== "" && renewed.organisation !== organisation)) {
    throw new GovernanceError(
      "NODE_CERT_MISMATCH",
      `the certificate must name ${name} of ${organisation || "its organisation"}`,
      {
        name,
        organisation,
      },
    );
  }
  if (current !== undefined && renewed.certificateNotAfterMs <= current.certificateNotAfterMs) {
    throw new GovernanceError(
      "NODE_CERT_NOT_LATER",
      "a renewed certificate must lapse later than the current one",
      {
        notAfterMs: current.certificateNotAfterMs,
      },
    );
  }
  writeNode(ctx.state, { ...renewed, registeredHeight: current?.registeredHeight ?? ctx.height });
  ctx.emit(
    appEvent("nodeCertificateRenewed", {
      name,
      serial: renewed.certificateSerial,
      notAfterMs: renewed.certificateNotAfterMs,
    }),
  );
}

function applyAction(ctx: TxContext, action: ProposalAction, next: GenesisValidator[]): void {
  switch (action.kind) {
    case "changeValidators":
      break; // scheduled as one set change by applyActions
    case "admitOrganisation":
      admitOrganisation(ctx, action.value);
      break;
    case "removeOrganisation":
      removeOrganisationAction(ctx, action.value, next);
      break;
    case "addObserver":
      addObserverAction(ctx, action.value, next);
      break;
    case "removeObserver":
      removeObserverAction(ctx, action.value, next);
      break;
    case "renewNodeCertificate":
      renewNodeCertificateAction(ctx, action.value);
      break;
  }
}

/**
 * Runs every action but the validator change in order and returns the validator set after this
 * proposal. Its validator changes, from all its actions, are one set change that every other
 * action is checked against (so one proposal may remove an organisation and its validators).
 */
function runActions(ctx: TxContext, actions: readonly ProposalAction[]): GenesisValidator[] | undefined {
  const changes = actions.flatMap((a) => (a.kind === "changeValidators" ? a.value.changes : []));
  const current = readValidators(ctx.state);
  const next = changes.length === 0 ? undefined : applyChanges(current, changes);
  for (const action of actions) applyAction(ctx, action, next ?? current);
  return next;
}

/** Applies a proposal's actions and returns the height they take effect at. */
export function applyActions(ctx: TxContext, proposalId: string, actions: readonly ProposalAction[]): bigint {
  const next = runActions(ctx, actions);
  if (next === undefined) return ctx.height;
  if (readScheduledSet(ctx.state) !== undefined) {
    throw new GovernanceError(
      "GOVERNANCE_BUSY",
      "another validator-set change is already scheduled; approve again after it applies",
    );
  }
  const effectiveHeight = ctx.height + VALIDATOR_CHANGE_DELAY;
  scheduleValidatorSet(ctx.state, { effectiveHeight, proposalId, validators: next });
  ctx.emit(appEvent("validatorSetScheduled", { proposalId, effectiveHeight, validators: next.length }));
  return effectiveHeight;
}

/** What the actions need before any state is read (the operation's checkValue). */
export function checkActionValues(actions: readonly ProposalAction[]): void {
  if (actions.length === 0)
    throw new GovernanceError("GOVERNANCE_EMPTY", "a proposal has at least one action");
  for (const action of actions) {
    if (action.kind === "changeValidators" && action.value.changes.length === 0)
      throw new GovernanceError("GOVERNANCE_EMPTY", "a validator change names at least one validator");
    if (action.kind === "admitOrganisation") checkOrganisationValue(action.value);
  }
}

/** Refuses at proposal time what could never apply, by running it on state that is dropped. */
export function checkActions(ctx: TxContext, actions: readonly ProposalAction[]): void {
  runActions({ ...ctx, state: ctx.state.child(), emit: () => undefined }, actions);
}
