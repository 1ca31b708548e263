import { existsSync } from "node:fs";
import type { Command } from "commander";
import { parseOperationInput } from "../../app/operations/input.js";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import { fromHex } from "../../ledger/bytes.js";
import { readTextFile } from "../../node/files.js";
import { type ParsedCertificate, parseCertificate } from "../../pki/certificate.js";
import {
  type ChainNodeJson,
  MarketLedgerClient,
  type ProposalActionJson,
  type ProposalJson,
  type StatusJson,
} from "../../sdk/index.js";
import { CliError, printer } from "../io.js";
import { nodeOption, type SignerOptions, signerOptions, submitOperation } from "../submit.js";

/**
 * `mkl gov`: governance in an operator's words. An organisation admin proposes (a validator
 * added, removed or re-weighted; an organisation admitted or removed; an observer added or
 * removed; a node certificate renewed), which counts as its organisation's approval; admins of
 * other organisations approve by id; once more than 2/3 of the member organisations have
 * approved, it applies: a validator change two heights after the approving block, the rest in
 * it. `mkl gov list` shows what is pending and who approved; `mkl gov nodes` what the chain knows.
 */

interface ProposeOptions extends SignerOptions {
  id?: string;
}
type Change = { name: string; publicKey: string; power: string };
/** One action in the JSON form of governance/actions.ts, with the name it gets in a default id. */
type ActionInput = { subject: string; action: { kind: ProposalActionJson["kind"]; value: object } };

const changeAction = (change: Change): ActionInput => ({
  subject: change.name,
  action: { kind: "changeValidators", value: { changes: [change] } },
});

/** The first certificate of a PEM file (a node.cert.pem holds the node's, then its CA's). */
function certificateFile(path: string): { pem: string; cert: ParsedCertificate } {
  if (!existsSync(path)) throw new CliError(`no certificate file ${path}`);
  const pem = readTextFile(path);
  try {
    return { pem, cert: parseCertificate(pem) };
  } catch (error) {
    throw new CliError(`${path} holds no certificate: ${(error as Error).message}`);
  }
}

/** An action that carries a node certificate (an observer registered, a certificate renewed), named after its node. */
function nodeCertificateAction(kind: "addObserver" | "renewNodeCertificate", path: string): ActionInput {
  const { pem, cert } = certificateFile(path);
  return { subject: cert.subject.commonName ?? "node", action: { kind, value: { certificate: pem } } };
}

const POWER = /^[1-9][0-9]{0,18}$/;

function powerOf(text: string): string {
  if (!POWER.test(text)) throw new CliError(`--power must be a whole number from 1, got "${text}"`);
  return text;
}

/**
 * A new validator's consensus public key: hex, or a PEM file holding the node's public key (or
 * its private key, of which only the public half is used), read with the chain's suite.
 */
function publicKeyHex(text: string, status: StatusJson): string {
  if (/^([0-9a-f]{2}){32,65}$/.test(text)) return text;
  if (!existsSync(text))
    throw new CliError(`--validator-key "${text}" is neither a hex public key nor a PEM file`);
  const pem = readTextFile(text);
  if (!isSuiteId(status.suite)) throw new CliError(`the node runs an unknown suite ${status.suite}`, 1);
  const suite = getSuite(status.suite);
  try {
    const key = pem.includes("PRIVATE KEY")
      ? suite.publicKeyOf(suite.privateKeyFromPem(pem))
      : suite.publicKeyFromPem(pem);
    return Buffer.from(key.bytes).toString("hex");
  } catch (error) {
    throw new CliError(`${text} holds no ${status.suite} key: ${(error as Error).message}`);
  }
}

/** One of `nodes` (validators, observers: `role`) by name or public key hex; bad input when none or several match. */
function pickNode<T extends { readonly name: string; readonly publicKey: string }>(
  nodes: readonly T[],
  which: string,
  role: string,
): T {
  const matches = nodes.filter((n) => n.name === which || n.publicKey === which);
  if (matches.length === 1) return matches[0] as T;
  const names = nodes.map((n) => n.name).join(", ") || "none";
  if (matches.length === 0) throw new CliError(`no ${role} "${which}"; the ${role}s are ${names}`);
  throw new CliError(`"${which}" names ${matches.length} ${role}s; give its public key instead`);
}

/** A current validator by name or public key hex. */
const currentValidator = (status: StatusJson, which: string) =>
  pickNode(status.validators, which, "validator");

/** `add-validator-node5-h120`: readable, and distinct from an earlier proposal of the same change. */
function defaultId(verb: string, name: string, height: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24);
  return `${verb}-${slug || "validator"}-h${height}`;
}

async function propose(
  o: ProposeOptions,
  verb: string,
  build: (status: StatusJson, client: MarketLedgerClient) => ActionInput | Promise<ActionInput>,
  print: (line: string) => void,
): Promise<void> {
  const client = new MarketLedgerClient(o.node);
  const status = await client.status();
  const { subject, action } = await build(status, client);
  const proposalId = o.id ?? defaultId(verb, subject, status.height);
  const op = parseOperationInput("proposeGovernance", { proposalId, actions: [action] });
  const result = await submitOperation(o, op, print);
  print(`proposal ${proposalId}: ${outcome(result.events, result.height)}`);
}

/** What the approving transaction's events say: accepted (applies at a height), or approvals so far. */
function outcome(
  events: ReadonlyArray<{ type: string; attributes: Record<string, unknown> }>,
  height: string,
): string {
  const accepted = events.find((e) => e.type === "proposalAccepted");
  if (accepted !== undefined) {
    const at = String(accepted.attributes.effectiveHeight);
    return at === height
      ? `approved by more than 2/3; applied at height ${at}`
      : `approved by more than 2/3; applies at height ${at}`;
  }
  const approved = events.find((e) => e.type === "proposalApproved");
  if (approved === undefined) return "recorded";
  return `${String(approved.attributes.approvals)} of ${String(approved.attributes.members)} organisations approved`;
}

/** A current node of `role` the chain knows, by name or public key hex. */
async function chainNode(client: MarketLedgerClient, which: string, role: ChainNodeJson["role"]) {
  const { nodes } = await client.chainNodes();
  return pickNode(
    nodes.filter((n) => n.role === role),
    which,
    role,
  );
}

const dayOf = (ms: string) => new Date(Number(ms)).toISOString().slice(0, 10);

function describeCertificate(hex: string): string {
  try {
    const cert = parseCertificate(fromHex(hex));
    return `${cert.subject.commonName ?? "?"} of ${cert.subject.organization ?? "?"}, valid to ${dayOf(cert.notAfterMs.toString())}`;
  } catch {
    return "an unreadable certificate";
  }
}

/** One line per effect of an action, for `mkl gov list`. */
function describeAction(action: ProposalActionJson): string[] {
  switch (action.kind) {
    case "changeValidators":
      return action.value.changes.map(describeChange);
    case "admitOrganisation":
      return [`admit organisation ${action.value.id} "${action.value.name}"`];
    case "removeOrganisation":
      return [`remove organisation ${action.value.id}`];
    case "addObserver":
      return [`add observer ${describeCertificate(action.value.certificate)}`];
    case "removeObserver":
      return [`remove observer ${action.value.publicKey.slice(0, 12)}…`];
    case "renewNodeCertificate":
      return [`renew node certificate: ${describeCertificate(action.value.certificate)}`];
  }
}

function describeChange(change: Change): string {
  const key = `${change.publicKey.slice(0, 12)}…`;
  return change.power === "0"
    ? `remove ${change.name} (${key})`
    : `${change.name} (${key}) power ${change.power}`;
}

/** pending, scheduled (applies later) or applied (its height has been reached). */
function stateOf(proposal: ProposalJson, height: bigint): string {
  if (proposal.status === "pending") return "pending";
  return BigInt(proposal.effectiveHeight) > height ? `scheduled for ${proposal.effectiveHeight}` : "applied";
}

export function registerGovCommands(program: Command): void {
  const gov = program
    .command("gov")
    .description(
      "governance of validators, organisations, observers and node certificates: propose, approve, list (as organisation admins)",
    );
  const proposeCmd = gov
    .command("propose")
    .description("propose a change; counts as your organisation's approval");
  const idOption = (cmd: Command) =>
    cmd.option("--id <id>", "a name for the proposal (default: the change and the current height)");

  const add = idOption(
    signerOptions(
      proposeCmd
        .command("add-validator")
        .description(
          "add a node to the validator set (it must already follow the chain, e.g. as an observer)",
        )
        .requiredOption(
          "--validator-key <hex|file>",
          "its consensus public key: hex, or a PEM file (node.key.pem)",
        )
        .requiredOption("--name <name>", "its name in the validator set")
        .option("--power <n>", "its voting power", "10"),
    ),
  ).action((o: ProposeOptions & { validatorKey: string; name: string; power: string }) =>
    propose(
      o,
      "add-validator",
      (status) => {
        const publicKey = publicKeyHex(o.validatorKey, status);
        if (status.validators.some((v) => v.publicKey === publicKey))
          throw new CliError(`${publicKey.slice(0, 16)}… is already a validator; use set-power`);
        return changeAction({ name: o.name, publicKey, power: powerOf(o.power) });
      },
      printer(add),
    ),
  );
  const remove = idOption(
    signerOptions(
      proposeCmd
        .command("remove-validator")
        .description("remove a validator from the set")
        .requiredOption("--validator <name|hex>", "the validator, by name or public key"),
    ),
  ).action((o: ProposeOptions & { validator: string }) =>
    propose(
      o,
      "remove-validator",
      (status) => {
        const current = currentValidator(status, o.validator);
        return changeAction({ name: current.name, publicKey: current.publicKey, power: "0" });
      },
      printer(remove),
    ),
  );
  const setPower = idOption(
    signerOptions(
      proposeCmd
        .command("set-power")
        .description("change a validator's voting power")
        .requiredOption("--validator <name|hex>", "the validator, by name or public key")
        .requiredOption("--power <n>", "its new voting power (1 or more; remove-validator removes)"),
    ),
  ).action((o: ProposeOptions & { validator: string; power: string }) =>
    propose(
      o,
      "set-power",
      (status) => {
        const current = currentValidator(status, o.validator);
        return changeAction({ name: current.name, publicKey: current.publicKey, power: powerOf(o.power) });
      },
      printer(setPower),
    ),
  );

  const admitOrg = idOption(
    signerOptions(
      proposeCmd
        .command("admit-org")
        .description("admit an organisation and its CA (issued by the consortium root) as a member")
        .requiredOption("--org <id>", "its id, e.g. acme")
        .requiredOption("--name <name>", "its name")
        .requiredOption("--ca-cert <file>", "its CA certificate (orgs/ID/ca.cert.pem)")
        .option("--tls-ca-cert <file>", "its TLS CA certificate, on chains with a separate TLS root"),
    ),
  ).action((o: ProposeOptions & { org: string; name: string; caCert: string; tlsCaCert?: string }) =>
    propose(
      o,
      "admit-org",
      () => ({
        subject: o.org,
        action: {
          kind: "admitOrganisation",
          value: {
            id: o.org,
            name: o.name,
            caCertificate: certificateFile(o.caCert).pem,
            tlsCaCertificate: o.tlsCaCert === undefined ? null : certificateFile(o.tlsCaCert).pem,
          },
        },
      }),
      printer(admitOrg),
    ),
  );
  const removeOrg = idOption(
    signerOptions(
      proposeCmd
        .command("remove-org")
        .description(
          "remove a member organisation: it no longer votes, signs or admits members, its observers go",
        )
        .requiredOption("--org <id>", "the organisation"),
    ),
  ).action((o: ProposeOptions & { org: string }) =>
    propose(
      o,
      "remove-org",
      () => ({ subject: o.org, action: { kind: "removeOrganisation", value: { id: o.org } } }),
      printer(removeOrg),
    ),
  );
  const addObserver = idOption(
    signerOptions(
      proposeCmd
        .command("add-observer")
        .description("register a non-voting node, so every node accepts it as a peer")
        .requiredOption(
          "--node-cert <file>",
          "its node certificate (nodeN/node.cert.pem), from its organisation's CA",
        ),
    ),
  ).action((o: ProposeOptions & { nodeCert: string }) =>
    propose(o, "add-observer", () => nodeCertificateAction("addObserver", o.nodeCert), printer(addObserver)),
  );
  const removeObserver = idOption(
    signerOptions(
      proposeCmd
        .command("remove-observer")
        .description("unregister an observer")
        .requiredOption("--observer <name|hex>", "the observer, by name or public key"),
    ),
  ).action((o: ProposeOptions & { observer: string }) =>
    propose(
      o,
      "remove-observer",
      async (_status, client) => {
        const node = await chainNode(client, o.observer, "observer");
        return {
          subject: node.name,
          action: { kind: "removeObserver", value: { publicKey: node.publicKey } },
        };
      },
      printer(removeObserver),
    ),
  );
  const renew = idOption(
    signerOptions(
      proposeCmd
        .command("renew-node-cert")
        .description("record a validator's or observer's renewed node certificate (same key, later expiry)")
        .requiredOption(
          "--node-cert <file>",
          "the new node certificate (mkl network renew-node-cert writes one)",
        ),
    ),
  ).action((o: ProposeOptions & { nodeCert: string }) =>
    propose(
      o,
      "renew-node-cert",
      () => nodeCertificateAction("renewNodeCertificate", o.nodeCert),
      printer(renew),
    ),
  );

  const nodes = nodeOption(
    gov
      .command("nodes")
      .description("the nodes the chain knows: validators and registered observers")
      .option("--json", "print the node's answer as JSON"),
  ).action(async (o: { node: string; json?: boolean }) => {
    const print = printer(nodes);
    const answer = await new MarketLedgerClient(o.node).chainNodes();
    if (o.json) {
      print(JSON.stringify(answer, null, 2));
      return;
    }
    print(`height ${answer.height}: ${answer.nodes.length} nodes`);
    for (const n of answer.nodes) {
      const cert =
        n.certificateNotAfterMs === null
          ? "no certificate recorded"
          : `certificate to ${dayOf(n.certificateNotAfterMs)}`;
      print(
        `${n.name}  ${n.role}${n.role === "validator" ? ` power ${n.power}` : ""}  ${n.organisation || "-"}  ${n.publicKey.slice(0, 12)}…  ${cert}`,
      );
    }
  });

  const approve = signerOptions(
    gov
      .command("approve")
      .description("approve a proposal, as another organisation's admin")
      .argument("<id>", "the proposal (see mkl gov list)"),
  ).action(async (id: string, o: SignerOptions) => {
    const print = printer(approve);
    const result = await submitOperation(
      o,
      parseOperationInput("approveProposal", { proposalId: id }),
      print,
    );
    print(`proposal ${id}: ${outcome(result.events, result.height)}`);
  });

  const list = nodeOption(
    gov
      .command("list")
      .description("proposals with their approvals: pending and scheduled ones, or --all")
      .option("--all", "include proposals already applied")
      .option("--json", "print the node's answer as JSON"),
  ).action(async (o: { node: string; all?: boolean; json?: boolean }) => {
    const print = printer(list);
    const answer = await new MarketLedgerClient(o.node).proposals();
    const height = BigInt(answer.height);
    const shown = answer.proposals.filter((p) => o.all || stateOf(p, height) !== "applied");
    if (o.json) {
      print(JSON.stringify({ ...answer, proposals: shown }, null, 2));
      return;
    }
    print(
      `height ${answer.height}: ${answer.members} member organisations, a change needs ${answer.approvalsNeeded} approvals`,
    );
    if (shown.length === 0) print(o.all ? "no proposals" : "no pending proposals (--all lists applied ones)");
    for (const p of shown) {
      print(
        `${p.id}  ${stateOf(p, height)}  approvals ${p.approvals.length}/${answer.approvalsNeeded} (${p.approvals.join(", ")})  proposed at ${p.proposedHeight}`,
      );
      for (const line of p.actions.flatMap(describeAction)) print(`  ${line}`);
    }
  });
  gov.addHelpText(
    "after",
    [
      "",
      "Examples:",
      "  mkl gov propose add-validator --key orgs/org1/admin.key.pem --validator-key node5/node.key.pem --name node5",
      "  mkl gov approve add-validator-node5-h120 --key orgs/org2/admin.key.pem",
      "  mkl gov propose set-power --key orgs/org1/admin.key.pem --validator node2 --power 20",
      "  mkl gov propose remove-validator --key orgs/org1/admin.key.pem --validator node5",
      "  mkl gov propose admit-org --key orgs/org1/admin.key.pem --org org5 --name Acme --ca-cert orgs/org5/ca.cert.pem",
      "  mkl gov propose add-observer --key orgs/org1/admin.key.pem --node-cert node5/node.cert.pem",
      "  mkl gov propose renew-node-cert --key orgs/org1/admin.key.pem --node-cert node1/node.cert.pem",
      "  mkl gov nodes",
      "  mkl gov list",
      "Exit: 0 committed OK, 1 refused (by the chain or the node), 2 bad input.",
    ].join("\n"),
  );
}
