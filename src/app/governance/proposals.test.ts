import { beforeEach, describe, expect, it } from "vitest";
import type { KeyPair } from "../../crypto/suite.js";
import { issueCertificate } from "../../pki/certificate.js";
import type { TxResult } from "../events.js";
import { listOrganisationIds, readOrganisation } from "../identity/records.js";
import { DAY_MS, type Member, pemOf, T0, TestChain } from "../identity/testkit.test-util.js";
import type { ProposalAction } from "./actions.js";
import { chainNodes, listNodes } from "./nodes.js";
import { listProposals } from "./proposals.js";
import { readScheduledSet } from "./validator-set.js";

/**
 * Governance beyond validators on the real executor: organisations admitted and removed,
 * observers added and removed, node certificates renewed, each approved by more than 2/3 of
 * the member organisations, and every refusal changing nothing.
 */
const ORGS = ["org1", "org2", "org3"];

let chain: TestChain;
let admins: Map<string, Member>;

beforeEach(() => {
  admins = new Map();
  chain = new TestChain("ecdsa-p256", ORGS, (c) =>
    ORGS.map((org) => {
      const admin = c.member(org, "org-admin");
      admins.set(org, admin);
      return { role: "org-admin", organisation: org, certificate: pemOf(admin) };
    }),
  );
});

const admin = (org: string): KeyPair => admins.get(org)!.keys;
const propose = (org: string, proposalId: string, ...actions: ProposalAction[]): TxResult =>
  chain.run(admin(org), { kind: "proposeGovernance", value: { proposalId, actions } });
const approve = (org: string, proposalId: string): TxResult =>
  chain.run(admin(org), { kind: "approveProposal", value: { proposalId } });
const events = (result: TxResult) => result.events.map((e) => e.type);
const proposals = () => listProposals(chain.entries());
const nodes = () => chainNodes(chain.state, listNodes(chain.entries()), chain.suite.hash);

/** A node certificate from `org`'s CA: CN its name, OU node-operator (or `role`), for its key. */
function nodeCert(org: string, name: string, keys: KeyPair, days = 365n, role = "node-operator"): Uint8Array {
  const ca = chain.orgs.get(org)!;
  return issueCertificate({
    profile: "node",
    subject: { commonName: name, organization: org, organizationalUnit: role },
    subjectPublicKey: keys.publicKey,
    serial: Uint8Array.of(0x22, Number(days % 200n), name.length),
    notBeforeMs: T0,
    notAfterMs: T0 + days * DAY_MS,
    issuer: ca.cert,
    issuerKey: ca.keys.privateKey,
    dnsNames: [name],
  }).der;
}

/** Proposed by org1, approved by org2 and org3: all three of three, which is more than 2/3. */
function pass(proposalId: string, ...actions: ProposalAction[]): TxResult {
  expect(propose("org1", proposalId, ...actions).code).toBe("OK");
  expect(approve("org2", proposalId).code).toBe("OK");
  const last = approve("org3", proposalId);
  expect(last.code).toBe("OK");
  expect(events(last)).toContain("proposalAccepted");
  return last;
}

describe("governance proposals of tagged actions", () => {
  it("admits an organisation and its CA once more than 2/3 approve, and not before", () => {
    const ca = chain.makeCa("org-ca", "org4");
    const action: ProposalAction = {
      kind: "admitOrganisation",
      value: { id: "org4", name: "Fourth", caCertificate: ca.cert.der, tlsCaCertificate: undefined },
    };
    expect(propose("org1", "admit-org4", action).code).toBe("OK");
    expect(approve("org2", "admit-org4").code).toBe("OK");
    expect(readOrganisation(chain.state, "org4")).toBeUndefined(); // 2 of 3 is not more than 2/3
    expect(approve("org2", "admit-org4").code).toBe("GOVERNANCE_ALREADY_APPROVED");
    const last = approve("org3", "admit-org4");
    expect(events(last)).toEqual(["proposalApproved", "organisationRegistered", "proposalAccepted"]);
    expect(listOrganisationIds(chain.state)).toEqual([...ORGS, "org4"]);
    expect(proposals()[0]).toMatchObject({ status: "scheduled", effectiveHeight: chain.height });
    expect(approve("org1", "admit-org4").code).toBe("GOVERNANCE_CLOSED");
  });

  it("refuses at proposal time what could never apply, and records nothing", () => {
    const stranger = chain.makeCa("org-ca", "org5");
    const badCa: ProposalAction = {
      kind: "admitOrganisation",
      value: { id: "org4", name: "Fourth", caCertificate: stranger.cert.der, tlsCaCertificate: undefined },
    };
    expect(propose("org1", "bad", badCa).code).toBe("CERT_WRONG_ORG");
    expect(propose("org1", "again", { kind: "removeOrganisation", value: { id: "nobody" } }).code).toBe(
      "ORG_UNKNOWN",
    );
    expect(propose("org1", "empty").code).toBe("GOVERNANCE_EMPTY");
    expect(propose("org1", "no-change", { kind: "changeValidators", value: { changes: [] } }).code).toBe(
      "GOVERNANCE_EMPTY",
    );
    expect(proposals()).toEqual([]);
  });

  it("removes an organisation: it no longer votes or signs, and its old approvals stop counting", () => {
    // org3 approves a proposal, then is removed before it passes.
    const observerKeys = chain.suite.generateKeyPair();
    const addObserver: ProposalAction = {
      kind: "addObserver",
      value: { certificate: nodeCert("org2", "obs1", observerKeys) },
    };
    expect(propose("org3", "watch", addObserver).code).toBe("OK");
    pass("remove-org3", { kind: "removeOrganisation", value: { id: "org3" } });
    expect(listOrganisationIds(chain.state)).toEqual(["org1", "org2"]);
    expect(approve("org3", "watch").code).toBe("ORG_REMOVED");
    // Two members now: both must approve; org3's earlier approval does not count.
    const first = approve("org1", "watch");
    expect(events(first)).toEqual(["proposalApproved"]);
    expect(first.events[0]!.attributes).toContainEqual({ key: "approvals", value: "1" });
    expect(events(approve("org2", "watch"))).toContain("observerAdded");
    // An id governance removed is never admitted again.
    const again = chain.makeCa("org-ca", "org3");
    expect(
      propose("org1", "readmit", {
        kind: "admitOrganisation",
        value: { id: "org3", name: "Again", caCertificate: again.cert.der, tlsCaCertificate: undefined },
      }).code,
    ).toBe("ORG_EXISTS");
  });

  it("keeps an organisation that still runs a validator", () => {
    // The genesis validator's certificate, renewed through governance, ties it to org2.
    const renew: ProposalAction = {
      kind: "renewNodeCertificate",
      value: { certificate: nodeCert("org2", "v0", chain.validator) },
    };
    pass("tie-v0", renew);
    expect(nodes()[0]).toMatchObject({ name: "v0", role: "validator", organisation: "org2" });
    expect(propose("org1", "drop-org2", { kind: "removeOrganisation", value: { id: "org2" } }).code).toBe(
      "GOVERNANCE_ORG_RUNS_VALIDATORS",
    );
  });

  it("keeps the last organisation", () => {
    pass("drop-org3", { kind: "removeOrganisation", value: { id: "org3" } });
    expect(propose("org1", "drop-org2", { kind: "removeOrganisation", value: { id: "org2" } }).code).toBe(
      "OK",
    );
    expect(events(approve("org2", "drop-org2"))).toContain("organisationRemoved");
    expect(propose("org1", "drop-org1", { kind: "removeOrganisation", value: { id: "org1" } }).code).toBe(
      "GOVERNANCE_LAST_ORGANISATION",
    );
  });

  it("adds and removes an observer, which the chain then lists beside the validators", () => {
    const keys = chain.suite.generateKeyPair();
    const certificate = nodeCert("org2", "auditor-node", keys);
    const added = pass("add-obs", { kind: "addObserver", value: { certificate } });
    expect(events(added)).toContain("observerAdded");
    expect(nodes().map((n) => [n.name, n.role, n.organisation])).toEqual([
      ["v0", "validator", ""],
      ["auditor-node", "observer", "org2"],
    ]);
    expect(propose("org1", "twice", { kind: "addObserver", value: { certificate } }).code).toBe(
      "NODE_EXISTS",
    );
    const validatorCert = nodeCert("org1", "v0", chain.validator);
    expect(
      propose("org1", "v0-obs", { kind: "addObserver", value: { certificate: validatorCert } }).code,
    ).toBe("NODE_EXISTS");
    const notNode = nodeCert("org1", "x", chain.suite.generateKeyPair(), 365n, "auditor");
    expect(propose("org1", "not-node", { kind: "addObserver", value: { certificate: notNode } }).code).toBe(
      "NODE_CERT_NOT_NODE",
    );
    pass("rm-obs", { kind: "removeObserver", value: { publicKey: keys.publicKey.bytes } });
    expect(nodes().map((n) => n.role)).toEqual(["validator"]);
    expect(
      propose("org1", "rm-again", { kind: "removeObserver", value: { publicKey: keys.publicKey.bytes } })
        .code,
    ).toBe("NODE_UNKNOWN");
    const v0 = { kind: "removeObserver" as const, value: { publicKey: chain.validator.publicKey.bytes } };
    expect(propose("org1", "rm-v0", v0).code).toBe("NODE_UNKNOWN");
  });

  it("renews a node certificate only for the same node, name and organisation, and only later", () => {
    const keys = chain.suite.generateKeyPair();
    pass("add-obs", { kind: "addObserver", value: { certificate: nodeCert("org2", "obs", keys, 30n) } });
    const renewal = (certificate: Uint8Array): ProposalAction => ({
      kind: "renewNodeCertificate",
      value: { certificate },
    });
    expect(propose("org1", "same", renewal(nodeCert("org2", "obs", keys, 30n))).code).toBe(
      "NODE_CERT_NOT_LATER",
    );
    expect(propose("org1", "renamed", renewal(nodeCert("org2", "other", keys, 400n))).code).toBe(
      "NODE_CERT_MISMATCH",
    );
    expect(propose("org1", "moved", renewal(nodeCert("org1", "obs", keys, 400n))).code).toBe(
      "NODE_CERT_MISMATCH",
    );
    const unknown = chain.suite.generateKeyPair();
    expect(propose("org1", "unknown", renewal(nodeCert("org2", "obs", unknown, 400n))).code).toBe(
      "NODE_UNKNOWN",
    );
    const renewed = pass("renew", renewal(nodeCert("org2", "obs", keys, 400n)));
    expect(events(renewed)).toContain("nodeCertificateRenewed");
    expect(nodes()[1]?.certificate?.certificateNotAfterMs).toBe(T0 + 400n * DAY_MS);
  });

  it("schedules validator changes two heights on and applies the rest in the approving block", () => {
    const keys = chain.suite.generateKeyPair();
    const last = pass(
      "grow",
      { kind: "addObserver", value: { certificate: nodeCert("org1", "n1", chain.suite.generateKeyPair()) } },
      {
        kind: "changeValidators",
        value: { changes: [{ name: "n2", publicKey: keys.publicKey.bytes, power: 5n }] },
      },
    );
    expect(events(last)).toEqual([
      "proposalApproved",
      "observerAdded",
      "validatorSetScheduled",
      "proposalAccepted",
    ]);
    expect(readScheduledSet(chain.state)?.effectiveHeight).toBe(chain.height + 2n);
    expect(proposals()[0]?.effectiveHeight).toBe(chain.height + 2n);
    expect(nodes().map((n) => n.name)).toEqual(["v0", "n1"]);
  });
});
